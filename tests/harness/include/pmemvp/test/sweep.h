// SPDX-License-Identifier: Apache-2.0
// What the pmemvp-sweep tests share: sweep files, running the tool, reading its JSON Lines.
#pragma once
#include "pmemvp/test/process.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <string>
#include <vector>

namespace pmemvp::test {

// An NVDIMM on mem-path, a power failure at 5 ms: pmemvp's arguments for a sweep's "base".
inline nlohmann::json nvdimm_base(const std::string& mem_path) {
    return nlohmann::json::array({"-machine", "virt,nvdimm=on", "-object",
                                  "memory-backend-file,id=m0,share=on,size=16M,mem-path=" + mem_path, "-device",
                                  "nvdimm,id=nv0,memdev=m0", "--power-fail-at", "5ms"});
}

// Writes a sweep (or campaign) file into dir; its path.
inline std::string write_sweep(const std::string& dir, const nlohmann::json& sweep,
                               const std::string& name = "sweep.json") {
    const std::string path = dir + "/" + name;
    std::ofstream(path) << sweep.dump(2);
    return path;
}

// pmemvp-sweep with these arguments.
inline process_result sweep(const std::vector<std::string>& args) {
    std::vector<std::string> argv{sweep_binary()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv);
}

// Each line of a JSON Lines file (results.jsonl, points.jsonl).
inline std::vector<nlohmann::json> json_lines(const std::string& path) {
    std::vector<nlohmann::json> r;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);)
        r.push_back(nlohmann::json::parse(line));
    return r;
}

// A sweep's rows (OUT/results.jsonl).
inline std::vector<nlohmann::json> rows(const std::string& out) { return json_lines(out + "/results.jsonl"); }

} // namespace pmemvp::test
