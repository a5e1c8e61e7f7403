# tinysaga_embed_sql(TARGET DIR NAMESPACE) compiles every DIR/*.sql into the target as a
# function `std::vector<tinysaga::storage::Migration> NAMESPACE::Migrations()`, in file-name
# order; file names start with their version number (001_init.sql).
function(tinysaga_embed_sql target dir namespace)
  file(GLOB sql_files CONFIGURE_DEPENDS ${dir}/*.sql)
  list(SORT sql_files)
  set(entries "")
  foreach(sql_file ${sql_files})
    get_filename_component(file_name ${sql_file} NAME_WE)
    string(REGEX MATCH "^[0-9]+" version ${file_name})
    file(READ ${sql_file} sql)
    string(APPEND entries "    {${version}, \"${file_name}\", R\"tinysaga_sql(${sql})tinysaga_sql\"},\n")
  endforeach()
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${target}_migrations.cpp)
  file(CONFIGURE OUTPUT ${out} CONTENT "// Generated from ${dir} by cmake/EmbedSql.cmake.
#include \"tinysaga/storage/migrations.h\"

namespace ${namespace} {
std::vector<tinysaga::storage::Migration> Migrations() {
  return {
${entries}  };
}
}  // namespace ${namespace}
")
  target_sources(${target} PRIVATE ${out})
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${sql_files})
endfunction()
