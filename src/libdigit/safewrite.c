/* safewrite.c - replacing a file atomically (see safewrite.h). */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "safewrite.h"

#define MAX_HOPS 40             /* symbolic links followed, as the kernel */

/* The path of link target `to` as seen from the directory holding
 * `from`; malloc'd, NULL when out of memory. */
static char *beside(const char *from, const char *to)
{
    const char *slash = strrchr(from, '/');
    size_t pre = slash == NULL || to[0] == '/' ? 0
                 : (size_t)(slash - from) + 1;
    char *p = malloc(pre + strlen(to) + 1);

    if (p != NULL) {
        memcpy(p, from, pre);
        strcpy(p + pre, to);
    }
    return p;
}

/* Follow symbolic links from path to the file they name (which need not
 * exist); malloc'd, or NULL with e set. */
static char *follow_links(const char *path, dg_err *e)
{
    char *cur = strdup(path), link[PATH_MAX];
    struct stat st;
    int hops;

    for (hops = 0; cur != NULL && hops <= MAX_HOPS; hops++) {
        ssize_t n;
        char *next;

        if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode))
            return cur;
        n = readlink(cur, link, sizeof link - 1);
        if (n < 0) {
            dg_seterr(e, "%s: %s", path, strerror(errno));
            free(cur);
            return NULL;
        }
        link[n] = '\0';
        next = beside(cur, link);
        free(cur);
        cur = next;
    }
    if (cur == NULL)
        dg_seterr(e, "%s: out of memory", path);
    else
        dg_seterr(e, "%s: too many levels of symbolic links", path);
    free(cur);
    return NULL;
}

/* What a file of this mode is, for messages. */
static const char *kind_of(mode_t m)
{
    return S_ISDIR(m) ? "a directory" : S_ISFIFO(m) ? "a FIFO"
           : S_ISCHR(m) || S_ISBLK(m) ? "a device" : S_ISSOCK(m)
           ? "a socket" : "not a regular file";
}

/* dir and "." + base + DG_TMP_TAG (the temporaries' common start) of
 * target, in malloc'd strings; 0 or -1. */
static int split_target(const char *target, char **dir, char **prefix)
{
    const char *slash = strrchr(target, '/');
    const char *base = slash == NULL ? target : slash + 1;
    size_t dlen = slash == NULL ? 1 : slash == target ? 1
                  : (size_t)(slash - target);

    *dir = malloc(dlen + 1);
    *prefix = malloc(strlen(base) + sizeof DG_TMP_TAG + 2);
    if (*dir == NULL || *prefix == NULL) {
        free(*dir);
        free(*prefix);
        return -1;
    }
    memcpy(*dir, slash == NULL ? "." : target, dlen);
    (*dir)[dlen] = '\0';
    /* Long names are cut so the temporary's name stays legal. */
    sprintf(*prefix, ".%.200s%s", base, DG_TMP_TAG);
    return 0;
}

/* Remove this target's temporaries older than DG_STALE_SECONDS: what a
 * writer killed between creating and renaming leaves.  Best effort. */
static void clean_stale(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    const size_t plen = strlen(prefix);
    const time_t now = time(NULL);
    struct dirent *de;
    struct stat st;

    if (d == NULL)
        return;
    while ((de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, prefix, plen) != 0
            || strlen(de->d_name) != plen + 6
            || fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0
            || !S_ISREG(st.st_mode) || now - st.st_mtime < DG_STALE_SECONDS)
            continue;
        unlinkat(dirfd(d), de->d_name, 0);
    }
    closedir(d);
}

/* Create a new temporary dir/prefixXXXXXX with mode 0666 less the umask
 * (the kernel applies it); its name goes to *tmp (malloc'd).  Returns
 * the descriptor or -1 with errno set. */
static int create_temp(const char *dir, const char *prefix, char **tmp)
{
    static const char digits[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    static unsigned long counter;
    const size_t len = strlen(dir) + strlen(prefix) + 8;
    struct timespec ts;
    int attempt, fd = -1, j;

    *tmp = malloc(len);
    if (*tmp == NULL)
        return -1;
    clock_gettime(CLOCK_REALTIME, &ts);
    for (attempt = 0; attempt < 100 && fd < 0; attempt++) {
        unsigned long long v = (unsigned long long)ts.tv_nsec * 2654435761u
                               ^ (unsigned long long)getpid() << 20
                               ^ (unsigned long long)++counter * 40503u;
        char *p;

        p = *tmp + snprintf(*tmp, len, "%s/%s", dir, prefix);
        for (j = 0; j < 6; j++, v /= 36)
            *p++ = digits[v % 36];
        *p = '\0';
        fd = open(*tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        free(*tmp);
        *tmp = NULL;
    }
    return fd;
}

/* Write all of buf to fd and sync it; 0 or -1 with errno set. */
static int write_all(int fd, const unsigned char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return fsync(fd);
}

/* Sync the directory so the rename itself survives a crash.  File
 * systems that cannot sync a directory (EINVAL) are not an error. */
static int sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

    if (fd < 0)
        return -1;
    rc = fsync(fd) != 0 && errno != EINVAL && errno != EROFS ? -1 : 0;
    close(fd);
    return rc;
}

/* Write buf to the new file fd stands for, giving it the old file's
 * mode and owner when it replaces one (old not NULL). */
static int fill_temp(int fd, const struct stat *old,
                     const unsigned char *buf, size_t len)
{
    if (old != NULL) {
        if (fchmod(fd, old->st_mode & 07777) != 0)
            return -1;
        /* Only root can give the file away; others keep their own. */
        if (geteuid() == 0 && fchown(fd, old->st_uid, old->st_gid) != 0)
            return -1;
    }
    return write_all(fd, buf, len);
}

/* Replace the existing or new regular file target (links resolved). */
static int replace_target(const char *path, const char *target,
                          const struct stat *old, const unsigned char *buf,
                          size_t len, dg_err *e)
{
    char *dir, *prefix, *tmp = NULL;
    int fd, rc = -1, err;

    if (split_target(target, &dir, &prefix) < 0)
        return dg_seterr(e, "%s: out of memory", path);
    clean_stale(dir, prefix);
    fd = create_temp(dir, prefix, &tmp);
    if (fd < 0) {
        dg_seterr(e, "%s: cannot create a temporary file: %s", path,
                  strerror(errno));
        goto out;
    }
    rc = fill_temp(fd, old, buf, len);
    err = errno;
    if (close(fd) != 0 && rc == 0) {
        rc = -1;
        err = errno;
    }
    if (rc != 0)
        dg_seterr(e, "%s: write error: %s", path, strerror(err));
    else if ((rc = rename(tmp, target)) != 0)
        dg_seterr(e, "%s: cannot rename the temporary file: %s", path,
                  strerror(errno));
    else if ((rc = sync_dir(dir)) != 0)
        dg_seterr(e, "%s: cannot sync the directory %s: %s", path, dir,
                  strerror(errno));
out:
    if (rc != 0 && tmp != NULL)
        unlink(tmp);
    free(tmp);
    free(dir);
    free(prefix);
    return rc;
}

int dg_replace_file(const char *path, const unsigned char *buf, size_t len,
                    dg_err *e)
{
    char *target = follow_links(path, e);
    struct stat st;
    int rc, exists;

    if (target == NULL)
        return -1;
    exists = stat(target, &st) == 0;
    if (!exists && errno != ENOENT) {
        rc = dg_seterr(e, "%s: %s", path, strerror(errno));
    } else if (exists && !S_ISREG(st.st_mode)) {
        rc = dg_seterr(e, "%s: is %s; refusing to replace it with a "
                       "regular file", path, kind_of(st.st_mode));
    } else {
        rc = replace_target(path, target, exists ? &st : NULL, buf, len, e);
    }
    free(target);
    return rc;
}
