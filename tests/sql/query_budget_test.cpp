// query.timeout and cairo.sql.max.query.memory inside the operators that run long or hold a
// lot before their first row: GROUP BY, ORDER BY, DISTINCT, joins' build sides, filters.
#include <gtest/gtest.h>

#include <chrono>

#include "tests/sql/sql_test_util.h"

namespace sundial::sql {
namespace {

class QueryBudgetTest : public SqlFixture {
 protected:
  // A second SQL engine on the same storage, with limits.
  std::unique_ptr<SqlEngine> Limited(int64_t timeout_ms, int64_t max_memory) {
    SqlOptions so;
    so.worker_threads = 2;
    so.query_timeout_ms = timeout_ms;
    so.max_query_memory = max_memory;
    return std::make_unique<SqlEngine>(engine_.get(), nullptr, so);
  }
  // Runs `q` to the end; "OK" or the error's message.
  static std::string Run(SqlEngine* e, const std::string& q) {
    auto r = e->Execute(q);
    if (!r.ok()) return r.status().message();
    if (!r->rows) return "OK";
    ResultBlock b;
    for (;;) {
      auto more = r->rows->Next(&b, 4096);
      if (!more.ok()) return more.status().message();
      if (!*more) return "OK";
    }
  }
  static int64_t Millis(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
        .count();
  }
};

// Each of these runs for seconds without a limit; with a 20 ms timeout it stops at the next
// batch after the deadline.
TEST_F(QueryBudgetTest, TimeoutStopsLongOperatorsPromptly) {
  auto e = Limited(20, -1);
  const char* kQueries[] = {
      "select x, count() from long_sequence(20000000) group by x",                // hash GROUP BY
      "select x % 7 k, sum(x) from long_sequence(100000000) group by k",           // few keys
      "select x from long_sequence(20000000) order by x desc limit 1",             // sort
      "select distinct x from long_sequence(20000000)",                            // distinct
      "select count() from long_sequence(100000000) where x < 0",                 // filter
      "select a.x from long_sequence(10) a join long_sequence(20000000) b on a.x = b.x",  // build
  };
  for (const char* q : kQueries) {
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(Run(e.get(), q), "timeout, query aborted") << q;
    EXPECT_LT(Millis(t0), 2000) << q;
  }
  // INSERT ... SELECT runs inside Execute: the same limit, and nothing is committed.
  Exec("create table t (x long)");
  EXPECT_EQ(Run(e.get(), "insert into t select x from long_sequence(20000000) order by x desc"),
            "timeout, query aborted");
  EXPECT_EQ(Query("select count() from t"), "count\n0\n");
  // Quick statements are not affected.
  EXPECT_EQ(Run(e.get(), "select x, count() from long_sequence(1000) group by x"), "OK");
}

TEST_F(QueryBudgetTest, MemoryCapEndsTheQueryWithAClearErrorAndTheEngineGoesOn) {
  auto e = Limited(0, 4 << 20);  // 4 MiB
  const std::string err = Run(e.get(), "select x, count() from long_sequence(1000000) group by x");
  EXPECT_EQ(err.rfind("query memory limit exceeded [limit=4194304", 0), 0u) << err;
  EXPECT_NE(err.find("cairo.sql.max.query.memory"), std::string::npos) << err;
  EXPECT_EQ(Run(e.get(), "select x from long_sequence(1000000) order by x desc").rfind(
                "query memory limit exceeded", 0),
            0u);
  EXPECT_EQ(Run(e.get(), "select distinct x from long_sequence(1000000)").rfind(
                "query memory limit exceeded", 0),
            0u);
  // The memory of the failed queries was given back: queries under the cap run, again and again.
  for (int k = 0; k < 3; ++k) {
    EXPECT_EQ(Run(e.get(), "select x, count() from long_sequence(10000) group by x"), "OK");
    EXPECT_EQ(Run(e.get(), "select x from long_sequence(10000) order by x desc"), "OK");
  }
  // Without a cap the same query runs.
  auto unlimited = Limited(0, -1);
  EXPECT_EQ(Run(unlimited.get(), "select x, count() from long_sequence(1000000) group by x"), "OK");
}

}  // namespace
}  // namespace sundial::sql
