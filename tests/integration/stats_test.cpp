// SPDX-License-Identifier: Apache-2.0
// --stats as a machine reads it: real output of several runs validated against the JSON Schema
// in docs/schema (by Debian's python3-jsonschema), devices keyed by the user's ids, and the
// --stats-interval time series.
#include "pmemvp/test/harness.h"
#include "pmemvp/test/process.h"

#include <fstream>
#include <regex>
#include <sstream>

using namespace pmemvp::test;

namespace {

// Validates JSON files against the schema; the validator's output (empty when all are valid).
std::string schema_errors(const std::vector<std::string>& files) {
    const std::string dir = make_temp_dir();
    std::ofstream(dir + "/validate.py")
        << "import json, sys, jsonschema\n"
           "schema = json.load(open(sys.argv[1]))\n"
           "jsonschema.Draft202012Validator.check_schema(schema)\n"
           "v = jsonschema.Draft202012Validator(schema)\n"
           "bad = 0\n"
           "for path in sys.argv[2:]:\n"
           "    for e in v.iter_errors(json.load(open(path))):\n"
           "        print(path, list(e.absolute_path), e.message); bad += 1\n"
           "sys.exit(1 if bad else 0)\n";
    std::vector<std::string> argv{"/usr/bin/python3", dir + "/validate.py", source_path("docs/schema/stats.schema.json")};
    argv.insert(argv.end(), files.begin(), files.end());
    const auto r = run_process(argv);
    return r.status == 0 ? "" : r.out + r.err + " (status " + std::to_string(r.status) + ")";
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

} // namespace

TEST(stats, real_output_matches_the_json_schema) {
    const std::string d = make_temp_dir();
    const std::vector<std::vector<std::string>> runs{
        {"-kernel", guest("hello"), "--stats", d + "/hello.json"},
        {"-machine", "virt,nvdimm=on", "-object", "memory-backend-file,id=m0,share=on,size=16M,mem-path=" + d + "/a.img",
         "-device", "nvdimm,id=nv0,memdev=m0", "-kernel", guest("persist-bug"), "--power-fail-at", "5ms",
         "--stats", d + "/persist.json"},
        {"-machine", "virt,nvdimm=on", "--pmem-timing", "none", "-object",
         "memory-backend-file,id=m0,share=on,size=16M,mem-path=" + d + "/b.img", "-device", "nvdimm,id=nv0,memdev=m0",
         "-object", "memory-backend-file,id=m1,share=on,size=16M,mem-path=" + d + "/c.img", "-device",
         "virtio-pmem-pci,id=vp0,memdev=m1", "-kernel", guest("virtio-pmem-demo"), "--stats", d + "/virtio.json"},
        {"-kernel", guest("spin"), "--max-time", "2ms", "--stats", d + "/max.json"},
    };
    std::vector<std::string> files;
    for (const auto& args : runs) {
        std::vector<std::string> argv{pmemvp_binary()};
        argv.insert(argv.end(), args.begin(), args.end());
        run_process(argv);
        files.push_back(args.back());
        ASSERT_FALSE(read_file(args.back()).empty()) << args.back();
    }
    EXPECT_EQ(schema_errors(files), "");
    // Keyed by the user's ids.
    const std::string virtio = read_file(d + "/virtio.json");
    for (const char* key : {"\"nv0\": {", "\"vp0\": {", "\"m0\": {", "\"m1\": {", "\"schema\": \"pmemvp-stats/1\""})
        EXPECT_NE(virtio.find(key), std::string::npos) << key << " in\n" << virtio;
    // The schema can fail: a file without "schema" and with an unknown outcome does not pass.
    std::string broken = std::regex_replace(read_file(d + "/hello.json"), std::regex(R"("schema": "[^"]*",)"), "");
    broken = std::regex_replace(broken, std::regex(R"("outcome": "finished")"), R"("outcome": "fine")");
    std::ofstream(d + "/broken.json") << broken;
    const std::string errors = schema_errors({d + "/broken.json"});
    EXPECT_NE(errors.find("'schema' is a required property"), std::string::npos) << errors;
    EXPECT_NE(errors.find("'fine' is not one of"), std::string::npos) << errors;
}

TEST(stats, the_interval_series_samples_each_period_and_the_end) {
    const std::string d = make_temp_dir();
    const auto r = run_process({pmemvp_binary(), "-machine", "virt,nvdimm=on", "-object",
                                "memory-backend-file,id=m0,share=on,size=16M,mem-path=" + d + "/a.img", "-device",
                                "nvdimm,id=nv0,memdev=m0", "-kernel", guest("persist-bug"), "--power-fail-at", "5ms",
                                "--stats", d + "/s.json", "--stats-interval", "1ms"});
    ASSERT_EQ(r.status, 0) << r.err;
    const auto lines = lines_of(read_file(d + "/s.jsonl"));
    ASSERT_EQ(lines.size(), 6u) << read_file(d + "/s.jsonl"); // 1..5 ms, then the end
    for (int i = 0; i < 5; ++i)
        EXPECT_EQ(lines[i].rfind("{\"time_ns\":" + std::to_string(i + 1) + "000000.0,", 0), 0u) << lines[i];
    EXPECT_NE(lines[0].find(R"("nv0":{"non_durable_lines":2,"awaiting_fence_lines":1)"), std::string::npos) << lines[0];
    EXPECT_NE(lines[5].find(R"("end":true)"), std::string::npos) << lines[5];
    EXPECT_NE(lines[5].find(R"("power_failures":1)"), std::string::npos) << lines[5];
    // The series changes nothing simulated.
    const auto plain = run_process({pmemvp_binary(), "-machine", "virt,nvdimm=on", "-object",
                                    "memory-backend-file,id=m0,share=on,size=16M,mem-path=" + d + "/b.img", "-device",
                                    "nvdimm,id=nv0,memdev=m0", "-kernel", guest("persist-bug"), "--power-fail-at",
                                    "5ms", "--stats", d + "/plain.json"});
    auto simulated = [](std::string text) {
        return std::regex_replace(text, std::regex(R"re(\n\s*"(wall_time_s|mips|path)": [^\n]*)re"), "");
    };
    EXPECT_EQ(simulated(read_file(d + "/s.json")), simulated(read_file(d + "/plain.json")));
    EXPECT_EQ(r.out, plain.out);
}

TEST(stats, interval_options_are_checked) {
    const auto none = run_process({pmemvp_binary(), "-kernel", guest("hello"), "--stats-interval", "1ms"});
    EXPECT_EQ(none.status, 2);
    EXPECT_NE(none.err.find("give --stats FILE or --stats-interval-file FILE"), std::string::npos) << none.err;
    const auto odd = run_process({pmemvp_binary(), "-kernel", guest("hello"), "--stats-interval", "1.5ms",
                                  "--stats-interval-file", make_temp_dir() + "/s.jsonl"});
    EXPECT_EQ(odd.status, 2);
    EXPECT_NE(odd.err.find("whole number of milliseconds"), std::string::npos) << odd.err;
    const auto progress = run_process({pmemvp_binary(), "-kernel", guest("hello"), "--progress", "sometimes"});
    EXPECT_NE(progress.err.find("--progress 'sometimes': accepted: on, off"), std::string::npos) << progress.err;
}
