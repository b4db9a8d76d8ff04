// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <cstddef>
#include <new>
#include <sys/mman.h>
#include <type_traits>
#include <utility>

namespace pmemvp::util {

// A fixed-size array that starts all zero, in anonymous pages the host zeroes on first touch.
// A per-line table of a large memory then costs only the pages its touched entries use, and
// building it costs no memset (a std::vector would write, and so fault in, every page at once).
// With `prefault`, every page is faulted in at construction in one system call instead: for
// blocks that will be filled anyway, a demand fault per page costs several times more.
template <typename T>
class zeroed_array {
    static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>,
                  "all-zero bytes must be a valid T");

public:
    zeroed_array() = default;
    explicit zeroed_array(std::size_t count, bool prefault = false) : size_(count) {
        if (count == 0) return;
        void* p = mmap(nullptr, bytes(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED) throw std::bad_alloc();
        data_ = static_cast<T*>(p);
        if (prefault) madvise(p, bytes(), MADV_POPULATE_WRITE); // an older kernel faults on demand
    }
    ~zeroed_array() { release(); }
    zeroed_array(zeroed_array&& other) noexcept
        : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}
    zeroed_array& operator=(zeroed_array&& other) noexcept {
        if (this != &other) {
            release();
            data_ = std::exchange(other.data_, nullptr);
            size_ = std::exchange(other.size_, 0);
        }
        return *this;
    }
    zeroed_array(const zeroed_array&) = delete;
    zeroed_array& operator=(const zeroed_array&) = delete;

    T& operator[](std::size_t i) { return data_[i]; }
    const T& operator[](std::size_t i) const { return data_[i]; }
    T* data() { return data_; }
    const T* data() const { return data_; }
    std::size_t size() const { return size_; }

private:
    std::size_t bytes() const { return size_ * sizeof(T); }
    void release() {
        if (data_) munmap(data_, bytes());
        data_ = nullptr;
    }

    T* data_ = nullptr;
    std::size_t size_ = 0;
};

} // namespace pmemvp::util
