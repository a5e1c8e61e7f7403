#pragma once
// Names the calling thread, as `top -H`, `perf` and /proc/<pid>/task/<tid>/comm show it, so
// that a profile says which of a service's threads (I/O, worker, inbox, relay, timer...) does
// the work and the context switches. Linux keeps at most 15 characters; longer names are cut.

#include <pthread.h>

#include <string>

namespace tinysaga {

inline void NameThisThread(std::string name) {
  if (name.size() > 15) name.resize(15);
  pthread_setname_np(pthread_self(), name.c_str());
}

}  // namespace tinysaga
