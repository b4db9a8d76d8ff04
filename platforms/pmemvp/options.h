// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/platform/virt.h"
#include "pmemvp/tlm/log.h"

#include <optional>
#include <string>
#include <systemc>
#include <utility>
#include <vector>

namespace pmemvp::cli {

struct run_options {
    platform::virt_config platform;
    sc_core::sc_time quantum = sc_core::sc_time(1, sc_core::SC_US);
    std::optional<sc_core::sc_time> max_time;
    std::string serial = "stdio"; // stdio | none | file:PATH
    std::string stats_file;
    std::string stats_interval_file;         // --stats-interval-file: the time series
    std::optional<sc_core::sc_time> stats_interval; // --stats-interval: its period
    std::string persist_events_file;    // --persist-events: JSON Lines of persistence events
    std::string power_fail_report_file; // --power-fail-report: what each power failure lost
    enum class progress_mode { automatic, on, off } progress = progress_mode::automatic;
    std::string trace_file;
    std::string dump_acpi_dir;
    std::string dump_dtb; // -machine dumpdtb=FILE: write the device tree, then exit
    std::vector<std::string> symbol_files; // --symbols: ELF files naming guest PCs
    unsigned log_categories = 0; // -d: cpu::core trace categories
    std::string log_file;        // -D: where the -d log goes (default stderr)
    std::string vcd_file;
    enum class check { off, report, fail } persist_check = check::off;
    std::vector<std::pair<std::string, log_level>> log_levels;
    std::string gdb;             // -gdb tcp::PORT (-s: tcp::1234); empty: no GDB stub
    bool gdb_stop_at_start = false; // -S: the CPU waits for the debugger
    std::string name;            // -name: the guest's name (QMP query-name)
    std::vector<std::string> hmp_monitors, qmp_monitors; // -monitor, -qmp: where they listen
    std::string monitor_script;  // --monitor-script: commands at simulated times
    std::string record_monitor;  // --record-monitor: where the clients' commands are written
    bool start_paused = false;   // -S without a debugger: the monitor's cont starts the run
    std::string pid_file;        // -pidfile: pmemvp's process id is written there
    bool daemonize = false;      // -daemonize: into the background once ready
    bool help = false;
    std::string timing_help; // printed instead of the usage: --pmem-timing help, -d help, -version
};

// Parses QEMU-style options (-machine, -m, -kernel, -object, -device, ...) and pmemvp's own
// (--quantum, --max-time, --stats, ...). Throws config_error naming the offending text and
// what is accepted.
run_options parse_command_line(int argc, const char* const* argv);
std::string usage();

// "10us", "1.5ms", "200ns", "2s", "500ps".
std::optional<sc_core::sc_time> parse_time(const std::string& text);

} // namespace pmemvp::cli
