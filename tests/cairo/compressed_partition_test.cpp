// Compressed partitions (CONVERT PARTITION): the same rows before and after conversion and
// back, new partition versions published by a txn, pins that keep the old version, writes
// into compressed entries, damage reported as Corruption, the `_txn` format version, and a
// fault sweep over every file-system call of a conversion, and SIGKILL during conversions.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <random>
#include <thread>

#include "cairo/txn_file.h"
#include "core/fault_file_system.h"
#include "tests/cairo/cairo_test_util.h"

namespace sundial::cairo::testing {
namespace {

using core::FaultOp;

// Rows over `days` days (several per day, some out of order, nulls from MakeRow).
std::vector<Row> RandomRows(std::mt19937_64& rng, int days, int per_day) {
  std::vector<Row> rows;
  int i = 0;
  for (int d = 0; d < days; ++d) {
    for (int k = 0; k < per_day; ++k, ++i) {
      Row r = MakeRow(kT0 + d * kDay + static_cast<int64_t>(rng() % kDay), i);
      if (rng() % 11 == 0) r.v = std::nan("");
      rows.push_back(std::move(r));
    }
  }
  return rows;
}

class CompressedPartitionTest : public EngineFixture {
 protected:
  void Load(const std::vector<Row>& rows) {
    ASSERT_TRUE(engine_->CreateTable("t", MixedSchema()).ok());
    auto w = engine_->AcquireWriter("t");
    ASSERT_TRUE(w.ok());
    for (const auto& r : rows) ASSERT_TRUE(WriteRow(**w, r).ok());
    ASSERT_TRUE((*w)->Commit().ok());
    model_ = SortedByTs(rows);
  }
  std::vector<int64_t> AllButNewest() {
    auto v = engine_->Pin("t");
    std::vector<int64_t> out;
    for (const auto& p : v->partitions()) {
      if (p.partition_start_us != v->partitions().back().partition_start_us) {
        out.push_back(p.partition_start_us);
      }
    }
    return out;
  }
  std::vector<Row> Rows() {
    auto v = engine_->Pin("t");
    EXPECT_TRUE(v.ok());
    return v.ok() ? ReadRows(*v) : std::vector<Row>{};
  }
  std::vector<Row> model_;
};

TEST_F(CompressedPartitionTest, ConvertKeepsRowsBothWaysAndAcrossReopen) {
  std::mt19937_64 rng(7);
  Load(RandomRows(rng, 4, 5000));
  ASSERT_EQ(Rows(), model_);
  const auto starts = AllButNewest();
  ASSERT_EQ(starts.size(), 3u);
  ASSERT_TRUE(engine_->ConvertPartitions("t", starts, true).ok());
  {
    auto v = engine_->Pin("t");
    for (size_t p = 0; p < v->partitions().size(); ++p) {
      const PartitionInfo& part = v->partitions()[p];
      EXPECT_EQ(part.is_compressed, p + 1 < v->partitions().size());
      if (!part.is_compressed) continue;
      EXPECT_EQ(part.name_txn, v->txn());
      EXPECT_TRUE(fs_->Exists(TableDir("t") + "/" + part.dir_name + "/v.z"));
      EXPECT_FALSE(fs_->Exists(TableDir("t") + "/" + part.dir_name + "/v.d"));
      EXPECT_FALSE(fs_->Exists(TableDir("t") + "/" + part.dir_name + "/s.i"));
    }
    EXPECT_EQ(ReadRows(*v), model_);
    // The record says which entries are compressed (version 4).
    auto txn = fs_->ReadFile(TableDir("t") + "/_txn");
    ASSERT_TRUE(txn.ok());
    EXPECT_EQ(static_cast<uint8_t>((*txn)[4]), kTxnFormatVersionWithEntryFlags);
  }
  Reopen();
  EXPECT_TRUE(engine_->BrokenTables().empty());
  EXPECT_EQ(Rows(), model_);
  ASSERT_TRUE(engine_->ConvertPartitions("t", starts, false).ok());
  auto v = engine_->Pin("t");
  for (const auto& p : v->partitions()) {
    EXPECT_FALSE(p.is_compressed);
    EXPECT_TRUE(fs_->Exists(TableDir("t") + "/" + p.dir_name + "/v.d"));
  }
  EXPECT_EQ(ReadRows(*v), model_);
  // Without a compressed entry the record is written as version 3, as before.
  auto txn = fs_->ReadFile(TableDir("t") + "/_txn");
  ASSERT_TRUE(txn.ok());
  EXPECT_EQ(static_cast<uint8_t>((*txn)[4]), kTxnFormatVersionWithFlags);
}

TEST_F(CompressedPartitionTest, RefusesNewestMissingAndChangesNothing) {
  std::mt19937_64 rng(1);
  Load(RandomRows(rng, 3, 50));
  auto before = engine_->Pin("t");
  const int64_t newest = before->partitions().back().partition_start_us;
  core::Status st = engine_->ConvertPartitions("t", {kT0, newest}, true);
  EXPECT_EQ(st.code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("active partition"), std::string::npos) << st.ToString();
  st = engine_->ConvertPartitions("t", {kT0, kT0 - 5 * kDay}, true);
  EXPECT_EQ(st.code(), core::StatusCode::kNotFound);
  EXPECT_NE(st.message().find("2025-11-16"), std::string::npos) << st.ToString();
  auto after = engine_->Pin("t");
  EXPECT_EQ(after->txn(), before->txn());
  // Already in the asked state: nothing published.
  ASSERT_TRUE(engine_->ConvertPartitions("t", {kT0}, false).ok());
  EXPECT_EQ(engine_->Pin("t")->txn(), before->txn());
}

TEST_F(CompressedPartitionTest, PinnedViewKeepsReadingTheOldVersion) {
  std::mt19937_64 rng(2);
  Load(RandomRows(rng, 3, 300));
  auto before = engine_->Pin("t");
  const std::string old_dir = TableDir("t") + "/" + before->partitions()[0].dir_name;
  ASSERT_TRUE(engine_->ConvertPartitions("t", {kT0}, true).ok());
  EXPECT_TRUE(fs_->Exists(old_dir + "/v.d"));  // pinned
  EXPECT_EQ(ReadRows(*before), model_);
  auto during = engine_->Pin("t");
  ASSERT_TRUE(engine_->ConvertPartitions("t", {kT0}, false).ok());
  EXPECT_EQ(ReadRows(*during), model_);
  *before = TableView();
  *during = TableView();
  engine_->Purge();
  EXPECT_FALSE(fs_->Exists(old_dir));
  EXPECT_EQ(Rows(), model_);
}

TEST_F(CompressedPartitionTest, OutOfOrderRowsIntoCompressedEntryWriteRawVersion) {
  std::mt19937_64 rng(3);
  Load(RandomRows(rng, 4, 2000));
  ASSERT_TRUE(engine_->ConvertPartitions("t", AllButNewest(), true).ok());
  auto w = engine_->AcquireWriter("t");
  ASSERT_TRUE(w.ok());
  std::vector<Row> batch;
  for (int i = 0; i < 300; ++i) {
    batch.push_back(MakeRow(kT0 + static_cast<int64_t>(rng() % (4 * kDay)), 90000 + i));
  }
  for (const auto& r : batch) ASSERT_TRUE(WriteRow(**w, r).ok());
  ASSERT_TRUE((*w)->Commit().ok());
  model_.insert(model_.end(), batch.begin(), batch.end());
  model_ = SortedByTs(model_);
  auto v = engine_->Pin("t");
  EXPECT_EQ(ReadRows(*v), model_);
  for (const auto& p : v->partitions()) EXPECT_FALSE(p.is_compressed) << p.dir_name;
}

TEST_F(CompressedPartitionTest, AppendToCompressedNewestEntryAfterDropRewritesIt) {
  std::mt19937_64 rng(4);
  Load(RandomRows(rng, 3, 100));
  ASSERT_TRUE(engine_->ConvertPartitions("t", AllButNewest(), true).ok());
  ASSERT_TRUE(engine_->DropPartitions("t", {kT0 + 2 * kDay}).ok());
  std::erase_if(model_, [](const Row& r) { return r.ts >= kT0 + 2 * kDay; });
  ASSERT_TRUE(engine_->Pin("t")->partitions().back().is_compressed);
  auto w = engine_->AcquireWriter("t");
  ASSERT_TRUE(w.ok());
  std::vector<Row> batch = {MakeRow(model_.back().ts + 1, 500), MakeRow(kT0 + 3 * kDay, 501)};
  for (const auto& r : batch) ASSERT_TRUE(WriteRow(**w, r).ok());
  ASSERT_TRUE((*w)->Commit().ok());
  model_.insert(model_.end(), batch.begin(), batch.end());
  EXPECT_EQ(Rows(), model_);
}

TEST_F(CompressedPartitionTest, UpdateOfCompressedEntryKeepsOtherColumns) {
  std::mt19937_64 rng(5);
  Load(RandomRows(rng, 3, 1000));
  ASSERT_TRUE(engine_->ConvertPartitions("t", AllButNewest(), true).ok());
  // UPDATE t SET n = n + 1 (every entry), through the rewriter interface.
  struct PlusOne : EntryRewriter {
    core::Status Rewrite(const TableView& view, size_t entry,
                         std::vector<ColumnValues>* out) override {
      const int cn = view.schema().FindColumn("n");
      DecodedRows decoded;
      ASSIGN_OR_RETURN(ColumnData d,
                       view.ColumnRows(entry, cn, 0, view.partitions()[entry].row_count, &decoded));
      ColumnValues cv;
      cv.column = cn;
      cv.fixed.resize(static_cast<size_t>(d.row_count) * 8);
      for (int64_t i = 0; i < d.row_count; ++i) {
        const int64_t n = d.values<int64_t>()[i] + 1;
        std::memcpy(cv.fixed.data() + i * 8, &n, 8);
      }
      out->push_back(std::move(cv));
      return core::Status::Ok();
    }
  } rewriter;
  auto w = engine_->AcquireWriter("t");
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->RewriteEntries(rewriter).ok());
  for (Row& r : model_) r.n += 1;
  auto v = engine_->Pin("t");
  EXPECT_EQ(ReadRows(*v), model_);
  for (const auto& p : v->partitions()) EXPECT_FALSE(p.is_compressed);
}

TEST_F(CompressedPartitionTest, DamagedBlockIsCorruptionNamingTableAndFile) {
  std::mt19937_64 rng(6);
  Load(RandomRows(rng, 2, 9000));
  ASSERT_TRUE(engine_->ConvertPartitions("t", {kT0}, true).ok());
  auto v = engine_->Pin("t");
  const std::string path = TableDir("t") + "/" + v->partitions()[0].dir_name + "/n.z";
  v = engine_->Pin("t");  // nothing decoded yet
  auto bytes = fs_->ReadFile(path);
  ASSERT_TRUE(bytes.ok());
  std::string damaged = *bytes;
  damaged[damaged.size() / 2] ^= 0x5a;  // inside a block's payload
  {
    auto f = fs_->Open(path, core::OpenMode::kReadWrite);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->WriteAt(0, damaged.data(), damaged.size()).ok());
  }
  Reopen();
  auto after = engine_->Pin("t");
  ASSERT_TRUE(after.ok());
  const int64_t rows = after->partitions()[0].row_count;
  DecodedRows decoded;
  auto col = after->ColumnRows(0, after->schema().FindColumn("n"), 0, rows, &decoded);
  ASSERT_FALSE(col.ok());
  EXPECT_EQ(col.status().code(), core::StatusCode::kCorruption);
  EXPECT_NE(col.status().message().find("table=t"), std::string::npos) << col.status().ToString();
  EXPECT_NE(col.status().message().find("n.z"), std::string::npos) << col.status().ToString();
  EXPECT_NE(col.status().message().find("checksum"), std::string::npos) << col.status().ToString();
  // Other columns still read; the whole-column mapping is refused for a compressed entry.
  EXPECT_TRUE(after->ColumnRows(0, after->schema().FindColumn("v"), 0, rows, &decoded).ok());
  EXPECT_EQ(after->Column(0, after->schema().FindColumn("v")).status().code(),
            core::StatusCode::kInvalidArgument);
}

// ColumnRows of any row range of a compressed entry gives what the raw entry gave, and decodes
// exactly the blocks that hold the range (each column's own, counted by BlocksDecoded).
TEST_F(CompressedPartitionTest, ColumnRowsOfAnyRangeMatchTheRawEntryBlockByBlock) {
  std::mt19937_64 rng(12);
  Load(RandomRows(rng, 2, 20000));  // 5 blocks a column in the first day
  auto raw = engine_->Pin("t");
  ASSERT_TRUE(raw.ok());
  ASSERT_TRUE(engine_->ConvertPartitions("t", {kT0}, true).ok());
  auto z = engine_->Pin("t");
  ASSERT_TRUE(z.ok());
  ASSERT_TRUE(z->partitions()[0].is_compressed);
  const int64_t rows = z->partitions()[0].row_count;
  ASSERT_EQ(rows, raw->partitions()[0].row_count);
  const int ncols = static_cast<int>(z->schema().columns.size());
  DecodedRows zb, rb;
  for (int k = 0; k < 300; ++k) {
    int64_t lo = static_cast<int64_t>(rng() % static_cast<uint64_t>(rows + 1));
    int64_t hi = static_cast<int64_t>(rng() % static_cast<uint64_t>(rows + 1));
    if (lo > hi) std::swap(lo, hi);
    if (k % 5 == 0) hi = std::min<int64_t>(rows, lo + static_cast<int64_t>(rng() % 3));
    if (k % 7 == 0) lo = hi / kCompressedBlockRows * kCompressedBlockRows;  // from a boundary
    const int64_t blocks =
        lo == hi ? 0 : (hi - 1) / kCompressedBlockRows - lo / kCompressedBlockRows + 1;
    for (int c = 0; c < ncols; ++c) {
      const size_t before = z->BlocksDecoded();
      auto zc = z->ColumnRows(0, c, lo, hi, &zb);
      ASSERT_TRUE(zc.ok()) << zc.status().ToString();
      EXPECT_EQ(z->BlocksDecoded() - before, static_cast<size_t>(blocks)) << lo << ".." << hi;
      auto rc = raw->ColumnRows(0, c, lo, hi, &rb);
      ASSERT_TRUE(rc.ok()) << rc.status().ToString();
      ASSERT_EQ(zc->row_count, hi - lo);
      ASSERT_EQ(rc->row_count, hi - lo);
      ASSERT_FALSE(zc->is_all_null);
      const ColumnType type = z->schema().columns[c].type;
      if (type != ColumnType::kVarchar) {
        const size_t size = static_cast<size_t>(hi - lo) * ColumnTypeSize(type);
        EXPECT_EQ(std::memcmp(zc->data, rc->data, size), 0) << c << " " << lo << ".." << hi;
        continue;
      }
      for (int64_t r = 0; r < hi - lo; ++r) {
        ASSERT_EQ(zc->IsVarcharNull(r), rc->IsVarcharNull(r)) << lo + r;
        ASSERT_EQ(zc->Varchar(r), rc->Varchar(r)) << lo + r;
      }
    }
  }
  // Ranges outside the entry are refused.
  for (auto [lo, hi] : {std::pair<int64_t, int64_t>{-1, 2}, {3, 2}, {0, rows + 1}}) {
    EXPECT_EQ(z->ColumnRows(0, 1, lo, hi, &zb).status().code(), core::StatusCode::kInvalidArgument);
    EXPECT_EQ(raw->ColumnRows(0, 1, lo, hi, &rb).status().code(),
              core::StatusCode::kInvalidArgument);
  }
}

// A well-formed block whose SYMBOL keys pass the dictionary fails the reads of that block.
TEST_F(CompressedPartitionTest, SymbolKeyOutsideTheDictionaryInABlockIsCorruption) {
  std::mt19937_64 rng(13);
  Load(RandomRows(rng, 2, 9000));  // 3 blocks in the first day
  ASSERT_TRUE(engine_->ConvertPartitions("t", {kT0}, true).ok());
  int csym = -1;
  int64_t rows = 0;
  DecodedRows decoded;
  {
    auto v = engine_->Pin("t");
    ASSERT_TRUE(v.ok());
    csym = v->schema().FindColumn("sym");
    rows = v->partitions()[0].row_count;
    ASSERT_GT(rows, 2 * static_cast<int64_t>(kCompressedBlockRows));
    auto keys = v->ColumnRows(0, csym, 0, rows, &decoded);
    ASSERT_TRUE(keys.ok()) << keys.status().ToString();
    std::vector<int32_t> bad(keys->values<int32_t>(), keys->values<int32_t>() + rows);
    bad[kCompressedBlockRows + 5] = 1000;  // block 1; the dictionary holds 5 keys
    auto file = CompressColumn(
        ColumnType::kSymbol, rows,
        std::string_view(reinterpret_cast<const char*>(bad.data()), bad.size() * 4), {});
    ASSERT_TRUE(file.ok());
    const std::string path = TableDir("t") + "/" + v->partitions()[0].dir_name + "/sym.z";
    ASSERT_TRUE(fs_->WriteFileAtomic(path, *file, false).ok());
  }
  Reopen();
  auto after = engine_->Pin("t");
  ASSERT_TRUE(after.ok());
  const int64_t block = kCompressedBlockRows;
  EXPECT_TRUE(after->ColumnRows(0, csym, 0, block, &decoded).ok());
  EXPECT_TRUE(after->ColumnRows(0, csym, 2 * block, rows, &decoded).ok());
  auto col = after->ColumnRows(0, csym, block + 3, block + 9, &decoded);
  ASSERT_FALSE(col.ok());
  EXPECT_EQ(col.status().code(), core::StatusCode::kCorruption);
  EXPECT_NE(col.status().message().find("block 1: symbol key outside the dictionary"),
            std::string::npos)
      << col.status().ToString();
  EXPECT_NE(col.status().message().find("table=t"), std::string::npos) << col.status().ToString();
}

TEST_F(CompressedPartitionTest, BackupFilesListCompressedFilesWhole) {
  std::mt19937_64 rng(8);
  Load(RandomRows(rng, 3, 4000));
  ASSERT_TRUE(engine_->ConvertPartitions("t", AllButNewest(), true).ok());
  auto v = engine_->Pin("t");
  auto files = v->CommittedFiles();
  ASSERT_TRUE(files.ok());
  size_t z = 0;
  for (const auto& f : *files) {
    if (!f.relative_path.ends_with(".z")) continue;
    ++z;
    EXPECT_EQ(f.committed_size, *fs_->FileSize(TableDir("t") + "/" + f.relative_path));
  }
  EXPECT_EQ(z, 2u * 5u);
}

// A child converts two partitions back and forth until it is SIGKILLed at a random moment;
// every reopen finds the same rows, no broken table, and no directory the txn does not name.
TEST_F(CompressedPartitionTest, KilledConversionLeavesTheTableWhole) {
  std::mt19937_64 rng(10);
  Load(RandomRows(rng, 3, 3000));
  engine_.reset();
  const std::string root = dir_.Sub("db");
  int compressed_seen = 0;
  for (int iter = 0; iter < 12; ++iter) {
    SCOPED_TRACE("iteration " + std::to_string(iter));
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      EngineOptions o;
      o.db_root = root;
      o.commit_mode = CommitMode::kSync;
      auto e = Engine::Open(core::NewPosixFileSystem(), o);
      if (!e.ok()) _exit(2);
      for (bool compress = true;; compress = !compress) {
        if (!(*e)->ConvertPartitions("t", {kT0, kT0 + kDay}, compress).ok()) _exit(3);
      }
    }
    std::this_thread::sleep_for(std::chrono::microseconds(20000 + rng() % 200000));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
    Reopen(CommitMode::kSync);
    ASSERT_TRUE(engine_->BrokenTables().empty()) << engine_->BrokenTables()[0].second.ToString();
    auto v = engine_->Pin("t");
    ASSERT_TRUE(v.ok());
    ASSERT_EQ(ReadRows(*v), model_);
    compressed_seen += v->partitions()[0].is_compressed;
    auto entries = fs_->ListDir(TableDir("t"));
    ASSERT_TRUE(entries.ok());
    size_t dirs = 0;
    for (const auto& e : *entries) dirs += e.is_dir;
    EXPECT_EQ(dirs, v->partitions().size());
    v = TableView();
    engine_.reset();
  }
  Reopen();
  std::cout << "killed conversions: 12, found compressed " << compressed_seen << " times"
            << std::endl;
}

// Every file-system call of a conversion failing in turn (both directions): the table reads
// the same rows after each failure, and opens clean.
TEST(CompressedPartitionFaultTest, EveryFailingCallLeavesTheTableReadable) {
  testutil::TempDir dir;
  auto fault = std::make_shared<core::FaultFileSystem>(core::NewPosixFileSystem());
  EngineOptions o;
  o.db_root = dir.Sub("db");
  o.commit_mode = CommitMode::kSync;
  o.lock_timeout_ms = 100;
  auto engine = Engine::Open(fault, o);
  ASSERT_TRUE(engine.ok());
  ASSERT_TRUE((*engine)->CreateTable("t", MixedSchema()).ok());
  std::mt19937_64 rng(9);
  std::vector<Row> rows = RandomRows(rng, 3, 200);
  {
    auto w = (*engine)->AcquireWriter("t");
    ASSERT_TRUE(w.ok());
    for (const auto& r : rows) ASSERT_TRUE(WriteRow(**w, r).ok());
    ASSERT_TRUE((*w)->Commit().ok());
  }
  const std::vector<Row> model = SortedByTs(rows);
  const std::vector<int64_t> starts = {kT0, kT0 + kDay};
  int failures = 0;
  for (const bool compress : {true, false}) {
    for (int64_t k = 0; k < 400; ++k) {
      fault->ResetCounts();
      fault->AddRule({FaultOp::kAny, "", EIO, false, k});
      core::Status st = (*engine)->ConvertPartitions("t", starts, compress);
      const bool injected = fault->FaultsInjected() > 0;
      fault->ClearRules();
      auto v = (*engine)->Pin("t");
      ASSERT_TRUE(v.ok());
      ASSERT_EQ(ReadRows(*v), model) << "k=" << k << " status=" << st.ToString();
      const bool now = v->partitions()[0].is_compressed;
      // Unchanged, or (a failure after the publish) converted whole.
      EXPECT_EQ(v->partitions()[1].is_compressed, now) << "k=" << k;
      if (!injected) {
        EXPECT_TRUE(st.ok()) << st.ToString();
        EXPECT_EQ(now, compress);
        break;
      }
      ++failures;
      if (now == compress) {
        // Published before the failure: convert back (no faults) and sweep on.
        ASSERT_TRUE((*engine)->ConvertPartitions("t", starts, !compress).ok());
      }
    }
  }
  EXPECT_GT(failures, 40);
  engine->reset();
  auto reopened = Engine::Open(fault, o);
  ASSERT_TRUE(reopened.ok());
  EXPECT_TRUE((*reopened)->BrokenTables().empty());
  EXPECT_EQ(ReadRows(*(*reopened)->Pin("t")), model);
  // Nothing left over: one directory per entry.
  auto entries = fault->ListDir(dir.Sub("db/t"));
  ASSERT_TRUE(entries.ok());
  size_t dirs = 0;
  for (const auto& e : *entries) dirs += e.is_dir;
  EXPECT_EQ(dirs, (*reopened)->Pin("t")->partitions().size());
}

}  // namespace
}  // namespace sundial::cairo::testing
