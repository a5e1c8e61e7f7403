#pragma once
// The bench's timer thread: the virtual users' pauses (between polls, after an error) are
// callbacks run at given times on one thread, so a thousand users need no thousand threads.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

namespace tinysaga::app::bench {

using SteadyClock = std::chrono::steady_clock;
using TimePoint = SteadyClock::time_point;

// Runs callbacks at given times on one thread of its own. Callbacks must not block (they
// only start HTTP requests). Stop() drops what has not run yet. Thread-safe.
class TimerQueue {
 public:
  TimerQueue() : thread_([this] { Loop(); }) {}
  ~TimerQueue() { Stop(); }
  TimerQueue(const TimerQueue&) = delete;
  TimerQueue& operator=(const TimerQueue&) = delete;

  void At(TimePoint due, std::function<void()> callback) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      timers_.push(Timer{due, sequence_++, std::move(callback)});
    }
    wakeup_.notify_one();
  }

  void Stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wakeup_.notify_one();
    if (thread_.joinable()) thread_.join();
  }

 private:
  struct Timer {
    TimePoint due;
    uint64_t sequence;  // first come, first served among equal times
    std::function<void()> callback;
    bool operator>(const Timer& other) const {
      return due != other.due ? due > other.due : sequence > other.sequence;
    }
  };

  void Loop() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      if (timers_.empty()) {
        wakeup_.wait(lock);
        continue;
      }
      if (const TimePoint due = timers_.top().due; due > SteadyClock::now()) {
        // A copy: wait_until keeps a reference to the time while it waits unlocked, and an
        // At() meanwhile may reallocate the heap under timers_.top().
        wakeup_.wait_until(lock, due);
        continue;
      }
      auto callback = std::move(const_cast<Timer&>(timers_.top()).callback);
      timers_.pop();
      lock.unlock();
      callback();
      lock.lock();
    }
  }

  std::mutex mutex_;
  std::condition_variable wakeup_;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers_;
  uint64_t sequence_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace tinysaga::app::bench
