/* safewrite.h - replacing a file so that no reader ever sees it half
 * written, as careful Unix tools do.
 *
 * The new contents go to a temporary file in the target's directory,
 * named ".NAME.dgtmp-XXXXXX", which is flushed, synced and renamed over
 * the target; the directory is synced after the rename.  A symbolic link
 * is followed (its target is replaced, the link kept; a dangling link
 * gets its target created).  A target that is not a regular file (a
 * directory, device, FIFO or socket) is refused, never replaced.  A new
 * file gets mode 0666 less the umask; a replaced one keeps its mode.
 * Temporaries of this naming left by a killed writer are removed once
 * they are older than DG_STALE_SECONDS. */
#ifndef DG_SAFEWRITE_H
#define DG_SAFEWRITE_H

#include <stddef.h>

#include "dg.h"

#define DG_STALE_SECONDS 3600
#define DG_TMP_TAG ".dgtmp-"

/* Replace path with the len bytes of buf.  On failure nothing at path
 * changes, the temporary file is removed, and e names path and the
 * reason. */
int dg_replace_file(const char *path, const unsigned char *buf, size_t len,
                    dg_err *e);

#endif
