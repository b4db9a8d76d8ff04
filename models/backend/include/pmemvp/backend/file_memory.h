// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/backend/file_backend.h"
#include "pmemvp/tlm/memory_target.h"

#include <systemc>
#include <tlm>

namespace pmemvp::backend {

struct file_memory_options {
    file_backend_options file; // the host file, as QEMU's memory-backend-file (size required)
    sc_core::sc_time read_latency = sc_core::SC_ZERO_TIME;
    sc_core::sc_time write_latency = sc_core::SC_ZERO_TIME;
};

// A host file as a TLM memory: the file mapped (file_backend) behind a target socket
// (memory_target) with DMI. Addresses on the socket are offsets in the file's mapped range.
// Nothing is persistent-memory specific: writes are in the host's page cache until persist()
// or sync(), and always at destruction (unless discard-data).
class file_memory : public sc_core::sc_module {
public:
    tlm::tlm_target_socket<> socket;

    // Throws config_error naming the option (a missing size, a file that cannot be opened).
    // Until the simulation starts, destruction undoes what opening did (a file it created is
    // removed, one it extended is shrunk back): an elaboration that fails leaves no trace.
    file_memory(const sc_core::sc_module_name& name, const file_memory_options& options);

    std::uint64_t size() const { return file_.size(); }
    file_backend& file() { return file_; }
    memory_target& memory() { return memory_; }
    // Makes [offset, offset + length) durable in the host file; false (with a warning) if not.
    bool persist(std::uint64_t offset, std::uint64_t length) { return file_.persist(offset, length); }

private:
    void start_of_simulation() override { file_.mark_started(); }

    file_backend file_;
    memory_target memory_;
};

} // namespace pmemvp::backend
