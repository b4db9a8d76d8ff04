// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/platform/elf_loader.h"

#include "pmemvp/util/config_error.h"
#include "pmemvp/util/keyval.h"

#include <cstring>
#include <elf.h>
#include <fstream>
#include <iterator>
#include <vector>

namespace pmemvp::platform {

using util::hex;

namespace {

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

} // namespace

elf_info load_elf(const std::string& path, tlm::tlm_fw_transport_if<>& bus) {
    const std::string what = "-kernel '" + path + "'";
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in)
        throw config_error(what + ": cannot open the file (" + std::strerror(errno) +
                           "); check the path");
    std::vector<unsigned char> file(static_cast<std::size_t>(in.tellg()));
    in.seekg(0);
    in.read(reinterpret_cast<char*>(file.data()), static_cast<std::streamsize>(file.size()));
    if (file.size() < EI_NIDENT || std::memcmp(file.data(), ELFMAG, SELFMAG) != 0)
        throw config_error(what + ": not an ELF file; give the .elf a RISC-V compiler produced");
    if (file[EI_CLASS] != ELFCLASS64)
        throw config_error(what + ": a 32-bit ELF; pmemvp runs RV64 programs (build with "
                                  "-march=rv64imac -mabi=lp64)");
    if (file[EI_DATA] != ELFDATA2LSB)
        throw config_error(what + ": a big-endian ELF; RISC-V programs are little-endian");
    if (file.size() < sizeof(Elf64_Ehdr))
        throw config_error(what + ": truncated: " + std::to_string(file.size()) +
                           " bytes, shorter than the ELF header");
    Elf64_Ehdr eh;
    std::memcpy(&eh, file.data(), sizeof eh);
    if (eh.e_machine != EM_RISCV)
        throw config_error(what + ": built for ELF machine " + std::to_string(eh.e_machine) +
                           ", not RISC-V (" + std::to_string(EM_RISCV) +
                           "); build it with riscv64-unknown-elf-gcc");
    if (eh.e_type != ET_EXEC)
        throw config_error(what + ": not an executable (ELF type " + std::to_string(eh.e_type) +
                           "); link it as a static executable");
    if (eh.e_phentsize != sizeof(Elf64_Phdr) ||
        eh.e_phoff + std::uint64_t(eh.e_phnum) * sizeof(Elf64_Phdr) > file.size())
        throw config_error(what + ": truncated or corrupt: the program headers lie outside the " +
                           std::to_string(file.size()) + "-byte file");
    elf_info info;
    info.entry = eh.e_entry;
    for (unsigned i = 0; i < eh.e_phnum; ++i) {
        Elf64_Phdr ph;
        std::memcpy(&ph, file.data() + eh.e_phoff + i * sizeof(Elf64_Phdr), sizeof ph);
        if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
            continue;
        if (ph.p_filesz > ph.p_memsz || ph.p_offset + ph.p_filesz > file.size() ||
            ph.p_offset + ph.p_filesz < ph.p_offset)
            throw config_error(what + ": truncated or corrupt: segment " + std::to_string(i) +
                               " needs file bytes " + hex(ph.p_offset) + ".." +
                               hex(ph.p_offset + ph.p_filesz) + " of a " +
                               std::to_string(file.size()) + "-byte file");
        const std::vector<unsigned char> zeros(ph.p_memsz - ph.p_filesz);
        if (!write_all(bus, ph.p_paddr, file.data() + ph.p_offset, ph.p_filesz) ||
            !write_all(bus, ph.p_paddr + ph.p_filesz, zeros.data(), zeros.size()))
            throw config_error(what + ": segment " + std::to_string(i) + " [" + hex(ph.p_paddr) +
                               ".." + hex(ph.p_paddr + ph.p_memsz - 1) +
                               "] lies outside the platform's memory; link the program for RAM "
                               "at 0x80000000 and check -m is large enough");
        info.loaded_bytes += ph.p_memsz;
    }
    if (info.loaded_bytes == 0)
        throw config_error(what + ": has no loadable segment");
    return info;
}

} // namespace pmemvp::platform
