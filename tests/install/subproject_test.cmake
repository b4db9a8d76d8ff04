# install_subproject (CTest label install): tests/install/subproject pulls the pmemvp tree in
# with add_subdirectory (tests, benchmarks, guests and tools off by default there) and builds
# the consumer against its pmemvp:: targets, and, with PMEMVP_SHARED=ON, against
# libpmemvp.so.MAJOR.MINOR (pmemvp::shared) too; only the consumers and the libraries they need
# are built (unoptimised: no build type).
#   cmake -DPMEMVP_SOURCE_DIR=... -DWORK_DIR=... -DPMEMVP_VERSION=... -DPMEMVP_GENERATOR=...
#         -DPMEMVP_CXX_COMPILER=... -DPMEMVP_C_COMPILER=... [-DJOBS=2] -P subproject_test.cmake
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
if(NOT JOBS)
  set(JOBS 2)
endif()

file(REMOVE_RECURSE ${WORK_DIR})
pmemvp_run(COMMAND ${CMAKE_COMMAND} -S ${PMEMVP_SOURCE_DIR}/tests/install/subproject -B ${WORK_DIR}
                   ${PMEMVP_NESTED_ARGS} -DPMEMVP_SOURCE_DIR=${PMEMVP_SOURCE_DIR} -DPMEMVP_SHARED=ON)

# As a sub-project, pmemvp builds its libraries only.
file(STRINGS ${WORK_DIR}/CMakeCache.txt cache REGEX "^PMEMVP_(BUILD_[A-Z]+|INSTALL):BOOL=")
foreach(option BUILD_TESTS BUILD_BENCH BUILD_GUESTS BUILD_TOOLS INSTALL)
  pmemvp_expect_match("${cache}" "PMEMVP_${option}:BOOL=OFF" "PMEMVP_${option} of a sub-project")
endforeach()
if(EXISTS ${WORK_DIR}/pmemvp/sw-prefix OR EXISTS ${WORK_DIR}/pmemvp/tests)
  message(FATAL_ERROR "the sub-project configured guest programs or tests")
endif()

pmemvp_run(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR} --target consumer consumer-shared
                   --parallel ${JOBS})
pmemvp_check_consumer(${WORK_DIR}/consumer/consumer ${WORK_DIR})
pmemvp_check_consumer(${WORK_DIR}/consumer/consumer-shared ${WORK_DIR})
# The shared one loads libpmemvp.so by its SONAME, which carries major and minor version.
string(REGEX MATCH "^([0-9]+)\\.([0-9]+)" soversion "${PMEMVP_VERSION}")
string(REPLACE "." "\\." soversion "${soversion}")
pmemvp_run(OUTPUT_VARIABLE dynamic COMMAND readelf -d ${WORK_DIR}/consumer/consumer-shared)
pmemvp_expect_match("${dynamic}" "NEEDED[^\n]*\\[libpmemvp\\.so\\.${soversion}\\]" "consumer-shared's NEEDED")
pmemvp_run(OUTPUT_VARIABLE dynamic COMMAND readelf -d ${WORK_DIR}/pmemvp/libpmemvp.so.${PMEMVP_VERSION})
pmemvp_expect_match("${dynamic}" "SONAME[^\n]*\\[libpmemvp\\.so\\.${soversion}\\]" "libpmemvp.so's SONAME")
pmemvp_run(OUTPUT_VARIABLE dynamic COMMAND readelf -d ${WORK_DIR}/consumer/consumer)
if(dynamic MATCHES "libpmemvp")
  message(FATAL_ERROR "the static consumer needs libpmemvp.so:\n${dynamic}")
endif()
file(REMOVE_RECURSE ${WORK_DIR}) # kept when a check failed
message(STATUS "install_subproject: passed")
