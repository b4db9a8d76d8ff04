# Helpers of the install tests' scripts (cmake -P).
cmake_minimum_required(VERSION 3.25)

# pmemvp_run(OUTPUT_VARIABLE var [WORKING_DIRECTORY dir] COMMAND ...): runs the command, fails
# the test with its output unless it exits 0.
function(pmemvp_run)
  cmake_parse_arguments(R "" "OUTPUT_VARIABLE;WORKING_DIRECTORY" "COMMAND" ${ARGN})
  if(NOT R_WORKING_DIRECTORY)
    set(R_WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
  endif()
  list(JOIN R_COMMAND " " shown)
  message(STATUS "run: ${shown}")
  execute_process(COMMAND ${R_COMMAND} WORKING_DIRECTORY ${R_WORKING_DIRECTORY}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${shown}\n--- stdout\n${out}\n--- stderr\n${err}")
  endif()
  if(R_OUTPUT_VARIABLE)
    set(${R_OUTPUT_VARIABLE} "${out}" PARENT_SCOPE)
  endif()
endfunction()

# pmemvp_expect_match(TEXT REGEX WHAT)
function(pmemvp_expect_match text regex what)
  if(NOT text MATCHES "${regex}")
    message(FATAL_ERROR "${what}: expected to match '${regex}', got:\n${text}")
  endif()
endfunction()

# pmemvp_check_consumer(BINARY WORKDIR): runs the consumer on a fresh file and checks its line
# and that the text reached the file.
function(pmemvp_check_consumer binary workdir)
  set(image ${workdir}/consumer.img)
  file(REMOVE ${image})
  pmemvp_run(OUTPUT_VARIABLE out COMMAND ${binary} ${image})
  message(STATUS "consumer said: ${out}")
  string(REPLACE "." "\\." version "${PMEMVP_VERSION}")
  pmemvp_expect_match("${out}"
    "consumer: pmemvp ${version}: wrote and read back 'hello from pmemvp ${version}' at [0-9.]+ [a-z]*s, persisted\n"
    "consumer output")
  set(expected "hello from pmemvp ${PMEMVP_VERSION}")
  string(LENGTH "${expected}" length)
  file(READ ${image} content OFFSET 256 LIMIT ${length})
  if(NOT content STREQUAL expected)
    message(FATAL_ERROR "consumer.img at 0x100: expected '${expected}', found '${content}'")
  endif()
endfunction()

# The compilers and generator of the pmemvp build, for the nested projects.
set(PMEMVP_NESTED_ARGS -G "${PMEMVP_GENERATOR}" -DCMAKE_CXX_COMPILER=${PMEMVP_CXX_COMPILER}
    -DCMAKE_C_COMPILER=${PMEMVP_C_COMPILER} -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
    -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF)
