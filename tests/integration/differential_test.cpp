// SPDX-License-Identifier: Apache-2.0
// Differential tests: the same ELF files on qemu-system-riscv64 -M virt and on pmemvp must
// print the same UART output and exit with the same status.
#include "pmemvp/test/harness.h"
#include "pmemvp/test/process.h"

#include <unistd.h>

using namespace pmemvp::test;

namespace {

bool have_qemu() {
    return run_process({"qemu-system-riscv64", "--version"}).status == 0;
}

class differential : public ::testing::TestWithParam<const char*> {};

} // namespace

TEST_P(differential, same_output_and_status_as_qemu) {
    if (!have_qemu())
        GTEST_SKIP() << "qemu-system-riscv64 is not installed (scripts/setup installs it): "
                        "differential test NOT run";
    const std::string elf = guest(GetParam());
    // -icount shift=0 makes QEMU's instruction counters exact, as pmemvp's are.
    const auto qemu = run_process({"timeout", "120", "qemu-system-riscv64", "-M", "virt", "-bios",
                                   "none", "-nographic", "-icount", "shift=0", "-kernel", elf});
    const auto ours = run_process({pmemvp_binary(), "-M", "virt", "-bios", "none", "-nographic",
                                   "-kernel", elf});
    EXPECT_EQ(ours.out, qemu.out);
    EXPECT_EQ(ours.status, qemu.status) << "qemu stderr: " << qemu.err << "\npmemvp stderr: " << ours.err;
    EXPECT_FALSE(ours.out.empty());
}

INSTANTIATE_TEST_SUITE_P(programs, differential,
                         ::testing::Values("hello", "isa-test", "compute", "timer-test", "exit-code"),
                         [](const auto& info) {
                             std::string name = info.param;
                             for (char& c : name) if (c == '-') c = '_';
                             return name;
                         });
