# install_consumer (CTest label install): `cmake --install` the build into a temporary prefix,
# move the prefix elsewhere (the package must be relocatable), then build the consumer
# (tests/install/consumer) against that prefix alone, with find_package and with pkg-config,
# run both and check their output; also the installed pmemvp's -version.
#   cmake -DPMEMVP_BUILD_DIR=... -DPMEMVP_SOURCE_DIR=... -DWORK_DIR=... -DPMEMVP_VERSION=...
#         -DPMEMVP_GENERATOR=... -DPMEMVP_CXX_COMPILER=... -DPMEMVP_C_COMPILER=... -P install_test.cmake
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)

file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
pmemvp_run(COMMAND ${CMAKE_COMMAND} --install ${PMEMVP_BUILD_DIR} --prefix ${WORK_DIR}/staging)
file(RENAME ${WORK_DIR}/staging ${WORK_DIR}/prefix)
set(prefix ${WORK_DIR}/prefix)

# What must be there.
file(GLOB_RECURSE config LIST_DIRECTORIES false RELATIVE ${prefix} ${prefix}/*/pmemvpConfig.cmake)
file(GLOB_RECURSE pc LIST_DIRECTORIES false RELATIVE ${prefix} ${prefix}/*/pmemvp.pc)
if(NOT config OR NOT pc)
  message(FATAL_ERROR "no pmemvpConfig.cmake or pmemvp.pc under ${prefix}")
endif()
get_filename_component(libdir ${pc} DIRECTORY)
get_filename_component(libdir ${libdir} DIRECTORY)
foreach(file include/pmemvp/version.h include/pmemvp/tlm/memory_target.h
             include/pmemvp/nvdimm/nvdimm.h include/pmemvp/virtio/virtio_pmem.h
             include/pmemvp/pmem/persistence_domain.h include/pmemvp/platform/virt.h
             include/pmemvp/formats/nfit.h include/pmemvp/formats/labels.h
             ${libdir}/libpmemvp_tlm.a ${libdir}/libpmemvp_nvdimm.a ${libdir}/libpmemvp_virtio.a
             ${libdir}/libpmemvp_platform.a ${libdir}/libpmemvp_formats.a
             ${libdir}/cmake/pmemvp/pmemvpConfigVersion.cmake ${libdir}/cmake/pmemvp/pmemvpTargets.cmake
             bin/pmemvp bin/pmemvp-inspect
             share/doc/pmemvp/README.md share/doc/pmemvp/CHANGELOG.md share/doc/pmemvp/library.md
             share/doc/pmemvp/models/nvdimm.md share/doc/pmemvp/copyright
             share/pmemvp/sdk/cmake/riscv64-picolibc.cmake share/pmemvp/sdk/runtime/include/pmemvp.h
             share/pmemvp/sdk/lib/nvdimm/libnvdimm.h share/pmemvp/sdk/lib/pmem/pmem.h
             share/pmemvp/sdk/lib/virtio/virtio_pmem.h share/pmemvp/sdk/cmake/PmemvpGuest.cmake
             share/pmemvp/sdk/lib/regs/nvdimm_regs.h share/pmemvp/sdk/lib/regs/virtio_regs.h
             include/pmemvp/formats/nvdimm_regs.h include/pmemvp/formats/virtio_regs.h
             include/pmemvp/nvdimm/nvdimm_device.h include/pmemvp/nvdimm/nvdimm_root.h
             include/pmemvp/virtio/virtio_pmem_pci.h include/pmemvp/pci/pci_endpoint.h
             include/pmemvp/backend/file_memory.h include/pmemvp/tlm/irq_out.h
             share/doc/pmemvp/sdk.md share/doc/pmemvp/examples/minimal-vp/CMakeLists.txt
             share/doc/pmemvp/examples/guest/pmem_hello.c)
  if(NOT EXISTS ${prefix}/${file})
    message(FATAL_ERROR "not installed: ${file}")
  endif()
endforeach()

# Nothing installed may point back into the source or build tree.
file(GLOB_RECURSE package_files ${prefix}/${libdir}/cmake/pmemvp/* ${prefix}/${libdir}/pkgconfig/*)
foreach(file IN LISTS package_files)
  file(READ ${file} text)
  foreach(tree ${PMEMVP_SOURCE_DIR} ${PMEMVP_BUILD_DIR})
    string(FIND "${text}" "${tree}" at)
    if(NOT at EQUAL -1)
      message(FATAL_ERROR "${file} names ${tree}")
    endif()
  endforeach()
endforeach()

# The installed executable and its version.
foreach(option -version --version)
  pmemvp_run(OUTPUT_VARIABLE out COMMAND ${prefix}/bin/pmemvp ${option})
  string(REPLACE "." "\\." version "${PMEMVP_VERSION}")
  pmemvp_expect_match("${out}" "^pmemvp version ${version}\n" "pmemvp ${option}")
endforeach()

# find_package against the prefix alone.
pmemvp_run(COMMAND ${CMAKE_COMMAND} -S ${PMEMVP_SOURCE_DIR}/tests/install/consumer
                   -B ${WORK_DIR}/consumer-cmake ${PMEMVP_NESTED_ARGS} -DCMAKE_PREFIX_PATH=${prefix})
file(STRINGS ${WORK_DIR}/consumer-cmake/CMakeCache.txt found REGEX "^pmemvp_DIR:")
pmemvp_expect_match("${found}" "^pmemvp_DIR:PATH=${prefix}/${libdir}/cmake/pmemvp$" "pmemvp_DIR")
pmemvp_run(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR}/consumer-cmake)
pmemvp_check_consumer(${WORK_DIR}/consumer-cmake/consumer ${WORK_DIR})

# A version the package must refuse: 0.x accepts its own minor version only.
file(WRITE ${WORK_DIR}/refuse/CMakeLists.txt
  "cmake_minimum_required(VERSION 3.25)\nproject(refuse CXX)\nfind_package(pmemvp 0.99 REQUIRED)\n")
execute_process(COMMAND ${CMAKE_COMMAND} -S ${WORK_DIR}/refuse -B ${WORK_DIR}/refuse/build
                        ${PMEMVP_NESTED_ARGS} -DCMAKE_PREFIX_PATH=${prefix}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0)
  message(FATAL_ERROR "find_package(pmemvp 0.99) accepted version ${PMEMVP_VERSION}")
endif()
pmemvp_expect_match("${err}" "pmemvpConfig\\.cmake, version: ${version}" "find_package(pmemvp 0.99)'s message")

# pkg-config against the prefix alone.
set(ENV{PKG_CONFIG_PATH} ${prefix}/${libdir}/pkgconfig)
pmemvp_run(OUTPUT_VARIABLE version COMMAND pkg-config --modversion pmemvp)
pmemvp_expect_match("${version}" "^${PMEMVP_VERSION}\n" "pkg-config --modversion pmemvp")
pmemvp_run(OUTPUT_VARIABLE flags COMMAND pkg-config --cflags --libs pmemvp)
string(STRIP "${flags}" flags)
separate_arguments(flags UNIX_COMMAND "${flags}")
pmemvp_run(COMMAND ${PMEMVP_CXX_COMPILER} -std=c++17 ${PMEMVP_SOURCE_DIR}/tests/install/consumer/consumer.cpp
                   ${flags} -o ${WORK_DIR}/consumer-pkg-config)
pmemvp_check_consumer(${WORK_DIR}/consumer-pkg-config ${WORK_DIR})
file(REMOVE_RECURSE ${prefix} ${WORK_DIR}/consumer-cmake) # 100 MB; kept when a check failed
message(STATUS "install_consumer: passed")
