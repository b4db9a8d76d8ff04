# install_examples and install_guest_sdk (CTest label install): `cmake --install` into a scratch
# prefix, then build the examples installed with it (share/doc/pmemvp/examples) against that
# prefix alone, run them and check what they print and what reached their files:
#   PART=platforms: minimal-vp (an NVDIMM in a platform of your own, a power failure) and
#                   virtio-pmem-in-your-platform (virtio-pmem-pci on your bus, a C++ driver);
#   PART=guest:     examples/guest, an out-of-tree RISC-V program built with the guest SDK
#                   (its toolchain file and pmemvp_guest()), run on the installed pmemvp.
#   cmake -DPART=... -DPMEMVP_BUILD_DIR=... -DPMEMVP_SOURCE_DIR=... -DWORK_DIR=... -DPMEMVP_VERSION=...
#         -DPMEMVP_GENERATOR=... -DPMEMVP_CXX_COMPILER=... -DPMEMVP_C_COMPILER=... -P examples_test.cmake
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)

file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
pmemvp_run(COMMAND ${CMAKE_COMMAND} --install ${PMEMVP_BUILD_DIR} --prefix ${WORK_DIR}/prefix)
set(prefix ${WORK_DIR}/prefix)
set(examples ${prefix}/share/doc/pmemvp/examples)

# Configures and builds the installed example `name` against the prefix alone, with `args`;
# nothing in its build may name the pmemvp source or build tree.
function(build_example name)
  pmemvp_run(COMMAND ${CMAKE_COMMAND} -S ${examples}/${name} -B ${WORK_DIR}/${name} ${ARGN}
                     -DCMAKE_PREFIX_PATH=${prefix})
  pmemvp_run(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR}/${name})
  foreach(file build.ninja CMakeCache.txt)
    file(READ ${WORK_DIR}/${name}/${file} text)
    string(REPLACE "${WORK_DIR}" "" text "${text}") # the scratch directory lies in the build tree
    foreach(tree ${PMEMVP_BUILD_DIR} ${PMEMVP_SOURCE_DIR})
      string(FIND "${text}" "${tree}" at)
      if(NOT at EQUAL -1)
        message(FATAL_ERROR "${name}'s ${file} names ${tree}: it must build from the install alone")
      endif()
    endforeach()
  endforeach()
endfunction()

# pmemvp_expect_file(PATH OFFSET TEXT): the file holds TEXT at OFFSET.
function(pmemvp_expect_file path offset text)
  string(LENGTH "${text}" length)
  file(READ ${path} content OFFSET ${offset} LIMIT ${length})
  if(NOT content STREQUAL text)
    message(FATAL_ERROR "${path} at ${offset}: expected '${text}', found '${content}'")
  endif()
endfunction()

if(PART STREQUAL "platforms")
  set(generator -G "${PMEMVP_GENERATOR}" -DCMAKE_CXX_COMPILER=${PMEMVP_CXX_COMPILER}
      -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF)
  build_example(minimal-vp ${generator})
  pmemvp_run(OUTPUT_VARIABLE out COMMAND ${WORK_DIR}/minimal-vp/minimal-vp ${WORK_DIR}/nvdimm.img)
  message(STATUS "minimal-vp said:\n${out}")
  foreach(line "lost at the power failure: the line at offset 0x40\n" "lost at the power failure: the line at offset 0xc0\n"
               "line 0: 'record 0' survived\n" "line 1: lost\n" "line 2: 'record 2' survived\n" "line 3: lost\n")
    pmemvp_expect_match("${out}" "minimal-vp: ${line}" "minimal-vp output")
  endforeach()
  pmemvp_expect_file(${WORK_DIR}/nvdimm.img 0 "record 0")
  pmemvp_expect_file(${WORK_DIR}/nvdimm.img 128 "record 2")
  file(READ ${WORK_DIR}/nvdimm.img lost OFFSET 64 LIMIT 8 HEX)
  pmemvp_expect_match("${lost}" "^0000000000000000$" "nvdimm.img at 64 (record 1, lost)")

  build_example(virtio-pmem-in-your-platform ${generator})
  pmemvp_run(OUTPUT_VARIABLE out COMMAND ${WORK_DIR}/virtio-pmem-in-your-platform/virtio-pmem-in-your-platform
                                         ${WORK_DIR}/vp.img)
  message(STATUS "virtio-pmem-in-your-platform said:\n${out}")
  pmemvp_expect_match("${out}" "driver: virtio-pmem at 0x100000000, 16777216 bytes\n" "the driver's probe")
  pmemvp_expect_match("${out}" "driver: flush answered 0 at [0-9.]+ [a-z]*s\n" "the flush")
  pmemvp_expect_match("${out}" "file: 'hello from your platform' at 0x1000\n" "the file after the run")
  pmemvp_expect_file(${WORK_DIR}/vp.img 4096 "hello from your platform")
elseif(PART STREQUAL "guest")
  build_example(guest -G "${PMEMVP_GENERATOR}" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
                -DCMAKE_TOOLCHAIN_FILE=${prefix}/share/pmemvp/sdk/cmake/riscv64-picolibc.cmake)
  pmemvp_run(OUTPUT_VARIABLE out COMMAND ${prefix}/bin/pmemvp -machine virt,nvdimm=on,nvdimm-persistence=mem-ctrl -m 256M -bios none
             -kernel ${WORK_DIR}/guest/pmem-hello.elf
             -object memory-backend-file,id=m0,mem-path=${WORK_DIR}/pm.img,size=64M,share=on
             -device nvdimm,id=nv0,memdev=m0,label-size=128K)
  message(STATUS "pmem-hello on pmemvp said:\n${out}")
  pmemvp_expect_match("${out}" "pmem-hello: wrote 'hello from an out-of-tree guest' at 0x100000000 \\(memory_controller domain\\), persisted\n"
                      "pmem-hello output")
  pmemvp_expect_match("${out}" "pmem-hello: NVDIMM handle 1 has 131072 bytes of labels\n" "pmem-hello's DSM call")
  pmemvp_expect_file(${WORK_DIR}/pm.img 0 "hello from an out-of-tree guest")
  # Without the toolchain file, pmemvp_guest says what it needs.
  file(WRITE ${WORK_DIR}/host/CMakeLists.txt "cmake_minimum_required(VERSION 3.25)\nproject(host C)\n"
             "find_package(pmemvp 0.1 REQUIRED)\npmemvp_guest(x x.c)\n")
  execute_process(COMMAND ${CMAKE_COMMAND} -S ${WORK_DIR}/host -B ${WORK_DIR}/host/build ${PMEMVP_NESTED_ARGS}
                          -DCMAKE_PREFIX_PATH=${prefix}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(rc EQUAL 0)
    message(FATAL_ERROR "pmemvp_guest in a host project was accepted")
  endif()
  pmemvp_expect_match("${err}" "-DCMAKE_TOOLCHAIN_FILE=[^ ]*riscv64-picolibc\\.cmake" "pmemvp_guest's message in a host project")
else()
  message(FATAL_ERROR "PART must be platforms or guest")
endif()
file(REMOVE_RECURSE ${prefix}) # kept when a check failed
message(STATUS "install examples (${PART}): passed")
