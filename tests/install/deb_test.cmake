# install_deb (CTest label install): `cpack -G DEB` from the build's CPackConfig.cmake into a
# temporary directory, then the package's control fields (dpkg-deb -I: name, version, Depends
# with the -dev packages and the executables' shared libraries, maintainer, description) and its
# file list (dpkg-deb -c); last, the consumer built against the package's files unpacked into
# an empty root.
#   cmake -DPMEMVP_BUILD_DIR=... -DPMEMVP_SOURCE_DIR=... -DWORK_DIR=... -DPMEMVP_VERSION=...
#         -DPMEMVP_GENERATOR=... -DPMEMVP_CXX_COMPILER=... -DPMEMVP_C_COMPILER=... -P deb_test.cmake
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)

file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
find_program(CPACK cpack HINTS ${CMAKE_COMMAND}/.. REQUIRED)
pmemvp_run(COMMAND ${CPACK} -G DEB --config ${PMEMVP_BUILD_DIR}/CPackConfig.cmake -B ${WORK_DIR}
           WORKING_DIRECTORY ${WORK_DIR})
file(GLOB debs ${WORK_DIR}/pmemvp_*.deb)
list(LENGTH debs count)
if(NOT count EQUAL 1)
  message(FATAL_ERROR "expected one pmemvp_*.deb in ${WORK_DIR}, found: ${debs}")
endif()
get_filename_component(name ${debs} NAME)
string(REPLACE "." "\\." version "${PMEMVP_VERSION}")
pmemvp_expect_match("${name}" "^pmemvp_${version}_[a-z0-9]+\\.deb$" "the package's file name")

pmemvp_run(OUTPUT_VARIABLE info COMMAND dpkg-deb -I ${debs})
message(STATUS "dpkg-deb -I:\n${info}")
pmemvp_expect_match("${info}" "\n Package: pmemvp\n" "Package")
pmemvp_expect_match("${info}" "\n Version: ${version}\n" "Version")
pmemvp_expect_match("${info}" "\n Maintainer: [^\n]+<[^\n]+@[^\n]+>\n" "Maintainer")
pmemvp_expect_match("${info}" "\n Section: devel\n" "Section")
pmemvp_expect_match("${info}" "\n Description: [^\n]*persistent memory[^\n]*\n  [^\n]*NVDIMM" "Description")
string(REGEX MATCH "\n Depends: ([^\n]*)\n" depends "${info}")
set(depends "${CMAKE_MATCH_1}")
# Headers and static libraries: the -dev packages and pkg-config; the executables: what
# dpkg-shlibdeps found they link (versioned).
foreach(dependency "libsystemc-dev \\(>= 2\\.3\\.4\\)" "libfdt-dev" "nlohmann-json3-dev" "pkg-config"
                   "libsystemc \\(>= 2\\.3\\.4\\)" "libboost-program-options1\\.[0-9]+\\.[0-9]+ \\(>= "
                   "libfdt1 \\(>= " "libc6 \\(>= " "libstdc\\+\\+6 \\(>= ")
  pmemvp_expect_match("${depends}" "(^|, )${dependency}" "Depends")
endforeach()
pmemvp_expect_match("${info}" "\n Recommends: [^\n]*opensbi" "Recommends")

pmemvp_run(OUTPUT_VARIABLE list COMMAND dpkg-deb -c ${debs})
foreach(file usr/bin/pmemvp usr/bin/pmemvp-inspect
             usr/include/pmemvp/version.h usr/include/pmemvp/tlm/memory_target.h
             usr/include/pmemvp/nvdimm/nvdimm.h usr/include/pmemvp/virtio/virtio_pmem.h
             usr/include/pmemvp/formats/nfit.h
             "usr/lib/([a-z0-9_-]+/)?libpmemvp_tlm\\.a" "usr/lib/([a-z0-9_-]+/)?libpmemvp_nvdimm\\.a"
             "usr/lib/([a-z0-9_-]+/)?libpmemvp_platform\\.a"
             "usr/lib/([a-z0-9_-]+/)?cmake/pmemvp/pmemvpConfig\\.cmake"
             "usr/lib/([a-z0-9_-]+/)?cmake/pmemvp/pmemvpConfigVersion\\.cmake"
             "usr/lib/([a-z0-9_-]+/)?cmake/pmemvp/pmemvpTargets\\.cmake"
             "usr/lib/([a-z0-9_-]+/)?pkgconfig/pmemvp\\.pc"
             usr/include/pmemvp/nvdimm/nvdimm_device.h usr/include/pmemvp/nvdimm/nvdimm_root.h
             usr/include/pmemvp/virtio/virtio_pmem_pci.h usr/include/pmemvp/backend/file_memory.h
             usr/include/pmemvp/tlm/irq_out.h
             usr/include/pmemvp/formats/nvdimm_regs.h usr/include/pmemvp/formats/virtio_regs.h
             usr/share/doc/pmemvp/copyright usr/share/doc/pmemvp/library.md usr/share/doc/pmemvp/sdk.md
             usr/share/doc/pmemvp/examples/minimal-vp/minimal_vp.cpp
             usr/share/doc/pmemvp/examples/virtio-pmem-in-your-platform/virtio_pmem_driver.h
             usr/share/doc/pmemvp/examples/guest/CMakeLists.txt
             usr/share/pmemvp/sdk/cmake/riscv64-picolibc.cmake usr/share/pmemvp/sdk/cmake/PmemvpGuest.cmake
             usr/share/pmemvp/sdk/lib/regs/nvdimm_regs.h)
  pmemvp_expect_match("${list}" " \\./${file}\n" "dpkg-deb -c")
endforeach()
# Nothing of the build: tests, guest ELF files, object files.
if(list MATCHES "_test\n|\\.elf\n|\\.o\n|/tests/")
  message(FATAL_ERROR "the package holds build or test files:\n${list}")
endif()

# On a fresh Debian machine: apt resolves the package's dependencies from the archive for a
# system with nothing installed (an empty dpkg status; a simulation from the local package
# lists, nothing downloaded). Skipped where apt has no lists.
find_program(APT_GET apt-get)
if(APT_GET)
  execute_process(COMMAND apt-cache policy libsystemc-dev OUTPUT_VARIABLE policy ERROR_QUIET)
endif()
if(APT_GET AND policy MATCHES "Candidate: [0-9]")
  file(WRITE ${WORK_DIR}/empty-status "")
  pmemvp_run(OUTPUT_VARIABLE simulation WORKING_DIRECTORY ${WORK_DIR}
             COMMAND ${APT_GET} -s --no-install-recommends -o Dir::State::status=${WORK_DIR}/empty-status
                     install ./${name})
  foreach(package pmemvp libsystemc-dev libsystemc libfdt-dev libfdt1 pkg-config
                  "libboost-program-options1\\.[0-9.]+" "libstdc\\+\\+6")
    pmemvp_expect_match("${simulation}" "\nInst ${package} \\(" "apt-get -s install on an empty system")
  endforeach()
  message(STATUS "apt-get -s on an empty system: installs pmemvp and its dependencies")
else()
  message(STATUS "apt-get or its package lists missing: the fresh-system resolution is skipped")
endif()

# The package's files, unpacked into an empty root, serve the consumer.
pmemvp_run(COMMAND dpkg-deb -x ${debs} ${WORK_DIR}/root)
pmemvp_run(COMMAND ${CMAKE_COMMAND} -S ${PMEMVP_SOURCE_DIR}/tests/install/consumer
                   -B ${WORK_DIR}/consumer-build ${PMEMVP_NESTED_ARGS}
                   -DCMAKE_PREFIX_PATH=${WORK_DIR}/root/usr)
file(STRINGS ${WORK_DIR}/consumer-build/CMakeCache.txt found REGEX "^pmemvp_DIR:")
pmemvp_expect_match("${found}" "^pmemvp_DIR:PATH=${WORK_DIR}/root/usr/" "pmemvp_DIR")
pmemvp_run(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR}/consumer-build)
pmemvp_check_consumer(${WORK_DIR}/consumer-build/consumer ${WORK_DIR})
# The package stays in WORK_DIR; its staging and unpacked copies go (kept when a check failed).
file(REMOVE_RECURSE ${WORK_DIR}/_CPack_Packages ${WORK_DIR}/root ${WORK_DIR}/consumer-build)
message(STATUS "install_deb: passed: ${debs}")
