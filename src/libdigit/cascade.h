/* cascade.h - a model of several networks read one after another.
 *
 * A cascade is a chain of networks (dg_net.next) that take the same
 * cells and give the same classes.  The first member reads every cell;
 * each later member reads only the cells whose best probability so far
 * is below that member's threshold (dg_net.below, recorded in its
 * metadata as cascade_below), and the probabilities of every member
 * that read a cell are combined by their geometric mean, normalised to
 * sum to one.  So a fast network answers the cells it is sure of and a
 * slower, stronger one is asked only about the rest.  dg_net_forward
 * reads the whole cascade; a network with no next member is a cascade
 * of one and is read as before.
 *
 * The model file holds the members one after another (digitmodel(5));
 * a cascade is read, never trained: train its members, then join them. */
#ifndef DG_CASCADE_H
#define DG_CASCADE_H

#include "net.h"

#define DG_CASCADE_MAX 4        /* members of one cascade at most */

/* Append *member to the end of net's chain, to be read for the cells
 * whose best probability so far is below `below` (0 < below <= 1).  The
 * member is moved: on success *member is left empty (zeroed) and the
 * chain owns its parameters; on failure nothing changes.  Its metadata
 * records cascade_below. */
int dg_cascade_append(dg_net *net, dg_net *member, double below, dg_err *e);

/* Members of net's chain: 1 for a plain network. */
size_t dg_cascade_members(const dg_net *net);

/* 0 when the chain of net fits together: at most DG_CASCADE_MAX
 * members, each taking net's inputs and giving net's classes, each
 * later one with a threshold in (0, 1]; else -1 naming the member. */
int dg_cascade_check(const dg_net *net, dg_err *e);

/* The first member of net alone (a view sharing its parameters, never
 * freed): what a reader uses when it must read many candidates fast. */
dg_net dg_cascade_first(const dg_net *net);

/* Whether a later member of net would be asked about a cell whose
 * probabilities so far are p (classes): 0 for a plain network. */
int dg_cascade_asks(const dg_net *net, const float *p);

/* After net's first member wrote its probabilities p (n, classes) from
 * the cells in a->act[0], read the later members for the rows they
 * are asked about and combine their answers into p.  (dg_net_forward
 * calls this; a->next holds the members' buffers.) */
void dg_cascade_forward(const dg_net *net, dg_acts *a, size_t n, float *p);

#endif
