# Every third-party dependency, found from Debian's packages (scripts/install-deps installs them).
find_package(Threads REQUIRED)
find_package(Boost 1.74 REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(prometheus-cpp REQUIRED)
find_package(GTest REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBJWT REQUIRED IMPORTED_TARGET libjwt)
pkg_check_modules(RDKAFKA REQUIRED IMPORTED_TARGET rdkafka++)
# The mock cluster (rdkafka_mock.h) is only in librdkafka's C API, which rdkafka++'s pkg-config
# file does not link.
pkg_check_modules(RDKAFKA_C REQUIRED IMPORTED_TARGET rdkafka)
# tcmalloc for the tinysaga executable: glibc's malloc was 6% of the machine's CPU under load,
# and tcmalloc's per-thread caches took 9% off the CPU per saga (bench, C=64, medians).
pkg_check_modules(TCMALLOC REQUIRED IMPORTED_TARGET libtcmalloc_minimal)

# SQLite itself, for the VFS that batches WAL writes (libs/storage batched_wal_vfs.cpp).
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)

# SOCI ships no CMake package on Debian: one imported target over its core and two backends.
find_path(SOCI_INCLUDE_DIR soci/soci.h REQUIRED)
find_library(SOCI_CORE_LIBRARY soci_core REQUIRED)
find_library(SOCI_SQLITE3_LIBRARY soci_sqlite3 REQUIRED)
find_library(SOCI_POSTGRESQL_LIBRARY soci_postgresql REQUIRED)
add_library(soci INTERFACE IMPORTED)
target_include_directories(soci INTERFACE ${SOCI_INCLUDE_DIR})
target_link_libraries(soci INTERFACE ${SOCI_CORE_LIBRARY} ${SOCI_SQLITE3_LIBRARY} ${SOCI_POSTGRESQL_LIBRARY})
# soci-postgresql.h includes libpq-fe.h from Debian's /usr/include/postgresql (libpq-dev).
find_path(LIBPQ_INCLUDE_DIR libpq-fe.h PATH_SUFFIXES postgresql REQUIRED)
target_include_directories(soci SYSTEM INTERFACE ${LIBPQ_INCLUDE_DIR})
# libpq itself, for what SOCI does not do: connecting to the server's maintenance database and
# CREATE DATABASE outside a transaction (libs/storage provision.h, `tinysaga up --db`).
find_library(LIBPQ_LIBRARY pq REQUIRED)
add_library(libpq INTERFACE IMPORTED)
target_include_directories(libpq SYSTEM INTERFACE ${LIBPQ_INCLUDE_DIR})
target_link_libraries(libpq INTERFACE ${LIBPQ_LIBRARY})
# Debian's SOCI does not export the typeinfo of some internal classes (ref_counted_statement),
# which UBSan's vptr check needs in every file that uses SOCI's inline code.
target_compile_options(soci INTERFACE $<$<CONFIG:Sanitize>:-fno-sanitize=vptr>)
