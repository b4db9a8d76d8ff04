// SPDX-License-Identifier: Apache-2.0
// The one source of libpmemvp.so (PMEMVP_SHARED; the rest comes whole from the static
// libraries): which version a program loaded, whatever it was compiled against.
#include "pmemvp/version.h"

extern "C" const char* pmemvp_library_version() { return PMEMVP_VERSION; }
