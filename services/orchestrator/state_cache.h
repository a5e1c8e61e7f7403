#pragma once
// The state of each unfinished saga as this process last wrote it, with the exact document it
// wrote. A reply or a deadline reads the saga's row first; when the row still holds that
// document, the state is taken from here instead of parsing it again. Parsing the document
// (and checking it against its definition) was the largest part of applying a reply: ~170 k
// instructions for a 1 KB document, against a string comparison here.
//
// Why it cannot serve a wrong state: a hit needs the row's document to equal, byte for byte,
// the one remembered, and reading a document is a pure function of its text. So it does not
// matter whether the transaction that wrote it committed, nor who else (another instance, an
// operator's verb) wrote the row since: a different document is a miss and is parsed.
//
// Bounded: a terminal saga is forgotten when saved, and beyond `capacity` unfinished sagas an
// arbitrary entry makes room (a miss only costs a parse). An entry is about 3 KB (the document
// and the state); at C=64 about a hundred sagas are unfinished at a time. An entry whose save
// rolled back stays until it is replaced or pushed out. Thread-safe: the inbox consumer and
// the timer share it.

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "orchestrator/domain/saga_catalog.h"

namespace tinysaga::orchestrator {

class StateCache {
 public:
  static constexpr size_t kCapacityDefault = 4096;
  explicit StateCache(size_t capacity = kCapacityDefault) : capacity_(capacity) {}

  // The saga whose stored document is `document`, if this cache remembers that document for it.
  std::shared_ptr<const LoadedSaga> Find(const SagaId& saga_id, std::string_view document) const;

  // `saga` is what `document` reads as. A terminal saga is forgotten instead: nothing applies
  // to it any more but an operator's retry, which reads it once.
  void Remember(std::string document, LoadedSaga saga);

  size_t size() const;

 private:
  struct Entry {
    std::string document;
    std::shared_ptr<const LoadedSaga> saga;
  };
  const size_t capacity_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;  // by saga id
};

}  // namespace tinysaga::orchestrator
