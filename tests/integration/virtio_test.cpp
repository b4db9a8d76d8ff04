// SPDX-License-Identifier: Apache-2.0
// virtio-pmem-pci with the real pmemvp binary: a guest finds the device by PCI enumeration,
// writes, flushes, and the host file holds the records; malformed rings; determinism; errors.
#include "pmemvp/test/harness.h"
#include "pmemvp/test/process.h"

#include <filesystem>

using namespace pmemvp::test;

namespace {

process_result run_guest(std::vector<std::string> args, const std::string& program) {
    args.insert(args.begin(), pmemvp_binary());
    args.insert(args.end(), {"-kernel", guest(program)});
    return run_process(args);
}

std::vector<std::string> one_device(const std::string& dir, const std::string& extra = "") {
    return {"-object", "memory-backend-file,id=m0,share=on,size=16M,mem-path=" + dir + "/vp.img",
            "-device", "virtio-pmem-pci,id=vp0,memdev=m0" + extra};
}

double json_number(const std::string& json, const std::string& key) {
    const auto at = json.find("\"" + key + "\":");
    return at == std::string::npos ? -1 : std::stod(json.substr(at + key.size() + 3));
}

} // namespace

TEST(virtio_pmem_e2e, guest_writes_flushes_and_the_host_file_holds_the_records) {
    const std::string dir = make_temp_dir();
    auto args = one_device(dir);
    args.insert(args.end(), {"--stats", dir + "/stats.json"});
    const auto r = run_guest(args, "virtio-pmem-demo");
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("virtio-pmem at slot 1: range 0x100000000, 16777216 bytes"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("flush (polled): 0"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("flush (interrupt): 0"), std::string::npos) << r.out;
    const std::string file = read_file(dir + "/vp.img");
    ASSERT_EQ(file.size(), 16u << 20);
    EXPECT_EQ(file.substr(0, 46), "pmemvp record #1: durable after a polled flush");
    EXPECT_EQ(file.substr(4096, 57), "pmemvp record #2: durable after an interrupt-driven flush");
    const std::string stats = read_file(dir + "/stats.json");
    EXPECT_EQ(json_number(stats, "flushes"), 2);
    EXPECT_EQ(json_number(stats, "flushed_pages"), 2);
    EXPECT_EQ(json_number(stats, "unflushed_pages"), 0);
}

TEST(virtio_pmem_e2e, the_range_as_shared_memory_region_0_through_a_bar) {
    const std::string dir = make_temp_dir();
    auto args = one_device(dir, ",shmem=on");
    args.insert(args.end(), {"--stats", dir + "/stats.json"});
    const auto r = run_guest(args, "virtio-pmem-shm-demo");
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("range 0x40000000, 16777216 bytes (shared memory region 0)"), std::string::npos) << r.out;
    const std::string file = read_file(dir + "/vp.img");
    EXPECT_EQ(file.substr(0, 46), "pmemvp record #1: durable after a polled flush");
    EXPECT_EQ(file.substr(4096, 57), "pmemvp record #2: durable after an interrupt-driven flush");
    EXPECT_EQ(json_number(read_file(dir + "/stats.json"), "flushed_pages"), 2) << "BAR writes reach the dirty log";
    // Without shmem=on the feature is not offered: the same driver uses the config space.
    const auto plain = run_guest(one_device(dir), "virtio-pmem-shm-demo");
    EXPECT_NE(plain.out.find("range 0x100000000, 16777216 bytes\n"), std::string::npos) << plain.out;
}

TEST(virtio_pmem_e2e, a_write_not_followed_by_a_flush_is_reverted_by_a_power_failure) {
    const std::string dir = make_temp_dir();
    auto args = one_device(dir);
    args.insert(args.end(), {"--power-fail-at", "5ms", "--persist-check"});
    const auto r = run_guest(args, "virtio-pmem-unflushed");
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("record 2 written, not flushed"), std::string::npos) << r.out;
    const std::string file = read_file(dir + "/vp.img");
    EXPECT_EQ(file.substr(0, 46), "pmemvp record #1: durable after a polled flush");
    EXPECT_EQ(file.substr(4096, 40), std::string(40, '\0')) << "never flushed: reverted";
    EXPECT_NE(r.err.find("store not durable"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("vp0 offset 0x1000"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("1 line(s) were not durable"), std::string::npos) << r.err;
}

TEST(virtio_pmem_e2e, malformed_rings_put_the_device_in_needs_reset) {
    const std::string dir = make_temp_dir();
    const auto r = run_guest(one_device(dir), "virtio-malformed");
    EXPECT_EQ(r.status, 0) << r.out;
    EXPECT_NE(r.out.find("0 failures"), std::string::npos) << r.out;
    // Each class is logged, naming what was wrong.
    for (const char* what : {"outside guest RAM", "a loop?", "zero-sized buffers", "not negotiated",
                             "readable buffer after a device-writable", "request not proper", "nested INDIRECT"})
        EXPECT_NE(r.err.find(what), std::string::npos) << what << "\n" << r.err;
}

TEST(virtio_pmem_e2e, same_inputs_give_the_same_timeline) {
    const std::string dir = make_temp_dir();
    std::string json[2];
    for (int i = 0; i < 2; ++i) {
        auto args = one_device(dir);
        args.insert(args.end(), {"--stats", dir + "/s" + std::to_string(i) + ".json"});
        ASSERT_EQ(run_guest(args, "virtio-pmem-demo").status, 0);
        json[i] = read_file(dir + "/s" + std::to_string(i) + ".json");
    }
    for (const char* key : {"instructions", "cycles", "simulated_time_ns", "flushed_pages"})
        EXPECT_EQ(json_number(json[0], key), json_number(json[1], key)) << key;
}

TEST(virtio_pmem_e2e, several_devices_and_nvdimms_coexist) {
    const std::string dir = make_temp_dir();
    const auto r = run_guest({"-machine", "virt,nvdimm=on",
                              "-object", "memory-backend-file,id=n0,share=on,size=8M,mem-path=" + dir + "/n0.img",
                              "-device", "nvdimm,id=nv0,memdev=n0",
                              "-object", "memory-backend-file,id=a,share=on,size=8M,mem-path=" + dir + "/a.img",
                              "-object", "memory-backend-file,id=b,share=on,size=8M,mem-path=" + dir + "/b.img",
                              "-device", "virtio-pmem-pci,id=va,memdev=a",
                              "-device", "virtio-pmem-pci,id=vb,memdev=b,memaddr=0x200000000",
                              "--stats", dir + "/stats.json"},
                             "virtio-pmem-demo");
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("range 0x140000000"), std::string::npos) << "after the NVDIMM's 1 GiB slot: " << r.out;
    const std::string stats = read_file(dir + "/stats.json");
    EXPECT_NE(stats.find("\"address\": 8589934592"), std::string::npos) << stats;
}

TEST(virtio_pmem_cli, errors_name_the_problem) {
    const std::string dir = make_temp_dir();
    auto expect_error = [&](std::vector<std::string> args, const std::string& names) {
        const auto r = run_guest(args, "hello");
        EXPECT_EQ(r.status, 2) << r.err;
        EXPECT_NE(r.err.find(names), std::string::npos) << "stderr: " << r.err;
    };
    expect_error({"-device", "virtio-pmem-pci,id=v"}, "virtio-pmem memdev not set");
    expect_error({"-device", "virtio-pmem-pci,id=v,memdev=nope"}, "memdev 'nope' not found");
    auto twice = one_device(dir);
    twice.insert(twice.end(), {"-device", "virtio-pmem-pci,id=v1,memdev=m0"});
    expect_error(twice, "already busy memdev: m0");
    expect_error(one_device(dir, ",memaddr=0x80000000"), "below device memory");
    expect_error(one_device(dir, ",memaddr=0x100000010"), "page aligned");
    expect_error(one_device(dir, ",flush-latency=soon"), "'flush-latency'");
    expect_error(one_device(dir, ",shmem=maybe"), "'shmem'");
    expect_error(one_device(dir, ",flush-io=later"), "'flush-io'");
    expect_error(one_device(dir, ",colour=red"), "'colour'");
}
