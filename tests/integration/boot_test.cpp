// SPDX-License-Identifier: Apache-2.0
// The boot flow with the real binaries: Debian's OpenSBI firmware into an S-mode payload of
// ours (checked against QEMU running the same two files), and the generated device tree,
// checked by dtc and against the platform's devices and its ACPI NFIT.
#include "pmemvp/test/harness.h"
#include "pmemvp/test/process.h"

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sys/stat.h>

using namespace pmemvp::test;

namespace {

const std::string fw_jump = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf";

bool exists(const std::string& path) {
    struct stat st {};
    return stat(path.c_str(), &st) == 0;
}

// The lines of `text` that start with `prefix`.
std::string lines_starting(const std::string& text, const std::string& prefix) {
    std::string out;
    std::size_t at = 0;
    while (at < text.size()) {
        std::size_t end = text.find('\n', at);
        if (end == std::string::npos) end = text.size();
        const std::string line = text.substr(at, end - at);
        if (line.rfind(prefix, 0) == 0) out += line + "\n";
        at = end + 1;
    }
    return out;
}

// base..end of every "pmem@..." node's reg in dtc's output.
std::set<std::pair<std::uint64_t, std::uint64_t>> pmem_regions(const std::string& dts) {
    std::set<std::pair<std::uint64_t, std::uint64_t>> out;
    const std::regex node(R"(pmem@[0-9a-f]+ \{\s*compatible = "pmem-region";\s*reg = <(0x[0-9a-f]+) (0x[0-9a-f]+) (0x[0-9a-f]+) (0x[0-9a-f]+)>;)");
    for (auto it = std::sregex_iterator(dts.begin(), dts.end(), node); it != std::sregex_iterator(); ++it) {
        auto cell = [&](int i) { return std::stoull((*it)[i].str(), nullptr, 16); };
        const std::uint64_t base = cell(1) << 32 | cell(2), size = cell(3) << 32 | cell(4);
        out.emplace(base, base + size - 1);
    }
    return out;
}

// base..end of every SPA range pmemvp-inspect prints from an NFIT.
std::set<std::pair<std::uint64_t, std::uint64_t>> nfit_ranges(const std::string& text) {
    std::set<std::pair<std::uint64_t, std::uint64_t>> out;
    const std::regex range(R"(SPA range \d+: persistent (0x[0-9a-f]+)\.\.(0x[0-9a-f]+))");
    for (auto it = std::sregex_iterator(text.begin(), text.end(), range); it != std::sregex_iterator(); ++it)
        out.emplace(std::stoull((*it)[1].str(), nullptr, 16), std::stoull((*it)[2].str(), nullptr, 16));
    return out;
}

} // namespace

TEST(firmware, opensbi_fw_jump_boots_an_s_mode_payload_as_on_qemu) {
    if (!exists(fw_jump)) GTEST_SKIP() << "opensbi not installed (scripts/setup installs it)";
    const auto r = run_process({pmemvp_binary(), "-bios", fw_jump, "-kernel", guest("sbi-payload"),
                                "--max-time", "10s"});
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("OpenSBI v1.1"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Platform Name             : pmemvp virt"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Boot HART ISA Extensions  : time,sstc"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("sbi-payload: device tree magic ok"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("sbi-payload: SRST present, shutting down"), std::string::npos) << r.out;
    // The oracle: QEMU's virt with the same firmware and payload prints the same payload lines.
    const auto q = run_process({"timeout", "60", "qemu-system-riscv64", "-M", "virt", "-nographic",
                                "-bios", fw_jump, "-kernel", guest("sbi-payload")});
    ASSERT_EQ(q.status, 0) << q.out << q.err;
    EXPECT_EQ(lines_starting(r.out, "sbi-payload:"), lines_starting(q.out, "sbi-payload:"));
}

TEST(firmware, a_linux_image_without_firmware_is_refused_with_the_fix) {
    const std::string dir = make_temp_dir();
    // A file with an Image header: the RISC-V magic at 0x30 and 0x38.
    std::string image(4096, '\0');
    image.replace(0x30, 8, std::string("RISCV\0\0\0", 8));
    image.replace(0x38, 4, "RSC\x05");
    std::ofstream(dir + "/Image", std::ios::binary) << image;
    const auto r = run_process({pmemvp_binary(), "-bios", "none", "-kernel", dir + "/Image"});
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_NE(r.err.find("is a Linux Image, which needs SBI firmware"), std::string::npos) << r.err;
}

TEST(device_tree, dtc_reads_it_without_warnings_and_it_lists_the_platforms_devices) {
    const std::string dir = make_temp_dir();
    const auto r = run_process({pmemvp_binary(), "-machine", "virt,nvdimm=on,dumpdtb=" + dir + "/virt.dtb", "-m", "256M",
                                "-object", "memory-backend-file,id=m0,mem-path=" + dir + "/d0.img,size=32M,share=on",
                                "-object", "memory-backend-file,id=m1,mem-path=" + dir + "/d1.img,size=32M,share=on",
                                "-object", "memory-backend-file,id=m2,mem-path=" + dir + "/d2.img,size=16M,share=on",
                                "-object", "memory-backend-file,id=m3,mem-path=" + dir + "/v.img,size=16M",
                                "-device", "nvdimm,id=nv0,memdev=m0", "-device", "nvdimm,id=nv1,memdev=m1",
                                "-device", "nvdimm,id=nv2,memdev=m2",
                                "-object", "nvdimm-interleave,id=s,dimms=nv0:nv1,granularity=4K",
                                "-device", "virtio-pmem-pci,id=vp,memdev=m3", "-kernel", guest("hello"),
                                "-append", "console=ttyS0 earlycon", "-initrd", guest("hello")});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "") << "dumpdtb runs nothing";
    EXPECT_FALSE(std::filesystem::exists(dir + "/d0.img")) << "a run that never started creates no file";
    const auto dtc = run_process({"dtc", "-I", "dtb", "-O", "dts", dir + "/virt.dtb"});
    ASSERT_EQ(dtc.status, 0) << dtc.err;
    EXPECT_EQ(dtc.err, "") << "dtc warnings";
    const std::string& dts = dtc.out;
    for (const char* expected : {"memory@80000000", "reg = <0x00 0x80000000 0x00 0x10000000>",
                                 "riscv,isa-extensions = \"i\\0m\\0a\\0c\\0zicbom\\0zicsr\\0zifencei\\0sstc\"",
                                 "riscv,cbom-block-size = <0x40>", "mmu-type = \"riscv,sv39\"",
                                 "bootargs = \"console=ttyS0 earlycon\"", "linux,initrd-start",
                                 "stdout-path = \"/soc/serial@10000000\"", "compatible = \"ns16550a\"",
                                 "interrupts-extended = <0x01 0x0b 0x01 0x09>", "compatible = \"pci-host-ecam-generic\"",
                                 "compatible = \"syscon-poweroff\"", "compatible = \"syscon-reboot\""})
        EXPECT_NE(dts.find(expected), std::string::npos) << expected << "\n" << dts;
    // One pmem-region per NVDIMM range: the two-DIMM interleave set and the DIMM on its own.
    const auto regions = pmem_regions(dts);
    EXPECT_EQ(regions.size(), 2u) << dts;
    // The NFIT of the same platform describes the same ranges.
    std::filesystem::create_directories(dir + "/acpi");
    const auto acpi = run_process({pmemvp_binary(), "-machine", "virt,nvdimm=on",
                                   "-object", "memory-backend-file,id=m0,mem-path=" + dir + "/d0.img,size=32M,share=on",
                                   "-object", "memory-backend-file,id=m1,mem-path=" + dir + "/d1.img,size=32M,share=on",
                                   "-object", "memory-backend-file,id=m2,mem-path=" + dir + "/d2.img,size=16M,share=on",
                                   "-device", "nvdimm,id=nv0,memdev=m0", "-device", "nvdimm,id=nv1,memdev=m1",
                                   "-device", "nvdimm,id=nv2,memdev=m2",
                                   "-object", "nvdimm-interleave,id=s,dimms=nv0:nv1,granularity=4K",
                                   "-kernel", guest("hello"), "--dump-acpi", dir + "/acpi"});
    ASSERT_EQ(acpi.status, 0) << acpi.err;
    const auto nfit = run_process({inspect_binary(), "nfit", dir + "/acpi/NFIT.dat"});
    ASSERT_EQ(nfit.status, 0) << nfit.err;
    EXPECT_EQ(nfit_ranges(nfit.out), regions) << nfit.out << "\n" << dts;
}

TEST(device_tree, a_users_blob_gets_the_command_line_and_a_bad_one_is_refused) {
    const std::string dir = make_temp_dir();
    ASSERT_EQ(run_process({pmemvp_binary(), "-machine", "virt,dumpdtb=" + dir + "/a.dtb", "-kernel", guest("hello")}).status, 0);
    const auto r = run_process({pmemvp_binary(), "-machine", "virt,dumpdtb=" + dir + "/b.dtb", "-dtb", dir + "/a.dtb",
                                "-append", "root=/dev/pmem0", "-kernel", guest("hello")});
    ASSERT_EQ(r.status, 0) << r.err;
    const auto dtc = run_process({"dtc", "-I", "dtb", "-O", "dts", dir + "/b.dtb"});
    EXPECT_NE(dtc.out.find("bootargs = \"root=/dev/pmem0\""), std::string::npos) << dtc.out;
    const auto bad = run_process({pmemvp_binary(), "-dtb", guest("hello"), "-kernel", guest("hello")});
    EXPECT_EQ(bad.status, 2);
    EXPECT_NE(bad.err.find("not a flattened device tree blob"), std::string::npos) << bad.err;
}
