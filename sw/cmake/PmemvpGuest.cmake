# The guest SDK's CMake part: the runtime and guest libraries as targets, and
# pmemvp_guest(NAME SOURCES...), which builds NAME.elf, a RISC-V program for pmemvp (and QEMU
# virt) linked with them. One definition for the source tree (sw/CMakeLists.txt) and for users
# (find_package(pmemvp) in a project configured with the toolchain file next to this one;
# docs/sdk.md). The SDK's sources sit next to this file, in the tree (sw/) and installed
# (share/pmemvp/sdk/) alike: runtime/, lib/{nvdimm,pmem,virtio,regs}/.
include_guard(GLOBAL)

get_filename_component(PMEMVP_GUEST_SDK_DIR ${CMAKE_CURRENT_LIST_DIR}/.. ABSOLUTE)

if(NOT CMAKE_C_COMPILER MATCHES "riscv64")
  # A host project: the function is there, and says what it needs when called.
  function(pmemvp_guest name)
    message(FATAL_ERROR "pmemvp_guest(${name}) builds RISC-V programs, and this project's C compiler "
                        "is ${CMAKE_C_COMPILER}: configure it with -DCMAKE_TOOLCHAIN_FILE="
                        "${PMEMVP_GUEST_SDK_DIR}/cmake/riscv64-picolibc.cmake (docs/sdk.md)")
  endfunction()
  return()
endif()

enable_language(ASM) # the runtime's entry and trap vector

set(_sdk ${PMEMVP_GUEST_SDK_DIR})
set(_flags -O2 -g -Wall -Wextra -ffunction-sections -fdata-sections)

# An object library: the console, exit and trap-vector pieces are always linked in.
add_library(pmemvp_rt OBJECT ${_sdk}/runtime/console.c ${_sdk}/runtime/exit.c ${_sdk}/runtime/trap.c
            ${_sdk}/runtime/trap_entry.S ${_sdk}/runtime/entry.S)
target_include_directories(pmemvp_rt PUBLIC ${_sdk}/runtime/include ${_sdk}/lib/regs)
target_compile_options(pmemvp_rt PRIVATE ${_flags})

# The NVDIMM library: the shared formats plus the guest's ACPI, DSM and namespace code.
add_library(pmemvp_nvdimm_guest STATIC ${_sdk}/lib/nvdimm/nfit.c ${_sdk}/lib/nvdimm/labels.c
            ${_sdk}/lib/nvdimm/acpi.c ${_sdk}/lib/nvdimm/libnvdimm.c)
target_include_directories(pmemvp_nvdimm_guest PUBLIC ${_sdk}/lib/nvdimm)
target_link_libraries(pmemvp_nvdimm_guest PUBLIC pmemvp_rt)
target_compile_options(pmemvp_nvdimm_guest PRIVATE ${_flags})

# Persistence primitives (pmem_persist, flush hints, the domain from the NFIT).
add_library(pmemvp_pmem_guest STATIC ${_sdk}/lib/pmem/pmem.c)
target_include_directories(pmemvp_pmem_guest PUBLIC ${_sdk}/lib/pmem)
target_link_libraries(pmemvp_pmem_guest PUBLIC pmemvp_nvdimm_guest)
target_compile_options(pmemvp_pmem_guest PRIVATE ${_flags})

# PCI enumeration, virtio-pci and virtio-pmem.
add_library(pmemvp_virtio_guest STATIC ${_sdk}/lib/virtio/pci.c ${_sdk}/lib/virtio/pcie_hotplug.c ${_sdk}/lib/virtio/virtio.c
            ${_sdk}/lib/virtio/virtio_pmem.c)
target_include_directories(pmemvp_virtio_guest PUBLIC ${_sdk}/lib/virtio)
target_link_libraries(pmemvp_virtio_guest PUBLIC pmemvp_rt)
target_compile_options(pmemvp_virtio_guest PRIVATE ${_flags})

# pmemvp_guest(NAME SOURCES...): NAME.elf with the runtime; the guest libraries are static, so
# a program takes only what it calls of them.
function(pmemvp_guest name)
  if(NOT ARGN)
    message(FATAL_ERROR "pmemvp_guest(${name}): give the program's source files, e.g. pmemvp_guest(${name} main.c)")
  endif()
  add_executable(${name} ${ARGN})
  set_target_properties(${name} PROPERTIES SUFFIX ".elf")
  target_link_libraries(${name} PRIVATE pmemvp_rt pmemvp_pmem_guest pmemvp_virtio_guest)
endfunction()
