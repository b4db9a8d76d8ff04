# Linux for pmemvp (sw/linux), for the tests. The normal build never builds the kernel: tests
# labelled `linux` find it at test time, in this order:
#   1. the CMake cache variable PMEMVP_LINUX_DIR, when set, passed to the tests as the
#      environment variable of that name (a directory with Image, vmlinux, initramfs.cpio.gz;
#      a kernel you built yourself works too);
#   2. else the environment variable PMEMVP_LINUX_DIR of the ctest run;
#   3. `sw/linux/build.sh --print-dir` (path in PMEMVP_LINUX_BUILD_SCRIPT), which builds once per
#      machine (~8 min on 2 cores) into ~/.cache/pmemvp/linux-<key>/ and then only prints it.
# The test `linux_build` is a CTest fixture (pmemvp_linux) that does 3 (or checks 1/2) first,
# so the kernel tests that require the fixture never build the kernel themselves.

option(PMEMVP_LINUX_TESTS
  "Register the tests that boot Linux (CTest label linux); their first run builds the kernel" ON)
set(PMEMVP_LINUX_DIR "" CACHE PATH
  "A built Linux directory (Image, vmlinux, initramfs.cpio.gz); empty: sw/linux/build.sh finds or builds it")
set(PMEMVP_LINUX_BUILD_SCRIPT ${PROJECT_SOURCE_DIR}/sw/linux/build.sh)

# pmemvp_linux_test_properties(TEST...): label `linux`, run after linux_build, and the
# environment PMEMVP_LINUX_BUILD_SCRIPT (+ PMEMVP_LINUX_DIR when the cache variable is set).
function(pmemvp_linux_test_properties)
  set(env "PMEMVP_LINUX_BUILD_SCRIPT=${PMEMVP_LINUX_BUILD_SCRIPT}")
  if(PMEMVP_LINUX_DIR)
    list(APPEND env "PMEMVP_LINUX_DIR=${PMEMVP_LINUX_DIR}")
  endif()
  set_tests_properties(${ARGN} PROPERTIES LABELS linux FIXTURES_REQUIRED pmemvp_linux
                       ENVIRONMENT "${env}")
endfunction()

if(PMEMVP_LINUX_TESTS)
  add_test(NAME linux_build COMMAND ${PROJECT_SOURCE_DIR}/sw/linux/check-kernel.sh)
  set(_linux_env "")
  if(PMEMVP_LINUX_DIR)
    set(_linux_env "PMEMVP_LINUX_DIR=${PMEMVP_LINUX_DIR}")
  endif()
  set_tests_properties(linux_build PROPERTIES LABELS linux FIXTURES_SETUP pmemvp_linux
                       TIMEOUT 3600 ENVIRONMENT "${_linux_env}")
endif()
