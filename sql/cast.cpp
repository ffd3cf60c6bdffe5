// Conversions between column types (CAST, INSERT coercion, UNION type unification) and
// constant vectors.
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "cairo/column_text.h"
#include "core/number_format.h"
#include "core/timestamp.h"
#include "core/utf8.h"
#include "sql/expr.h"
#include "sql/lexer.h"

namespace sundial::sql {

std::string FormatDouble(double v) {
  std::string out;
  core::AppendDouble(&out, v);
  return out;
}

void FillConstant(const Value& v, size_t n, Vec* out) {
  out->Reset(v.type, n);
  switch (PhysOf(v.type)) {
    case Phys::kF64: {
      double* p = out->AllocD(n);
      double x = v.is_null ? std::nan("") : v.d;
      for (size_t r = 0; r < n; ++r) p[r] = x;
      break;
    }
    case Phys::kStr: {
      std::string_view* p = out->AllocS(n);
      std::string_view x;
      if (!v.is_null) x = out->Pool()->Add(v.s.empty() ? std::string_view(StringPool::kEmpty, 0)
                                                       : std::string_view(v.s));
      for (size_t r = 0; r < n; ++r) p[r] = x;
      break;
    }
    case Phys::kI64: {
      if (v.type == ColumnType::kSymbol) {  // a symbol constant is a string without a dictionary
        std::string_view* p = out->AllocS(n);
        std::string_view x;
        if (!v.is_null) x = out->Pool()->Add(v.s.empty() ? std::string_view(StringPool::kEmpty, 0)
                                                         : std::string_view(v.s));
        for (size_t r = 0; r < n; ++r) p[r] = x;
        break;
      }
      int64_t* p = out->AllocI(n);
      // BOOLEAN, BYTE and SHORT have no null: theirs reads as false / 0.
      const bool zero_null = v.type == ColumnType::kBoolean || v.type == ColumnType::kByte ||
                             v.type == ColumnType::kShort;
      int64_t x = v.is_null ? (zero_null ? 0 : kNullI64) : v.i;
      for (size_t r = 0; r < n; ++r) p[r] = x;
      break;
    }
  }
}

Value ValueAt(const Vec& v, size_t r) {
  Value out;
  out.type = v.type;
  out.is_null = v.IsNull(r);
  if (out.is_null) return out;
  switch (v.phys()) {
    case Phys::kI64:
      if (v.has_keys()) {
        out.s = std::string(v.Str(r));
      } else {
        out.i = v.i[r];
      }
      break;
    case Phys::kF64: out.d = v.d[r]; break;
    case Phys::kStr: out.s = std::string(v.s[r]); break;
  }
  return out;
}

namespace {

bool Nullable(ColumnType t) {
  return !(t == ColumnType::kBoolean || t == ColumnType::kByte || t == ColumnType::kShort);
}

std::string TypeLabel(ColumnType t) { return std::string(cairo::ColumnTypeName(t)); }

core::Status Inconvertible(std::string_view text, ColumnType from, ColumnType to, int32_t pos) {
  return core::Status::InvalidArgument("inconvertible value: `" + std::string(text) + "` [" +
                                           TypeLabel(from) + " -> " + TypeLabel(to) + "]",
                                       pos);
}

bool ParseLong(std::string_view s, int64_t* out) {
  std::string t(s);
  while (!t.empty() && t.back() == ' ') t.pop_back();
  size_t b = 0;
  while (b < t.size() && t[b] == ' ') ++b;
  if (b == t.size()) return false;
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(t.c_str() + b, &end, 10);
  if (errno != 0 || *end != 0) return false;
  *out = v;
  return true;
}

bool ParseDouble(std::string_view s, double* out) {
  std::string t(s);
  if (t.empty()) return false;
  char* end = nullptr;
  double v = std::strtod(t.c_str(), &end);
  while (*end == ' ') ++end;
  if (*end != 0) return false;
  *out = v;
  return true;
}

// Java's narrowing of an integer to the integer-like type `to`, with QuestDB's nulls: INT's
// minimum is its null, a CHAR 0 is the null char; BOOLEAN is `v != 0`.
int64_t WrapInteger(ColumnType to, int64_t v) {
  switch (to) {
    case ColumnType::kByte: return static_cast<int8_t>(v);
    case ColumnType::kShort: return static_cast<int16_t>(v);
    case ColumnType::kChar: {
      const uint16_t c = static_cast<uint16_t>(v);
      return c == 0 ? kNullI64 : c;
    }
    case ColumnType::kInt: {
      const int32_t x = static_cast<int32_t>(v);
      return x == cairo::kNullInt ? kNullI64 : x;
    }
    case ColumnType::kBoolean: return v != 0;
    default: return v;
  }
}

// The int64 form of a null of `to` (BOOLEAN, BYTE and SHORT have no null: 0).
int64_t NullOf(ColumnType to) {
  return to == ColumnType::kBoolean || to == ColumnType::kByte || to == ColumnType::kShort ? 0
                                                                                            : kNullI64;
}

// A non-null integer-like value of `from` (not a string) as `to` (integer-like or time).
int64_t CastInteger(int64_t v, ColumnType from, ColumnType to) {
  if (from == ColumnType::kBoolean && to == ColumnType::kChar) return v ? 'T' : 'F';
  if (from == ColumnType::kChar && to == ColumnType::kBoolean) return (v | 32) == 't';
  if (from == ColumnType::kDate && to == ColumnType::kTimestamp) return v * 1000;
  if (from == ColumnType::kTimestamp && to == ColumnType::kDate) return core::FloorDiv(v, 1000);
  return WrapInteger(to, v);
}

// A FLOAT/DOUBLE as `to` (integer-like or time), as QuestDB's casts do: NaN and values out of
// INT's (LONG's) range are null for INT (LONG, DATE, TIMESTAMP); BYTE, SHORT and CHAR narrow
// Java's way, through a saturated int; BOOLEAN is true for anything but zero (NaN included).
int64_t CastFloating(double v, ColumnType to) {
  if (to == ColumnType::kBoolean) return !(v == 0);
  if (to == ColumnType::kInt) {
    if (std::isnan(v) || v < INT32_MIN || v > INT32_MAX) return kNullI64;
    return WrapInteger(to, static_cast<int64_t>(v));
  }
  if (to == ColumnType::kByte || to == ColumnType::kShort || to == ColumnType::kChar) {
    int32_t x = 0;
    if (std::isnan(v)) return NullOf(to);
    if (v >= 2147483647.0) {
      x = INT32_MAX;
    } else if (v <= -2147483648.0) {
      x = INT32_MIN;
    } else {
      x = static_cast<int32_t>(v);
    }
    return WrapInteger(to, x);
  }
  // LONG, DATE, TIMESTAMP: [-2^63, 2^63) converts, the rest is null.
  if (std::isnan(v) || v < -9223372036854775808.0 || v >= 9223372036854775808.0) return kNullI64;
  return static_cast<int64_t>(v);
}

// The first character of UTF-8 text as a UTF-16 unit (0 if none or outside the BMP).
uint16_t FirstChar(std::string_view s, size_t* len) {
  *len = 0;
  if (s.empty()) return 0;
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  if (b(0) < 0x80) {
    *len = 1;
    return b(0);
  }
  if ((b(0) & 0xE0) == 0xC0 && s.size() >= 2) {
    *len = 2;
    return static_cast<uint16_t>(((b(0) & 0x1F) << 6) | (b(1) & 0x3F));
  }
  if ((b(0) & 0xF0) == 0xE0 && s.size() >= 3) {
    *len = 3;
    return static_cast<uint16_t>(((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F));
  }
  return 0;
}

// Text as `to` (integer-like or time). Text that does not convert is an error for implicit
// conversions (INSERT, UPDATE: a decimal is truncated) and, as QuestDB's casts do, null for
// explicit ones (integers must be integers; BOOLEAN: false unless 'true'; CHAR: the first
// character).
core::Status CastText(std::string_view s, ColumnType from, ColumnType to, CastMode mode,
                      int32_t pos, int64_t* out) {
  const bool lenient = mode == CastMode::kExplicit;
  if (IsTimeType(to)) {
    auto ts = core::ParseTimestamp(s);
    int64_t raw;
    if (ts.ok()) {
      *out = to == ColumnType::kDate ? core::FloorDiv(*ts, 1000) : *ts;
    } else if (ParseLong(s, &raw)) {
      *out = raw;
    } else if (lenient) {
      *out = kNullI64;
    } else {
      return Inconvertible(s, from, to, pos);
    }
    return core::Status::Ok();
  }
  if (to == ColumnType::kBoolean) {
    if (EqualsIgnoreCase(s, "true")) {
      *out = 1;
    } else if (EqualsIgnoreCase(s, "false") || lenient) {
      *out = 0;
    } else {
      return Inconvertible(s, from, to, pos);
    }
    return core::Status::Ok();
  }
  if (to == ColumnType::kChar) {
    size_t len = 0;
    const uint16_t c = FirstChar(s, &len);
    if (!lenient && (len == 0 || len != s.size())) return Inconvertible(s, from, to, pos);
    *out = c == 0 ? kNullI64 : c;
    return core::Status::Ok();
  }
  int64_t v;
  if (!ParseLong(s, &v)) {
    if (lenient) {  // QuestDB's casts read integers only: '1.5' and 'abc' are null
      *out = NullOf(to);
      return core::Status::Ok();
    }
    double dv;
    if (!ParseDouble(s, &dv) || std::isnan(dv)) return Inconvertible(s, from, to, pos);
    *out = CastFloating(dv, to);
    return core::Status::Ok();
  }
  *out = WrapInteger(to, v);
  return core::Status::Ok();
}
}  // namespace

core::Status CheckImplicitNarrowing(const Vec& in, ColumnType to, int32_t pos) {
  const ColumnType from = in.type;
  if (in.phys() != Phys::kI64 || !IsIntegral(from) || from == ColumnType::kChar) {
    return core::Status::Ok();
  }
  int64_t lo = 0, hi = 0;
  switch (to) {
    case ColumnType::kByte: lo = INT8_MIN; hi = INT8_MAX; break;
    case ColumnType::kShort: lo = INT16_MIN; hi = INT16_MAX; break;
    case ColumnType::kInt: lo = INT32_MIN; hi = INT32_MAX; break;
    default: return core::Status::Ok();
  }
  if (cairo::ColumnTypeSize(from) <= cairo::ColumnTypeSize(to)) return core::Status::Ok();
  for (size_t r = 0; r < in.n; ++r) {
    const int64_t x = in.i[r];
    if (x == kNullI64 || (x >= lo && x <= hi)) continue;
    return core::Status::InvalidArgument("inconvertible value: " + std::to_string(x) + " [" +
                                             TypeLabel(from) + " -> " + TypeLabel(to) + "]",
                                         pos);
  }
  return core::Status::Ok();
}

namespace {

// Casts into a FLOAT/DOUBLE result.
core::Status CastToFloating(const Vec& in, ColumnType to, CastMode mode, int32_t pos, Vec* res) {
  const size_t n = in.n;
  const bool from_str = in.phys() == Phys::kStr || in.has_keys();
  double* p = res->AllocD(n);
  for (size_t r = 0; r < n; ++r) {
    if (in.IsNull(r) && Nullable(in.type)) {
      p[r] = std::nan("");
    } else if (from_str) {
      std::string_view s = in.Str(r);
      if (!ParseDouble(s, &p[r])) {
        if (mode != CastMode::kExplicit) return Inconvertible(s, in.type, to, pos);
        p[r] = std::nan("");
      }
    } else if (in.phys() == Phys::kF64) {
      p[r] = in.d[r];
    } else {
      p[r] = static_cast<double>(in.i[r]);
    }
    if (to == ColumnType::kFloat) p[r] = static_cast<float>(p[r]);
  }
  return core::Status::Ok();
}

// Casts into an integer-like or time result.
core::Status CastToInteger(const Vec& in, ColumnType to, CastMode mode, int32_t pos, Vec* res) {
  const size_t n = in.n;
  const bool from_str = in.phys() == Phys::kStr || in.has_keys();
  const bool nullable_from = Nullable(in.type);
  int64_t* p = res->AllocI(n);
  for (size_t r = 0; r < n; ++r) {
    if (from_str) {
      std::string_view s = in.Str(r);
      if (s.data() == nullptr) {
        p[r] = NullOf(to);
      } else {
        RETURN_IF_ERROR(CastText(s, in.type, to, mode, pos, &p[r]));
      }
    } else if (in.phys() == Phys::kF64) {
      p[r] = CastFloating(in.d[r], to);
    } else if (nullable_from && in.i[r] == kNullI64) {
      p[r] = NullOf(to);
    } else {
      p[r] = CastInteger(in.i[r], in.type, to);
    }
  }
  return core::Status::Ok();
}

// Text of a non-string value (QuestDB's layouts: Java's for FLOAT/DOUBLE, ISO for times).
void FormatValue(const Vec& in, size_t r, std::string* tmp) {
  tmp->clear();
  if (cairo::IsGeoHash(in.type)) {
    cairo::AppendGeoHash(tmp, in.i[r], cairo::GeoHashBits(in.type));
    return;
  }
  switch (in.type) {
    case ColumnType::kBoolean: *tmp = in.i[r] ? "true" : "false"; break;
    case ColumnType::kChar: core::AppendUtf8(static_cast<uint16_t>(in.i[r]), tmp); break;
    case ColumnType::kTimestamp: core::AppendTimestamp(tmp, in.i[r]); break;
    case ColumnType::kDate: core::AppendDateMillis(tmp, in.i[r]); break;
    case ColumnType::kFloat: core::AppendFloat(tmp, static_cast<float>(in.d[r])); break;
    case ColumnType::kDouble: core::AppendDouble(tmp, in.d[r]); break;
    case ColumnType::kIPv4:
      cairo::AppendIPv4(tmp, static_cast<uint32_t>(in.i[r]));
      break;
    default: *tmp = std::to_string(in.i[r]); break;
  }
}

// Casts into text (VARCHAR, or SYMBOL without a dictionary). Strings of `in` are shared, not
// copied: `res` keeps `in`'s pool alive (dictionary and column strings live in pinned storage).
void CastToText(const Vec& in, Vec* res) {
  const size_t n = in.n;
  std::string_view* p = res->AllocS(n);
  if (in.phys() == Phys::kStr || in.has_keys()) {
    for (size_t r = 0; r < n; ++r) p[r] = in.Str(r);
    res->pool = in.pool;
    return;
  }
  StringPool* pool = res->Pool();
  std::string tmp;
  for (size_t r = 0; r < n; ++r) {
    if (in.IsNull(r) && Nullable(in.type)) {
      p[r] = {};
      continue;
    }
    FormatValue(in, r, &tmp);
    p[r] = pool->Add(tmp);
  }
}

// Casts into or out of IPv4, UUID, LONG128 and LONG256 (not into text: CastToText). Text parses
// (cairo/column_text.h); IPv4 and the integers convert both ways (the address as an unsigned
// 32-bit number, 0 is null, as QuestDB); other pairs are refused.
core::Status CastTyped(const Vec& in, ColumnType to, CastMode mode, int32_t pos, Vec* res) {
  const size_t n = in.n;
  const bool from_str = in.phys() == Phys::kStr || in.has_keys();
  const ColumnType from = in.type;
  if (from_str && !IsTextValueType(from) && (IsTextValueType(to) || to == ColumnType::kIPv4)) {
    std::string_view* ps = IsTextValueType(to) ? res->AllocS(n) : nullptr;
    int64_t* pi = ps ? nullptr : res->AllocI(n);
    StringPool* pool = res->Pool();
    uint8_t stored[32];
    std::string text;
    for (size_t r = 0; r < n; ++r) {
      std::string_view s = in.Str(r);
      bool ok = s.data() != nullptr && cairo::ParseStoredText(to, s, stored).ok();
      if (s.data() != nullptr && !ok && mode != CastMode::kExplicit) {
        return Inconvertible(s, from, to, pos);
      }
      ok = ok && !cairo::IsStoredNull(to, stored);
      if (pi) {
        uint32_t a = 0;
        if (ok) std::memcpy(&a, stored, 4);
        pi[r] = ok ? static_cast<int64_t>(a) : kNullI64;
        continue;
      }
      if (!ok) {
        ps[r] = {};
        continue;
      }
      text.clear();
      cairo::AppendStoredText(to, stored, &text);
      ps[r] = pool->Add(text);
    }
    return core::Status::Ok();
  }
  if (to == ColumnType::kIPv4 && IsIntegral(from) && in.phys() == Phys::kI64) {
    int64_t* p = res->AllocI(n);
    for (size_t r = 0; r < n; ++r) {
      const int64_t x = in.i[r];
      const uint32_t a = static_cast<uint32_t>(x);
      p[r] = x == kNullI64 || a == 0 ? kNullI64 : static_cast<int64_t>(a);
    }
    return core::Status::Ok();
  }
  if (from == ColumnType::kIPv4 && (to == ColumnType::kInt || to == ColumnType::kLong)) {
    int64_t* p = res->AllocI(n);
    for (size_t r = 0; r < n; ++r) {
      const int64_t x = in.i[r];
      p[r] = x == kNullI64 ? kNullI64 : to == ColumnType::kInt ? WrapInteger(to, x) : x;
    }
    return core::Status::Ok();
  }
  if (IsTextValueType(from) && IsTextValueType(to) && from_str) {
    // UUID <-> LONG128 share the text form; LONG256 parses only its own.
    Vec text = in;
    text.type = ColumnType::kVarchar;
    return CastTyped(text, to, mode, pos, res);
  }
  return core::Status::InvalidArgument(
      "inconvertible types: " + TypeLabel(from) + " -> " + TypeLabel(to), pos);
}

// Casts into GEOHASH (not into text: CastToText): text parses (cairo/column_text.h; empty
// text is null), a GEOHASH of at least as many bits keeps its first bits; a narrower GEOHASH
// and every other type are refused, as in QuestDB (every bit of a geohash is significant).
core::Status CastToGeoHash(const Vec& in, ColumnType to, int32_t pos, Vec* res) {
  const size_t n = in.n;
  const ColumnType from = in.type;
  const int bits = cairo::GeoHashBits(to);
  if (in.phys() == Phys::kStr || in.has_keys()) {
    int64_t* p = res->AllocI(n);
    uint8_t stored[8];
    for (size_t r = 0; r < n; ++r) {
      const std::string_view s = in.Str(r);
      if (s.data() == nullptr) {
        p[r] = kNullI64;
        continue;
      }
      if (!cairo::ParseStoredText(to, s, stored).ok()) return Inconvertible(s, from, to, pos);
      p[r] = cairo::LoadGeoHash(to, stored);
    }
    return core::Status::Ok();
  }
  if (cairo::IsGeoHash(from) && cairo::GeoHashBits(from) >= bits) {
    const int shift = cairo::GeoHashBits(from) - bits;
    int64_t* p = res->AllocI(n);
    for (size_t r = 0; r < n; ++r) p[r] = in.i[r] == kNullI64 ? kNullI64 : in.i[r] >> shift;
    return core::Status::Ok();
  }
  return core::Status::InvalidArgument(
      "inconvertible types: " + TypeLabel(from) + " -> " + TypeLabel(to), pos);
}

}  // namespace

core::Status StoreTypedValue(const Vec& v, size_t r, void* out) {
  if (cairo::IsGeoHash(v.type)) {
    cairo::StoreGeoHash(v.type, v.i[r], out);
    return core::Status::Ok();
  }
  if (v.type == ColumnType::kIPv4) {
    const uint32_t a = v.i[r] == kNullI64 ? 0 : static_cast<uint32_t>(v.i[r]);
    std::memcpy(out, &a, 4);
    return core::Status::Ok();
  }
  const std::string_view s = v.Str(r);
  if (s.data() == nullptr) {
    cairo::WriteNullValue(v.type, out);
    return core::Status::Ok();
  }
  return cairo::ParseStoredText(v.type, s, out);
}

core::Status CastVec(const Vec& in, ColumnType to, Vec* out, int32_t pos, CastMode mode) {
  if (in.type == to && !(to == ColumnType::kSymbol && in.symtab)) {
    // A copy, not a view: `in` is often a temporary (an expression's result) that dies when
    // the caller returns. Views of pinned storage stay views; data `in` owns is copied.
    *out = in;
    return core::Status::Ok();
  }
  if (to == ColumnType::kBinary || in.type == ColumnType::kBinary) {
    // As QuestDB: BINARY converts to and from nothing (base64() makes text of it).
    return core::Status::InvalidArgument(
        "inconvertible types: " + TypeLabel(in.type) + " -> " + TypeLabel(to), pos);
  }
  Vec res;
  res.Reset(to, in.n);
  if (to == ColumnType::kSymbol || to == ColumnType::kVarchar) {
    CastToText(in, &res);
  } else if (cairo::IsGeoHash(to) || cairo::IsGeoHash(in.type)) {
    if (!cairo::IsGeoHash(to)) {
      return core::Status::InvalidArgument(
          "inconvertible types: " + TypeLabel(in.type) + " -> " + TypeLabel(to), pos);
    }
    RETURN_IF_ERROR(CastToGeoHash(in, to, pos, &res));
  } else if (IsTextValueType(to) || to == ColumnType::kIPv4 || IsTextValueType(in.type) ||
             in.type == ColumnType::kIPv4) {
    RETURN_IF_ERROR(CastTyped(in, to, mode, pos, &res));
  } else if (PhysOf(to) == Phys::kF64) {
    RETURN_IF_ERROR(CastToFloating(in, to, mode, pos, &res));
  } else {
    RETURN_IF_ERROR(CastToInteger(in, to, mode, pos, &res));
  }
  *out = std::move(res);
  return core::Status::Ok();
}

core::Result<Value> CastValue(const Value& v, ColumnType to, int32_t pos, CastMode mode) {
  Vec in, out;
  FillConstant(v, 1, &in);
  if (v.type == ColumnType::kSymbol) in.type = ColumnType::kSymbol;
  RETURN_IF_ERROR(CastVec(in, to, &out, pos, mode));
  Value r = ValueAt(out, 0);
  r.type = to;
  return r;
}

}  // namespace sundial::sql
