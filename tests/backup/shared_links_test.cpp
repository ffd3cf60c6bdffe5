// Incremental backups share partition files by hard links. Starting a server on one backup
// (`sundial -d <backup>`) and writing to it must never change a file another backup shares:
// every scenario below runs on the newer of two backups and then checks, byte for byte against
// its manifest, that the older one is untouched (and the other way round).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>
#include <vector>

#include "cairo/backup.h"
#include "cairo/backup_manifest.h"
#include "core/fault_file_system.h"
#include "tests/backup/backup_test_util.h"

namespace sundial::cairo::backup_testing {
namespace {

enum class Scenario {
  kO3IntoOldPartition,
  kSplitThenReopen,
  kDropPartitionThenAppend,
  kAppendToNewest,
  kFailedCommitThenRecovery,
  kUpdate,
  kAddColumnThenAppend,
  kNewSymbols,
};

const char* Name(Scenario s) {
  switch (s) {
    case Scenario::kO3IntoOldPartition: return "O3IntoOldPartition";
    case Scenario::kSplitThenReopen: return "SplitThenReopen";
    case Scenario::kDropPartitionThenAppend: return "DropPartitionThenAppend";
    case Scenario::kAppendToNewest: return "AppendToNewest";
    case Scenario::kFailedCommitThenRecovery: return "FailedCommitThenRecovery";
    case Scenario::kUpdate: return "Update";
    case Scenario::kAddColumnThenAppend: return "AddColumnThenAppend";
    case Scenario::kNewSymbols: return "NewSymbols";
  }
  return "?";
}

// UPDATE t SET n = -n in every entry that starts on or before `until_us`.
class NegateN final : public EntryRewriter {
 public:
  explicit NegateN(int64_t until_us) : until_us_(until_us) {}
  core::Status Rewrite(const TableView& view, size_t entry,
                       std::vector<ColumnValues>* out) override {
    if (view.partitions()[entry].partition_start_us > until_us_) return core::Status::Ok();
    const int cn = view.schema().FindColumn("n");
    ASSIGN_OR_RETURN(ColumnData d, view.Column(entry, cn));
    const int64_t rows = view.partitions()[entry].row_count;
    ColumnValues v;
    v.column = cn;
    v.fixed.resize(static_cast<size_t>(rows) * 8);
    auto* o = reinterpret_cast<int64_t*>(v.fixed.data());
    for (int64_t i = 0; i < rows; ++i) o[i] = -d.values<int64_t>()[i];
    out->push_back(std::move(v));
    return core::Status::Ok();
  }

 private:
  int64_t until_us_;
};

class SharedLinksTest : public BackupFixture, public ::testing::WithParamInterface<Scenario> {
 protected:
  // Opens `root/db` as a server would, on `fs` (splits from 1 kept row on, so a small
  // partition splits).
  std::unique_ptr<Engine> OpenLive(const std::string& root,
                                   std::shared_ptr<core::FileSystem> fs = nullptr) {
    EngineOptions eo;
    eo.db_root = root + "/db";
    eo.o3_split_min_rows = 1;
    auto e = Engine::Open(fs ? fs : real_fs_, eo);
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    if (!e.ok()) return nullptr;
    EXPECT_TRUE((*e)->BrokenTables().empty());
    return std::move(*e);
  }
  static core::Status Write(Engine& e, const std::vector<Row>& rows) {
    ASSIGN_OR_RETURN(WriterLease w, e.AcquireWriter("t"));
    for (const Row& r : rows) RETURN_IF_ERROR(WriteRow(*w, r));
    return w->Commit().status();
  }
};

TEST_P(SharedLinksTest, WritingToOneBackupNeverChangesAnother) {
  ASSERT_TRUE(engine_->CreateTable("t", MixedSchema()).ok());
  Append("t", 0, 120);  // 5 day partitions, 2025-11-21 .. 25
  auto r1 = service_->BackupDatabase();
  ASSERT_TRUE(r1.ok()) << r1.status().ToString();
  Append("t", 120, 5);  // a new partition, 2025-11-26: 21 .. 24 are linked
  auto r2 = service_->BackupDatabase();
  ASSERT_TRUE(r2.ok()) << r2.status().ToString();
  ASSERT_GT(r2->bytes_linked, 0u);
  struct stat st;
  ASSERT_EQ(::stat((r2->directory + "/db/t/2025-11-24/v.d").c_str(), &st), 0);
  ASSERT_EQ(st.st_nlink, 2u);  // shared by both backups
  const std::string live = r2->directory;
  const std::vector<Row> r1_rows = RowsOf(*OpenRoot(r1->directory), "t");
  ASSERT_EQ(r1_rows.size(), 120u);

  auto e = OpenLive(live);
  ASSERT_TRUE(e);
  switch (GetParam()) {
    case Scenario::kO3IntoOldPartition:
      ASSERT_TRUE(Write(*e, {MakeRow(kT0 + kHour / 2, 900)}).ok());
      break;
    case Scenario::kSplitThenReopen: {
      // Day 2025-11-22 (24 rows): a row at 22:30 keeps 23 rows in place, the entry is cut and
      // its tail truncated at the next open.
      ASSERT_TRUE(Write(*e, {MakeRow(kT0 + kDay + 22 * kHour + kHour / 2, 901)}).ok());
      auto v = e->Pin("t");
      ASSERT_TRUE(v.ok());
      EXPECT_EQ(v->partitions().size(), 7u);  // split
      break;
    }
    case Scenario::kDropPartitionThenAppend:
      ASSERT_TRUE(e->DropPartitions("t", {kT0 + 4 * kDay, kT0 + 5 * kDay}).ok());
      ASSERT_TRUE(Write(*e, {MakeRow(kT0 + 3 * kDay + 23 * kHour + kHour / 2, 902)}).ok());
      break;
    case Scenario::kAppendToNewest:
      ASSERT_TRUE(Write(*e, {MakeRow(kT0 + 5 * kDay + 10 * kHour, 903)}).ok());
      break;
    case Scenario::kFailedCommitThenRecovery: {
      // The data reaches a shared file of 2025-11-24 (newest after the drops), the `_txn`
      // publish and the undo's truncation fail: the next open truncates the tail.
      ASSERT_TRUE(e->DropPartitions("t", {kT0 + 4 * kDay, kT0 + 5 * kDay}).ok());
      e.reset();
      auto fault = std::make_shared<core::FaultFileSystem>(real_fs_);
      e = OpenLive(live, fault);
      ASSERT_TRUE(e);
      fault->AddRule({core::FaultOp::kRename, "_txn", EIO, false, 0, -1});
      fault->AddRule({core::FaultOp::kTruncate, "", EIO, false, 0, -1});
      EXPECT_FALSE(Write(*e, {MakeRow(kT0 + 3 * kDay + 23 * kHour + kHour / 2, 904)}).ok());
      break;
    }
    case Scenario::kUpdate: {
      auto w = e->AcquireWriter("t");
      ASSERT_TRUE(w.ok());
      NegateN rewriter(kT0 + 2 * kDay);
      ASSERT_TRUE((*w)->RewriteEntries(rewriter).ok());
      break;
    }
    case Scenario::kAddColumnThenAppend:
      ASSERT_TRUE(e->DropPartitions("t", {kT0 + 4 * kDay, kT0 + 5 * kDay}).ok());
      ASSERT_TRUE(e->AddColumn("t", "extra", ColumnType::kInt).ok());
      ASSERT_TRUE(Write(*e, {MakeRow(kT0 + 3 * kDay + 23 * kHour + kHour / 2, 905)}).ok());
      break;
    case Scenario::kNewSymbols: {
      Row r = MakeRow(kT0 + 3 * kDay + kHour / 2, 906);
      r.sym = "brand-new-symbol";
      ASSERT_TRUE(Write(*e, {r}).ok());
      break;
    }
  }
  auto now = VerifyBackup(*real_fs_, r1->directory);
  EXPECT_TRUE(now.ok()) << Name(GetParam()) << ": " << now.status().ToString();
  e->Purge();
  e.reset();
  e = OpenLive(live);  // start-up recovery: truncates uncommitted tails, removes leftovers
  ASSERT_TRUE(e);
  e->Purge();
  e.reset();

  auto m = VerifyBackup(*real_fs_, r1->directory);
  EXPECT_TRUE(m.ok()) << Name(GetParam()) << ": " << m.status().ToString();
  auto b1 = OpenRoot(r1->directory);
  ASSERT_TRUE(b1);
  EXPECT_EQ(RowsOf(*b1, "t"), r1_rows);
  // The other way round: the older backup started and written to leaves the newer one as it
  // was.
  const std::vector<Row> live_rows = RowsOf(*OpenLive(live), "t");
  {
    auto e1 = OpenLive(r1->directory);
    ASSERT_TRUE(e1);
    ASSERT_TRUE(e1->DropPartitions("t", {kT0 + 4 * kDay}).ok());
    ASSERT_TRUE(Write(*e1, {MakeRow(kT0 + 3 * kDay + 23 * kHour + kHour / 4, 907)}).ok());
  }
  ASSERT_TRUE(OpenLive(r1->directory));
  EXPECT_EQ(RowsOf(*OpenLive(live), "t"), live_rows);
}

INSTANTIATE_TEST_SUITE_P(Scenarios, SharedLinksTest,
                         ::testing::Values(Scenario::kO3IntoOldPartition,
                                           Scenario::kSplitThenReopen,
                                           Scenario::kDropPartitionThenAppend,
                                           Scenario::kAppendToNewest,
                                           Scenario::kFailedCommitThenRecovery,
                                           Scenario::kUpdate,
                                           Scenario::kAddColumnThenAppend,
                                           Scenario::kNewSymbols),
                         [](const auto& info) { return std::string(Name(info.param)); });

}  // namespace
}  // namespace sundial::cairo::backup_testing
