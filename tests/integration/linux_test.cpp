// SPDX-License-Identifier: Apache-2.0
// Unmodified Linux 6.12 on pmemvp with its real pmem drivers (sw/linux: the kernel, and an
// initramfs whose /init runs the scenarios named on the command line): boot through Debian's
// OpenSBI, virtio_pmem and nd_pmem (of_pmem) binding, writes that reach the host file, an ext2
// DAX mount, a power failure in the middle, and the checker naming kernel functions.
#include "pmemvp/test/debugger.h"
#include "pmemvp/test/harness.h"
#include "pmemvp/test/process.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>

using namespace pmemvp::test;

namespace {

// The directory with Image, vmlinux and initramfs.cpio.gz (sw/linux/linux.cmake).
const std::string& linux_dir() {
    static const std::string dir = [] {
        if (const char* d = std::getenv("PMEMVP_LINUX_DIR"); d && *d) return std::string(d);
        const char* script = std::getenv("PMEMVP_LINUX_BUILD_SCRIPT");
        if (!script) return std::string();
        const auto r = run_process({script, "--print-dir"});
        std::string out = r.status == 0 ? r.out : "";
        while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
        const auto nl = out.rfind('\n');
        return nl == std::string::npos ? out : out.substr(nl + 1);
    }();
    return dir;
}

#define REQUIRE_LINUX()                                                                            \
    if (linux_dir().empty() || !std::filesystem::exists(linux_dir() + "/Image"))                   \
    GTEST_FAIL() << "no kernel: run sw/linux/build.sh (PMEMVP_LINUX_DIR='" << linux_dir() << "')"

// pmemvp with the kernel, the initramfs and `scenario` (plus more kernel parameters), plus
// `extra` options.
process_result boot(const std::string& scenario, std::vector<std::string> extra,
                    const std::string& parameters = "") {
    std::vector<std::string> args{pmemvp_binary(), "-kernel", linux_dir() + "/Image",
                                  "-initrd", linux_dir() + "/initramfs.cpio.gz",
                                  "-append", "console=ttyS0 quiet pmemvp.scenario=" + scenario + " " + parameters};
    if (std::find(extra.begin(), extra.end(), "-m") == extra.end()) args.insert(args.end(), {"-m", "256M"});
    if (std::find(extra.begin(), extra.end(), "--max-time") == extra.end())
        args.insert(args.end(), {"--max-time", "20s"}); // a hung guest ends the test
    args.insert(args.end(), extra.begin(), extra.end());
    return run_process(args);
}

std::vector<std::string> nvdimm(const std::string& file, const std::string& size = "64M") {
    return {"-machine", "virt,nvdimm=on,nvdimm-persistence=mem-ctrl",
            "-object", "memory-backend-file,id=m0,share=on,size=" + size + ",mem-path=" + file,
            "-device", "nvdimm,id=nv0,memdev=m0"};
}

std::string header_at(const std::string& file, std::size_t offset) {
    const std::string content = read_file(file);
    if (content.size() < offset + 40) return "";
    const std::string s = content.substr(offset, 40);
    return s.substr(0, s.find('\n'));
}

} // namespace

TEST(linux, boots_to_init_and_powers_off) {
    REQUIRE_LINUX();
    const std::string dir = make_temp_dir();
    const auto r = boot("boot", {"--stats", dir + "/s.json"});
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("OpenSBI v1.1"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("pmemvp-init: started"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("pmemvp-init: done"), std::string::npos) << r.out;
    EXPECT_NE(read_file(dir + "/s.json").find("\"outcome\": \"finished\""), std::string::npos);
}

TEST(linux, nd_pmem_and_virtio_pmem_bind_and_writes_reach_the_host_files) {
    REQUIRE_LINUX();
    const std::string dir = make_temp_dir();
    // shmem=on: the range is also a 64-bit PCI BAR, which Linux uses instead of memaddr; it lies
    // in the window above RAM (below RAM, RISC-V Linux could not give it struct pages).
    for (const char* shmem : {"off", "on"}) {
        SCOPED_TRACE(std::string("virtio-pmem shmem=") + shmem);
        const std::string nv = dir + "/nv-" + shmem + ".img", vp = dir + "/vp-" + shmem + ".img";
        auto args = nvdimm(nv);
        args.insert(args.end(), {"-object", "memory-backend-file,id=m1,share=on,size=64M,mem-path=" + vp,
                                 "-device", std::string("virtio-pmem-pci,id=vp0,memdev=m1,shmem=") + shmem});
        const auto r = boot("list,pmem-write@pmem0,pmem-write@pmem1", args);
        ASSERT_EQ(r.status, 0) << r.out << r.err;
        EXPECT_NE(r.out.find("pmem-write: fsync: ok"), std::string::npos) << r.out;
        EXPECT_NE(r.out.find("pmemvp-init: done: 0 failed steps"), std::string::npos) << r.out;
        // Both devices' backing files hold what the guest wrote, after pmemvp exited.
        EXPECT_EQ(header_at(nv, 0), "pmemvp pattern blk-write seed 1");
        EXPECT_EQ(header_at(nv, 4096), "pmemvp pattern blk-mmap seed 1");
        EXPECT_EQ(header_at(vp, 0), "pmemvp pattern blk-write seed 1");
        EXPECT_EQ(header_at(vp, 4096), "pmemvp pattern blk-mmap seed 1");
    }
}

TEST(linux, nd_pmem_binds_to_a_two_dimm_interleave_set) {
    REQUIRE_LINUX();
    const std::string dir = make_temp_dir();
    const auto r = boot("list,pmem-write", {"-machine", "virt,nvdimm=on",
                        "-object", "memory-backend-file,id=m0,share=on,size=32M,mem-path=" + dir + "/d0.img",
                        "-object", "memory-backend-file,id=m1,share=on,size=32M,mem-path=" + dir + "/d1.img",
                        "-device", "nvdimm,id=nv0,memdev=m0", "-device", "nvdimm,id=nv1,memdev=m1",
                        "-object", "nvdimm-interleave,id=s,dimms=nv0:nv1,granularity=4K"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("pmemvp-init: done: 0 failed steps"), std::string::npos) << r.out;
    // 4 KiB stripes: the region's page 0 is DIMM 0's page 0, its page 1 DIMM 1's page 0.
    EXPECT_EQ(header_at(dir + "/d0.img", 0), "pmemvp pattern blk-write seed 1");
    EXPECT_EQ(header_at(dir + "/d1.img", 0), "pmemvp pattern blk-mmap seed 1");
}

TEST(linux, an_ext2_dax_mount_writes_through_to_the_host_file) {
    REQUIRE_LINUX();
    const std::string dir = make_temp_dir(), img = dir + "/fs.img";
    write_file(img, 64u << 20, 0);
    ASSERT_EQ(run_process({"mke2fs", "-q", "-F", "-t", "ext2", "-b", "4096", img}).status, 0)
        << "mke2fs (e2fsprogs)";
    const auto r = boot("dax", nvdimm(img));
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("dax: mount ext2 -o dax on /mnt: ok"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("dax: msync: ok"), std::string::npos) << r.out;
    // The host reads the file back out of the image with debugfs.
    const auto cat = run_process({"debugfs", "-R", "cat /hello.txt", img});
    ASSERT_EQ(cat.status, 0) << cat.err;
    EXPECT_EQ(cat.out.substr(0, 31), "pmemvp pattern dax-write seed 1");
    EXPECT_EQ(cat.out.substr(4096, 30), "pmemvp pattern dax-mmap seed 1");
}

TEST(linux, a_power_failure_loses_what_the_domain_did_not_keep_and_the_checker_names_kernel_code) {
    REQUIRE_LINUX();
    const std::string dir = make_temp_dir();
    // RISC-V has no memcpy_flushcache: nd_pmem's block writes are plain stores, never cleaned,
    // both write()+fsync and an mmap of the block device (page cache, written back through
    // the block path at msync). Under ADR they are lost at a power failure; under eADR (cpu)
    // they survive.
    for (const char* domain : {"mem-ctrl", "none", "cpu"}) {
        SCOPED_TRACE(domain);
        const std::string img = dir + "/" + domain + ".img";
        auto args = nvdimm(img);
        args[1] = std::string("virt,nvdimm=on,nvdimm-persistence=") + domain;
        // The scenario ends with a wait, so the power fails after it wrote everything.
        args.insert(args.end(), {"--power-fail-at", "1500ms", "--persist-check", "--symbols",
                                 linux_dir() + "/vmlinux"});
        const auto first = boot("pmem-write", args, "pmemvp.end=hang");
        ASSERT_EQ(first.status, 0) << first.out << first.err;
        ASSERT_NE(first.out.find("pmemvp-init: pmem-write: msync: ok"), std::string::npos) << first.out;
        // Then the same kernel looks at what the NVDIMM kept.
        const auto second = boot("check", nvdimm(img));
        ASSERT_EQ(second.status, 0) << second.out << second.err;
        EXPECT_NE(first.err.find("power failure(s)"), std::string::npos) << first.err;
        if (std::string(domain) != "cpu") { // ADR, and none (only media is durable) alike
            EXPECT_NE(second.out.find("check blk-write (/dev/pmem0+0x0): absent"), std::string::npos) << second.out;
            EXPECT_NE(second.out.find("check blk-mmap (/dev/pmem0+0x1000): absent"), std::string::npos) << second.out;
            // The checker names the kernel function whose stores were lost.
            EXPECT_TRUE(std::regex_search(first.err, std::regex(R"(store not durable: pc 0xffffffff[0-9a-f]+ \([a-z_0-9.]+\+0x[0-9a-f]+\))")))
                << first.err;
        } else {
            EXPECT_NE(second.out.find("check blk-write (/dev/pmem0+0x0): present"), std::string::npos) << second.out;
            EXPECT_NE(second.out.find("check blk-mmap (/dev/pmem0+0x1000): present"), std::string::npos) << second.out;
        }
    }
}

TEST(linux, after_a_power_failure_the_same_run_reboots_and_finds_what_the_domain_kept) {
    REQUIRE_LINUX();
    const std::string dir = make_temp_dir();
    for (const char* domain : {"mem-ctrl", "cpu"}) {
        SCOPED_TRACE(domain);
        auto args = nvdimm(dir + "/" + domain + ".img");
        args[1] = std::string("virt,nvdimm=on,nvdimm-persistence=") + domain;
        // Boot 1: check (a fresh file: nothing), write, idle; the power fails at 1 s and the
        // machine boots again on what the NVDIMM kept; boot 2 checks first. --max-time ends it.
        args.insert(args.end(), {"--power-fail-at", "1s", "--on-power-fail", "reboot", "--max-time", "1500ms"});
        auto r = boot("check,pmem-write", args, "pmemvp.end=hang");
        EXPECT_EQ(r.status, 124) << r.err; // ended by --max-time while idling after boot 2
        const std::string first = "check blk-write (/dev/pmem0+0x0): ";
        const auto boot1 = r.out.find(first), boot2 = r.out.find(first, boot1 + 1);
        ASSERT_NE(boot2, std::string::npos) << r.out;
        EXPECT_EQ(r.out.substr(boot1 + first.size(), 6), "absent");
        EXPECT_EQ(r.out.substr(boot2 + first.size(), std::string(domain) == "cpu" ? 7 : 6),
                  std::string(domain) == "cpu" ? "present" : "absent") << r.out;
        EXPECT_NE(r.err.find("the guest booted again"), std::string::npos) << r.err;
    }
}

// The latency a user program measures on a DAX mapping, from the line "bench: random load
// latency N ns".
long bench_latency_ns(const std::string& out) {
    const std::string key = "bench: random load latency ";
    const auto at = out.find(key);
    return at == std::string::npos ? -1 : std::stol(out.substr(at + key.size()));
}

TEST(linux, a_user_program_on_a_dax_mapping_sees_the_pmem_timing_profile) {
    REQUIRE_LINUX();
    const std::string dir = make_temp_dir(), img = dir + "/fs.img";
    write_file(img, 64u << 20, 0);
    ASSERT_EQ(run_process({"mke2fs", "-q", "-F", "-t", "ext2", "-b", "4096", img}).status, 0);
    long latency[2] = {};
    const char* profiles[2] = {"dram", "optane"};
    for (int i = 0; i < 2; ++i) {
        auto args = nvdimm(img);
        args.insert(args.end(), {"--pmem-timing", profiles[i]});
        const auto r = boot("bench", args);
        ASSERT_EQ(r.status, 0) << r.out << r.err;
        latency[i] = bench_latency_ns(r.out);
        EXPECT_GT(latency[i], 0) << r.out;
    }
    // Optane's random reads are several times DRAM's (docs/timing.md), seen from Linux too.
    EXPECT_GT(latency[1], 3 * latency[0]) << "dram " << latency[0] << " ns, optane " << latency[1] << " ns";
}

TEST(linux, on_virtio_pmem_a_dax_file_survives_a_power_failure_only_after_fsync) {
    REQUIRE_LINUX();
    // virtio-pmem's persistence domain: only a completed flush request makes data durable.
    // Linux sends one for fsync and msync of a DAX file; without them, the file is gone.
    const std::string dir = make_temp_dir();
    for (const char* scenario : {"dax", "dax-nosync"}) {
        SCOPED_TRACE(scenario);
        const std::string img = dir + "/" + scenario + ".img";
        write_file(img, 64u << 20, 0);
        ASSERT_EQ(run_process({"mke2fs", "-q", "-F", "-t", "ext2", "-b", "4096", img}).status, 0);
        const std::vector<std::string> vp{"-object", "memory-backend-file,id=m0,share=on,size=64M,mem-path=" + img,
                                          "-device", "virtio-pmem-pci,id=vp0,memdev=m0"};
        auto args = vp;
        args.insert(args.end(), {"--power-fail-at", "1s"});
        const auto first = boot(scenario, args, "pmemvp.end=hang");
        ASSERT_EQ(first.status, 0) << first.out << first.err;
        const auto check = boot("check", vp);
        ASSERT_EQ(check.status, 0) << check.out << check.err;
        if (std::string(scenario) == "dax") {
            EXPECT_NE(check.out.find("check dax-write (/mnt/hello.txt+0x0): present"), std::string::npos) << check.out;
            EXPECT_NE(check.out.find("check dax-mmap (/mnt/hello.txt+0x1000): present"), std::string::npos) << check.out;
        } else {
            EXPECT_NE(check.out.find("check: open /mnt/hello.txt: failed"), std::string::npos) << check.out;
        }
    }
}

TEST(linux, gdb_stops_in_virtio_pmem_flush_with_vmlinux_symbols_and_changes_nothing_simulated) {
    REQUIRE_LINUX();
    if (!have_gdb()) GTEST_SKIP() << "gdb-multiarch is not installed (scripts/setup installs it)";
    // The DAX scenario fsyncs a file on virtio-pmem: the kernel's flush request goes through
    // virtio_pmem_flush, where a breakpoint set by name from vmlinux stops it.
    const std::string dir = make_temp_dir();
    auto args_for = [&](const std::string& img, const std::string& stats) {
        write_file(img, 64u << 20, 0);
        EXPECT_EQ(run_process({"mke2fs", "-q", "-F", "-t", "ext2", "-b", "4096", img}).status, 0);
        return std::vector<std::string>{
            pmemvp_binary(), "-m", "256M", "-kernel", linux_dir() + "/Image", "-initrd",
            linux_dir() + "/initramfs.cpio.gz", "-append", "console=ttyS0 quiet pmemvp.scenario=dax",
            "-object", "memory-backend-file,id=m0,share=on,size=64M,mem-path=" + img,
            "-device", "virtio-pmem-pci,id=vp0,memdev=m0", "--max-time", "20s", "--stats", stats};
    };
    const auto plain = run_process(args_for(dir + "/plain.img", dir + "/plain.json"));
    ASSERT_EQ(plain.status, 0) << plain.err;
    unsigned port = 0;
    auto vp = start_listening(port, [&](unsigned p) {
        auto args = args_for(dir + "/gdb.img", dir + "/gdb.json");
        args.insert(args.end(), {"-gdb", "tcp::" + std::to_string(p), "-S"});
        return args;
    });
    ASSERT_TRUE(vp);
    const auto g = run_gdb(":" + std::to_string(port),
                           "break virtio_pmem_flush\ncontinue\nbt 2\nmonitor pmem-stats\ndelete\ncontinue\n",
                           linux_dir() + "/vmlinux");
    const auto r = vp->wait_for(std::chrono::seconds(300));
    EXPECT_NE(g.out.find("in virtio_pmem_flush ()"), std::string::npos) << g.out;
    EXPECT_NE(g.out.find("in async_pmem_flush ()"), std::string::npos) << "the caller, from the stack" << g.out;
    EXPECT_NE(g.out.find("virtio-pmem-pci 'vp0'"), std::string::npos) << g.out;
    EXPECT_NE(g.out.find("exited normally"), std::string::npos) << g.out;
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, plain.out);
    EXPECT_EQ(simulated_stats(dir + "/gdb.json"), simulated_stats(dir + "/plain.json"));
}

// QEMU's documented hot-plug, which QEMU 7.2 cannot do on RISC-V: device_add of a virtio-pmem-pci
// into a pcie-root-port while Linux runs. Linux's pciehp takes the attention button, powers the
// slot, enumerates the function behind the port, and virtio_pmem and nd_pmem make /dev/pmem0;
// writes reach the new file. device_del then goes the other way: pciehp's 5 s wait, the driver
// lets go, the slot is powered off and pmemvp removes the device.
TEST(linux, pciehp_takes_a_hot_added_virtio_pmem_and_gives_it_back_on_device_del) {
    REQUIRE_LINUX();
    const std::string dir = make_temp_dir();
    std::ofstream(dir + "/script") << "@2s object_add memory-backend-file,id=mem2,share=on,mem-path=" + dir +
                                          "/virtio_pmem2.img,size=64M\n"
                                          "@2s device_add virtio-pmem-pci,id=virtio_pmem2,memdev=mem2\n"
                                          "@3s device_del virtio_pmem2\n";
    const auto r = boot("wait-dev@pmem0,pmem-write@pmem0,wait-gone@pmem0",
                        {"-m", "256M,slots=2,maxmem=1G", "-device", "pcie-root-port,id=rp1,slot=1", "--monitor-script",
                         dir + "/script", "--stats", dir + "/s.json"},
                        "loglevel=7"); // pciehp's messages are KERN_INFO
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    for (const char* text : {"pciehp: Slot #1 AttnBtn+ PwrCtrl+", "pciehp: Slot(1): Card present",
                             "pci 0000:01:00.0: [1af4:105b]", "pmemvp-init: wait-dev /dev/pmem0: ok",
                             "pmemvp-init: pmem-write: msync: ok", "pciehp: Slot(1): Button press: will power off",
                             "pmemvp-init: wait-gone /dev/pmem0: ok", "pmemvp-init: done: 0 failed steps"})
        EXPECT_NE(r.out.find(text), std::string::npos) << text << " in\n" << r.out;
    EXPECT_NE(r.err.find("pmemvp: 2 s: device_add virtio-pmem-pci 'virtio_pmem2' into pcie-root-port 'rp1'"),
              std::string::npos) << r.err;
    EXPECT_NE(r.err.find("virtio-pmem-pci 'virtio_pmem2' unplugged from pcie-root-port 'rp1'"), std::string::npos) << r.err;
    EXPECT_EQ(header_at(dir + "/virtio_pmem2.img", 0), "pmemvp pattern blk-write seed 1");
    EXPECT_EQ(header_at(dir + "/virtio_pmem2.img", 4096), "pmemvp pattern blk-mmap seed 1");
}
