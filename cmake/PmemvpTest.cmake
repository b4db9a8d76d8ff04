# pmemvp_add_test(NAME LABEL unit|model|integration|bench SOURCES a.cpp ... [LIBS ...] [TIMEOUT s])
#
# One executable per SystemC elaboration: each call builds one GoogleTest binary linked with the
# harness (tests/harness), whose sc_main turns SystemC warnings and errors into test failures.
function(pmemvp_add_test name)
  cmake_parse_arguments(T "" "LABEL;TIMEOUT" "SOURCES;LIBS" ${ARGN})
  if(NOT T_LABEL)
    message(FATAL_ERROR "pmemvp_add_test(${name}): LABEL is required")
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE pmemvp_test_harness ${T_LIBS})
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS "${T_LABEL}" TIMEOUT ${T_TIMEOUT})
endfunction()
