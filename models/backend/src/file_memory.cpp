// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/backend/file_memory.h"

namespace pmemvp::backend {

file_memory::file_memory(const sc_core::sc_module_name& name, const file_memory_options& options)
    : sc_module(name), socket("socket"), file_(options.file, file_backend::start::pending),
      memory_("memory", file_.data(), file_.size(), file_.writable(), options.read_latency,
              options.write_latency) {
    memory_.set_description("memory-backend-file '" + file_.id() + "' ('" + file_.path() + "', readonly=on)");
    socket.bind(memory_.socket); // hierarchical: the memory answers for this module
}

} // namespace pmemvp::backend
