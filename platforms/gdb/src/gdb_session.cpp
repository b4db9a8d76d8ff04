// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/gdb/gdb_server.h"

#include <algorithm>
#include <cctype>
#include <sstream>

namespace pmemvp::gdb {

namespace {

constexpr unsigned gdb_pc = 32;
constexpr std::uint64_t gdb_first_csr = 65;             // GDB's RISC-V numbering
constexpr std::uint64_t gdb_priv = gdb_first_csr + 4096; // as QEMU's stub
constexpr const char* error_reply = "E01";

bool starts_with(const std::string& text, const char* prefix) { return text.rfind(prefix, 0) == 0; }

} // namespace

bool gdb_session::register_index(std::uint64_t n, unsigned& index) const {
    const auto& regs = target_.debug_registers();
    for (unsigned i = 0; i < regs.size(); ++i) {
        const auto& r = regs[i];
        const bool match = r.group == "general" ? n == r.number
                           : r.group == "csr"   ? n == gdb_first_csr + r.number
                                                : (r.name == "priv" && n == gdb_priv);
        if (match) {
            index = i;
            return true;
        }
    }
    return false;
}

std::string gdb_session::read_registers() {
    std::string out;
    for (unsigned n = 0; n <= gdb_pc; ++n) {
        unsigned index = 0;
        std::uint64_t value = 0;
        if (register_index(n, index) && target_.read_register(index, value)) out += le_hex(value);
        else out += "xxxxxxxxxxxxxxxx";
    }
    return out;
}

std::string gdb_session::write_registers(const std::string& hex) {
    if (hex.size() % 16) return error_reply;
    for (unsigned n = 0; n <= gdb_pc && (n + 1) * 16 <= hex.size(); ++n) {
        const auto value = parse_le_hex(std::string_view(hex).substr(n * 16, 16));
        unsigned index = 0;
        if (!value || !register_index(n, index)) return error_reply;
        target_.write_register(index, *value);
    }
    return "OK";
}

std::string gdb_session::target_xml() const {
    std::ostringstream x;
    x << "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
         "<target version=\"1.0\">\n<architecture>riscv:rv64</architecture>\n"
         "<feature name=\"org.gnu.gdb.riscv.cpu\">\n";
    const auto& regs = target_.debug_registers();
    for (const auto& r : regs)
        if (r.group == "general")
            x << "<reg name=\"" << r.name << "\" bitsize=\"64\" type=\""
              << (r.number == gdb_pc ? "code_ptr" : r.number == 2 ? "data_ptr" : "int")
              << "\" regnum=\"" << r.number << "\"/>\n";
    x << "</feature>\n<feature name=\"org.gnu.gdb.riscv.csr\">\n";
    for (const auto& r : regs)
        if (r.group == "csr")
            x << "<reg name=\"" << r.name << "\" bitsize=\"" << r.bits << "\" type=\"int\" regnum=\""
              << gdb_first_csr + r.number << "\" group=\"csr\"/>\n";
    x << "</feature>\n<feature name=\"org.gnu.gdb.riscv.virtual\">\n"
         "<reg name=\"priv\" bitsize=\"64\" type=\"int\" regnum=\"" << gdb_priv << "\"/>\n"
         "</feature>\n</target>\n";
    return x.str();
}

std::string gdb_session::memory_read(const std::string& args) {
    const auto al = parse_address_length(args);
    if (!al) return error_reply;
    const std::size_t length = std::min<std::uint64_t>(al->length, (max_packet - 8) / 2);
    std::string buffer(length, '\0');
    const std::size_t done = target_.read_memory(al->address, buffer.data(), length, space());
    if (!done && length) return "E14";
    return to_hex(buffer.data(), done);
}

std::string gdb_session::memory_write(const std::string& args, bool binary) {
    const auto colon = args.find(':');
    if (colon == std::string::npos) return error_reply;
    const auto al = parse_address_length(args.substr(0, colon));
    if (!al) return error_reply;
    std::string data;
    if (binary) {
        data = unescape_binary(std::string_view(args).substr(colon + 1));
    } else {
        auto bytes = from_hex(std::string_view(args).substr(colon + 1));
        if (!bytes) return error_reply;
        data = std::move(*bytes);
    }
    if (data.size() != al->length) return error_reply;
    if (data.empty()) return "OK";
    const std::size_t done = target_.write_memory(al->address, data.data(), data.size(), space());
    return done == data.size() ? "OK" : "E14";
}

std::string gdb_session::breakpoint(const std::string& args, bool insert) {
    // "TYPE,ADDR,KIND[;cond...]": 0 software, 1 hardware breakpoint (both are the CPU's own,
    // outside guest memory); 2 write, 3 read, 4 access watchpoint (KIND is the length).
    const auto comma = args.find(',');
    if (comma == std::string::npos) return error_reply;
    const std::string type = args.substr(0, comma);
    if (type.size() != 1 || type[0] < '0' || type[0] > '4') return ""; // not supported
    const std::string rest = args.substr(comma + 1, args.find(';') == std::string::npos
                                                        ? std::string::npos
                                                        : args.find(';') - comma - 1);
    const auto al = parse_address_length(rest);
    if (!al) return error_reply;
    if (type[0] >= '2') {
        static const cpu::watch_kind kinds[] = {cpu::watch_kind::write, cpu::watch_kind::read,
                                                cpu::watch_kind::access};
        if (al->length == 0 || al->length > 4096) return error_reply;
        watchpoint(al->address, al->length, kinds[type[0] - '2'], insert);
        return "OK";
    }
    if (insert) {
        breakpoints_.insert(al->address);
        target_.add_breakpoint(al->address);
    } else if (breakpoints_.erase(al->address)) {
        target_.remove_breakpoint(al->address);
    }
    return "OK";
}

void gdb_session::watchpoint(std::uint64_t address, std::uint64_t length, cpu::watch_kind kind, bool insert) {
    auto same = [&](const watch& w) { return w.address == address && w.length == length && w.kind == kind; };
    const auto found = std::find_if(watchpoints_.begin(), watchpoints_.end(), same);
    if (insert == (found != watchpoints_.end())) return; // inserted twice, or removed unknown
    if (insert) {
        watchpoints_.push_back({address, length, kind});
        target_.add_watchpoint(address, length, kind);
    } else {
        watchpoints_.erase(found);
        target_.remove_watchpoint(address, length, kind);
    }
    // A pmem line under it also reports its persistence-state changes (at the physical
    // address it has now).
    std::uint64_t physical = address;
    if (on_watch && target_.translate(address, physical)) on_watch(physical, length, insert);
}

void gdb_session::clear_breakpoints() {
    for (const std::uint64_t pc : breakpoints_) target_.remove_breakpoint(pc);
    breakpoints_.clear();
    while (!watchpoints_.empty()) {
        const watch w = watchpoints_.back();
        watchpoint(w.address, w.length, w.kind, false);
    }
    physical_ = false;
}

std::string gdb_session::stop_reply(cpu::stop_reason why, bool interrupted) const {
    if (why == cpu::stop_reason::watchpoint) {
        const cpu::watch_hit hit = target_.last_watch();
        const char* name = hit.kind == cpu::watch_kind::write  ? "watch"
                           : hit.kind == cpu::watch_kind::read ? "rwatch"
                                                               : "awatch";
        std::ostringstream reply;
        reply << "T05" << name << ':' << std::hex << hit.address << ';';
        return reply.str();
    }
    return interrupted ? "S02" : "S05"; // SIGINT for the debugger's Ctrl-C, else SIGTRAP
}

std::string gdb_session::monitor_command(const std::string& hex) {
    const auto bytes = from_hex(hex);
    if (!bytes) return error_reply;
    std::string command = *bytes;
    while (!command.empty() && std::isspace(static_cast<unsigned char>(command.back()))) command.pop_back();
    while (!command.empty() && std::isspace(static_cast<unsigned char>(command.front()))) command.erase(0, 1);
    std::string text;
    if (command == "phys") {
        physical_ = true;
        text = "memory reads and writes now use physical addresses ('monitor virt' to go back)\n";
    } else if (command == "virt") {
        physical_ = false;
        text = "memory reads and writes now use the CPU's current address space\n";
    } else if (command == "help" || command.empty()) {
        text = "phys            memory reads and writes use physical addresses\n"
               "virt            memory reads and writes use the current address space (the default)\n";
        if (monitor) text += monitor("help");
    } else if (monitor) {
        text = monitor(command);
    } else {
        text = "unknown command '" + command + "'\n";
    }
    console(text);
    return "OK";
}

std::string gdb_session::handle(const std::string& p, action& then) {
    then = action::none;
    if (p.empty()) return "";
    const std::string args = p.substr(1);
    switch (p[0]) {
    case '?': return "S05";
    case 'g': return p == "g" ? read_registers() : "";
    case 'G': return write_registers(args);
    case 'p': {
        const auto n = parse_number(args);
        unsigned index = 0;
        std::uint64_t value = 0;
        if (!n || !register_index(*n, index) || !target_.read_register(index, value)) return error_reply;
        return le_hex(value, *n == gdb_priv ? 8 : std::max(1u, target_.debug_registers()[index].bits / 8));
    }
    case 'P': {
        const auto eq = args.find('=');
        if (eq == std::string::npos) return error_reply;
        const auto n = parse_number(args.substr(0, eq));
        const auto value = parse_le_hex(std::string_view(args).substr(eq + 1));
        unsigned index = 0;
        if (!n || !value || !register_index(*n, index) || !target_.write_register(index, *value))
            return error_reply;
        return "OK";
    }
    case 'm': return memory_read(args);
    case 'M': return memory_write(args, false);
    case 'X': return memory_write(args, true);
    case 'Z': return breakpoint(args, true);
    case 'z': return breakpoint(args, false);
    case 'c':
    case 's': {
        if (!args.empty()) { // resume at an address
            const auto pc = parse_number(args);
            unsigned index = 0;
            if (!pc || !register_index(gdb_pc, index)) return error_reply;
            target_.write_register(index, *pc);
        }
        then = p[0] == 'c' ? action::resume : action::step;
        return "";
    }
    case 'D': then = action::detach; return "OK";
    case 'k': then = action::kill; return "";
    case 'H': return "OK";
    case 'T': return "OK";
    default: break;
    }
    if (p == "vCont?") return "vCont;c;s";
    if (starts_with(p, "vCont;")) {
        const char a = p.size() > 6 ? p[6] : 0;
        if (a == 'c' || a == 'C') then = action::resume;
        else if (a == 's' || a == 'S') then = action::step;
        else return error_reply;
        return "";
    }
    if (starts_with(p, "qSupported")) return "PacketSize=4000;qXfer:features:read+;vContSupported+";
    if (p == "qAttached" || starts_with(p, "qAttached:")) return "1";
    if (p == "qC") return "QC1";
    if (starts_with(p, "qRcmd,")) return monitor_command(p.substr(6));
    // QEMU's switch to physical memory (maintenance packet Qqemu.PhyMemMode:1).
    if (p == "qqemu.PhyMemMode") return physical_ ? "1" : "0";
    if (p == "Qqemu.PhyMemMode:1" || p == "Qqemu.PhyMemMode:0") {
        physical_ = p.back() == '1';
        return "OK";
    }
    if (p == "qfThreadInfo") return "m1";
    if (p == "qsThreadInfo") return "l";
    if (starts_with(p, "qXfer:features:read:")) {
        // qXfer:features:read:ANNEX:OFFSET,LENGTH
        const std::string rest = p.substr(20);
        const auto colon = rest.find(':');
        if (colon == std::string::npos) return error_reply;
        if (rest.substr(0, colon) != "target.xml") return "E00";
        const auto al = parse_address_length(rest.substr(colon + 1));
        if (!al) return error_reply;
        const std::string xml = target_xml();
        if (al->address >= xml.size()) return "l";
        const std::size_t length = std::min<std::uint64_t>(al->length, (max_packet - 8) / 2);
        const std::string chunk = xml.substr(al->address, length);
        return (al->address + chunk.size() >= xml.size() ? "l" : "m") + escape_binary(chunk);
    }
    return ""; // not supported
}

} // namespace pmemvp::gdb
