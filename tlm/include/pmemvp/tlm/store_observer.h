// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/tlm/dmi_hook_extension.h"
#include "pmemvp/tlm/persistence_extension.h"

#include <cstdint>
#include <tlm>
#include <vector>

namespace pmemvp {

// Something that must see every write to a memory, including writes through DMI: a dirty log,
// a persistence domain. Offsets are relative to the memory target's start. A memory target
// tells its observer of b_transport writes and cache-block operations; initiators that write
// through DMI learn of the observer from a store_observer_extension on their DMI request and
// must call before_store() before each store. Initiators call fence() for their fences on every
// observer they learned of, on DMI requests or on cache-block operations (the target names its
// observer there too, so that fences reach it without DMI).
class store_observer {
public:
    virtual void before_store(std::uint64_t offset, std::uint64_t length, std::uint64_t pc) = 0;
    virtual void cache_op(std::uint64_t offset, persist_op op, std::uint64_t pc) {}
    virtual void fence(std::uint64_t pc) {}

protected:
    ~store_observer() = default;
};

// Several observers of one memory, told in order.
class store_observer_fanout : public store_observer {
public:
    void add(store_observer& o) { list_.push_back(&o); }
    void before_store(std::uint64_t offset, std::uint64_t length, std::uint64_t pc) override {
        for (auto* o : list_) o->before_store(offset, length, pc);
    }
    void cache_op(std::uint64_t offset, persist_op op, std::uint64_t pc) override {
        for (auto* o : list_) o->cache_op(offset, op, pc);
    }
    void fence(std::uint64_t pc) override {
        for (auto* o : list_) o->fence(pc);
    }

private:
    std::vector<store_observer*> list_;
};

using store_observer_extension = dmi_hook_extension<store_observer>;

} // namespace pmemvp
