// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/nvdimm/nvdimm.h"

#include "pmemvp/util/config_error.h"
#include "pmemvp/util/keyval.h"

#include "nvdimm_regs.h"

namespace pmemvp::nvdimm {

using util::hex;

namespace {

std::vector<std::string> split(const std::string& text, char sep) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (;;) {
        const auto at = text.find(sep, start);
        parts.push_back(text.substr(start, at - start));
        if (at == std::string::npos) return parts;
        start = at + 1;
    }
}

} // namespace

nvdimm_options nvdimm_options::parse(const std::string& keyvals) {
    util::keyval_list list("-device nvdimm", keyvals);
    nvdimm_options o;
    o.id = list.take_string("id").value_or("");
    o.memdev = list.take_string("memdev").value_or("");
    o.label_size = list.take_size("label-size").value_or(0);
    o.unarmed = list.take_bool("unarmed").value_or(false);
    if (auto slot = list.take_string("slot")) {
        try {
            o.slot = std::stoi(*slot);
        } catch (const std::exception&) {
            throw config_error("-device nvdimm: option 'slot' value '" + *slot +
                               "' is not a number; give 0.." + std::to_string(max_slots - 1));
        }
    }
    o.uuid = list.take_string("uuid").value_or("");
    if (auto node = list.take_size("node")) o.node = static_cast<std::uint32_t>(*node);
    if (auto hints = list.take_size("flush-hints")) {
        if (*hints > 16)
            throw config_error("-device nvdimm: option 'flush-hints' value '" +
                               std::to_string(*hints) + "' is too large; give 0 to 16");
        o.flush_hints = static_cast<unsigned>(*hints);
    }
    if (auto bad = list.take_string("badrange")) {
        for (const auto& item : split(*bad, ':')) {
            const auto plus = item.find('+');
            auto off = util::parse_size(item.substr(0, plus));
            auto len = plus == std::string::npos ? std::nullopt : util::parse_size(item.substr(plus + 1));
            if (!off || !len || *len == 0)
                throw config_error("-device nvdimm: option 'badrange' item '" + item +
                                   "' is not OFFSET+LENGTH; write e.g. badrange=0x1000+512:64K+4K");
            o.badranges.emplace_back(*off, *len);
        }
    }
    list.finish({"id", "memdev", "label-size", "unarmed", "slot", "uuid", "node", "flush-hints",
                 "badrange"});
    if (o.memdev.empty())
        throw config_error("-device nvdimm: 'memdev' property must be set; give "
                           "memdev=ID of a -object memory-backend-file");
    if (o.label_size && o.label_size < min_label_size)
        throw config_error("-device nvdimm: option 'label-size' value '" + hex(o.label_size) +
                           "' is too small: it is required at least " + hex(min_label_size) +
                           " (or 0 for no labels)");
    // The DSM label-size reply and the label format count in 32 bits.
    if (o.label_size > 0xffffffffull - 0xfff)
        throw config_error("-device nvdimm: option 'label-size' value '" + hex(o.label_size) +
                           "' is too large: the label area is at most 4G - 4K");
    if (o.slot < -1 || o.slot >= static_cast<int>(max_slots))
        throw config_error("-device nvdimm: invalid slot# " + std::to_string(o.slot) +
                           ", should be less than " + std::to_string(max_slots));
    return o;
}

nvdimm::nvdimm(const nvdimm_options& options, backend::file_backend& memdev, unsigned slot)
    : options_(options), memdev_(memdev), slot_(slot), pmem_size_(0) {
    const std::string what = "-device nvdimm '" + options_.id + "'";
    // What parse() checks, again for options set field by field (nvdimm_device_options).
    if (slot >= max_slots)
        throw config_error(what + ": invalid slot# " + std::to_string(slot) + ", should be less than " +
                           std::to_string(max_slots));
    if (options_.flush_hints > NVDIMM_MAX_FLUSH_HINTS)
        throw config_error(what + ": option 'flush-hints' value '" + std::to_string(options_.flush_hints) +
                           "' is too large; give 0 to " + std::to_string(NVDIMM_MAX_FLUSH_HINTS));
    if (options_.label_size && options_.label_size < min_label_size)
        throw config_error(what + ": option 'label-size' value '" + hex(options_.label_size) +
                           "' is too small: it is required at least " + hex(min_label_size) + " (or 0 for no labels)");
    const std::uint64_t align = std::max<std::uint64_t>(memdev.options().align, 4096);
    const std::uint64_t size = memdev.size();
    if (size > options_.label_size)
        pmem_size_ = (size - options_.label_size) & ~(align - 1);
    if (pmem_size_ == 0)
        throw config_error(what + ": the size of memdev " + memdev.id() + " (" + hex(size) +
                           ") is too small to contain nvdimm label (" + hex(options_.label_size) +
                           ") and aligned PMEM (" + hex(align) + ")");
    if (readonly() && !options_.unarmed)
        throw config_error(what + ": 'unarmed' property must be 'on' since memdev " +
                           memdev.id() + " is read-only");
    for (const auto& [off, len] : options_.badranges)
        if (off >= pmem_size_ || len > pmem_size_ - off)
            throw config_error(what + ": option 'badrange' " + hex(off) + "+" + hex(len) +
                               " lies outside the DIMM's " + hex(pmem_size_) + " bytes of pmem");
}

interleave_options interleave_options::parse(const std::string& keyvals) {
    util::keyval_list list("-object nvdimm-interleave", keyvals);
    interleave_options o;
    o.id = list.take_string("id").value_or("");
    if (auto dimms = list.take_string("dimms")) o.dimms = split(*dimms, ':');
    o.granularity = list.take_size("granularity").value_or(4096);
    list.finish({"id", "dimms", "granularity"});
    if (o.dimms.size() < 2)
        throw config_error("-object nvdimm-interleave '" + o.id + "': option 'dimms' needs two "
                           "or more nvdimm ids separated by ':', e.g. dimms=nv0:nv1");
    const auto g = o.granularity;
    if (g < 256 || (g & (g - 1)) || g > (1ull << 30))
        throw config_error("-object nvdimm-interleave '" + o.id + "': option 'granularity' "
                           "value '" + hex(g) + "' must be a power of two from 256 to 1G");
    return o;
}

} // namespace pmemvp::nvdimm
