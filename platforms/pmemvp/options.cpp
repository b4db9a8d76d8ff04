// SPDX-License-Identifier: Apache-2.0
#include "options.h"

#include "pmemvp/util/checked_range.h"
#include "pmemvp/util/config_error.h"
#include "pmemvp/util/keyval.h"
#include "pmemvp/version.h"

#include <boost/program_options.hpp>
#include <algorithm>
#include <cmath>
#include <cerrno>
#include <cstring>
#include <map>
#include <set>
#include <sstream>
#include <unistd.h>
#include <tuple>

namespace pmemvp::cli {

namespace po = boost::program_options;
using sc_core::sc_time;

namespace {

po::options_description describe() {
    po::options_description qemu("QEMU-compatible options");
    qemu.add_options()
        ("machine", po::value<std::string>()->value_name("virt[,nvdimm=on][,nvdimm-persistence=cpu|mem-ctrl|none][,dumpdtb=FILE]"),
         "the machine: virt (the only one); nvdimm=on allows NVDIMMs; nvdimm-persistence puts "
         "a Platform Capabilities structure in the NFIT; dumpdtb writes the device tree and exits")
        ("M", po::value<std::string>()->value_name("virt"), "same as -machine")
        ("m", po::value<std::string>()->value_name("[size=]SIZE[,slots=N,maxmem=MAX]"),
         "guest RAM at 0x80000000 (default 128M); slots and maxmem reserve room for memory "
         "devices added at run time, as in QEMU")
        ("smp", po::value<std::string>()->value_name("1"), "accepted for QEMU compatibility: pmemvp has one hart")
        ("name", po::value<std::string>()->value_name("NAME"), "the guest's name (QMP query-name)")
        ("pidfile", po::value<std::string>()->value_name("FILE"), "write pmemvp's process id to FILE")
        ("daemonize", po::bool_switch(), "run in the background once ready for connections (monitors, "
         "debugger): the command returns; with -pidfile, -qmp unix:... and -serial file:...")
        ("kernel", po::value<std::string>()->value_name("FILE"),
         "the guest (required): a RISC-V ELF program, or a Linux Image (loaded at 0x80200000 "
         "after the firmware)")
        ("bios", po::value<std::string>()->value_name("none|default|FILE"),
         "firmware at 0x80000000 (ELF or raw), entered with a0 = hart id, a1 = device tree: "
         "e.g. OpenSBI's fw_jump.elf; none: run the -kernel ELF directly in M mode (the default "
         "for ELF programs); a Linux Image gets Debian's OpenSBI fw_jump by default")
        ("append", po::value<std::string>()->value_name("CMDLINE"), "the kernel command line (/chosen/bootargs)")
        ("initrd", po::value<std::string>()->value_name("FILE"), "an initial ramdisk, placed in RAM below the device tree")
        ("dtb", po::value<std::string>()->value_name("FILE"),
         "this device tree blob instead of the generated one (/chosen updated as -append and -initrd say)")
        ("nographic", po::bool_switch(), "accepted for QEMU compatibility: pmemvp has no display")
        ("serial", po::value<std::string>()->value_name("stdio|none|file:PATH"),
         "where the UART's output goes (default stdio)")
        ("object", po::value<std::vector<std::string>>()->composing()->value_name("TYPE,..."),
         "memory-backend-file,id=ID,mem-path=PATH,size=SIZE[,share=on][,pmem=on][,readonly=on]"
         "[,align=A][,offset=O][,prealloc=on][,discard-data=on]  or  "
         "nvdimm-interleave,id=ID,dimms=NV0:NV1[:...][,granularity=4K]")
        ("device", po::value<std::vector<std::string>>()->composing()->value_name("TYPE,..."),
         "nvdimm,id=ID,memdev=MEM[,label-size=128K][,unarmed=on][,slot=N][,node=N]"
         "[,flush-hints=N][,badrange=OFF+LEN[:OFF+LEN...]]  or  "
         "virtio-pmem-pci,id=ID,memdev=MEM[,memaddr=ADDR][,flush-latency=20us][,flush-page-cost=1us]")
        ("gdb", po::value<std::string>()->value_name("tcp::PORT|tcp:HOST:PORT|unix:PATH,server"),
         "wait for a GDB connection (remote serial protocol) there; see docs/debugging.md")
        ("s", po::bool_switch(), "same as -gdb tcp::1234")
        ("S", po::bool_switch(), "do not start the CPU until the debugger continues it (or, without "
                                 "-gdb, the monitor's cont)")
        ("monitor", po::value<std::vector<std::string>>()->composing()->value_name("stdio|unix:PATH,server=on,wait=off|tcp:HOST:PORT,server=on,wait=off"),
         "a human monitor (HMP) there (repeatable); see docs/monitor.md")
        ("qmp", po::value<std::vector<std::string>>()->composing()->value_name("stdio|unix:PATH,server=on,wait=off|tcp:HOST:PORT,server=on,wait=off"),
         "a QMP monitor (JSON) there (repeatable)")
        ("chardev", po::value<std::vector<std::string>>()->composing()->value_name("socket,id=ID,path=PATH|host=H,port=P[,server=on,wait=off]|stdio,id=ID"),
         "a character device for -mon (repeatable)")
        ("mon", po::value<std::vector<std::string>>()->composing()->value_name("chardev=ID[,mode=control|readline]"),
         "a monitor on a -chardev: QMP (mode=control) or HMP (readline, the default)");
    po::options_description own("pmemvp options");
    own.add_options()
        ("help,h", po::bool_switch(), "this text")
        ("version", po::bool_switch(), "print the version and exit (also -version)")
        ("quantum", po::value<std::string>()->value_name("TIME"),
         "how far the CPU may run ahead of other models (default 1us)")
        ("max-time", po::value<std::string>()->value_name("TIME"),
         "stop a guest still running at this simulated time, exit status 124")
        ("clock", po::value<std::string>()->value_name("FREQ"), "CPU clock (default 1GHz)")
        ("cpi", po::value<std::string>()->value_name("N"), "cycles per non-memory instruction (default 1)")
        ("no-dmi", po::bool_switch(), "send every memory access through b_transport (slow; for tracing)")
        ("stats", po::value<std::string>()->value_name("FILE"), "write run statistics as JSON (docs/stats.md)")
        ("stats-interval", po::value<std::string>()->value_name("TIME"),
         "also write the counters every TIME of simulated time, as JSON Lines (to --stats-interval-file, "
         "default: the --stats file with .jsonl)")
        ("stats-interval-file", po::value<std::string>()->value_name("FILE"), "where --stats-interval writes")
        ("progress", po::value<std::string>()->implicit_value("on")->value_name("on|off"),
         "a progress line on stderr: simulated time, MIPS, ETA against --max-time (default: on when "
         "stderr is a terminal)")
        ("trace", po::value<std::string>()->value_name("FILE"),
         "log every TLM b_transport to FILE (not QEMU's trace events: see -d)")
        ("power-fail-at", po::value<std::vector<std::string>>()->composing()->value_name("TIME"),
         "cut the power at this simulated time (repeatable): persistent memory keeps only what "
         "its persistence domain guarantees; the run stops, or reboots (--on-power-fail)")
        ("on-power-fail", po::value<std::string>()->value_name("stop|reboot"),
         "after --power-fail-at: stop the run (default), or boot the guest again on what the "
         "media kept")
        ("power-fail-policy", po::value<std::string>()->value_name("lose-all|random:SEED:P"),
         "what happens to lines that are not durable (default lose-all)")
        ("monitor-script", po::value<std::string>()->value_name("FILE"),
         "run HMP or QMP commands at given simulated times, one per line: @5ms info status, "
         "@1ms {\"execute\": \"stop\"} (docs/monitor.md)")
        ("record-monitor", po::value<std::string>()->value_name("FILE"),
         "write the commands -monitor and -qmp clients run, with their simulated times, as a "
         "--monitor-script")
        ("persist-events", po::value<std::string>()->value_name("FILE"),
         "write every persistence event (a clean of a dirty line, a fence completing cleans, a "
         "flush-hint drain, a virtio-pmem flush) with its simulated time and pc, as JSON Lines "
         "(crash campaigns: docs/sweeps.md)")
        ("power-fail-report", po::value<std::string>()->value_name("FILE"),
         "write what each power failure lost (memory, offset, the pc of the first store not "
         "durable) as JSON (crash campaigns: docs/sweeps.md)")
        ("persist-check", po::value<std::string>()->implicit_value("report")->value_name("report|fail"),
         "report persistence bugs (stores never made durable, flushes of unwritten or durable "
         "lines, flushes without a fence) with their guest pc; fail: exit status 3 if any")
        ("pmem-timing", po::value<std::string>()->value_name("PROFILE[,PARAM=VALUE...]|none|help"),
         "access timing of NVDIMM memory: optane (default), dram or nvdimm-n, with any parameter "
         "overridden (e.g. optane,read-random=250ns,wpq-depth=64); none: untimed; "
         "help: list the parameters (add a profile for its values: help,dram)")
        ("vcd", po::value<std::string>()->value_name("FILE"),
         "write a VCD waveform (GTKWave) of each persistent memory's non-durable lines, lines "
         "awaiting a fence and write-pending-queue lines over simulated time")
        ("d", po::value<std::string>()->value_name("int,guest_errors,unimp|help"),
         "log, as QEMU's -d: int (every trap and interrupt, with SBI calls), guest_errors "
         "(accesses to unmapped addresses), unimp (CSRs and instructions not implemented)")
        ("D", po::value<std::string>()->value_name("FILE"), "write the -d log to FILE instead of stderr")
        ("symbols", po::value<std::vector<std::string>>()->composing()->value_name("ELF"),
         "name guest PCs as function+offset from this ELF's symbols, e.g. a kernel's vmlinux "
         "(repeatable; the -kernel and -bios ELF files are always used)")
        ("dump-acpi", po::value<std::string>()->value_name("DIR"),
         "write every ACPI table as DIR/SIGNATURE.dat (e.g. NFIT.dat, for iasl -d)")
        ("log", po::value<std::vector<std::string>>()->composing()->value_name("[MODULE=]LEVEL"),
         "log level (error, warning, info, debug) for modules whose name starts with MODULE");
    po::options_description all;
    all.add(qemu).add(own);
    return all;
}

std::optional<double> parse_scaled(const std::string& text, const std::vector<std::pair<std::string, double>>& units) {
    std::size_t used = 0;
    double value = 0;
    try {
        value = std::stod(text, &used);
    } catch (const std::exception&) {
        return std::nullopt;
    }
    const std::string unit = text.substr(used);
    for (const auto& [name, scale] : units)
        if (unit == name && value >= 0 && std::isfinite(value)) return value * scale;
    return std::nullopt;
}

std::string describe_parse_error(const po::error& e) {
    const auto* named = dynamic_cast<const po::error_with_option_name*>(&e);
    const std::string option = named ? "option '" + named->get_option_name() + "'" : "the command line";
    if (const auto* syntax = dynamic_cast<const po::invalid_command_line_syntax*>(&e)) {
        switch (syntax->kind()) {
        case po::invalid_syntax::missing_parameter: return option + " needs a value";
        case po::invalid_syntax::extra_parameter: return option + " takes no value";
        case po::invalid_syntax::empty_adjacent_parameter: return option + " has an empty value";
        default: return option + " is malformed";
        }
    }
    if (dynamic_cast<const po::multiple_occurrences*>(&e))
        return option + " is given more than once; keep one";
    if (dynamic_cast<const po::ambiguous_option*>(&e)) return option + " is ambiguous";
    return option + " has a value that is not valid";
}

std::string require_string(const po::variables_map& vm, const char* key) {
    return vm[key].as<std::string>();
}

} // namespace

std::optional<sc_time> parse_time(const std::string& text) {
    auto s = util::parse_seconds(text);
    if (!s) return std::nullopt;
    return sc_time(*s, sc_core::SC_SEC);
}

// QEMU's options shown as QEMU shows them: one dash (boost prints two; both are accepted).
std::string qemu_style(const std::string& text) {
    std::istringstream in(text);
    std::string line, out;
    bool qemu_section = false;
    while (std::getline(in, line)) {
        if (line.rfind("QEMU-compatible options", 0) == 0) qemu_section = true;
        else if (!line.empty() && line[0] != ' ') qemu_section = false;
        if (qemu_section && line.rfind("  --", 0) == 0) line.erase(2, 1);
        out += line + "\n";
    }
    return out;
}

std::string usage() {
    std::ostringstream os;
    os << "usage: pmemvp -kernel guest.elf [options]\n"
          "Runs a RISC-V guest program on the pmemvp virtual platform (QEMU virt memory map).\n"
          "Exit status: the guest's test-finisher code; 2 for a bad command line or file;\n"
          "124 when --max-time ends the run; 125 when the guest waits for an interrupt that\n"
          "cannot come.\n\n"
       << qemu_style([] { std::ostringstream d; d << describe(); return d.str(); }());
    return os.str();
}

// -chardev and -mon, QEMU's long form of -qmp and -monitor: each -mon becomes the monitor
// address its chardev stands for.
void add_chardev_monitors(const po::variables_map& vm, run_options& o) {
    std::map<std::string, std::string> chardevs; // id -> a -qmp/-monitor address
    if (vm.count("chardev"))
        for (const auto& text : vm["chardev"].as<std::vector<std::string>>()) {
            util::keyval_list c("-chardev", text, true);
            const auto id = c.take_string("id");
            if (!id || id->empty()) throw config_error("-chardev '" + text + "': give it an id=");
            std::string address;
            if (c.head() == "stdio") {
                c.take_bool("signal");
                c.finish({"id", "signal"});
                address = "stdio";
            } else if (c.head() == "socket") {
                const auto path = c.take_string("path");
                const auto host = c.take_string("host");
                const auto port = c.take_string("port");
                const bool server = c.take_bool("server").value_or(false);
                const auto wait = c.take_bool("wait");
                c.finish({"id", "path", "host", "port", "server", "wait"});
                if (!server)
                    throw config_error("-chardev '" + text + "': pmemvp's monitors listen; add server=on");
                if (path && !host && !port)
                    address = "unix:" + *path;
                else if (port && !path)
                    address = "tcp:" + host.value_or("") + ":" + *port;
                else
                    throw config_error("-chardev '" + text + "': give path=PATH (a Unix socket) or host=HOST,port=PORT");
                address += std::string(",server=on") + (wait && !*wait ? ",wait=off" : "");
            } else {
                throw config_error("-chardev '" + c.head() + "': pmemvp has socket and stdio character devices");
            }
            if (!chardevs.emplace(*id, address).second)
                throw config_error("-chardev: duplicate id '" + *id + "'");
        }
    std::set<std::string> used;
    if (vm.count("mon"))
        for (const auto& text : vm["mon"].as<std::vector<std::string>>()) {
            util::keyval_list m("-mon", text);
            const auto id = m.take_string("chardev");
            const std::string mode = m.take_string("mode").value_or("readline");
            m.take_bool("pretty");
            m.finish({"chardev", "mode", "pretty"});
            if (!id) throw config_error("-mon '" + text + "': give chardev=ID of a -chardev");
            const auto c = chardevs.find(*id);
            if (c == chardevs.end())
                throw config_error("-mon '" + text + "': no -chardev with id '" + *id + "'; add -chardev socket,id=" +
                                   *id + ",path=PATH,server=on,wait=off");
            if (!used.insert(*id).second)
                throw config_error("-mon '" + text + "': chardev '" + *id + "' already has a monitor");
            if (mode == "control") o.qmp_monitors.push_back(c->second);
            else if (mode == "readline") o.hmp_monitors.push_back(c->second);
            else throw config_error("-mon '" + text + "': mode '" + mode + "'; accepted: control (QMP), readline (HMP)");
        }
}

run_options parse_command_line(int argc, const char* const* argv) {
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(argc, argv)
                      .options(describe())
                      .positional(po::positional_options_description()) // none: reject strays
                      // QEMU's single-dash long options; no guessing of abbreviations.
                      .style((po::command_line_style::unix_style |
                              po::command_line_style::allow_long_disguise) &
                             ~po::command_line_style::allow_guessing)
                      .run(),
                  vm);
        po::notify(vm);
    } catch (const po::unknown_option& e) {
        throw config_error("unknown option '" + e.get_option_name() +
                           "'; run pmemvp --help for the accepted ones");
    } catch (const po::too_many_positional_options_error&) {
        throw config_error("unexpected argument; options start with '-' (give the guest as "
                           "-kernel FILE)");
    } catch (const po::error& e) {
        // Never e.what(): Boost formats it with the user's text as a format string, and a value
        // like '%value%' makes that loop forever. Our own words, with the option's name.
        throw config_error(describe_parse_error(e) + "; run pmemvp --help");
    }

    run_options o;
    o.help = vm["help"].as<bool>();
    if (o.help) return o;
    if (vm["version"].as<bool>()) { // printed instead of the usage, as QEMU's -version
        o.timing_help = "pmemvp version " PMEMVP_VERSION "\n"
                        "Apache License 2.0; SystemC " + std::string(sc_core::sc_release()) + "\n";
        o.help = true;
    return o;
    }
    if (vm.count("pmem-timing")) { // help asked for this option alone
        const std::string spec = require_string(vm, "pmem-timing");
        if (spec == "help" || spec.rfind("help,", 0) == 0) {
            o.timing_help = pmem::timing_profile::named(spec == "help" ? "optane" : spec.substr(5)).describe();
            o.help = true;
            return o;
        }
    }

    for (const auto& [option, key, types] :
         {std::make_tuple("-device", "device", &platform::device_types()),
          std::make_tuple("-object", "object", &platform::object_types())})
        if (vm.count(key))
            for (const auto& text : vm[key].as<std::vector<std::string>>())
                if (std::string h = platform::type_help_text(option, text, *types); !h.empty()) {
                    o.timing_help = h;
                    o.help = true;
                    return o;
                }
    if (vm.count("d") && require_string(vm, "d") == "help") {
        o.timing_help = "int            every trap and interrupt taken, with SBI calls (ecall from S)\n"
                        "guest_errors   accesses to addresses where nothing is mapped\n"
                        "unimp          CSRs and instructions the hart does not implement\n";
        o.help = true;
        return o;
    }
    for (const char* key : {"machine", "M"}) {
        if (!vm.count(key)) continue;
        const std::string text = require_string(vm, key);
        if (text == "help" || text == "?") {
            o.timing_help = "Supported machines are:\n"
                            "virt                 RISC-V VirtIO board with pmem: NVDIMMs (ACPI NFIT), virtio-pmem, PCIe hot-plug (default)\n";
            o.help = true;
            return o;
        }
        if (text == "virt,help" || text == "virt,?") {
            o.timing_help = "virt options:\n"
                            "  nvdimm=<bool>                     - allow -device nvdimm (default off)\n"
                            "  nvdimm-persistence=<cpu|mem-ctrl|none> - the NFIT platform capabilities and what a power failure keeps (default: none given; the model keeps the write-pending queue)\n"
                            "  dumpdtb=<str>                     - write the device tree blob to a file and exit\n";
            o.help = true;
            return o;
        }
    }
    if (vm.count("trace")) {
        const std::string text = require_string(vm, "trace");
        if (text.find('=') != std::string::npos || text.find('*') != std::string::npos)
            throw config_error("-trace '" + text + "': pmemvp has no QEMU trace events; for QEMU-style "
                               "logs use -d int,guest_errors,unimp (-d help), and --trace FILE writes "
                               "every TLM transaction to FILE");
    }
    if (vm.count("gdb")) o.gdb = require_string(vm, "gdb");
    else if (vm["s"].as<bool>()) o.gdb = "tcp::1234";
    if (vm.count("monitor")) o.hmp_monitors = vm["monitor"].as<std::vector<std::string>>();
    if (vm.count("qmp")) o.qmp_monitors = vm["qmp"].as<std::vector<std::string>>();
    add_chardev_monitors(vm, o);
    if (vm.count("monitor-script")) o.monitor_script = require_string(vm, "monitor-script");
    if (vm.count("record-monitor")) o.record_monitor = require_string(vm, "record-monitor");
    if (!o.record_monitor.empty() && o.hmp_monitors.empty() && o.qmp_monitors.empty() && o.monitor_script.empty())
        throw config_error("--record-monitor records what -monitor and -qmp clients type; add one (e.g. -monitor stdio)");
    const bool stop_at_start = vm["S"].as<bool>();
    o.gdb_stop_at_start = stop_at_start && !o.gdb.empty();
    o.start_paused = stop_at_start && o.gdb.empty();
    if (o.start_paused && o.hmp_monitors.empty() && o.qmp_monitors.empty() && !vm.count("monitor-script"))
        throw config_error("-S waits for a debugger or a monitor: give -gdb tcp::PORT (or -s), -qmp, -monitor or --monitor-script too");

    for (const char* key : {"machine", "M"}) {
        if (!vm.count(key)) continue;
        util::keyval_list machine("-machine", require_string(vm, key), true);
        if (machine.head() != "virt")
            throw config_error("-machine '" + machine.head() + "': unknown machine; pmemvp "
                                                               "has one: virt");
        o.platform.nvdimm_enabled = machine.take_bool("nvdimm").value_or(false);
        if (auto p = machine.take_string("nvdimm-persistence")) {
            // The NFIT capability and the domain the model enforces.
            if (*p == "cpu") {
                o.platform.nvdimm_persistence = 3;
                o.platform.persistence = pmem::domain_kind::eadr;
            } else if (*p == "mem-ctrl") {
                o.platform.nvdimm_persistence = 2;
                o.platform.persistence = pmem::domain_kind::adr;
            } else if (*p == "none") {
                o.platform.nvdimm_persistence = 0;
                o.platform.persistence = pmem::domain_kind::none;
            } else {
                throw config_error("-machine nvdimm-persistence=" + *p +
                                   ": unsupported option; accepted: cpu, mem-ctrl, none");
            }
        }
        if (auto file = machine.take_string("dumpdtb")) o.dump_dtb = *file;
        machine.finish({"nvdimm", "nvdimm-persistence", "dumpdtb"});
    }
    if (vm.count("m")) {
        // QEMU: -m [size=]SIZE[,slots=N,maxmem=MAX]; a bare number counts MiB.
        const std::string text = require_string(vm, "m");
        util::keyval_list m("-m", text, true);
        const std::string head = m.head().empty() ? m.take_string("size").value_or("") : m.head();
        auto size = util::parse_size(head);
        if (size && head.find_first_not_of("0123456789") == std::string::npos) {
            size = util::checked_mul(*size, 1ull << 20);
            if (!size)
                throw config_error("-m '" + text + "': too large (a bare number counts MiB); "
                                   "pmemvp supports up to 1T of RAM");
        }
        if (!size)
            throw config_error("-m '" + text + "': not a size; write e.g. -m 256M");
        o.platform.ram_size = *size;
        const auto slots = m.take_size("slots");
        const auto maxmem = m.take_size("maxmem");
        m.finish({"size", "slots", "maxmem"});
        // QEMU's checks and words.
        if (slots && !maxmem) throw config_error("-m '" + text + "': slots specified but no max-size");
        if (maxmem && *maxmem < *size)
            throw config_error("-m '" + text + "': invalid value of maxmem: maximum memory size (" +
                               util::hex(*maxmem) + ") must be at least the initial memory size (" +
                               util::hex(*size) + ")");
        if (maxmem && slots && *slots && *maxmem == *size)
            throw config_error("-m '" + text + "': invalid value of maxmem: memory slots were specified "
                               "but maximum memory size (" + util::hex(*maxmem) +
                               ") is equal to the initial memory size (" + util::hex(*size) + ")");
        if (slots && *slots > 256)
            throw config_error("-m '" + text + "': at most 256 slots");
        o.platform.max_memory = maxmem.value_or(0);
        o.platform.memory_slots = static_cast<unsigned>(slots.value_or(0));
    }
    if (vm.count("smp")) {
        const std::string text = require_string(vm, "smp");
        if (text != "1" && text != "cpus=1" && text != "1,cores=1" && text != "cpus=1,cores=1")
            throw config_error("-smp '" + text + "': pmemvp has one hart; give -smp 1 or leave it out");
    }
    if (vm.count("name")) o.name = require_string(vm, "name");
    if (vm.count("pidfile")) o.pid_file = require_string(vm, "pidfile");
    o.daemonize = vm["daemonize"].as<bool>();
    if (!vm.count("kernel"))
        throw config_error("no guest program: give -kernel FILE.elf (a RISC-V ELF built with "
                           "the sw/ toolchain)");
    o.platform.kernel = require_string(vm, "kernel");
    if (vm.count("bios")) o.platform.bios = require_string(vm, "bios");
    if (o.platform.bios.empty())
        throw config_error("-bios '': give none, default or a firmware file");
    if (vm.count("append")) o.platform.append = require_string(vm, "append");
    if (vm.count("initrd")) o.platform.initrd = require_string(vm, "initrd");
    if (vm.count("dtb")) o.platform.dtb = require_string(vm, "dtb");
    if (vm.count("serial")) {
        o.serial = require_string(vm, "serial");
        if (o.serial != "stdio" && o.serial != "none" && o.serial.rfind("file:", 0) != 0)
            throw config_error("-serial '" + o.serial + "': accepted: stdio, none, file:PATH");
    }
    if (vm.count("object"))
        for (const auto& text : vm["object"].as<std::vector<std::string>>())
            add_object(o.platform, platform::parse_object(text));
    if (vm.count("device"))
        for (const auto& text : vm["device"].as<std::vector<std::string>>())
            add_device(o.platform, platform::parse_device(text));
    if (vm.count("dump-acpi")) o.dump_acpi_dir = require_string(vm, "dump-acpi");
    if (vm.count("symbols")) o.symbol_files = vm["symbols"].as<std::vector<std::string>>();
    if (vm.count("d")) {
        const std::string text = require_string(vm, "d");
        std::size_t at = 0;
        while (at <= text.size()) {
            const std::size_t comma = std::min(text.find(',', at), text.size());
            const std::string item = text.substr(at, comma - at);
            if (item == "int") o.log_categories |= 1;
            else if (item == "guest_errors") o.log_categories |= 2;
            else if (item == "unimp") o.log_categories |= 4;
            else throw config_error("-d '" + text + "': unknown item '" + item +
                                    "'; accepted: int, guest_errors, unimp (-d help)");
            at = comma + 1;
        }
    }
    if (vm.count("D")) o.log_file = require_string(vm, "D");
    if (vm.count("pmem-timing")) {
        const std::string spec = require_string(vm, "pmem-timing");
        if (spec == "none") {
            o.platform.pmem_timing.reset();
        } else {
            o.platform.pmem_timing = pmem::timing_profile::parse(spec);
        }
    }
    if (vm.count("vcd")) {
        o.vcd_file = require_string(vm, "vcd");
        if (o.vcd_file.size() < 5 || o.vcd_file.substr(o.vcd_file.size() - 4) != ".vcd")
            throw config_error("--vcd '" + o.vcd_file + "': name the file with a .vcd ending, e.g. --vcd run.vcd");
    }
    auto time_option = [&](const char* key) -> std::optional<sc_time> {
        if (!vm.count(key)) return std::nullopt;
        const std::string text = require_string(vm, key);
        auto t = parse_time(text);
        if (!t || *t == sc_core::SC_ZERO_TIME)
            throw config_error(std::string("--") + key + " '" + text +
                               "': not a positive time; write e.g. 10us, 1ms, 2s");
        return t;
    };
    if (auto q = time_option("quantum")) o.quantum = *q;
    o.max_time = time_option("max-time");
    if (vm.count("power-fail-at")) {
        for (const auto& text : vm["power-fail-at"].as<std::vector<std::string>>()) {
            auto t = parse_time(text);
            if (!t || *t == sc_core::SC_ZERO_TIME)
                throw config_error("--power-fail-at '" + text + "': not a positive time; write e.g. 300us");
            o.platform.power_fail_at.push_back(*t);
        }
        std::sort(o.platform.power_fail_at.begin(), o.platform.power_fail_at.end());
    }
    if (vm.count("on-power-fail")) {
        const std::string text = require_string(vm, "on-power-fail");
        if (text != "stop" && text != "reboot")
            throw config_error("--on-power-fail '" + text + "': accepted: stop, reboot");
        o.platform.reboot_after_power_fail = text == "reboot";
    }
    if (vm.count("power-fail-policy")) {
        const std::string text = require_string(vm, "power-fail-policy");
        auto policy = pmem::failure_policy::parse(text);
        if (!policy)
            throw config_error("--power-fail-policy '" + text + "': accepted: lose-all, or "
                               "random:SEED:P with P from 0 to 1, e.g. random:42:0.5");
        o.platform.failure_policy = *policy;
    }
    if (vm.count("persist-check")) {
        const std::string text = require_string(vm, "persist-check");
        if (text == "report") o.persist_check = run_options::check::report;
        else if (text == "fail") o.persist_check = run_options::check::fail;
        else throw config_error("--persist-check '" + text + "': accepted: report, fail");
    }
    if (vm.count("clock")) {
        const std::string text = require_string(vm, "clock");
        auto hz = parse_scaled(text, {{"Hz", 1}, {"kHz", 1e3}, {"MHz", 1e6}, {"GHz", 1e9}});
        if (!hz || *hz < 1e3 || *hz > 1e12)
            throw config_error("--clock '" + text + "': not a frequency between 1kHz and "
                                                    "1000GHz; write e.g. 1GHz or 800MHz");
        o.platform.cpu.clock_period = sc_time(1.0 / *hz, sc_core::SC_SEC);
    }
    if (vm.count("cpi")) {
        const std::string text = require_string(vm, "cpi");
        const auto cpi = util::parse_size(text);
        if (text.find_first_not_of("0123456789") != std::string::npos || !cpi || *cpi == 0 || *cpi > 1000)
            throw config_error("--cpi '" + text + "': give a whole number from 1 to 1000");
        o.platform.cpu.cpi = static_cast<unsigned>(*cpi);
    }
    o.platform.cpu.dmi = !vm["no-dmi"].as<bool>();
    if (vm.count("stats")) o.stats_file = require_string(vm, "stats");
    o.stats_interval = time_option("stats-interval");
    if (o.stats_interval && *o.stats_interval > sc_time(1, sc_core::SC_MS) &&
        o.stats_interval->value() % sc_time(1, sc_core::SC_MS).value())
        throw config_error("--stats-interval: give a time up to 1ms, or a whole number of milliseconds");
    if (vm.count("stats-interval-file")) o.stats_interval_file = require_string(vm, "stats-interval-file");
    if (vm.count("persist-events")) o.persist_events_file = require_string(vm, "persist-events");
    if (vm.count("power-fail-report")) o.power_fail_report_file = require_string(vm, "power-fail-report");
    if (o.stats_interval && o.stats_interval_file.empty()) {
        if (o.stats_file.empty())
            throw config_error("--stats-interval: give --stats FILE or --stats-interval-file FILE for the time series");
        const auto dot = o.stats_file.rfind('.');
        o.stats_interval_file = (dot == std::string::npos || o.stats_file.find('/', dot) != std::string::npos
                                     ? o.stats_file
                                     : o.stats_file.substr(0, dot)) + ".jsonl";
    }
    if (!o.stats_interval_file.empty() && !o.stats_interval)
        throw config_error("--stats-interval-file: give --stats-interval TIME too");
    if (vm.count("progress")) {
        const std::string text = require_string(vm, "progress");
        if (text == "on") o.progress = run_options::progress_mode::on;
        else if (text == "off") o.progress = run_options::progress_mode::off;
        else throw config_error("--progress '" + text + "': accepted: on, off");
    }
    if (vm.count("trace")) o.trace_file = require_string(vm, "trace");
    if (vm.count("log")) {
        for (const auto& text : vm["log"].as<std::vector<std::string>>()) {
            const auto eq = text.find('=');
            const std::string module = eq == std::string::npos ? "" : text.substr(0, eq);
            const std::string level = eq == std::string::npos ? text : text.substr(eq + 1);
            auto parsed = logger::parse_level(level);
            if (!parsed)
                throw config_error("--log '" + text + "': unknown level '" + level +
                                   "'; accepted: error, warning, info, debug");
            o.log_levels.emplace_back(module, *parsed);
        }
    }
    if (o.daemonize) {
        // A daemon has no terminal: nothing may need stdio (QEMU refuses the same).
        if (o.serial == "stdio")
            throw config_error("-daemonize: the serial console is on stdio, which a daemon does not have; add "
                               "-serial file:PATH (or -serial none)");
        for (const auto* list : {&o.hmp_monitors, &o.qmp_monitors})
            for (const auto& m : *list)
                if (m == "stdio")
                    throw config_error("-daemonize: a monitor on stdio cannot be used by a daemon; give "
                                       "unix:PATH,server=on,wait=off or tcp:HOST:PORT,server=on,wait=off");
        // Images load when the run starts, after the shell is given back: check them now.
        for (const auto& [option, path] : {std::pair<const char*, const std::string*>{"-kernel", &o.platform.kernel},
                                           {"-bios", &o.platform.bios}, {"-initrd", &o.platform.initrd}})
            if (!path->empty() && *path != "none" && *path != "default" && ::access(path->c_str(), R_OK) != 0)
                throw config_error(std::string(option) + " '" + *path + "': cannot read the file (" +
                                   std::strerror(errno) + ")");
    }
    return o;
}

} // namespace pmemvp::cli
