// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace pmemvp::cpu {

enum class address_space { virtual_memory, physical };

// One register as a debugger shows it.
struct register_info {
    std::string name;    // "ra", "pc", "mstatus"
    unsigned bits = 64;
    std::string group;   // "general", "csr", "virtual"
    unsigned number = 0; // the architecture's number: x index, CSR address
};

// Why a CPU stopped for a debugger.
enum class stop_reason { none, breakpoint, watchpoint, step, request };

// What a data watchpoint watches, as GDB's Z2 (write), Z3 (read) and Z4 (access).
enum class watch_kind { write, read, access };

// The access that hit a watchpoint: the CPU stopped before it.
struct watch_hit {
    std::uint64_t address = 0; // the data address accessed (virtual)
    watch_kind kind = watch_kind::write;
};

// What a debugger (the GDB stub, the monitor) needs of a CPU, in the style of VCML's debug
// target: registers including CSRs, memory by virtual or physical address, breakpoints kept
// outside guest memory, single steps, stopping and resuming. Every access here is a debug
// access: it has no side effect on the guest's state or on the simulated timeline.
class debug_target {
public:
    virtual ~debug_target() = default;

    virtual const std::vector<register_info>& debug_registers() const = 0;
    // By index into debug_registers(); false for an index that does not exist.
    virtual bool read_register(unsigned index, std::uint64_t& value) = 0;
    virtual bool write_register(unsigned index, std::uint64_t value) = 0;

    // Through the CPU's current translation (virtual_memory) or not; returns the bytes done
    // (fewer at an unmapped page or a hole in the memory map).
    virtual std::size_t read_memory(std::uint64_t address, void* data, std::size_t length,
                                    address_space space) = 0;
    virtual std::size_t write_memory(std::uint64_t address, const void* data, std::size_t length,
                                     address_space space) = 0;

    // Run control: the CPU stops before executing an instruction at a breakpoint, after one
    // instruction when stepping, or at the next instruction when asked to.
    virtual void add_breakpoint(std::uint64_t pc) = 0;
    virtual void remove_breakpoint(std::uint64_t pc) = 0;
    // Data watchpoints on [address, address + length) of the current address space: the CPU
    // stops before an instruction's load or store that touches it (last_watch() says which),
    // and leaving that stop executes the instruction without stopping again.
    virtual void add_watchpoint(std::uint64_t address, std::uint64_t length, watch_kind kind) = 0;
    virtual void remove_watchpoint(std::uint64_t address, std::uint64_t length, watch_kind kind) = 0;
    virtual watch_hit last_watch() const = 0;
    // The physical address of a virtual one in the CPU's current data view (no side effect).
    virtual bool translate(std::uint64_t address, std::uint64_t& physical) = 0;
    virtual void request_stop() = 0;
    virtual void step() = 0;   // resume for one instruction
    virtual void resume() = 0;
    virtual bool stopped() const = 0;
    virtual stop_reason last_stop() const = 0;
};

} // namespace pmemvp::cpu
