// SPDX-License-Identifier: Apache-2.0
// Bad input to the drop-in modules gets clear errors at elaboration, and leaves no file
// behind. Modules are made and discarded here; the last test starts (and breaks) the
// simulation, so it must stay last.
#include "pmemvp/backend/file_memory.h"
#include "pmemvp/nvdimm/nvdimm_root.h"
#include "pmemvp/test/harness.h"
#include "pmemvp/util/config_error.h"
#include "pmemvp/virtio/virtio_pmem_pci.h"

#include <filesystem>
#include <functional>

using namespace pmemvp;

namespace {

std::string error_of(const std::function<void()>& make) {
    try {
        make();
    } catch (const config_error& e) {
        return e.what();
    }
    return "accepted";
}

backend::file_backend_options file(const std::string& path, const std::string& size = "1M") {
    return backend::file_backend_options::parse("id=m,share=on,size=" + size + ",mem-path=" + path);
}

nvdimm::nvdimm_device_options dimm(const std::string& keyvals) {
    nvdimm::nvdimm_device_options o;
    o.dimm = nvdimm::nvdimm_options::parse(keyvals);
    o.timing.reset();
    return o;
}

} // namespace

TEST(drop_in_elaboration, an_nvdimm_whose_labels_do_not_fit_is_refused_and_its_new_file_removed) {
    const std::string dir = test::make_temp_dir();
    const std::string e = error_of([&] {
        nvdimm::nvdimm_device d("nv", dimm("id=nv,memdev=m,label-size=1M"), file(dir + "/nv.img"));
    });
    EXPECT_NE(e.find("too small to contain nvdimm label"), std::string::npos) << e;
    EXPECT_FALSE(std::filesystem::exists(dir + "/nv.img")) << "the file it created is gone";
}

TEST(drop_in_elaboration, options_set_field_by_field_are_checked_as_parsed_ones) {
    const std::string dir = test::make_temp_dir();
    nvdimm::nvdimm_device_options o = dimm("id=nv,memdev=m");
    o.dimm.flush_hints = 17;
    std::string e = error_of([&] { nvdimm::nvdimm_device d("a", o, file(dir + "/a.img")); });
    EXPECT_NE(e.find("'flush-hints' value '17' is too large"), std::string::npos) << e;
    o = dimm("id=nv,memdev=m");
    o.dimm.slot = 16;
    e = error_of([&] { nvdimm::nvdimm_device d("b", o, file(dir + "/b.img")); });
    EXPECT_NE(e.find("invalid slot# 16"), std::string::npos) << e;
    o = dimm("id=nv,memdev=m");
    o.dimm.label_size = 4096;
    e = error_of([&] { nvdimm::nvdimm_device d("c", o, file(dir + "/c.img")); });
    EXPECT_NE(e.find("'label-size' value '0x1000' is too small"), std::string::npos) << e;
}

TEST(drop_in_elaboration, a_file_memory_without_a_size_names_the_option) {
    const std::string dir = test::make_temp_dir();
    backend::file_memory_options o;
    o.file.id = "m";
    o.file.mem_path = dir + "/f.img";
    const std::string e = error_of([&] { backend::file_memory m("m", o); });
    EXPECT_NE(e.find("size"), std::string::npos) << e;
}

TEST(drop_in_elaboration, an_nvdimm_root_refuses_dimms_that_cannot_go_together) {
    const std::string dir = test::make_temp_dir();
    nvdimm::nvdimm_device a("a", dimm("id=a,memdev=m,slot=1"), file(dir + "/a.img"));
    nvdimm::nvdimm_device b("b", dimm("id=b,memdev=m,slot=1"), file(dir + "/b.img"));
    nvdimm::nvdimm_device c("c", dimm("id=c,memdev=m,slot=2"), file(dir + "/c.img"));
    nvdimm::nvdimm_root_options o;
    std::string e = error_of([&] { nvdimm::nvdimm_root r("r1", o, {&a, &b}); });
    EXPECT_NE(e.find("both in slot 1"), std::string::npos) << e;
    o.interleave_sets = {nvdimm::interleave_options::parse("id=s,dimms=a:x")};
    e = error_of([&] { nvdimm::nvdimm_root r("r2", o, {&a, &c}); });
    EXPECT_NE(e.find("no -device nvdimm with id 'x'"), std::string::npos) << e;
    o.interleave_sets = {nvdimm::interleave_options::parse("id=s,dimms=a:c"),
                         nvdimm::interleave_options::parse("id=t,dimms=c:a")};
    e = error_of([&] { nvdimm::nvdimm_root r("r3", o, {&a, &c}); });
    EXPECT_NE(e.find("already in an interleave set"), std::string::npos) << e;
    o.interleave_sets.clear();
    o.align = 3;
    e = error_of([&] { nvdimm::nvdimm_root r("r4", o, {&a, &c}); });
    EXPECT_NE(e.find("power of two"), std::string::npos) << e;
}

TEST(drop_in_elaboration, a_virtio_pmem_pci_without_memaddr_says_where_it_is_needed) {
    const std::string dir = test::make_temp_dir();
    const std::string e = error_of([&] {
        virtio::virtio_pmem_pci v("vp", virtio::virtio_pmem_options::parse("id=vp,memdev=m"), file(dir + "/v.img"));
    });
    EXPECT_NE(e.find("memaddr is not set"), std::string::npos) << e;
    EXPECT_FALSE(std::filesystem::exists(dir + "/v.img"));
}

// Last: it starts the simulation.
TEST(drop_in_elaboration, a_virtio_pmem_pci_no_host_can_reach_is_an_elaboration_error) {
    const std::string dir = test::make_temp_dir();
    auto o = virtio::virtio_pmem_options::parse("id=vp,memdev=m");
    o.memaddr = 0x100000000ull;
    virtio::virtio_pmem_pci v("lonely", o, file(dir + "/v.img"));
    test::expect_report error(sc_core::SC_ERROR, "no driver can find this device");
    EXPECT_THROW(sc_core::sc_start(sc_core::SC_ZERO_TIME), sc_core::sc_report);
    EXPECT_EQ(error.count(), 1u);
}
