# A sweep run in worker processes (--jobs 3) prints what the same sweep prints run one after
# the other (--jobs 1), line for line and in the same order: passing runs, and failing ones
# with their violations and trace excerpts. Only the lines that name a fresh temporary
# directory and the last line's wall-clock speed may differ.
# A failing run keeps its databases in a directory under TMPDIR: here, one removed at the end.
set(ENV{TMPDIR} "${CMAKE_CURRENT_BINARY_DIR}/sweep_workers_tmp")
file(REMOVE_RECURSE "$ENV{TMPDIR}")
file(MAKE_DIRECTORY "$ENV{TMPDIR}")

function(sweep jobs extra out_var rc_var)
  execute_process(COMMAND ${TINYSAGA} sim --seeds 5..8 --sagas 40 --mode both --jobs ${jobs}
                          ${extra}
                  OUTPUT_VARIABLE out RESULT_VARIABLE rc)
  string(REGEX REPLACE "[^\n]*(databases kept in|runs/s)[^\n]*\n" "" out "${out}")
  set(${out_var} "${out}" PARENT_SCOPE)
  set(${rc_var} "${rc}" PARENT_SCOPE)
endfunction()

foreach(case "passing" "failing")
  set(extra "")
  if(case STREQUAL "failing")
    set(extra "--break=outbox-outside-tx")
  endif()
  sweep(3 "${extra}" parallel parallel_rc)
  sweep(1 "${extra}" serial serial_rc)
  if(NOT parallel_rc STREQUAL serial_rc)
    message(FATAL_ERROR "${case}: exit ${parallel_rc} with --jobs 3, ${serial_rc} with --jobs 1")
  endif()
  string(REGEX MATCHALL "seed=[^\n]*" lines "${serial}")
  list(LENGTH lines count)
  if(NOT count EQUAL 8)
    message(FATAL_ERROR "${case}: expected 8 summary lines (4 seeds, 2 modes), got:\n${serial}")
  endif()
  if(NOT parallel STREQUAL serial)
    message(FATAL_ERROR "${case}: the workers printed\n${parallel}\nbut one after the other:\n${serial}")
  endif()
  message(STATUS "${case}: identical, exit ${serial_rc}")
endforeach()
if(NOT serial_rc EQUAL 1)
  message(FATAL_ERROR "the failing case passed: the break was not found, nothing was compared")
endif()
file(REMOVE_RECURSE "$ENV{TMPDIR}")
