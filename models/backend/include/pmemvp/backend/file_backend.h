// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/tlm/log.h"
#include "pmemvp/util/zeroed_array.h"

#include <atomic>
#include <cstdint>
#include <string>
#include <sys/stat.h>

namespace pmemvp::backend {

// The options of QEMU's memory-backend-file that apply to a simulator.
struct file_backend_options {
    std::string id;
    std::string mem_path;       // a file (created if missing) or a directory (unlinked temp file)
    std::uint64_t size = 0;     // required, a page multiple
    bool share = false;         // MAP_SHARED (writes reach the file) or MAP_PRIVATE
    bool pmem = false;          // with share: ask for MAP_SYNC
    bool readonly = false;      // open O_RDONLY, refuse every write
    std::uint64_t align = 0;    // 0 = page size; power of two, page multiple
    std::uint64_t offset = 0;   // where in the file the mapping starts; page multiple
    bool prealloc = false;      // populate every page at start
    bool discard_data = false;  // drop the content at exit instead of syncing it

    // Parses "id=m0,mem-path=f,size=64M,..." (the part after "memory-backend-file,").
    // Throws config_error naming the option, the value and the fix.
    static file_backend_options parse(const std::string& keyvals);
};

// How data written through the mapping is made durable on the host.
enum class sync_mode {
    map_sync, // MAP_SYNC mapping of a DAX file: CPU cache-line flushes are enough
    msync,    // page-cache mapping: msync/fdatasync write it to the file system
    none,     // private or read-only mapping: nothing of the guest's ever reaches the file
};
const char* to_string(sync_mode mode);

// A host file mapped into the simulator's address space, with QEMU's memory-backend-file rules:
// an empty file is extended, a non-empty one is never truncated or shrunk, a read-only one is
// never written. Clean shutdown (destruction) syncs everything unless discard-data is set.
// A start that fails leaves the file as it was found: a failing constructor removes a file it
// created and shrinks back one it extended; so does destruction of a `pending` backend before
// mark_started() (a platform whose start failed after the backend was made).
class file_backend {
public:
    // The largest size a backend may have: the user address space of a 64-bit host.
    static constexpr std::uint64_t max_size = 1ull << 47;
    enum class start { committed, pending };

    // Throws config_error.
    explicit file_backend(const file_backend_options& options, start mode = start::committed);
    ~file_backend();

    // The run has started: from now on the file keeps what was done to it.
    void mark_started();
    // The backing file is the file `st` describes (same device and inode).
    bool same_file(const struct stat& st) const;
    file_backend(const file_backend&) = delete;
    file_backend& operator=(const file_backend&) = delete;

    const file_backend_options& options() const { return options_; }
    const std::string& id() const { return options_.id; }
    const std::string& path() const { return path_; }
    unsigned char* data() const { return data_; }
    std::uint64_t size() const { return options_.size; }
    bool writable() const { return !options_.readonly; }
    sync_mode mode() const { return mode_; }

    // Makes [offset, offset+length) of the mapping durable in the host file before returning;
    // false (with a warning) if the host failed to.
    bool persist(std::uint64_t offset, std::uint64_t length);
    // Call before a store to the page holding `offset`: makes it writable in the mapping with one
    // system call (MADV_POPULATE_WRITE) instead of the host page fault the store would take,
    // several times dearer on a virtual host. Once per page until persist() write-protects it.
    void prepare_store(std::uint64_t offset);
    // Makes the whole mapping and the file's metadata durable; false if the host failed to.
    bool sync();

    // Whether the page holding `offset` was made writable for a store since it was last
    // synced to the file (msync mode: then the file may not hold what the mapping does).
    bool changed_since_sync(std::uint64_t offset) const {
        const std::uint64_t page = offset / page_size_;
        return offset < options_.size && (__atomic_load_n(&store_ready_[page / 64], __ATOMIC_RELAXED) >> (page % 64) & 1);
    }

    std::uint64_t persist_calls() const { return persist_calls_; }
    std::uint64_t sync_calls() const { return sync_calls_; }

private:
    void validate() const;
    void undo_start();
    void warn_once(const std::string& text);
    void open_file();
    void check_and_size_file();
    void map_file();
    void populate();

    file_backend_options options_;
    logger log_;
    std::string path_;
    int fd_ = -1;
    dev_t dev_ = 0;
    ino_t ino_ = 0;
    bool created_ = false;  // this run created the file
    bool extended_ = false; // this run extended it from 0 bytes
    bool started_ = false;
    bool file_can_persist_ = true; // a regular file or block device (not /dev/zero)
    std::atomic<bool> warned_{false};
    void* reservation_ = nullptr;
    std::uint64_t reservation_size_ = 0;
    unsigned char* data_ = nullptr;
    sync_mode mode_ = sync_mode::none;
    std::uint64_t page_size_;
    // One bit per page: made writable by prepare_store() since the last persist(). Atomic bit
    // operations: virtio-pmem may persist from a worker thread while the guest stores.
    util::zeroed_array<std::uint64_t> store_ready_;
    void forget_store_ready(std::uint64_t first_page, std::uint64_t end_page);
    std::atomic<std::uint64_t> persist_calls_{0}; // virtio-pmem persists from a worker thread
    std::atomic<std::uint64_t> sync_calls_{0};
};

} // namespace pmemvp::backend
