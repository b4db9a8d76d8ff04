// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/riscv/decode.h"

namespace pmemvp::riscv {
namespace {

std::uint32_t bits(std::uint32_t v, unsigned hi, unsigned lo) {
    return (v >> lo) & ((1u << (hi - lo + 1)) - 1);
}
std::int64_t sext(std::uint64_t v, unsigned width) {
    const unsigned shift = 64 - width;
    return static_cast<std::int64_t>(v << shift) >> shift;
}

decoded make(op code, unsigned rd, unsigned rs1, unsigned rs2, std::int64_t imm,
             std::uint32_t raw, unsigned length) {
    decoded d;
    d.code = code;
    d.rd = static_cast<std::uint8_t>(rd);
    d.rs1 = static_cast<std::uint8_t>(rs1);
    d.rs2 = static_cast<std::uint8_t>(rs2);
    d.imm = imm;
    d.raw = raw;
    d.length = static_cast<std::uint8_t>(length);
    return d;
}

decoded illegal(std::uint32_t raw, unsigned length) {
    return make(op::illegal, 0, 0, 0, 0, raw, length);
}

} // namespace

decoded decode32(std::uint32_t i) {
    const unsigned opcode = bits(i, 6, 0), rd = bits(i, 11, 7), f3 = bits(i, 14, 12);
    const unsigned rs1 = bits(i, 19, 15), rs2 = bits(i, 24, 20), f7 = bits(i, 31, 25);
    const std::int64_t imm_i = sext(i >> 20, 12);
    const std::int64_t imm_s = sext((bits(i, 31, 25) << 5) | bits(i, 11, 7), 12);
    const std::int64_t imm_b = sext((bits(i, 31, 31) << 12) | (bits(i, 7, 7) << 11) |
                                    (bits(i, 30, 25) << 5) | (bits(i, 11, 8) << 1), 13);
    const std::int64_t imm_u = sext(i & 0xfffff000u, 32);
    const std::int64_t imm_j = sext((bits(i, 31, 31) << 20) | (bits(i, 19, 12) << 12) |
                                    (bits(i, 20, 20) << 11) | (bits(i, 30, 21) << 1), 21);
    auto r = [&](op o) { return make(o, rd, rs1, rs2, 0, i, 4); };
    auto with = [&](op o, std::int64_t imm) { return make(o, rd, rs1, rs2, imm, i, 4); };

    switch (opcode) {
    case 0x37: return with(op::lui, imm_u);
    case 0x17: return with(op::auipc, imm_u);
    case 0x6f: return with(op::jal, imm_j);
    case 0x67: return f3 == 0 ? with(op::jalr, imm_i) : illegal(i, 4);
    case 0x63: {
        static const op ops[8] = {op::beq, op::bne, op::illegal, op::illegal,
                                  op::blt, op::bge, op::bltu, op::bgeu};
        return ops[f3] == op::illegal ? illegal(i, 4) : with(ops[f3], imm_b);
    }
    case 0x03: {
        static const op ops[8] = {op::lb, op::lh, op::lw, op::ld, op::lbu, op::lhu, op::lwu,
                                  op::illegal};
        return ops[f3] == op::illegal ? illegal(i, 4) : with(ops[f3], imm_i);
    }
    case 0x23: {
        static const op ops[8] = {op::sb, op::sh, op::sw, op::sd};
        return f3 < 4 ? with(ops[f3], imm_s) : illegal(i, 4);
    }
    case 0x13:
        switch (f3) {
        case 0: return with(op::addi, imm_i);
        case 2: return with(op::slti, imm_i);
        case 3: return with(op::sltiu, imm_i);
        case 4: return with(op::xori, imm_i);
        case 6: return with(op::ori, imm_i);
        case 7: return with(op::andi, imm_i);
        case 1: return bits(i, 31, 26) == 0 ? with(op::slli, bits(i, 25, 20)) : illegal(i, 4);
        case 5:
            if (bits(i, 31, 26) == 0x00) return with(op::srli, bits(i, 25, 20));
            if (bits(i, 31, 26) == 0x10) return with(op::srai, bits(i, 25, 20));
            return illegal(i, 4);
        }
        break;
    case 0x1b:
        if (f3 == 0) return with(op::addiw, imm_i);
        if (f3 == 1 && f7 == 0) return with(op::slliw, rs2);
        if (f3 == 5 && f7 == 0) return with(op::srliw, rs2);
        if (f3 == 5 && f7 == 0x20) return with(op::sraiw, rs2);
        return illegal(i, 4);
    case 0x33:
        if (f7 == 0) {
            static const op ops[8] = {op::add, op::sll, op::slt, op::sltu,
                                      op::xor_, op::srl, op::or_, op::and_};
            return r(ops[f3]);
        }
        if (f7 == 1) {
            static const op ops[8] = {op::mul, op::mulh, op::mulhsu, op::mulhu,
                                      op::div, op::divu, op::rem, op::remu};
            return r(ops[f3]);
        }
        if (f7 == 0x20 && f3 == 0) return r(op::sub);
        if (f7 == 0x20 && f3 == 5) return r(op::sra);
        return illegal(i, 4);
    case 0x3b:
        if (f7 == 0 && f3 == 0) return r(op::addw);
        if (f7 == 0 && f3 == 1) return r(op::sllw);
        if (f7 == 0 && f3 == 5) return r(op::srlw);
        if (f7 == 0x20 && f3 == 0) return r(op::subw);
        if (f7 == 0x20 && f3 == 5) return r(op::sraw);
        if (f7 == 1) {
            static const op ops[8] = {op::mulw, op::illegal, op::illegal, op::illegal,
                                      op::divw, op::divuw, op::remw, op::remuw};
            return ops[f3] == op::illegal ? illegal(i, 4) : r(ops[f3]);
        }
        return illegal(i, 4);
    case 0x0f:
        if (f3 == 0) return r(op::fence); // fence, fence.tso and pause all order memory
        if (f3 == 1) return r(op::fence_i);
        if (f3 == 2 && rd == 0) {
            switch (bits(i, 31, 20)) {
            case 0: return r(op::cbo_inval);
            case 1: return r(op::cbo_clean);
            case 2: return r(op::cbo_flush);
            }
        }
        return illegal(i, 4);
    case 0x73:
        if (f3 == 0) {
            switch (i) {
            case 0x00000073: return r(op::ecall);
            case 0x00100073: return r(op::ebreak);
            case 0x30200073: return r(op::mret);
            case 0x10200073: return r(op::sret);
            case 0x10500073: return r(op::wfi);
            }
            if ((i & 0xfe007fff) == 0x12000073) return r(op::sfence_vma);
            return illegal(i, 4);
        }
        {
            static const op ops[8] = {op::illegal, op::csrrw, op::csrrs, op::csrrc,
                                      op::illegal, op::csrrwi, op::csrrsi, op::csrrci};
            return ops[f3] == op::illegal ? illegal(i, 4) : with(ops[f3], bits(i, 31, 20));
        }
    case 0x2f: {
        if (f3 != 2 && f3 != 3) return illegal(i, 4);
        const bool d = f3 == 3;
        switch (bits(i, 31, 27)) {
        case 0x02: return rs2 == 0 ? r(d ? op::lr_d : op::lr_w) : illegal(i, 4);
        case 0x03: return r(d ? op::sc_d : op::sc_w);
        case 0x01: return r(d ? op::amoswap_d : op::amoswap_w);
        case 0x00: return r(d ? op::amoadd_d : op::amoadd_w);
        case 0x04: return r(d ? op::amoxor_d : op::amoxor_w);
        case 0x0c: return r(d ? op::amoand_d : op::amoand_w);
        case 0x08: return r(d ? op::amoor_d : op::amoor_w);
        case 0x10: return r(d ? op::amomin_d : op::amomin_w);
        case 0x14: return r(d ? op::amomax_d : op::amomax_w);
        case 0x18: return r(d ? op::amominu_d : op::amominu_w);
        case 0x1c: return r(d ? op::amomaxu_d : op::amomaxu_w);
        }
        return illegal(i, 4);
    }
    }
    return illegal(i, 4);
}

decoded decode16(std::uint16_t c) {
    const std::uint32_t i = c;
    const unsigned f3 = bits(i, 15, 13);
    const unsigned rd = bits(i, 11, 7), rs2 = bits(i, 6, 2);
    const unsigned rdp = 8 + bits(i, 4, 2), rs1p = 8 + bits(i, 9, 7);
    const std::int64_t imm6 = sext((bits(i, 12, 12) << 5) | bits(i, 6, 2), 6);
    auto mk = [&](op o, unsigned d, unsigned s1, unsigned s2, std::int64_t imm) {
        return make(o, d, s1, s2, imm, i, 2);
    };
    if (i == 0)
        return illegal(i, 2); // the all-zero instruction is defined illegal

    switch (bits(i, 1, 0)) {
    case 0:
        switch (f3) {
        case 0: {
            const std::uint32_t imm = (bits(i, 12, 11) << 4) | (bits(i, 10, 7) << 6) |
                                      (bits(i, 6, 6) << 2) | (bits(i, 5, 5) << 3);
            return imm ? mk(op::addi, rdp, 2, 0, imm) : illegal(i, 2);
        }
        case 2: {
            const std::uint32_t imm = (bits(i, 12, 10) << 3) | (bits(i, 6, 6) << 2) |
                                      (bits(i, 5, 5) << 6);
            return mk(op::lw, rdp, rs1p, 0, imm);
        }
        case 3: {
            const std::uint32_t imm = (bits(i, 12, 10) << 3) | (bits(i, 6, 5) << 6);
            return mk(op::ld, rdp, rs1p, 0, imm);
        }
        case 6: {
            const std::uint32_t imm = (bits(i, 12, 10) << 3) | (bits(i, 6, 6) << 2) |
                                      (bits(i, 5, 5) << 6);
            return mk(op::sw, 0, rs1p, rdp, imm);
        }
        case 7: {
            const std::uint32_t imm = (bits(i, 12, 10) << 3) | (bits(i, 6, 5) << 6);
            return mk(op::sd, 0, rs1p, rdp, imm);
        }
        }
        return illegal(i, 2); // c.fld, c.fsd (no FPU) and reserved
    case 1:
        switch (f3) {
        case 0: return mk(op::addi, rd, rd, 0, imm6);
        case 1: return rd ? mk(op::addiw, rd, rd, 0, imm6) : illegal(i, 2);
        case 2: return mk(op::addi, rd, 0, 0, imm6);
        case 3:
            if (rd == 2) {
                const std::int64_t imm = sext((bits(i, 12, 12) << 9) | (bits(i, 6, 6) << 4) |
                                              (bits(i, 5, 5) << 6) | (bits(i, 4, 3) << 7) |
                                              (bits(i, 2, 2) << 5), 10);
                return imm ? mk(op::addi, 2, 2, 0, imm) : illegal(i, 2);
            }
            return imm6 ? mk(op::lui, rd, 0, 0, static_cast<std::int64_t>(static_cast<std::uint64_t>(imm6) << 12)) : illegal(i, 2);
        case 4: {
            const unsigned rdq = rs1p; // rd' sits where rs1' does
            switch (bits(i, 11, 10)) {
            case 0: return mk(op::srli, rdq, rdq, 0, (bits(i, 12, 12) << 5) | bits(i, 6, 2));
            case 1: return mk(op::srai, rdq, rdq, 0, (bits(i, 12, 12) << 5) | bits(i, 6, 2));
            case 2: return mk(op::andi, rdq, rdq, 0, imm6);
            case 3: {
                const unsigned rs2q = rdp;
                if (bits(i, 12, 12) == 0) {
                    static const op ops[4] = {op::sub, op::xor_, op::or_, op::and_};
                    return mk(ops[bits(i, 6, 5)], rdq, rdq, rs2q, 0);
                }
                if (bits(i, 6, 5) == 0) return mk(op::subw, rdq, rdq, rs2q, 0);
                if (bits(i, 6, 5) == 1) return mk(op::addw, rdq, rdq, rs2q, 0);
                return illegal(i, 2);
            }
            }
            break;
        }
        case 5: {
            const std::int64_t imm = sext((bits(i, 12, 12) << 11) | (bits(i, 11, 11) << 4) |
                                          (bits(i, 10, 9) << 8) | (bits(i, 8, 8) << 10) |
                                          (bits(i, 7, 7) << 6) | (bits(i, 6, 6) << 7) |
                                          (bits(i, 5, 3) << 1) | (bits(i, 2, 2) << 5), 12);
            return mk(op::jal, 0, 0, 0, imm);
        }
        case 6:
        case 7: {
            const std::int64_t imm = sext((bits(i, 12, 12) << 8) | (bits(i, 11, 10) << 3) |
                                          (bits(i, 6, 5) << 6) | (bits(i, 4, 3) << 1) |
                                          (bits(i, 2, 2) << 5), 9);
            return mk(f3 == 6 ? op::beq : op::bne, 0, rs1p, 0, imm);
        }
        }
        break;
    case 2:
        switch (f3) {
        case 0: return mk(op::slli, rd, rd, 0, (bits(i, 12, 12) << 5) | bits(i, 6, 2));
        case 2: {
            const std::uint32_t imm = (bits(i, 12, 12) << 5) | (bits(i, 6, 4) << 2) |
                                      (bits(i, 3, 2) << 6);
            return rd ? mk(op::lw, rd, 2, 0, imm) : illegal(i, 2);
        }
        case 3: {
            const std::uint32_t imm = (bits(i, 12, 12) << 5) | (bits(i, 6, 5) << 3) |
                                      (bits(i, 4, 2) << 6);
            return rd ? mk(op::ld, rd, 2, 0, imm) : illegal(i, 2);
        }
        case 4:
            if (bits(i, 12, 12) == 0) {
                if (rs2 == 0) return rd ? mk(op::jalr, 0, rd, 0, 0) : illegal(i, 2);
                return mk(op::add, rd, 0, rs2, 0); // c.mv
            }
            if (rs2 == 0) return rd ? mk(op::jalr, 1, rd, 0, 0) : mk(op::ebreak, 0, 0, 0, 0);
            return mk(op::add, rd, rd, rs2, 0);
        case 6: {
            const std::uint32_t imm = (bits(i, 12, 9) << 2) | (bits(i, 8, 7) << 6);
            return mk(op::sw, 0, 2, rs2, imm);
        }
        case 7: {
            const std::uint32_t imm = (bits(i, 12, 10) << 3) | (bits(i, 9, 7) << 6);
            return mk(op::sd, 0, 2, rs2, imm);
        }
        }
        return illegal(i, 2); // c.fldsp, c.fsdsp
    }
    return illegal(i, 2);
}

} // namespace pmemvp::riscv
