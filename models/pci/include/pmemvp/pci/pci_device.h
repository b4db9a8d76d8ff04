// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <tlm>

namespace pmemvp::pci {

// Config-space offsets and bits of a type-0 header, and the type-1 (bridge) registers.
namespace cfg {
constexpr unsigned vendor_id = 0x00, device_id = 0x02, command = 0x04, status = 0x06,
                   revision = 0x08, class_code = 0x09, header_type = 0x0e, bar0 = 0x10,
                   subsystem_vendor = 0x2c, subsystem_id = 0x2e, capabilities = 0x34,
                   interrupt_line = 0x3c, interrupt_pin = 0x3d;
// Type 1: bus numbers, the memory window (address bits 31:20 in bits 15:4), the prefetchable
// window (the same, bits 3:0 = 1: 64-bit, upper halves at 0x28/0x2c), bridge control.
constexpr unsigned primary_bus = 0x18, secondary_bus = 0x19, subordinate_bus = 0x1a,
                   io_base = 0x1c, io_limit = 0x1d, memory_base = 0x20, memory_limit = 0x22,
                   prefetch_base = 0x24, prefetch_limit = 0x26, prefetch_base_upper = 0x28,
                   prefetch_limit_upper = 0x2c, bridge_control = 0x3e;
constexpr std::uint8_t header_type_bridge = 0x01;
constexpr std::uint16_t command_memory = 1u << 1, command_master = 1u << 2,
                        command_intx_disable = 1u << 10;
constexpr std::uint16_t status_interrupt = 1u << 3, status_capabilities = 1u << 4;
} // namespace cfg

// A PCI function's configuration space (type-0 header, capability list, 64-bit memory BARs
// with sizing) and its BAR accesses. Subclasses declare BARs and capabilities and serve BAR
// accesses; the host decodes ECAM and the memory window to them. A bridge subclass turns the
// header into type 1 (declare_type1_header).
class pci_device {
public:
    static constexpr unsigned num_bars = 6;

    pci_device(std::string name, std::uint16_t vendor, std::uint16_t device, std::uint8_t revision,
               std::uint32_t class_code, std::uint16_t subsystem_vendor, std::uint16_t subsystem_id);
    virtual ~pci_device() = default;

    const std::string& name() const { return name_; }
    std::uint32_t config_read(unsigned offset, unsigned length) const;
    void config_write(unsigned offset, unsigned length, std::uint32_t value);
    // A configuration access to register `reg` as a host decodes it (ECAM, pci_endpoint): 1, 2
    // or 4 bytes, naturally aligned, else TLM_ADDRESS_ERROR_RESPONSE. Returns the status.
    tlm::tlm_response_status config_transport(tlm::tlm_generic_payload& gp, unsigned reg);

    // The address a BAR decodes, if memory decode is on and the BAR is programmed.
    bool bar_decodes(unsigned bar, std::uint64_t& base, std::uint64_t& size) const;
    // An access at `offset` inside BAR `bar`; sets the response status.
    virtual void bar_access(unsigned bar, std::uint64_t offset, tlm::tlm_generic_payload& gp,
                            sc_core::sc_time& delay) = 0;
    // DMI into a BAR, addresses relative to the BAR; none by default.
    virtual bool bar_dmi(unsigned bar, tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi) { return false; }

    bool memory_enabled() const { return command() & cfg::command_memory; }
    bool bus_master() const { return command() & cfg::command_master; }
    std::uint16_t command() const { return read16(cfg::command); }
    // Header type 1: a PCI-to-PCI bridge (a root port).
    // BAR `bar`'s size; 0 for no BAR (or the high half of a 64-bit BAR).
    std::uint64_t bar_size(unsigned bar) const { return bar < num_bars ? bar_size_[bar] : 0; }
    bool is_bridge() const { return (config_[cfg::header_type] & 0x7f) == cfg::header_type_bridge; }
    // The INTx line level this function wants (before INTx disable is applied).
    bool intx_asserted() const { return intx_; }
    bool intx_output() const { return intx_ && !(command() & cfg::command_intx_disable); }

protected:
    // A 64-bit memory BAR at bar and bar + 1; size a power of two >= 16.
    void declare_bar64(unsigned bar, std::uint64_t size, bool prefetchable);
    // Appends a capability with `bytes` (starting with the ID; the next pointer is filled in);
    // returns its config-space offset.
    unsigned add_capability(const std::uint8_t* bytes, unsigned length);
    // Turns the header into type 1 (a bridge): header type 1, BARs 0-1 only, bus numbers
    // (0x18-0x1a), the memory window (0x20-0x23) and the 64-bit prefetchable window
    // (0x24-0x2f) and bridge control (0x3e) writable, both windows closed; no I/O window (its
    // registers read 0). Call it first in the subclass's constructor.
    void declare_type1_header();
    // Config bytes [offset, offset + length) that the driver may write (beyond the header).
    void make_writable(unsigned offset, unsigned length);
    // Only the bits of `mask` (little-endian over `length` <= 4 bytes) are writable there.
    void make_writable_bits(unsigned offset, unsigned length, std::uint32_t mask);
    // The bits of `mask` are RW1C (status bits: writing 1 clears, writing 0 keeps).
    void make_write1_clear(unsigned offset, unsigned length, std::uint32_t mask);
    void set_intx(bool level);
    std::uint8_t* config_bytes() { return config_.data(); }
    // Called after a config write changes the command register or a BAR (remapping).
    virtual void config_changed() {}
    // Called after every config write, with the range written (registers with side effects).
    virtual void config_written(unsigned offset, unsigned length) {}

private:
    std::uint16_t read16(unsigned off) const { return static_cast<std::uint16_t>(config_[off] | config_[off + 1] << 8); }
    void update_status();
    unsigned header_bars() const { return is_bridge() ? 2 : num_bars; }

    std::string name_;
    std::array<std::uint8_t, 4096> config_{};
    std::array<std::uint8_t, 4096> write_mask_{}; // writable bits per byte
    std::array<std::uint8_t, 4096> w1c_mask_{};   // write-1-to-clear bits per byte
    std::array<std::uint64_t, num_bars> bar_size_{}; // 0: no BAR (or the high half of a 64-bit BAR)
    unsigned next_capability_ = 0x40;
    unsigned last_capability_ = 0;
    bool intx_ = false;
};

} // namespace pmemvp::pci
