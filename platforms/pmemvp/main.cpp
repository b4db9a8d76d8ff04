// SPDX-License-Identifier: Apache-2.0
// pmemvp: runs a RISC-V guest program on the virt platform.
#include "crash_outputs.h"
#include "daemon.h"
#include "interrupt.h"
#include "options.h"
#include "output_guard.h"
#include "stats.h"

#include "monitor_commands.h"

#include "pmemvp/gdb/gdb_server.h"
#include "pmemvp/monitor/script.h"
#include "pmemvp/monitor/server.h"
#include "pmemvp/version.h"
#include "pmemvp/platform/pmem_commands.h"
#include "pmemvp/platform/symbols.h"
#include "pmemvp/util/config_error.h"
#include "pmemvp/util/keyval.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <tuple>
#include <unistd.h>

using namespace pmemvp;

namespace {

// Adds the symbols of an ELF guest image, quietly skipping what is not an ELF (a raw
// firmware, a Linux Image) or has no symbols: the loader reports real problems.
void add_elf_symbols(const std::string& path, platform::symbol_table& into) {
    try {
        into.merge(platform::symbol_table::load(path, path));
    } catch (const config_error&) {
    }
}

// Runs the simulation in slices of simulated time, so that a signal (SIGINT, SIGTERM) stops it
// between two slices. Slicing changes nothing simulated: processes see the same events, and a
// hart's run-ahead is bounded by pending events, never by the end of an sc_start.
// A GDB stub is polled between slices too; while the CPU is stopped for it (the simulation
// paused), it serves the debugger until the CPU may run again.
// Monitors too: a stopped machine (stop, -S) is served until cont or quit.
// `between_slices` runs after each slice (the --stats-interval samples, the progress line).
void simulate(const std::optional<sc_core::sc_time>& max_time, gdb::gdb_server* debugger,
              monitor::server* monitors, const monitor::monitor* machine_monitor, monitor::script_runner* script,
              const sc_core::sc_time& slice, bool every_slice, const std::function<void()>& between_slices) {
    using namespace sc_core;
    const auto interrupted = [] { return cli::interrupt_signal() != 0; };
    for (bool first = true;; first = false) {
        if (!first && between_slices) between_slices();
        // --monitor-script: the commands due now, between slices as a client's would run.
        if (script) {
            std::string transcript = script->run_due(cli::to_ps(sc_time_stamp()));
            // Stopped (stop, -S) with no client to continue: the script's next command runs now.
            while (!monitors && !machine_monitor->running() && !machine_monitor->quit_requested() &&
                   script->next_time_ps())
                transcript += script->run_next();
            if (!transcript.empty()) std::fprintf(stderr, "%s", transcript.c_str());
            if (machine_monitor->quit_requested()) return;
            if (!monitors && !machine_monitor->running()) {
                std::fprintf(stderr, "pmemvp: --monitor-script left the machine stopped and nothing can "
                                     "continue it; add a cont after the stop (or after -S)\n");
                return;
            }
        }
        if (monitors) {
            monitors->poll(interrupted);
            if (machine_monitor->quit_requested()) return;
        }
        if (debugger && !debugger->poll(interrupted)) return; // killed
        if (cli::interrupt_signal() || sc_get_status() == SC_STOPPED) return;
        const bool idle = !first && !sc_pending_activity();
        // The next scripted command: a slice ends exactly there (slice ends change nothing).
        std::optional<sc_time> until_script;
        if (script && script->next_time_ps()) until_script = cli::from_ps(*script->next_time_ps()) - sc_time_stamp();
        if (idle && !max_time && !until_script) {
            if (!monitors) return; // starved: the run is over, at the last event's time
            // A live monitor may still wake the guest (device_add, a power failure): it waits
            // for one at this simulated time, as QEMU's guest would wait in wfi.
            monitors->serve_until(interrupted, [] { return sc_pending_activity(); });
            if (machine_monitor->quit_requested() || interrupted() || !sc_pending_activity()) return;
            continue;
        }
        // The next event further than a slice away: straight to it (no wall time passes).
        const sc_time next = first || idle ? slice : sc_time_to_pending_activity();
        sc_time step = std::max(slice, next);
        if (idle) step = until_script.value_or(*max_time - sc_time_stamp()); // nothing happens before
        if (until_script) step = std::min(step, *until_script);
        // every_slice: no jumping; each slice ends on a multiple of it (--stats-interval samples).
        if (every_slice) step = std::min(step, sc_time::from_value(slice.value() - sc_time_stamp().value() % slice.value()));
        if (max_time) {
            if (sc_time_stamp() >= *max_time) return;
            sc_start(std::min(step, *max_time - sc_time_stamp())); // as one sc_start(max_time) would, time ends at --max-time
        } else {
            // Within a slice, starving ends sc_start at the last event, as one sc_start() would.
            sc_start(step, next > slice || idle ? SC_RUN_TO_TIME : SC_EXIT_ON_STARVATION);
        }
    }
}

int run(const cli::run_options& options) {
    for (const auto& [module, level] : options.log_levels)
        logger::set_level_for(module, level);
    tlm::tlm_global_quantum::instance().set(options.quantum);

    platform::virt_config config = options.platform;
    // Before anything is opened for writing: no output may replace a backing file.
    const cli::output_guard guard(config.memory_backends);
    if (options.serial.rfind("file:", 0) == 0) guard.check("-serial file:", options.serial.substr(5));
    if (!options.trace_file.empty()) guard.check("--trace", options.trace_file);
    if (!options.vcd_file.empty()) guard.check("--vcd", options.vcd_file);
    if (!options.stats_file.empty()) guard.check("--stats", options.stats_file);
    if (!options.stats_interval_file.empty()) guard.check("--stats-interval-file", options.stats_interval_file);
    if (!options.dump_dtb.empty()) guard.check("-machine dumpdtb", options.dump_dtb);
    if (!options.log_file.empty()) guard.check("-D", options.log_file);
    if (!options.pid_file.empty()) guard.check("-pidfile", options.pid_file);
    if (!options.persist_events_file.empty()) guard.check("--persist-events", options.persist_events_file);
    if (!options.record_monitor.empty()) guard.check("--record-monitor", options.record_monitor);
    if (!options.power_fail_report_file.empty()) guard.check("--power-fail-report", options.power_fail_report_file);
    for (const char* table : {"RSDP", "XSDT", "NFIT"})
        if (!options.dump_acpi_dir.empty())
            guard.check("--dump-acpi", options.dump_acpi_dir + "/" + table + ".dat");

    std::FILE* serial_file = nullptr;
    if (options.serial == "none") {
        config.uart_out = nullptr;
    } else if (options.serial.rfind("file:", 0) == 0) {
        serial_file = std::fopen(options.serial.substr(5).c_str(), "wb");
        if (!serial_file)
            throw config_error("-serial '" + options.serial + "': cannot create the file");
        config.uart_out = serial_file;
    }
    std::ofstream trace;
    if (!options.trace_file.empty()) {
        trace.open(options.trace_file);
        if (!trace)
            throw config_error("--trace '" + options.trace_file + "': cannot write the file");
    }

    // -pidfile: written now, removed at the end (as QEMU does).
    struct pid_file {
        std::string path;
        ~pid_file() {
            if (!path.empty()) std::remove(path.c_str());
        }
    } pid{};
    if (!options.pid_file.empty()) {
        std::ofstream out(options.pid_file);
        out << getpid() << "\n";
        if (!out) throw config_error("-pidfile '" + options.pid_file + "': cannot write the file");
        pid.path = options.pid_file;
    }

    platform::virt_platform top("virt", config);
    // Guest PCs are printed with the function holding them: from --symbols files, and from
    // the ELF images the run loads (-kernel, -bios).
    platform::symbol_table symbols;
    for (const auto& file : options.symbol_files)
        symbols.merge(platform::symbol_table::load(file, "--symbols '" + file + "'"));
    for (const std::string& image : {config.kernel, config.bios})
        if (image != "none" && image != "default" && !image.empty()) add_elf_symbols(image, symbols);
    auto at_pc = [&symbols](std::uint64_t pc) {
        std::string text = "pc " + util::hex(pc);
        if (const std::string where = symbols.describe(pc); !where.empty()) text += " (" + where + ")";
        return text;
    };
    std::optional<cli::persist_event_log> persist_events;
    if (!options.persist_events_file.empty()) persist_events.emplace(options.persist_events_file, top, symbols);
    // -d, -D: the bring-up log, one line per event with its pc and the time.
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> log_file(nullptr, &std::fclose);
    if (options.log_categories) {
        std::FILE* out = stderr;
        if (!options.log_file.empty()) {
            log_file.reset(std::fopen(options.log_file.c_str(), "w"));
            if (!log_file) throw config_error("-D '" + options.log_file + "': cannot create the file");
            out = log_file.get();
        }
        static const char* const names[] = {"", "int", "guest_errors", "", "unimp"};
        top.cpu.set_trace(options.log_categories, [out, &at_pc, &top](unsigned category, std::uint64_t pc, const std::string& text) {
            std::fprintf(out, "%s: %s: %s at %s\n", top.cpu.now().to_string().c_str(), names[category],
                         text.c_str(), at_pc(pc).c_str());
        });
        if (options.log_categories & 2) logger::set_level_for("virt.bus", log_level::info);
    }
    if (!options.dump_dtb.empty()) {
        // As QEMU: the device tree the guest would get, then exit.
        const std::vector<unsigned char> blob = top.device_tree();
        std::ofstream out(options.dump_dtb, std::ios::binary);
        out.write(reinterpret_cast<const char*>(blob.data()), static_cast<std::streamsize>(blob.size()));
        if (!out)
            throw config_error("-machine dumpdtb='" + options.dump_dtb + "': cannot write the file");
        return 0;
    }
    if (trace.is_open()) top.bus.set_trace(&trace);
    if (!options.dump_acpi_dir.empty()) {
        for (const auto& [name, table] : top.acpi_tables().tables) {
            const std::string path = options.dump_acpi_dir + "/" + name + ".dat";
            guard.check("--dump-acpi", path);
            std::ofstream out(path, std::ios::binary);
            out.write(reinterpret_cast<const char*>(table.data()), static_cast<std::streamsize>(table.size()));
            if (!out)
                throw config_error("--dump-acpi '" + options.dump_acpi_dir + "': cannot write " +
                                   path + "; check the directory exists and is writable");
        }
    }

    sc_core::sc_trace_file* vcd = nullptr;
    if (!options.vcd_file.empty()) {
        // SystemC adds the .vcd ending itself.
        vcd = sc_core::sc_create_vcd_trace_file(options.vcd_file.substr(0, options.vcd_file.size() - 4).c_str());
        if (!vcd) throw config_error("--vcd '" + options.vcd_file + "': cannot create the file");
        vcd->set_time_unit(1, sc_core::SC_NS);
        for (const auto& t : top.persistence_domains()) {
            std::string name = cli::memory_key(top, t); // the user's id, as in --stats
            for (char& c : name) if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
            sc_core::sc_trace(vcd, t.domain->non_durable_count(), name + ".non_durable_lines");
            sc_core::sc_trace(vcd, t.domain->awaiting_fence_count(), name + ".awaiting_fence_lines");
            sc_core::sc_trace(vcd, t.domain->queued_count(), name + ".wpq_lines");
        }
    }
    std::unique_ptr<gdb::gdb_server> debugger;
    std::unique_ptr<platform::pmem_commands> pmem_monitor;
    const bool any_monitor = !options.hmp_monitors.empty() || !options.qmp_monitors.empty() || !options.monitor_script.empty();
    if (!options.gdb.empty() || any_monitor)
        pmem_monitor = std::make_unique<platform::pmem_commands>(top, at_pc);
    if (!options.gdb.empty()) {
        gdb::gdb_address address;
        std::string error;
        if (!gdb::parse_gdb_device(options.gdb, address, error)) throw config_error(error);
        debugger = std::make_unique<gdb::gdb_server>(top.cpu, address, options.gdb_stop_at_start);
        top.cpu.on_stop = [&debugger](cpu::stop_reason why) { debugger->cpu_stopped(why); };
        // pmemvp's monitor commands, and watchpoints on pmem lines that also report their
        // persistence-state changes.
        auto& session = debugger->session();
        session.monitor = [&pmem_monitor](const std::string& command) { return pmem_monitor->run(command); };
        session.on_watch = [&pmem_monitor](std::uint64_t address, std::uint64_t length, bool insert) {
            pmem_monitor->watch(address, length, insert);
        };
        pmem_monitor->on_line_change = [&debugger](const std::string& text) { debugger->event_stop(text); };
    }
    // -monitor, -qmp: QEMU's monitors, with the platform's commands.
    std::unique_ptr<monitor::monitor> machine_monitor;
    std::unique_ptr<monitor::server> monitors;
    std::unique_ptr<monitor::script_runner> script;
    std::ofstream recording;
    if (any_monitor) {
        machine_monitor = std::make_unique<monitor::monitor>(monitor::monitor::version{
            PMEMVP_VERSION_MAJOR, PMEMVP_VERSION_MINOR, PMEMVP_VERSION_PATCH, "pmemvp " PMEMVP_VERSION});
        cli::add_platform_commands(*machine_monitor, top, *pmem_monitor, options.name);
        cli::add_hotplug_commands(*machine_monitor, top);
        if (options.start_paused) machine_monitor->start_paused();
        if (!options.monitor_script.empty()) script = cli::load_monitor_script(options.monitor_script, *machine_monitor);
        if (!options.record_monitor.empty()) {
            recording.open(options.record_monitor);
            if (!recording)
                throw config_error("--record-monitor '" + options.record_monitor + "': cannot write the file");
            recording << "# pmemvp --record-monitor: replay with --monitor-script (docs/monitor.md)\n";
            machine_monitor->on_command = [&recording, &top](const std::string& command) {
                // After the guest finished, the run is over: a replay must not run it mid-run.
                if (top.finished() || sc_core::sc_get_status() == sc_core::SC_STOPPED)
                    recording << "# after the end of the run: " << command << "\n" << std::flush;
                else
                    recording << monitor::script_line(cli::to_ps(sc_core::sc_time_stamp()), command) << "\n" << std::flush;
            };
        }
    }
    if (!options.hmp_monitors.empty() || !options.qmp_monitors.empty()) {
        monitors = std::make_unique<monitor::server>(*machine_monitor);
        for (const auto& [option, list, proto] :
             {std::make_tuple("-monitor", &options.hmp_monitors, monitor::protocol::hmp),
              std::make_tuple("-qmp", &options.qmp_monitors, monitor::protocol::qmp)})
            for (const auto& text : *list) {
                monitor::address where;
                std::string error;
                if (!monitor::parse_address(option, text, where, error)) throw config_error(error);
                monitors->listen(proto, where, std::string(option) + " " + text);
            }
        cli::daemon_ready(); // listening: -daemonize gives the shell back now
        monitors->wait_for_clients([] { return cli::interrupt_signal() != 0; });
    }
    // --stats-interval: a JSON Lines time series, sampled between slices (no events added).
    std::ofstream series;
    if (!options.stats_interval_file.empty()) {
        series.open(options.stats_interval_file);
        if (!series)
            throw config_error("--stats-interval-file '" + options.stats_interval_file + "': cannot write the file");
    }
    sc_core::sc_time next_sample = options.stats_interval.value_or(sc_core::SC_ZERO_TIME);
    // --progress: one line on stderr, redrawn at most once a second of wall time.
    const bool progress = options.progress == cli::run_options::progress_mode::on ||
                          (options.progress == cli::run_options::progress_mode::automatic && isatty(STDERR_FILENO));
    auto last_progress = std::chrono::steady_clock::now();
    const auto wall_start = last_progress;
    bool progress_shown = false;
    auto between_slices = [&] {
        if (series.is_open() && sc_core::sc_time_stamp() >= next_sample) {
            series << cli::sample_line(top) << "\n";
            next_sample += *options.stats_interval;
        }
        if (progress) {
            const auto now = std::chrono::steady_clock::now();
            if (now - last_progress < std::chrono::seconds(1)) return;
            last_progress = now;
            const double wall = std::chrono::duration<double>(now - wall_start).count();
            const double simulated = sc_core::sc_time_stamp().to_seconds();
            std::string line = "pmemvp: " + sc_core::sc_time_stamp().to_string() + " simulated, " +
                               std::to_string(static_cast<long>(top.cpu.instructions() / wall / 1e6)) + " MIPS";
            if (options.max_time && simulated > 0) {
                const double total = options.max_time->to_seconds();
                line += ", " + std::to_string(static_cast<int>(100 * simulated / total)) + "% of --max-time, ETA " +
                        std::to_string(static_cast<long>(wall * (total - simulated) / simulated)) + " s";
            }
            std::fprintf(stderr, "\r%s\033[K", line.c_str());
            std::fflush(stderr);
            progress_shown = true;
        }
    };
    const sc_core::sc_time slice =
        options.stats_interval ? std::min(sc_core::sc_time(1, sc_core::SC_MS), *options.stats_interval)
                               : sc_core::sc_time(1, sc_core::SC_MS);
    cli::daemon_ready();
    simulate(options.max_time, debugger.get(), monitors.get(), machine_monitor.get(), script.get(), slice,
             series.is_open(), between_slices);
    if (series.is_open()) series << cli::sample_line(top, true) << "\n"; // as the run ended
    if (progress_shown) std::fprintf(stderr, "\r\033[K");
    const auto wall_end = std::chrono::steady_clock::now();
    std::fflush(stdout);
    if (serial_file) std::fclose(serial_file);
    if (vcd) sc_core::sc_close_vcd_trace_file(vcd);
    if (debugger && debugger->killed()) return 0; // 'k', as QEMU: just exit
    if (!top.load_error().empty())
        throw config_error(top.load_error());

    cli::run_result result;
    result.wall_seconds = std::chrono::duration<double>(wall_end - wall_start).count();
    // The persistence checker's findings: what a power failure lost, or what a clean end
    // leaves not durable, plus the questionable flushes seen on the way. Listed only when asked
    // for, else counted: a run that leaves millions of lines unflushed must not list them all.
    const bool list_findings = options.persist_check != cli::run_options::check::off;
    std::vector<std::pair<std::string, pmem::finding>> findings;
    std::uint64_t finding_count = 0;
    // Named by the user's ids (nv0, vp0), as --stats names them.
    std::map<std::string, std::string> label;
    for (const auto& t : top.persistence_domains()) label[t.name] = cli::memory_key(top, t);
    for (const auto& t : top.persistence_domains())
        for (const auto& f : t.domain->findings()) findings.emplace_back(label[t.name], f);
    if (top.power_failed()) {
        for (const auto& [name, f] : top.power_fail_findings())
            findings.emplace_back(label.count(name) ? label[name] : name, f);
    } else {
        for (const auto& t : top.persistence_domains()) {
            if (!list_findings) finding_count += t.domain->count_at_end();
            else for (const auto& f : t.domain->check_at_end(top.cpu.now())) findings.emplace_back(label[t.name], f);
        }
    }
    finding_count += findings.size();
    result.persistence_findings = finding_count;
    if (list_findings) {
        for (const auto& [where, f] : findings)
            std::fprintf(stderr, "pmemvp: persist-check: %s: %s, %s offset 0x%llx, at %s\n",
                         pmem::to_string(f.what), at_pc(f.pc).c_str(), where.c_str(),
                         static_cast<unsigned long long>(f.address), f.time.to_string().c_str());
    }
    if (top.power_failed()) {
        std::size_t lost = 0;
        for (const auto& [where, f] : top.power_fail_findings()) lost += f.what == pmem::finding::kind::not_durable;
        std::fprintf(stderr, "pmemvp: %u power failure(s): %zu line(s) were not durable%s%s\n",
                     top.power_failures(), lost,
                     config.failure_policy.survival > 0 ? " (some may have survived by chance)" : " and were lost",
                     config.reboot_after_power_fail ? "; the guest booted again" : "");
    }
    if (machine_monitor && machine_monitor->quit_requested() && !top.finished()) {
        result.outcome = "quit";
        result.status = 0;
        result.simulated_time = top.cpu.now();
    } else if (const int sig = cli::interrupt_signal(); sig && !top.finished() && top.load_error().empty()) {
        result.outcome = "interrupted";
        result.status = 128 + sig;
        result.simulated_time = top.cpu.now();
        std::fprintf(stderr, "pmemvp: interrupted by signal %d at %s of simulated time (%s); "
                     "backing files are synced%s\n", sig, result.simulated_time.to_string().c_str(),
                     at_pc(top.cpu.pc()).c_str(),
                     options.stats_file.empty() ? "" : " and stats written");
    } else if (top.stopped_by_power_fail()) {
        result.outcome = "power-failure";
        result.status = 0;
        result.simulated_time = sc_core::sc_time_stamp();
    } else if (top.finished()) {
        result.outcome = "finished";
        result.status = top.exit_status();
        result.simulated_time = top.exit_time();
    } else if (!top.stuck_reason().empty()) {
        result.outcome = "stuck";
        result.status = 125;
        result.simulated_time = top.cpu.now();
        std::fprintf(stderr, "pmemvp: %s (first fault at %s)\n", top.stuck_reason().c_str(),
                     at_pc(top.stuck_pc()).c_str());
    } else if (options.max_time && sc_core::sc_time_stamp() >= *options.max_time) {
        result.outcome = "max-time";
        result.status = 124;
        result.simulated_time = sc_core::sc_time_stamp();
        std::fprintf(stderr,
                     "pmemvp: the guest did not finish within --max-time %s of simulated time "
                     "(%s, %llu instructions); raise --max-time or check the guest\n",
                     options.max_time->to_string().c_str(),
                     at_pc(top.cpu.pc()).c_str(),
                     static_cast<unsigned long long>(top.cpu.instructions()));
    } else {
        result.outcome = "idle";
        result.status = 125;
        result.simulated_time = top.cpu.now();
        std::fprintf(stderr,
                     "pmemvp: the guest stopped at %s waiting for an interrupt that "
                     "nothing will raise (wfi with no timer or device pending); it never wrote "
                     "the test finisher\n",
                     at_pc(top.cpu.pc()).c_str());
    }
    if (debugger) debugger->exited(result.status);
    if (machine_monitor) {
        const bool by_guest = result.outcome == "finished";
        machine_monitor->shutdown(by_guest, by_guest ? "guest-shutdown"
                                            : result.outcome == "quit" ? "host-qmp-quit"
                                            : result.outcome == "interrupted" ? "host-signal"
                                            : result.outcome == "stuck" || result.outcome == "idle" ? "host-error"
                                                                                                     : "none");
        if (monitors) monitors->close_all();
    }
    if (!options.stats_file.empty())
        cli::write_stats(options.stats_file, top, result, options.quantum);
    if (persist_events) persist_events->end(result.simulated_time, result.outcome, result.status);
    if (!options.power_fail_report_file.empty())
        cli::write_power_fail_report(options.power_fail_report_file, top, symbols);
    if (options.persist_check == cli::run_options::check::fail && finding_count) {
        std::fprintf(stderr, "pmemvp: persist-check found %llu problem(s): exit status 3\n",
                     static_cast<unsigned long long>(finding_count));
        return 3;
    }
    return result.status;
}

} // namespace

// Our own main, so that SystemC's banner is switched off before the kernel prints it: stdout
// belongs to the guest.
int main(int argc, char** argv) {
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
    return sc_core::sc_elab_and_sim(argc, argv);
}

int sc_main(int argc, char** argv) {
    logger::route_reports_to_stderr();
    try {
        const cli::run_options options = cli::parse_command_line(argc, argv);
        if (options.help) {
            std::cout << (options.timing_help.empty() ? cli::usage() : options.timing_help);
            return 0;
        }
        if (options.daemonize) cli::daemonize(); // the parent returns to the shell once the child is ready
        cli::install_interrupt_handlers();
        return run(options);
    } catch (const config_error& e) {
        std::fprintf(stderr, "pmemvp: error: %s\n", e.what());
        return 2;
    } catch (const sc_core::sc_report& e) {
        std::fprintf(stderr, "pmemvp: error: %s\n", e.get_msg());
        return 2;
    }
}
