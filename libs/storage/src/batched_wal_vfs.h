#pragma once
// An SQLite VFS that writes a transaction's WAL frames with one system call (see the .cpp).

namespace tinysaga::storage {

inline constexpr const char* kBatchedWalVfs = "tinysaga-batched-wal";

// Registers the VFS on first use (thread-safe) and returns its name for SOCI's "vfs=" option.
const char* BatchedWalVfs();

}  // namespace tinysaga::storage
