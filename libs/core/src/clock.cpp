#include "tinysaga/core/clock.h"

#include <time.h>

#include <array>
#include <ctime>
#include <utility>

namespace tinysaga {
namespace {

bool ReadDigits(std::string_view text, size_t position, size_t count, int& out) {
  if (position + count > text.size()) return false;
  int value = 0;
  for (size_t i = position; i < position + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  out = value;
  return true;
}

bool IsLeapYear(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int year, int month) {
  constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[static_cast<size_t>(month - 1)];
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t DaysFromCivil(int year, int month, int day) {
  year -= month <= 2 ? 1 : 0;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;
  const int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

TimestampMs WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// CLOCK_BOOTTIME rather than std::chrono::steady_clock (CLOCK_MONOTONIC): it also counts the
// time the machine was suspended, which did pass for whoever waits on a deadline.
int64_t BootTimeMs() {
  timespec now{};
  clock_gettime(CLOCK_BOOTTIME, &now);
  return int64_t{now.tv_sec} * 1000 + now.tv_nsec / 1'000'000;
}

}  // namespace

SystemClock::SystemClock() : SystemClock(Sources{.wall_ms = WallMs, .elapsed_ms = BootTimeMs}) {}

SystemClock::SystemClock(Sources sources)
    : sources_(std::move(sources)),
      wall_at_start_ms_(sources_.wall_ms()),
      elapsed_at_start_ms_(sources_.elapsed_ms()) {}

TimestampMs SystemClock::NowMs() const {
  return wall_at_start_ms_ + (sources_.elapsed_ms() - elapsed_at_start_ms_);
}

int64_t SystemClock::WallStepMs() const { return sources_.wall_ms() - NowMs(); }

std::string FormatRfc3339(TimestampMs timestamp_ms) {
  std::time_t seconds = static_cast<std::time_t>(timestamp_ms / 1000);
  int millis = static_cast<int>(timestamp_ms % 1000);
  if (millis < 0) {
    millis += 1000;
    seconds -= 1;
  }
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  const int year = utc.tm_year + 1900;
  if (year < 0 || year > 9999) {  // not four digits: the general (and slower) way
    char text[96];
    std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", year, utc.tm_mon + 1,
                  utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, millis);
    return text;
  }
  // Digit by digit: every JSON answer with a time formats it, and snprintf took ~4,000
  // instructions a call (callgrind), ten times this.
  std::string text = "0000-00-00T00:00:00.000Z";
  const auto put = [&text](size_t at, int value, size_t width) {
    for (size_t i = width; i-- > 0; value /= 10) text[at + i] = static_cast<char>('0' + value % 10);
  };
  put(0, year, 4);
  put(5, utc.tm_mon + 1, 2);
  put(8, utc.tm_mday, 2);
  put(11, utc.tm_hour, 2);
  put(14, utc.tm_min, 2);
  put(17, utc.tm_sec, 2);
  put(20, millis, 3);
  return text;
}

Result<TimestampMs> ParseRfc3339(std::string_view text) {
  auto invalid = [&] {
    return MakeError(Errc::kInvalidRequest,
                     "not an RFC 3339 UTC time: " + std::string(text.substr(0, 40)));
  };
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (text.size() < 20 || !ReadDigits(text, 0, 4, year) || text[4] != '-' ||
      !ReadDigits(text, 5, 2, month) || text[7] != '-' || !ReadDigits(text, 8, 2, day) ||
      text[10] != 'T' || !ReadDigits(text, 11, 2, hour) || text[13] != ':' ||
      !ReadDigits(text, 14, 2, minute) || text[16] != ':' || !ReadDigits(text, 17, 2, second)) {
    return invalid();
  }
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month) || hour > 23 ||
      minute > 59 || second > 59) {
    return invalid();
  }
  size_t position = 19;
  int millis = 0;
  if (text[position] == '.') {
    size_t digits = 0;
    while (position + 1 + digits < text.size() && text[position + 1 + digits] >= '0' &&
           text[position + 1 + digits] <= '9') {
      if (digits < 3) millis = millis * 10 + (text[position + 1 + digits] - '0');
      ++digits;
    }
    if (digits == 0 || digits > 9) return invalid();
    for (size_t i = digits; i < 3; ++i) millis *= 10;
    position += 1 + digits;
  }
  if (position + 1 != text.size() || text[position] != 'Z') return invalid();
  const int64_t seconds =
      DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
  return seconds * 1000 + millis;
}

}  // namespace tinysaga
