// SPDX-License-Identifier: Apache-2.0
// file_memory, the backend as a drop-in module: a host file behind a TLM target socket, with
// DMI straight into the mapping, read-only files refusing writes, and persist().
#include "pmemvp/backend/file_memory.h"
#include "pmemvp/test/harness.h"
#include "pmemvp/test/tlm_access.h"

#include <cstring>
#include <tlm_utils/simple_initiator_socket.h>

using namespace pmemvp;

namespace {

backend::file_memory_options options(const std::string& keyvals) {
    backend::file_memory_options o;
    o.file = backend::file_backend_options::parse(keyvals);
    o.read_latency = sc_core::sc_time(10, sc_core::SC_NS);
    o.write_latency = sc_core::sc_time(20, sc_core::SC_NS);
    return o;
}

struct bench : sc_core::sc_module {
    std::string dir = test::make_temp_dir();
    bool made_read_only = [this] { test::write_file(dir + "/ro.img", 64 * 1024, 0x5a); return true; }();
    backend::file_memory rw{"rw", options("id=rw,share=on,size=64K,mem-path=" + dir + "/rw.img")};
    backend::file_memory ro{"ro", options("id=ro,readonly=on,size=64K,mem-path=" + dir + "/ro.img")};
    tlm_utils::simple_initiator_socket<bench> to_rw{"to_rw"}, to_ro{"to_ro"};

    explicit bench(const sc_core::sc_module_name& n) : sc_module(n) {
        to_rw.bind(rw.socket);
        to_ro.bind(ro.socket);
    }
};

bench& tb() { return test::elaborated_bench<bench>(); }

} // namespace

TEST(file_memory, writes_reach_the_file_with_the_latencies_given) {
    char text[] = "in the file";
    sc_core::sc_time delay;
    EXPECT_EQ(test::tlm_access(*tb().to_rw.operator->(), tlm::TLM_WRITE_COMMAND, 0x200, text, sizeof text, &delay),
              tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(delay, sc_core::sc_time(20, sc_core::SC_NS));
    EXPECT_TRUE(tb().rw.persist(0x200, sizeof text));
    EXPECT_EQ(test::read_file(tb().dir + "/rw.img").substr(0x200, sizeof text - 1), "in the file");
    EXPECT_EQ(tb().rw.size(), 64u * 1024);
}

TEST(file_memory, dmi_points_into_the_mapping) {
    tlm::tlm_generic_payload gp;
    gp.set_command(tlm::TLM_WRITE_COMMAND);
    gp.set_address(0x1000);
    tlm::tlm_dmi dmi;
    ASSERT_TRUE(tb().to_rw->get_direct_mem_ptr(gp, dmi));
    EXPECT_EQ(dmi.get_dmi_ptr(), tb().rw.file().data());
    EXPECT_EQ(dmi.get_end_address(), 64u * 1024 - 1);
    EXPECT_EQ(dmi.get_read_latency(), sc_core::sc_time(10, sc_core::SC_NS));
}

TEST(file_memory, a_read_only_file_refuses_writes_and_says_which_file) {
    std::uint32_t v = 0;
    EXPECT_EQ(test::tlm_access(*tb().to_ro.operator->(), tlm::TLM_READ_COMMAND, 0, &v, 4), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(v, 0x5a5a5a5au);
    test::expect_report warning(sc_core::SC_WARNING, "ro.img");
    EXPECT_EQ(test::tlm_access(*tb().to_ro.operator->(), tlm::TLM_WRITE_COMMAND, 0, &v, 4),
              tlm::TLM_COMMAND_ERROR_RESPONSE);
    EXPECT_EQ(warning.count(), 1u);
}
