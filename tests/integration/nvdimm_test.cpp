// SPDX-License-Identifier: Apache-2.0
// NVDIMMs end to end with the real binaries: every NFIT configuration through iasl, the guest
// creating a namespace on an interleave set through ACPI and DSM calls, pmemvp-inspect reading
// it back from the host files, and the command-line errors.
#include "pmemvp/test/harness.h"
#include "pmemvp/test/process.h"

#include <filesystem>
#include <fstream>

using namespace pmemvp::test;

namespace {

struct dimm_files {
    std::string dir = make_temp_dir();
    std::vector<std::string> args(int count, const std::string& machine_extra = "",
                                  const std::string& device_extra = ",label-size=128K") const {
        std::vector<std::string> a{"-machine", "virt,nvdimm=on" + machine_extra};
        for (int i = 0; i < count; ++i) {
            const std::string n = std::to_string(i);
            a.insert(a.end(), {"-object", "memory-backend-file,id=m" + n + ",share=on,size=32M,mem-path=" + dir + "/dimm" + n + ".img",
                               "-device", "nvdimm,id=nv" + n + ",memdev=m" + n + device_extra});
        }
        return a;
    }
    std::string file(int i) const { return dir + "/dimm" + std::to_string(i) + ".img"; }
};

process_result run_guest(std::vector<std::string> args, const std::string& program) {
    args.insert(args.begin(), pmemvp_binary());
    args.insert(args.end(), {"-kernel", guest(program)});
    return run_process(args);
}

bool have_iasl() { return run_process({"iasl", "-v"}).status == 0; }

} // namespace

struct nfit_config {
    const char* name;
    int dimms;
    const char* machine_extra;
    const char* device_extra;
    bool interleave;
};

class nfit_with_iasl : public ::testing::TestWithParam<nfit_config> {};

TEST_P(nfit_with_iasl, disassembles_without_errors_or_warnings) {
    if (!have_iasl()) GTEST_SKIP() << "iasl is not installed (scripts/setup installs acpica-tools): NOT checked";
    const auto& c = GetParam();
    dimm_files f;
    auto args = f.args(c.dimms, c.machine_extra, c.device_extra);
    if (c.interleave) args.insert(args.end(), {"-object", "nvdimm-interleave,id=set0,dimms=nv0:nv1,granularity=4K"});
    args.insert(args.end(), {"--dump-acpi", f.dir});
    const auto run = run_guest(args, "hello");
    ASSERT_EQ(run.status, 0) << run.err;
    for (const char* table : {"NFIT", "XSDT"}) {
        const std::string dat = f.dir + "/" + table + ".dat";
        const auto iasl = run_process({"iasl", "-d", dat});
        const std::string all = iasl.out + iasl.err;
        EXPECT_EQ(iasl.status, 0) << all;
        EXPECT_EQ(all.find("rror"), std::string::npos) << table << ": " << all;
        EXPECT_EQ(all.find("arning"), std::string::npos) << table << ": " << all;
        EXPECT_TRUE(std::filesystem::exists(f.dir + "/" + table + ".dsl")) << all;
    }
    const std::string dsl = read_file(f.dir + "/NFIT.dsl");
    EXPECT_NE(dsl.find("66F0D379-B4F3-4074-AC43-0D3318B78CDB"), std::string::npos) << "persistent-memory SPA";
    const auto inspect = run_process({inspect_binary(), "nfit", f.dir + "/NFIT.dat"});
    EXPECT_EQ(inspect.status, 0) << inspect.err;
}

INSTANTIATE_TEST_SUITE_P(
    configurations, nfit_with_iasl,
    ::testing::Values(nfit_config{"one_dimm", 1, "", ",label-size=128K", false},
                      nfit_config{"two_dimms", 2, "", ",label-size=128K", false},
                      nfit_config{"interleave_set", 2, "", ",label-size=128K", true},
                      nfit_config{"unarmed", 1, "", ",unarmed=on", false},
                      nfit_config{"persistence_cpu", 1, ",nvdimm-persistence=cpu", "", false},
                      nfit_config{"persistence_mem_ctrl", 2, ",nvdimm-persistence=mem-ctrl", ",flush-hints=4", false}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(nvdimm_e2e, guest_creates_a_namespace_on_an_interleave_set_and_the_host_sees_it) {
    dimm_files f;
    auto args = f.args(2, ",nvdimm-persistence=mem-ctrl");
    args.insert(args.end(), {"-object", "nvdimm-interleave,id=set0,dimms=nv0:nv1"});
    const auto first = run_guest(args, "nvdimm-demo");
    ASSERT_EQ(first.status, 0) << first.out << first.err;
    EXPECT_NE(first.out.find("created 1 namespace(s)"), std::string::npos) << first.out;
    for (const char* field : {"\"dev\":\"nmem0\"", "\"dev\":\"nmem1\"", "\"dev\":\"region0\"", "\"iset_id\":",
                              "\"persistence_domain\":\"memory_controller\"", "\"dev\":\"namespace0.0\"",
                              "\"name\":\"pmemvp-ns0\"", "\"health_state\":\"ok\"", "\"shutdown_count\":42"})
        EXPECT_NE(first.out.find(field), std::string::npos) << field << "\n" << first.out;

    // The host tool reads the same namespace from both backing files.
    std::string uuid;
    for (int i = 0; i < 2; ++i) {
        const auto inspect = run_process({inspect_binary(), "labels", f.file(i), "--label-size", "128K", "--json"});
        ASSERT_EQ(inspect.status, 0) << inspect.err;
        // ndctl read-labels -j's form (docs/labels.md; ndctl_labels_test compares it with ndctl).
        EXPECT_NE(inspect.out.find("\"labelsize\":256"), std::string::npos) << inspect.out;
        EXPECT_NE(inspect.out.find("\"name\":\"pmemvp-ns0\""), std::string::npos) << inspect.out;
        EXPECT_NE(inspect.out.find("\"position\":" + std::to_string(i) + ",\n        \"nlabel\":2"), std::string::npos) << inspect.out;
        const auto at = inspect.out.find("\"uuid\":\"");
        ASSERT_NE(at, std::string::npos);
        const std::string this_uuid = inspect.out.substr(at + 8, 36);
        if (i == 0) uuid = this_uuid;
        EXPECT_EQ(this_uuid, uuid) << "one namespace across both DIMMs";
    }
    EXPECT_NE(first.out.find(uuid), std::string::npos) << "the guest printed the same uuid";

    const auto second = run_guest(args, "nvdimm-demo");
    EXPECT_NE(second.out.find("created 0 namespace(s)"), std::string::npos) << "found, not created again";
    const auto removed = run_guest(args, "nvdimm-delete");
    EXPECT_NE(removed.out.find("deleted 1 namespace(s)"), std::string::npos) << removed.out;
    const auto after = run_process({inspect_binary(), "labels", f.file(0), "--label-size", "128K"});
    EXPECT_NE(after.out.find("no namespaces"), std::string::npos) << after.out;
}

TEST(nvdimm_e2e, dimms_without_labels_or_unarmed_get_no_namespace) {
    dimm_files f;
    auto args = f.args(1, "", ",unarmed=on");
    const auto run = run_guest(args, "nvdimm-demo");
    EXPECT_EQ(run.status, 0) << run.out;
    EXPECT_NE(run.out.find("created 0 namespace(s)"), std::string::npos) << run.out;
}

TEST(nvdimm_cli, errors_name_the_problem) {
    dimm_files f;
    auto expect_error = [&](std::vector<std::string> args, const std::string& names) {
        const auto r = run_guest(args, "hello");
        EXPECT_EQ(r.status, 2) << r.err;
        EXPECT_NE(r.err.find(names), std::string::npos) << "stderr: " << r.err;
    };
    auto args = f.args(1);
    args[1] = "virt";
    expect_error(args, "nvdimm is not enabled");
    expect_error(f.args(1, "", ",label-size=64K"), "at least 0x20000");
    expect_error(f.args(1, ",nvdimm-persistence=disk"), "nvdimm-persistence=disk");
    args = f.args(1);
    args.insert(args.end(), {"-device", "nvdimm,id=other,memdev=m0"});
    expect_error(args, "already busy memdev: m0");
    args = f.args(1);
    args.insert(args.end(), {"-device", "nvdimm,id=x,memdev=nope"});
    expect_error(args, "memdev 'nope' not found");
    expect_error(f.args(2, "", ",slot=3"), "slot 3 is busy");
    args = f.args(2);
    args.insert(args.end(), {"-object", "nvdimm-interleave,id=s,dimms=nv0:nv9"});
    expect_error(args, "no -device nvdimm with id 'nv9'");
    write_file(f.dir + "/ro.img", 4 << 20, 0);
    expect_error({"-machine", "virt,nvdimm=on", "-object", "memory-backend-file,id=r,readonly=on,size=4M,mem-path=" + f.dir + "/ro.img",
                  "-device", "nvdimm,id=n,memdev=r"}, "'unarmed' property must be 'on'");
    expect_error({"-machine", "virt", "-device", "virtio-blk,id=b"}, "'virtio-blk'");
}

TEST(inspect, rejects_bad_input_with_reasons) {
    const std::string dir = make_temp_dir();
    write_file(dir + "/blank.img", 1 << 20, 0);
    auto r = run_process({inspect_binary(), "labels", dir + "/blank.img", "--label-size", "128K"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("no valid index block"), std::string::npos) << r.err;
    r = run_process({inspect_binary(), "labels", dir + "/blank.img", "--label-size", "4G"});
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("--label-size"), std::string::npos) << r.err;
    r = run_process({inspect_binary(), "labels", dir + "/blank.img"});
    EXPECT_EQ(r.status, 2);
    r = run_process({inspect_binary(), "nfit", dir + "/blank.img"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("signature"), std::string::npos) << r.err;
    r = run_process({inspect_binary(), "frobnicate", dir + "/blank.img"});
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("unknown command 'frobnicate'"), std::string::npos) << r.err;
}
