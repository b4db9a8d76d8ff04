// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <cstdint>
#include <tlm>

namespace pmemvp {

// Put on a DMI request by an initiator that will call a target's `Hook` for its direct
// accesses (a store observer, an access timing); the target fills it in when it has one.
template <typename Hook>
class dmi_hook_extension : public tlm::tlm_extension<dmi_hook_extension<Hook>> {
public:
    tlm::tlm_extension_base* clone() const override { return new dmi_hook_extension(*this); }
    void copy_from(const tlm::tlm_extension_base& other) override {
        *this = static_cast<const dmi_hook_extension&>(other);
    }
    Hook* hook = nullptr;   // filled in by the target
    std::uint64_t base = 0; // the hook's offset of the DMI region's first byte
};

} // namespace pmemvp
