// SPDX-License-Identifier: Apache-2.0
// pmemvp-init: the /init of pmemvp's Linux initramfs, a small scenario runner.
//
// Built static for rv64imac/lp64 (no floating point) against the kernel's own nolibc
// (tools/include/nolibc of the same kernel tree), by sw/linux/build.sh:
//   riscv64-linux-gnu-gcc -Os -static -nostdlib -nostdinc -march=rv64imac_zicsr_zifencei
//     -mabi=lp64 -I <sysroot>/include -include nolibc.h -o init init.c
//
// It mounts devtmpfs, proc and sysfs, reads its scenarios from /proc/cmdline and runs them,
// printing one line per step, then powers off. Kernel command line parameters:
//   pmemvp.scenario=S[@DEV][,S[@DEV]...]  scenarios to run in order (default: boot);
//                                          DEV (e.g. pmem1) overrides pmemvp.dev for one item
//   pmemvp.dev=/dev/pmem0                   the pmem block device of the scenarios
//   pmemvp.seed=N                           varies the patterns (default 1); check must match
//   pmemvp.offset=N                         byte offset of pmem-write's patterns (default 0,
//                                           a multiple of 4096)
//   pmemvp.end=poweroff|reboot|halt|hang    what to do at the end (default poweroff; hang
//                                           idles forever, e.g. for a power failure injected
//                                           after the scenario; halt powers off on RISC-V)
// Scenarios: boot, pmem-write, dax, dax-nosync, check, list, bench, wait-dev, wait-gone
// (sw/linux/README.md).
// Output: every line starts with "pmemvp-init: "; a step prints "<step>: ok" or
// "<step>: failed: errno N (NAME)"; the last line before power-off is "pmemvp-init: done".

#define PAGE 4096
#define PREFIX "pmemvp-init: "

// Raw system calls nolibc does not wrap.
static long sys_msync_(void *addr, size_t len, int flags) {
    return my_syscall3(__NR_msync, addr, len, flags);
}
static long sys_pread_(int fd, void *buf, size_t len, long off) {
    return my_syscall4(__NR_pread64, fd, buf, len, off);
}
static long sys_pwrite_(int fd, const void *buf, size_t len, long off) {
    return my_syscall4(__NR_pwrite64, fd, buf, len, off);
}
static long sys_getdents64_(int fd, void *buf, size_t len) {
    return my_syscall3(__NR_getdents64, fd, buf, len);
}
static long sys_syslog_(int type, char *buf, int len) {
    return my_syscall3(__NR_syslog, type, buf, len);
}
static long sys_sync_(void) { return my_syscall0(__NR_sync); }
static long sys_ftruncate_(int fd, long length) {
    const long r = my_syscall2(__NR_ftruncate, fd, length);
    if (r < 0) SET_ERRNO(-r);
    return r < 0 ? -1 : r;
}
static void pause_(void) { my_syscall4(__NR_ppoll, 0, 0, 0, 0); }
static void sleep_ms_(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    my_syscall4(__NR_ppoll, 0, 0, &ts, 0);
}

// Index of the first newline (or the end) of s.
static size_t strcspn_nl(const char *s) {
    size_t i = 0;
    while (s[i] && s[i] != '\n')
        i++;
    return i;
}

struct dirent64_ {
    unsigned long long d_ino;
    long long d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

// ---- output ---------------------------------------------------------------------------------

static const char *errno_name(int e) {
    switch (e) {
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case EIO: return "EIO";
    case ENXIO: return "ENXIO";
    case EBADF: return "EBADF";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case ENOTBLK: return "ENOTBLK";
    case EBUSY: return "EBUSY";
    case EEXIST: return "EEXIST";
    case ENODEV: return "ENODEV";
    case ENOTDIR: return "ENOTDIR";
    case EINVAL: return "EINVAL";
    case ENOSPC: return "ENOSPC";
    case EROFS: return "EROFS";
    case ENOSYS: return "ENOSYS";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    default: return "?";
    }
}

static int failures;

// Prints "pmemvp-init: <step>: ok" when ret >= 0, else "... failed: errno N (NAME)".
static int report(const char *step, long ret) {
    if (ret >= 0) {
        printf(PREFIX "%s: ok\n", step);
        return 0;
    }
    int e = errno;
    printf(PREFIX "%s: failed: errno %d (%s)\n", step, e, errno_name(e));
    failures++;
    return -1;
}

// A short-lived step name: "<a> <b>".
static char stepbuf[256];
static const char *step2(const char *a, const char *b) {
    stepbuf[0] = 0;
    strlcat(stepbuf, a, sizeof stepbuf);
    strlcat(stepbuf, " ", sizeof stepbuf);
    strlcat(stepbuf, b, sizeof stepbuf);
    return stepbuf;
}

// ---- files ----------------------------------------------------------------------------------

static char filebuf[65536];

// Reads a whole (small) file into filebuf, NUL-terminated; returns its length or -1.
static long read_file(const char *path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    long n = 0;
    while (n < (long)sizeof filebuf - 1) {
        ssize_t r = read(fd, filebuf + n, sizeof filebuf - 1 - n);
        if (r <= 0)
            break;
        n += r;
    }
    close(fd);
    filebuf[n] = 0;
    return n;
}

static int contains(const char *s, const char *needle) {
    size_t n = strlen(needle);
    for (; *s; s++)
        if (!strncmp(s, needle, n))
            return 1;
    return 0;
}

// Prints every line of filebuf[0..len) that contains one of the needles (all when none).
static void print_lines(const char *what, char *buf, long len, const char *const *needles) {
    char *line = buf;
    for (long i = 0; i <= len; i++) {
        if (i == len || buf[i] == '\n') {
            char saved = buf[i];
            buf[i] = 0;
            int keep = !needles;
            for (int k = 0; needles && needles[k] && !keep; k++)
                keep = contains(line, needles[k]);
            if (needles && contains(line, "pmemvp")) // the command line, the build banner
                keep = 0;
            if (keep && *line)
                printf(PREFIX "%s: %s\n", what, line);
            if (i < len)
                buf[i] = saved;
            line = buf + i + 1;
        }
    }
}

// ---- the kernel command line ----------------------------------------------------------------

static char cmdline[4096];

// Copies the value of "name=" from the command line into out; returns 1 when present.
static int param(const char *name, char *out, size_t outlen) {
    size_t n = strlen(name);
    const char *p = cmdline;
    while (*p) {
        while (*p == ' ' || *p == '\n')
            p++;
        if (!strncmp(p, name, n) && p[n] == '=') {
            p += n + 1;
            size_t i = 0;
            while (*p && *p != ' ' && *p != '\n' && i + 1 < outlen)
                out[i++] = *p++;
            out[i] = 0;
            return 1;
        }
        while (*p && *p != ' ' && *p != '\n')
            p++;
    }
    return 0;
}

// ---- patterns -------------------------------------------------------------------------------
// A pattern is one 4 KiB page: a text header naming it, then bytes from a simple generator,
// so that a check can count how many bytes of a page survived.

static unsigned long seed = 1;

static void make_pattern(unsigned char *page, const char *name) {
    unsigned int h = 2166136261u; // FNV-1a of the name and the seed
    for (const char *c = name; *c; c++)
        h = (h ^ (unsigned char)*c) * 16777619u;
    h = (h ^ (unsigned int)seed) * 16777619u;
    for (int i = 0; i < PAGE; i++) {
        h ^= h << 13;
        h ^= h >> 17;
        h ^= h << 5;
        page[i] = (unsigned char)h;
    }
    char hdr[64] = "pmemvp pattern ";
    strlcat(hdr, name, sizeof hdr);
    strlcat(hdr, " seed ", sizeof hdr);
    char num[24];
    utoa_r(seed, num);
    strlcat(hdr, num, sizeof hdr);
    strlcat(hdr, "\n", sizeof hdr);
    memcpy(page, hdr, strlen(hdr));
}

// Compares a page with the named pattern and prints
// "pmemvp-init: check <name> (<where>): present|absent|partial N/4096".
static void check_pattern(const unsigned char *page, const char *name, const char *where) {
    static unsigned char want[PAGE];
    make_pattern(want, name);
    int same = 0;
    for (int i = 0; i < PAGE; i++)
        same += page[i] == want[i];
    if (same == PAGE)
        printf(PREFIX "check %s (%s): present\n", name, where);
    else if (same < 64) // random bytes match 1 in 256: ~16 of 4096 by chance
        printf(PREFIX "check %s (%s): absent\n", name, where);
    else
        printf(PREFIX "check %s (%s): partial %d/%d\n", name, where, same, PAGE);
}

static void where_str(char *out, size_t len, const char *path, unsigned long off) {
    out[0] = 0;
    strlcat(out, path, len);
    strlcat(out, "+0x", len);
    char num[24];
    utoh_r(off, num);
    strlcat(out, num, len);
}

// ---- scenarios ------------------------------------------------------------------------------

// msync(MS_SYNC) of one mapped page, reported as `step`.
static void msync_page(const char *step, void *map) {
    long m = sys_msync_(map, PAGE, MS_SYNC);
    if (m < 0)
        SET_ERRNO(-m);
    report(step, m < 0 ? -1 : 0);
}

static char dev[128] = "/dev/pmem0";
static unsigned long blk_offset;
static unsigned char page_buf[2 * PAGE];

// pmem-write: write() pattern blk-write at offset, fsync; mmap the next page MAP_SHARED,
// store pattern blk-mmap, msync.
static void scenario_pmem_write(void) {
    int fd = open(dev, O_RDWR);
    if (report(step2("pmem-write: open", dev), fd) < 0)
        return;
    make_pattern(page_buf, "blk-write");
    long r = sys_pwrite_(fd, page_buf, PAGE, blk_offset);
    if (r >= 0 && r != PAGE) {
        SET_ERRNO(EIO);
        r = -1;
    } else if (r < 0) {
        SET_ERRNO(-r);
        r = -1;
    }
    report("pmem-write: write blk-write", r);
    report("pmem-write: fsync", fsync(fd));

    unsigned char *map = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
                              blk_offset + PAGE);
    if (report("pmem-write: mmap", map == MAP_FAILED ? -1 : 0) == 0) {
        make_pattern(page_buf, "blk-mmap");
        memcpy(map, page_buf, PAGE);
        printf(PREFIX "pmem-write: store blk-mmap: ok\n");
        msync_page("pmem-write: msync", map);
        report("pmem-write: munmap", munmap(map, PAGE));
    }
    report("pmem-write: close", close(fd));
    char where[160];
    where_str(where, sizeof where, dev, blk_offset);
    printf(PREFIX "pmem-write: wrote blk-write at %s with write()+fsync, blk-mmap at the next "
           "page with mmap+msync\n", where);
}

static int mounted_mnt;

static int mount_dax(const char *scenario) {
    if (mounted_mnt)
        return 0;
    mkdir("/mnt", 0755);
    if (report(step2(scenario, "mount ext2 -o dax on /mnt"),
               mount(dev, "/mnt", "ext2", 0, "dax")) < 0)
        return -1;
    mounted_mnt = 1;
    return 0;
}

// dax: mount DEV (ext2, formatted by the host) with -o dax on /mnt; write /mnt/hello.txt
// (page 0: pattern dax-write, page 1: zeros), fsync; mmap page 1 MAP_SHARED, store
// pattern dax-mmap, msync.
// dax-nosync: the same stores, without fsync or msync: what a power failure then keeps shows
// what the flush (virtio-pmem's flush request, cbo.clean on an NVDIMM) was for.
static int dax_sync = 1;

static void scenario_dax(void) {
    if (mount_dax("dax:") < 0)
        return;
    int fd = open("/mnt/hello.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (report("dax: create /mnt/hello.txt", fd) < 0)
        return;
    make_pattern(page_buf, "dax-write");
    memset(page_buf + PAGE, 0, PAGE);
    long r = write(fd, page_buf, 2 * PAGE);
    if (r >= 0 && r != 2 * PAGE) {
        SET_ERRNO(EIO);
        r = -1;
    }
    report("dax: write dax-write", r);
    if (dax_sync) report("dax: fsync", fsync(fd));

    unsigned char *map = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, PAGE);
    if (report("dax: mmap", map == MAP_FAILED ? -1 : 0) == 0) {
        make_pattern(page_buf, "dax-mmap");
        memcpy(map, page_buf, PAGE);
        printf(PREFIX "dax: store dax-mmap: ok\n");
        if (dax_sync) msync_page("dax: msync", map);
        report("dax: munmap", munmap(map, PAGE));
    }
    report("dax: close", close(fd));
    printf(PREFIX "dax: wrote dax-write to /mnt/hello.txt+0x0 with write()+fsync, dax-mmap at "
           "+0x1000 with mmap+msync\n");
}

// check: read back what pmem-write (and, if DEV holds ext2, dax) wrote.
static void scenario_check(void) {
    char where[160];
    int fd = open(dev, O_RDONLY);
    if (report(step2("check: open", dev), fd) < 0)
        return;
    static const char *const names[2] = {"blk-write", "blk-mmap"};
    for (int i = 0; i < 2; i++) {
        unsigned long off = blk_offset + (unsigned long)i * PAGE;
        where_str(where, sizeof where, dev, off);
        long r = sys_pread_(fd, page_buf, PAGE, off);
        if (r != PAGE) {
            if (r < 0)
                SET_ERRNO(-r);
            else
                SET_ERRNO(EIO);
            report(step2("check: read", where), -1);
            continue;
        }
        check_pattern(page_buf, names[i], where);
    }
    // ext2 superblock at 1024, magic 0xEF53 at +56
    long r = sys_pread_(fd, page_buf, 1024, 1024);
    close(fd);
    if (r != 1024 || page_buf[56] != 0x53 || page_buf[57] != 0xEF) {
        printf(PREFIX "check: dax: skipped (no ext2 file system on %s)\n", dev);
        return;
    }
    if (mount_dax("check:") < 0)
        return;
    fd = open("/mnt/hello.txt", O_RDONLY);
    if (report("check: open /mnt/hello.txt", fd) < 0)
        return;
    for (int i = 0; i < 2; i++) {
        where_str(where, sizeof where, "/mnt/hello.txt", (unsigned long)i * PAGE);
        long n = sys_pread_(fd, page_buf, PAGE, (long)i * PAGE);
        if (n < 0) {
            SET_ERRNO(-n);
            report(step2("check: read", where), -1);
        } else {
            if (n < PAGE)
                memset(page_buf + n, 0, PAGE - n);
            check_pattern(page_buf, i ? "dax-mmap" : "dax-write", where);
        }
    }
    close(fd);
}

static void list_dir(const char *path, const char *const *prefixes, const char *what) {
    static char dbuf[8192];
    int fd = open(path, O_RDONLY | O_DIRECTORY);
    if (fd < 0) {
        printf(PREFIX "list: %s: none (errno %d)\n", path, errno);
        return;
    }
    int found = 0;
    long n;
    while ((n = sys_getdents64_(fd, dbuf, sizeof dbuf)) > 0) {
        for (long pos = 0; pos < n;) {
            struct dirent64_ *d = (struct dirent64_ *)(dbuf + pos);
            pos += d->d_reclen;
            if (d->d_name[0] == '.')
                continue;
            int keep = !prefixes;
            for (int k = 0; prefixes && prefixes[k] && !keep; k++)
                keep = !strncmp(d->d_name, prefixes[k], strlen(prefixes[k]));
            if (!keep)
                continue;
            found++;
            if (!strcmp(what, "block")) {
                // /sys/block/<name>: size in 512-byte sectors, and whether DAX is supported
                char p[160] = "/sys/block/";
                strlcat(p, d->d_name, sizeof p);
                strlcat(p, "/size", sizeof p);
                char size[32] = "?";
                if (read_file(p) > 0)
                    strlcpy(size, filebuf, sizeof size);
                size[strcspn_nl(size)] = 0;
                p[0] = 0;
                strlcat(p, "/sys/block/", sizeof p);
                strlcat(p, d->d_name, sizeof p);
                strlcat(p, "/queue/dax", sizeof p);
                char dax[8] = "?";
                if (read_file(p) > 0)
                    strlcpy(dax, filebuf, sizeof dax);
                dax[strcspn_nl(dax)] = 0;
                printf(PREFIX "list: block %s: %s sectors, dax %s\n", d->d_name, size, dax);
            } else {
                printf(PREFIX "list: %s %s\n", what, d->d_name);
            }
        }
    }
    close(fd);
    if (!found)
        printf(PREFIX "list: %s: none\n", path);
}

static char logbuf[1 << 17];

// wait-dev / wait-gone: until the device appears (a hot-plugged one, after Linux's pciehp has
// brought it up) or disappears (after device_del), polling every 100 ms of guest time, at most
// 60 s.
static void scenario_wait(int present) {
    struct stat st;
    for (int i = 0; i < 600; ++i) {
        if ((stat(dev, &st) == 0) == present) {
            printf(PREFIX "wait-%s %s: ok after %d ms\n", present ? "dev" : "gone", dev, i * 100);
            return;
        }
        sleep_ms_(100);
    }
    printf(PREFIX "wait-%s %s: failed: still %s after 60 s\n", present ? "dev" : "gone", dev,
           present ? "missing" : "there");
    failures++;
}

static void scenario_list(void) {
    long n = read_file("/proc/partitions");
    if (n >= 0)
        print_lines("list: partitions", filebuf, n, NULL);
    static const char *const devs[] = {"pmem", "nd", "dax", NULL};
    list_dir("/dev", devs, "dev");
    static const char *const blocks[] = {"pmem", NULL};
    list_dir("/sys/block", blocks, "block");
    list_dir("/sys/bus/nd/devices", NULL, "nd");
    n = read_file("/proc/iomem");
    static const char *const iomem[] = {"Persistent", "namespace", "pmem", "PCI", "virtio",
                                        NULL};
    if (n >= 0)
        print_lines("list: iomem", filebuf, n, iomem);
    static const char *const drivers[] = {"pmem", "nd_", "nvdimm", "virtio_", "virtio-pci",
                                          "dax", "DAX", NULL};
    n = sys_syslog_(3 /* SYSLOG_ACTION_READ_ALL */, logbuf, sizeof logbuf - 1);
    if (n >= 0) {
        logbuf[n] = 0;
        print_lines("list: dmesg", logbuf, n, drivers);
    }
}

// bench: what a user program sees of the pmem's timing (pmemvp's --pmem-timing), through a DAX
// file mapping: mount DEV (ext2, formatted by the host) -o dax, map a 16 MiB file, then time with
// rdtime (the 10 MHz timebase) a random pointer chase (load latency), a sequential read and a
// sequential write (bandwidth).
static inline unsigned long rdtime_(void) {
    unsigned long t;
    __asm__ volatile(".option push\n.option arch, +zicsr\nrdtime %0\n.option pop" : "=r"(t));
    return t;
}

#define BENCH_BYTES (16UL << 20)
#define TICK_NS 100 // the timebase: 10 MHz

static void scenario_bench(void) {
    if (mount_dax("bench") < 0)
        return;
    int fd = open("/mnt/bench.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (report("bench: create /mnt/bench.dat", fd) < 0)
        return;
    if (report("bench: ftruncate 16 MiB", sys_ftruncate_(fd, BENCH_BYTES)) < 0) {
        close(fd);
        return;
    }
    unsigned long *p = mmap(NULL, BENCH_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (report("bench: mmap", p == MAP_FAILED ? -1 : 0) < 0) {
        close(fd);
        return;
    }
    const unsigned long lines = BENCH_BYTES / 64, words = BENCH_BYTES / 8;
    // Sequential write (and it faults every page in, so the reads below find them mapped).
    unsigned long t0 = rdtime_();
    for (unsigned long i = 0; i < words; i++)
        p[i] = i;
    unsigned long t1 = rdtime_();
    // A random cyclic chase over the lines (a full-period LCG step): every load depends on the
    // one before, so its time is the load latency.
    // Visiting lines in steps of an odd number of lines (2.5 MB) reaches every line once.
    for (unsigned long i = 0; i < lines; i++) {
        const unsigned long next = i + 1 == lines ? 0 : i + 1;
        p[((i * 40503UL) % lines) * 8] = ((next * 40503UL) % lines) * 8;
    }
    const unsigned long chase = 1UL << 16;
    unsigned long at = 0, t2 = rdtime_();
    for (unsigned long i = 0; i < chase; i++)
        at = p[at];
    unsigned long t3 = rdtime_();
    unsigned long sum = at;
    for (unsigned long i = 0; i < words; i++)
        sum += p[i];
    unsigned long t4 = rdtime_();
    printf(PREFIX "bench: random load latency %lu ns (%lu dependent loads)\n",
           (t3 - t2) * TICK_NS / chase, chase);
    printf(PREFIX "bench: sequential read %lu MB/s, sequential write %lu MB/s (16 MiB each, "
           "8-byte accesses; check %lu)\n",
           BENCH_BYTES * 1000UL / ((t4 - t3) * TICK_NS + 1), BENCH_BYTES * 1000UL / ((t1 - t0) * TICK_NS + 1),
           sum & 1);
    report("bench: munmap", munmap(p, BENCH_BYTES));
    report("bench: close", close(fd));
}

// ---- main -----------------------------------------------------------------------------------

static void run(const char *item) {
    char name[64];
    size_t i = 0;
    while (item[i] && item[i] != '@' && i + 1 < sizeof name) {
        name[i] = item[i];
        i++;
    }
    name[i] = 0;
    char saved_dev[sizeof dev];
    strlcpy(saved_dev, dev, sizeof saved_dev);
    if (item[i] == '@') {
        dev[0] = 0;
        if (item[i + 1] != '/')
            strlcat(dev, "/dev/", sizeof dev);
        strlcat(dev, item + i + 1, sizeof dev);
    }
    printf(PREFIX "scenario %s on %s\n", name, dev);
    if (!strcmp(name, "boot"))
        printf(PREFIX "boot: ok\n");
    else if (!strcmp(name, "pmem-write"))
        scenario_pmem_write();
    else if (!strcmp(name, "dax"))
        scenario_dax();
    else if (!strcmp(name, "check"))
        scenario_check();
    else if (!strcmp(name, "list"))
        scenario_list();
    else if (!strcmp(name, "bench"))
        scenario_bench();
    else if (!strcmp(name, "wait-dev"))
        scenario_wait(1);
    else if (!strcmp(name, "wait-gone"))
        scenario_wait(0);
    else if (!strcmp(name, "dax-nosync")) {
        dax_sync = 0;
        scenario_dax();
        dax_sync = 1;
    }
    else {
        printf(PREFIX "scenario %s: failed: unknown (known: boot, pmem-write, dax, check, "
               "list, bench, dax-nosync, wait-dev, wait-gone)\n", name);
        failures++;
    }
    if (mounted_mnt) {
        report("umount /mnt", umount2("/mnt", 0));
        mounted_mnt = 0;
    }
    strlcpy(dev, saved_dev, sizeof dev);
}

static void mount_fs(const char *src, const char *target, const char *type) {
    mkdir(target, 0755);
    long r = mount(src, target, type, 0, "");
    if (r < 0 && errno == EBUSY)
        r = 0; // already mounted (CONFIG_DEVTMPFS_MOUNT)
    report(step2("mount", target), r);
}

int main(int argc, char **argv) {
    (void)argc;
    (void)argv;
    printf(PREFIX "started\n");
    mount_fs("devtmpfs", "/dev", "devtmpfs");
    mount_fs("proc", "/proc", "proc");
    mount_fs("sysfs", "/sys", "sysfs");

    long n = read_file("/proc/cmdline");
    if (n >= 0) {
        strlcpy(cmdline, filebuf, sizeof cmdline);
        cmdline[strcspn_nl(cmdline)] = 0;
    }
    printf(PREFIX "cmdline: %s\n", cmdline);

    char val[256];
    if (param("pmemvp.dev", val, sizeof val)) {
        dev[0] = 0;
        if (val[0] != '/')
            strlcat(dev, "/dev/", sizeof dev);
        strlcat(dev, val, sizeof dev);
    }
    if (param("pmemvp.seed", val, sizeof val))
        seed = atol(val);
    if (param("pmemvp.offset", val, sizeof val))
        blk_offset = atol(val) & ~(unsigned long)(PAGE - 1);
    char scenarios[512] = "boot";
    param("pmemvp.scenario", scenarios, sizeof scenarios);
    char end[32] = "poweroff";
    param("pmemvp.end", end, sizeof end);

    // Run each comma-separated item.
    char *s = scenarios;
    while (*s) {
        char *comma = strchr(s, ',');
        if (comma)
            *comma = 0;
        if (*s)
            run(s);
        if (!comma)
            break;
        s = comma + 1;
    }

    sys_sync_();
    if (read_file("/proc/uptime") > 0) {
        filebuf[strcspn_nl(filebuf)] = 0;
        printf(PREFIX "uptime %s\n", filebuf);
    }
    int cmd = LINUX_REBOOT_CMD_POWER_OFF;
    if (!strcmp(end, "reboot"))
        cmd = LINUX_REBOOT_CMD_RESTART;
    else if (!strcmp(end, "halt"))
        cmd = LINUX_REBOOT_CMD_HALT;
    else if (strcmp(end, "hang"))
        strlcpy(end, "poweroff", sizeof end);
    printf(PREFIX "done: %d failed step%s, %s\n", failures, failures == 1 ? "" : "s", end);
    if (strcmp(end, "hang"))
        report(step2("reboot", end), reboot(cmd));
    for (;;)
        pause_();
}
