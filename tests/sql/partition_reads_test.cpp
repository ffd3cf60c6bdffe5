// What a query opens after a restart: the column files of the partitions it reads, and no
// others (counted with tests/testutil/counting_file_system.h, not timed). A damaged file of a
// partition no query reads does not stop the others; the query that reads it gets Corruption.
#include <set>
#include <string>
#include <vector>

#include "tests/sql/sql_test_util.h"
#include "tests/testutil/counting_file_system.h"

namespace sundial::sql {
namespace {

constexpr int64_t kDayUs = 86'400'000'000;
constexpr int64_t kHourUs = 3'600'000'000;
constexpr int64_t kStartUs = 1'704'067'200'000'000;  // 2024-01-01
constexpr int kDays = 40;
constexpr int kHosts = 5;

class PartitionReadsTest : public SqlFixture {
 protected:
  void SetUp() override {
    SqlFixture::SetUp();
    counting_ = std::make_shared<testutil::CountingFileSystem>(fs_);
    fs_ = counting_;
    Reopen();
    // 40 day partitions; every host has a row in every hour of every day.
    Exec(
        "CREATE TABLE t (ts TIMESTAMP, host SYMBOL, name VARCHAR, v LONG) TIMESTAMP(ts) "
        "PARTITION BY DAY");
    std::string ins = "INSERT INTO t VALUES ";
    for (int d = 0; d < kDays; ++d) {
      for (int h = 0; h < 24; ++h) {
        for (int k = 0; k < kHosts; ++k) {
          ins += "('" + core::FormatTimestamp(kStartUs + d * kDayUs + h * kHourUs + k) + "', 'h" +
                 std::to_string(k) + "', 'n" + std::to_string(h) + "', " +
                 std::to_string(d * 1000 + h * 10 + k) + "),";
        }
      }
    }
    ins.pop_back();
    Exec(ins);
  }

  static std::string Day(int d) {
    return core::FormatTimestamp(kStartUs + d * kDayUs).substr(0, 10);
  }

  // Restarts, runs `sql`, and returns the partition directories (by day) whose files the query
  // opened; `table_level` gets the other files of the table it opened (`_txn`, `.sym`).
  std::set<std::string> DaysOpenedBy(const std::string& sql, std::string* answer,
                                     std::set<std::string>* table_level = nullptr) {
    Reopen();
    counting_->Reset();
    *answer = Query(sql);
    std::set<std::string> days;
    const std::string table_dir = root_ + "/db/t/";
    for (const std::string& p : counting_->opened()) {
      if (p.rfind(table_dir, 0) != 0) continue;
      const std::string rel = p.substr(table_dir.size());
      const size_t slash = rel.find('/');
      if (slash == std::string::npos) {
        if (table_level) table_level->insert(rel);
      } else {
        days.insert(rel.substr(0, slash));
      }
    }
    return days;
  }

  std::shared_ptr<testutil::CountingFileSystem> counting_;
};

TEST_F(PartitionReadsTest, RestartOpensNoColumnFileOfAnOlderPartition) {
  Reopen();
  counting_->Reset();
  Reopen();  // what the open itself opens
  const std::string newest = Day(kDays - 1);
  for (const std::string& p : counting_->opened()) {
    const bool in_a_partition = p.find("/db/t/20") != std::string::npos;
    EXPECT_TRUE(!in_a_partition || p.find("/db/t/" + newest + "/") != std::string::npos) << p;
  }
}

TEST_F(PartitionReadsTest, QueryOverOneDayOpensOnlyThatDay) {
  std::string got;
  std::set<std::string> table_level;
  auto days = DaysOpenedBy("SELECT count(), sum(v), max(name) FROM t WHERE ts IN '" + Day(7) + "'",
                           &got, &table_level);
  EXPECT_EQ(got,
            "count\tsum\tmax\n120\t" + std::to_string(120 * 7000 + 5 * 2760 + 24 * 10) + "\tn9\n");
  EXPECT_EQ(days, std::set<std::string>{Day(7)});
  EXPECT_EQ(table_level, std::set<std::string>{});

  days = DaysOpenedBy("SELECT host, max(v) FROM t WHERE ts IN '" + Day(20) + "' ORDER BY host",
                      &got, &table_level);
  EXPECT_EQ(got, "host\tmax\nh0\t20230\nh1\t20231\nh2\t20232\nh3\t20233\nh4\t20234\n");
  EXPECT_EQ(days, std::set<std::string>{Day(20)});

  // Two days by a range on the designated timestamp.
  const std::string range =
      " FROM t WHERE ts >= '" + Day(3) + "T12:00:00' AND ts < '" + Day(5) + "'";
  days = DaysOpenedBy("SELECT count(), sum(v)" + range, &got);
  EXPECT_EQ(got, "count\tsum\n180\t" +
                     std::to_string(60 * 3000 + 5 * (12 + 23) * 12 * 10 / 2 + 12 * 10 + 120 * 4000 +
                                    5 * 2760 + 24 * 10) +
                     "\n");
  EXPECT_EQ(days, (std::set<std::string>{Day(3), Day(4)}));
  // count() alone takes the whole day's row count from the `_txn`: only the cut day is read.
  days = DaysOpenedBy("SELECT count()" + range, &got);
  EXPECT_EQ(got, "count\n180\n");
  EXPECT_EQ(days, std::set<std::string>{Day(3)});
}

TEST_F(PartitionReadsTest, CountOfTheWholeTableOpensNoColumnFile) {
  std::string got;
  auto days = DaysOpenedBy("SELECT count() FROM t", &got);
  EXPECT_EQ(got, "count\n" + std::to_string(kDays * 24 * kHosts) + "\n");
  EXPECT_EQ(days, std::set<std::string>{});
}

TEST_F(PartitionReadsTest, LatestOnOpensOnlyTheNewestPartition) {
  std::string got;
  const std::string want = "host\tv\nh0\t39230\nh1\t39231\nh2\t39232\nh3\t39233\nh4\t39234\n";
  auto days = DaysOpenedBy("SELECT host, v FROM t LATEST ON ts PARTITION BY host", &got);
  EXPECT_EQ(got, want);
  EXPECT_EQ(days, std::set<std::string>{Day(kDays - 1)});
  // A filter every key passes in the newest partition.
  days = DaysOpenedBy("SELECT host, v FROM t WHERE v >= 0 LATEST ON ts PARTITION BY host", &got);
  EXPECT_EQ(got, want);
  EXPECT_EQ(days, std::set<std::string>{Day(kDays - 1)});
  // A filter on the key: only the listed keys are looked for.
  days = DaysOpenedBy(
      "SELECT host, v FROM t WHERE host IN ('h1', 'h3') LATEST ON ts PARTITION BY host", &got);
  EXPECT_EQ(got, "host\tv\nh1\t39231\nh3\t39233\n");
  EXPECT_EQ(days, std::set<std::string>{Day(kDays - 1)});
  // Keys whose last passing rows are older: read back to the partition that has them.
  days = DaysOpenedBy(
      "SELECT host, v FROM t WHERE host = 'h2' AND v < 30000 LATEST ON ts PARTITION BY host", &got);
  EXPECT_EQ(got, "host\tv\nh2\t29232\n");
  std::set<std::string> want_days;
  for (int d = 29; d < kDays; ++d) want_days.insert(Day(d));
  EXPECT_EQ(days, want_days);
}

TEST_F(PartitionReadsTest, DamagedOlderPartitionIsCorruptionOnlyWhenRead) {
  Reopen();
  {
    auto f = fs_->Open(root_ + "/db/t/" + Day(7) + "/v.d", core::OpenMode::kReadWrite);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->Truncate(16).ok());
  }
  Reopen();
  EXPECT_TRUE(engine_->BrokenTables().empty());
  EXPECT_EQ(Query("SELECT sum(v) FROM t WHERE ts IN '" + Day(8) + "'"),
            "sum\n" + std::to_string(120 * 8000 + 5 * 2760 + 24 * 10) + "\n");
  auto r = sql_->Execute("SELECT sum(v) FROM t WHERE ts IN '" + Day(7) + "'");
  std::string error;
  if (!r.ok()) {
    error = r.status().ToString();
  } else {
    ResultBlock b;
    for (;;) {
      auto more = r->rows->Next(&b, 1000);
      if (!more.ok()) {
        error = more.status().ToString();
        break;
      }
      if (!*more) break;
    }
  }
  EXPECT_NE(error.find("Corruption"), std::string::npos) << error;
  EXPECT_NE(error.find(Day(7) + "/v.d"), std::string::npos) << error;
  // The whole table reads that partition too: the same error, never a sum without it.
  EXPECT_EQ(Query("SELECT sum(v) FROM t").rfind("ERROR ", 0), 0u);
}

}  // namespace
}  // namespace sundial::sql
