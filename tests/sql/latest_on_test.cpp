// LATEST ON: what it reads (partitions counted through TableView::PartitionsRead, not timed)
// and what it answers (random tables against a simple model, row for row).
#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "tests/sql/sql_test_util.h"

namespace sundial::sql {
namespace {

constexpr int64_t kDayUs = 86'400'000'000;
constexpr int64_t kStartUs = 1'704'067'200'000'000;  // 2024-01-01

std::string Ts(int64_t us) { return "'" + core::FormatTimestamp(us) + "'"; }

class LatestOnTest : public SqlFixture {
 protected:
  // Partitions the current state of `table` has handed out column data for.
  size_t PartitionsRead(const std::string& table) {
    auto v = engine_->Pin(table);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? v->PartitionsRead() : 0;
  }
  bool MayHoldNullKey(const std::string& table, int column) {
    auto v = engine_->Pin(table);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() && v->MayHoldNullKey(column);
  }
  // `days` day partitions, `keys` hosts each with a row per partition (key k at hour k).
  // `null_day`: that day also gets one row with a NULL host.
  void MakeTable(int days, int keys, int null_day) {
    Exec(
        "CREATE TABLE t (ts TIMESTAMP, host SYMBOL, flag BOOLEAN, v LONG) "
        "TIMESTAMP(ts) PARTITION BY DAY");
    std::string ins = "INSERT INTO t VALUES ";
    for (int d = 0; d < days; ++d) {
      for (int k = 0; k < keys; ++k) {
        const int64_t ts = kStartUs + d * kDayUs + k * 3'600'000'000LL;
        ins += "(" + Ts(ts) + ", 'h" + std::to_string(k) + "', " + (k % 2 ? "true" : "false") +
               ", " + std::to_string(d * 100 + k) + "),";
      }
      if (d == null_day) ins += "(" + Ts(kStartUs + d * kDayUs + 1) + ", NULL, false, -1),";
    }
    ins.pop_back();
    Exec(ins);
  }
};

TEST_F(LatestOnTest, EveryKeyInTheNewestPartitionReadsOnlyIt) {
  MakeTable(40, 10, -1);
  Reopen();  // a fresh pin: nothing mapped yet
  EXPECT_EQ(PartitionsRead("t"), 0u);
  std::string got = Query("SELECT host, v FROM t LATEST ON ts PARTITION BY host");
  EXPECT_EQ(got,
            "host\tv\nh0\t3900\nh1\t3901\nh2\t3902\nh3\t3903\nh4\t3904\nh5\t3905\n"
            "h6\t3906\nh7\t3907\nh8\t3908\nh9\t3909\n");
  EXPECT_EQ(PartitionsRead("t"), 1u);
}

TEST_F(LatestOnTest, SeveralBoundedKeysReadOnlyTheNewestPartition) {
  MakeTable(40, 10, -1);  // flag = k % 2: each host has one flag value, 20 combinations
  Reopen();               // possible (10 hosts x 2), 10 present: the bound is not reached
  Query("SELECT host, flag, v FROM t LATEST ON ts PARTITION BY host, flag");
  EXPECT_EQ(PartitionsRead("t"), 40u);
  // Every combination of the bound present in the newest partition: it alone is read.
  Exec("INSERT INTO t VALUES " + [] {
    std::string s;
    for (int k = 0; k < 10; ++k) {
      s += std::string(s.empty() ? "" : ",") + "(" +
           Ts(kStartUs + 39 * kDayUs + 23 * 3'600'000'000LL + k) + ", 'h" + std::to_string(k) +
           "', " + (k % 2 ? "false" : "true") + ", 7)";
    }
    return s;
  }());
  Reopen();
  std::string got =
      Query("SELECT count() FROM (SELECT host, flag FROM t LATEST ON ts PARTITION BY host, flag)");
  EXPECT_EQ(got, "count\n20\n");
  EXPECT_EQ(PartitionsRead("t"), 1u);
}

TEST_F(LatestOnTest, NullKeyInAnOlderPartitionIsFoundThere) {
  MakeTable(40, 10, 20);
  EXPECT_TRUE(MayHoldNullKey("t", 1));
  Reopen();
  std::string got = Query("SELECT host, v FROM t LATEST ON ts PARTITION BY host");
  EXPECT_NE(got.find("\nNULL\t-1\n"), std::string::npos) << got;  // the NULL host's row
  // Partitions 39 down to 20: the NULL key is only known to exist, not where.
  EXPECT_EQ(PartitionsRead("t"), 20u);
}

TEST_F(LatestOnTest, FilterThatNeverMatchesAKeyStillAnswersRight) {
  MakeTable(40, 10, -1);
  Reopen();
  // h3 never matches: every partition must be read, and h3 is absent.
  std::string got =
      Query("SELECT host, v FROM t WHERE host != 'h3' AND v >= 0 LATEST ON ts PARTITION BY host");
  EXPECT_EQ(got.find("h3"), std::string::npos) << got;
  EXPECT_NE(got.find("h4\t3904"), std::string::npos) << got;
  EXPECT_EQ(PartitionsRead("t"), 40u);
  // Keys matching only in old partitions: found where they are.
  got = Query("SELECT host, v FROM t WHERE v < 500 LATEST ON ts PARTITION BY host");
  EXPECT_NE(got.find("h0\t400\n"), std::string::npos) << got;
  EXPECT_NE(got.find("h9\t409\n"), std::string::npos) << got;
}

// A filter that every key passes in the newest partition, or one that holds the key column
// to listed values: the scan stops where the last wanted key was found.
TEST_F(LatestOnTest, FilterOnTheKeysStopsWhereTheListedKeysAreFound) {
  MakeTable(40, 10, -1);  // v = day * 100 + key
  auto run = [&](const std::string& where, const std::string& by = "host") {
    Reopen();
    return Query("SELECT host, v FROM t WHERE " + where + " LATEST ON ts PARTITION BY " + by);
  };
  EXPECT_EQ(run("v >= 0"),
            "host\tv\nh0\t3900\nh1\t3901\nh2\t3902\nh3\t3903\nh4\t3904\nh5\t3905\n"
            "h6\t3906\nh7\t3907\nh8\t3908\nh9\t3909\n");
  EXPECT_EQ(PartitionsRead("t"), 1u);
  EXPECT_EQ(run("host IN ('h1', 'h2')"), "host\tv\nh1\t3901\nh2\t3902\n");
  EXPECT_EQ(PartitionsRead("t"), 1u);
  EXPECT_EQ(run("host = 'h3'"), "host\tv\nh3\t3903\n");
  EXPECT_EQ(PartitionsRead("t"), 1u);
  EXPECT_EQ(run("'h3' = host AND flag"), "host\tv\nh3\t3903\n");
  EXPECT_EQ(PartitionsRead("t"), 1u);
  // A listed value the dictionary does not hold cannot be found: it is not waited for.
  EXPECT_EQ(run("host IN ('h1', 'nope')"), "host\tv\nh1\t3901\n");
  EXPECT_EQ(PartitionsRead("t"), 1u);
  EXPECT_EQ(run("host = 'nope'"), "host\tv\n");
  EXPECT_LE(PartitionsRead("t"), 1u);
  // Two lists on one column: the smaller bounds it.
  EXPECT_EQ(run("host IN ('h1', 'h2', 'h3') AND host IN ('h2', 'h4')"), "host\tv\nh2\t3902\n");
  EXPECT_EQ(PartitionsRead("t"), 1u);
  // The listed keys' last passing rows are older (v < 500: day 4): read back to day 4.
  EXPECT_EQ(run("host IN ('h1', 'h2') AND v < 500"), "host\tv\nh1\t401\nh2\t402\n");
  EXPECT_EQ(PartitionsRead("t"), 36u);
  // A key of a type with no bound of its own (LONG), held to two values.
  EXPECT_EQ(run("v IN (3905, 3801)", "v"), "host\tv\nh1\t3801\nh5\t3905\n");
  EXPECT_EQ(PartitionsRead("t"), 2u);
  // Not a list of the key: an OR, a negation, a comparison. Every partition is read.
  EXPECT_EQ(run("host = 'h1' OR host = 'h2'"), "host\tv\nh1\t3901\nh2\t3902\n");
  EXPECT_EQ(PartitionsRead("t"), 40u);
  EXPECT_EQ(run("host NOT IN ('h0', 'h2', 'h3', 'h4', 'h5', 'h6', 'h7', 'h8', 'h9')"),
            "host\tv\nh1\t3901\n");
  EXPECT_EQ(PartitionsRead("t"), 40u);
}

// NULL listed for a SYMBOL key: the NULL key is one of the values looked for.
TEST_F(LatestOnTest, ListedNullKeyIsLookedFor) {
  MakeTable(40, 10, 20);  // a NULL host on day 20 only
  Reopen();
  EXPECT_EQ(
      Query("SELECT host, v FROM t WHERE host IN ('h1', NULL) LATEST ON ts PARTITION BY host"),
      "host\tv\nNULL\t-1\nh1\t3901\n");
  EXPECT_EQ(PartitionsRead("t"), 20u);  // days 39 down to 20
  Reopen();
  EXPECT_EQ(Query("SELECT host, v FROM t WHERE host = NULL LATEST ON ts PARTITION BY host"),
            "host\tv\nNULL\t-1\n");
  EXPECT_EQ(PartitionsRead("t"), 20u);
}

// ColumnState::may_hold_null_key follows what the table holds, across restarts.
TEST_F(LatestOnTest, NullKeyFlagFollowsTheRows) {
  Exec("CREATE TABLE t (ts TIMESTAMP, s SYMBOL, v LONG) TIMESTAMP(ts) PARTITION BY DAY");
  EXPECT_FALSE(MayHoldNullKey("t", 1));
  EXPECT_TRUE(MayHoldNullKey("t", 2));  // not a SYMBOL column
  Exec("INSERT INTO t VALUES (" + Ts(kStartUs) + ", 'a', 1)");
  EXPECT_FALSE(MayHoldNullKey("t", 1));
  Exec("INSERT INTO t (ts, v) VALUES (" + Ts(kStartUs + kDayUs) + ", 2)");  // s NULL
  EXPECT_TRUE(MayHoldNullKey("t", 1));
  Reopen();
  EXPECT_TRUE(MayHoldNullKey("t", 1));

  Exec("CREATE TABLE u (ts TIMESTAMP, s SYMBOL) TIMESTAMP(ts) PARTITION BY DAY");
  Exec("INSERT INTO u VALUES (" + Ts(kStartUs) + ", 'a')");
  Exec("ALTER TABLE u ADD COLUMN s2 SYMBOL");  // the existing row reads NULL in s2
  EXPECT_FALSE(MayHoldNullKey("u", 1));
  EXPECT_TRUE(MayHoldNullKey("u", 2));
  Reopen();
  EXPECT_FALSE(MayHoldNullKey("u", 1));
  Exec("UPDATE u SET s = NULL");
  EXPECT_TRUE(MayHoldNullKey("u", 1));
  EXPECT_EQ(Query("SELECT s, s2 FROM u LATEST ON ts PARTITION BY s"), "s\ts2\nNULL\tNULL\n");

  Exec("CREATE TABLE w (ts TIMESTAMP, v LONG) TIMESTAMP(ts) PARTITION BY DAY");
  Exec("ALTER TABLE w ADD COLUMN s SYMBOL");  // no rows yet: nothing reads NULL
  EXPECT_FALSE(MayHoldNullKey("w", 2));
}

// Random tables against a model: several partitions (rows inserted out of order), keys with
// NULLs, one to three key columns of bounded and unbounded types, random filters.
TEST_F(LatestOnTest, RandomTablesMatchAModel) {
  const uint32_t seed = std::random_device{}();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  std::mt19937 rng(seed);
  struct Row {
    int64_t ts;
    std::optional<int> s1, s2, i, vc;  // symbol 'a'+n, 'x'+n; INT; VARCHAR 'v'+n
    bool b;
    int64_t x;
  };
  const std::vector<std::vector<std::string>> key_sets = {
      {"s1"}, {"s2"},      {"s1", "s2"}, {"s1", "b"}, {"b"}, {"i"}, {"s2", "i"}, {"b", "s1", "s2"},
      {"x"},  {"s1", "x"}, {"vc"},       {"vc", "s1"}};
  // Filters holding key columns to listed values bound the scan (KeyValueList); the others
  // only keep rows out.
  const std::vector<std::string> filters = {"",
                                            "x > 50",
                                            "s1 = 'a1'",
                                            "s2 != 'x0'",
                                            "i IS NULL",
                                            "x < 10 OR b",
                                            "s1 IS NULL",
                                            "x > 1000",
                                            "s1 IN ('a0', 'a2', 'zz')",
                                            "s2 = 'x1' AND x > 20",
                                            "x IN (5, 7, 11, 12)",
                                            "b = true AND s1 IN ('a1', 'a3')",
                                            "s1 IN ('a4', 'a0') AND s1 = 'a4'",
                                            "i IN (1, 2, 3, 4, 5, 6, 7, 8, 9) OR s1 = 'a2'",
                                            "i IN (3, 7, 11, NULL)",
                                            "vc IN ('v1', 'v2')",
                                            "vc = 'v0' AND x < 70",
                                            "vc IN ('v2', 'v3') AND s1 IN ('a0', 'a1')"};
  for (int round = 0; round < 12; ++round) {
    SCOPED_TRACE("round=" + std::to_string(round));
    Exec("DROP TABLE IF EXISTS r");
    Exec(
        "CREATE TABLE r (ts TIMESTAMP, s1 SYMBOL, s2 SYMBOL, b BOOLEAN, i INT, x LONG, vc VARCHAR) "
        "TIMESTAMP(ts) PARTITION BY DAY");
    const int days = 1 + static_cast<int>(rng() % 12);
    const int n = 1 + static_cast<int>(rng() % 400);
    const int s1_values = 1 + static_cast<int>(rng() % 5),
              s2_values = 1 + static_cast<int>(rng() % 3);
    const int null_pct = static_cast<int>(rng() % 3) * 10;  // 0, 10 or 20
    auto maybe = [&](int values) -> std::optional<int> {
      if (static_cast<int>(rng() % 100) < null_pct) return std::nullopt;
      return static_cast<int>(rng() % values);
    };
    // Symbol values by halves (value k in about 1/2^(k+1) of the rows): the rare ones have
    // their newest rows in older partitions, so a scan that stops too early misses them.
    auto skewed = [&](int values) -> std::optional<int> {
      if (static_cast<int>(rng() % 100) < null_pct) return std::nullopt;
      int v = 0;
      while (v + 1 < values && rng() % 2) ++v;
      return v;
    };
    std::vector<int64_t> stamps;  // distinct, so "the newest row" is one row
    for (int k = 0; k < n; ++k)
      stamps.push_back(kStartUs + (rng() % (days * 24)) * 3'600'000'000LL + k);
    std::vector<Row> rows;
    // A few commits, each in random order (out-of-order merges and splits).
    const int commits = 1 + static_cast<int>(rng() % 3);
    for (int c = 0; c < commits; ++c) {
      std::string ins = "INSERT INTO r VALUES ";
      bool any = false;
      for (int k = c; k < n; k += commits) {
        Row row{stamps[k],
                skewed(s1_values),
                skewed(s2_values),
                maybe(40),
                skewed(4),
                (rng() % 2) == 0,
                static_cast<int64_t>(rng() % 100)};
        std::string s1 = row.s1 ? "'a" + std::to_string(*row.s1) + "'" : "NULL";
        std::string s2 = row.s2 ? "'x" + std::to_string(*row.s2) + "'" : "NULL";
        ins += "(" + Ts(row.ts) + ", " + s1 + ", " + s2 + ", " + (row.b ? "true" : "false") + ", " +
               (row.i ? std::to_string(*row.i) : "NULL") + ", " + std::to_string(row.x) + ", " +
               (row.vc ? "'v" + std::to_string(*row.vc) + "'" : "NULL") + "),";
        rows.push_back(row);
        any = true;
      }
      ins.pop_back();
      if (any) Exec(ins);
    }
    if (rng() % 2) Reopen();
    for (int q = 0; q < 24; ++q) {
      const auto& keys = key_sets[rng() % key_sets.size()];
      const std::string& filter = filters[rng() % filters.size()];
      auto passes = [&](const Row& r) {
        if (filter.empty()) return true;
        if (filter == "x > 50") return r.x > 50;
        if (filter == "s1 = 'a1'") return r.s1 == 1;
        if (filter == "s2 != 'x0'") return r.s2 != 0;  // NULL != 'x0' is true (QuestDB)
        if (filter == "i IS NULL") return !r.i.has_value();
        if (filter == "x < 10 OR b") return r.x < 10 || r.b;
        if (filter == "s1 IS NULL") return !r.s1.has_value();
        if (filter == "x > 1000") return r.x > 1000;
        if (filter == "s1 IN ('a0', 'a2', 'zz')") return r.s1 == 0 || r.s1 == 2;
        if (filter == "s2 = 'x1' AND x > 20") return r.s2 == 1 && r.x > 20;
        if (filter == "x IN (5, 7, 11, 12)") return r.x == 5 || r.x == 7 || r.x == 11 || r.x == 12;
        if (filter == "b = true AND s1 IN ('a1', 'a3')") return r.b && (r.s1 == 1 || r.s1 == 3);
        if (filter == "s1 IN ('a4', 'a0') AND s1 = 'a4'") return r.s1 == 4;
        if (filter == "i IN (1, 2, 3, 4, 5, 6, 7, 8, 9) OR s1 = 'a2'") {
          return (r.i && *r.i >= 1 && *r.i <= 9) || r.s1 == 2;
        }
        if (filter == "i IN (3, 7, 11, NULL)") return !r.i || r.i == 3 || r.i == 7 || r.i == 11;
        if (filter == "vc IN ('v1', 'v2')") return r.vc == 1 || r.vc == 2;
        if (filter == "vc = 'v0' AND x < 70") return r.vc == 0 && r.x < 70;
        if (filter == "vc IN ('v2', 'v3') AND s1 IN ('a0', 'a1')") {
          return (r.vc == 2 || r.vc == 3) && (r.s1 == 0 || r.s1 == 1);
        }
        ADD_FAILURE() << "no model for " << filter;
        return false;
      };
      auto key_of = [&](const Row& r) {
        std::vector<int> k;
        for (const auto& name : keys) {
          if (name == "s1") k.push_back(r.s1 ? *r.s1 : -1);
          if (name == "s2") k.push_back(r.s2 ? *r.s2 : -1);
          if (name == "i") k.push_back(r.i ? *r.i : -1);
          if (name == "b") k.push_back(r.b);
          if (name == "x") k.push_back(static_cast<int>(r.x));
          if (name == "vc") k.push_back(r.vc ? *r.vc : -1);
        }
        return k;
      };
      std::map<std::vector<int>, const Row*> newest;
      for (const Row& r : rows) {
        if (!passes(r)) continue;
        const Row*& best = newest[key_of(r)];
        if (best == nullptr || best->ts < r.ts) best = &r;
      }
      std::vector<const Row*> want;
      for (const auto& [k, r] : newest) want.push_back(r);
      std::sort(want.begin(), want.end(), [](const Row* a, const Row* b) { return a->ts < b->ts; });
      std::string expected = "ts\tx\n";
      for (const Row* r : want) {
        expected += core::FormatTimestamp(r->ts) + "\t" + std::to_string(r->x) + "\n";
      }
      std::string by;
      for (const auto& k : keys) by += (by.empty() ? "" : ", ") + k;
      const std::string sql = "SELECT ts, x FROM r" + (filter.empty() ? "" : " WHERE " + filter) +
                              " LATEST ON ts PARTITION BY " + by;
      ASSERT_EQ(Query(sql), expected) << sql;
    }
  }
}

}  // namespace
}  // namespace sundial::sql
