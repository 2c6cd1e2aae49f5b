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
 * geometry, each layer's inputs equal to the previous outputs), exact
 * length, CRC. */
#ifndef DG_MODEL_H
#define DG_MODEL_H

#include "dg.h"
#include "net.h"

#define DG_MODEL_MAGIC "DGMODEL"
#define DG_MODEL_VERSION 1
#define DG_MODEL_MAX_META (1u << 20)
#define DG_MODEL_MAX_BYTES ((size_t)1 << 31)

/* Serialise net into a malloc'd buffer; *len gets its length. */
int dg_model_encode(const dg_net *net, unsigned char **buf, size_t *len,
                    dg_err *e);

/* Parse a model from len bytes, checking everything; net is built fresh. */
int dg_model_decode(dg_net *net, const unsigned char *buf, size_t len,
                    dg_err *e);

/* Write net to path atomically: a temporary file in the same directory,
 * flushed and synced, then renamed over path.  On failure nothing at path
 * changes and the temporary file is removed. */
int dg_model_save(const dg_net *net, const char *path, dg_err *e);

/* Read and check the model at path. */
int dg_model_load(dg_net *net, const char *path, dg_err *e);

#endif
