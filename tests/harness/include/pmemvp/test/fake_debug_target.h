// SPDX-License-Identifier: Apache-2.0
// A debug target without a CPU, for tests and fuzzing of the GDB stub's packet layer: 33
// registers, a CSR (mstatus), 4 KiB of memory at `memory_base`, and the breakpoints and
// watchpoints it was given.
#pragma once
#include "pmemvp/cpu/debug_target.h"

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace pmemvp::test {

class fake_debug_target : public cpu::debug_target {
public:
    explicit fake_debug_target(std::uint64_t memory_base = 0x1000) : base_(memory_base) {
        for (unsigned i = 0; i < 33; ++i) regs_.push_back({"x" + std::to_string(i), 64, "general", i});
        regs_.push_back({"priv", 8, "virtual", 0});
        regs_.push_back({"mstatus", 64, "csr", 0x300});
        values_.resize(regs_.size());
        memory_.resize(4096);
    }
    const std::vector<cpu::register_info>& debug_registers() const override { return regs_; }
    bool read_register(unsigned i, std::uint64_t& v) override {
        if (i >= values_.size()) return false;
        v = values_[i];
        return true;
    }
    bool write_register(unsigned i, std::uint64_t v) override {
        if (i >= values_.size()) return false;
        values_[i] = v;
        return true;
    }
    std::size_t read_memory(std::uint64_t a, void* d, std::size_t n, cpu::address_space) override {
        std::size_t done = 0;
        for (; done < n && a + done >= base_ && a + done < base_ + 4096; ++done)
            static_cast<unsigned char*>(d)[done] = memory_[a + done - base_];
        return done;
    }
    std::size_t write_memory(std::uint64_t a, const void* d, std::size_t n, cpu::address_space) override {
        std::size_t done = 0;
        for (; done < n && a + done >= base_ && a + done < base_ + 4096; ++done)
            memory_[a + done - base_] = static_cast<const unsigned char*>(d)[done];
        return done;
    }
    void add_breakpoint(std::uint64_t pc) override { breakpoints.insert(pc); }
    void remove_breakpoint(std::uint64_t pc) override { breakpoints.erase(pc); }
    void add_watchpoint(std::uint64_t a, std::uint64_t n, cpu::watch_kind k) override {
        watchpoints.push_back({a, n, k});
    }
    void remove_watchpoint(std::uint64_t a, std::uint64_t n, cpu::watch_kind k) override {
        for (auto w = watchpoints.begin(); w != watchpoints.end(); ++w)
            if (w->address == a && w->length == n && w->kind == k) {
                watchpoints.erase(w);
                return;
            }
    }
    cpu::watch_hit last_watch() const override { return {0x1008, cpu::watch_kind::write}; }
    bool translate(std::uint64_t a, std::uint64_t& pa) override {
        pa = a + 0x80000000;
        return true;
    }
    void request_stop() override {}
    void step() override {}
    void resume() override {}
    bool stopped() const override { return true; }
    cpu::stop_reason last_stop() const override { return cpu::stop_reason::request; }

    struct watch {
        std::uint64_t address, length;
        cpu::watch_kind kind;
    };
    std::vector<watch> watchpoints;
    std::vector<std::uint64_t> values_;
    std::uint64_t base_;
    std::vector<unsigned char> memory_;
    std::set<std::uint64_t> breakpoints;

private:
    std::vector<cpu::register_info> regs_;
};

} // namespace pmemvp::test
