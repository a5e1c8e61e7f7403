#include "gateway/static_files.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <spdlog/spdlog.h>

namespace tinysaga::gateway {
namespace {

std::string ContentTypeFor(const std::filesystem::path& path) {
  const std::string extension = path.extension().string();
  if (extension == ".html") return "text/html; charset=utf-8";
  if (extension == ".js" || extension == ".mjs") return "text/javascript; charset=utf-8";
  if (extension == ".css") return "text/css; charset=utf-8";
  if (extension == ".json") return "application/json";
  if (extension == ".svg") return "image/svg+xml";
  if (extension == ".png") return "image/png";
  if (extension == ".ico") return "image/x-icon";
  if (extension == ".txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

}  // namespace

StaticFiles::StaticFiles(const std::string& root, size_t file_bytes_max) {
  std::error_code error;
  if (root.empty() || !std::filesystem::is_directory(root, error)) {
    spdlog::warn("static files: '{}' is not a directory; the web UI is not served", root);
    return;
  }
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root, error)) {
    if (!entry.is_regular_file() || entry.is_symlink()) continue;
    if (entry.file_size() > file_bytes_max) {
      spdlog::warn("static files: skipping {} ({} bytes)", entry.path().string(), entry.file_size());
      continue;
    }
    std::ifstream input(entry.path(), std::ios::binary);
    std::stringstream content;
    content << input.rdbuf();
    const std::string url_path = "/" + std::filesystem::relative(entry.path(), root).generic_string();
    files_[url_path] = File{content.str(), ContentTypeFor(entry.path())};
  }
}

std::optional<http::Response> StaticFiles::Get(std::string_view path) const {
  auto it = files_.find(path == "/" ? std::string("/index.html") : std::string(path));
  if (it == files_.end()) return std::nullopt;
  auto response = http::Response::Text(200, it->second.content, it->second.content_type);
  // Short caching: the UI changes with the project, and a stale page is confusing in a demo.
  response.headers.emplace_back("Cache-Control", "no-cache");
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return response;
}

}  // namespace tinysaga::gateway
