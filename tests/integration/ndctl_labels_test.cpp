// SPDX-License-Identifier: Apache-2.0
// `pmemvp-inspect labels --json` against Debian's ndctl: the same label areas read by
// `ndctl read-labels -j` and by pmemvp-inspect, both outputs parsed and compared key by key.
// ndctl 76 has no option to read a label area from a file (`write-labels` has --input,
// `read-labels` only --output), so the test runs the unmodified ndctl with
// ndctl_file_shim.so preloaded: a small fake sysfs names the DIMMs and the shim answers
// libndctl's label ioctls from the files (see the shim for how).
#include "labels.h"
#include "pmemvp/test/harness.h"
#include "pmemvp/test/process.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <sys/sysmacros.h>

using namespace pmemvp::test;
using json = nlohmann::ordered_json;
namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t label_area = 128 * 1024;

bool have_ndctl() { return run_process({"ndctl", "--version"}).status == 0; }

void write_text(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text << "\n";
}

std::vector<char> tail(const std::string& file, std::uint64_t size) {
    std::ifstream in(file, std::ios::binary | std::ios::ate);
    const auto end = static_cast<std::uint64_t>(in.tellg());
    std::vector<char> data(size);
    in.seekg(static_cast<std::streamoff>(end - size));
    in.read(data.data(), static_cast<std::streamsize>(size));
    return data;
}

// `ndctl read-labels -j nmem0 ...` on the label areas at the end of `images`: a fake sysfs
// with one bus and a DIMM per image (its device number that of /dev/null, which the shim
// opens for /dev/nmemN), and each label area in ROOT/nmemN.labels for the shim's ioctls.
process_result ndctl_read_labels(const std::vector<std::string>& images) {
    const fs::path root = make_temp_dir();
    const fs::path bus = root / "sys/devices/ndbus0";
    write_text(bus / "ndctl0/dev", "250:0");
    fs::create_directory_symlink("..", bus / "ndctl0/device");
    write_text(bus / "commands", "");
    write_text(bus / "provider", "pmemvp");
    write_text(bus / "wait_probe", "0");
    fs::create_directories(root / "sys/class/nd");
    fs::create_directories(root / "sys/dev/char");
    fs::create_directory_symlink(bus / "ndctl0", root / "sys/class/nd/ndctl0");
    fs::create_directory_symlink(bus / "ndctl0", root / "sys/dev/char/250:0");
    struct stat null_dev {};
    EXPECT_EQ(stat("/dev/null", &null_dev), 0);
    std::vector<std::string> argv{"env", "PMEMVP_NDCTL_ROOT=" + root.string(), "LD_PRELOAD=" PMEMVP_NDCTL_SHIM,
                                  "ndctl", "read-labels", "-j"};
    for (std::size_t i = 0; i < images.size(); ++i) {
        const std::string n = "nmem" + std::to_string(i);
        write_text(bus / n / "dev", std::to_string(major(null_dev.st_rdev)) + ":" + std::to_string(minor(null_dev.st_rdev)));
        // libndctl takes a command only when a space follows it, as the kernel writes them.
        write_text(bus / n / "commands", "get_size get_data set_data ");
        write_text(bus / n / "modalias", "nd:t0");
        const auto data = tail(images[i], label_area);
        std::ofstream(root / (n + ".labels"), std::ios::binary).write(data.data(), static_cast<std::streamsize>(data.size()));
        argv.push_back(n);
    }
    return run_process(argv);
}

process_result inspect_json(const std::vector<std::string>& images) {
    std::vector<std::string> argv{inspect_binary(), "labels"};
    argv.insert(argv.end(), images.begin(), images.end());
    argv.insert(argv.end(), {"--label-size", "128K", "--json"});
    return run_process(argv);
}

// Same keys in the same order, same values, all the way down; `where` names the place.
void expect_same(const json& ndctl, const json& ours, const std::string& where) {
    ASSERT_EQ(ndctl.type_name(), ours.type_name()) << where;
    if (ndctl.is_object()) {
        std::vector<std::string> keys_ndctl, keys_ours;
        for (const auto& [k, v] : ndctl.items()) keys_ndctl.push_back(k);
        for (const auto& [k, v] : ours.items()) keys_ours.push_back(k);
        ASSERT_EQ(keys_ndctl, keys_ours) << where;
        for (const auto& k : keys_ndctl) expect_same(ndctl[k], ours[k], where + "." + k);
    } else if (ndctl.is_array()) {
        ASSERT_EQ(ndctl.size(), ours.size()) << where << "\nndctl: " << ndctl.dump() << "\nours:  " << ours.dump();
        for (std::size_t i = 0; i < ndctl.size(); ++i) expect_same(ndctl[i], ours[i], where + "[" + std::to_string(i) + "]");
    } else {
        EXPECT_EQ(ndctl, ours) << where;
    }
}

void expect_inspect_matches_ndctl(const std::vector<std::string>& images) {
    const auto ndctl = ndctl_read_labels(images);
    ASSERT_EQ(ndctl.status, 0) << ndctl.out << ndctl.err;
    const auto ours = inspect_json(images);
    ASSERT_EQ(ours.status, 0) << ours.err;
    const json a = json::parse(ndctl.out), b = json::parse(ours.out);
    ASSERT_EQ(a.size(), images.size()) << ndctl.out;
    expect_same(a, b, "");
    EXPECT_EQ(ndctl.out, ours.out) << "the same text too (json-c's pretty printing)";
}

struct dimm_files {
    std::string dir = make_temp_dir();
    std::string file(int i) const { return dir + "/dimm" + std::to_string(i) + ".img"; }
    std::vector<std::string> files(int count) const {
        std::vector<std::string> f;
        for (int i = 0; i < count; ++i) f.push_back(file(i));
        return f;
    }
};

} // namespace

// The field names ndctl 76 prints (ndctl/dimm.c), checked without ndctl installed.
TEST(ndctl_labels, inspect_json_has_ndctl_field_names) {
    const dimm_files f;
    write_file(f.file(0), 1 << 20, 0);
    std::fstream img(f.file(0), std::ios::in | std::ios::out | std::ios::binary);
    std::vector<std::uint8_t> area(label_area);
    nslabel_area a;
    ASSERT_EQ(nslabel_init(area.data(), label_area, 256, &a), 0);
    ns_label l{};
    l.uuid[0] = 0xab;
    std::strcpy(l.name, "ns");
    l.nlabel = 1;
    l.rawsize = 1 << 20;
    ASSERT_EQ(nslabel_add(&a, &l), 0);
    img.seekp((1 << 20) - static_cast<std::streamoff>(label_area));
    img.write(reinterpret_cast<const char*>(area.data()), static_cast<std::streamsize>(area.size()));
    img.close();

    const auto r = inspect_json({f.file(0)});
    ASSERT_EQ(r.status, 0) << r.err;
    const json j = json::parse(r.out);
    ASSERT_TRUE(j.is_array() && j.size() == 1) << r.out;
    std::vector<std::string> keys;
    for (const auto& [k, v] : j[0].items()) keys.push_back(k);
    EXPECT_EQ(keys, (std::vector<std::string>{"dev", "index", "label"}));
    EXPECT_EQ(j[0]["dev"], "nmem0");
    ASSERT_EQ(j[0]["index"].size(), 2u);
    keys.clear();
    for (const auto& [k, v] : j[0]["index"][0].items()) keys.push_back(k);
    EXPECT_EQ(keys, (std::vector<std::string>{"signature", "major", "minor", "labelsize", "seq", "nslot"}));
    EXPECT_EQ(j[0]["index"][0]["signature"], "NAMESPACE_INDEX");
    EXPECT_EQ(j[0]["index"][0]["labelsize"], 256);
    ASSERT_EQ(j[0]["label"].size(), 1u) << r.out;
    keys.clear();
    for (const auto& [k, v] : j[0]["label"][0].items()) keys.push_back(k);
    EXPECT_EQ(keys, (std::vector<std::string>{"uuid", "name", "slot", "position", "nlabel", "flags", "isetcookie",
                                              "lbasize", "dpa", "rawsize", "type_guid", "abstraction_guid"}));
    EXPECT_EQ(j[0]["label"][0]["name"], "ns");
    EXPECT_EQ(j[0]["label"][0]["rawsize"], 1 << 20);
}

// A namespace the guest creates on a two-DIMM interleave set (v1.2 labels through DSM calls),
// then the same label areas after the guest deletes it (freed slots, which ndctl still prints).
TEST(ndctl_labels, inspect_json_equals_ndctl_read_labels_for_guest_namespaces) {
    if (!have_ndctl()) GTEST_SKIP() << "ndctl is not installed (scripts/setup installs it): NOT compared";
    const dimm_files f;
    std::vector<std::string> args{pmemvp_binary(), "-machine", "virt,nvdimm=on"};
    for (int i = 0; i < 2; ++i) {
        const std::string n = std::to_string(i);
        args.insert(args.end(), {"-object", "memory-backend-file,id=m" + n + ",share=on,size=32M,mem-path=" + f.file(i),
                                 "-device", "nvdimm,id=nv" + n + ",memdev=m" + n + ",label-size=128K"});
    }
    args.insert(args.end(), {"-object", "nvdimm-interleave,id=set0,dimms=nv0:nv1", "-kernel"});
    auto run = args;
    run.push_back(guest("nvdimm-demo"));
    const auto created = run_process(run);
    ASSERT_EQ(created.status, 0) << created.out << created.err;
    ASSERT_NE(created.out.find("created 1 namespace(s)"), std::string::npos) << created.out;
    {
        SCOPED_TRACE("after nvdimm-demo");
        expect_inspect_matches_ndctl(f.files(2));
    }
    const auto ours = json::parse(inspect_json(f.files(2)).out);
    EXPECT_EQ(ours[1]["label"][0]["position"], 1);
    EXPECT_EQ(ours[1]["label"][0]["nlabel"], 2);

    run.back() = guest("nvdimm-delete");
    const auto deleted = run_process(run);
    ASSERT_NE(deleted.out.find("deleted 1 namespace(s)"), std::string::npos) << deleted.out;
    SCOPED_TRACE("after nvdimm-delete");
    expect_inspect_matches_ndctl(f.files(2));
}

// v1.1 (128-byte) labels, which the guest never writes: made here with the host build of the
// label library, several namespaces with names, cookies and DPAs.
TEST(ndctl_labels, inspect_json_equals_ndctl_read_labels_for_v1_1_labels) {
    if (!have_ndctl()) GTEST_SKIP() << "ndctl is not installed (scripts/setup installs it): NOT compared";
    const dimm_files f;
    std::vector<std::uint8_t> area(label_area);
    nslabel_area a;
    ASSERT_EQ(nslabel_init(area.data(), label_area, 128, &a), 0);
    for (int i = 0; i < 3; ++i) {
        ns_label l{};
        for (int b = 0; b < 16; ++b) l.uuid[b] = static_cast<std::uint8_t>(0x10 * i + b);
        std::snprintf(l.name, sizeof l.name, "v11-namespace-%d", i);
        l.nlabel = 1;
        l.isetcookie = 0xfedcba9876543210ull + i; // above 2^63: ndctl prints it unsigned
        l.lbasize = 512;
        l.dpa = 0x100000ull * i;
        l.rawsize = 0x100000;
        l.flags = i == 2 ? NSLABEL_FLAG_LOCAL : 0;
        ASSERT_EQ(nslabel_add(&a, &l), i);
    }
    write_file(f.file(0), 4 << 20, 0);
    std::fstream img(f.file(0), std::ios::in | std::ios::out | std::ios::binary);
    img.seekp((4 << 20) - static_cast<std::streamoff>(label_area));
    img.write(reinterpret_cast<const char*>(area.data()), static_cast<std::streamsize>(area.size()));
    img.close();
    expect_inspect_matches_ndctl({f.file(0)});
}
