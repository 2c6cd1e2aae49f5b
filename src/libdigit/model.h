/* model.h - the model file (digitmodel(5)).
 *
 * Layout, all integers unsigned little-endian:
 *   0   8   magic "DGMODEL\0"
 *   8   4   format version (DG_MODEL_VERSION)
 *   12  4   number of layers L (1 to DG_MAX_LAYERS)
 *   16  4   length M of the metadata text in bytes
 *   20  32L layer table: per layer 8 x u32: kind, activation, inputs,
 *           outputs, and four values reserved for other layer kinds (0)
 *   ..  M   metadata: UTF-8 "key=value\n" lines
 *   ..  4P  parameters: float32 LE, per layer weights (in, out) then bias
 *   ..  4   CRC-32 (ISO-HDLC, as zlib's crc32) of every byte before it
 * The reader checks, in this order, and says which check failed: magic,
 * size at least a header, version, layer table (kinds, activations,
 * geometry, each layer's inputs equal to the previous outputs), the cost
 * of running it (no 1x1 pooling; at most DG_MODEL_MAX_ACT floats of
 * activations and DG_MODEL_MAX_MACS multiply-adds per image), exact
 * length, CRC, and that every parameter is a finite number. */
#ifndef DG_MODEL_H
#define DG_MODEL_H

#include "dg.h"
#include "net.h"

#define DG_MODEL_MAGIC "DGMODEL"
#define DG_MODEL_VERSION 1
#define DG_MODEL_MAX_META (1u << 20)
#define DG_MODEL_MAX_BYTES ((size_t)1 << 31)
#define DG_MODEL_MAX_ACT (1u << 20)     /* floats per image: 4 MiB */
#define DG_MODEL_MAX_MACS (1u << 28)    /* multiply-adds per image */

/* Serialise net into a malloc'd buffer; *len gets its length. */
int dg_model_encode(const dg_net *net, unsigned char **buf, size_t *len,
                    dg_err *e);

/* Parse a model from len bytes, checking everything; net is built fresh. */
int dg_model_decode(dg_net *net, const unsigned char *buf, size_t len,
                    dg_err *e);

/* Write net to path atomically, as dg_replace_file does (safewrite.h):
 * a symbolic link is followed, a non-regular file refused, the mode of
 * a replaced file kept.  Path "-" writes to standard output. */
int dg_model_save(const dg_net *net, const char *path, dg_err *e);

/* Read and check the model at path (read whole into memory, never
 * mapped; a FIFO or other non-regular file is refused without
 * blocking). */
int dg_model_load(dg_net *net, const char *path, dg_err *e);

/* Floats of activations one image needs through net (every layer's
 * output and the largest convolution's column buffer): a reader sizes
 * its batches by it. */
size_t dg_model_act_floats(const dg_net *net);

/* Floats of activations a reader's batch may take: 256 MiB. */
#define DG_MODEL_ACT_BUDGET ((size_t)1 << 26)

/* The batch for net, at most want and at least 1, whose activations
 * stay within DG_MODEL_ACT_BUDGET. */
size_t dg_model_batch(const dg_net *net, size_t want);

#endif
