// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <cstdint>
#include <tlm>

namespace pmemvp {

// Put on a DMI request by an initiator that will call a target's `Hook` for its direct
// accesses (a store observer, an access timing); the target fills it in when it has one. Put on
// a cache-block operation too: the initiator's fences must reach the hooks the line went to,
// with DMI or without.
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

// A target names its hook to an initiator that asks (by the extension on `gp`).
template <typename Hook>
void name_hook(tlm::tlm_generic_payload& gp, Hook* hook) {
    if (auto* ext = gp.template get_extension<dmi_hook_extension<Hook>>()) ext->hook = hook;
}

} // namespace pmemvp
