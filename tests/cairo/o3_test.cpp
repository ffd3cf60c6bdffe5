// Out-of-order commits: merges into new partition versions, pins that survive them
// byte-for-byte, and purge of superseded versions.
#include <gtest/gtest.h>

#include <random>

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
    for (const auto& f : v.CommittedFiles()) {
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

}  // namespace
}  // namespace sundial::cairo::testing
