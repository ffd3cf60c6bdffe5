#include "cairo/symbol_dictionary.h"

#include <cstring>

namespace sundial::cairo {
namespace {

core::Result<std::string> ReadPrefix(core::File* file, uint64_t bytes) {
  std::string data;
  if (bytes == 0) return data;
  if (file == nullptr) return core::Status::Corruption("symbol file missing");
  // Checked before allocating: a damaged `_txn` must not make us allocate wildly.
  ASSIGN_OR_RETURN(uint64_t actual, file->Size());
  if (actual < bytes) {
    return core::Status::Corruption("symbol file shorter than committed [path=" + file->path() +
                                    "]");
  }
  data.resize(bytes);
  ASSIGN_OR_RETURN(size_t got, file->ReadAt(0, data.data(), data.size()));
  if (got != bytes) {
    return core::Status::Corruption("symbol file shorter than committed [path=" + file->path() +
                                    "]");
  }
  return data;
}

}  // namespace

core::Status ParseSymbolEntries(std::string_view bytes, uint32_t count, std::string* blob,
                                std::vector<uint32_t>* offsets) {
  blob->clear();
  // Every entry takes at least its 4-byte length: a count past that is damage, not a reason
  // to reserve gigabytes. Offsets into the blob are 32-bit.
  if (count > bytes.size() / 4) return core::Status::Corruption("symbol count exceeds file size");
  if (bytes.size() - size_t{4} * count > UINT32_MAX) {
    return core::Status::Corruption("symbol file too large");
  }
  blob->reserve(bytes.size() - std::min<size_t>(bytes.size(), size_t{4} * count));
  offsets->assign(1, 0);
  offsets->reserve(count + 1);
  size_t pos = 0;
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t len;
    if (bytes.size() - pos < 4) return core::Status::Corruption("symbol file truncated");
    std::memcpy(&len, bytes.data() + pos, 4);
    pos += 4;
    if (bytes.size() - pos < len) return core::Status::Corruption("symbol file truncated");
    blob->append(bytes.data() + pos, len);
    pos += len;
    offsets->push_back(static_cast<uint32_t>(blob->size()));
  }
  if (pos != bytes.size()) return core::Status::Corruption("symbol file size mismatch");
  return core::Status::Ok();
}

core::Result<std::shared_ptr<FrozenSymbolTable>> FrozenSymbolTable::Load(core::File* file,
                                                                         uint32_t count,
                                                                         uint64_t bytes) {
  ASSIGN_OR_RETURN(std::string data, ReadPrefix(file, bytes));
  auto t = std::make_shared<FrozenSymbolTable>();
  RETURN_IF_ERROR(ParseSymbolEntries(data, count, &t->blob_, &t->offsets_));
  return t;
}

int32_t FrozenSymbolTable::Find(std::string_view value) const {
  std::call_once(index_once_, [this] {
    index_.reserve(static_cast<size_t>(size()));
    for (int32_t k = 0; k < size(); ++k) index_.emplace(Value(k), k);
  });
  auto it = index_.find(value);
  return it == index_.end() ? kNullSymbolKey : it->second;
}

core::Status SymbolDictionary::Load(core::File* file, uint32_t count, uint64_t bytes) {
  values_.clear();
  index_.clear();
  ASSIGN_OR_RETURN(std::string data, ReadPrefix(file, bytes));
  std::string blob;
  std::vector<uint32_t> offsets;
  RETURN_IF_ERROR(ParseSymbolEntries(data, count, &blob, &offsets));
  for (uint32_t k = 0; k < count; ++k) {
    Add(std::string_view(blob).substr(offsets[k], offsets[k + 1] - offsets[k]));
  }
  committed_count_ = count;
  committed_bytes_ = bytes;
  return core::Status::Ok();
}

int32_t SymbolDictionary::Add(std::string_view value) {
  values_.push_back(std::make_unique<std::string>(value));
  int32_t key = static_cast<int32_t>(values_.size() - 1);
  index_.emplace(std::string_view(*values_.back()), key);
  return key;
}

std::string SymbolDictionary::PendingBytes() const {
  std::string out;
  out.reserve(pending_bytes_size());
  for (size_t k = committed_count_; k < values_.size(); ++k) {
    uint32_t len = static_cast<uint32_t>(values_[k]->size());
    out.append(reinterpret_cast<const char*>(&len), 4);
    out.append(*values_[k]);
  }
  return out;
}

uint64_t SymbolDictionary::pending_bytes_size() const {
  uint64_t n = 0;
  for (size_t k = committed_count_; k < values_.size(); ++k) n += 4 + values_[k]->size();
  return n;
}

void SymbolDictionary::MarkCommitted() {
  committed_bytes_ += pending_bytes_size();
  committed_count_ = count();
}

void SymbolDictionary::DiscardPending() {
  while (values_.size() > committed_count_) {
    index_.erase(std::string_view(*values_.back()));
    values_.pop_back();
  }
}

}  // namespace sundial::cairo
