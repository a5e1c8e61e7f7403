# Runs one seed (in both saga modes) in two separate processes and fails unless both print the
# same summary lines (their state and trace hashes included) and pass.
foreach(run 1 2)
  execute_process(COMMAND ${TINYSAGA} sim --seed 11 --sagas 60 --faults all --mode both
                  OUTPUT_VARIABLE out_${run} RESULT_VARIABLE rc_${run})
  if(NOT rc_${run} EQUAL 0)
    message(FATAL_ERROR "tinysaga sim --seed 11 exited ${rc_${run}}:\n${out_${run}}")
  endif()
  # The summary lines only: the last line's wall-clock speed differs from run to run.
  string(REGEX MATCHALL "seed=[^\n]*" out_${run} "${out_${run}}")
endforeach()
list(LENGTH out_1 lines)
if(NOT lines EQUAL 2)
  message(FATAL_ERROR "expected two summary lines (both modes), got: ${out_1}")
endif()
if(NOT out_1 STREQUAL out_2)
  message(FATAL_ERROR "the same seed gave different runs:\n${out_1}\n${out_2}")
endif()
message(STATUS "identical: ${out_1}")
