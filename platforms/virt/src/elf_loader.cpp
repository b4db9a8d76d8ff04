// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/platform/elf_loader.h"

#include "pmemvp/util/checked_range.h"
#include "pmemvp/util/config_error.h"
#include "pmemvp/util/keyval.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace pmemvp::platform {

using util::checked_add;
using util::hex;
using util::range_within;

namespace {

const char* file_kind(mode_t mode) {
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISSOCK(mode)) return "a socket";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    return "not a regular file";
}

// Writes through debug transport in chunks; false if a target took nothing.
bool write_all(tlm::tlm_fw_transport_if<>& bus, std::uint64_t addr, const unsigned char* data,
               std::uint64_t length) {
    while (length) {
        const unsigned chunk = static_cast<unsigned>(std::min<std::uint64_t>(length, 1u << 20));
        tlm::tlm_generic_payload gp;
        gp.set_write();
        gp.set_address(addr);
        gp.set_data_ptr(const_cast<unsigned char*>(data));
        gp.set_data_length(chunk);
        const unsigned done = bus.transport_dbg(gp);
        if (done == 0)
            return false;
        addr += done;
        data += done;
        length -= done;
    }
    return true;
}

// Zero fill in fixed chunks: nothing allocated in proportion to p_memsz.
bool zero_fill(tlm::tlm_fw_transport_if<>& bus, std::uint64_t addr, std::uint64_t length) {
    static const std::vector<unsigned char> zeros(1u << 20);
    while (length) {
        const std::uint64_t chunk = std::min<std::uint64_t>(length, zeros.size());
        if (!write_all(bus, addr, zeros.data(), chunk))
            return false;
        addr += chunk;
        length -= chunk;
    }
    return true;
}

} // namespace

std::vector<unsigned char> read_guest_file(const std::string& path, const std::string& what,
                                           std::uint64_t max_bytes) {
    // O_NONBLOCK: opening a FIFO must not wait for a writer.
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        throw config_error(what + ": cannot open the file (" + std::strerror(errno) +
                           "); check the path");
    struct stat st {};
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        const std::string kind = fstat(fd, &st) == 0 ? file_kind(st.st_mode) : "unreadable";
        close(fd);
        throw config_error(what + ": " + kind + ", not a regular file; give the program's file");
    }
    const auto size = static_cast<std::uint64_t>(st.st_size);
    if (size > max_bytes) {
        close(fd);
        throw config_error(what + ": " + std::to_string(size) + " bytes, larger than the " +
                           std::to_string(max_bytes) + " bytes a guest image may have");
    }
    std::vector<unsigned char> data(size);
    std::uint64_t done = 0;
    while (done < size) {
        const ssize_t n = read(fd, data.data() + done, size - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const std::string reason = n < 0 ? std::strerror(errno) : "the file shrank while read";
            close(fd);
            throw config_error(what + ": cannot read the file (" + reason + ")");
        }
        done += static_cast<std::uint64_t>(n);
    }
    close(fd);
    return data;
}

elf_image parse_elf(const unsigned char* file, std::size_t size, const std::string& what) {
    if (size < EI_NIDENT || std::memcmp(file, ELFMAG, SELFMAG) != 0)
        throw config_error(what + ": not an ELF file; give the .elf a RISC-V compiler produced");
    if (file[EI_CLASS] != ELFCLASS64)
        throw config_error(what + ": a 32-bit ELF; pmemvp runs RV64 programs (build with "
                                  "-march=rv64imac -mabi=lp64)");
    if (file[EI_DATA] != ELFDATA2LSB)
        throw config_error(what + ": a big-endian ELF; RISC-V programs are little-endian");
    if (size < sizeof(Elf64_Ehdr))
        throw config_error(what + ": truncated: " + std::to_string(size) +
                           " bytes, shorter than the ELF header");
    Elf64_Ehdr eh;
    std::memcpy(&eh, file, sizeof eh);
    if (eh.e_machine != EM_RISCV)
        throw config_error(what + ": built for ELF machine " + std::to_string(eh.e_machine) +
                           ", not RISC-V (" + std::to_string(EM_RISCV) +
                           "); build it with riscv64-unknown-elf-gcc");
    if (eh.e_type != ET_EXEC)
        throw config_error(what + ": not an executable (ELF type " + std::to_string(eh.e_type) +
                           "); link it as a static executable");
    if (eh.e_phentsize != sizeof(Elf64_Phdr) ||
        !range_within(eh.e_phoff, std::uint64_t(eh.e_phnum) * sizeof(Elf64_Phdr), size))
        throw config_error(what + ": truncated or corrupt: the program headers (offset " +
                           hex(eh.e_phoff) + ", " + std::to_string(eh.e_phnum) +
                           " entries) lie outside the " + std::to_string(size) + "-byte file");
    elf_image image;
    image.entry = eh.e_entry;
    for (unsigned i = 0; i < eh.e_phnum; ++i) {
        Elf64_Phdr ph;
        std::memcpy(&ph, file + eh.e_phoff + i * sizeof(Elf64_Phdr), sizeof ph);
        if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
            continue;
        if (ph.p_filesz > ph.p_memsz || !range_within(ph.p_offset, ph.p_filesz, size))
            throw config_error(what + ": truncated or corrupt: segment " + std::to_string(i) +
                               " needs file bytes " + hex(ph.p_offset) + " + " + hex(ph.p_filesz) +
                               " (memory size " + hex(ph.p_memsz) + ") of a " +
                               std::to_string(size) + "-byte file");
        if (!checked_add(ph.p_paddr, ph.p_memsz - 1))
            throw config_error(what + ": corrupt: segment " + std::to_string(i) + " at " +
                               hex(ph.p_paddr) + " of " + hex(ph.p_memsz) +
                               " bytes runs past the end of the address space");
        image.segments.push_back({i, ph.p_paddr, ph.p_filesz, ph.p_memsz, file + ph.p_offset});
    }
    if (image.segments.empty())
        throw config_error(what + ": has no loadable segment");
    return image;
}

namespace {

// Refuses [address, address + size) unless it lies inside one of `loadable`, naming what is
// there instead.
void check_placement(std::uint64_t address, std::uint64_t size, const std::string& what,
                     const std::string& part, const std::vector<load_region>& loadable,
                     const std::function<std::string(std::uint64_t)>& describe) {
    const bool fits = std::any_of(loadable.begin(), loadable.end(), [&](const load_region& r) {
        return util::range_inside(address, size, r.base, r.size);
    });
    if (fits) return;
    const std::string range = "[" + hex(address) + ".." + hex(address + size - 1) + "]";
    for (const load_region& r : loadable)
        if (address >= r.base && address - r.base < r.size)
            throw config_error(what + ": " + part + range + " runs past the end of RAM (" +
                               hex(r.base) + ".." + hex(r.base + r.size - 1) +
                               "); give a larger -m, or link the program smaller");
    const std::string there = describe(address);
    throw config_error(what + ": " + part + range +
                       (there.empty() ? " lies outside the platform's RAM"
                                      : " lies in " + there + ", not in RAM") +
                       "; guest images are loaded into RAM only: link the program for RAM at "
                       "0x80000000 and check -m is large enough");
}

} // namespace

elf_info load_elf(const std::string& path, const std::string& what,
                  const std::vector<load_region>& loadable,
                  const std::function<std::string(std::uint64_t)>& describe,
                  tlm::tlm_fw_transport_if<>& bus) {
    const std::vector<unsigned char> file = read_guest_file(path, what);
    const elf_image image = parse_elf(file.data(), file.size(), what);
    // Every segment is checked before anything is written: a refused image leaves no trace.
    for (const auto& s : image.segments)
        check_placement(s.paddr, s.memsz, what, "segment " + std::to_string(s.index) + " ", loadable, describe);
    elf_info info;
    info.entry = image.entry;
    for (const auto& s : image.segments) {
        if (!write_all(bus, s.paddr, s.data, s.filesz) ||
            !zero_fill(bus, s.paddr + s.filesz, s.memsz - s.filesz))
            throw config_error(what + ": segment " + std::to_string(s.index) + " at " +
                               hex(s.paddr) + " could not be written to memory");
        info.loaded_bytes += s.memsz;
    }
    return info;
}

void load_raw(const std::vector<unsigned char>& data, std::uint64_t address, const std::string& what,
              const std::vector<load_region>& loadable,
              const std::function<std::string(std::uint64_t)>& describe, tlm::tlm_fw_transport_if<>& bus) {
    if (data.empty()) throw config_error(what + ": the file is empty");
    check_placement(address, data.size(), what, "its " + std::to_string(data.size()) + " bytes at ", loadable, describe);
    if (!write_all(bus, address, data.data(), data.size()))
        throw config_error(what + ": could not be written to memory at " + hex(address));
}

linux_image parse_linux_image(const std::vector<unsigned char>& file) {
    linux_image image;
    if (file.size() < 64 || std::memcmp(file.data() + 0x30, "RISCV\0\0\0", 8) != 0 ||
        std::memcmp(file.data() + 0x38, "RSC\x05", 4) != 0)
        return image;
    std::uint64_t size = 0;
    std::memcpy(&size, file.data() + 0x10, 8); // image_size, little-endian
    image.valid = true;
    image.memory_size = std::max<std::uint64_t>(size, file.size());
    return image;
}

} // namespace pmemvp::platform
