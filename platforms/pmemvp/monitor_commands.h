// SPDX-License-Identifier: Apache-2.0
// The virt platform's monitor commands (QMP and HMP), on top of the protocol-neutral monitor.
#pragma once
#include "pmemvp/monitor/monitor.h"
#include "pmemvp/monitor/script.h"
#include "pmemvp/platform/pmem_commands.h"
#include "pmemvp/platform/virt.h"

#include <memory>
#include <string>

namespace pmemvp::cli {

// Registers query-name, query-memory-devices, system_reset and pmemvp's x-pmemvp-power-fail,
// x-pmemvp-query-pmem and x-pmemvp-persist-check (and their HMP forms, info memory-devices,
// info mtree), and sends RESET and POWER_FAILURE events.
void add_platform_commands(monitor::monitor& m, platform::virt_platform& top, platform::pmem_commands& pmem,
                           const std::string& name);

// Registers object-add/object_add, object-del/object_del, device_add, device_del, query-pci and
// info pci, and sends DEVICE_DELETED (hotplug_commands.cpp).
void add_hotplug_commands(monitor::monitor& m, platform::virt_platform& top);

// --monitor-script FILE: read and checked before the run; throws config_error naming the file,
// the line and the fix.
std::unique_ptr<monitor::script_runner> load_monitor_script(const std::string& path, monitor::monitor& m);

} // namespace pmemvp::cli
