# GoogleTest through CTest. tinysaga_test(NAME SOURCES... LIBS ...) builds one test binary
# and registers each of its tests with CTest.
include(CTest)
include(GoogleTest)

function(tinysaga_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gtest_main GTest::gmock tinysaga_warnings)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 300)
endfunction()
