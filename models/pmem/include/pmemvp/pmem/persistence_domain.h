// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/tlm/store_observer.h"
#include "pmemvp/util/zeroed_array.h"

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <systemc>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace pmemvp::pmem {

// Which places survive a power failure (ACPI NFIT Platform Capabilities).
enum class domain_kind {
    eadr, // CPU caches are in the domain: a store is durable at once
    adr,  // the memory controller's write-pending queue is: written back and fenced = durable
    none, // only media is: the write-pending queue must be drained (a flush hint)
};
std::optional<domain_kind> parse_domain(const std::string& text); // "eadr" | "adr" | "none"

// What happens to lines that are not durable at a power failure.
struct failure_policy {
    double survival = 0;     // lose-all: 0; random:SEED:P: each line survives with P
    std::uint64_t seed = 0;
    // "lose-all" or "random:SEED:P"; nullopt for anything else.
    static std::optional<failure_policy> parse(const std::string& text);
};

// A persistence bug the checker found, with the guest PC and address that show it.
struct finding {
    enum class kind {
        not_durable,         // a store not durable at a power failure or the end (pc: its first store)
        flush_unwritten,     // a clean/flush of a line never written (pc: the flush)
        redundant_flush,     // a clean/flush of a line already durable (pc: the flush)
        flush_without_fence, // a written-back line no fence completed (pc: the flush)
    } what;
    std::uint64_t pc;
    std::uint64_t address; // of the 64-byte line, relative to the domain's memory
    sc_core::sc_time time;
    bool survived = false; // at a power failure: not durable, but kept by chance (random policy)
};
const char* to_string(finding::kind k);

// The persistence state of one memory (a mapped backing file) at cache-line granularity:
//   durable -> (store) dirty in the CPU cache -> (clean/flush) written back
//           -> (fence) in the write-pending queue -> (drain) on media.
// Which of these states are durable depends on the domain. The first store to a durable line
// saves its durable bytes, so a power failure can put back exactly what the domain guarantees:
// a store costs one byte lookup once its line is dirty, and a failure costs O(non-durable lines).
class persistence_domain : public store_observer {
public:
    static constexpr std::uint64_t line = 64;
    enum class line_state { durable, dirty, written_back, queued }; // queued: in the WPQ

    persistence_domain(unsigned char* memory, std::uint64_t size, domain_kind kind);

    // store_observer: what the hart and the memory target report, at the kernel's time.
    // Call before the bytes [offset, offset + length) change.
    void before_store(std::uint64_t offset, std::uint64_t length, std::uint64_t pc) override;
    void cache_op(std::uint64_t offset, persist_op op, std::uint64_t pc) override;
    void fence(std::uint64_t pc) override { fence(pc, sc_core::sc_time_stamp()); }

    // Called with a line's offset before its durable bytes are saved and the store follows: a
    // file-backed memory makes the page writable at once (file_backend::prepare_store), so
    // neither the copy nor the store takes a host page fault.
    void prepare_stores_with(std::function<void(std::uint64_t)> prepare) { prepare_store_ = std::move(prepare); }

    domain_kind kind() const { return kind_; }
    void clean(std::uint64_t offset, std::uint64_t pc, const sc_core::sc_time& now); // cbo.clean, cbo.flush, clwb
    void invalidate(std::uint64_t offset); // cbo.inval: a dirty line's bytes revert to the durable ones
    void fence(std::uint64_t pc, const sc_core::sc_time& now);
    void drain(const sc_core::sc_time& now); // a flush hint: the write-pending queue reaches media
    // Everything written so far becomes durable (a virtio-pmem flush request).
    void persist_all();

    // Persistence events that changed some line's state: a clean of a dirty line, a fence with
    // written-back lines, a drain of a non-empty write-pending queue, a flush of anything not
    // durable. For crash campaigns, which fail the power around each (docs/sweeps.md).
    enum class event { clean, fence, drain, flush };
    std::function<void(event, std::uint64_t pc)> on_event;

    std::uint64_t non_durable_lines() const { return pool_.size() - free_.size(); }
    // Counts kept up to date for traces (VCD): lines not durable, lines written back and
    // waiting for a fence, lines in the write-pending queue (domain none).
    const std::uint64_t& non_durable_count() const { return non_durable_count_; }
    const std::uint64_t& awaiting_fence_count() const { return awaiting_fence_count_; }
    const std::uint64_t& queued_count() const { return queued_count_; }
    bool durable(std::uint64_t offset) const;

    // For debuggers and monitors. Where the line holding `offset` is now.
    line_state state_of(std::uint64_t offset) const;
    // Per-line history (the last store's pc and time, when the line entered its state), kept
    // only once asked for: it costs a lookup per store. `clock` gives the storing CPU's time.
    struct line_history {
        bool stored = false;
        std::uint64_t last_store_pc = 0;
        sc_core::sc_time last_store_time, state_since;
    };
    void keep_history(std::function<sc_core::sc_time()> clock);
    const line_history* history(std::uint64_t offset) const; // nullptr: nothing recorded
    // The pc of the first store since the line was last durable (nullopt if durable).
    std::optional<std::uint64_t> first_store_pc(std::uint64_t offset) const;
    // Watched lines: `on_watched_change` is called when one changes state (not into dirty: a
    // store, which data watchpoints report).
    void watch_line(std::uint64_t offset, bool on);
    std::function<void(std::uint64_t offset, line_state from, line_state to)> on_watched_change;

    // Puts the memory back to what the domain guarantees (with `policy` for the rest) and
    // returns the stores that were lost or kept by chance, as findings; every line is then
    // durable again (a restart).
    std::vector<finding> power_fail(const failure_policy& policy, const sc_core::sc_time& now);
    // The findings at a clean end of the run (nothing is reverted).
    std::vector<finding> check_at_end(const sc_core::sc_time& now) const;
    // How many findings check_at_end() would return, without building them.
    std::uint64_t count_at_end() const { return non_durable_lines() + awaiting_fence_count_; }
    // Findings made while running (flushes of unwritten or durable lines).
    const std::vector<finding>& findings() const { return findings_; }

private:
    enum state : std::uint8_t { durable_state = 0, dirty, written_back, queued };
    struct saved_line {
        std::array<unsigned char, line> bytes; // the last durable content
        std::uint64_t store_pc = 0;            // the first store since it was durable
        std::uint64_t clean_pc = 0;
    };
    bool is_durable(state s) const;
    void set_state(std::uint64_t index, state s); // keeps the counts
    void make_durable(std::uint64_t index);
    saved_line& save(std::uint64_t index); // a pooled record for a line becoming non-durable
    saved_line& saved(std::uint64_t index) { return pool_[slot_[index] - 1]; }
    const saved_line& saved(std::uint64_t index) const { return pool_[slot_[index] - 1]; }
    std::vector<std::uint64_t> saved_lines() const; // sorted
    void report_unfinished(std::vector<finding>& out, const sc_core::sc_time& now) const;
    void note_store(std::uint64_t index, std::uint64_t pc);
    void note_change(std::uint64_t index, state from, state to);

    unsigned char* memory_;
    std::uint64_t size_;
    std::function<void(std::uint64_t)> prepare_store_;
    domain_kind kind_;
    // Per-line tables in zeroed pages: a large memory costs only the pages its written lines use.
    util::zeroed_array<std::uint8_t> state_;    // one per line
    util::zeroed_array<std::uint64_t> written_; // one bit per line: ever stored to
    // Non-durable lines' records: a pool indexed per line (0 = none), 4 bytes per 64-byte line,
    // so the first store to a line allocates nothing once the pool has grown.
    util::zeroed_array<std::uint32_t> slot_;
    // Records in fixed chunks: growing the pool copies nothing, and indexing stays two loads.
    class record_pool {
    public:
        saved_line& operator[](std::size_t i) { return chunks_[i >> chunk_shift][i & (chunk - 1)]; }
        const saved_line& operator[](std::size_t i) const { return chunks_[i >> chunk_shift][i & (chunk - 1)]; }
        std::size_t size() const { return size_; }
        void emplace_back() {
            if (size_ % chunk == 0) chunks_.emplace_back(chunk, true); // faulted in at once: cheaper
            ++size_;
        }

    private:
        static constexpr unsigned chunk_shift = 12;
        static constexpr std::size_t chunk = std::size_t(1) << chunk_shift;
        std::vector<util::zeroed_array<saved_line>> chunks_;
        std::size_t size_ = 0;
    };
    record_pool pool_;
    std::vector<std::uint32_t> free_;
    std::vector<std::uint64_t> owner_; // the line each pool record belongs to (~0 = free)
    std::vector<std::uint64_t> written_back_, queued_;    // lines waiting for a fence / a drain
    std::vector<finding> findings_;
    std::uint64_t non_durable_count_ = 0, awaiting_fence_count_ = 0, queued_count_ = 0;
    std::function<sc_core::sc_time()> clock_; // set: history_ is kept
    std::unordered_map<std::uint64_t, line_history> history_;
    std::unordered_set<std::uint64_t> watched_;
};

const char* to_string(persistence_domain::event e); // "clean", "fence", "drain", "flush"

} // namespace pmemvp::pmem
