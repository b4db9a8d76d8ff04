// SPDX-License-Identifier: Apache-2.0
// The smallest platform with a pmemvp NVDIMM: an initiator of our own writes four records to an
// NVDIMM on a real file, persists two of them (clean + fence, sent as transactions), then the
// power fails. It prints what survived, in the NVDIMM and in the file.   minimal-vp FILE
#include "pmemvp/nvdimm/nvdimm_device.h"
#include "pmemvp/tlm/persistence_extension.h"
#include "pmemvp/util/config_error.h"

#include <cstdio>
#include <functional>
#include <stdexcept>
#include <string>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

struct writer : sc_core::sc_module {
    SC_HAS_PROCESS(writer);
    tlm_utils::simple_initiator_socket<writer> socket{"socket"};
    std::function<void()> power_fail;

    explicit writer(const sc_core::sc_module_name& name) : sc_module(name) { SC_THREAD(run); }

    void send(tlm::tlm_command cmd, std::uint64_t address, char* data, unsigned length,
              pmemvp::persist_op op = pmemvp::persist_op::store) {
        pmemvp::persistence_extension ext(op, 0); // what a plain write cannot say: clean, fence
        tlm::tlm_generic_payload gp;
        gp.set_command(cmd);
        gp.set_address(address);
        gp.set_data_ptr(reinterpret_cast<unsigned char*>(data));
        gp.set_data_length(length);
        gp.set_streaming_width(length);
        gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        if (cmd == tlm::TLM_IGNORE_COMMAND) gp.set_extension(&ext);
        sc_core::sc_time delay;
        socket->b_transport(gp, delay);
        gp.clear_extension(&ext);
        if (!gp.is_response_ok()) throw std::runtime_error("access at " + std::to_string(address) + " failed");
        wait(delay);
    }
    // Write the line back (cbo.clean / clwb), then fence: durable in an ADR domain.
    void persist(std::uint64_t address) {
        send(tlm::TLM_IGNORE_COMMAND, address, nullptr, 64, pmemvp::persist_op::clean);
        send(tlm::TLM_IGNORE_COMMAND, address, nullptr, 0, pmemvp::persist_op::fence);
    }
    void run() {
        for (int i = 0; i < 4; ++i) {
            char record[64] = {};
            std::snprintf(record, sizeof record, "record %d", i);
            send(tlm::TLM_WRITE_COMMAND, 64 * i, record, sizeof record);
            if (i % 2 == 0) persist(64 * i); // records 0 and 2; 1 and 3 stay in the CPU cache
        }
        std::printf("minimal-vp: power failure at %s\n", sc_core::sc_time_stamp().to_string().c_str());
        power_fail();
        for (int i = 0; i < 4; ++i) {
            char line[64] = {};
            send(tlm::TLM_READ_COMMAND, 64 * i, line, sizeof line);
            std::printf("minimal-vp: line %d: %s\n", i, line[0] ? ("'" + std::string(line) + "' survived").c_str() : "lost");
        }
    }
};

int sc_main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: minimal-vp FILE   (an NVDIMM backed by FILE, created if missing)\n");
        return 2;
    }
    pmemvp::backend::file_backend_options file;
    file.id = "pm0";
    file.mem_path = argv[1];
    file.size = 16 << 20;
    file.share = true; // the writes reach the file
    pmemvp::nvdimm::nvdimm_device_options options;
    options.dimm.id = "nv0";
    options.persistence = pmemvp::pmem::domain_kind::adr; // the write-pending queue is durable
    try {
        pmemvp::nvdimm::nvdimm_device nvdimm("nvdimm", options, file);
        writer cpu("cpu");
        cpu.socket.bind(nvdimm.memory);
        cpu.power_fail = [&nvdimm] {
            for (const auto& lost : nvdimm.power_fail({}, sc_core::sc_time_stamp()))
                std::printf("minimal-vp: lost at the power failure: the line at offset 0x%llx\n",
                            static_cast<unsigned long long>(lost.address));
        };
        sc_core::sc_start();
    } catch (const pmemvp::config_error& e) {
        std::fprintf(stderr, "minimal-vp: %s\n", e.what());
        return 2;
    }
    return 0;
}
