// SPDX-License-Identifier: Apache-2.0
#pragma once
// RISC-V instruction encoders for model tests that run hand-written programs on the hart, and
// `program`, code with labels. The encodings are checked against riscv64-unknown-elf-as.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace pmemvp::test::rv {

using insn = std::uint32_t;
enum reg : unsigned { zero = 0, ra = 1, t0 = 5, t1 = 6, t2 = 7, s0 = 8, s1 = 9, a0 = 10, a1 = 11,
                      a2 = 12, a3 = 13, a4 = 14, a5 = 15, s2 = 18, s3 = 19, s9 = 25, t3 = 28,
                      t4 = 29, t5 = 30, t6 = 31 };

constexpr insn i_type(unsigned op, unsigned f3, unsigned rd, unsigned rs1, int imm) {
    return (static_cast<insn>(imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op;
}
constexpr insn addi(unsigned rd, unsigned rs1, int imm) { return i_type(0x13, 0, rd, rs1, imm); }
constexpr insn slli(unsigned rd, unsigned rs1, unsigned sh) { return i_type(0x13, 1, rd, rs1, static_cast<int>(sh)); }
constexpr insn add(unsigned rd, unsigned rs1, unsigned rs2) { return (rs2 << 20) | (rs1 << 15) | (rd << 7) | 0x33; }
constexpr insn lui(unsigned rd, std::uint32_t imm20) { return (imm20 << 12) | (rd << 7) | 0x37; }
constexpr insn auipc(unsigned rd, std::uint32_t imm20) { return (imm20 << 12) | (rd << 7) | 0x17; }
constexpr insn ld(unsigned rd, unsigned rs1, int imm) { return i_type(0x03, 3, rd, rs1, imm); }
constexpr insn sd(unsigned rs2, unsigned rs1, int imm) {
    const insn i = static_cast<insn>(imm);
    return (((i >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (3 << 12) | ((i & 0x1f) << 7) | 0x23;
}
constexpr insn jal(unsigned rd, int offset) {
    const insn o = static_cast<insn>(offset);
    return (((o >> 20) & 1) << 31) | (((o >> 1) & 0x3ff) << 21) | (((o >> 11) & 1) << 20) |
           (((o >> 12) & 0xff) << 12) | (rd << 7) | 0x6f;
}
constexpr insn jalr(unsigned rd, unsigned rs1, int imm) { return i_type(0x67, 0, rd, rs1, imm); }
constexpr insn branch(unsigned f3, unsigned rs1, unsigned rs2, int offset) {
    const insn o = static_cast<insn>(offset);
    return (((o >> 12) & 1) << 31) | (((o >> 5) & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) |
           (((o >> 1) & 0xf) << 8) | (((o >> 11) & 1) << 7) | 0x63;
}
constexpr insn beq(unsigned rs1, unsigned rs2, int offset) { return branch(0, rs1, rs2, offset); }
constexpr insn bne(unsigned rs1, unsigned rs2, int offset) { return branch(1, rs1, rs2, offset); }
constexpr insn bge(unsigned rs1, unsigned rs2, int offset) { return branch(5, rs1, rs2, offset); }
constexpr insn csrrw(unsigned rd, unsigned csr, unsigned rs1) { return i_type(0x73, 1, rd, rs1, static_cast<int>(csr)); }
constexpr insn csrrs(unsigned rd, unsigned csr, unsigned rs1) { return i_type(0x73, 2, rd, rs1, static_cast<int>(csr)); }
constexpr insn csrrc(unsigned rd, unsigned csr, unsigned rs1) { return i_type(0x73, 3, rd, rs1, static_cast<int>(csr)); }
constexpr insn csrrsi(unsigned rd, unsigned csr, unsigned imm) { return i_type(0x73, 6, rd, imm, static_cast<int>(csr)); }
constexpr insn csrw(unsigned csr, unsigned rs1) { return csrrw(zero, csr, rs1); }
constexpr insn csrr(unsigned rd, unsigned csr) { return csrrs(rd, csr, zero); }
constexpr insn ecall() { return 0x00000073; }
constexpr insn mret() { return 0x30200073; }
constexpr insn wfi() { return 0x10500073; }
constexpr insn sfence_vma(unsigned rs1, unsigned rs2) { return 0x12000073 | (rs2 << 20) | (rs1 << 15); }

// Code with labels: an instruction that refers to a label is made once the label is known.
class program {
public:
    explicit program(std::uint64_t base) : base_(base) {}
    program& operator<<(insn i) {
        words_.push_back(i);
        return *this;
    }
    program& label(const std::string& name) {
        labels_[name] = words_.size();
        return *this;
    }
    program& ref(const std::string& name, std::function<insn(int offset)> make) {
        fixups_.push_back({words_.size(), name, std::move(make)});
        words_.push_back(0);
        return *this;
    }
    std::uint64_t here() const { return base_ + 4 * words_.size(); }
    std::uint64_t address(const std::string& name) const { return base_ + 4 * labels_.at(name); }
    std::vector<insn> words() const {
        std::vector<insn> w = words_;
        for (const auto& f : fixups_)
            w[f.at] = f.make(4 * (static_cast<int>(labels_.at(f.label)) - static_cast<int>(f.at)));
        return w;
    }

private:
    struct fixup {
        std::size_t at;
        std::string label;
        std::function<insn(int)> make;
    };
    std::uint64_t base_;
    std::vector<insn> words_;
    std::map<std::string, std::size_t> labels_;
    std::vector<fixup> fixups_;
};

} // namespace pmemvp::test::rv
