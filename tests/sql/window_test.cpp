// Window functions against a naive model: random tables (random partitions, ties in the order
// keys, NULLs) and random window specs, every row compared with what the O(n^2) model below
// computes from the definition. Plus the query's limits (timeout, memory) inside the window
// operator. The hand-checked cases are in tests/sql/cases/window/.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>
#include <random>
#include <sstream>

#include "tests/sql/sql_test_util.h"

namespace sundial::sql {
namespace {

// One row of the random table. Small integer values keep every sum exact in doubles, so the
// model and the engine agree to the bit.
struct Row {
  int64_t ts_us = 0;
  std::optional<std::string> p;  // SYMBOL
  std::optional<int64_t> q;      // INT
  std::optional<int64_t> k;      // LONG (many ties)
  std::optional<double> x;       // DOUBLE
};

enum class Col { kTs, kP, kQ, kK, kX };

struct OrderKey {
  Col col;
  bool desc;
};

struct FrameB {
  FrameBoundKind kind;
  int64_t offset = 0;
};

struct Spec {
  std::vector<Col> partition;
  std::vector<OrderKey> order;
  std::optional<FrameMode> mode;  // nullopt: no frame clause
  FrameB start{FrameBoundKind::kUnboundedPreceding}, end{FrameBoundKind::kCurrentRow};
  bool exclude = false;
};

struct Call {
  std::string fn;
  Col arg = Col::kX;
  bool star = false;
  int64_t offset = 1;
  std::optional<int64_t> def;  // lag/lead default
  bool ignore_nulls = false;
};

const char* ColName(Col c) {
  switch (c) {
    case Col::kTs:
      return "ts";
    case Col::kP:
      return "p";
    case Col::kQ:
      return "q";
    case Col::kK:
      return "k";
    case Col::kX:
      return "x";
  }
  return "?";
}

// A value of a column as a comparable variant: nullopt is NULL; numbers as double (exact for
// the small values used), symbols as text.
struct Val {
  bool null = true;
  double num = 0;
  std::string text;
};

Val Get(const Row& r, Col c) {
  Val v;
  switch (c) {
    case Col::kTs:
      v.null = false;
      v.num = static_cast<double>(r.ts_us);
      break;
    case Col::kP:
      if (r.p) {
        v.null = false;
        v.text = *r.p;
      }
      break;
    case Col::kQ:
      if (r.q) {
        v.null = false;
        v.num = static_cast<double>(*r.q);
      }
      break;
    case Col::kK:
      if (r.k) {
        v.null = false;
        v.num = static_cast<double>(*r.k);
      }
      break;
    case Col::kX:
      if (r.x) {
        v.null = false;
        v.num = *r.x;
      }
      break;
  }
  return v;
}

// NULL first, then numbers or text.
int Cmp(const Val& a, const Val& b) {
  if (a.null || b.null) return a.null == b.null ? 0 : a.null ? -1 : 1;
  if (a.text != b.text) return a.text < b.text ? -1 : 1;
  return a.num < b.num ? -1 : a.num > b.num ? 1 : 0;
}

std::string SpecText(const Spec& s) {
  std::string t;
  if (!s.partition.empty()) {
    t += "PARTITION BY ";
    for (size_t i = 0; i < s.partition.size(); ++i)
      t += (i ? ", " : "") + std::string(ColName(s.partition[i]));
  }
  if (!s.order.empty()) {
    t += " ORDER BY ";
    for (size_t i = 0; i < s.order.size(); ++i) {
      t +=
          (i ? ", " : "") + std::string(ColName(s.order[i].col)) + (s.order[i].desc ? " DESC" : "");
    }
  }
  if (s.mode) {
    auto b = [](const FrameB& f) -> std::string {
      switch (f.kind) {
        case FrameBoundKind::kUnboundedPreceding:
          return "UNBOUNDED PRECEDING";
        case FrameBoundKind::kPreceding:
          return std::to_string(f.offset) + " PRECEDING";
        case FrameBoundKind::kCurrentRow:
          return "CURRENT ROW";
        case FrameBoundKind::kFollowing:
          return std::to_string(f.offset) + " FOLLOWING";
        case FrameBoundKind::kUnboundedFollowing:
          return "UNBOUNDED FOLLOWING";
      }
      return "";
    };
    t += *s.mode == FrameMode::kRows ? " ROWS BETWEEN " : " RANGE BETWEEN ";
    t += b(s.start) + " AND " + b(s.end);
    if (s.exclude) t += " EXCLUDE CURRENT ROW";
  }
  return t;
}

std::string CallText(const Call& c, const Spec& s) {
  std::string t = c.fn + "(";
  if (c.star) {
    t += "*";
  } else if (c.fn != "row_number" && c.fn != "rank" && c.fn != "dense_rank" &&
             c.fn != "percent_rank" && c.fn != "cume_dist") {
    t += ColName(c.arg);
    if (c.fn == "lag" || c.fn == "lead") {
      t += ", " + std::to_string(c.offset);
      if (c.def) t += ", " + std::to_string(*c.def);
    }
  }
  t += ")";
  if (c.ignore_nulls) t += " IGNORE NULLS";
  return t + " OVER (" + SpecText(s) + ")";
}

std::string Num(double d) { return std::isnan(d) ? "NULL" : FormatDouble(d); }

// The model: for each row, by the definitions, in O(n^2).
std::vector<std::string> Model(const std::vector<Row>& rows, const Call& c, const Spec& s) {
  const size_t n = rows.size();
  std::vector<std::string> out(n);
  auto cmp_order = [&](size_t a, size_t b) {
    for (const auto& o : s.order) {
      int v = Cmp(Get(rows[a], o.col), Get(rows[b], o.col));
      if (o.desc) v = -v;
      if (v != 0) return v;
    }
    return 0;
  };
  for (size_t i = 0; i < n; ++i) {
    std::vector<size_t> part;  // the partition in window order
    for (size_t j = 0; j < n; ++j) {
      bool same = true;
      for (Col pc : s.partition) same = same && Cmp(Get(rows[i], pc), Get(rows[j], pc)) == 0;
      if (same) part.push_back(j);
    }
    std::stable_sort(part.begin(), part.end(),
                     [&](size_t a, size_t b) { return cmp_order(a, b) < 0; });
    const int64_t m = static_cast<int64_t>(part.size());
    const int64_t pos = std::find(part.begin(), part.end(), i) - part.begin();
    int64_t peer_lo = pos, peer_hi = pos;
    while (peer_lo > 0 && cmp_order(part[peer_lo - 1], i) == 0) --peer_lo;
    while (peer_hi + 1 < m && cmp_order(part[peer_hi + 1], i) == 0) ++peer_hi;
    const std::string& f = c.fn;
    if (f == "row_number") {
      out[i] = std::to_string(pos + 1);
      continue;
    }
    if (f == "rank") {
      out[i] = std::to_string(peer_lo + 1);
      continue;
    }
    if (f == "dense_rank") {
      int64_t d = 1;
      for (int64_t p = 1; p <= peer_lo; ++p) d += cmp_order(part[p - 1], part[p]) != 0;
      out[i] = std::to_string(d);
      continue;
    }
    if (f == "percent_rank") {
      out[i] = Num(m <= 1 ? 0.0 : double(peer_lo) / double(m - 1));
      continue;
    }
    if (f == "cume_dist") {
      out[i] = Num(double(peer_hi + 1) / double(m));
      continue;
    }
    auto val = [&](int64_t p) { return Get(rows[part[p]], c.arg); };
    auto render = [&](const Val& v) -> std::string {
      if (v.null) return "NULL";
      if (c.arg == Col::kP) return v.text;
      if (c.arg == Col::kX) return Num(v.num);
      if (c.arg == Col::kTs) return core::FormatTimestamp(static_cast<int64_t>(v.num));
      return std::to_string(static_cast<int64_t>(v.num));
    };
    if (f == "lag" || f == "lead") {
      const int64_t dir = f == "lag" ? -1 : 1;
      std::optional<int64_t> target;
      if (c.offset == 0) {
        target = pos;
      } else if (!c.ignore_nulls) {
        if (pos + dir * c.offset >= 0 && pos + dir * c.offset < m) target = pos + dir * c.offset;
      } else {
        int64_t seen = 0;
        for (int64_t p = pos + dir; p >= 0 && p < m; p += dir) {
          if (!val(p).null && ++seen == c.offset) {
            target = p;
            break;
          }
        }
      }
      if (target) {
        out[i] = render(val(*target));
      } else {
        out[i] = c.def ? render(Val{false, double(*c.def), ""}) : "NULL";
      }
      continue;
    }
    // Frame functions: the frame [lo, hi] in positions, by the definitions.
    int64_t lo = 0, hi = m - 1;
    if (!s.mode) {
      hi = s.order.empty() ? m - 1 : peer_hi;
    } else if (*s.mode == FrameMode::kRows) {
      auto at = [&](const FrameB& b) {
        switch (b.kind) {
          case FrameBoundKind::kUnboundedPreceding:
            return int64_t{-1} << 40;
          case FrameBoundKind::kPreceding:
            return pos - b.offset;
          case FrameBoundKind::kCurrentRow:
            return pos;
          case FrameBoundKind::kFollowing:
            return pos + b.offset;
          case FrameBoundKind::kUnboundedFollowing:
            return int64_t{1} << 40;
        }
        return pos;
      };
      lo = std::max<int64_t>(0, at(s.start));
      hi = std::min<int64_t>(m - 1, at(s.end));
    } else {
      // RANGE: one integer/timestamp key; v normalised ascending (descending negated).
      const OrderKey& ok = s.order[0];
      auto key = [&](int64_t p) { return Get(rows[part[p]], ok.col); };
      auto norm = [&](int64_t p) { return ok.desc ? -key(p).num : key(p).num; };
      const bool self_null = key(pos).null;
      auto start_ok = [&](int64_t p) {
        switch (s.start.kind) {
          case FrameBoundKind::kUnboundedPreceding:
            return true;
          case FrameBoundKind::kCurrentRow:
            return p >= peer_lo;
          default:
            break;
        }
        if (self_null) return p >= peer_lo;
        const double off = s.start.kind == FrameBoundKind::kPreceding ? -double(s.start.offset)
                                                                      : double(s.start.offset);
        // NULL keys sort first ascending (before the bound), last descending (past it).
        return key(p).null ? ok.desc : norm(p) >= norm(pos) + off;
      };
      auto end_ok = [&](int64_t p) {
        switch (s.end.kind) {
          case FrameBoundKind::kUnboundedFollowing:
            return true;
          case FrameBoundKind::kCurrentRow:
            return p <= peer_hi;
          default:
            break;
        }
        if (self_null) return p <= peer_hi;
        const double off =
            s.end.kind == FrameBoundKind::kPreceding ? -double(s.end.offset) : double(s.end.offset);
        return key(p).null ? !ok.desc : norm(p) <= norm(pos) + off;
      };
      lo = m;
      for (int64_t p = 0; p < m; ++p) {
        if (start_ok(p)) {
          lo = p;
          break;
        }
      }
      hi = -1;
      for (int64_t p = m - 1; p >= 0; --p) {
        if (end_ok(p)) {
          hi = p;
          break;
        }
      }
    }
    std::vector<int64_t> frame;
    for (int64_t p = lo; p <= hi; ++p) {
      if (s.mode && s.exclude && p == pos) continue;
      frame.push_back(p);
    }
    if (f == "first_value" || f == "last_value") {
      std::optional<int64_t> pick;
      for (int64_t p : frame) {
        if (c.ignore_nulls && val(p).null) continue;
        if (!pick || f == "last_value") pick = p;
      }
      out[i] = pick ? render(val(*pick)) : "NULL";
      continue;
    }
    int64_t count = 0;
    double sum = 0, best = 0;
    for (int64_t p : frame) {
      const Val v = c.star ? Val{false, 0, ""} : val(p);
      if (v.null) continue;
      if (count == 0 || (f == "min" ? v.num < best : v.num > best)) best = v.num;
      ++count;
      sum += v.num;
    }
    if (f == "count") {
      out[i] = std::to_string(count);
    } else if (count == 0) {
      out[i] = "NULL";
    } else if (f == "sum") {
      out[i] = Num(sum);
    } else if (f == "avg") {
      out[i] = Num(sum / double(count));
    } else if (c.arg == Col::kTs) {
      out[i] = core::FormatTimestamp(static_cast<int64_t>(best));
    } else {
      out[i] = Num(best);
    }
  }
  return out;
}

class WindowFuzzTest : public SqlFixture {};

std::vector<Row> RandomRows(std::mt19937_64& rng) {
  std::vector<Row> rows(rng() % 40);
  int64_t ts = 1704067200000000;  // 2024-01-01
  const char* syms[] = {"a", "b", "c"};
  for (auto& r : rows) {
    ts += static_cast<int64_t>(rng() % 3) * 60'000'000;  // ties in ts too
    r.ts_us = ts;
    if (rng() % 5) r.p = syms[rng() % 3];
    if (rng() % 5) r.q = static_cast<int64_t>(rng() % 2);
    if (rng() % 4) r.k = static_cast<int64_t>(rng() % 7) - 3;
    if (rng() % 4) r.x = static_cast<double>(static_cast<int64_t>(rng() % 21) - 10);
  }
  return rows;
}

Spec RandomSpec(std::mt19937_64& rng, bool frame_function) {
  Spec s;
  switch (rng() % 4) {
    case 0:
      break;
    case 1:
      s.partition = {Col::kP};
      break;
    case 2:
      s.partition = {Col::kQ};
      break;
    case 3:
      s.partition = {Col::kP, Col::kQ};
      break;
  }
  switch (rng() % 7) {
    case 0:
      break;
    case 1:
      s.order = {{Col::kTs, false}};
      break;
    case 2:
      s.order = {{Col::kK, false}};
      break;
    case 3:
      s.order = {{Col::kK, true}};
      break;
    case 4:
      s.order = {{Col::kX, rng() % 2 == 0}};
      break;
    case 5:
      s.order = {{Col::kP, rng() % 2 == 0}, {Col::kTs, true}};
      break;
    case 6:
      s.order = {{Col::kTs, true}};
      break;
  }
  if (!frame_function || rng() % 4 == 0) return s;
  const bool range_ok = s.order.size() == 1 && s.order[0].col != Col::kX;
  s.mode = (range_ok && rng() % 2) ? FrameMode::kRange : FrameMode::kRows;
  const bool range = *s.mode == FrameMode::kRange;
  const int64_t scale = range && s.order[0].col == Col::kTs ? 60'000'000 : 1;
  auto bound = [&](bool is_start) {
    FrameB b;
    switch (rng() % 5) {
      case 0:
        b.kind =
            is_start ? FrameBoundKind::kUnboundedPreceding : FrameBoundKind::kUnboundedFollowing;
        break;
      case 1:
        b.kind = FrameBoundKind::kPreceding;
        break;
      case 2:
        b.kind = FrameBoundKind::kCurrentRow;
        break;
      default:
        b.kind = FrameBoundKind::kFollowing;
        break;
    }
    if (rng() % 5 == 0) b.kind = FrameBoundKind::kPreceding;
    b.offset = static_cast<int64_t>(rng() % 4) * scale;
    return b;
  };
  do {
    s.start = bound(true);
    s.end = bound(false);
  } while (static_cast<int>(s.start.kind) > static_cast<int>(s.end.kind));
  s.exclude = rng() % 3 == 0;
  return s;
}

Call RandomCall(std::mt19937_64& rng) {
  static const char* kFns[] = {"row_number", "rank", "dense_rank",  "percent_rank", "cume_dist",
                               "lag",        "lead", "first_value", "last_value",   "count",
                               "sum",        "avg",  "min",         "max"};
  Call c;
  c.fn = kFns[rng() % std::size(kFns)];
  const Col value_cols[] = {Col::kX, Col::kK, Col::kQ};
  c.arg = value_cols[rng() % 3];
  if (c.fn == "count" && rng() % 3 == 0) c.star = true;
  if ((c.fn == "min" || c.fn == "max") && rng() % 4 == 0) c.arg = Col::kTs;
  if (c.fn == "first_value" || c.fn == "last_value" || c.fn == "lag" || c.fn == "lead") {
    const Col any[] = {Col::kX, Col::kK, Col::kP, Col::kTs};
    c.arg = any[rng() % 4];
    c.ignore_nulls = rng() % 2 == 0;
  }
  if (c.fn == "lag" || c.fn == "lead") {
    c.offset = static_cast<int64_t>(rng() % 4);
    if (rng() % 3 == 0 && (c.arg == Col::kX || c.arg == Col::kK))
      c.def = static_cast<int64_t>(rng() % 100);
  }
  return c;
}

TEST_F(WindowFuzzTest, RandomSpecsMatchTheNaiveModel) {
  const char* fixed = std::getenv("SUNDIAL_WINDOW_SEED");
  const uint64_t seed = fixed ? std::strtoull(fixed, nullptr, 10) : std::random_device{}();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  std::mt19937_64 rng(seed);
  for (int table = 0; table < 25; ++table) {
    const std::vector<Row> rows = RandomRows(rng);
    Exec("DROP TABLE IF EXISTS w");
    Exec(
        "CREATE TABLE w (ts TIMESTAMP, p SYMBOL, q INT, k LONG, x DOUBLE) TIMESTAMP(ts) PARTITION "
        "BY DAY");
    if (!rows.empty()) {
      std::string ins = "INSERT INTO w VALUES ";
      for (size_t i = 0; i < rows.size(); ++i) {
        const Row& r = rows[i];
        ins += (i ? ", (" : "(") + std::to_string(r.ts_us) + "::timestamp, " +
               (r.p ? "'" + *r.p + "'" : "NULL") + ", " + (r.q ? std::to_string(*r.q) : "NULL") +
               ", " + (r.k ? std::to_string(*r.k) : "NULL") + ", " +
               (r.x ? FormatDouble(*r.x) : "NULL") + ")";
      }
      Exec(ins);
    }
    for (int query = 0; query < 24; ++query) {
      const Call c = RandomCall(rng);
      const bool frame_fn = c.fn == "first_value" || c.fn == "last_value" || c.fn == "count" ||
                            c.fn == "sum" || c.fn == "avg" || c.fn == "min" || c.fn == "max";
      const Spec s = RandomSpec(rng, frame_fn);
      const std::string sql = "SELECT " + CallText(c, s) + " AS w FROM w";
      const std::vector<std::string> want = Model(rows, c, s);
      std::string expected = "w\n";
      for (const auto& v : want) expected += v + "\n";
      ASSERT_EQ(Query(sql), expected) << sql;
    }
  }
}

// Several window functions with different specs in one SELECT, inside expressions, with the
// same spec shared: each equals the same function queried alone.
TEST_F(WindowFuzzTest, SeveralSpecsInOneSelectEqualEachAlone) {
  Exec("CREATE TABLE w (ts TIMESTAMP, p SYMBOL, x DOUBLE) TIMESTAMP(ts) PARTITION BY DAY");
  Exec(
      "INSERT INTO w SELECT (1704067200000000 + x * 1000000)::timestamp, "
      "CASE WHEN x % 3 = 0 THEN 'a' WHEN x % 3 = 1 THEN 'b' ELSE 'c' END, (x * 7919 % 1000) / 10.0 "
      "FROM long_sequence(5000)");
  const std::string a = "row_number() OVER (PARTITION BY p ORDER BY x DESC)";
  const std::string b =
      "avg(x) OVER (PARTITION BY p ORDER BY ts ROWS BETWEEN 9 PRECEDING AND CURRENT ROW)";
  const std::string c =
      "max(x) OVER (ORDER BY ts RANGE BETWEEN '30' SECOND PRECEDING AND CURRENT ROW)";
  const std::string all =
      Query("SELECT " + a + " AS a, " + b + " AS b, " + c + " AS c, " + b + " * 2 AS b2 FROM w");
  const std::string ea = Query("SELECT " + a + " AS a FROM w");
  const std::string eb = Query("SELECT " + b + " AS b, " + b + " * 2 AS b2 FROM w");
  const std::string ec = Query("SELECT " + c + " AS c FROM w");
  std::istringstream s_all(all), s_a(ea), s_b(eb), s_c(ec);
  std::string l_all, l_a, l_b, l_c;
  size_t rows = 0;
  while (std::getline(s_all, l_all)) {
    ASSERT_TRUE(std::getline(s_a, l_a) && std::getline(s_b, l_b) && std::getline(s_c, l_c));
    if (rows++ == 0) continue;  // headers
    // all = a \t b \t c \t b2; eb = b \t b2
    const size_t t1 = l_all.find('\t'), t2 = l_all.find('\t', t1 + 1),
                 t3 = l_all.find('\t', t2 + 1);
    EXPECT_EQ(l_all.substr(0, t1), l_a);
    EXPECT_EQ(l_all.substr(t1 + 1, t2 - t1 - 1) + "\t" + l_all.substr(t3 + 1), l_b);
    EXPECT_EQ(l_all.substr(t2 + 1, t3 - t2 - 1), l_c);
  }
  EXPECT_EQ(rows, 5001u);
}

class WindowBudgetTest : public SqlFixture {
 protected:
  std::string Run(int64_t timeout_ms, int64_t max_memory, const std::string& q) {
    SqlOptions so;
    so.query_timeout_ms = timeout_ms;
    so.max_query_memory = max_memory;
    SqlEngine e(engine_.get(), nullptr, so);
    auto r = e.Execute(q);
    if (!r.ok()) return r.status().message();
    ResultBlock b;
    for (;;) {
      auto more = r->rows->Next(&b, 4096);
      if (!more.ok()) return more.status().message();
      if (!*more) return "OK";
    }
  }
};

TEST_F(WindowBudgetTest, MemoryCapAndTimeoutEndTheWindowQuery) {
  const std::string q =
      "SELECT x, sum(x) OVER (PARTITION BY x % 1000 ORDER BY x DESC ROWS 5 PRECEDING) FROM "
      "long_sequence(2000000)";
  EXPECT_EQ(Run(0, 4 << 20, q).rfind("query memory limit exceeded", 0), 0u);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(Run(1, -1, q), "timeout, query aborted");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  EXPECT_EQ(Run(0, -1, "SELECT row_number() OVER (ORDER BY x DESC) FROM long_sequence(1000)"),
            "OK");
}

}  // namespace
}  // namespace sundial::sql
