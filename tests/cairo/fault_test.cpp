// Injected I/O faults during commits, O3 merges, UPDATE rewrites and structure changes: the
// table stays at its last committed state, the error is clear, and the writer works again once
// the fault clears.
#include <gtest/gtest.h>

#include <functional>

#include "cairo/commit_job.h"
#include "core/fault_file_system.h"
#include "tests/cairo/cairo_test_util.h"

namespace sundial::cairo::testing {
namespace {

using core::FaultOp;
using core::FaultRule;

class EngineFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fault_ = std::make_shared<core::FaultFileSystem>(core::NewPosixFileSystem());
    Open(CommitMode::kNoSync);
    ASSERT_TRUE(engine_->CreateTable("t", MixedSchema()).ok());
    std::vector<Row> batch;
    for (int i = 0; i < 40; ++i) batch.push_back(MakeRow(kT0 + i * 2 * kHour, i));
    CommitOk(batch);
  }
  void SweepEveryCall(FaultOp op) { SweepEveryCall(op, [this] { return MixedBatch(); }); }
  void SweepEveryCall(FaultOp op, const std::function<std::vector<Row>()>& make_batch);
  void Open(CommitMode mode) {
    mode_ = mode;
    lease_ = WriterLease();
    engine_.reset();
    EngineOptions o;
    o.db_root = dir_.Sub("db");
    o.commit_mode = mode;
    o.lock_timeout_ms = 100;
    auto e = Engine::Open(fault_, o);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(*e);
    auto w = engine_->AcquireWriter("t");
    if (w.ok()) lease_ = std::move(*w);
  }
  core::Status Commit(const std::vector<Row>& batch) {
    if (!lease_.get()) {
      auto w = engine_->AcquireWriter("t");
      if (!w.ok()) return w.status();
      lease_ = std::move(*w);
    }
    for (const auto& r : batch) RETURN_IF_ERROR(WriteRow(*lease_, r));
    auto txn = lease_->Commit();
    return txn.ok() ? core::Status::Ok() : txn.status();
  }
  void CommitOk(const std::vector<Row>& batch) {
    core::Status st = Commit(batch);
    ASSERT_TRUE(st.ok()) << st.ToString();
    model_.insert(model_.end(), batch.begin(), batch.end());
    model_ = SortedByTs(model_);
  }
  // A batch that appends to the newest partition, opens a new one, rewrites an older one and
  // adds symbols and varchars.
  std::vector<Row> MixedBatch() {
    std::vector<Row> b;
    int base = 1000 + static_cast<int>(model_.size());
    b.push_back(MakeRow(model_.back().ts + 1, base));
    b.push_back(MakeRow(model_.back().ts + 2 * kDay, base + 1));
    b.push_back(MakeRow(kT0 + 3, base + 2));
    b.back().sym = "new-symbol-" + std::to_string(base);
    return b;
  }
  void ExpectCommittedState() {
    auto v = engine_->Pin("t");
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(ReadRows(*v), model_);
  }
  void ExpectLeftoversCleanAfterReopen() {
    fault_->ClearRules();
    Open(mode_);
    EXPECT_TRUE(engine_->BrokenTables().empty());
    ExpectCommittedState();
    auto v = engine_->Pin("t");
    auto entries = fault_->ListDir(dir_.Sub("db/t"));
    ASSERT_TRUE(entries.ok());
    size_t dirs = 0;
    for (const auto& e : *entries) dirs += e.is_dir;
    EXPECT_EQ(dirs, v->partitions().size());
  }

  testutil::TempDir dir_;
  std::shared_ptr<core::FaultFileSystem> fault_;
  std::unique_ptr<Engine> engine_;
  WriterLease lease_;
  CommitMode mode_ = CommitMode::kNoSync;
  std::vector<Row> model_;
};

TEST_F(EngineFaultTest, FailedWriteEnospcIsResourceExhaustedAndTruncatedBack) {
  const std::string vd = dir_.Sub("db/t/2025-11-24/v.d");
  uint64_t size = *fault_->FileSize(vd);
  fault_->AddRule({FaultOp::kWrite, "2025-11-24/v.d", ENOSPC});
  core::Status st = Commit({MakeRow(model_.back().ts + 1, 500)});
  EXPECT_EQ(st.code(), core::StatusCode::kResourceExhausted) << st.ToString();
  EXPECT_NE(st.message().find("v.d"), std::string::npos);
  EXPECT_EQ(*fault_->FileSize(vd), size);
  ExpectCommittedState();
  fault_->ClearRules();
  CommitOk({MakeRow(model_.back().ts + 1, 501)});
  ExpectCommittedState();
  ExpectLeftoversCleanAfterReopen();
}

TEST_F(EngineFaultTest, ShortWriteIsRolledBack) {
  fault_->AddRule({FaultOp::kWrite, "/s.d", EIO, /*short_write=*/true});
  EXPECT_EQ(Commit(MixedBatch()).code(), core::StatusCode::kIOError);
  ExpectCommittedState();
  fault_->ClearRules();
  CommitOk(MixedBatch());
  ExpectLeftoversCleanAfterReopen();
}

TEST_F(EngineFaultTest, FailedAllocateDuringCommit) {
  fault_->AddRule({FaultOp::kAllocate, "", ENOSPC, false, /*skip=*/3});
  EXPECT_EQ(Commit(MixedBatch()).code(), core::StatusCode::kResourceExhausted);
  ExpectCommittedState();
  fault_->ClearRules();
  CommitOk(MixedBatch());
  ExpectLeftoversCleanAfterReopen();
}

TEST_F(EngineFaultTest, FailedSyncInSyncMode) {
  Open(CommitMode::kSync);
  fault_->AddRule({FaultOp::kSync, "", EIO, false, /*skip=*/2});
  EXPECT_EQ(Commit(MixedBatch()).code(), core::StatusCode::kIOError);
  ExpectCommittedState();
  fault_->ClearRules();
  CommitOk(MixedBatch());
  ExpectLeftoversCleanAfterReopen();
}

TEST_F(EngineFaultTest, FailedTxnRename) {
  uint64_t txn = engine_->Pin("t")->txn();
  fault_->AddRule({FaultOp::kRename, "_txn.tmp", EIO});
  EXPECT_EQ(Commit(MixedBatch()).code(), core::StatusCode::kIOError);
  EXPECT_EQ(engine_->Pin("t")->txn(), txn);
  ExpectCommittedState();
  fault_->ClearRules();
  CommitOk(MixedBatch());
  ExpectLeftoversCleanAfterReopen();
}

TEST_F(EngineFaultTest, FailedDirSyncAfterRenameRestoresPreviousTxn) {
  Open(CommitMode::kSync);
  auto before = *fault_->ReadFile(dir_.Sub("db/t/_txn"));
  fault_->AddRule({FaultOp::kSyncDir, "db/t", EIO});
  EXPECT_EQ(Commit(MixedBatch()).code(), core::StatusCode::kIOError);
  EXPECT_EQ(*fault_->ReadFile(dir_.Sub("db/t/_txn")), before);
  ExpectCommittedState();
  fault_->ClearRules();
  CommitOk(MixedBatch());
  ExpectLeftoversCleanAfterReopen();
}

TEST_F(EngineFaultTest, FailedO3MergeLeavesNoVersion) {
  // Fail writes into the new version of the first day only.
  fault_->AddRule({FaultOp::kWrite, "2025-11-21.", EIO, false, /*skip=*/2});
  EXPECT_EQ(Commit({MakeRow(kT0 + 1, 600), MakeRow(kT0 + 5, 601)}).code(),
            core::StatusCode::kIOError);
  ExpectCommittedState();
  auto entries = fault_->ListDir(dir_.Sub("db/t"));
  for (const auto& e : *entries) EXPECT_EQ(e.name.find("2025-11-21."), std::string::npos) << e.name;
  fault_->ClearRules();
  CommitOk({MakeRow(kT0 + 1, 600), MakeRow(kT0 + 5, 601)});
  ExpectCommittedState();
  ExpectLeftoversCleanAfterReopen();
}

TEST_F(EngineFaultTest, FailedPartitionDropKeepsPartitions) {
  lease_ = WriterLease();
  fault_->AddRule({FaultOp::kRename, "_txn", EIO});
  EXPECT_EQ(engine_->DropPartitions("t", {kT0}).code(), core::StatusCode::kIOError);
  EXPECT_EQ(engine_->Pin("t")->partitions().size(), 4u);
  EXPECT_TRUE(fault_->Exists(dir_.Sub("db/t/2025-11-21")));
  ExpectCommittedState();
  fault_->ClearRules();
  ASSERT_TRUE(engine_->DropPartitions("t", {kT0}).ok());
  std::vector<Row> rest;
  for (const auto& r : model_) if (r.ts >= kT0 + kDay) rest.push_back(r);
  model_ = rest;
  ExpectCommittedState();
  EXPECT_FALSE(fault_->Exists(dir_.Sub("db/t/2025-11-21")));
  CommitOk(MixedBatch());
  ExpectLeftoversCleanAfterReopen();
}

TEST_F(EngineFaultTest, FailedPurgeDeletionIsRetried) {
  fault_->AddRule({FaultOp::kRemoveFile, "2025-11-21/", EIO, false, 0, -1});
  CommitOk({MakeRow(kT0 + 1, 700)});  // O3: supersedes 2025-11-21
  EXPECT_TRUE(fault_->Exists(dir_.Sub("db/t/2025-11-21")));
  fault_->ClearRules();
  CommitOk({MakeRow(model_.back().ts + 1, 701)});
  EXPECT_FALSE(fault_->Exists(dir_.Sub("db/t/2025-11-21")));
  ExpectCommittedState();
}

// Fails the Nth file-system call (of kind `op`) of a mixed commit, for every N, alternating EIO
// and ENOSPC (every third one a short write).
void EngineFaultTest::SweepEveryCall(FaultOp op,
                                     const std::function<std::vector<Row>()>& make_batch) {
  int failures = 0;
  for (int64_t n = 0; n < 2000; ++n) {
    SCOPED_TRACE("failing call " + std::to_string(n));
    fault_->ClearRules();
    fault_->ResetCounts();
    int err = n % 2 == 0 ? EIO : ENOSPC;
    fault_->AddRule({op, dir_.path(), err, n % 3 == 0, n, 1});
    std::vector<Row> batch = make_batch();
    core::Status st = Commit(batch);
    bool injected = fault_->FaultsInjected() > 0;
    fault_->ClearRules();
    if (st.ok()) {
      model_.insert(model_.end(), batch.begin(), batch.end());
      model_ = SortedByTs(model_);
      ExpectCommittedState();
      if (!injected) break;  // n is past the last call of a commit
      continue;
    }
    ++failures;
    EXPECT_TRUE(st.code() == core::StatusCode::kIOError ||
                st.code() == core::StatusCode::kResourceExhausted)
        << st.ToString();
    EXPECT_EQ(st.code() == core::StatusCode::kResourceExhausted, err == ENOSPC) << st.ToString();
    ExpectCommittedState();
    if (n % 10 == 0) ExpectLeftoversCleanAfterReopen();
    CommitOk(make_batch());  // the writer works once the fault is gone
    if (HasFailure()) break;
  }
  EXPECT_GT(failures, op == FaultOp::kAny ? 20 : 1);
  ExpectLeftoversCleanAfterReopen();
}

TEST_F(EngineFaultTest, EveryCallOfAMixedCommitCanFail) { SweepEveryCall(FaultOp::kAny); }

// A commit that splits a large partition entry (rows just before the end of the oldest entry
// of the day) and appends to the newest: every call of it can fail.
TEST_F(EngineFaultTest, EveryCallOfASplittingCommitCanFail) {
  std::vector<Row> big;
  const int64_t day = kT0 + 5 * kDay;
  for (int i = 0; i < 3 * static_cast<int>(EngineOptions().o3_split_min_rows); ++i) big.push_back(MakeRow(day + i * 1000, 5000 + i));
  CommitOk(big);
  int id = 100000;
  SweepEveryCall(FaultOp::kAny, [&] {
    auto v = engine_->Pin("t");
    int64_t end_of_first = 0;
    for (const auto& p : v->partitions()) {
      if (p.partition_start_us == day) {
        end_of_first = p.max_timestamp_us;
        break;
      }
    }
    std::vector<Row> b;
    b.push_back(MakeRow(end_of_first - 1, id++));
    b.push_back(MakeRow(model_.back().ts + 1, id++));
    return b;
  });
  size_t entries = 0;
  for (const auto& p : engine_->Pin("t")->partitions()) entries += p.partition_start_us == kT0 + 5 * kDay;
  EXPECT_GT(entries, 2u);
}

// kSync adds file and directory syncs (the sweep above covers every other call); the added
// column makes the first commit create its null-prefix file in the newest partition.
TEST_F(EngineFaultTest, EverySyncOfAMixedCommitCanFailInSyncMode) {
  lease_ = WriterLease();
  ASSERT_TRUE(engine_->AddColumn("t", "extra", ColumnType::kInt).ok());
  Open(CommitMode::kSync);
  SweepEveryCall(FaultOp::kSync);
  SweepEveryCall(FaultOp::kSyncDir);
}

// UPDATE's writer side: sets n = n + 1, s = "u<round>" and sym = "sym-u<round>" (a new symbol)
// in every row of every entry.
class BumpEveryRow final : public EntryRewriter {
 public:
  BumpEveryRow(TableWriter* writer, int round) : writer_(writer), round_(round) {}
  core::Status Rewrite(const TableView& view, size_t entry,
                       std::vector<ColumnValues>* out) override {
    const TableSchema& sc = view.schema();
    const int cn = sc.FindColumn("n"), cs = sc.FindColumn("s"), csym = sc.FindColumn("sym");
    const int64_t rows = view.partitions()[entry].row_count;
    ASSIGN_OR_RETURN(ColumnData n, view.Column(entry, cn));
    ASSIGN_OR_RETURN(int32_t key, writer_->SymbolKey(csym, "sym-u" + std::to_string(round_)));
    ColumnValues nv, sv, yv;
    nv.column = cn;
    sv.column = cs;
    yv.column = csym;
    const std::string text = "u" + std::to_string(round_);
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t x = n.values<int64_t>()[r] + 1;
      nv.fixed.insert(nv.fixed.end(), reinterpret_cast<const uint8_t*>(&x),
                      reinterpret_cast<const uint8_t*>(&x) + 8);
      yv.fixed.insert(yv.fixed.end(), reinterpret_cast<const uint8_t*>(&key),
                      reinterpret_cast<const uint8_t*>(&key) + 4);
      sv.var_bytes += text;
      sv.var_ends.push_back(sv.var_bytes.size());
    }
    out->push_back(std::move(nv));
    out->push_back(std::move(sv));
    out->push_back(std::move(yv));
    return core::Status::Ok();
  }

 private:
  TableWriter* writer_;
  int round_;
};

// Every call of an UPDATE that rewrites every entry (new versions, new symbols, varchars) can
// fail: the table stays at its last committed state, nothing is left behind after a reopen,
// and the next UPDATE works.
TEST_F(EngineFaultTest, EveryCallOfAnUpdateCanFail) {
  auto bump = [this](int round) {
    for (Row& r : model_) {
      r.n += 1;
      r.s = "u" + std::to_string(round);
      r.sym = "sym-u" + std::to_string(round);
    }
  };
  int failures = 0;
  for (int64_t n = 0; n < 2000; ++n) {
    SCOPED_TRACE("failing call " + std::to_string(n));
    fault_->ClearRules();
    fault_->ResetCounts();
    const int err = n % 2 == 0 ? EIO : ENOSPC;
    fault_->AddRule({FaultOp::kAny, dir_.path(), err, n % 3 == 0, n, 1});
    if (!lease_.get()) {
      auto w = engine_->AcquireWriter("t");
      ASSERT_TRUE(w.ok());
      lease_ = std::move(*w);
    }
    BumpEveryRow rw(lease_.get(), static_cast<int>(n));
    auto txn = lease_->RewriteEntries(rw);
    const bool injected = fault_->FaultsInjected() > 0;
    fault_->ClearRules();
    if (txn.ok()) {
      bump(static_cast<int>(n));
      ExpectCommittedState();
      if (!injected) break;  // n is past the last call of an update
      continue;
    }
    ++failures;
    EXPECT_EQ(txn.status().code() == core::StatusCode::kResourceExhausted, err == ENOSPC)
        << txn.status().ToString();
    ExpectCommittedState();
    if (n % 10 == 0) ExpectLeftoversCleanAfterReopen();
    if (HasFailure()) break;
  }
  EXPECT_GT(failures, 20);
  ExpectLeftoversCleanAfterReopen();
  BumpEveryRow rw(lease_.get(), 9999);
  ASSERT_TRUE(lease_->RewriteEntries(rw).ok());
  bump(9999);
  ExpectCommittedState();
}

}  // namespace
}  // namespace sundial::cairo::testing
