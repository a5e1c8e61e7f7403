# tinysaga_embed_text(TARGET FILE NAMESPACE FUNCTION) compiles FILE into the target as a
# function `std::string_view NAMESPACE::FUNCTION()` returning the file's bytes, so that a
# document checked in beside the code (contracts/openapi.json) is served as it is, with no
# path to find at run time. Editing FILE re-runs CMake at the next build. The text is copied
# verbatim (file(WRITE), not file(CONFIGURE), which would expand ${...} and @...@ inside it).
function(tinysaga_embed_text target file namespace function)
  file(READ ${file} text)
  set(delimiter "tinysaga_text")
  string(FIND "${text}" ")${delimiter}\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${file} contains )${delimiter}\", which would end the raw string it is embedded in")
  endif()
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${target}_${function}.cpp)
  string(CONCAT content
    "// Generated from ${file} by cmake/EmbedText.cmake.\n"
    "#include <string_view>\n\n"
    "namespace ${namespace} {\n"
    "std::string_view ${function}() {\n"
    "  static constexpr std::string_view kText = R\"${delimiter}(" "${text}" ")${delimiter}\";\n"
    "  return kText;\n"
    "}\n"
    "}  // namespace ${namespace}\n")
  # Written only when it changed, so that a re-run of CMake recompiles nothing.
  file(WRITE ${out}.new "${content}")
  file(COPY_FILE ${out}.new ${out} ONLY_IF_DIFFERENT)
  file(REMOVE ${out}.new)
  target_sources(${target} PRIVATE ${out})
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${file})
endfunction()
