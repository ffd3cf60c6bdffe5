// sql/vector.h — the executor's column vectors and batches.
//
// A Vec is one column of a batch of rows. Values live in one of three physical forms:
//   i: int64  — BOOLEAN (0/1), BYTE, SHORT, CHAR, INT, LONG, DATE, TIMESTAMP, IPv4 (the
//               address as uint32), GEOHASH (its bits), and SYMBOL keys (with `symtab` set);
//               nulls are kNullLong (INT nulls, the IPv4 0.0.0.0 and GEOHASH's all-bits-set
//               are widened to it).
//   d: double — FLOAT, DOUBLE; null is NaN.
//   s: string_view — VARCHAR, SYMBOL without a dictionary, UUID, LONG128, LONG256 as their
//               canonical text (cairo/column_text.h), BINARY as its bytes; null has
//               data() == nullptr.
// The pointers either point into the Vec's own storage, into pinned table storage (mmaps stay
// valid while the query's TableViews live) or into another Vec's storage (a view, valid while
// that Vec lives). Strings built by functions are kept in `pool`, shared by copies.
// Not thread-safe; each worker thread uses its own batches.
#pragma once

#include <cmath>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cairo/column_type.h"
#include "cairo/table_view.h"

namespace sundial::sql {

using cairo::ColumnType;
inline constexpr int64_t kNullI64 = cairo::kNullLong;
inline constexpr size_t kBatchRows = 4096;

enum class Phys : uint8_t { kI64, kF64, kStr };

inline Phys PhysOf(ColumnType t) {
  switch (t) {
    case ColumnType::kFloat:
    case ColumnType::kDouble: return Phys::kF64;
    case ColumnType::kVarchar:
    case ColumnType::kBinary:
    case ColumnType::kUuid:
    case ColumnType::kLong128:
    case ColumnType::kLong256:
      return Phys::kStr;
    default: return Phys::kI64;
  }
}
inline bool IsIntegral(ColumnType t) {
  return t == ColumnType::kByte || t == ColumnType::kShort || t == ColumnType::kInt ||
         t == ColumnType::kLong || t == ColumnType::kChar;
}
inline bool IsNumeric(ColumnType t) {
  return IsIntegral(t) || t == ColumnType::kFloat || t == ColumnType::kDouble;
}
inline bool IsStringLike(ColumnType t) {
  return t == ColumnType::kVarchar || t == ColumnType::kSymbol;
}
// UUID, LONG128, LONG256: strings in the executor, typed values everywhere else.
inline bool IsTextValueType(ColumnType t) {
  return t == ColumnType::kUuid || t == ColumnType::kLong128 || t == ColumnType::kLong256;
}
inline bool IsTimeType(ColumnType t) {
  return t == ColumnType::kTimestamp || t == ColumnType::kDate;
}

// Owns string bytes; returned views stay valid for the pool's life.
class StringPool {
 public:
  std::string_view Add(std::string_view s) {
    if (s.data() == nullptr) return {};
    if (s.empty()) return std::string_view(kEmpty, 0);
    if (chunks_.empty() || chunks_.back().capacity() - chunks_.back().size() < s.size()) {
      chunks_.emplace_back();
      chunks_.back().reserve(std::max<size_t>(s.size(), 64 * 1024));
    }
    std::string& c = chunks_.back();
    size_t off = c.size();
    c.append(s);
    return std::string_view(c.data() + off, s.size());
  }
  static constexpr char kEmpty[1] = {0};

 private:
  std::deque<std::string> chunks_;
};

struct Vec {
  ColumnType type = ColumnType::kDouble;
  size_t n = 0;
  const int64_t* i = nullptr;
  const double* d = nullptr;
  const std::string_view* s = nullptr;
  const cairo::SymbolTable* symtab = nullptr;  // SYMBOL keys in `i`
  std::vector<int64_t> own_i;
  std::vector<double> own_d;
  std::vector<std::string_view> own_s;
  std::shared_ptr<StringPool> pool;

  Vec() = default;
  Vec(const Vec& o) { *this = o; }
  Vec(Vec&& o) noexcept = default;
  Vec& operator=(Vec&& o) noexcept = default;
  Vec& operator=(const Vec& o) {
    if (this == &o) return *this;
    type = o.type;
    n = o.n;
    symtab = o.symtab;
    pool = o.pool;
    own_i = o.own_i;
    own_d = o.own_d;
    own_s = o.own_s;
    i = o.i == o.own_i.data() && o.i ? own_i.data() : o.i;
    d = o.d == o.own_d.data() && o.d ? own_d.data() : o.d;
    s = o.s == o.own_s.data() && o.s ? own_s.data() : o.s;
    return *this;
  }

  Phys phys() const {
    if (type == ColumnType::kSymbol) return symtab ? Phys::kI64 : Phys::kStr;
    return PhysOf(type);
  }
  // A column the scan did not load (not referenced by the query).
  bool no_data() const { return !i && !d && !s; }
  bool has_keys() const { return type == ColumnType::kSymbol && symtab != nullptr; }

  void Reset(ColumnType t, size_t rows) {
    type = t;
    n = rows;
    i = nullptr;
    d = nullptr;
    s = nullptr;
    symtab = nullptr;
  }
  int64_t* AllocI(size_t rows) {
    own_i.resize(rows);
    i = own_i.data();
    n = rows;
    return own_i.data();
  }
  double* AllocD(size_t rows) {
    own_d.resize(rows);
    d = own_d.data();
    n = rows;
    return own_d.data();
  }
  std::string_view* AllocS(size_t rows) {
    own_s.resize(rows);
    s = own_s.data();
    n = rows;
    return own_s.data();
  }
  StringPool* Pool() {
    if (!pool) pool = std::make_shared<StringPool>();
    return pool.get();
  }
  // View of another vector's data (no copy). `o` must outlive this view's use.
  void ViewOf(const Vec& o) {
    type = o.type;
    n = o.n;
    i = o.i;
    d = o.d;
    s = o.s;
    symtab = o.symtab;
    pool = o.pool;
  }

  bool IsNull(size_t r) const {
    switch (phys()) {
      case Phys::kI64: return i[r] == kNullI64;
      case Phys::kF64: return std::isnan(d[r]);
      case Phys::kStr: return s[r].data() == nullptr;
    }
    return true;
  }
  // String value of a VARCHAR or SYMBOL row (null: data()==nullptr).
  std::string_view Str(size_t r) const {
    if (!symtab) return s[r];
    {
      int64_t k = i[r];
      if (k < 0 || k >= symtab->size()) return {};
      return symtab->Value(static_cast<int32_t>(k));
    }
    return {};
  }
};

struct ColInfo {
  std::string name;
  ColumnType type = ColumnType::kDouble;
  std::string qualifier;  // table name or alias this column belongs to
};

struct Batch {
  size_t n = 0;
  std::vector<Vec> cols;
  void Clear() {
    n = 0;
    for (auto& c : cols) c.Reset(c.type, 0);
  }
};

// Materialises `v` into a fresh owned vector (strings copied into `pool` if given).
void CopyVec(const Vec& v, Vec* out);
// out = rows of `v` at `rows` (owned result; strings keep `v`'s pool alive).
void GatherVec(const Vec& v, const uint32_t* rows, size_t count, Vec* out);
// Appends all rows of `v` to `acc` (same type), converting symbol keys to strings when the
// dictionaries differ. `acc` owns its data.
void AppendVec(const Vec& v, Vec* acc);
// Makes `v` own its data (copies views), keeping strings valid for `v`'s life.
void OwnVec(Vec* v);

}  // namespace sundial::sql
