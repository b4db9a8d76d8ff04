// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/backend/file_backend.h"

#include "pmemvp/util/checked_range.h"
#include "pmemvp/util/config_error.h"
#include "pmemvp/util/keyval.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

#ifndef MAP_SYNC
#define MAP_SYNC 0x80000
#endif
#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#define MADV_POPULATE_WRITE 23
#endif

namespace pmemvp::backend {

using util::hex;

const char* to_string(sync_mode mode) {
    switch (mode) {
    case sync_mode::map_sync: return "map_sync";
    case sync_mode::msync: return "msync";
    case sync_mode::none: return "none";
    }
    return "?";
}

file_backend_options file_backend_options::parse(const std::string& keyvals) {
    util::keyval_list list("memory-backend-file", keyvals);
    file_backend_options o;
    o.id = list.take_string("id").value_or("");
    o.mem_path = list.take_string("mem-path").value_or("");
    o.size = list.take_size("size").value_or(0);
    o.share = list.take_bool("share").value_or(false);
    o.pmem = list.take_bool("pmem").value_or(false);
    o.readonly = list.take_bool("readonly").value_or(false);
    o.align = list.take_size("align").value_or(0);
    o.offset = list.take_size("offset").value_or(0);
    o.prealloc = list.take_bool("prealloc").value_or(false);
    o.discard_data = list.take_bool("discard-data").value_or(false);
    list.finish({"id", "mem-path", "size", "share", "pmem", "readonly", "align", "offset",
                 "prealloc", "discard-data"});
    if (!list.has("size"))
        throw config_error("memory-backend-file '" + o.id +
                           "': option 'size' is missing; give the backend's size, e.g. size=256M");
    return o;
}

namespace {

std::string errno_text() { return std::strerror(errno); }

// Host cache-line write-back, chosen once from CPUID: clwb keeps the line cached, clflushopt
// evicts it, clflush also serialises. All three are followed by one sfence.
#if defined(__x86_64__)
__attribute__((target("clwb"))) void writeback_clwb(unsigned char* p, unsigned char* e) {
    for (; p < e; p += 64) _mm_clwb(p);
    _mm_sfence();
}
__attribute__((target("clflushopt"))) void writeback_clflushopt(unsigned char* p,
                                                                unsigned char* e) {
    for (; p < e; p += 64) _mm_clflushopt(p);
    _mm_sfence();
}
void writeback_clflush(unsigned char* p, unsigned char* e) {
    for (; p < e; p += 64) _mm_clflush(p);
    _mm_sfence();
}
using writeback_fn = void (*)(unsigned char*, unsigned char*);
writeback_fn host_writeback() {
    static const writeback_fn fn = [] {
        unsigned a, b, c, d;
        if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
            if (b & (1u << 24)) return &writeback_clwb;
            if (b & (1u << 23)) return &writeback_clflushopt;
        }
        return &writeback_clflush;
    }();
    return fn;
}
#endif

} // namespace

file_backend::file_backend(const file_backend_options& options, start mode)
    : options_(options), log_("backend." + (options.id.empty() ? std::string("file") : options.id)),
      started_(mode == start::committed),
      page_size_(static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE))) {
    validate();
    store_ready_ = util::zeroed_array<std::uint64_t>((options_.size / page_size_ + 64) / 64);
    open_file();
    try {
        check_and_size_file();
        map_file();
        if (options_.prealloc)
            populate();
    } catch (...) {
        if (reservation_)
            munmap(reservation_, reservation_size_);
        undo_start();
        close(fd_);
        throw;
    }
    log_.info("mapped '", path_, "' size ", hex(options_.size), " offset ", hex(options_.offset),
              " sync: ", to_string(mode_));
}

void file_backend::validate() const {
    const std::string what = "memory-backend-file '" + options_.id + "'";
    if (options_.mem_path.empty())
        throw config_error(what + ": option 'mem-path' is missing; give a file (created if "
                                  "missing) or a directory, e.g. mem-path=/tmp/pmem0.img");
    if (options_.size == 0)
        throw config_error(what + ": option 'size' value '0' is invalid; a backend needs at "
                                  "least one page, e.g. size=64M");
    if (options_.size % page_size_)
        throw config_error(what + ": option 'size' value '" + hex(options_.size) +
                           "' must be a multiple of the page size (" + hex(page_size_) + ")");
    if (options_.align) {
        if (options_.align & (options_.align - 1))
            throw config_error(what + ": option 'align' value '" + hex(options_.align) +
                               "' must be a power of two, e.g. align=2M");
        if (options_.align % page_size_)
            throw config_error(what + ": option 'align' value '" + hex(options_.align) +
                               "' must be a multiple of the page size (" + hex(page_size_) + ")");
    }
    if (options_.offset % page_size_)
        throw config_error(what + ": option 'offset' value '" + hex(options_.offset) +
                           "' must be a multiple of the page size (" + hex(page_size_) + ")");
    if (options_.discard_data && options_.readonly)
        throw config_error(what + ": option 'discard-data' cannot be on with 'readonly=on': a "
                                  "read-only file is never changed; drop one of the two");
    // Sizes beyond what a host address space can map are refused before anything is sized
    // from them (the per-page bitmap, the reservation).
    if (options_.size > max_size)
        throw config_error(what + ": option 'size' value '" + hex(options_.size) +
                           "' is larger than a host can map (" + hex(max_size) +
                           "); give a smaller size");
    if (!util::checked_add(options_.offset, options_.size) ||
        options_.offset + options_.size > ~0ull / 2)
        throw config_error(what + ": option 'offset' value '" + hex(options_.offset) +
                           "' plus 'size' is beyond any file's size; give a smaller offset");
    if (options_.align > max_size)
        throw config_error(what + ": option 'align' value '" + hex(options_.align) +
                           "' is larger than a host can map; give e.g. align=2M");
}

file_backend::~file_backend() {
    if (!started_) {
        undo_start(); // the run never started: leave the file as it was found
    } else if (options_.discard_data) {
        // The user asked for the content to be dropped; MADV_REMOVE punches it out of the file.
        if (mode_ != sync_mode::none)
            madvise(data_, options_.size, MADV_REMOVE);
    } else {
        sync(); // a clean shutdown leaves everything written in the file
    }
    munmap(reservation_, reservation_size_);
    close(fd_);
}

void file_backend::undo_start() {
    if (created_) {
        unlink(path_.c_str());
        created_ = false;
    } else if (extended_) {
        if (ftruncate(fd_, 0) != 0)
            log_.warn("could not shrink '", path_, "' back to its old size of 0 bytes (",
                      errno_text(), ")");
        extended_ = false;
    }
}

void file_backend::mark_started() { started_ = true; }

void file_backend::warn_once(const std::string& text) {
    // One report per backend: a failing disk would otherwise repeat it at every flush.
    if (!warned_.exchange(true))
        log_.warn(text, " (reported once)");
}

bool file_backend::same_file(const struct stat& st) const {
    return st.st_dev == dev_ && st.st_ino == ino_;
}

void file_backend::open_file() {
    const std::string what = "memory-backend-file '" + options_.id + "'";
    struct stat st {};
    if (stat(options_.mem_path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
        if (options_.readonly)
            throw config_error(what + ": option 'mem-path' value '" + options_.mem_path +
                               "' is a directory, and 'readonly=on' needs an existing file");
        std::string templ = options_.mem_path + "/pmemvp_back_mem." +
                            (options_.id.empty() ? "file" : options_.id) + ".XXXXXX";
        std::vector<char> name(templ.begin(), templ.end());
        name.push_back('\0');
        fd_ = mkstemp(name.data());
        if (fd_ < 0)
            throw config_error(what + ": option 'mem-path' value '" + options_.mem_path +
                               "': cannot create a temporary file there (" + errno_text() +
                               "); give a writable directory");
        path_ = name.data();
        unlink(name.data()); // gone when the simulator exits, as in QEMU
        return;
    }
    path_ = options_.mem_path;
    if (options_.readonly) {
        fd_ = open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    } else {
        fd_ = open(path_.c_str(), O_RDWR | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        if (fd_ < 0 && errno == ENOENT) {
            fd_ = open(path_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
            created_ = fd_ >= 0; // removed again if the start fails
        }
    }
    if (fd_ < 0) {
        std::string hint = errno == ENOENT ? "; check the path (readonly=on never creates a file)"
                         : errno == EACCES ? "; check the permissions, or use readonly=on"
                                           : "";
        throw config_error(what + ": option 'mem-path' value '" + path_ +
                           "': cannot open the backing file (" + errno_text() + ")" + hint);
    }
}

void file_backend::check_and_size_file() {
    const std::string what = "memory-backend-file '" + options_.id + "'";
    struct stat st {};
    if (fstat(fd_, &st) != 0)
        throw config_error(what + ": cannot stat '" + path_ + "' (" + errno_text() + ")");
    dev_ = st.st_dev;
    ino_ = st.st_ino;
    file_can_persist_ = S_ISREG(st.st_mode) || S_ISBLK(st.st_mode);
    if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode) && !S_ISCHR(st.st_mode))
        throw config_error(what + ": option 'mem-path' value '" + path_ +
                           "' is not a regular file or device");
    const std::uint64_t need = options_.offset + options_.size;
    const std::uint64_t have = static_cast<std::uint64_t>(st.st_size);
    if (!S_ISREG(st.st_mode))
        return; // device sizes are checked by mmap
    if (have == 0) {
        if (options_.readonly)
            throw config_error(what + ": option 'mem-path' value '" + path_ +
                               "' is empty, and 'readonly=on' cannot extend it to " + hex(need) +
                               " bytes; fill the file first or drop readonly");
        if (ftruncate(fd_, static_cast<off_t>(need)) != 0)
            throw config_error(what + ": cannot extend empty file '" + path_ + "' to " +
                               hex(need) + " bytes (" + errno_text() +
                               "); free space or choose another mem-path");
        extended_ = !created_; // shrunk back to 0 bytes if the start fails
        return;
    }
    if (have < need)
        throw config_error(what + ": backing file '" + path_ + "' holds " + hex(have) +
                           " bytes, less than option 'size' " + hex(options_.size) +
                           " plus option 'offset' " + hex(options_.offset) +
                           "; lower size/offset or use a larger file (pmemvp never resizes a "
                           "non-empty file)");
}

void file_backend::map_file() {
    const std::uint64_t align = options_.align ? options_.align : page_size_;
    // Reserve size + align + one guard page, then place the file at an aligned address in it.
    reservation_size_ = options_.size + align + page_size_;
    reservation_ = mmap(nullptr, reservation_size_, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
                        MAP_NORESERVE, -1, 0);
    if (reservation_ == MAP_FAILED) {
        reservation_ = nullptr;
        throw config_error("memory-backend-file '" + options_.id + "': cannot reserve " +
                           hex(reservation_size_) + " bytes of address space (" + errno_text() +
                           "); lower option 'size' or 'align'");
    }
    auto base = reinterpret_cast<std::uintptr_t>(reservation_);
    auto* at = reinterpret_cast<void*>((base + align - 1) & ~(align - 1));

    const int prot = options_.readonly ? PROT_READ : PROT_READ | PROT_WRITE;
    int flags = MAP_FIXED | (options_.share ? MAP_SHARED : MAP_PRIVATE);
    void* p = MAP_FAILED;
    if (options_.share && options_.pmem && !options_.readonly) {
        p = mmap(at, options_.size, prot, MAP_FIXED | MAP_SHARED_VALIDATE | MAP_SYNC, fd_,
                 static_cast<off_t>(options_.offset));
        if (p == MAP_FAILED) {
            log_.warn("requesting persistence across host crashes for backing file '", path_,
                      "' failed (MAP_SYNC: ", errno_text(),
                      "): it is not on a DAX file system. Proceeding with msync/fsync; data "
                      "not yet synced may be lost if the host crashes. Put the file on a DAX "
                      "file system, or set pmem=off.");
        }
    }
    if (p != MAP_FAILED) {
        mode_ = sync_mode::map_sync;
    } else {
        p = mmap(at, options_.size, prot, flags, fd_, static_cast<off_t>(options_.offset));
        if (p == MAP_FAILED)
            throw config_error("memory-backend-file '" + options_.id + "': cannot map '" +
                               path_ + "' (" + errno_text() + "); check option 'size' and "
                               "'offset' against the file or device");
        mode_ = options_.share && !options_.readonly ? sync_mode::msync : sync_mode::none;
    }
    data_ = static_cast<unsigned char*>(p);
}

void file_backend::populate() {
    const int advice = options_.readonly ? MADV_POPULATE_READ : MADV_POPULATE_WRITE;
    if (madvise(data_, options_.size, advice) == 0)
        return;
    // Older kernels: touch each page without changing its content.
    for (std::uint64_t off = 0; off < options_.size; off += page_size_) {
        volatile unsigned char* b = data_ + off;
        unsigned char v = *b;
        if (!options_.readonly)
            *b = v;
    }
}

bool file_backend::persist(std::uint64_t offset, std::uint64_t length) {
    if (length == 0 || offset >= options_.size)
        return true;
    if (length > options_.size - offset)
        length = options_.size - offset;
    ++persist_calls_;
    if (mode_ != sync_mode::none && !file_can_persist_) {
        warn_once("'" + path_ + "' is not a regular file or block device: it cannot make data "
                  "durable, so every persist and flush fails; give a file as mem-path");
        return false;
    }
    switch (mode_) {
    case sync_mode::none:
        return true;
    case sync_mode::map_sync:
#if defined(__x86_64__)
        host_writeback()(data_ + (offset & ~63ull), data_ + offset + length);
        return true;
#endif
        [[fallthrough]];
    case sync_mode::msync: {
        std::uint64_t begin = offset & ~(page_size_ - 1);
        // Written back, the pages are write-protected again: the next store faults.
        forget_store_ready(begin / page_size_, (offset + length + page_size_ - 1) / page_size_);
        if (msync(data_ + begin, offset + length - begin, MS_SYNC) != 0) {
            warn_once("msync of '" + path_ + "' failed (" + errno_text() +
                      "); the data is still in the host page cache, not yet on disk");
            return false;
        }
        return true;
    }
    }
    return true;
}

void file_backend::prepare_store(std::uint64_t offset) {
    if (offset >= options_.size || options_.readonly)
        return;
    const std::uint64_t page = offset / page_size_;
    std::uint64_t& word = store_ready_[page / 64];
    const std::uint64_t bit = 1ull << (page % 64);
    if (__atomic_load_n(&word, __ATOMIC_RELAXED) & bit)
        return;
    __atomic_fetch_or(&word, bit, __ATOMIC_RELAXED);
    // If the kernel refuses (before Linux 5.14), the store faults the page in as usual.
    madvise(data_ + page * page_size_, page_size_, MADV_POPULATE_WRITE);
}

void file_backend::forget_store_ready(std::uint64_t first_page, std::uint64_t end_page) {
    for (std::uint64_t page = first_page; page < end_page; ++page)
        __atomic_fetch_and(&store_ready_[page / 64], ~(1ull << (page % 64)), __ATOMIC_RELAXED);
}

bool file_backend::sync() {
    if (mode_ == sync_mode::none)
        return true;
    ++sync_calls_;
    store_ready_ = util::zeroed_array<std::uint64_t>(store_ready_.size());
    if (!file_can_persist_ || msync(data_, options_.size, MS_SYNC) != 0 || fdatasync(fd_) != 0) {
        warn_once(file_can_persist_ ? "syncing '" + path_ + "' failed (" + errno_text() +
                                          "); check the host file system (full disk, I/O error)"
                                    : "'" + path_ + "' is not a regular file or block device: "
                                      "what the guest wrote cannot be made durable");
        return false;
    }
    return true;
}

} // namespace pmemvp::backend
