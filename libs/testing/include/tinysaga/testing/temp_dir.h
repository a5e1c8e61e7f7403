#pragma once
// A fresh directory under the system temp directory, removed with everything in it on
// destruction. Owned by one test; not thread-safe (and needs not be).

#include <stdlib.h>

#include <filesystem>
#include <string>

namespace tinysaga::testing {

class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "tinysaga-test-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string SqliteUrl(const std::string& file_name) const {
    return "sqlite:" + (path_ / file_name).string();
  }

 private:
  std::filesystem::path path_;
};

}  // namespace tinysaga::testing
