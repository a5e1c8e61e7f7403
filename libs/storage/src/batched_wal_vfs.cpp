#include "batched_wal_vfs.h"

#include <sqlite3.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <new>
#include <string>
#include <utility>

namespace tinysaga::storage {

namespace {

// SQLite writes each WAL frame as two writes, its 24-byte header and then the page, so a
// transaction that changes N pages costs 2N pwrite calls: ~220 write calls per saga across the
// services (38 in the orchestrator's inbox thread alone), 40 with this VFS. This VFS is the default
// unix one, except that a WAL file gathers consecutive writes in memory and hands them to the
// kernel as one write when the transaction's commit frame is complete.
//
// Why nothing else changes: a commit becomes visible to readers (in this process or another)
// only when SQLite publishes the new WAL index header, which happens after sqlite3WalFrames has
// written the commit frame; its fsync (synchronous=FULL) comes after that write too. So every
// frame is in the file before anyone may read it or rely on it, whatever the synchronous mode.
// A crash while frames are gathered loses only a transaction that had not committed. Any other
// use of the file (read, sync, size, truncate, close, a write elsewhere) writes the gathered
// bytes first.
constexpr int kFrameHeaderBytes = 24;  // walEncodeFrame's header
constexpr int kWalHeaderBytes = 32;    // the file's own header, at offset 0
// The unix VFS writes at most 128 KiB - 1 per call (it masks the length with 0x1ffff), so a
// large transaction goes out in pieces of at most 64 KiB (16 frames of 4 KiB).
constexpr size_t kMaxGathered = 64 * 1024;

struct WalFile {
  sqlite3_file base;  // first: SQLite sees this
  sqlite3_file* real = nullptr;
  std::string gathered;
  sqlite3_int64 gathered_at = 0;
  bool commit_page_next = false;  // the last header was a commit frame's
};

// The real file lives in the same allocation, after ours (SQLite allocates szOsFile bytes).
constexpr size_t kRealOffset = (sizeof(WalFile) + alignof(std::max_align_t) - 1) /
                               alignof(std::max_align_t) * alignof(std::max_align_t);

sqlite3_vfs* Root() {
  static sqlite3_vfs* const root = sqlite3_vfs_find(nullptr);  // "unix" on Linux
  return root;
}

WalFile* Wal(sqlite3_file* file) { return reinterpret_cast<WalFile*>(file); }

int Flush(WalFile* wal) {
  if (wal->gathered.empty()) return SQLITE_OK;
  const int rc = wal->real->pMethods->xWrite(
      wal->real, wal->gathered.data(), static_cast<int>(wal->gathered.size()), wal->gathered_at);
  wal->gathered.clear();  // on failure too: SQLite gives up the transaction on a failed write
  return rc;
}

uint32_t BigEndian32(const void* bytes) {
  const auto* b = static_cast<const unsigned char*>(bytes);
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
}

int Write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
  WalFile* wal = Wal(file);
  const bool commit_page = std::exchange(wal->commit_page_next, false);
  const auto end = wal->gathered_at + static_cast<sqlite3_int64>(wal->gathered.size());
  const bool too_long = wal->gathered.size() + static_cast<size_t>(amount) > kMaxGathered;
  if (!wal->gathered.empty() && (offset != end || too_long)) {
    if (const int rc = Flush(wal); rc != SQLITE_OK) return rc;
  }
  if (wal->gathered.empty()) wal->gathered_at = offset;
  wal->gathered.append(static_cast<const char*>(data), static_cast<size_t>(amount));
  if (amount == kFrameHeaderBytes && offset >= kWalHeaderBytes) {
    // Bytes 4-7 of a frame header: the database size after a commit, 0 for other frames.
    wal->commit_page_next = BigEndian32(static_cast<const char*>(data) + 4) != 0;
    return SQLITE_OK;
  }
  return commit_page ? Flush(wal) : SQLITE_OK;
}

int Close(sqlite3_file* file) {
  WalFile* wal = Wal(file);
  int rc = Flush(wal);
  const int closed = wal->real->pMethods->xClose(wal->real);
  if (rc == SQLITE_OK) rc = closed;
  wal->~WalFile();
  return rc;
}

int Read(sqlite3_file* file, void* data, int amount, sqlite3_int64 offset) {
  if (const int rc = Flush(Wal(file)); rc != SQLITE_OK) return rc;
  return Wal(file)->real->pMethods->xRead(Wal(file)->real, data, amount, offset);
}

int Truncate(sqlite3_file* file, sqlite3_int64 size) {
  if (const int rc = Flush(Wal(file)); rc != SQLITE_OK) return rc;
  return Wal(file)->real->pMethods->xTruncate(Wal(file)->real, size);
}

int Sync(sqlite3_file* file, int flags) {
  if (const int rc = Flush(Wal(file)); rc != SQLITE_OK) return rc;
  return Wal(file)->real->pMethods->xSync(Wal(file)->real, flags);
}

int FileSize(sqlite3_file* file, sqlite3_int64* size) {
  if (const int rc = Flush(Wal(file)); rc != SQLITE_OK) return rc;
  return Wal(file)->real->pMethods->xFileSize(Wal(file)->real, size);
}

int Lock(sqlite3_file* file, int level) {
  return Wal(file)->real->pMethods->xLock(Wal(file)->real, level);
}
int Unlock(sqlite3_file* file, int level) {
  if (const int rc = Flush(Wal(file)); rc != SQLITE_OK) return rc;
  return Wal(file)->real->pMethods->xUnlock(Wal(file)->real, level);
}
int CheckReservedLock(sqlite3_file* file, int* out) {
  return Wal(file)->real->pMethods->xCheckReservedLock(Wal(file)->real, out);
}
int FileControl(sqlite3_file* file, int op, void* arg) {
  if (const int rc = Flush(Wal(file)); rc != SQLITE_OK) return rc;
  return Wal(file)->real->pMethods->xFileControl(Wal(file)->real, op, arg);
}
int SectorSize(sqlite3_file* file) {
  return Wal(file)->real->pMethods->xSectorSize(Wal(file)->real);
}
int DeviceCharacteristics(sqlite3_file* file) {
  return Wal(file)->real->pMethods->xDeviceCharacteristics(Wal(file)->real);
}

// Version 1 methods: a WAL file is never memory-mapped and holds no shared memory (that is
// the database file's), so SQLite calls nothing beyond these on it.
const sqlite3_io_methods kWalMethods = {
    .iVersion = 1,
    .xClose = Close,
    .xRead = Read,
    .xWrite = Write,
    .xTruncate = Truncate,
    .xSync = Sync,
    .xFileSize = FileSize,
    .xLock = Lock,
    .xUnlock = Unlock,
    .xCheckReservedLock = CheckReservedLock,
    .xFileControl = FileControl,
    .xSectorSize = SectorSize,
    .xDeviceCharacteristics = DeviceCharacteristics,
};

int Open(sqlite3_vfs*, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  if ((flags & SQLITE_OPEN_WAL) == 0) return Root()->xOpen(Root(), name, file, flags, out_flags);
  auto* wal = new (file) WalFile{};
  wal->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + kRealOffset);
  const int rc = Root()->xOpen(Root(), name, wal->real, flags, out_flags);
  if (rc != SQLITE_OK) {
    if (wal->real->pMethods != nullptr) wal->real->pMethods->xClose(wal->real);
    wal->~WalFile();
    file->pMethods = nullptr;
    return rc;
  }
  wal->base.pMethods = &kWalMethods;
  return SQLITE_OK;
}

// Everything but xOpen and the file object's size is the root VFS's own (its pAppData too).
sqlite3_vfs MakeVfs() {
  sqlite3_vfs vfs = *Root();
  vfs.szOsFile = static_cast<int>(kRealOffset) + Root()->szOsFile;
  vfs.zName = kBatchedWalVfs;
  vfs.pNext = nullptr;
  vfs.xOpen = Open;
  return vfs;
}

}  // namespace

const char* BatchedWalVfs() {
  static sqlite3_vfs vfs = MakeVfs();
  static std::once_flag registered;
  std::call_once(registered, [] { sqlite3_vfs_register(&vfs, /*makeDflt=*/0); });
  return kBatchedWalVfs;
}

}  // namespace tinysaga::storage
