// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <cstdint>

namespace pmemvp::riscv {

// Internal operations. Compressed instructions decode to the same operations with length 2.
enum class op : std::uint8_t {
    undecoded = 0, // a slot of the decode cache not yet filled
    illegal,
    lui, auipc, jal, jalr,
    beq, bne, blt, bge, bltu, bgeu,
    lb, lh, lw, ld, lbu, lhu, lwu,
    sb, sh, sw, sd,
    addi, slti, sltiu, xori, ori, andi, slli, srli, srai,
    add, sub, sll, slt, sltu, xor_, srl, sra, or_, and_,
    addiw, slliw, srliw, sraiw, addw, subw, sllw, srlw, sraw,
    mul, mulh, mulhsu, mulhu, div, divu, rem, remu,
    mulw, divw, divuw, remw, remuw,
    lr_w, sc_w, amoswap_w, amoadd_w, amoxor_w, amoand_w, amoor_w,
    amomin_w, amomax_w, amominu_w, amomaxu_w,
    lr_d, sc_d, amoswap_d, amoadd_d, amoxor_d, amoand_d, amoor_d,
    amomin_d, amomax_d, amominu_d, amomaxu_d,
    fence, fence_i, cbo_inval, cbo_clean, cbo_flush,
    ecall, ebreak, mret, sret, wfi, sfence_vma,
    csrrw, csrrs, csrrc, csrrwi, csrrsi, csrrci,
    debug_break, // a debugger's breakpoint in the decode cache: raw and length are the real instruction's
};

// One pre-decoded instruction: 16 bytes, so a 4 KiB page of code is 2048 slots.
struct decoded {
    op code = op::undecoded;
    std::uint8_t rd = 0, rs1 = 0, rs2 = 0; // for csrr*i, rs1 holds the 5-bit immediate
    std::uint8_t length = 4;               // 2 (compressed) or 4
    std::uint32_t raw = 0;                 // the instruction bits, for mtval of illegal instructions
    std::int32_t imm = 0;                  // immediate (all fit 32 bits); the CSR number for csr*
};
static_assert(sizeof(decoded) == 16, "keep decoded instructions small");

// Length in bytes of the instruction whose low 16 bits are `low`: 2 or 4 (longer encodings are
// not supported and decode as illegal with length 4).
inline unsigned instruction_length(std::uint16_t low) { return (low & 3) == 3 ? 4 : 2; }

decoded decode32(std::uint32_t insn);
decoded decode16(std::uint16_t insn);
inline decoded decode(std::uint32_t insn) {
    return (insn & 3) == 3 ? decode32(insn) : decode16(static_cast<std::uint16_t>(insn));
}

} // namespace pmemvp::riscv
