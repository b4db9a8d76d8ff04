# CPack: `cpack -G DEB` in the build directory makes pmemvp_<version>_<arch>.deb with what
# `cmake --install` installs, under /usr (docs/library.md). Included by PmemvpInstall.cmake.
set(PMEMVP_PACKAGE_MAINTAINER "pmemvp maintainers <pmemvp@example.org>" CACHE STRING
    "The .deb's Maintainer field")

set(CPACK_PACKAGE_NAME pmemvp)
set(CPACK_PACKAGE_VENDOR "pmemvp")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${PMEMVP_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "SystemC/TLM-2.0 virtual platform and models for persistent memory")
set(CPACK_PACKAGE_DESCRIPTION
"pmemvp models persistent memory for SystemC/TLM-2.0 virtual platforms: NVDIMMs with an
ACPI NFIT, DSM calls and namespace labels, virtio-pmem-pci endpoints, a persistence domain
with power-failure injection and a persistence checker, and a timing model calibrated on
Optane measurements, all backed by real host files. This package holds the model libraries
(static) with their headers, CMake package and pkg-config file; the pmemvp executable, a
RISC-V virtual platform that boots bare-metal guests and Linux; pmemvp-inspect; the
documentation; and the guest SDK's sources.")
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_RESOURCE_FILE_README ${PROJECT_SOURCE_DIR}/README.md)
set(CPACK_PACKAGE_CHECKSUM SHA256)
set(CPACK_STRIP_FILES OFF)
set(CPACK_GENERATOR DEB)
set(CPACK_SOURCE_GENERATOR TGZ)
set(CPACK_SOURCE_IGNORE_FILES "/\\\\.git/" "/build.*/" "/tmp/" "\\\\.swp$")

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT) # pmemvp_0.1.0_amd64.deb
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_LICENSE Apache-2.0) # not a control field; for the record
# The executables' shared libraries (libsystemc, libboost-program-options, libfdt1, libc6,
# libstdc++6) come from dpkg-shlibdeps; the headers, the static libraries and the CMake and
# pkg-config files need the -dev packages and pkg-config.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libsystemc-dev (>= 2.3.4), libfdt-dev, nlohmann-json3-dev, pkg-config")
if(PMEMVP_SHARED) # libpmemvp.so.0.1: a shlibs file, and ldconfig runs on install
  set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
endif()
# Debian's OpenSBI is pmemvp's default firmware for Linux Images; the guest SDK's compiler.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "cmake (>= 3.25), g++, opensbi")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS
    "gcc-riscv64-unknown-elf, picolibc-riscv64-unknown-elf, qemu-system-misc, gdb-multiarch")

include(CPack)
