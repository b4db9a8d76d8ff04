// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <stdexcept>
#include <string>

namespace pmemvp {

// A user-facing configuration problem. The message names the option, the value and the fix;
// the executable prints it and exits non-zero instead of crashing.
class config_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

} // namespace pmemvp
