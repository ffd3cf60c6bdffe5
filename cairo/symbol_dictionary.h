// cairo/symbol_dictionary.h — SYMBOL dictionaries.
//
// On disk: `<stem>.sym` in the table directory, append-only entries [u32 length][bytes]; key k
// is the k-th entry. The txn records the committed entry count and byte size; bytes past that
// are an uncommitted tail (truncated at open).
//
// FrozenSymbolTable is the reader's immutable dictionary for one pinned count (shared between
// views whose pins have the same count). SymbolDictionary is the writer's growing one.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cairo/table_view.h"
#include "core/file_system.h"

namespace sundial::cairo {

struct StringViewHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// Parses `count` entries from `bytes` (exactly `bytes.size()` bytes). Corruption if malformed.
core::Status ParseSymbolEntries(std::string_view bytes, uint32_t count, std::string* blob,
                                std::vector<uint32_t>* offsets);

class FrozenSymbolTable final : public SymbolTable {
 public:
  // Reads the committed prefix of `<stem>.sym` through `open_file`.
  static core::Result<std::shared_ptr<FrozenSymbolTable>> Load(core::File* file, uint32_t count,
                                                               uint64_t bytes);
  int32_t size() const override { return static_cast<int32_t>(offsets_.size()) - 1; }
  std::string_view Value(int32_t key) const override {
    return std::string_view(blob_).substr(offsets_[key], offsets_[key + 1] - offsets_[key]);
  }
  int32_t Find(std::string_view value) const override;

 private:
  std::string blob_;
  std::vector<uint32_t> offsets_{0};  // size()+1 entries into blob_
  mutable std::once_flag index_once_;
  mutable std::unordered_map<std::string_view, int32_t, StringViewHash, std::equal_to<>> index_;
};

// The writer's dictionary: committed entries plus pending ones added since the last commit.
// Not thread-safe (owned by the table's single writer).
class SymbolDictionary {
 public:
  // Loads the committed entries (count, bytes) from `file` (may be null when count is 0).
  core::Status Load(core::File* file, uint32_t count, uint64_t bytes);
  int32_t GetOrAdd(std::string_view value) {
    auto it = index_.find(value);
    if (it != index_.end()) return it->second;
    return Add(value);
  }
  uint32_t committed_count() const { return committed_count_; }
  uint64_t committed_bytes() const { return committed_bytes_; }
  uint32_t count() const { return static_cast<uint32_t>(values_.size()); }
  // The encoded bytes of the pending entries.
  std::string PendingBytes() const;
  uint64_t pending_bytes_size() const;
  void MarkCommitted();
  void DiscardPending();

 private:
  int32_t Add(std::string_view value);
  // Owned strings; std::string's small-buffer moves would break views, so keep unique_ptrs.
  std::vector<std::unique_ptr<std::string>> values_;
  std::unordered_map<std::string_view, int32_t, StringViewHash, std::equal_to<>> index_;
  uint32_t committed_count_ = 0;
  uint64_t committed_bytes_ = 0;
};

}  // namespace sundial::cairo
