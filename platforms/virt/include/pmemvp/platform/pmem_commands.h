// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/platform/virt.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace pmemvp::platform {

// pmemvp's own monitor commands on a running (paused) virt platform, as text: what a GDB
// `monitor` command or a human monitor shows. The simulation must be paused when they run.
//   pmem ADDR       where the 64-byte line holding physical ADDR is, who stored to it last, when
//   pmem-stats      each tracked memory's persistence counts and media statistics
//   power-fail      a power failure now, with the configured policy
//   persist-check   the checker's findings so far (nothing is changed)
class pmem_commands {
public:
    // describe_pc: "pc 0x... (function+0x12)" for reports.
    pmem_commands(virt_platform& platform, std::function<std::string(std::uint64_t)> describe_pc);

    // Runs one command line; the text to show (ends with a newline). Unknown commands and bad
    // arguments get a message that says what is expected.
    std::string run(const std::string& command_line);
    static const char* help();

    std::string line_report(std::uint64_t address) const;
    std::string stats_report() const;
    std::string power_fail_now();
    std::string persist_check() const;

    // Line watches: a change of the persistence state of a watched line (the lines holding
    // physical [address, address + length)) calls on_line_change with a sentence that says
    // which line, from what to what, and when. False: no part is in a pmem memory.
    bool watch(std::uint64_t address, std::uint64_t length, bool on);
    std::function<void(const std::string&)> on_line_change;

private:
    void follow(const tracked_pmem& memory); // history and line watches for one memory
    std::string label(const tracked_pmem& memory) const; // "NVDIMM 'nv0' (pmem2)", by the user's id

    virt_platform& platform_;
    std::function<std::string(std::uint64_t)> describe_pc_;
};

} // namespace pmemvp::platform
