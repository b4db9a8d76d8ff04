# PMEMVP_FUZZ=ON: the whole project is compiled for libFuzzer (coverage instrumentation without
# libFuzzer's main) with AddressSanitizer and UndefinedBehaviorSanitizer; the harnesses in
# tests/fuzz link libFuzzer itself. Included by the top-level CMakeLists.txt before any library.
if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang" OR NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "PMEMVP_FUZZ needs clang's libFuzzer: configure a separate build directory "
                      "with CC=clang CXX=clang++ (scripts/fuzz does; Debian: apt-get install clang "
                      "libfuzzer-14-dev)")
endif()
if(PMEMVP_SANITIZE)
  message(FATAL_ERROR "PMEMVP_FUZZ sets its own sanitizers; leave PMEMVP_SANITIZE empty")
endif()
add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
                    -fno-omit-frame-pointer)
add_link_options(-fsanitize=address,undefined)
