// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/tlm/persistence_extension.h"

namespace pmemvp {

const char* to_string(persist_op op) {
    switch (op) {
    case persist_op::store: return "store";
    case persist_op::nt_store: return "nt_store";
    case persist_op::clean: return "clean";
    case persist_op::flush: return "flush";
    case persist_op::inval: return "inval";
    case persist_op::fence: return "fence";
    }
    return "?";
}

} // namespace pmemvp
