#pragma once
// Captures what a module's logger writes during one test, through spdlog's ostream sink.
// Single-threaded use: construct at the start of a test, read text(), destroy at the end.

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <sstream>
#include <string>

namespace tinysaga::platform::testing {

class LogCapture {
 public:
  explicit LogCapture(const std::string& logger_name) {
    logger_ = spdlog::get(logger_name);
    if (!logger_)
      logger_ = spdlog::stderr_color_mt(logger_name);  // the module will find and use it
    sink_ = std::make_shared<spdlog::sinks::ostream_sink_mt>(stream_);
    logger_->sinks().push_back(sink_);
  }
  ~LogCapture() {
    auto& sinks = logger_->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
  }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  std::string text() const { return stream_.str(); }

 private:
  std::ostringstream stream_;
  std::shared_ptr<spdlog::logger> logger_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_;
};

}  // namespace tinysaga::platform::testing
