// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <string>

namespace pmemvp::sweep {

// Copies the regular file src to dst (created, never overwritten), sharing its blocks (FICLONE)
// when the file system allows, else a sparse copy of its data ranges (SEEK_DATA/SEEK_HOLE,
// copy_file_range). src is opened read-only. Returns "reflink" or "sparse"; throws
// std::runtime_error naming the file and the reason.
std::string copy_image(const std::string& src, const std::string& dst);

} // namespace pmemvp::sweep
