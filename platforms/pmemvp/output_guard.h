// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "pmemvp/backend/file_backend.h"

#include <string>
#include <sys/types.h>
#include <vector>

namespace pmemvp::cli {

// The one place that keeps output files (--stats, --trace, --vcd, --dump-acpi, -serial file:)
// off the users' backing files: an output that is a backing file, by the same inode or, for a
// file not yet created, by the same resolved path (symbolic links and '..' followed), is
// refused before anything is opened for writing.
class output_guard {
public:
    explicit output_guard(const std::vector<backend::file_backend_options>& backends);

    // Throws config_error naming `option`, the path and the backend if `path` is a backing file.
    void check(const std::string& option, const std::string& path) const;

private:
    struct backing_file {
        std::string id;
        std::string resolved; // the path with links and '..' resolved
        bool exists = false;
        dev_t dev = 0;
        ino_t ino = 0;
    };
    std::vector<backing_file> files_;
};

} // namespace pmemvp::cli
