#pragma once
// `tinysaga up`'s process supervisor. It owns one listening socket per process (created
// before any child starts and handed to the child as fd 3), so a child that dies and is
// restarted keeps its port, and connections made meanwhile wait in the socket's backlog
// instead of failing.
//
// Lifecycle: Add() every process, Start() forks them all, Poll() reaps and restarts dead
// children (call it in a loop), Stop() sends SIGTERM, waits up to a grace period, then
// SIGKILLs what is left. Not thread-safe: one thread drives it.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "tinysaga/core/result.h"

namespace tinysaga::app {

struct ProcessSpec {
  std::string name;               // "order-1"
  std::vector<std::string> args;  // after the executable; "--listen-fd 3" is added
  std::string log_path;           // stdout and stderr go here (appended)
};

class Supervisor {
 public:
  struct Child {
    ProcessSpec spec;
    int listen_fd = -1;
    uint16_t port = 0;
    pid_t pid = -1;
    int restarts = 0;
    std::chrono::steady_clock::time_point started_at;
    std::chrono::steady_clock::time_point restart_at;  // when pid < 0
    int quick_deaths = 0;  // deaths in a row, each soon after its start: the restart waits grow
  };

  Supervisor(std::string executable, std::vector<std::pair<std::string, std::string>> environment);
  ~Supervisor();

  // Opens the process's listening socket on address:port (an IPv4 address; port 0: any free
  // port). Only `up --production` passes another address than loopback, for the gateway.
  Result<uint16_t> Add(ProcessSpec spec, uint16_t port = 0,
                       const std::string& address = "127.0.0.1");
  // Sets a process's arguments; every address is known once all processes are added.
  void SetArgs(const std::string& name, std::vector<std::string> args);
  Result<void> Start();
  // Reaps exited children and restarts those due; returns true if anything changed.
  bool Poll();
  void Stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

  const std::vector<Child>& children() const { return children_; }
  uint16_t PortOf(const std::string& name) const;

 private:
  Result<void> Spawn(Child& child);

  std::string executable_;
  std::vector<std::pair<std::string, std::string>> environment_;
  std::vector<Child> children_;
};

}  // namespace tinysaga::app
