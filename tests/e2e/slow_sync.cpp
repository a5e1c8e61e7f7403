// A slow disk for the processes of a test's `up` (SlowDiskTest), preloaded with LD_PRELOAD:
// fsync and fdatasync of a file whose path contains a given text first wait a given time.
// The file named by TINYSAGA_SLOW_SYNC_FILE says how, re-read at every call:
// "<milliseconds> <path text>", e.g. "1000 .db" (every database file and its WAL); no file,
// or an unreadable one, means no wait. Plain C calls only: this runs inside any thread of
// any process, before and after main.

#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

namespace {

// Waits when the control file asks for it and `fd` is one of the files it names.
void WaitIfSlow(int fd) {
  const char* control = getenv("TINYSAGA_SLOW_SYNC_FILE");
  if (control == nullptr) return;
  FILE* file = fopen(control, "re");
  if (file == nullptr) return;
  long milliseconds = 0;
  char text[256] = {};
  const int read = fscanf(file, "%ld %255s", &milliseconds, text);
  fclose(file);
  if (read != 2 || milliseconds <= 0) return;
  char link[64];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  char path[PATH_MAX] = {};
  if (readlink(link, path, sizeof path - 1) < 0 || strstr(path, text) == nullptr) return;
  timespec wait{milliseconds / 1000, (milliseconds % 1000) * 1'000'000};
  while (nanosleep(&wait, &wait) != 0) {
  }
}

template <typename Function>
Function Next(const char* name) {
  return reinterpret_cast<Function>(dlsym(RTLD_NEXT, name));
}

}  // namespace

extern "C" int fsync(int fd) {
  static const auto next = Next<int (*)(int)>("fsync");
  WaitIfSlow(fd);
  return next(fd);
}

extern "C" int fdatasync(int fd) {
  static const auto next = Next<int (*)(int)>("fdatasync");
  WaitIfSlow(fd);
  return next(fd);
}
