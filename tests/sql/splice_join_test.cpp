// SPLICE JOIN against its definition: random keyed tables whose timestamps never tie across the
// sides (left even, right odd microseconds), so the output is every row of both sides in time
// order, each with the latest earlier row of the other side and the same key, found here by a
// linear scan. Seeded; the seed is printed on failure (SUNDIAL_SPLICE_SEED replays one).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "tests/sql/sql_test_util.h"

namespace sundial::sql {
namespace {

struct Row {
  int64_t ts;
  std::string sym;
  int64_t v;
};

using SpliceJoinModelTest = SqlFixture;

TEST_F(SpliceJoinModelTest, EveryRowWithThePrevailingRowOfTheOtherSide) {
  uint32_t seed = std::random_device()();
  if (const char* s = std::getenv("SUNDIAL_SPLICE_SEED"); s && *s)
    seed = std::strtoul(s, nullptr, 10);
  SCOPED_TRACE("SUNDIAL_SPLICE_SEED=" + std::to_string(seed));
  std::mt19937 rng(seed);
  Exec("CREATE TABLE l (ts TIMESTAMP, sym SYMBOL, v LONG) TIMESTAMP(ts) PARTITION BY DAY");
  Exec("CREATE TABLE r (ts TIMESTAMP, sym SYMBOL, v LONG) TIMESTAMP(ts) PARTITION BY DAY");
  const char* const syms[] = {"a", "b", "c"};
  for (int round = 0; round < 10; ++round) {
    Exec("TRUNCATE TABLE l");
    Exec("TRUNCATE TABLE r");
    std::vector<Row> side[2];
    for (int s = 0; s < 2; ++s) {
      const int n = static_cast<int>(rng() % 40);
      for (int k = 0; k < n; ++k) {
        // Left rows on even, right rows on odd microseconds: no ties across the sides.
        int64_t ts = 1'700'000'000'000'000 + 2 * static_cast<int64_t>(rng() % 200) + s;
        side[s].push_back({ts, syms[rng() % 3], static_cast<int64_t>(k + 100 * s)});
      }
      std::stable_sort(side[s].begin(), side[s].end(),
                       [](const Row& a, const Row& b) { return a.ts < b.ts; });
      if (side[s].empty()) continue;
      std::string ins = std::string("INSERT INTO ") + (s ? "r" : "l") + " VALUES ";
      for (size_t k = 0; k < side[s].size(); ++k) {
        ins += (k ? ", (" : "(") + std::to_string(side[s][k].ts) + "::timestamp, '" +
               side[s][k].sym + "', " + std::to_string(side[s][k].v) + ")";
      }
      Exec(ins);
    }
    const bool keyed = rng() % 2;
    // The model: both sides merged by time; a row of one side with the latest earlier row of
    // the other (same key when keyed).
    std::string want = "v\tv1\n";
    auto prevailing = [&](int other, const Row& row) -> std::string {
      const Row* best = nullptr;
      for (const Row& o : side[other]) {
        if (o.ts < row.ts && (!keyed || o.sym == row.sym)) best = &o;
      }
      return best ? std::to_string(best->v) : "NULL";
    };
    size_t i = 0, j = 0;
    while (i < side[0].size() || j < side[1].size()) {
      if (j == side[1].size() || (i < side[0].size() && side[0][i].ts < side[1][j].ts)) {
        want += std::to_string(side[0][i].v) + "\t" + prevailing(1, side[0][i]) + "\n";
        ++i;
      } else {
        want += prevailing(0, side[1][j]) + "\t" + std::to_string(side[1][j].v) + "\n";
        ++j;
      }
    }
    std::string q =
        std::string("SELECT l.v, r.v FROM l SPLICE JOIN r") + (keyed ? " ON (sym)" : "");
    EXPECT_EQ(Query(q), want) << q;
  }
}

}  // namespace
}  // namespace sundial::sql
