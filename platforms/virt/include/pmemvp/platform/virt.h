// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/backend/file_backend.h"
#include "pmemvp/peripherals/clint.h"
#include "pmemvp/peripherals/plic.h"
#include "pmemvp/peripherals/test_finisher.h"
#include "pmemvp/peripherals/uart16550.h"
#include "pmemvp/riscv/hart.h"
#include "pmemvp/tlm/memory_target.h"
#include "pmemvp/tlm/router.h"

#include <cstdio>
#include <memory>
#include <string>
#include <tlm_utils/simple_initiator_socket.h>
#include <vector>

namespace pmemvp::platform {

// The memory map (../shared/design.md §3), compatible with QEMU's riscv `virt` machine.
namespace virt_map {
constexpr std::uint64_t rom_base = 0x1000, rom_size = 0xf000;
constexpr std::uint64_t finisher_base = 0x100000, finisher_size = 0x1000;
constexpr std::uint64_t clint_base = 0x2000000, clint_size = 0x10000;
constexpr std::uint64_t plic_base = 0xc000000, plic_size = 0x600000;
constexpr std::uint64_t uart_base = 0x10000000, uart_size = 0x100;
constexpr unsigned uart_irq = 10;
constexpr std::uint64_t ram_base = 0x80000000;
} // namespace virt_map

struct virt_config {
    std::uint64_t ram_size = 128ull << 20;
    std::string kernel;                   // the guest ELF
    riscv::hart_config cpu;
    std::FILE* uart_out = stdout;         // nullptr: discard
    std::vector<backend::file_backend_options> memory_backends;
};

// The `virt` platform: one RV64 hart, boot ROM, RAM, CLINT, PLIC, UART, test finisher, all on
// one router. Construction loads the guest; sc_start() runs it until the finisher ends it.
class virt_platform : public sc_core::sc_module {
public:
    virt_platform(const sc_core::sc_module_name& name, const virt_config& config);
    ~virt_platform() override;

    // A guest that could not be loaded (start of simulation): the run stops at once and this
    // says why; empty otherwise.
    const std::string& load_error() const { return load_error_; }
    bool finished() const { return finished_; }
    int exit_status() const { return exit_status_; }
    const sc_core::sc_time& exit_time() const { return exit_time_; }
    std::uint64_t resets() const { return resets_; }

    const std::vector<std::unique_ptr<backend::file_backend>>& memory_backends() const {
        return backends_;
    }

private:
    void start_of_simulation() override;
    void write_boot_rom(std::uint64_t entry);
    void load_guest();

    virt_config config_;
    unsigned char* ram_data_ = nullptr;
    std::vector<unsigned char> rom_data_;
    std::vector<std::unique_ptr<backend::file_backend>> backends_;

public:
    router bus;
    memory_target rom;
    memory_target ram;
    peripherals::clint clint;
    peripherals::plic plic;
    peripherals::uart16550 uart;
    peripherals::test_finisher finisher;
    riscv::hart cpu;
    tlm_utils::simple_initiator_socket<virt_platform> debug; // loaders and tools

private:
    std::string load_error_;
    bool finished_ = false;
    int exit_status_ = 0;
    sc_core::sc_time exit_time_;
    std::uint64_t resets_ = 0;
};

} // namespace pmemvp::platform
