#include "http/ilp_ingest.h"

#include <strings.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <thread>

#include "cairo/column_text.h"
#include "cairo/column_type.h"
#include "core/timestamp.h"
#include "core/utf8.h"

namespace sundial::http {
namespace {

using cairo::ColumnType;
using core::Status;

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

ColumnType DefaultType(IlpType t) {
  switch (t) {
    case IlpType::kTag: return ColumnType::kSymbol;
    case IlpType::kDouble: return ColumnType::kDouble;
    case IlpType::kLong: return ColumnType::kLong;
    case IlpType::kBool: return ColumnType::kBoolean;
    case IlpType::kString: return ColumnType::kVarchar;
    case IlpType::kTimestamp: return ColumnType::kTimestamp;
  }
  return ColumnType::kVarchar;
}


bool InRange(int64_t v, ColumnType to) {
  switch (to) {
    // INT's null is INT32_MIN, so it is not a storable value.
    case ColumnType::kInt: return v > INT32_MIN && v <= INT32_MAX;
    case ColumnType::kShort: return v >= INT16_MIN && v <= INT16_MAX;
    case ColumnType::kByte: return v >= INT8_MIN && v <= INT8_MAX;
    default: return true;
  }
}

Status RangeError(ColumnType to, std::string_view table, std::string_view column) {
  return Status::InvalidArgument("integer value out of range for column type " +
                                 std::string(cairo::ColumnTypeName(to)) + " [table=" +
                                 std::string(table) + ", column=" + std::string(column) + "]");
}

// Bytes after which the fast path stops reading a name or a tag value.
struct FastStops {
  bool name[256] = {};
  bool tag_value[256] = {};
  FastStops() {
    for (unsigned char c : {' ', ',', '=', '\\', '"', '\n', '\r', '\t', '#'}) name[c] = true;
    for (unsigned char c : {' ', ',', '\\', '"', '\n', '\r'}) tag_value[c] = true;
    // Not ASCII: the general path checks it is UTF-8.
    for (int c = 0x80; c < 256; ++c) tag_value[c] = true;
  }
};
const FastStops kFastStops;

// As QuestDB: a line's text (names, tag and string values) must be UTF-8.
Status CheckUtf8(std::string_view table, const IlpValue* values, size_t n) {
  auto bad = [&](std::string_view what, std::string_view column) {
    std::string m = "invalid UTF-8 in " + std::string(what);
    if (!column.empty() && core::IsValidUtf8(column)) m += " [column=" + std::string(column) + "]";
    return Status::InvalidArgument(std::move(m));
  };
  if (!core::IsValidUtf8(table)) return bad("table name", "");
  for (size_t k = 0; k < n; ++k) {
    const IlpValue& v = values[k];
    if (!core::IsValidUtf8(v.name)) return bad("column name", "");
    if ((v.type == IlpType::kTag || v.type == IlpType::kString) && !core::IsValidUtf8(v.s)) {
      return bad(v.type == IlpType::kTag ? "tag value" : "string value", v.name);
    }
  }
  return Status::Ok();
}

// A name the fast path can match byte for byte: the parser would read it as is (no escapes,
// no delimiters, nothing skipped before a line).
bool IsPlainName(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (kFastStops.name[static_cast<unsigned char>(c)]) return false;
  }
  return true;
}

// A staged DOUBLE that was not in its row: a NaN with a payload no parser produces, so it is
// told apart from a NaN the client sent (both read back as null).
constexpr uint64_t kMissingDoubleBits = 0x7ff8'0000'dead'beefULL;
const double kMissingDouble = std::bit_cast<double>(kMissingDoubleBits);
constexpr int32_t kMissingId = -1;

// Equality of short byte strings (names, tag values) without a library call.
inline bool SameBytes(const char* a, const char* b, size_t n) {
  if (n >= 8) {
    if (n > 16) return std::memcmp(a, b, n) == 0;
    uint64_t a1, b1, a2, b2;
    std::memcpy(&a1, a, 8);
    std::memcpy(&b1, b, 8);
    std::memcpy(&a2, a + n - 8, 8);
    std::memcpy(&b2, b + n - 8, 8);
    return a1 == b1 && a2 == b2;
  }
  for (size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

inline bool Same(std::string_view a, std::string_view b) {
  return a.size() == b.size() && SameBytes(a.data(), b.data(), a.size());
}

inline uint64_t HashBytes(std::string_view s) {
  uint64_t h = 0x9e3779b97f4a7c15ULL ^ s.size();
  const char* p = s.data();
  size_t n = s.size();
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * 0xff51afd7ed558ccdULL;
    h ^= h >> 32;
    p += 8;
    n -= 8;
  }
  uint64_t w = 0;
  for (size_t i = 0; i < n; ++i) w |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
  // Final mix (MurmurHash3's fmix64): the low bits that pick a slot depend on every input bit
  // (without it, values sharing their first bytes, like host_1 .. host_999, cluster).
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}

// The distinct values of one staged tag column: id → value, open addressing on a fast hash.
// Two guesses come before the hash table: the previous value again, and the value that followed
// the previous value last time (series usually arrive in the same order every round).
class TagDictionary {
 public:
  int32_t FindOrAdd(std::string_view s) {
    if (last_ >= 0) {
      if (Same(values_[static_cast<size_t>(last_)], s)) return last_;
      const int32_t guess = next_[static_cast<size_t>(last_)];
      if (guess >= 0 && Same(values_[static_cast<size_t>(guess)], s)) return Found(guess);
    }
    if ((values_.size() + 1) * 2 > slots_.size()) Grow();
    const uint64_t h = HashBytes(s);
    const size_t mask = slots_.size() - 1;
    size_t i = h & mask;
    while (slots_[i] >= 0) {
      int32_t id = slots_[i];
      if (hashes_[static_cast<size_t>(id)] == h && Same(values_[static_cast<size_t>(id)], s)) {
        return Found(id);
      }
      i = (i + 1) & mask;
    }
    int32_t id = static_cast<int32_t>(values_.size());
    values_.emplace_back(s);
    hashes_.push_back(h);
    next_.push_back(-1);
    slots_[i] = id;
    return Found(id);
  }
  size_t size() const { return values_.size(); }
  std::string_view value(size_t id) const { return values_[id]; }
  void Clear() {
    values_.clear();
    hashes_.clear();
    next_.clear();
    std::fill(slots_.begin(), slots_.end(), -1);
    last_ = -1;
  }

 private:
  void Grow() {
    std::vector<int32_t> slots(std::max<size_t>(16, slots_.size() * 2), -1);
    const size_t mask = slots.size() - 1;
    for (size_t id = 0; id < values_.size(); ++id) {
      size_t i = hashes_[id] & mask;
      while (slots[i] >= 0) i = (i + 1) & mask;
      slots[i] = static_cast<int32_t>(id);
    }
    slots_ = std::move(slots);
  }

  int32_t Found(int32_t id) {
    if (last_ >= 0) next_[static_cast<size_t>(last_)] = id;
    return last_ = id;
  }

  std::vector<std::string> values_;
  std::vector<uint64_t> hashes_;
  std::vector<int32_t> next_;  // per id: the id found right after it last time, or -1
  std::vector<int32_t> slots_;
  int32_t last_ = -1;
};

}  // namespace

bool IlpTypeFits(IlpType from, ColumnType to) {
  switch (from) {
    case IlpType::kTag:
    case IlpType::kString:
      // As QuestDB: a string field also fills an existing IPv4, UUID, LONG128, LONG256 or
      // GEOHASH column (the text must parse, cairo/column_text.h; a longer geohash is cut).
      return to == ColumnType::kSymbol || to == ColumnType::kVarchar || to == ColumnType::kChar ||
             (from == IlpType::kString && cairo::HasStoredText(to));
    case IlpType::kDouble:
      return to == ColumnType::kDouble || to == ColumnType::kFloat;
    case IlpType::kLong:
      switch (to) {
        case ColumnType::kLong:
        case ColumnType::kTimestamp:
        case ColumnType::kDate:
        case ColumnType::kInt:
        case ColumnType::kShort:
        case ColumnType::kByte:
        case ColumnType::kDouble:
        case ColumnType::kFloat:
          return true;
        default:
          return false;
      }
    case IlpType::kBool:
      return to == ColumnType::kBoolean;
    case IlpType::kTimestamp:
      return to == ColumnType::kTimestamp || to == ColumnType::kDate;
  }
  return false;
}

Status IlpCastError(IlpType from, std::string_view column, ColumnType type,
                    std::string_view table) {
  return Status::InvalidArgument("cast error from protocol type: " + std::string(IlpTypeName(from)) +
                                 " to column type: " + std::string(cairo::ColumnTypeName(type)) +
                                 " [table=" + std::string(table) + ", column=" +
                                 std::string(column) + "]");
}

// One staged column: the values of one name and one line-protocol type, row-aligned with the
// table's staged timestamps (rows without a value hold a "missing" marker).
struct IlpBatch::LocalColumn {
  std::string name;
  IlpType type = IlpType::kDouble;
  // The table column's type (when the table had the column as the column was first seen) or
  // the type it will be created with.
  ColumnType target = ColumnType::kDouble;
  int64_t present = 0;      // rows holding a value
  std::vector<double> f64;  // kDouble
  std::vector<int64_t> i64; // kLong, kTimestamp (missing: kNullLong)
  std::vector<int32_t> ids; // kTag: dictionary index; kString: strings index; kBool: 0/1
  TagDictionary dict;       // kTag: each distinct value once
  // kString: bytes of every value, and (offset, length) per value.
  std::string arena;
  std::vector<std::pair<size_t, size_t>> strings;

  void PadTo(int64_t rows) {
    switch (type) {
      case IlpType::kDouble: f64.resize(static_cast<size_t>(rows), kMissingDouble); break;
      case IlpType::kLong:
      case IlpType::kTimestamp: i64.resize(static_cast<size_t>(rows), cairo::kNullLong); break;
      default: ids.resize(static_cast<size_t>(rows), kMissingId); break;
    }
  }
  bool Present(int64_t r) const {
    size_t i = static_cast<size_t>(r);
    switch (type) {
      case IlpType::kDouble: return std::bit_cast<uint64_t>(f64[i]) != kMissingDoubleBits;
      case IlpType::kLong:
      case IlpType::kTimestamp: return i64[i] != cairo::kNullLong;
      default: return ids[i] != kMissingId;
    }
  }
  // Stores `v` as row `row` (overwriting a value the same line already gave).
  void Put(int64_t row, const IlpValue& v) {
    const size_t r = static_cast<size_t>(row);
    switch (type) {
      case IlpType::kDouble: PutInto(f64, r, v.d, kMissingDouble); return;
      case IlpType::kLong:
      case IlpType::kTimestamp: PutInto(i64, r, v.i, cairo::kNullLong); return;
      case IlpType::kBool: PutInto(ids, r, v.b ? 1 : 0, kMissingId); return;
      case IlpType::kTag: PutInto(ids, r, dict.FindOrAdd(v.s), kMissingId); return;
      case IlpType::kString: {
        int32_t id = static_cast<int32_t>(strings.size());
        strings.emplace_back(arena.size(), v.s.size());
        arena.append(v.s);
        PutInto(ids, r, id, kMissingId);
        return;
      }
    }
  }
  template <typename T>
  void PutInto(std::vector<T>& vec, size_t row, T value, T missing) {
    const size_t n = vec.size();
    if (n == row + 1) {
      vec.back() = value;
      return;
    }
    if (n < row) vec.resize(row, missing);
    vec.push_back(value);
    ++present;
  }
  std::string_view StringAt(int64_t r) const {
    int32_t id = ids[static_cast<size_t>(r)];
    if (type == IlpType::kTag) return dict.value(static_cast<size_t>(id));
    const auto& [off, len] = strings[static_cast<size_t>(id)];
    return std::string_view(arena.data() + off, len);
  }
  size_t CapacityBytes() const {
    return f64.capacity() * sizeof(double) + i64.capacity() * sizeof(int64_t) +
           ids.capacity() * sizeof(int32_t) + arena.capacity() +
           strings.capacity() * sizeof(strings[0]);
  }
  void Clear() {
    present = 0;
    f64.clear();
    i64.clear();
    ids.clear();
    dict.Clear();
    arena.clear();
    strings.clear();
  }
};

// The layout of the last line Append() staged into a table, for AppendLikeLast(): the staged
// column of each value, and the bytes that must precede each value (",name=" for a tag,
// "name=" / ",name=" for a field).
struct IlpBatch::FastLayout {
  static constexpr size_t kMaxValues = 64;
  struct Slot {
    LocalColumn* column;
    std::string key;
  };
  size_t values = 0;      // of the line the layout was taken from; 0: no layout
  bool usable = false;    // tags, then plain DOUBLE fields, names without special bytes
  size_t tags = 0;        // the first `tags` slots are tags
  std::vector<Slot> slots;
};

struct IlpBatch::TableState {
  std::string name;               // as the client spelled it
  bool plain_name = false;        // no byte the fast path would have to unescape or skip
  FastLayout fast;
  // The table's schema: a snapshot taken when the batch first saw the table (empty if it did
  // not exist), replaced by the writer's once leased. Used to check lines as they come.
  cairo::TableSchema schema;
  bool exists = false;
  cairo::WriterLease lease;       // from the first flush until commit / rollback
  std::vector<std::unique_ptr<LocalColumn>> columns;  // in order of first sight
  std::vector<LocalColumn*> by_position;  // column of the k-th value of the last line
  std::vector<int64_t> timestamps;        // one per staged row
  int64_t in_writer = 0;          // rows moved into the writer, not yet committed

  int64_t staged() const { return static_cast<int64_t>(timestamps.size()); }
};

IlpBatch::IlpBatch(cairo::Engine* engine, IlpIngestOptions options)
    : engine_(engine), options_(options) {}

IlpBatch::~IlpBatch() { ReleaseAll(); }

core::Result<cairo::WriterLease> IlpBatch::AcquireWriter(const std::string& name) {
  int64_t deadline = core::MonotonicMicros() + options_.writer_wait_ms * 1000;
  int64_t sleep_us = 200;
  for (;;) {
    auto lease = engine_->AcquireWriter(name);
    if (lease.ok() || lease.status().code() != core::StatusCode::kUnavailable ||
        core::MonotonicMicros() >= deadline) {
      return lease;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(sleep_us));
    sleep_us = std::min<int64_t>(sleep_us * 2, 1'000);
  }
}

core::Result<IlpBatch::TableState*> IlpBatch::GetTable(std::string_view table) {
  if (last_ != nullptr && Same(last_->name, table)) return last_;
  for (auto& t : tables_) {
    if (IEquals(t->name, table)) {
      last_ = t.get();
      return last_;
    }
  }
  auto t = std::make_unique<TableState>();
  t->timestamps.swap(spare_timestamps_);
  t->name = std::string(table);
  if (engine_->HasTable(t->name)) {
    auto view = engine_->Pin(t->name);
    if (view.ok()) {
      t->schema = view->schema();
      t->exists = true;
    }
  }
  if (!t->exists) {
    std::string err = cairo::ValidateTableName(t->name);
    if (!err.empty()) return Status::InvalidArgument(err + " [table=" + t->name + "]");
  }
  t->plain_name = IsPlainName(t->name);
  tables_.push_back(std::move(t));
  last_ = tables_.back().get();
  return last_;
}

core::Result<IlpBatch::LocalColumn*> IlpBatch::NewColumn(TableState* t, const IlpValue& v) {
  ColumnType target = DefaultType(v.type);
  bool known = false;
  int idx = t->schema.FindColumn(v.name);
  if (idx >= 0) {
    if (idx == t->schema.timestamp_index) {
      return Status::InvalidArgument("designated timestamp column cannot be set from a field "
                                     "[table=" + t->name + ", column=" + std::string(v.name) + "]");
    }
    target = t->schema.columns[static_cast<size_t>(idx)].type;
    known = true;
  } else {
    std::string err = cairo::ValidateColumnName(v.name);
    if (!err.empty()) return Status::InvalidArgument(err + " [column=" + std::string(v.name) + "]");
    if (!t->exists && IEquals(v.name, "timestamp")) {
      return Status::InvalidArgument("column name 'timestamp' is reserved for the designated "
                                     "timestamp [table=" + t->name + "]");
    }
    // The same name staged with another type decides the column's type.
    for (const auto& c : t->columns) {
      if (IEquals(c->name, v.name)) {
        target = c->target;
        known = true;
        break;
      }
    }
  }
  if (known && !IlpTypeFits(v.type, target)) return IlpCastError(v.type, v.name, target, t->name);
  std::unique_ptr<LocalColumn> c = TakeSpareColumn(v.type);
  c->name = std::string(v.name);
  c->type = v.type;
  c->target = target;
  t->columns.push_back(std::move(c));
  return t->columns.back().get();
}

core::Result<IlpBatch::LocalColumn*> IlpBatch::ResolveColumn(TableState* t, size_t position,
                                                             const IlpValue& v) {
  LocalColumn* found = nullptr;
  for (const auto& c : t->columns) {
    if (c->type == v.type && c->name == v.name) {
      found = c.get();
      break;
    }
  }
  if (found == nullptr) {
    ASSIGN_OR_RETURN(found, NewColumn(t, v));
  }
  if (t->by_position.size() <= position) t->by_position.resize(position + 1, nullptr);
  t->by_position[position] = found;
  return found;
}

Status IlpBatch::Append(const IlpLine& line, int64_t timestamp_us) {
  return Append(line.table, line.values.data(), line.values.size(), timestamp_us);
}

Status IlpBatch::Append(std::string_view table, const IlpValue* values, size_t n,
                        int64_t timestamp_us) {
  RETURN_IF_ERROR(CheckUtf8(table, values, n));
  ASSIGN_OR_RETURN(TableState * t, GetTable(table));
  RETURN_IF_ERROR(cairo::CheckDesignatedTimestamp(timestamp_us, t->name));
  // Resolve and check every value before staging any, so a refused line leaves nothing.
  LocalColumn* small[64];
  std::vector<LocalColumn*> big;
  LocalColumn** cols = small;
  if (n > 64) {
    big.resize(n);
    cols = big.data();
  }
  for (size_t k = 0; k < n; ++k) {
    const IlpValue& v = values[k];
    LocalColumn* c = k < t->by_position.size() ? t->by_position[k] : nullptr;
    if (c == nullptr || c->type != v.type || !Same(c->name, v.name)) {
      ASSIGN_OR_RETURN(c, ResolveColumn(t, k, v));
    }
    if (v.type == IlpType::kLong && !InRange(v.i, c->target)) {
      return RangeError(c->target, t->name, v.name);
    }
    if ((v.type == IlpType::kTag || v.type == IlpType::kString) &&
        c->target == ColumnType::kChar && v.s.size() != 1) {
      return IlpCastError(v.type, v.name, c->target, t->name);
    }
    if (v.type == IlpType::kString && cairo::HasStoredText(c->target)) {
      uint8_t stored[32];
      if (!cairo::ParseStoredText(c->target, v.s, stored).ok()) {
        return IlpCastError(v.type, v.name, c->target, t->name);
      }
    }
    cols[k] = c;
  }
  const int64_t row = t->staged();
  for (size_t k = 0; k < n; ++k) cols[k]->Put(row, values[k]);
  t->timestamps.push_back(timestamp_us);
  ++pending_rows_;
  NoteLayout(t, n);
  if (t->staged() >= options_.flush_rows) return Flush(t);
  return Status::Ok();
}

void IlpBatch::NoteLayout(TableState* t, size_t n) {
  FastLayout& f = t->fast;
  bool same = f.values == n;
  for (size_t k = 0; same && k < n; ++k) same = f.slots[k].column == t->by_position[k];
  if (same) return;
  f.values = n;
  f.slots.clear();
  f.tags = 0;
  f.usable = t->plain_name && n > 0 && n <= FastLayout::kMaxValues;
  for (size_t k = 0; k < n; ++k) {
    LocalColumn* c = t->by_position[k];
    const bool tag = c->type == IlpType::kTag;
    if (tag) {
      // Tags come first in a line; a CHAR target needs the one-character check.
      if (k != f.tags || c->target == ColumnType::kChar) f.usable = false;
      ++f.tags;
    } else if (c->type != IlpType::kDouble) {
      f.usable = false;
    }
    if (!IsPlainName(c->name)) f.usable = false;
    std::string key = (tag || k > f.tags) ? "," : "";
    key += c->name;
    key += '=';
    f.slots.push_back({c, std::move(key)});
  }
  if (f.tags == n) f.usable = false;  // a line without fields takes the parser's path
}

bool IlpBatch::AppendLikeLast(char* p, char* end, IlpPrecision precision, int64_t now_us,
                              char** next, Status* status) {
  TableState* t = last_;
  if (t == nullptr || !t->fast.usable) return false;
  // The line's '\n' stops every scan below (it is no digit, no name byte, a tag value's end),
  // so they need no bounds checks; a line without one is the parser's.
  const char* const nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
  if (nl == nullptr) return false;
  const FastLayout& f = t->fast;
  const std::string& name = t->name;
  if (static_cast<size_t>(nl - p) <= name.size() || !SameBytes(p, name.data(), name.size())) {
    return false;
  }
  const char* q = p + name.size();
  // Left uninitialized: slot k is written before it is read.
  const char* tag_at[FastLayout::kMaxValues];
  size_t tag_len[FastLayout::kMaxValues];
  double fields[FastLayout::kMaxValues];
  size_t k = 0;
  for (; k < f.tags; ++k) {
    const std::string& key = f.slots[k].key;
    if (static_cast<size_t>(nl - q) <= key.size() || !SameBytes(q, key.data(), key.size())) {
      return false;
    }
    q += key.size();
    const char* v = q;
    while (!kFastStops.tag_value[static_cast<unsigned char>(*q)]) ++q;
    if (q == v || (*q != ',' && *q != ' ')) return false;
    tag_at[k] = v;
    tag_len[k] = static_cast<size_t>(q - v);
  }
  if (*q != ' ') return false;
  while (*q == ' ') ++q;
  for (; k < f.values; ++k) {
    const std::string& key = f.slots[k].key;
    if (static_cast<size_t>(nl - q) <= key.size() || !SameBytes(q, key.data(), key.size())) {
      return false;
    }
    q = ScanPlainDecimalToStop(q + key.size(), &fields[k]);
    if (q == nullptr) return false;
  }
  // The timestamp (optional): digits right before the line's '\n'.
  int64_t ts = now_us;
  if (*q == ' ') {
    while (*q == ' ') ++q;
    const bool neg = *q == '-';
    if (neg) ++q;
    const char* digits = q;
    uint64_t v = 0;
    while (static_cast<unsigned>(*q - '0') < 10 && q - digits < 19) {
      v = v * 10 + static_cast<unsigned>(*q - '0');
      ++q;
    }
    if (q == digits || v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return false;
    const int64_t sent = neg ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
    if (!IlpTimestampToMicros(sent, precision, &ts) || !cairo::CheckDesignatedTimestamp(ts, "").ok()) {
      return false;  // the general path refuses it with the table's name
    }
  }
  if (q != nl) return false;
  *next = const_cast<char*>(q) + 1;

  const size_t row = static_cast<size_t>(t->staged());
  for (k = 0; k < f.tags; ++k) {
    LocalColumn* c = f.slots[k].column;
    const int32_t id = c->dict.FindOrAdd(std::string_view(tag_at[k], tag_len[k]));
    if (c->ids.size() == row) {  // the usual case: the value is the row's first
      c->ids.push_back(id);
      ++c->present;
    } else {
      c->PutInto(c->ids, row, id, kMissingId);
    }
  }
  for (; k < f.values; ++k) {
    LocalColumn* c = f.slots[k].column;
    if (c->f64.size() == row) {
      c->f64.push_back(fields[k]);
      ++c->present;
    } else {
      c->PutInto(c->f64, row, fields[k], kMissingDouble);
    }
  }
  t->timestamps.push_back(ts);
  ++pending_rows_;
  *status = t->staged() >= options_.flush_rows ? Flush(t) : Status::Ok();
  return true;
}

void IlpBatch::ClearStaging(TableState* t) {
  for (auto& c : t->columns) c->Clear();
  t->timestamps.clear();
}

std::vector<IlpBatch::StagedColumn> IlpBatch::StagedColumns() const {
  std::vector<StagedColumn> out;
  for (const auto& t : tables_) {
    for (const auto& c : t->columns) {
      if (c->present > 0) out.push_back({t->name, c->name, c->type, c->target});
    }
  }
  return out;
}

Status IlpBatch::Flush(TableState* t) { return FlushTo(t, t); }

Status IlpBatch::MoveInto(IlpBatch* target) {
  for (auto& t : tables_) {
    const int64_t rows = t->staged();
    if (rows == 0) continue;
    ASSIGN_OR_RETURN(TableState * owner, target->GetTable(t->name));
    RETURN_IF_ERROR(FlushTo(t.get(), owner));
    target->pending_rows_ += rows;
    pending_rows_ -= rows;
  }
  return Status::Ok();
}

Status IlpBatch::FlushTo(TableState* t, TableState* owner) {
  const int64_t rows = t->staged();
  if (rows == 0) return Status::Ok();
  if (owner->lease.get() == nullptr) {
    if (!engine_->HasTable(t->name)) {
      cairo::TableSchema schema;
      for (const auto& c : t->columns) {
        if (c->present == 0 || schema.FindColumn(c->name) >= 0) continue;
        schema.columns.push_back({c->name, c->target, 0});
      }
      schema.columns.push_back({"timestamp", ColumnType::kTimestamp, 0});
      schema.timestamp_index = static_cast<int>(schema.columns.size()) - 1;
      schema.partition_by = options_.partition_by;
      Status st = engine_->CreateTable(t->name, schema);
      if (!st.ok() && st.code() != core::StatusCode::kAlreadyExists) return st;
    }
    ASSIGN_OR_RETURN(owner->lease, AcquireWriter(owner->name));
  }
  cairo::TableWriter* w = owner->lease.get();

  // Map staged columns to table columns, adding what is missing.
  struct Target {
    int index;
    ColumnType type;
    std::vector<LocalColumn*> sources;
  };
  std::vector<Target> targets;
  for (const auto& c : t->columns) {
    if (c->present == 0) continue;
    int idx = w->schema().FindColumn(c->name);
    if (idx < 0) {
      Status st = w->AddColumn(c->name, c->target);
      if (!st.ok() && st.code() != core::StatusCode::kAlreadyExists) return st;
      idx = w->schema().FindColumn(c->name);
      if (idx < 0) return Status::Internal("added column not found [column=" + c->name + "]");
    }
    if (idx == w->schema().timestamp_index) {
      return Status::InvalidArgument("designated timestamp column cannot be set from a field "
                                     "[table=" + t->name + ", column=" + c->name + "]");
    }
    ColumnType type = w->schema().columns[static_cast<size_t>(idx)].type;
    // Checked as lines came, against the schema then; the table may have changed since.
    if (!IlpTypeFits(c->type, type)) return IlpCastError(c->type, c->name, type, t->name);
    auto it = std::find_if(targets.begin(), targets.end(),
                           [&](const Target& x) { return x.index == idx; });
    if (it == targets.end()) {
      targets.push_back({idx, type, {}});
      it = targets.end() - 1;
    }
    it->sources.push_back(c.get());
  }

  // Build one ColumnBatch per table column. Where one staged column of the column's own
  // storage type is the only source, its buffer is passed as is.
  const size_t n = static_cast<size_t>(rows);
  std::vector<cairo::ColumnBatch> batches;
  std::vector<std::vector<char>> fixed;  // converted fixed-size buffers
  std::vector<std::vector<std::string_view>> texts;
  fixed.reserve(targets.size());
  texts.reserve(targets.size());
  for (Target& tg : targets) {
    for (LocalColumn* src : tg.sources) src->PadTo(rows);
    cairo::ColumnBatch b;
    b.column_index = tg.index;
    LocalColumn* only = tg.sources.size() == 1 ? tg.sources[0] : nullptr;
    if (only != nullptr && only->type == IlpType::kDouble && tg.type == ColumnType::kDouble) {
      // Missing markers are NaNs already; make them the canonical null NaN.
      auto& v = only->f64;
      if (only->present != rows) {
        for (double& d : v) {
          if (std::bit_cast<uint64_t>(d) == kMissingDoubleBits) d = std::nan("");
        }
      }
      b.values = v.data();
      batches.push_back(b);
      continue;
    }
    if (only != nullptr && (only->type == IlpType::kLong || only->type == IlpType::kTimestamp) &&
        (tg.type == ColumnType::kLong || tg.type == ColumnType::kTimestamp)) {
      b.values = only->i64.data();  // missing is kNullLong, the null
      batches.push_back(b);
      continue;
    }
    if (tg.type == ColumnType::kVarchar ||
        (tg.type == ColumnType::kSymbol &&
         !(only != nullptr && only->type == IlpType::kTag))) {
      auto& out = texts.emplace_back(n);  // default: null
      for (const LocalColumn* src : tg.sources) {
        for (int64_t r = 0; r < rows; ++r) {
          if (src->Present(r)) out[static_cast<size_t>(r)] = src->StringAt(r);
        }
      }
      b.strings = out.data();
      batches.push_back(b);
      continue;
    }
    const int width = cairo::ColumnTypeSize(tg.type);
    auto& buf = fixed.emplace_back(n * static_cast<size_t>(width));
    char* out = buf.data();
    cairo::FillNulls(tg.type, out, n);  // rows without a value
    for (const LocalColumn* src : tg.sources) {
      if (src->type == IlpType::kTag && tg.type == ColumnType::kSymbol) {
        // A key per dictionary entry, then per row.
        std::vector<int32_t> keys(src->dict.size());
        for (size_t i = 0; i < keys.size(); ++i) {
          ASSIGN_OR_RETURN(keys[i], w->SymbolKey(tg.index, src->dict.value(i)));
        }
        int32_t* o = reinterpret_cast<int32_t*>(out);
        for (size_t i = 0; i < n; ++i) {
          const int32_t id = src->ids[i];
          if (id != kMissingId) o[i] = keys[static_cast<size_t>(id)];
        }
        continue;
      }
      for (int64_t r = 0; r < rows; ++r) {
        if (!src->Present(r)) continue;
        const size_t i = static_cast<size_t>(r);
        switch (src->type) {
          case IlpType::kDouble: {
            double d = src->f64[i];
            if (tg.type == ColumnType::kFloat) reinterpret_cast<float*>(out)[i] = static_cast<float>(d);
            else reinterpret_cast<double*>(out)[i] = d;
            break;
          }
          case IlpType::kLong:
          case IlpType::kTimestamp: {
            int64_t v = src->i64[i];
            if (src->type == IlpType::kLong && !InRange(v, tg.type)) {
              return RangeError(tg.type, t->name, src->name);
            }
            switch (tg.type) {
              case ColumnType::kLong:
              case ColumnType::kTimestamp: reinterpret_cast<int64_t*>(out)[i] = v; break;
              case ColumnType::kDate:
                reinterpret_cast<int64_t*>(out)[i] =
                    src->type == IlpType::kTimestamp ? core::FloorDiv(v, 1000) : v;
                break;
              case ColumnType::kInt: reinterpret_cast<int32_t*>(out)[i] = static_cast<int32_t>(v); break;
              case ColumnType::kShort: reinterpret_cast<int16_t*>(out)[i] = static_cast<int16_t>(v); break;
              case ColumnType::kByte: reinterpret_cast<int8_t*>(out)[i] = static_cast<int8_t>(v); break;
              case ColumnType::kDouble: reinterpret_cast<double*>(out)[i] = static_cast<double>(v); break;
              case ColumnType::kFloat: reinterpret_cast<float*>(out)[i] = static_cast<float>(v); break;
              default: return IlpCastError(src->type, src->name, tg.type, t->name);
            }
            break;
          }
          case IlpType::kBool:
            reinterpret_cast<int8_t*>(out)[i] = static_cast<int8_t>(src->ids[i]);
            break;
          case IlpType::kTag:
          case IlpType::kString: {  // SYMBOL and VARCHAR targets were handled above: CHAR
            std::string_view s = src->StringAt(r);
            if (cairo::HasStoredText(tg.type)) {  // checked as the line came
              if (!cairo::ParseStoredText(tg.type, s, out + i * width).ok()) {
                return IlpCastError(src->type, src->name, tg.type, t->name);
              }
              break;
            }
            if (tg.type != ColumnType::kChar || s.size() != 1) {
              return IlpCastError(src->type, src->name, tg.type, t->name);
            }
            reinterpret_cast<uint16_t*>(out)[i] = static_cast<uint8_t>(s[0]);
            break;
          }
        }
      }
    }
    b.values = out;
    batches.push_back(b);
  }
  RETURN_IF_ERROR(w->AppendBatch(t->timestamps.data(), rows, batches.data(), batches.size()));
  owner->in_writer += rows;
  owner->schema = w->schema();
  owner->exists = true;
  ClearStaging(t);
  return Status::Ok();
}

Status IlpBatch::CommitAll() {
  Status first;
  for (auto& t : tables_) {
    if (first.ok()) {
      Status st = Flush(t.get());
      if (st.ok() && t->in_writer > 0) {
        auto r = t->lease->Commit();
        if (r.ok()) {
          committed_rows_ += t->in_writer;
        } else {
          st = r.status();
        }
      }
      if (!st.ok()) {
        first = Status(st.code(), st.message() + " [table=" + t->name + "]");
      }
    }
    if (!first.ok() && t->lease.get() != nullptr) t->lease->Rollback();
    ClearStaging(t.get());
    t->in_writer = 0;
  }
  pending_rows_ = 0;
  return first;
}

void IlpBatch::RollbackAll() {
  for (auto& t : tables_) {
    if (t->lease.get() != nullptr) t->lease->Rollback();
    ClearStaging(t.get());
    t->in_writer = 0;
  }
  pending_rows_ = 0;
}

void IlpBatch::ReleaseAll() {
  RollbackAll();
  // Emptied staging stays for the next tables (up to kMaxSpareBytes of capacity in all).
  for (auto& t : tables_) {
    for (auto& c : t->columns) {
      const size_t bytes = c->CapacityBytes();
      if (spare_bytes_ + bytes > kMaxSpareBytes) continue;
      spare_bytes_ += bytes;
      spare_columns_.push_back(std::move(c));
    }
    if (t->timestamps.capacity() > spare_timestamps_.capacity()) spare_timestamps_.swap(t->timestamps);
  }
  tables_.clear();
  last_ = nullptr;
}

std::unique_ptr<IlpBatch::LocalColumn> IlpBatch::TakeSpareColumn(IlpType type) {
  if (spare_columns_.empty()) return std::make_unique<LocalColumn>();
  size_t i = spare_columns_.size() - 1;  // one of the same type if there is one
  for (size_t k = spare_columns_.size(); k-- > 0;) {
    if (spare_columns_[k]->type == type) {
      i = k;
      break;
    }
  }
  std::unique_ptr<LocalColumn> c = std::move(spare_columns_[i]);
  spare_columns_[i] = std::move(spare_columns_.back());
  spare_columns_.pop_back();
  spare_bytes_ -= c->CapacityBytes();
  return c;
}

}  // namespace sundial::http
