// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/platform/virt.h"

#include "pmemvp/platform/elf_loader.h"
#include "pmemvp/util/config_error.h"
#include "pmemvp/util/keyval.h"

#include <cstring>
#include <sys/mman.h>

namespace pmemvp::platform {

using namespace virt_map;

namespace {

unsigned char* map_ram(std::uint64_t size) {
    void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        throw config_error("-m " + util::hex(size) + ": cannot reserve that much host memory for "
                           "guest RAM; give a smaller -m");
    return static_cast<unsigned char*>(p);
}

std::uint64_t checked_ram_size(std::uint64_t size) {
    if (size < (1u << 20) || size % 4096)
        throw config_error("-m " + util::hex(size) + ": RAM must be at least 1M and a multiple "
                                                     "of 4K, e.g. -m 256M");
    if (size > (1ull << 40))
        throw config_error("-m " + util::hex(size) + ": more than 1T of RAM is not supported");
    return size;
}

} // namespace

virt_platform::virt_platform(const sc_core::sc_module_name& name, const virt_config& config)
    : sc_module(name), config_(config),
      ram_data_(map_ram(checked_ram_size(config.ram_size))), rom_data_(rom_size),
      bus("bus"), rom("rom", rom_data_.data(), rom_size, false),
      ram("ram", ram_data_, config.ram_size, true), clint("clint"), plic("plic"),
      uart("uart", config.uart_out), finisher("finisher"), cpu("cpu", config.cpu),
      debug("debug") {
    for (const auto& options : config_.memory_backends)
        backends_.push_back(std::make_unique<backend::file_backend>(options));

    bus.map(rom_base, rom_size, rom.socket, "rom");
    bus.map(finisher_base, finisher_size, finisher.socket, "finisher");
    bus.map(clint_base, clint_size, clint.socket, "clint");
    bus.map(plic_base, plic_size, plic.socket, "plic");
    bus.map(uart_base, uart_size, uart.socket, "uart");
    bus.map(ram_base, config.ram_size, ram.socket, "ram");
    cpu.socket.bind(bus.in);
    debug.bind(bus.in);

    clint.msip.bind(cpu, riscv::irq_msi);
    clint.mtip.bind(cpu, riscv::irq_mti);
    plic.context_irq[0].bind(cpu, riscv::irq_mei);
    uart.irq.bind(plic, uart_irq);

    finisher.on_exit = [this](int status, const sc_core::sc_time& when) {
        finished_ = true;
        exit_status_ = status;
        exit_time_ = when;
        cpu.halt();
        sc_core::sc_stop();
    };
    finisher.on_reset = [this](const sc_core::sc_time&) {
        ++resets_;
        load_guest(); // as on a real reset, the boot images are loaded again
        cpu.reset();
    };
    rom.allow_debug_writes(true);
}

// The router's sockets are complete only once elaboration is over: load the guest here.
void virt_platform::start_of_simulation() { load_guest(); }

virt_platform::~virt_platform() { munmap(ram_data_, config_.ram_size); }

void virt_platform::load_guest() {
    try {
        const elf_info elf = load_elf(config_.kernel, *debug.operator->());
        write_boot_rom(elf.entry);
    } catch (const config_error& e) {
        load_error_ = e.what();
        cpu.halt();
        sc_core::sc_stop();
    }
}

void virt_platform::write_boot_rom(std::uint64_t entry) {
    // Reset vector: a0 = hart id, a1 = device tree (none yet), a2 = ACPI RSDP (none yet),
    // then jump to the ELF entry, as QEMU virt's boot ROM does.
    const std::uint32_t code[] = {
        0x00000297, // auipc t0, 0
        0xf1402573, // csrr  a0, mhartid
        0x0182b583, // ld    a1, 24(t0)
        0x0202b603, // ld    a2, 32(t0)
        0x0282b283, // ld    t0, 40(t0)
        0x00028067, // jr    t0
    };
    const std::uint64_t data[] = {0 /* fdt */, 0 /* rsdp */, entry};
    std::memcpy(rom_data_.data(), code, sizeof code);
    std::memcpy(rom_data_.data() + sizeof code, data, sizeof data);
}

} // namespace pmemvp::platform
