// CAST: regressions for casts whose result viewed a freed temporary, and a differential test of
// CastVec through the engine against a small model of QuestDB's conversions.
#include <gtest/gtest.h>

#include <charconv>
#include <cstring>
#include <random>
#include <vector>

#include "core/number_format.h"
#include "sql/statements.h"
#include "tests/sql/sql_test_util.h"

namespace sundial::sql {
namespace {

class CastTest : public SqlFixture {};

// An identity cast (to the type the value already has) used to return a view of its input's
// buffer, which was freed when the cast returned: garbage, "out of memory", wrong rows.
TEST_F(CastTest, IdentityCastOfAComputedValueKeepsItsValue) {
  EXPECT_EQ(Query("select cast(3 + 2 as int) a, cast(1.5 as double) b, 7::int c, "
                  "cast('abc' as varchar) d, cast(cast(2 as long) as long) e"),
            "a\tb\tc\td\te\n5\t1.5\t7\tabc\t2\n");
  Exec("create table u (l long)");
  Exec("insert into u select x * 1000 from long_sequence(10000)");
  EXPECT_EQ(Query("select count() from u where cast(l * 1 as long) != l"), "count\n0\n");
  EXPECT_EQ(Query("select sum(cast(l + 0 as long)) s, sum(l) t from u"), "s\tt\n50005000000\t50005000000\n");
  EXPECT_EQ(Query("select cast(concat(l, 'x') as varchar) v from u limit 2"), "v\n1000x\n2000x\n");
}

TEST_F(CastTest, InsertStoresIdentityCastsOfComputedValues) {
  Exec("create table t (ts timestamp, l long, s varchar, d double) timestamp(ts) partition by day");
  Exec("insert into t values ('2024-01-05', cast(10000000000 as long), cast('xy' as varchar), "
       "cast(2.5 * 2 as double))");
  Exec("insert into t select cast(ts + 1 as timestamp), cast(l + 1 as long), cast(s as varchar), "
       "cast(d * 1 as double) from t");
  EXPECT_EQ(Query("select * from t"),
            "ts\tl\ts\td\n"
            "2024-01-05T00:00:00.000000Z\t10000000000\txy\t5.0\n"
            "2024-01-05T00:00:00.000001Z\t10000000001\txy\t5.0\n");
}


// ---- Differential: CAST through the engine vs a model of QuestDB's casts ----

using cairo::ColumnType;
constexpr ColumnType kTypes[] = {
    ColumnType::kBoolean, ColumnType::kByte,  ColumnType::kShort,  ColumnType::kChar,
    ColumnType::kInt,     ColumnType::kLong,  ColumnType::kFloat,  ColumnType::kDouble,
    ColumnType::kDate,    ColumnType::kTimestamp, ColumnType::kSymbol, ColumnType::kVarchar};
constexpr int64_t kLongNull = INT64_MIN;

// One value of a column in the model: null, an integer (all integer-like and time types), a
// double (FLOAT, DOUBLE) or text.
struct ModelValue {
  bool null = false;
  int64_t i = 0;
  double d = 0;
  std::string s;
};

bool IsText(ColumnType t) { return t == ColumnType::kSymbol || t == ColumnType::kVarchar; }
bool IsFloating(ColumnType t) { return t == ColumnType::kFloat || t == ColumnType::kDouble; }
bool HasNull(ColumnType t) {
  return !(t == ColumnType::kBoolean || t == ColumnType::kByte || t == ColumnType::kShort);
}

ModelValue Null(ColumnType t) {
  ModelValue v;
  v.null = HasNull(t);  // BOOLEAN/BYTE/SHORT: false / 0
  return v;
}
ModelValue Int(int64_t x) {
  ModelValue v;
  v.i = x;
  return v;
}

// Java's narrowing with QuestDB's nulls.
ModelValue NarrowInt(int64_t x, ColumnType to) {
  switch (to) {
    case ColumnType::kBoolean: return Int(x != 0);
    case ColumnType::kByte: return Int(static_cast<int8_t>(x));
    case ColumnType::kShort: return Int(static_cast<int16_t>(x));
    case ColumnType::kChar: return static_cast<uint16_t>(x) == 0 ? Null(to) : Int(static_cast<uint16_t>(x));
    case ColumnType::kInt: return static_cast<int32_t>(x) == INT32_MIN ? Null(to) : Int(static_cast<int32_t>(x));
    default: return x == kLongNull ? Null(to) : Int(x);
  }
}

std::string Utf8(uint16_t c) {
  std::string out;
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
  return out;
}

std::string Text(const ModelValue& v, ColumnType from) {
  std::string out;
  switch (from) {
    case ColumnType::kBoolean: return v.i ? "true" : "false";
    case ColumnType::kChar: return Utf8(static_cast<uint16_t>(v.i));
    case ColumnType::kDate: core::AppendDateMillis(&out, v.i); return out;
    case ColumnType::kTimestamp: core::AppendTimestamp(&out, v.i); return out;
    case ColumnType::kFloat: core::AppendFloat(&out, static_cast<float>(v.d)); return out;
    case ColumnType::kDouble: core::AppendDouble(&out, v.d); return out;
    default: return std::to_string(v.i);
  }
}

ModelValue FromText(const std::string& s, ColumnType to) {
  ModelValue v;
  if (IsText(to)) {
    v.s = s;
    return v;
  }
  if (to == ColumnType::kBoolean) return Int(s.size() == 4 && strncasecmp(s.c_str(), "true", 4) == 0);
  if (to == ColumnType::kChar) {
    if (s.empty()) return Null(to);
    const unsigned char c0 = static_cast<unsigned char>(s[0]);
    if (c0 < 0x80) return Int(c0);
    return Int(((c0 & 0x1F) << 6) | (static_cast<unsigned char>(s[1]) & 0x3F));  // 2-byte only here
  }
  if (IsFloating(to)) {
    char* end = nullptr;
    double d = s.empty() ? NAN : std::strtod(s.c_str(), &end);
    if (s.empty() || *end != 0) d = NAN;
    v.d = to == ColumnType::kFloat ? static_cast<float>(d) : d;
    return v;
  }
  if (to == ColumnType::kDate || to == ColumnType::kTimestamp) {
    auto ts = core::ParseTimestamp(s);
    if (ts.ok()) return Int(to == ColumnType::kDate ? core::FloorDiv(*ts, 1000) : *ts);
  }
  int64_t x = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
  if (ec != std::errc() || ptr != s.data() + s.size()) return Null(to);
  return NarrowInt(x, to);
}

ModelValue FromFloating(double d, ColumnType to) {
  if (IsFloating(to)) {
    ModelValue v;
    v.d = to == ColumnType::kFloat ? static_cast<float>(d) : d;
    return v;
  }
  if (to == ColumnType::kBoolean) return Int(!(d == 0));
  if (std::isnan(d)) return Null(to);
  if (to == ColumnType::kInt) {
    if (d < INT32_MIN || d > INT32_MAX) return Null(to);
    return NarrowInt(static_cast<int64_t>(d), to);
  }
  if (to == ColumnType::kByte || to == ColumnType::kShort || to == ColumnType::kChar) {
    const int32_t x = d >= 2147483647.0 ? INT32_MAX : d <= -2147483648.0 ? INT32_MIN : static_cast<int32_t>(d);
    return NarrowInt(x, to);
  }
  if (d < -9223372036854775808.0 || d >= 9223372036854775808.0) return Null(to);
  return NarrowInt(static_cast<int64_t>(d), to);
}

// QuestDB's explicit cast of `v` (of type `from`) to `to`.
ModelValue Cast(const ModelValue& v, ColumnType from, ColumnType to) {
  if (v.null && IsFloating(from)) return FromFloating(NAN, to);  // NaN is true, as a BOOLEAN
  if (v.null) return Null(to);
  if (IsText(from)) return FromText(v.s, to);
  if (IsText(to)) {
    ModelValue t;
    t.s = Text(v, from);
    return t;
  }
  if (IsFloating(from)) return FromFloating(v.d, to);
  if (IsFloating(to)) {
    ModelValue f;
    f.d = to == ColumnType::kFloat ? static_cast<float>(v.i) : static_cast<double>(v.i);
    return f;
  }
  if (from == ColumnType::kBoolean && to == ColumnType::kChar) return Int(v.i ? 'T' : 'F');
  if (from == ColumnType::kChar && to == ColumnType::kBoolean) return Int((v.i | 32) == 't');
  if (from == ColumnType::kDate && to == ColumnType::kTimestamp) return NarrowInt(v.i * 1000, to);
  if (from == ColumnType::kTimestamp && to == ColumnType::kDate) return NarrowInt(core::FloorDiv(v.i, 1000), to);
  return NarrowInt(v.i, to);
}

ModelValue RandomValue(ColumnType t, std::mt19937_64& rng) {
  std::uniform_int_distribution<int> pick(0, 9);
  const int p = pick(rng);
  if (p == 0 && HasNull(t)) return Null(t);
  ModelValue v;
  const uint64_t bits = rng();
  static const int64_t kEdges[] = {0, 1, -1, 127, 128, -128, -129, 32767, 32768, -32768, 65535, 65536,
                                   84, 116, 2147483647, 2147483648LL, -2147483647, 4294967296LL,
                                   INT64_MAX, INT64_MIN + 1};
  const int64_t edge = kEdges[bits % (sizeof(kEdges) / sizeof(kEdges[0]))];
  switch (t) {
    case ColumnType::kBoolean: v.i = bits & 1; break;
    case ColumnType::kByte: v.i = p < 3 ? static_cast<int8_t>(edge) : static_cast<int8_t>(bits); break;
    case ColumnType::kShort: v.i = p < 3 ? static_cast<int16_t>(edge) : static_cast<int16_t>(bits); break;
    case ColumnType::kChar: v.i = 1 + bits % 0xD7FF; break;  // a BMP character that is not a surrogate
    case ColumnType::kInt: {
      int32_t x = p < 3 ? static_cast<int32_t>(edge) : static_cast<int32_t>(bits);
      v.i = x == INT32_MIN ? 0 : x;
      break;
    }
    case ColumnType::kLong: v.i = p < 3 ? edge : static_cast<int64_t>(bits >> (bits % 60)); break;
    case ColumnType::kDate: v.i = static_cast<int64_t>(bits % 4'000'000'000'000LL); break;
    case ColumnType::kTimestamp: v.i = static_cast<int64_t>(bits % 4'000'000'000'000'000LL); break;
    case ColumnType::kFloat:
    case ColumnType::kDouble: {
      static const double kD[] = {0.0, -0.0, 0.5, -1.5, 127.9, -128.9, 2147483647.5, 2147483648.0,
                                  -2147483649.0, 1e19, -1e19, 9.2e18, 1e300, 116.0, 84.25};
      double d = p < 4 ? kD[bits % (sizeof(kD) / sizeof(kD[0]))]
                       : static_cast<double>(static_cast<int64_t>(bits >> 20)) / 1024.0;
      v.d = t == ColumnType::kFloat ? static_cast<float>(d) : d;
      break;
    }
    default: {
      static const char* kS[] = {"0", "1", "-1", "42", "2147483648", "-9223372036854775807", "65602",
                                 "1.5", "-7.25", "1e3", "abc", "", "true", "TRUE", "false", "T", "t",
                                 "\xc3\xa9", "2024-01-02T03:04:05.678901Z", "2024-02-29", "x1"};
      v.s = p < 6 ? kS[bits % (sizeof(kS) / sizeof(kS[0]))] : std::to_string(static_cast<int64_t>(bits) >> (bits % 62));
      break;
    }
  }
  return v;
}

std::string Describe(const ModelValue& v) {
  if (v.null) return "NULL";
  return "i=" + std::to_string(v.i) + " d=" + FormatDouble(v.d) + " s='" + v.s + "'";
}

// The engine's cell as a ModelValue.
ModelValue FromResult(const ResultVector& rv, size_t row) {
  ModelValue v;
  if (rv.nulls[row]) {
    v.null = true;
    return v;
  }
  if (IsText(rv.type)) {
    v.s = std::string(rv.strings[row]);
  } else if (IsFloating(rv.type)) {
    v.d = rv.doubles[row];
  } else {
    v.i = rv.longs[row];
  }
  return v;
}

bool Same(const ModelValue& want, const ModelValue& got, ColumnType t) {
  ModelValue w = want;
  if (IsFloating(t) && !w.null && (std::isnan(w.d) || std::isinf(w.d))) w.null = true;  // shown as null
  if (w.null || got.null) return w.null == got.null;
  if (IsText(t)) return w.s == got.s;
  if (IsFloating(t)) return std::memcmp(&w.d, &got.d, sizeof(double)) == 0 || w.d == got.d;
  return w.i == got.i;
}

class CastDifferentialTest : public SqlFixture {
 protected:
  // A table of `rows` random values, one column per type; returns the model's copy.
  std::vector<std::vector<ModelValue>> Fill(const std::string& table, size_t rows, uint64_t seed) {
    Exec("create table " + table + " (c0 boolean, c1 byte, c2 short, c3 char, c4 int, c5 long, "
         "c6 float, c7 double, c8 date, c9 timestamp, c10 symbol, c11 varchar)");
    std::mt19937_64 rng(seed);
    std::vector<std::vector<ModelValue>> cols(12);
    auto lease = engine_->AcquireWriter(table);
    EXPECT_TRUE(lease.ok());
    cairo::TableWriter* w = lease->get();
    for (size_t r = 0; r < rows; ++r) {
      EXPECT_TRUE(w->NewRow(0).ok());
      for (int c = 0; c < 12; ++c) {
        const ColumnType t = kTypes[c];
        ModelValue v = RandomValue(t, rng);
        if (v.null) {
          w->PutNull(c);
        } else if (t == ColumnType::kBoolean) {
          w->PutBool(c, v.i != 0);
        } else if (t == ColumnType::kChar) {
          w->PutChar(c, static_cast<uint16_t>(v.i));
        } else if (IsFloating(t)) {
          w->PutDouble(c, v.d);
        } else if (t == ColumnType::kSymbol) {
          w->PutSymbol(c, v.s);
        } else if (t == ColumnType::kVarchar) {
          w->PutVarchar(c, v.s);
        } else {
          w->PutLong(c, v.i);
        }
        cols[c].push_back(v);
      }
      EXPECT_TRUE(w->EndRow().ok());
    }
    EXPECT_TRUE(w->Commit().ok());
    return cols;
  }
};

// Every source type cast to every target type, straight and through an identity cast of the
// cast (a computed value), over row counts around the executor's batch size.
TEST_F(CastDifferentialTest, EveryPairMatchesTheModelAcrossBatchBoundaries) {
  const size_t kRows[] = {1, kBatchRows - 1, kBatchRows, kBatchRows + 1, 2 * kBatchRows + 123};
  uint64_t seed = 20261202;
  for (size_t rows : kRows) {
    const std::string table = "r" + std::to_string(rows);
    auto cols = Fill(table, rows, seed++);
    for (ColumnType to : kTypes) {
      const std::string tn(cairo::ColumnTypeName(to));
      std::string q = "select ";
      for (int c = 0; c < 12; ++c) {
        if (c) q += ", ";
        q += "c" + std::to_string(c) + ", cast(c" + std::to_string(c) + " as " + tn + "), cast(cast(c" +
             std::to_string(c) + " as " + tn + ") as " + tn + ")";
      }
      q += " from " + table;
      auto res = sql_->Execute(q);
      ASSERT_TRUE(res.ok()) << q << ": " << res.status().ToString();
      ResultBlock b;
      size_t row = 0, mismatches = 0;
      for (;;) {
        auto more = res->rows->Next(&b, 1000);
        ASSERT_TRUE(more.ok()) << more.status().ToString();
        if (!*more) break;
        for (size_t r = 0; r < b.row_count; ++r, ++row) {
          for (int c = 0; c < 12; ++c) {
            const ColumnType from = kTypes[c];
            const ModelValue& src = cols[c][row];
            const ModelValue want = Cast(src, from, to);
            for (int k = 1; k <= 2; ++k) {
              const ModelValue got = FromResult(b.columns[c * 3 + k], r);
              if (!Same(want, got, to) && ++mismatches <= 5) {
                ADD_FAILURE() << "rows=" << rows << " row=" << row << " cast(" << cairo::ColumnTypeName(from)
                              << " " << Describe(src) << " as " << tn << (k == 2 ? ") twice" : ")")
                              << ": want " << Describe(want) << ", got " << Describe(got);
              }
            }
          }
        }
      }
      EXPECT_EQ(row, rows) << q;
      EXPECT_EQ(mismatches, 0u) << "to " << tn << ", rows=" << rows;
    }
  }
}

// ---- What may be stored in a column: one rule for INSERT ... VALUES and INSERT ... SELECT ----

// The message without its position and without the `[from=...]` detail (the expression's text
// for VALUES, the column's name for SELECT).
std::string StripPosition(const std::string& e) {
  size_t at = e.rfind(" @");
  std::string m = at == std::string::npos ? e : e.substr(0, at);
  at = m.find(" [from=");
  return at == std::string::npos ? m : m.substr(0, at);
}

// A value of `t` written as an expression of that type.
std::string Sample(ColumnType t) {
  switch (t) {
    case ColumnType::kBoolean: return "true";
    case ColumnType::kByte: return "cast(65 as byte)";
    case ColumnType::kShort: return "cast(66 as short)";
    case ColumnType::kChar: return "cast('C' as char)";
    case ColumnType::kInt: return "67";
    case ColumnType::kLong: return "cast(68 as long)";
    case ColumnType::kFloat: return "cast(1.5 as float)";
    case ColumnType::kDouble: return "2.5";
    case ColumnType::kDate: return "cast('2024-01-02T03:04:05.678Z' as date)";
    case ColumnType::kTimestamp: return "cast('2024-01-02T03:04:05.678901Z' as timestamp)";
    case ColumnType::kSymbol: return "cast('69' as symbol)";
    default: return "cast('70' as varchar)";
  }
}

class StorageRuleTest : public SqlFixture {};

// For every (value type, column type) pair, VALUES and SELECT accept or refuse alike (the same
// message when refused), agree with IsStorableAs, and store the same value.
TEST_F(StorageRuleTest, ValuesAndSelectAgreeOnEveryTypePair) {
  int n = 0;
  for (ColumnType to : kTypes) {
    for (ColumnType from : kTypes) {
      const std::string table = "d" + std::to_string(n++);
      const std::string tn(cairo::ColumnTypeName(to)), fn(cairo::ColumnTypeName(from));
      Exec("create table " + table + " (v " + tn + ")");
      const std::string by_values = Error("insert into " + table + " values (" + Sample(from) + ")");
      const std::string by_select =
          Error("insert into " + table + " select " + Sample(from) + " from long_sequence(1)");
      const std::string pair = fn + " -> " + tn;
      EXPECT_EQ(StripPosition(by_values), StripPosition(by_select)) << pair;
      const bool type_refused = by_values.rfind("inconvertible types", 0) == 0;
      EXPECT_EQ(!type_refused, IsStorableAs(from, to)) << pair << ": " << by_values;
      if (by_values == "OK" && by_select == "OK") {
        const std::string rows = Query("select v from " + table);
        const size_t first = rows.find('\n') + 1, second = rows.find('\n', first) + 1;
        EXPECT_EQ(rows.substr(first, second - first), rows.substr(second)) << pair << ":\n" << rows;
      }
    }
  }
}

// QuestDB stores a TIMESTAMP (or DATE) in a LONG column on INSERT, by either path.
TEST_F(StorageRuleTest, TimestampIntoLong) {
  Exec("create table t (l long)");
  Exec("insert into t values (cast('2024-01-02T00:00:00.000001Z' as timestamp))");
  Exec("insert into t select cast('2024-01-02T00:00:00.000001Z' as timestamp) from long_sequence(1)");
  Exec("insert into t values (cast('1970-01-01T00:00:01.000Z' as date))");
  EXPECT_EQ(Query("select l from t"), "l\n1704153600000001\n1704153600000001\n1000\n");
  EXPECT_EQ(Error("insert into t values (true)"), "OK");
  Exec("create table b (x boolean)");
  EXPECT_EQ(Error("insert into b values (cast(1 as long))"),
            "inconvertible types: LONG -> BOOLEAN [from=1::long, to=x] @22");
}

}  // namespace
}  // namespace sundial::sql
