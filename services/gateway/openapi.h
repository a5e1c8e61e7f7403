#pragma once
// The public API's OpenAPI 3.1 document, served at GET /api/openapi.json. Its source is
// contracts/openapi.json, compiled into the binary at build time (cmake/EmbedText.cmake), so
// what the gateway serves is always the document of the build; `ctest -R contract` checks real
// answers of every endpoint against it.

#include <string_view>

namespace tinysaga::gateway {

inline constexpr std::string_view kOpenApiPath = "/api/openapi.json";

// The document's JSON text, exactly as checked in. Valid for the whole program.
std::string_view OpenApiDocument();

}  // namespace tinysaga::gateway
