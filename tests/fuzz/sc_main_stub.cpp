// SPDX-License-Identifier: Apache-2.0
// libsystemc's main() calls sc_main; libFuzzer brings its own main(), so this one is never
// called, but the shared library needs the symbol. The banner stays off.
#include <cstdlib>

extern "C" int sc_main(int, char**) { return 0; }

namespace {
[[maybe_unused]] const int banner_off = setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
}
