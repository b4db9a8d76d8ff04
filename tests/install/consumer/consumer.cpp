// SPDX-License-Identifier: Apache-2.0
// A user's sc_main built against pmemvp as a library (tests/install): a host file as memory
// (pmemvp::backend), a TLM target over it (pmemvp::tlm's memory_target) and an initiator of its
// own that writes a line, reads it back and persists it to the file.
//   consumer FILE  ->  prints one line; the text is then in FILE at offset 0x100.
#include "pmemvp/backend/file_backend.h"
#include "pmemvp/tlm/memory_target.h"
#include "pmemvp/version.h"

#include <cstring>
#include <iostream>
#include <string>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

struct initiator : sc_core::sc_module {
    tlm_utils::simple_initiator_socket<initiator> socket{"socket"};
    std::string text = "hello from pmemvp " PMEMVP_VERSION;
    std::string read_back;
    bool ok = false;

    SC_HAS_PROCESS(initiator);
    explicit initiator(const sc_core::sc_module_name& name) : sc_module(name) { SC_THREAD(run); }

    bool access(tlm::tlm_command command, std::uint64_t address, unsigned char* data, unsigned length) {
        tlm::tlm_generic_payload gp;
        sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
        gp.set_command(command);
        gp.set_address(address);
        gp.set_data_ptr(data);
        gp.set_data_length(length);
        gp.set_streaming_width(length);
        gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        socket->b_transport(gp, delay);
        wait(delay);
        return gp.is_response_ok();
    }

    void run() {
        std::string buffer = text;
        const auto length = static_cast<unsigned>(buffer.size());
        const bool wrote = access(tlm::TLM_WRITE_COMMAND, 0x100, reinterpret_cast<unsigned char*>(buffer.data()), length);
        buffer.assign(length, '\0');
        const bool read = access(tlm::TLM_READ_COMMAND, 0x100, reinterpret_cast<unsigned char*>(buffer.data()), length);
        read_back = buffer;
        ok = wrote && read && read_back == text;
    }
};

int sc_main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: consumer FILE\n";
        return 2;
    }
    pmemvp::backend::file_backend_options options;
    options.id = "m0";
    options.mem_path = argv[1];
    options.size = 64 * 1024;
    options.share = true;
    pmemvp::backend::file_backend backend(options);
    pmemvp::memory_target memory("memory", backend.data(), backend.size(), true,
                                 sc_core::sc_time(10, sc_core::SC_NS), sc_core::sc_time(20, sc_core::SC_NS));
    initiator cpu("cpu");
    cpu.socket.bind(memory.socket);
    sc_core::sc_start();
    const bool persisted = backend.persist(0x100, cpu.text.size());
    std::cout << "consumer: pmemvp " << PMEMVP_VERSION << ": wrote and read back '" << cpu.read_back
              << "' at " << sc_core::sc_time_stamp() << (cpu.ok && persisted ? ", persisted" : ", FAILED")
              << std::endl;
    return cpu.ok && persisted ? 0 : 1;
}
