// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/backend/file_backend.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace pmemvp::nvdimm {

// QEMU's -device nvdimm properties, plus pmemvp's flush-hints and badrange.
struct nvdimm_options {
    std::string id;
    std::string memdev;            // id of a memory-backend-file
    std::uint64_t label_size = 0;  // 0, or >= 128 KiB: the last label_size bytes of the backend
    bool unarmed = false;
    int slot = -1;                 // -1: the first free slot
    std::string uuid;
    std::uint32_t node = 0;
    unsigned flush_hints = 1;      // Flush Hint Address registers in the control page (0..16)
    // Injected media errors, as [offset, offset + length) in the DIMM's guest-visible pmem.
    std::vector<std::pair<std::uint64_t, std::uint64_t>> badranges;

    // Parses the part after "nvdimm,". Throws config_error naming the option.
    static nvdimm_options parse(const std::string& keyvals);
};

constexpr unsigned max_slots = 16;
constexpr std::uint64_t min_label_size = 128 * 1024; // Linux's and QEMU's minimum

// One NVDIMM: a host-file backend seen as persistent memory followed by a label area.
// Identifiers follow QEMU: handle = slot + 1, SPA index = handle * 2, DCR index = SPA index + 1,
// serial = 0x123456 + slot.
class nvdimm {
public:
    // Throws config_error with QEMU's wording when the backend cannot hold the labels.
    nvdimm(const nvdimm_options& options, backend::file_backend& memdev, unsigned slot);

    const nvdimm_options& options() const { return options_; }
    const std::string& id() const { return options_.id; }
    unsigned slot() const { return slot_; }
    std::uint32_t handle() const { return slot_ + 1; }
    std::uint16_t spa_index() const { return static_cast<std::uint16_t>(handle() * 2); }
    std::uint16_t dcr_index() const { return static_cast<std::uint16_t>(handle() * 2 + 1); }
    std::uint32_t serial() const { return 0x123456 + slot_; }
    bool unarmed() const { return options_.unarmed; }
    bool readonly() const { return !memdev_.writable(); }
    backend::file_backend& memdev() const { return memdev_; }

    // The guest-visible persistent memory: the start of the backend.
    unsigned char* pmem() const { return memdev_.data(); }
    std::uint64_t pmem_size() const { return pmem_size_; }
    // The label area: the end of the backend (nullptr when label_size is 0).
    unsigned char* labels() const { return options_.label_size ? memdev_.data() + memdev_.size() - options_.label_size : nullptr; }
    std::uint64_t label_size() const { return options_.label_size; }

private:
    nvdimm_options options_;
    backend::file_backend& memdev_;
    unsigned slot_;
    std::uint64_t pmem_size_;
};

// -object nvdimm-interleave,id=ID,dimms=A:B[:C...],granularity=4K: one SPA range striped
// across the DIMMs in that order.
struct interleave_options {
    std::string id;
    std::vector<std::string> dimms;
    std::uint64_t granularity = 4096;
    static interleave_options parse(const std::string& keyvals);
};

} // namespace pmemvp::nvdimm
