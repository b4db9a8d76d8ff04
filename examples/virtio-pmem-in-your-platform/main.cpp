// SPDX-License-Identifier: Apache-2.0
// pmemvp's virtio-pmem-pci in a platform of your own: your bus (a fixed address map), your RAM
// and a CPU thread that runs a small C++ driver (virtio_pmem_driver.h). The device sits on no
// pmemvp PCI host: its pci_endpoint sockets are mapped on your bus, its INTx drives a plain
// sc_signal<bool>. The driver writes a record into the persistent range and flushes it; the
// program then reads the record from the file.   virtio-pmem-in-your-platform FILE
#include "pmemvp/tlm/irq_out.h"
#include "pmemvp/util/config_error.h"
#include "pmemvp/virtio/virtio_pmem_pci.h"

#include "virtio_pmem_driver.h"

#include <cstdio>
#include <fstream>
#include <string>
#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <vector>

// Your address map.
constexpr std::uint64_t ram_base = 0x80000000, ram_size = 0x100000;
constexpr std::uint64_t config_base = 0x30000000, bar_base = 0x40000000, pmem_base = 0x100000000ull;

// Your interconnect: a fixed map, targets see offsets from their base.
struct my_bus : sc_core::sc_module {
    using target_type = tlm::tlm_base_target_socket_b<32, tlm::tlm_fw_transport_if<>, tlm::tlm_bw_transport_if<>>;
    tlm_utils::multi_passthrough_target_socket<my_bus> in{"in"};
    tlm_utils::multi_passthrough_initiator_socket<my_bus> out{"out"};
    std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges; // by out port

    explicit my_bus(const sc_core::sc_module_name& name) : sc_module(name) {
        in.register_b_transport(this, &my_bus::b_transport);
    }
    void map(std::uint64_t base, std::uint64_t size, target_type& target) {
        out.bind(target);
        ranges.emplace_back(base, size);
    }
    void b_transport(int, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
        const std::uint64_t a = gp.get_address();
        for (std::size_t i = 0; i < ranges.size(); ++i)
            if (a >= ranges[i].first && a - ranges[i].first < ranges[i].second) {
                gp.set_address(a - ranges[i].first);
                out[static_cast<int>(i)]->b_transport(gp, delay);
                gp.set_address(a);
                return;
            }
        gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    }
};

// Your RAM.
struct my_ram : sc_core::sc_module {
    tlm_utils::simple_target_socket<my_ram> socket{"socket"};
    std::vector<unsigned char> bytes = std::vector<unsigned char>(ram_size);
    explicit my_ram(const sc_core::sc_module_name& name) : sc_module(name) {
        socket.register_b_transport(this, &my_ram::b_transport);
    }
    void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time&) {
        if (gp.get_address() + gp.get_data_length() > bytes.size()) return gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        unsigned char* at = bytes.data() + gp.get_address();
        if (gp.is_read()) std::copy(at, at + gp.get_data_length(), gp.get_data_ptr());
        if (gp.is_write()) std::copy(gp.get_data_ptr(), gp.get_data_ptr() + gp.get_data_length(), at);
        gp.set_response_status(tlm::TLM_OK_RESPONSE);
    }
};

// Your CPU: a thread that runs the driver.
struct my_cpu : sc_core::sc_module {
    SC_HAS_PROCESS(my_cpu);
    tlm_utils::simple_initiator_socket<my_cpu> socket{"socket"};
    sc_core::sc_in<bool> irq{"irq"};
    bool ok = false;

    explicit my_cpu(const sc_core::sc_module_name& name) : sc_module(name) { SC_THREAD(run); }
    bool access(tlm::tlm_command cmd, std::uint64_t address, void* data, unsigned length) {
        tlm::tlm_generic_payload gp;
        gp.set_command(cmd);
        gp.set_address(address);
        gp.set_data_ptr(static_cast<unsigned char*>(data));
        gp.set_data_length(length);
        gp.set_streaming_width(length);
        gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        sc_core::sc_time delay;
        socket->b_transport(gp, delay);
        wait(delay);
        return gp.is_response_ok();
    }
    void run() {
        virtio_pmem_driver driver({[this](std::uint64_t a, void* d, unsigned n) { return access(tlm::TLM_READ_COMMAND, a, d, n); },
                                   [this](std::uint64_t a, void* d, unsigned n) { return access(tlm::TLM_WRITE_COMMAND, a, d, n); }},
                                  config_base, bar_base, ram_base);
        if (const std::string error = driver.probe(); !error.empty()) {
            std::printf("driver: %s\n", error.c_str());
            return;
        }
        std::printf("driver: virtio-pmem at 0x%llx, %llu bytes\n", static_cast<unsigned long long>(driver.start),
                    static_cast<unsigned long long>(driver.size));
        char record[] = "hello from your platform";
        access(tlm::TLM_WRITE_COMMAND, driver.start + 0x1000, record, sizeof record);
        const std::uint32_t response = driver.flush([this] {
            if (!irq.read()) wait(irq.value_changed_event()); // the device's interrupt
        });
        std::printf("driver: flush answered %u at %s\n", response, sc_core::sc_time_stamp().to_string().c_str());
        ok = response == VIRTIO_PMEM_RESP_OK;
    }
};

int sc_main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: virtio-pmem-in-your-platform FILE   (16 MiB, created if missing)\n");
        return 2;
    }
    pmemvp::backend::file_backend_options file;
    file.id = "vp0-mem";
    file.mem_path = argv[1];
    file.size = 16 << 20;
    file.share = true;
    pmemvp::virtio::virtio_pmem_options options;
    options.id = "vp0";
    options.memaddr = pmem_base; // where the range is mapped: the config space says so
    bool ok = false;
    try {
        my_bus bus("bus");
        my_ram ram("ram");
        my_cpu cpu("cpu");
        pmemvp::virtio::virtio_pmem_pci pmem("pmem", options, file);
        pmemvp::irq_out intx("intx");
        sc_core::sc_signal<bool> irq("irq");
        cpu.socket.bind(bus.in);
        bus.map(ram_base, ram_size, ram.socket);
        bus.map(config_base, 0x1000, pmem.pci.config);
        bus.map(bar_base, PMEMVP_VIRTIO_BAR_SIZE, pmem.pci.bar[PMEMVP_VIRTIO_BAR]);
        bus.map(pmem_base, pmem.size(), pmem.memory);
        pmem.pci.dma.bind(bus.in); // the device reads its queue from your RAM
        pmem.pci.intx.bind(intx);
        intx.out(irq);
        cpu.irq(irq);
        sc_core::sc_start();
        ok = cpu.ok;
    } catch (const pmemvp::config_error& e) {
        std::fprintf(stderr, "virtio-pmem-in-your-platform: %s\n", e.what());
        return 2;
    }
    // The device is gone; the record is in the file.
    std::ifstream in(argv[1], std::ios::binary);
    std::string record(24, '\0');
    in.seekg(0x1000);
    in.read(record.data(), static_cast<std::streamsize>(record.size()));
    std::printf("file: '%s' at 0x1000\n", record.c_str());
    return ok ? 0 : 1;
}
