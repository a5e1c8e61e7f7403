#include "bench_disk.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace tinysaga::app::bench {

Result<LatencySummary> ProbeDiskSync(const std::string& directory, int samples) {
  const std::string path = directory + "/.bench-disk-probe";
  const int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) {
    return MakeError(Errc::kUnavailable,
                     "cannot create " + path + ": " + std::strerror(errno));
  }
  std::array<char, 4096> page{};
  LatencyHistogram histogram;
  std::string failure;
  for (int i = 0; i < samples && failure.empty(); ++i) {
    page[0] = static_cast<char>(i);  // a change each time, as a commit makes
    const auto start = std::chrono::steady_clock::now();
    if (::pwrite(fd, page.data(), page.size(), 0) != static_cast<ssize_t>(page.size()) ||
        ::fdatasync(fd) != 0) {
      failure = std::strerror(errno);
      break;
    }
    histogram.Record(std::chrono::duration_cast<std::chrono::microseconds>(
                         std::chrono::steady_clock::now() - start)
                         .count());
  }
  ::close(fd);
  ::unlink(path.c_str());
  if (!failure.empty()) return MakeError(Errc::kUnavailable, "writing " + path + ": " + failure);
  return Summarize(histogram);
}

}  // namespace tinysaga::app::bench
