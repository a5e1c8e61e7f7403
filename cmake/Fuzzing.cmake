# Fuzz targets (libFuzzer). tinysaga_fuzz(NAME SOURCES ... LIBS ... CORPUS DIR [MAX_LEN N])
# builds the libFuzzer entry point LLVMFuzzerTestOneInput in SOURCES two ways:
# - in every build, NAME_replay: the target with a small main (cmake/fuzz_replay_main.cpp) that
#   runs each file of the committed corpus once; CTest `fuzz_replay.NAME`. A regression test
#   of everything the fuzzer ever kept, with the build's own sanitizers.
# - with -DTINYSAGA_FUZZ=ON and clang (scripts/fuzz sets both), NAME: linked with libFuzzer;
#   CTest `fuzz.NAME` (label `fuzz`) fuzzes for TINYSAGA_FUZZ_SECONDS from the corpus. New
#   inputs go to a scratch directory in the build tree, so the committed corpus changes only
#   when someone copies an input there on purpose.
option(TINYSAGA_FUZZ "Build the libFuzzer targets (clang only; see scripts/fuzz)" OFF)
set(TINYSAGA_FUZZ_SECONDS 25 CACHE STRING "How long each fuzz.* test fuzzes, in seconds")
if(TINYSAGA_FUZZ AND NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "TINYSAGA_FUZZ needs clang (libFuzzer): configure with CXX=clang++ (scripts/fuzz does)")
endif()

function(tinysaga_fuzz name)
  cmake_parse_arguments(ARG "" "CORPUS;MAX_LEN" "SOURCES;LIBS" ${ARGN})
  if(NOT ARG_MAX_LEN)
    set(ARG_MAX_LEN 4096)
  endif()
  set(corpus ${CMAKE_CURRENT_SOURCE_DIR}/${ARG_CORPUS})

  add_executable(${name}_replay ${ARG_SOURCES} ${CMAKE_SOURCE_DIR}/cmake/fuzz_replay_main.cpp)
  target_link_libraries(${name}_replay PRIVATE ${ARG_LIBS} tinysaga_warnings)
  add_test(NAME fuzz_replay.${name} COMMAND ${name}_replay ${corpus})

  if(TINYSAGA_FUZZ)
    add_executable(${name} ${ARG_SOURCES})
    target_link_libraries(${name} PRIVATE ${ARG_LIBS} tinysaga_warnings)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
    set(scratch ${CMAKE_BINARY_DIR}/fuzz-corpus/${name})
    file(MAKE_DIRECTORY ${scratch})
    # The first directory receives new inputs; the committed corpus is only read.
    add_test(NAME fuzz.${name}
             COMMAND ${name} -max_total_time=${TINYSAGA_FUZZ_SECONDS} -max_len=${ARG_MAX_LEN}
                     -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 ${scratch} ${corpus})
    math(EXPR timeout "${TINYSAGA_FUZZ_SECONDS} + 120")
    set_tests_properties(fuzz.${name} PROPERTIES LABELS fuzz TIMEOUT ${timeout})
  endif()
endfunction()
