// Out-of-order commits: merges into new partition versions, pins that survive them
// byte-for-byte, and purge of superseded versions.
#include <gtest/gtest.h>

#include <random>

#include "cairo/commit_job.h"
#include "tests/cairo/cairo_test_util.h"

namespace sundial::cairo::testing {
namespace {

class O3Test : public EngineFixture {
 protected:
  // Commits `batch` and appends it to the model the stable way the engine must order rows:
  // committed rows first among equal timestamps, then batch rows in arrival order.
  void CommitBatch(TableWriter& w, const std::vector<Row>& batch) {
    for (const auto& r : batch) ASSERT_TRUE(WriteRow(w, r).ok());
    auto txn = w.Commit();
    ASSERT_TRUE(txn.ok()) << txn.status().ToString();
    model_.insert(model_.end(), batch.begin(), batch.end());
    model_ = SortedByTs(model_);
  }
  // Bytes of every committed file of the pin, cut to the committed size.
  std::map<std::string, std::string> Snapshot(const TableView& v) {
    std::map<std::string, std::string> out;
    const std::string dir = TableDir(v.table_name());
    auto files = v.CommittedFiles();
    EXPECT_TRUE(files.ok()) << files.status().ToString();
    if (!files.ok()) return out;
    for (const auto& f : *files) {
      auto data = fs_->ReadFile(dir + "/" + f.relative_path);
      EXPECT_TRUE(data.ok()) << f.relative_path;
      if (data.ok()) out[f.relative_path] = data->substr(0, f.committed_size);
    }
    return out;
  }
  std::vector<Row> model_;
};

TEST_F(O3Test, OlderRowsMergeIntoNewPartitionVersion) {
  ASSERT_TRUE(engine_->CreateTable("t", MixedSchema()).ok());
  auto w = engine_->AcquireWriter("t");
  ASSERT_TRUE(w.ok());
  CommitBatch(**w, {MakeRow(kT0 + 10, 1), MakeRow(kT0 + 20, 2), MakeRow(kT0 + kDay, 3)});
  auto before = engine_->Pin("t");
  CommitBatch(**w, {MakeRow(kT0 + 15, 4), MakeRow(kT0 + 10, 5), MakeRow(kT0 + 5, 6)});
  auto v = engine_->Pin("t");
  EXPECT_EQ(ReadRows(*v), model_);
  ASSERT_EQ(v->partitions().size(), 2u);
  EXPECT_EQ(v->partitions()[0].name_txn, v->txn());
  EXPECT_EQ(v->partitions()[0].dir_name, "2025-11-21." + std::to_string(v->txn()));
  EXPECT_EQ(v->partitions()[0].min_timestamp_us, kT0 + 5);
  EXPECT_EQ(v->partitions()[1].name_txn, 0u);  // untouched
  // Equal timestamps: the committed row (n=1) before the new one (n=5).
  EXPECT_EQ(ReadRows(*v)[1].n, 1);
  EXPECT_EQ(ReadRows(*v)[2].n, 5);
  EXPECT_EQ(ReadRows(*before).size(), 3u);
  EXPECT_TRUE(fs_->Exists(TableDir("t") + "/2025-11-21"));  // pinned by `before`
  *before = TableView();
  engine_->Purge();
  (*w)->Rollback();
  EXPECT_TRUE(fs_->Exists(TableDir("t") + "/2025-11-21"));  // lease held: purged on next commit
  CommitBatch(**w, {MakeRow(kT0 + kDay + 1, 7)});
  EXPECT_FALSE(fs_->Exists(TableDir("t") + "/2025-11-21"));
  EXPECT_EQ(ReadRows(*engine_->Pin("t")), model_);
}

TEST_F(O3Test, UnsortedBatchIntoEmptyTableAndNewMiddlePartition) {
  ASSERT_TRUE(engine_->CreateTable("t", MixedSchema()).ok());
  auto w = engine_->AcquireWriter("t");
  CommitBatch(**w, {MakeRow(kT0 + 3 * kDay, 1), MakeRow(kT0, 2), MakeRow(kT0 + 3 * kDay, 3)});
  CommitBatch(**w, {MakeRow(kT0 + kDay, 4), MakeRow(kT0 + 5 * kDay, 5)});
  auto v = engine_->Pin("t");
  EXPECT_EQ(ReadRows(*v), model_);
  ASSERT_EQ(v->partitions().size(), 4u);
  for (const auto& p : v->partitions()) EXPECT_EQ(p.name_txn, 0u) << p.dir_name;
}

TEST_F(O3Test, RandomBurstsMatchModelAndPinsStayByteForByte) {
  ASSERT_TRUE(engine_->CreateTable("t", MixedSchema()).ok());
  const uint32_t seed = 1234;
  SCOPED_TRACE("seed=" + std::to_string(seed));
  std::mt19937_64 rng(seed);
  auto w = engine_->AcquireWriter("t");
  int id = 0;
  std::vector<Row> first;
  for (int i = 0; i < 200; ++i) first.push_back(MakeRow(kT0 + i * (kHour / 4), id++));
  CommitBatch(**w, first);
  auto pinned = engine_->Pin("t");
  auto pinned_rows = ReadRows(*pinned);
  auto pinned_bytes = Snapshot(*pinned);
  for (int burst = 0; burst < 25; ++burst) {
    std::vector<Row> batch;
    int n = 1 + static_cast<int>(rng() % 40);
    for (int i = 0; i < n; ++i) {
      int64_t ts = kT0 - kDay + static_cast<int64_t>(rng() % (5 * kDay));
      if (rng() % 4 == 0) ts = model_[rng() % model_.size()].ts;  // exact duplicates
      batch.push_back(MakeRow(ts, id++));
    }
    CommitBatch(**w, batch);
    if (burst % 5 == 0) engine_->Purge();
    ASSERT_EQ(ReadRows(*engine_->Pin("t")), model_) << "burst " << burst;
  }
  EXPECT_EQ(ReadRows(*pinned), pinned_rows);
  EXPECT_EQ(Snapshot(*pinned), pinned_bytes);
  // Releasing the pin lets purge remove every superseded version.
  *pinned = TableView();
  CommitBatch(**w, {MakeRow(kT0 + 10 * kDay, id++)});
  auto v = engine_->Pin("t");
  auto entries = fs_->ListDir(TableDir("t"));
  ASSERT_TRUE(entries.ok());
  size_t dirs = 0;
  for (const auto& e : *entries) dirs += e.is_dir;
  EXPECT_EQ(dirs, v->partitions().size());
  Reopen();
  EXPECT_EQ(ReadRows(*engine_->Pin("t")), model_);
}

TEST_F(O3Test, PausePurgeKeepsSupersededVersions) {
  ASSERT_TRUE(engine_->CreateTable("t", MixedSchema()).ok());
  auto w = engine_->AcquireWriter("t");
  CommitBatch(**w, {MakeRow(kT0 + 10, 1), MakeRow(kT0 + 20, 2)});
  engine_->PausePurge();
  engine_->PausePurge();
  CommitBatch(**w, {MakeRow(kT0 + 5, 3)});
  EXPECT_TRUE(fs_->Exists(TableDir("t") + "/2025-11-21"));
  engine_->ResumePurge();
  CommitBatch(**w, {MakeRow(kT0 + 6, 4)});
  EXPECT_TRUE(fs_->Exists(TableDir("t") + "/2025-11-21"));  // still paused once
  engine_->ResumePurge();
  CommitBatch(**w, {MakeRow(kT0 + 7, 5)});
  auto entries = fs_->ListDir(TableDir("t"));
  size_t dirs = 0;
  for (const auto& e : *entries) dirs += e.is_dir;
  EXPECT_EQ(dirs, 1u);
  EXPECT_EQ(ReadRows(*engine_->Pin("t")), model_);
}

TEST_F(O3Test, PartitionByNoneRewritesWholeTable) {
  ASSERT_TRUE(engine_->CreateTable("t", MixedSchema(PartitionBy::kNone)).ok());
  auto w = engine_->AcquireWriter("t");
  CommitBatch(**w, {MakeRow(kT0 + 10, 1), MakeRow(kT0 + 5 * kDay, 2)});
  CommitBatch(**w, {MakeRow(kT0, 3)});
  auto v = engine_->Pin("t");
  ASSERT_EQ(v->partitions().size(), 1u);
  EXPECT_EQ(v->partitions()[0].dir_name, "default." + std::to_string(v->txn()));
  EXPECT_EQ(ReadRows(*v), model_);
}

// An O3 row near the end of a large partition: the rows before it keep their places in the
// new version (copied as they are), including a column added after they were written.
TEST_F(O3Test, TailMergeKeepsPrefixAndAddedColumnNulls) {
  ASSERT_TRUE(engine_->CreateTable("t", MixedSchema()).ok());
  {
    auto w = engine_->AcquireWriter("t");
    std::vector<Row> first;
    for (int i = 0; i < 1000; ++i) first.push_back(MakeRow(kT0 + i * 10, i));
    CommitBatch(**w, first);
  }
  ASSERT_TRUE(engine_->AddColumn("t", "x", ColumnType::kInt).ok());
  ASSERT_TRUE(engine_->AddColumn("t", "y", ColumnType::kVarchar).ok());
  auto w = engine_->AcquireWriter("t");
  ASSERT_TRUE(w.ok());
  // Lands between rows 989 (ts 9890) and 990 (ts 9900); equal to row 989's timestamp.
  Row late = MakeRow(kT0 + 9890, 5000);
  ASSERT_TRUE(WriteRow(**w, late).ok());
  // A second O3 row sets only the added columns.
  ASSERT_TRUE((*w)->NewRow(kT0 + 9895).ok());
  (*w)->PutLong(5, 7);
  (*w)->PutVarchar(6, "late");
  ASSERT_TRUE((*w)->EndRow().ok());
  ASSERT_TRUE((*w)->Commit().ok());
  auto v = engine_->Pin("t");
  ASSERT_EQ(v->partitions().size(), 1u);
  ASSERT_EQ(v->partitions()[0].row_count, 1002);
  auto rows = ReadRows(*v);
  ASSERT_EQ(rows.size(), 1002u);
  EXPECT_EQ(rows[989].n, 989);
  EXPECT_EQ(rows[990].n, 5000);  // after the committed row with the same timestamp
  EXPECT_EQ(rows[991].ts, kT0 + 9895);
  EXPECT_EQ(rows[992].n, 990);
  EXPECT_EQ(rows[1001].n, 999);
  auto x = v->Column(0, 5);
  auto y = v->Column(0, 6);
  ASSERT_TRUE(x.ok() && y.ok());
  for (int64_t r = 0; r < 1002; ++r) {
    EXPECT_EQ(x->values<int32_t>()[r], r == 991 ? 7 : kNullInt) << r;
    EXPECT_EQ(y->IsVarcharNull(r), r != 991) << r;
  }
  EXPECT_EQ(y->Varchar(991), "late");
  Reopen();
  auto again = engine_->Pin("t");
  EXPECT_EQ(ReadRows(*again), rows);
  EXPECT_EQ(again->Column(0, 6)->Varchar(991), "late");
}

// An O3 commit whose rows land near the end of a large entry splits it: the entry is cut to
// the rows before them (its directory and bytes untouched) and a new entry of the same
// partition holds the merged rest.
TEST_F(O3Test, LateRowsSplitLargePartitionWithoutTouchingIt) {
  ASSERT_TRUE(engine_->CreateTable("t", MixedSchema()).ok());
  auto w = engine_->AcquireWriter("t");
  std::vector<Row> first;
  for (int i = 0; i < 3 * static_cast<int>(EngineOptions().o3_split_min_rows); ++i)
    first.push_back(MakeRow(kT0 + i, i));
  CommitBatch(**w, first);
  auto before = engine_->Pin("t");
  auto before_bytes = Snapshot(*before);
  const std::string dir0 = before->partitions()[0].dir_name;
  const int64_t n = before->partitions()[0].row_count;
  // Equal to the timestamp of row n-100: committed rows with it stay first.
  CommitBatch(**w, {MakeRow(kT0 + n - 100, 100001), MakeRow(kT0 + n - 50, 100002)});
  auto v = engine_->Pin("t");
  ASSERT_EQ(v->partitions().size(), 2u);
  EXPECT_EQ(v->partitions()[0].dir_name, dir0);
  EXPECT_EQ(v->partitions()[0].row_count, n - 99);
  EXPECT_EQ(v->partitions()[0].max_timestamp_us, kT0 + n - 100);
  EXPECT_EQ(v->partitions()[1].partition_start_us, v->partitions()[0].partition_start_us);
  EXPECT_EQ(v->partitions()[1].row_count, 99 + 2);
  EXPECT_EQ(v->partitions()[1].min_timestamp_us, kT0 + n - 100);
  EXPECT_EQ(ReadRows(*v), model_);
  EXPECT_EQ(Snapshot(*before), before_bytes);  // the old version reads the same bytes
  // In-order rows go to the newest entry; older rows to the entry they fall in.
  CommitBatch(**w, {MakeRow(kT0 + n + 5, 100003)});
  CommitBatch(**w, {MakeRow(kT0 + 10, 100004), MakeRow(kT0 + n - 60, 100005)});
  EXPECT_EQ(ReadRows(*engine_->Pin("t")), model_);
  *before = TableView();
  *v = TableView();
  w->Reset();
  Reopen();
  auto after = engine_->Pin("t");
  EXPECT_EQ(ReadRows(*after), model_);
  engine_->Purge();  // tidies the older entries after the open
  // The tidy cut the first entry's files back to its rows.
  for (const auto& p : after->partitions()) {
    auto size = fs_->FileSize(TableDir("t") + "/" + p.dir_name + "/ts.d");
    ASSERT_TRUE(size.ok()) << p.dir_name;
    EXPECT_EQ(*size, static_cast<uint64_t>(p.row_count) * 8) << p.dir_name;
  }
}

TEST_F(O3Test, SplitPartitionsMatchModelThroughBurstsDropAndReopen) {
  ASSERT_TRUE(engine_->CreateTable("t", MixedSchema()).ok());
  const uint32_t seed = 99;
  SCOPED_TRACE("seed=" + std::to_string(seed));
  std::mt19937_64 rng(seed);
  auto w = engine_->AcquireWriter("t");
  int id = 0;
  int64_t now = kT0;
  // Two senders a little apart in time, committing in turn: the later one's rows land
  // behind the earlier one's, like two connections streaming into one table.
  for (int round = 0; round < 40; ++round) {
    std::vector<Row> batch;
    int64_t base = now + (round % 2 == 0 ? 3000 : 0);
    for (int i = 0; i < 1500; ++i)
      batch.push_back(MakeRow(base + i * 2 + static_cast<int64_t>(rng() % 2), id++));
    if (round % 2 == 1) now += 6000;
    CommitBatch(**w, batch);
    if (round % 7 == 0) engine_->Purge();
    ASSERT_EQ(ReadRows(*engine_->Pin("t")), model_) << "round " << round;
  }
  // Rows into the next day and back, then drop the first day whatever its entries.
  CommitBatch(**w, {MakeRow(kT0 + kDay + 1, id++), MakeRow(kT0 + 7, id++)});
  auto v = engine_->Pin("t");
  size_t day0 = 0;
  for (const auto& p : v->partitions()) day0 += p.partition_start_us == kT0;
  EXPECT_GT(day0, 1u) << "expected the first day to be split";
  *v = TableView();
  w->Reset();
  ASSERT_TRUE(engine_->DropPartitions("t", {kT0}).ok());
  std::vector<Row> rest;
  for (const auto& r : model_)
    if (r.ts >= kT0 + kDay) rest.push_back(r);
  model_ = rest;
  EXPECT_EQ(ReadRows(*engine_->Pin("t")), model_);
  Reopen();
  EXPECT_EQ(ReadRows(*engine_->Pin("t")), model_);
}

}  // namespace
}  // namespace sundial::cairo::testing
