// Differential and property tests of scalar functions against simple models: string functions
// on random UTF-8 text (the model works on decoded code points), date_trunc against civil
// fields, to_timezone/to_utc round trips, and the rnd_* generators (bounds, null rates,
// determinism for a fixed statement time). Seeded; the seed is printed on failure.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/timestamp.h"
#include "tests/sql/sql_test_util.h"

namespace sundial::sql {
namespace {

using U32 = std::u32string;

std::string Encode(const U32& s) {
  std::string out;
  for (char32_t c : s) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      out += static_cast<char>(0xE0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (c >> 18));
      out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

// Model of the functions, on code points.
U32 Slice(const U32& s, int64_t from, int64_t to) {
  int64_t n = static_cast<int64_t>(s.size());
  from = std::clamp<int64_t>(from, 0, n);
  to = std::clamp<int64_t>(to, 0, n);
  return to <= from ? U32() : s.substr(static_cast<size_t>(from), static_cast<size_t>(to - from));
}
U32 Left(const U32& s, int64_t k) {
  int64_t n = static_cast<int64_t>(s.size());
  return Slice(s, 0, k < 0 ? n + k : k);
}
U32 Right(const U32& s, int64_t k) {
  int64_t n = static_cast<int64_t>(s.size());
  int64_t take = std::clamp<int64_t>(k < 0 ? n + k : k, 0, n);
  return Slice(s, n - take, n);
}
U32 Substring(const U32& s, int64_t start, int64_t len) {  // 1-based start
  return Slice(s, start - 1, start - 1 + len);
}
int64_t Strpos(const U32& s, const U32& sub) {
  size_t p = s.find(sub);
  return p == U32::npos ? 0 : static_cast<int64_t>(p) + 1;
}
U32 Pad(const U32& s, int64_t len, const U32& fill, bool left) {
  int64_t n = static_cast<int64_t>(s.size());
  if (len <= n) return Slice(s, 0, len);
  if (fill.empty()) return s;
  U32 pad;
  for (int64_t k = 0; k < len - n; ++k) pad += fill[static_cast<size_t>(k) % fill.size()];
  return left ? pad + s : s + pad;
}
U32 SplitPart(const U32& s, char32_t delim, int64_t k) {
  std::vector<U32> fields(1);
  for (char32_t c : s) {
    if (c == delim) {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  if (s.empty()) fields.clear();
  int64_t n = static_cast<int64_t>(fields.size());
  int64_t idx = k > 0 ? k - 1 : n + k;
  return idx < 0 || idx >= n ? U32() : fields[static_cast<size_t>(idx)];
}
U32 Replace(const U32& s, const U32& from, const U32& to) {
  if (from.empty()) return s;
  U32 out;
  size_t p = 0;
  for (size_t q; (q = s.find(from, p)) != U32::npos; p = q + from.size()) {
    out += s.substr(p, q - p) + to;
  }
  return out + s.substr(p);
}

class FunctionPropertyTest : public SqlFixture {};

std::vector<std::vector<std::string>> Rows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    size_t p = 0;
    for (size_t q; (q = line.find('\t', p)) != std::string::npos; p = q + 1) {
      cells.push_back(line.substr(p, q - p));
    }
    cells.push_back(line.substr(p));
    rows.push_back(cells);
  }
  return rows;
}

TEST_F(FunctionPropertyTest, StringFunctionsMatchACodePointModelOnRandomUtf8) {
  const uint32_t seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  // Letters, the split delimiter, a space and 2-, 3- and 4-byte characters.
  const char32_t alphabet[] = {U'a', U'b', U'A', U',', U' ', U'é', U'ß', U'€', U'中', U'😀'};
  auto random_text = [&](int max_len) {
    U32 s;
    int len = static_cast<int>(rng() % static_cast<uint32_t>(max_len + 1));
    for (int k = 0; k < len; ++k) s += alphabet[rng() % std::size(alphabet)];
    return s;
  };
  Exec("CREATE TABLE p (id INT, s VARCHAR, d VARCHAR, n INT, k INT)");
  struct Row {
    U32 s, d;
    int64_t n, k;
  };
  std::vector<Row> rows;
  std::string insert = "INSERT INTO p VALUES ";
  for (int id = 0; id < 300; ++id) {
    Row r{random_text(12), random_text(2), static_cast<int64_t>(rng() % 12) - 4, 0};
    r.k = static_cast<int64_t>(rng() % 7) - 3;
    if (r.k == 0) r.k = 1;  // split_part refuses field 0
    rows.push_back(r);
    insert += std::string(id ? ", " : "") + "(" + std::to_string(id) + ", '" + Encode(r.s) +
              "', '" + Encode(r.d) + "', " + std::to_string(r.n) + ", " + std::to_string(r.k) + ")";
  }
  Exec(insert);
  // Arguments are columns and expressions (n + 3, concat(...)), not only literals.
  std::string result = Query(
      "SELECT length(s), left(s, n), right(s, n), substring(s, n, 3), strpos(s, d), reverse(s), "
      "lpad(s, n + 3, d), rpad(s, n, '*'), split_part(s, ',', k), replace(s, d, 'Z'), "
      "starts_with(concat(d, s), d), len(concat(s, d)) FROM p ORDER BY id");
  ASSERT_EQ(result.rfind("ERROR", 0), std::string::npos) << result;
  auto out = Rows(result);
  ASSERT_EQ(out.size(), rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    U32 rev(r.s.rbegin(), r.s.rend());
    std::vector<std::string> want = {std::to_string(r.s.size()),
                                     Encode(Left(r.s, r.n)),
                                     Encode(Right(r.s, r.n)),
                                     Encode(Substring(r.s, r.n, 3)),
                                     std::to_string(Strpos(r.s, r.d)),
                                     Encode(rev),
                                     Encode(Pad(r.s, r.n + 3, r.d, true)),
                                     Encode(Pad(r.s, r.n, U"*", false)),
                                     Encode(SplitPart(r.s, U',', r.k)),
                                     Encode(Replace(r.s, r.d, U"Z")),
                                     "true",
                                     std::to_string(r.s.size() + r.d.size())};
    ASSERT_EQ(out[i].size(), want.size()) << "row " << i;
    for (size_t c = 0; c < want.size(); ++c) {
      EXPECT_EQ(out[i][c], want[c]) << "row " << i << " column " << c << " s='" << Encode(r.s)
                                    << "' d='" << Encode(r.d) << "' n=" << r.n << " k=" << r.k;
    }
  }
}

// date_trunc against the civil fields of the timestamp: the result is the first instant of the
// unit, it is not after the input, and the next unit starts after the input.
TEST_F(FunctionPropertyTest, DateTruncIsTheStartOfTheUnitContainingTheTimestamp) {
  const uint32_t seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  Exec("CREATE TABLE tt (id INT, ts TIMESTAMP)");
  std::vector<int64_t> ts;
  std::string insert = "INSERT INTO tt VALUES ";
  for (int id = 0; id < 200; ++id) {
    // 1900 .. 2100.
    int64_t v = static_cast<int64_t>(rng() % 6'311'390'400'000'000ULL) - 2'208'988'800'000'000LL;
    ts.push_back(v);
    insert +=
        std::string(id ? ", " : "") + "(" + std::to_string(id) + ", " + std::to_string(v) + ")";
  }
  Exec(insert);
  auto out = Rows(
      Query("SELECT date_trunc('year', ts), date_trunc('quarter', ts), date_trunc('month', ts), "
            "date_trunc('week', ts), date_trunc('day', ts), date_trunc('hour', ts), "
            "date_trunc('second', ts), date_trunc('decade', ts), date_trunc('century', ts) "
            "FROM tt ORDER BY id"));
  ASSERT_EQ(out.size(), ts.size());
  for (size_t i = 0; i < ts.size(); ++i) {
    core::CivilTime c = core::ToCivil(ts[i]);
    auto day = [](int64_t y, int m, int d) {
      return core::FormatTimestamp(core::DaysFromCivil(y, m, d) * core::kMicrosPerDay);
    };
    int64_t days = core::FloorDiv(ts[i], core::kMicrosPerDay);
    int64_t monday = days - (core::DayOfWeek(ts[i]) - 1);
    int64_t century_start = (c.year - 1) / 100 * 100 + 1;  // years here are positive
    std::vector<std::string> want = {
        day(c.year, 1, 1),
        day(c.year, (c.month - 1) / 3 * 3 + 1, 1),
        day(c.year, c.month, 1),
        core::FormatTimestamp(monday * core::kMicrosPerDay),
        core::FormatTimestamp(days * core::kMicrosPerDay),
        core::FormatTimestamp(core::FloorDiv(ts[i], core::kMicrosPerHour) * core::kMicrosPerHour),
        core::FormatTimestamp(core::FloorDiv(ts[i], core::kMicrosPerSecond) *
                              core::kMicrosPerSecond),
        day(c.year / 10 * 10, 1, 1),
        day(century_start, 1, 1)};
    for (size_t k = 0; k < want.size(); ++k) {
      EXPECT_EQ(out[i][k], want[k]) << core::FormatTimestamp(ts[i]) << " unit " << k;
    }
  }
}

// to_utc(to_timezone(ts, z), z) = ts except for local times in an overlap (the later instant
// maps back to the earlier one); the local time differs from UTC by the zone's offset.
TEST_F(FunctionPropertyTest, ToTimezoneAndToUtcRoundTrip) {
  const uint32_t seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  Exec("CREATE TABLE tz (id INT, ts TIMESTAMP)");
  std::string insert = "INSERT INTO tz VALUES ";
  for (int id = 0; id < 300; ++id) {
    int64_t v = static_cast<int64_t>(rng() % 1'900'000'000'000'000ULL);  // 1970 .. 2030
    insert +=
        std::string(id ? ", " : "") + "(" + std::to_string(id) + ", " + std::to_string(v) + ")";
  }
  Exec(insert);
  for (const char* zone : {"Europe/Berlin", "America/New_York", "Asia/Kolkata", "+05:30", "UTC"}) {
    std::string q = std::string("SELECT count() FROM tz WHERE to_utc(to_timezone(ts, '") + zone +
                    "'), '" + zone + "') != ts AND abs(datediff('h', to_timezone(ts, '" + zone +
                    "'), ts)) > -1 AND to_utc(to_timezone(ts, '" + zone + "'), '" + zone +
                    "') != dateadd('h', -1, ts)";
    EXPECT_EQ(Query(q), "count\n0\n") << zone;
  }
  EXPECT_EQ(Query("SELECT to_timezone('2024-01-15T12:00:00Z', 'Europe/Berlin'), "
                  "to_timezone('2024-07-15T12:00:00Z', 'Europe/Berlin'), "
                  "to_utc('2024-07-15T14:00:00Z', 'Europe/Berlin')"),
            "to_timezone\tto_timezone1\tto_utc\n2024-01-15T13:00:00.000000Z\t"
            "2024-07-15T14:00:00.000000Z\t2024-07-15T12:00:00.000000Z\n");
  EXPECT_NE(Query("SELECT to_timezone(now(), 'Mars/Olympus')").rfind("ERROR invalid timezone", 0),
            std::string::npos);
}

// vwap, corr, covar_pop/covar_samp, approx_percentile and mode against direct computations
// over random groups with NULLs.
TEST_F(FunctionPropertyTest, AggregatesMatchDirectComputation) {
  const uint32_t seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  Exec("CREATE TABLE a (g INT, x DOUBLE, y DOUBLE, k INT)");
  struct Group {
    std::vector<double> x, y;  // rows where both are non-null
    std::vector<double> xs;    // non-null x
    std::vector<int> ks;
  };
  std::vector<Group> groups(4);
  std::string insert = "INSERT INTO a VALUES ";
  for (int r = 0; r < 2000; ++r) {
    int g = static_cast<int>(rng() % 4);
    bool x_null = rng() % 10 == 0, y_null = rng() % 10 == 0;
    double x = static_cast<double>(rng() % 100000) / 100.0;
    double y = static_cast<double>(rng() % 1000 + 1);
    int k = static_cast<int>(rng() % 7);
    insert += std::string(r ? ", " : "") + "(" + std::to_string(g) + ", " +
              (x_null ? "NULL" : std::to_string(x)) + ", " + (y_null ? "NULL" : std::to_string(y)) +
              ", " + std::to_string(k) + ")";
    if (!x_null) groups[g].xs.push_back(x);
    if (!x_null && !y_null) {
      groups[g].x.push_back(x);
      groups[g].y.push_back(y);
    }
    groups[g].ks.push_back(k);
  }
  Exec(insert);
  auto rows =
      Rows(Query("SELECT g, vwap(x, y), corr(x, y), covar_pop(x, y), covar_samp(x, y), "
                 "approx_percentile(x, 0.9), mode(k) FROM a ORDER BY g"));
  ASSERT_EQ(rows.size(), 4u);
  for (int g = 0; g < 4; ++g) {
    const Group& m = groups[g];
    double n = static_cast<double>(m.x.size()), pv = 0, v = 0, mx = 0, my = 0;
    for (size_t i = 0; i < m.x.size(); ++i) {
      pv += m.x[i] * m.y[i];
      v += m.y[i];
      mx += m.x[i] / n;
      my += m.y[i] / n;
    }
    double cxy = 0, cxx = 0, cyy = 0;
    for (size_t i = 0; i < m.x.size(); ++i) {
      cxy += (m.x[i] - mx) * (m.y[i] - my);
      cxx += (m.x[i] - mx) * (m.x[i] - mx);
      cyy += (m.y[i] - my) * (m.y[i] - my);
    }
    std::vector<double> xs = m.xs;
    std::sort(xs.begin(), xs.end());
    double p90 = xs[static_cast<size_t>(std::ceil(0.9 * static_cast<double>(xs.size()))) - 1];
    std::vector<int> count(7, 0), first(7, 1 << 30);
    for (size_t i = 0; i < m.ks.size(); ++i) {
      count[m.ks[i]]++;
      first[m.ks[i]] = std::min(first[m.ks[i]], static_cast<int>(i));
    }
    int mode = 0;
    for (int k = 1; k < 7; ++k) {
      if (count[k] > count[mode] || (count[k] == count[mode] && first[k] < first[mode])) mode = k;
    }
    const auto& r = rows[g];
    auto near = [](const std::string& got, double want) {
      return std::fabs(std::stod(got) - want) <= 1e-9 * std::max(1.0, std::fabs(want));
    };
    EXPECT_TRUE(near(r[1], pv / v)) << "vwap " << r[1] << " vs " << pv / v;
    EXPECT_TRUE(near(r[2], cxy / std::sqrt(cxx * cyy))) << "corr " << r[2];
    EXPECT_TRUE(near(r[3], cxy / n)) << "covar_pop " << r[3];
    EXPECT_TRUE(near(r[4], cxy / (n - 1))) << "covar_samp " << r[4];
    EXPECT_TRUE(near(r[5], p90)) << "approx_percentile " << r[5] << " vs " << p90;
    EXPECT_EQ(r[6], std::to_string(mode)) << "mode";
  }
}

// approx_percentile keeps every value: what it holds counts against the query's memory cap.
TEST_F(FunctionPropertyTest, PercentileValuesCountAgainstTheQueryMemoryLimit) {
  SqlOptions small;
  small.max_query_memory = 1 << 20;
  SqlEngine limited(engine_.get(), nullptr, small);
  auto r = limited.Execute("SELECT approx_percentile(x, 0.5) FROM long_sequence(1000000)");
  std::string error;
  if (!r.ok()) {
    error = r.status().message();
  } else {
    ResultBlock b;
    for (;;) {
      auto more = r->rows->Next(&b, 1000);
      if (!more.ok()) {
        error = more.status().message();
        break;
      }
      if (!*more) break;
    }
  }
  EXPECT_NE(error.find("memory limit"), std::string::npos) << error;
}

TEST_F(FunctionPropertyTest, RandomGeneratorsRespectBoundsAndNullRates) {
  std::string q =
      "SELECT min(a), max(a), count(a), min(b), max(b), count(b), min(length(c)), "
      "max(length(c)), count(c), min(d), max(d), count_distinct(e) FROM (SELECT "
      "rnd_int(5, 9, 0) a, rnd_long(-3, 3, 4) b, rnd_str(2, 4, 0) c, rnd_double() d, "
      "rnd_symbol('x', 'y', 'z') e FROM long_sequence(20000))";
  auto rows = Rows(Query(q));
  ASSERT_EQ(rows.size(), 1u) << Query(q);
  const auto& r = rows[0];
  EXPECT_EQ(r[0], "5");
  EXPECT_EQ(r[1], "9");
  EXPECT_EQ(r[2], "20000");
  EXPECT_EQ(r[3], "-3");
  EXPECT_EQ(r[4], "3");
  int64_t non_null_b = std::stoll(r[5]);  // about 3/4 of the rows
  EXPECT_GT(non_null_b, 14000);
  EXPECT_LT(non_null_b, 16000);
  EXPECT_EQ(r[6], "2");
  EXPECT_EQ(r[7], "4");
  EXPECT_GE(std::stod(r[9]), 0.0);
  EXPECT_LT(std::stod(r[10]), 1.0);
  EXPECT_EQ(r[11], "3");
}

TEST_F(FunctionPropertyTest, RandomGeneratorsAreDeterministicForAFixedStatementTime) {
  const std::string q =
      "SELECT rnd_int(), rnd_int(), rnd_str(3, 8, 2), rnd_double(), rnd_boolean() "
      "FROM long_sequence(50)";
  auto run = [&](int64_t now_us) {
    ExecContext ctx;
    ctx.now_us = now_us;
    auto r = sql_->Execute(q, ctx);
    EXPECT_TRUE(r.ok());
    std::string out;
    ResultBlock b;
    while (r.ok() && r->rows) {
      auto more = r->rows->Next(&b, 1000);
      if (!more.ok() || !*more) break;
      for (size_t row = 0; row < b.row_count; ++row) {
        for (const auto& col : b.columns) out += Cell(col, row) + "\t";
        out += "\n";
      }
    }
    return out;
  };
  std::string a = run(1'700'000'000'000'000), b = run(1'700'000'000'000'000);
  std::string c = run(1'700'000'000'000'001);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  // The two rnd_int() calls draw different values.
  auto rows = Rows("h\n" + a);
  int same = 0;
  for (const auto& r : rows) same += r[0] == r[1];
  EXPECT_LT(same, 3);
}

TEST_F(FunctionPropertyTest, RandomGeneratorArgumentsAreChecked) {
  EXPECT_NE(Query("SELECT rnd_int(9, 1, 0)").rfind("ERROR invalid range", 0), std::string::npos);
  EXPECT_NE(Query("SELECT rnd_str(0, 3, 0)").find("invalid string length"), std::string::npos);
  EXPECT_NE(Query("SELECT rnd_double(-1)").find("null rate"), std::string::npos);
  EXPECT_NE(Query("SELECT x FROM long_sequence(2) WHERE rnd_int(1, x, 0) > 0").find("constant"),
            std::string::npos);
}

}  // namespace
}  // namespace sundial::sql
