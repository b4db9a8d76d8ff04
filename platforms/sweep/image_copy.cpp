// SPDX-License-Identifier: Apache-2.0
#include "image_copy.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdexcept>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace pmemvp::sweep {

namespace {

struct fd_guard {
    int fd;
    ~fd_guard() {
        if (fd >= 0) ::close(fd);
    }
};

[[noreturn]] void fail(const std::string& what, const std::string& path) {
    throw std::runtime_error(what + " " + path + ": " + std::strerror(errno));
}

// Bytes [off, off + len) of in to the same place in out.
void copy_range(int in, int out, off_t off, off_t len, const std::string& src) {
    off_t in_off = off, out_off = off;
    while (len > 0) {
        const ssize_t n = ::copy_file_range(in, &in_off, out, &out_off, static_cast<size_t>(len), 0);
        if (n > 0) {
            len -= n;
            continue;
        }
        if (n == 0) break; // the file shrank under us
        if (errno == EINTR) continue;
        if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP) fail("cannot copy", src);
        // No copy_file_range between these files: read and write.
        std::vector<char> buf(1 << 20);
        while (len > 0) {
            const ssize_t r = ::pread(in, buf.data(), std::min<off_t>(len, static_cast<off_t>(buf.size())), in_off);
            if (r < 0 && errno == EINTR) continue;
            if (r < 0) fail("cannot read", src);
            if (r == 0) return;
            for (ssize_t done = 0; done < r;) {
                const ssize_t w = ::pwrite(out, buf.data() + done, static_cast<size_t>(r - done), out_off + done);
                if (w < 0 && errno == EINTR) continue;
                if (w < 0) fail("cannot write the copy of", src);
                done += w;
            }
            in_off += r;
            out_off += r;
            len -= r;
        }
    }
}

} // namespace

std::string copy_image(const std::string& src, const std::string& dst) {
    fd_guard in{::open(src.c_str(), O_RDONLY | O_CLOEXEC)};
    if (in.fd < 0) fail("cannot open", src);
    struct stat st{};
    if (::fstat(in.fd, &st) != 0) fail("cannot stat", src);
    if (!S_ISREG(st.st_mode)) {
        errno = EINVAL;
        fail("not a regular file (pmemvp-sweep copies backing files per run):", src);
    }
    fd_guard out{::open(dst.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, (st.st_mode & 0777) | 0600)};
    if (out.fd < 0) fail("cannot create", dst);
    if (::ioctl(out.fd, FICLONE, in.fd) == 0) return "reflink";

    if (::ftruncate(out.fd, st.st_size) != 0) fail("cannot size", dst);
    for (off_t pos = 0; pos < st.st_size;) {
        off_t data = ::lseek(in.fd, pos, SEEK_DATA);
        off_t hole = st.st_size;
        if (data < 0) {
            if (errno == ENXIO) break; // only a hole is left
            if (errno != EINVAL && errno != EOPNOTSUPP) fail("cannot seek in", src);
            data = pos; // no SEEK_DATA here: copy the rest
        } else {
            hole = ::lseek(in.fd, data, SEEK_HOLE);
            if (hole < 0 || hole > st.st_size) hole = st.st_size;
        }
        copy_range(in.fd, out.fd, data, hole - data, src);
        pos = hole;
    }
    return "sparse";
}

} // namespace pmemvp::sweep
