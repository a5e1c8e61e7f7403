#pragma once
// The web UI's static files, read into memory once at start: serving them never touches the
// disk, and no request path can reach outside the folder because only files found at start
// exist. Immutable after construction, so thread-safe.

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "tinysaga/http/message.h"

namespace tinysaga::gateway {

class StaticFiles {
 public:
  // Loads every regular file below `root` (not following links out of it); files larger
  // than file_bytes_max are skipped with a warning.
  explicit StaticFiles(const std::string& root, size_t file_bytes_max = 8 * 1024 * 1024);

  // "/" serves /index.html. nullopt when there is no such file.
  std::optional<http::Response> Get(std::string_view path) const;
  size_t size() const { return files_.size(); }

 private:
  struct File {
    std::string content;
    std::string content_type;
  };
  std::unordered_map<std::string, File> files_;
};

}  // namespace tinysaga::gateway
