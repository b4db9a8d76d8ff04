// SPDX-License-Identifier: Apache-2.0
// Hot-plug of virtio-pmem-pci into a pcie-root-port while the guest runs, with the real pmemvp
// and the bare-metal driver sw/virtio-pmem-hotplug (it waits for the device, writes and flushes
// a record, and powers the slot off when device_del presses the attention button): QEMU's
// documented lines typed into -monitor stdio, the same through QMP with DEVICE_DELETED, a
// monitor script that gives the same timeline every run, and the errors. The guest never exits by
// itself (it waits for the next device): each run ends with quit.
#include "pmemvp/test/debugger.h"
#include "pmemvp/test/harness.h"
#include "pmemvp/test/monitor_client.h"
#include "pmemvp/test/process.h"

#include <fstream>
#include <sys/stat.h>
#include <sys/wait.h>

using namespace pmemvp::test;

namespace {

const std::string record = "pmemvp hot-plug record: written and flushed after device_add";

std::vector<std::string> machine(std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{pmemvp_binary(), "-m", "256M,slots=2,maxmem=8G", "-device",
                                  "pcie-root-port,id=rp1,slot=1", "-kernel", guest("virtio-pmem-hotplug")};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
}

// Runs argv in `dir` (relative mem-paths land there) with `input` on stdin.
process_result run_in(const std::string& dir, const std::vector<std::string>& argv, const std::string& input) {
    std::ofstream(dir + "/stdin") << input;
    std::string command = "cd '" + dir + "' && exec";
    for (const auto& a : argv) command += " '" + a + "'";
    const pid_t pid = start_process({"/bin/sh", "-c", command}, dir + "/out", dir + "/err", dir + "/stdin");
    int status = 0;
    waitpid(pid, &status, 0);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), read_file(dir + "/out"),
            read_file(dir + "/err")};
}

std::uint64_t file_size(const std::string& path) {
    struct stat st {};
    return stat(path.c_str(), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
}

// Waits (at most 30 s of wall time) until the file holds `text`.
bool wait_for_text(const std::string& path, const std::string& text) {
    for (int i = 0; i < 1500; ++i) {
        if (read_file(path).find(text) != std::string::npos) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

} // namespace

TEST(hotplug, qemus_documented_lines_work_verbatim_in_monitor_stdio) {
    const std::string dir = make_temp_dir();
    std::ofstream(dir + "/script") << "@20ms device_del virtio_pmem2\n@30ms quit\n";
    const auto r = run_in(dir, machine({"-S", "-monitor", "stdio", "--monitor-script", dir + "/script"}),
                          "object_add memory-backend-file,id=mem2,share=on,mem-path=virtio_pmem2.img,size=4G\n"
                          "device_add virtio-pmem-pci,id=virtio_pmem2,memdev=mem2\n"
                          "info pci\n"
                          "cont\n");
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    for (const char* text : {"PCI bridge: PCI device 1b36:000c", "id \"rp1\"",
                             "virtio-pmem-hotplug: slot 1: device 1af4:105b on bus 1",
                             "virtio-pmem-hotplug: range 0x100000000, 4294967296 bytes", "virtio-pmem-hotplug: flush: 0",
                             "virtio-pmem-hotplug: attention button", "virtio-pmem-hotplug: slot 1 is empty"})
        EXPECT_NE(r.out.find(text), std::string::npos) << text << " in\n" << r.out;
    EXPECT_NE(r.err.find("device_add virtio-pmem-pci 'virtio_pmem2' into pcie-root-port 'rp1'"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("virtio-pmem-pci 'virtio_pmem2' unplugged"), std::string::npos) << r.err;
    // The file QEMU's example names, in the directory pmemvp ran in, with what the guest flushed.
    EXPECT_EQ(file_size(dir + "/virtio_pmem2.img"), 4ull << 30);
    std::ifstream image(dir + "/virtio_pmem2.img", std::ios::binary);
    std::string head(record.size(), '\0');
    image.read(head.data(), static_cast<std::streamsize>(head.size()));
    EXPECT_EQ(head, record);
}

TEST(hotplug, qmp_plugs_and_unplugs_with_device_deleted_events) {
    const std::string dir = make_temp_dir();
    background vp(machine({"-S", "-qmp", "unix:" + dir + "/q.sock,server=on,wait=off"}));
    monitor_client c(dir + "/q.sock");
    ASSERT_TRUE(c.connected());
    c.read_lines(1);
    c.send(R"({"execute": "qmp_capabilities"})");
    c.read_lines(1);
    c.send(R"({"execute": "object-add", "arguments": {"qom-type": "memory-backend-file", "id": "mem2", "share": true, "mem-path": ")" +
           dir + R"(/virtio_pmem2.img", "size": 67108864}})");
    EXPECT_EQ(c.read_lines(1), "{\"return\": {}}\r\n");
    c.send(R"({"execute": "device_add", "arguments": {"driver": "virtio-pmem-pci", "id": "virtio_pmem2", "memdev": "mem2"}})");
    EXPECT_EQ(c.read_lines(1), "{\"return\": {}}\r\n");
    c.send(R"({"execute": "query-pci"})");
    const std::string pci = c.read_lines(1);
    EXPECT_NE(pci.find(R"("qdev_id": "rp1")"), std::string::npos) << pci;
    EXPECT_NE(pci.find(R"("class_info": {"class": 1540, "desc": "PCI bridge"})"), std::string::npos) << pci;
    c.send(R"({"execute": "query-memory-devices"})");
    const std::string memory = c.read_lines(1);
    EXPECT_NE(memory.find(R"("type": "virtio-pmem", "data": {"id": "virtio_pmem2", "memaddr": 4294967296, "size": 67108864, "memdev": "/objects/mem2"})"),
              std::string::npos) << memory;
    c.send(R"({"execute": "object-del", "arguments": {"id": "mem2"}})");
    EXPECT_NE(c.read_lines(1).find("object 'mem2' is in use, can not be deleted"), std::string::npos);
    c.send(R"({"execute": "device_del", "arguments": {"id": "nope"}})");
    EXPECT_EQ(c.read_lines(1), "{\"error\": {\"class\": \"DeviceNotFound\", \"desc\": \"Device 'nope' not found\"}}\r\n");
    c.send(R"({"execute": "cont"})");
    c.read_lines(2);
    ASSERT_TRUE(wait_for_text(vp.out_path, "waiting for the removal request")) << read_file(vp.out_path);
    // Behind the port now: the function on bus 1 in query-pci.
    c.send(R"({"execute": "query-pci"})");
    const std::string behind = c.read_lines(1);
    EXPECT_NE(behind.find(R"("qdev_id": "virtio_pmem2")"), std::string::npos) << behind;
    EXPECT_NE(behind.find(R"("secondary": 1)"), std::string::npos) << behind;
    c.send(R"({"execute": "device_del", "arguments": {"id": "virtio_pmem2"}})");
    EXPECT_EQ(c.read_lines(1), "{\"return\": {}}\r\n");
    const std::string events = c.read_lines(0, "\"path\": \"/machine/peripheral/virtio_pmem2\"}}\r\n");
    EXPECT_NE(events.find(R"("event": "DEVICE_DELETED", "data": {"path": "/machine/peripheral/virtio_pmem2/virtio-backend"})"),
              std::string::npos) << events;
    EXPECT_NE(events.find(R"("event": "DEVICE_DELETED", "data": {"device": "virtio_pmem2", "path": "/machine/peripheral/virtio_pmem2"})"),
              std::string::npos) << events;
    c.send(R"({"execute": "device_del", "arguments": {"id": "virtio_pmem2"}})");
    EXPECT_EQ(c.read_lines(1), "{\"error\": {\"class\": \"DeviceNotFound\", \"desc\": \"Device 'virtio_pmem2' not found\"}}\r\n");
    // The guest waits for the next device; the backend is free again.
    c.send(R"({"execute": "object-del", "arguments": {"id": "mem2"}})");
    EXPECT_EQ(c.read_lines(1), "{\"return\": {}}\r\n");
    c.send(R"({"execute": "quit"})");
    c.read_lines(0, "SHUTDOWN");
    const auto r = vp.wait_for(std::chrono::seconds(60));
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("virtio-pmem-hotplug: slot 1 is empty"), std::string::npos) << r.out;
    EXPECT_EQ(read_file(dir + "/virtio_pmem2.img").substr(0, record.size()), record);
}

TEST(hotplug, a_monitor_script_gives_the_same_timeline_every_run) {
    const std::string dir = make_temp_dir();
    std::ofstream(dir + "/script") << "@1ms object_add memory-backend-file,id=m1,share=on,mem-path=" + dir +
                                          "/vp.img,size=64M\n"
                                          "@1ms device_add virtio-pmem-pci,id=vp1,memdev=m1\n"
                                          "@3ms info pci\n"
                                          "@6ms device_del vp1\n"
                                          "@8ms quit\n";
    std::vector<process_result> runs;
    for (const char* tag : {"a", "b"}) {
        runs.push_back(run_process(machine({"--monitor-script", dir + "/script", "--stats", dir + "/" + tag + ".json",
                                            "--vcd", dir + "/" + tag + ".vcd"})));
        ASSERT_EQ(runs.back().status, 0) << runs.back().err;
        std::remove((dir + "/vp.img").c_str()); // the second run creates it again
    }
    EXPECT_EQ(runs[0].out, runs[1].out);
    EXPECT_EQ(simulated_stats(dir + "/a.json"), simulated_stats(dir + "/b.json"));
    EXPECT_EQ(read_file(dir + "/a.vcd").substr(read_file(dir + "/a.vcd").find("$end")),
              read_file(dir + "/b.vcd").substr(read_file(dir + "/b.vcd").find("$end")));
    // Logged with its simulated time; the unplug at the same time in both runs.
    EXPECT_NE(runs[0].err.find("pmemvp: 1 ms: device_add virtio-pmem-pci 'vp1' into pcie-root-port 'rp1' (00:1.0), memory "
                               "0x100000000+0x4000000"),
              std::string::npos) << runs[0].err;
    const auto unplugged = [](const std::string& err) {
        const auto at = err.find("virtio-pmem-pci 'vp1' unplugged");
        return at == std::string::npos ? std::string() : err.substr(err.rfind("pmemvp: ", at), at - err.rfind("pmemvp: ", at));
    };
    EXPECT_FALSE(unplugged(runs[0].err).empty()) << runs[0].err;
    EXPECT_EQ(unplugged(runs[0].err), unplugged(runs[1].err));
    EXPECT_NE(runs[0].err.find("Bus  1, device   0, function 0:"), std::string::npos) << runs[0].err;
    // The removed device's figures stay in --stats, with when it went (schema: docs/schema).
    const std::string stats = read_file(dir + "/a.json");
    const auto vp1 = stats.find("\"vp1\": {");
    ASSERT_NE(vp1, std::string::npos) << stats;
    const std::string entry = stats.substr(vp1, stats.find('}', vp1) - vp1);
    EXPECT_NE(entry.find("\"flushes\": 1,"), std::string::npos) << entry;
    EXPECT_NE(entry.find("\"removed_at_ns\": 6"), std::string::npos) << entry; // removed at 6.00... ms
    const auto valid = run_process({"python3", "-c",
                                    "import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), "
                                    "json.load(open(sys.argv[2])))",
                                    dir + "/a.json", source_path("docs/schema/stats.schema.json")});
    EXPECT_EQ(valid.status, 0) << valid.err;
}

TEST(hotplug, bad_requests_get_qemus_errors_and_change_nothing) {
    const std::string dir = make_temp_dir();
    const std::string backend = "memory-backend-file,id=m,share=on,size=64M,mem-path=" + dir + "/m.img";
    const auto r = run_in(dir, machine({"-S", "-monitor", "stdio"}),
                          "device_add virtio-pmem-pci,id=v,memdev=m\n"
                          "object_add " + backend + "\n"
                          "object_add " + backend + "\n"
                          "object_add memory-backend-file,id=n,share=on,size=64M,mem-path=" + dir + "/m.img\n"
                          "device_add virtio-pmem-pci,id=v,memdev=m,bus=rp9\n"
                          "device_add frob,id=x\n"
                          "device_add pcie-root-port,id=rp2,slot=2\n"
                          "device_add virtio-pmem-pci,id=v,memdev=m\n"
                          "device_add virtio-pmem-pci,id=w,memdev=m\n"
                          "device_del v\n"
                          "device_del v\n"
                          "object_add nvdimm-interleave,id=s,dimms=a:b\n"
                          "object_del m\n"
                          "object_del nope\n"
                          "device_del nope\n"
                          "device_del rp1\n"
                          "quit\n");
    EXPECT_EQ(r.status, 0) << r.err;
    for (const char* text : {"Error: memdev 'm' not found",
                             "Error: attempt to add duplicate property 'm' to object (type 'container')",
                             "Error: memory-backend-file 'm' maps '" , "Error: Bus 'rp9' not found",
                             "Error: 'frob' is not a valid device model name",
                             "Error: Bus 'pcie.0' does not support hotplugging",
                             "Error: every pcie-root-port holds a device",
                             "Error: object 'm' is in use, can not be deleted", "Error: object 'nope' not found",
                             "Error: Device 'nope' not found", "Error: Device v is already in the process of unplug",
                             "Error: nvdimm-interleave can only be given at start"})
        EXPECT_NE(r.out.find(text), std::string::npos) << text << " in\n" << r.out;

    // -m without maxmem, and too little of it: QEMU's memory-device messages.
    const auto no_maxmem = run_in(dir, {pmemvp_binary(), "-S", "-monitor", "stdio", "-device", "pcie-root-port,id=rp1,slot=1",
                                        "-kernel", guest("virtio-pmem-hotplug")},
                                  "object_add memory-backend-file,id=a,share=on,size=64M,mem-path=" + dir + "/a.img\n"
                                  "device_add virtio-pmem-pci,id=v,memdev=a\nquit\n");
    EXPECT_NE(no_maxmem.out.find("Error: memory devices (e.g. for memory hotplug) are not enabled, please specify the maxmem option"),
              std::string::npos) << no_maxmem.out;
    const auto small = run_in(dir, {pmemvp_binary(), "-m", "256M,slots=1,maxmem=300M", "-S", "-monitor", "stdio", "-device",
                                    "pcie-root-port,id=rp1,slot=1", "-kernel", guest("virtio-pmem-hotplug")},
                              "object_add memory-backend-file,id=a,share=on,size=64M,mem-path=" + dir + "/a.img\n"
                              "device_add virtio-pmem-pci,id=v,memdev=a\nquit\n");
    EXPECT_NE(small.out.find("Error: not enough space, currently 0x0 in use of total space for memory devices 0x2c00000"),
              std::string::npos) << small.out;
    const auto no_port = run_in(dir, {pmemvp_binary(), "-m", "256M,slots=1,maxmem=1G", "-S", "-monitor", "stdio", "-kernel",
                                      guest("virtio-pmem-hotplug")},
                                "object_add memory-backend-file,id=a,share=on,size=64M,mem-path=" + dir + "/a.img\n"
                                "device_add virtio-pmem-pci,id=v,memdev=a\nquit\n");
    EXPECT_NE(no_port.out.find("Error: Bus 'pcie.0' does not support hotplugging; start pmemvp with -device "
                               "pcie-root-port,id=rp1,slot=1"),
              std::string::npos) << no_port.out;
}

// NVDIMM hot-plug: a DIMM added by QMP while sw/nvdimm-hotplug sleeps; the NVDIMM root device
// raises FIT_CHANGED, the guest reads the new NFIT through the root's Read FIT DSM, finds the
// DIMM, writes Linux-format labels for a namespace and a durable pattern; the host reads both
// back from the new file.
TEST(hotplug, an_nvdimm_added_at_run_time_is_found_through_the_updated_nfit) {
    const std::string dir = make_temp_dir();
    std::ofstream(dir + "/script")
        << "@1ms object_add memory-backend-file,id=m0,share=on,mem-path=" + dir + "/nv0.img,size=64M\n"
           "@2ms {\"execute\": \"device_add\", \"arguments\": {\"driver\": \"nvdimm\", \"id\": \"nv0\", \"memdev\": \"m0\", "
           "\"label-size\": 131072}}\n"
           "@2ms {\"execute\": \"query-memory-devices\"}\n"
           "@2ms device_del nv0\n";
    const auto r = run_process({pmemvp_binary(), "-machine", "virt,nvdimm=on,nvdimm-persistence=mem-ctrl", "-m",
                                "256M,slots=4,maxmem=8G", "-kernel", guest("nvdimm-hotplug"), "--monitor-script",
                                dir + "/script"});
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    for (const char* text : {"nvdimm-hotplug: 0 DIMM(s) in the FIT at boot", "nvdimm-hotplug: the root says the FIT changed",
                             "nmem0 handle 1 serial 0x123456 range 0x100000000 size 66977792 (new)",
                             "created namespace0.0 on nmem0", "\"persistence_domain\":\"memory_controller\"",
                             "wrote 4096 bytes at 0x100000000, durable; fletcher64 0x5b38aa00c9b8df00"})
        EXPECT_NE(r.out.find(text), std::string::npos) << text << " in\n" << r.out;
    EXPECT_NE(r.err.find("pmemvp: 2 ms: device_add nvdimm 'nv0' in slot 0, SPA range 0x100000000+0x3fe0000"),
              std::string::npos) << r.err;
    EXPECT_NE(r.err.find("\"id\": \"nv0\", \"hotpluggable\": true, \"hotplugged\": true"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("nvdimm device hot unplug is not supported yet."), std::string::npos) << r.err;
    // The pattern in the DIMM's memory, the namespace in its label area (read by the host tool).
    const std::string image = read_file(dir + "/nv0.img");
    ASSERT_GE(image.size(), 8u);
    EXPECT_EQ(image.substr(0, 8), std::string("\x00gulptoh", 8)); // 0x686f74706c756700, little-endian
    const auto labels = run_process({inspect_binary(), "labels", dir + "/nv0.img", "--label-size", "128K"});
    EXPECT_EQ(labels.status, 0) << labels.err;
    EXPECT_NE(labels.out.find("pmemvp-hotplug0"), std::string::npos) << labels.out;
}

TEST(hotplug, nvdimm_hot_plug_errors_are_qemus) {
    const std::string dir = make_temp_dir();
    auto attempt = [&](std::vector<std::string> machine, const std::string& device) {
        std::vector<std::string> argv{pmemvp_binary(), "-S", "-monitor", "stdio"};
        argv.insert(argv.end(), machine.begin(), machine.end());
        argv.insert(argv.end(), {"-kernel", guest("nvdimm-hotplug")});
        return run_in(dir, argv,
                      "object_add memory-backend-file,id=m0,share=on,size=64M,mem-path=" + dir + "/e.img\n"
                      "device_add " + device + "\nquit\n").out;
    };
    EXPECT_NE(attempt({"-m", "256M,slots=2,maxmem=8G"}, "nvdimm,id=nv0,memdev=m0").find("Error: nvdimm is not enabled"),
              std::string::npos);
    EXPECT_NE(attempt({"-machine", "virt,nvdimm=on", "-m", "256M"}, "nvdimm,id=nv0,memdev=m0")
                  .find("Error: memory devices (e.g. for memory hotplug) are not enabled, please specify the maxmem option"),
              std::string::npos);
    EXPECT_NE(attempt({"-machine", "virt,nvdimm=on", "-m", "256M,maxmem=8G"}, "nvdimm,id=nv0,memdev=m0")
                  .find("Error: no slots where allocated, please specify the 'slots' option"),
              std::string::npos);
    EXPECT_NE(attempt({"-machine", "virt,nvdimm=on", "-m", "256M,slots=2,maxmem=8G"}, "nvdimm,id=nv0,memdev=m0,slot=5")
                  .find("Error: invalid slot# 5, should be less than 2"),
              std::string::npos);
    EXPECT_NE(attempt({"-machine", "virt,nvdimm=on", "-m", "256M,slots=2,maxmem=8G"}, "nvdimm,id=nv0,memdev=nope")
                  .find("Error: memdev 'nope' not found"),
              std::string::npos);
}
