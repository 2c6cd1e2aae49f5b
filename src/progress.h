/* progress.h - digittrain's progress display on standard error: a bar
 * redrawn in place during an epoch, fitted to the terminal's width, and
 * one line at the end of each epoch. */
#ifndef DG_PROGRESS_H
#define DG_PROGRESS_H

#include <stddef.h>
#include <stdio.h>

#include "train.h"

/* Columns of the terminal on fd: its window size (TIOCGWINSZ), else
 * $COLUMNS when it is a positive number, else 80; at least 20. */
int progress_columns(int fd);

/* The bar line of s into buf (without the leading carriage return), at
 * most columns - 1 characters so that it never wraps: the bar takes the
 * room the figures leave, and is dropped when less than 5 is left.
 * epoch_start: the elapsed time at which this epoch began. */
void progress_format(char *buf, size_t size, const dg_train_stats *s,
                     double epoch_start, int columns);

/* Redraw the bar line on f: "\r" and progress_format's line. */
void progress_bar(FILE *f, const dg_train_stats *s, double epoch_start,
                  int columns);

/* The line that ends an epoch: loss, training and validation figures;
 * on a terminal (tty) it first blanks the bar it replaces. */
void progress_epoch(FILE *f, const dg_train_stats *s, int tty, int columns);

#endif
