/* SPDX-License-Identifier: Apache-2.0 */
/* An LD_PRELOAD library that lets Debian's unmodified `ndctl read-labels -j` read label areas
   from plain files, so that the test can compare pmemvp-inspect's output with ndctl's.
   ndctl (libndctl) finds DIMMs in sysfs and reads their label area with the
   ND_IOCTL_GET_CONFIG_SIZE / ND_IOCTL_GET_CONFIG_DATA ioctls on /dev/nmemN. With
   PMEMVP_NDCTL_ROOT=DIR set:
   - paths under /sys/ are looked up under DIR/sys/ (a small fake sysfs the test writes);
   - /dev/nmemN opens /dev/null (the fake sysfs gives the DIMM /dev/null's major:minor, so
     libndctl's check that it is the DIMM's character device passes);
   - those two ioctls on such a descriptor are answered from DIR/nmemN.labels.
   Nothing else is changed. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <dirent.h>
#include <unistd.h>
#include <linux/ndctl.h>

#define MAX_FDS 1024
static int fd_dimm[MAX_FDS]; /* 1 + the DIMM id of a /dev/nmemN descriptor, 0 otherwise */

static const char *root(void) { return getenv("PMEMVP_NDCTL_ROOT"); }

/* The path to use: DIR/sys/... for /sys/...; `path` itself otherwise. */
static const char *map(const char *path, char *buf, size_t size) {
    const char *r = root();
    if (r && path && strncmp(path, "/sys/", 5) == 0) {
        snprintf(buf, size, "%s%s", r, path);
        return buf;
    }
    return path;
}

static int dimm_of(const char *path) {
    int id;
    char tail;
    if (root() && path && sscanf(path, "/dev/nmem%d%c", &id, &tail) == 1 && id >= 0) return id;
    return -1;
}

#define REAL(ret, name, ...)                                                                   \
    static ret (*real)(__VA_ARGS__);                                                           \
    if (!real) real = (ret (*)(__VA_ARGS__))dlsym(RTLD_NEXT, name)

static int opened(int fd, int dimm) {
    if (fd >= 0 && fd < MAX_FDS) fd_dimm[fd] = dimm >= 0 ? dimm + 1 : 0;
    return fd;
}

static int do_open(const char *name, const char *path, int flags, mode_t mode) {
    REAL(int, name, const char *, int, ...);
    char buf[4096];
    const int dimm = dimm_of(path);
    if (dimm >= 0) return opened(real("/dev/null", flags & ~O_CREAT), dimm);
    return opened(real(map(path, buf, sizeof buf), flags, mode), -1);
}

int open(const char *path, int flags, ...) {
    va_list ap;
    va_start(ap, flags);
    mode_t mode = (flags & O_CREAT) ? va_arg(ap, mode_t) : 0;
    va_end(ap);
    return do_open("open", path, flags, mode);
}

int open64(const char *path, int flags, ...) {
    va_list ap;
    va_start(ap, flags);
    mode_t mode = (flags & O_CREAT) ? va_arg(ap, mode_t) : 0;
    va_end(ap);
    return do_open("open64", path, flags, mode);
}

int __open64_2(const char *path, int flags) { return do_open("open64", path, flags, 0); }
int __open_2(const char *path, int flags) { return do_open("open", path, flags, 0); }

FILE *fopen(const char *path, const char *mode) {
    REAL(FILE *, "fopen", const char *, const char *);
    char buf[4096];
    return real(map(path, buf, sizeof buf), mode);
}

FILE *fopen64(const char *path, const char *mode) {
    REAL(FILE *, "fopen64", const char *, const char *);
    char buf[4096];
    return real(map(path, buf, sizeof buf), mode);
}

DIR *opendir(const char *path) {
    REAL(DIR *, "opendir", const char *);
    char buf[4096];
    return real(map(path, buf, sizeof buf));
}

char *realpath(const char *path, char *resolved) {
    REAL(char *, "realpath", const char *, char *);
    char buf[4096];
    return real(map(path, buf, sizeof buf), resolved);
}

int stat(const char *path, struct stat *st) {
    REAL(int, "stat", const char *, struct stat *);
    char buf[4096];
    return real(map(path, buf, sizeof buf), st);
}

int stat64(const char *path, struct stat64 *st) {
    REAL(int, "stat64", const char *, struct stat64 *);
    char buf[4096];
    return real(map(path, buf, sizeof buf), st);
}

int close(int fd) {
    REAL(int, "close", int);
    if (fd >= 0 && fd < MAX_FDS) fd_dimm[fd] = 0;
    return real(fd);
}

/* The label area of DIMM `dimm`, read whole; NULL if there is none. */
static unsigned char *labels(int dimm, long *size) {
    char path[4096];
    snprintf(path, sizeof path, "%s/nmem%d.labels", root(), dimm);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    *size = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *data = malloc(*size > 0 ? (size_t)*size : 1);
    if (data && fread(data, 1, (size_t)*size, f) != (size_t)*size) {
        free(data);
        data = NULL;
    }
    fclose(f);
    return data;
}

int ioctl(int fd, unsigned long request, ...) {
    REAL(int, "ioctl", int, unsigned long, ...);
    va_list ap;
    va_start(ap, request);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    if (fd < 0 || fd >= MAX_FDS || !fd_dimm[fd]) return real(fd, request, arg);
    long size = 0;
    unsigned char *data = labels(fd_dimm[fd] - 1, &size);
    if (!data) {
        errno = ENXIO;
        return -1;
    }
    int rc = 0;
    /* libndctl passes the request as an int, sign-extended: the kernel looks at 32 bits. */
    const unsigned cmd = (unsigned)request;
    if (cmd == ND_IOCTL_GET_CONFIG_SIZE) {
        struct nd_cmd_get_config_size *c = arg;
        c->status = 0;
        c->config_size = (unsigned)size;
        c->max_xfer = 4096;
    } else if (cmd == ND_IOCTL_GET_CONFIG_DATA) {
        struct nd_cmd_get_config_data_hdr *c = arg;
        if ((long)c->in_offset + c->in_length > size) {
            c->status = 3; /* invalid input parameters */
        } else {
            memcpy(c->out_buf, data + c->in_offset, c->in_length);
            c->status = 0;
        }
    } else {
        errno = ENOTTY;
        rc = -1;
    }
    free(data);
    return rc;
}
