// What Engine::Open does per table does not grow with the number of partitions: file system
// calls are counted (not timed) while tables with 4 and 40 partitions open; what an open left
// for later (older entries' leftovers) is tidied by the background purge.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "tests/cairo/cairo_test_util.h"
#include "tests/testutil/counting_file_system.h"

namespace sundial::cairo::testing {
namespace {

using testutil::CountingFileSystem;

class StartupCostTest : public EngineFixture {
 protected:
  // `days` day partitions of 24 hourly rows each.
  void Fill(const std::string& table, int days) {
    ASSERT_TRUE(engine_->CreateTable(table, MixedSchema()).ok());
    auto w = engine_->AcquireWriter(table);
    ASSERT_TRUE(w.ok());
    for (int i = 0; i < days * 24; ++i)
      ASSERT_TRUE(WriteRow(**w, MakeRow(kT0 + i * kHour, i)).ok());
    ASSERT_TRUE((*w)->Commit().ok());
  }
  // File system calls of one Engine::Open of the fixture's root.
  int64_t CallsToOpen() {
    engine_.reset();
    auto counting = std::make_shared<CountingFileSystem>(fs_);
    EngineOptions o;
    o.db_root = dir_.Sub("db");
    o.purge_interval_ms = 0;  // only the open itself
    auto e = Engine::Open(counting, o);
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    const int64_t calls = counting->calls();
    last_log_ = counting->log();
    e->reset();
    Reopen();
    return calls;
  }
  std::string last_log_;
  void Append(const std::string& path, std::string_view bytes) {
    auto f = fs_->Open(path, core::OpenMode::kCreate);
    ASSERT_TRUE(f.ok());
    auto size = (*f)->Size();
    ASSERT_TRUE((*f)->WriteAt(*size, bytes.data(), bytes.size()).ok());
  }
};

TEST_F(StartupCostTest, OpenDoesNotGrowWithPartitions) {
  Fill("t", 4);
  const int64_t four = CallsToOpen();
  const std::string four_log = last_log_;
  engine_.reset();
  ASSERT_TRUE(fs_->RemoveAll(dir_.Sub("db")).ok());  // the same root, with 40 partitions
  Reopen();
  Fill("t", 40);
  const int64_t forty = CallsToOpen();
  EXPECT_EQ(forty, four) << "4 partitions: " << four << " calls:\n"
                         << four_log << "40 partitions: " << forty << " calls:\n"
                         << last_log_;
  EXPECT_EQ(engine_->Pin("t")->partitions().size(), 40u);
}

// What a crash leaves is in the newest entry and the table directory, and goes at open; what
// older entries hold past their committed state waits for the background tidy, and nothing
// reads it meanwhile.
TEST_F(StartupCostTest, OlderEntriesAreTidiedAfterOpenNewestAtOpen) {
  Fill("t", 5);  // 2025-11-21 .. 2025-11-25
  std::vector<Row> rows = ReadRows(*engine_->Pin("t"));
  const std::string dir = TableDir("t");
  const uint64_t old_size = *fs_->FileSize(dir + "/2025-11-21/v.d");
  const uint64_t new_size = *fs_->FileSize(dir + "/2025-11-25/v.d");
  Append(dir + "/2025-11-21/v.d", std::string(40, 'x'));  // like an entry cut by a split
  Append(dir + "/2025-11-21/gone.3.d", "zz");             // like a dropped column's file
  Append(dir + "/2025-11-25/v.d", std::string(40, 'x'));  // a crashed append
  Append(dir + "/2025-11-25/v.d.tmp", "zz");
  Append(dir + "/2025-11-25/n.3.d", "zz");                 // a crashed ADD COLUMN's null prefix
  ASSERT_TRUE(fs_->CreateDirs(dir + "/2025-11-26").ok());  // a crashed new partition
  engine_.reset();
  EngineOptions o;
  o.db_root = dir_.Sub("db");
  o.purge_interval_ms = 0;
  auto e = Engine::Open(fs_, o);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  engine_ = std::move(*e);
  EXPECT_EQ(*fs_->FileSize(dir + "/2025-11-25/v.d"), new_size);
  EXPECT_FALSE(fs_->Exists(dir + "/2025-11-25/v.d.tmp"));
  EXPECT_FALSE(fs_->Exists(dir + "/2025-11-25/n.3.d"));
  EXPECT_FALSE(fs_->Exists(dir + "/2025-11-26"));
  EXPECT_GT(*fs_->FileSize(dir + "/2025-11-21/v.d"), old_size);  // not looked at yet
  EXPECT_EQ(ReadRows(*engine_->Pin("t")), rows);
  {
    // Appends after the open are untouched by the tidy.
    auto w = engine_->AcquireWriter("t");
    Row r = MakeRow(kT0 + 5 * 24 * kHour - 1, 999);
    ASSERT_TRUE(WriteRow(**w, r).ok());
    ASSERT_TRUE((*w)->Commit().ok());
    rows.push_back(r);
  }
  // A pin older than the current txn holds the tidy back.
  TableView old_pin = *engine_->Pin("t");
  {
    auto w = engine_->AcquireWriter("t");
    Row r = MakeRow(kT0 + 5 * 24 * kHour - 2, 998);  // out of order: a new version
    ASSERT_TRUE(WriteRow(**w, r).ok());
    ASSERT_TRUE((*w)->Commit().ok());
    rows.insert(rows.end() - 1, r);
  }
  engine_->Purge();
  EXPECT_TRUE(fs_->Exists(dir + "/2025-11-21/gone.3.d"));
  old_pin = TableView();
  engine_->Purge();
  EXPECT_EQ(*fs_->FileSize(dir + "/2025-11-21/v.d"), old_size);
  EXPECT_FALSE(fs_->Exists(dir + "/2025-11-21/gone.3.d"));
  EXPECT_EQ(ReadRows(*engine_->Pin("t")), rows);
  Reopen();
  EXPECT_EQ(ReadRows(*engine_->Pin("t")), rows);
}

// The tidy after an open goes in slices of the writer lease: a writer that asks for the lease
// meanwhile gets it after at most a slice or two (kTidyEntriesPerLease = 16 entries), not after
// every entry of the table; the rest is tidied by a later purge.
TEST_F(StartupCostTest, TidyAfterOpenYieldsTheLeaseToAWriter) {
  constexpr int kDays = 100;
  Fill("t", kDays);
  const std::string dir = TableDir("t");
  std::vector<uint64_t> sizes;
  for (int d = 0; d + 1 < kDays; ++d) {
    const std::string path = dir + "/" + core::FormatTimestamp(kT0 + d * 24 * kHour).substr(0, 10);
    sizes.push_back(*fs_->FileSize(path + "/v.d"));
    Append(path + "/v.d", std::string(8, 'x'));  // a tail past the committed rows
  }
  std::vector<Row> rows = ReadRows(*engine_->Pin("t"));
  engine_.reset();

  // Counts the entry directories the tidy lists; each takes a little while, so the writer
  // below asks while the tidy is under way.
  auto counting = std::make_shared<CountingFileSystem>(fs_);
  std::atomic<int> entries_listed{0};
  std::mutex mu;
  std::condition_variable cv;
  bool tidy_started = false;
  const std::string entry_prefix = "ListDir " + dir + "/";
  counting->set_hook([&](const std::string& what) {
    if (what.rfind(entry_prefix, 0) != 0) return;
    ++entries_listed;
    {
      std::lock_guard lk(mu);
      tidy_started = true;
    }
    cv.notify_all();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  });
  EngineOptions o;
  o.db_root = dir_.Sub("db");
  o.purge_interval_ms = 0;
  auto e = Engine::Open(counting, o);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  engine_ = std::move(*e);
  entries_listed = 0;  // the open's own listing of the newest entry
  tidy_started = false;

  std::thread purge([&] { engine_->Purge(); });
  {
    std::unique_lock lk(mu);
    cv.wait(lk, [&] { return tidy_started; });
  }
  const int before = entries_listed.load();
  auto w = engine_->AcquireWriter("t");
  const int at_lease = entries_listed.load();
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  purge.join();
  EXPECT_LE(at_lease - before, 2 * 16) << "before=" << before << " at_lease=" << at_lease;
  w->Reset();        // the lease goes back
  engine_->Purge();  // the rest
  for (int d = 0; d + 1 < kDays; ++d) {
    const std::string path = dir + "/" + core::FormatTimestamp(kT0 + d * 24 * kHour).substr(0, 10);
    EXPECT_EQ(*fs_->FileSize(path + "/v.d"), sizes[d]) << path;
  }
  EXPECT_EQ(ReadRows(*engine_->Pin("t")), rows);
}

// Damage in one older entry does not stop the tidy of the others; nothing of it is changed,
// and the query that reads it reports it.
TEST_F(StartupCostTest, DamagedOlderEntryIsLeftAsItIsByTheTidy) {
  Fill("t", 4);
  const std::string dir = TableDir("t");
  const uint64_t size = *fs_->FileSize(dir + "/2025-11-22/v.d");
  ASSERT_TRUE(fs_->RemoveFile(dir + "/2025-11-21/v.d").ok());
  Append(dir + "/2025-11-21/n.d", "zz");  // a tail in the damaged entry: not touched
  const uint64_t damaged_size = *fs_->FileSize(dir + "/2025-11-21/n.d");
  Append(dir + "/2025-11-22/v.d", "zz");
  engine_.reset();
  EngineOptions o;
  o.db_root = dir_.Sub("db");
  o.purge_interval_ms = 0;
  auto e = Engine::Open(fs_, o);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  engine_ = std::move(*e);
  engine_->Purge();
  EXPECT_EQ(*fs_->FileSize(dir + "/2025-11-22/v.d"), size);
  EXPECT_EQ(*fs_->FileSize(dir + "/2025-11-21/n.d"), damaged_size);
  auto v = engine_->Pin("t");
  ASSERT_TRUE(v.ok());
  auto col = v->Column(0, 2);
  EXPECT_EQ(col.status().code(), core::StatusCode::kCorruption) << col.status().ToString();
  EXPECT_TRUE(v->Column(1, 2).ok());
}

// A damaged older entry no longer keeps the table from opening: the query that reads it gets
// Corruption naming the file; the other entries read.
TEST_F(StartupCostTest, DamagedOlderEntryIsReportedWhenRead) {
  Fill("t", 3);
  {
    auto f = fs_->Open(TableDir("t") + "/2025-11-21/v.d", core::OpenMode::kReadWrite);
    ASSERT_TRUE((*f)->Truncate(8).ok());
  }
  Reopen();
  EXPECT_TRUE(engine_->BrokenTables().empty());
  auto v = engine_->Pin("t");
  ASSERT_TRUE(v.ok());
  auto col = v->Column(0, 2);
  ASSERT_EQ(col.status().code(), core::StatusCode::kCorruption);
  EXPECT_NE(col.status().message().find("2025-11-21/v.d"), std::string::npos)
      << col.status().ToString();
  EXPECT_TRUE(v->Column(2, 2).ok());
}

}  // namespace
}  // namespace sundial::cairo::testing
