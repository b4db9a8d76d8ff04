// SPDX-License-Identifier: Apache-2.0
#include "output_guard.h"

#include "pmemvp/util/config_error.h"

#include <filesystem>
#include <sys/stat.h>

namespace pmemvp::cli {

namespace {

std::string resolved(const std::string& path) {
    std::error_code ec;
    const auto p = std::filesystem::weakly_canonical(std::filesystem::absolute(path, ec), ec);
    return ec ? path : p.string();
}

} // namespace

output_guard::output_guard(const std::vector<backend::file_backend_options>& backends) {
    for (const auto& b : backends) {
        backing_file f;
        f.id = b.id;
        f.resolved = resolved(b.mem_path);
        struct stat st {};
        if (stat(b.mem_path.c_str(), &st) == 0) {
            if (S_ISDIR(st.st_mode)) continue; // an unlinked temporary file: no name to collide with
            f.exists = true;
            f.dev = st.st_dev;
            f.ino = st.st_ino;
        }
        files_.push_back(f);
    }
}

void output_guard::check(const std::string& option, const std::string& path) const {
    struct stat st {};
    const bool exists = stat(path.c_str(), &st) == 0;
    const std::string where = resolved(path);
    for (const auto& f : files_) {
        const bool same = (exists && f.exists && st.st_dev == f.dev && st.st_ino == f.ino) ||
                          where == f.resolved;
        if (same)
            throw config_error(option + " '" + path + "' is the backing file of "
                               "memory-backend-file '" + f.id + "'; writing it would destroy the "
                               "persistent memory's content: choose another file name");
    }
}

} // namespace pmemvp::cli
