// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <cstdint>
#include <tlm>

namespace pmemvp {

// What a guest persistence instruction asks of the memory system. Plain TLM cannot say these,
// so they travel on the generic payload. An initiator that never sets the extension still
// works: its writes count as plain stores reaching the memory controller.
enum class persist_op : std::uint8_t {
    store,    // cached store (the default for an unextended write)
    nt_store, // non-temporal store: bypasses the cache, goes straight to the WPQ
    clean,    // cbo.clean / clwb: write the line back, keep it cached
    flush,    // cbo.flush / clflushopt: write the line back and invalidate it
    inval,    // cbo.inval: drop the line without writing it back
    fence,    // fence: wait until earlier write-backs have completed
};
const char* to_string(persist_op op);

// For clean/flush/inval the payload carries TLM_IGNORE_COMMAND, the line's address and length
// 64; for fence, TLM_IGNORE_COMMAND and length 0, sent to a memory the initiator wrote back to
// (its target fences its store observer and timing). Initiators with DMI learn the observers
// (store_observer_extension) and call their fence() directly instead.
class persistence_extension : public tlm::tlm_extension<persistence_extension> {
public:
    persistence_extension() = default;
    persistence_extension(persist_op op, std::uint64_t pc) : op(op), pc(pc) {}

    tlm::tlm_extension_base* clone() const override { return new persistence_extension(*this); }
    void copy_from(const tlm::tlm_extension_base& other) override {
        *this = static_cast<const persistence_extension&>(other);
    }

    persist_op op = persist_op::store;
    std::uint64_t pc = 0; // guest program counter of the instruction, for the checker's reports
};

} // namespace pmemvp
