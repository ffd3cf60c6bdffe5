// A root from an untrusted source (a restored backup, a damaged disk): paths read from `_txn`
// stay inside the table directory, and damaged or missing column and symbol files are
// Corruption naming the table and file, never a crash and never a value.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>

#include "cairo/table_state.h"
#include "cairo/table_view.h"
#include "cairo/txn_file.h"
#include "tests/cairo/cairo_test_util.h"

namespace sundial::cairo::testing {
namespace {

TxnRecord SmallRecord() {
  TxnRecord r;
  r.table_id = 7;
  r.txn = 42;
  r.schema = MixedSchema();
  for (auto& c : r.schema.columns) r.columns.push_back({c.name, 0, 0});
  PartitionInfo p;
  p.partition_start_us = kT0;
  p.row_count = 5;
  p.min_timestamp_us = kT0 + 1;
  p.max_timestamp_us = kT0 + 9;
  r.partitions.push_back(p);
  return r;
}

TEST(TxnPathTest, FileStemsMustStayInTheirDirectory) {
  ASSERT_TRUE(ParseTxn(SerializeTxn(SmallRecord()), "x").ok());
  for (std::string bad : {"../v", "..", ".", "", "a/b", "/etc/passwd", "../../../../tmp/x"}) {
    TxnRecord r = SmallRecord();
    r.columns[2].file_stem = bad;
    auto back = ParseTxn(SerializeTxn(r), "x");
    EXPECT_EQ(back.status().code(), core::StatusCode::kCorruption) << bad;
  }
  TxnRecord r = SmallRecord();
  r.columns[2].file_stem = std::string("v\0x", 3);
  EXPECT_EQ(ParseTxn(SerializeTxn(r), "x").status().code(), core::StatusCode::kCorruption);
}

TEST(TxnPathTest, ColumnNamesMustBeValid) {
  TxnRecord r = SmallRecord();
  r.schema.columns[2].name = "../v";
  EXPECT_EQ(ParseTxn(SerializeTxn(r), "x").status().code(), core::StatusCode::kCorruption);
}

class UntrustedFilesTest : public EngineFixture {
 protected:
  void Fill(const std::string& table, int n) {
    ASSERT_TRUE(engine_->CreateTable(table, MixedSchema()).ok());
    auto w = engine_->AcquireWriter(table);
    for (int i = 0; i < n; ++i) {
      rows_.push_back(MakeRow(kT0 + i * kHour, i));
      ASSERT_TRUE(WriteRow(**w, rows_.back()).ok());
    }
    ASSERT_TRUE((*w)->Commit().ok());
  }
  // Rewrites the table's `_txn` through `edit`, with a valid checksum.
  void EditTxn(const std::string& table, const std::function<void(TxnRecord&)>& edit) {
    const std::string path = TableDir(table) + "/_txn";
    auto bytes = fs_->ReadFile(path);
    ASSERT_TRUE(bytes.ok());
    auto rec = ParseTxn(*bytes, path);
    ASSERT_TRUE(rec.ok()) << rec.status().ToString();
    edit(*rec);
    ASSERT_TRUE(fs_->WriteFileAtomic(path, SerializeTxn(*rec), false).ok());
  }
  void ExpectBroken(const std::string& table) {
    auto broken = engine_->BrokenTables();
    ASSERT_EQ(broken.size(), 1u);
    EXPECT_EQ(broken[0].first, table);
    EXPECT_EQ(broken[0].second.code(), core::StatusCode::kCorruption)
        << broken[0].second.ToString();
  }
  std::vector<Row> rows_;
};

// The file an escaping stem would reach: it must be neither read nor changed.
TEST_F(UntrustedFilesTest, TxnColumnStemOutsideTheRootIsRefused) {
  Fill("t", 30);
  const std::string outside = dir_.Sub("outside.d");
  ASSERT_TRUE(fs_->WriteFileAtomic(outside, std::string(4096, 'x'), false).ok());
  // db/t/2025-11-21/../../../outside.d is <root>/outside.d.
  EditTxn("t", [](TxnRecord& r) { r.columns[2].file_stem = "../../../outside"; });
  Reopen();
  ExpectBroken("t");
  EXPECT_EQ(*fs_->ReadFile(outside), std::string(4096, 'x'));
}

TEST_F(UntrustedFilesTest, TxnSymbolStemOutsideTheRootIsRefused) {
  Fill("t", 30);
  const std::string outside = dir_.Sub("outside.sym");
  ASSERT_TRUE(fs_->WriteFileAtomic(outside, std::string(4096, 'x'), false).ok());
  EditTxn("t", [](TxnRecord& r) { r.columns[1].file_stem = "../../outside"; });
  Reopen();
  ExpectBroken("t");
  EXPECT_EQ(*fs_->ReadFile(outside), std::string(4096, 'x'));
}

// Reads every value of every column the way scans do; the first error, if any.
core::Status ScanAll(const TableView& v) {
  uint64_t sink = 0;
  for (size_t p = 0; p < v.partitions().size(); ++p) {
    for (int c = 0; c < static_cast<int>(v.schema().columns.size()); ++c) {
      DecodedRows decoded;
      ASSIGN_OR_RETURN(ColumnData d, v.ColumnRows(p, c, 0, v.partitions()[p].row_count, &decoded));
      if (d.is_all_null) continue;
      const ColumnType type = v.schema().columns[c].type;
      for (int64_t r = 0; r < d.row_count; ++r) {
        if (type == ColumnType::kVarchar) {
          std::string_view s = d.Varchar(r);
          sink += s.size() + (s.empty() ? 0 : static_cast<unsigned char>(s.back()));
        } else if (type == ColumnType::kSymbol) {
          ASSIGN_OR_RETURN(const SymbolTable* t, v.Symbols(c));
          int32_t k = d.values<int32_t>()[r];
          if (k != kNullSymbolKey) sink += t->Value(k).size();
        }
      }
    }
  }
  return sink == UINT64_MAX ? core::Status::Internal("unlikely") : core::Status::Ok();
}

class DamagedFilesTest : public UntrustedFilesTest {
 protected:
  void SetUp() override {
    UntrustedFilesTest::SetUp();
    Fill("t", 30);
    auto bytes = fs_->ReadFile(TableDir("t") + "/_txn");
    ASSERT_TRUE(bytes.ok());
    auto rec = ParseTxn(*bytes, "t");
    ASSERT_TRUE(rec.ok()) << rec.status().ToString();
    record_ = *rec;
    files_ = std::make_shared<TableFiles>(fs_, TableDir("t"));
  }
  // A fresh pin of the committed record (nothing cached), as after a restart.
  TableView FreshView(const TxnRecord& rec) const {
    return TableView(std::make_shared<const TableView::State>(files_, "t", rec, nullptr));
  }
  TableView FreshView() const { return FreshView(record_); }
  // Flips `mask` in every byte of `file` in turn; each damaged copy must scan to success or
  // Corruption naming the table and file. Returns how many were Corruption.
  int FlipEveryByte(const std::string& file, uint8_t mask) {
    const std::string path = TableDir("t") + "/" + file;
    const std::string good = *fs_->ReadFile(path);
    int corrupt = 0;
    for (size_t i = 0; i < good.size(); ++i) {
      std::string bad = good;
      bad[i] = static_cast<char>(bad[i] ^ mask);
      EXPECT_TRUE(fs_->WriteFileAtomic(path, bad, false).ok());
      core::Status st = ScanAll(FreshView());
      if (!st.ok()) {
        ++corrupt;
        EXPECT_EQ(st.code(), core::StatusCode::kCorruption) << st.ToString();
        EXPECT_NE(st.message().find(file), std::string::npos) << st.ToString();
        EXPECT_NE(st.message().find("table=t"), std::string::npos) << st.ToString();
      }
    }
    EXPECT_TRUE(fs_->WriteFileAtomic(path, good, false).ok());
    EXPECT_TRUE(ScanAll(FreshView()).ok());
    return corrupt;
  }
  TxnRecord record_;
  std::shared_ptr<TableFiles> files_;
};

TEST_F(DamagedFilesTest, VarcharIndexFlipsAreCorruptionNeverACrash) {
  // High bits make offsets far past the data (SIGSEGV before the check); low bits make them
  // go backwards.
  EXPECT_GT(FlipEveryByte("2025-11-21/s.i", 0x80), 0);
  EXPECT_GT(FlipEveryByte("2025-11-21/s.i", 0x01), 0);
}

TEST_F(DamagedFilesTest, SymbolFileFlipsAreCorruptionNeverACrash) {
  EXPECT_GT(FlipEveryByte("sym.sym", 0x80), 0);
  EXPECT_GT(FlipEveryByte("sym.sym", 0x01), 0);
}

TEST_F(DamagedFilesTest, SymbolKeyFlipsAreCorruptionNeverACrash) {
  EXPECT_GT(FlipEveryByte("2025-11-21/sym.d", 0x40), 0);
  EXPECT_GT(FlipEveryByte("2025-11-21/sym.d", 0x01), 0);
}

TEST_F(DamagedFilesTest, CountsPastTheFileAreCorruptionNotAHugeAllocation) {
  TxnRecord rec = record_;
  rec.columns[1].symbol_count = 0xfffffff0u;
  EXPECT_EQ(FreshView(rec).Symbols(1).status().code(), core::StatusCode::kCorruption);
  rec = record_;
  rec.columns[1].symbol_bytes = uint64_t{1} << 50;
  EXPECT_EQ(FreshView(rec).Symbols(1).status().code(), core::StatusCode::kCorruption);
  rec = record_;
  rec.partitions[0].row_count += 1000;  // past the end of every file: SIGBUS if mapped
  EXPECT_EQ(ScanAll(FreshView(rec)).code(), core::StatusCode::kCorruption);
}

TEST_F(DamagedFilesTest, MissingSymbolFileIsCorruptionNotANullTable) {
  ASSERT_TRUE(fs_->RemoveFile(TableDir("t") + "/sym.sym").ok());
  auto s = FreshView().Symbols(1);
  ASSERT_EQ(s.status().code(), core::StatusCode::kCorruption);
  EXPECT_NE(s.status().message().find("sym.sym"), std::string::npos) << s.status().ToString();
  EXPECT_NE(s.status().message().find("table=t"), std::string::npos) << s.status().ToString();
}

TEST_F(DamagedFilesTest, MissingColumnFileIsCorruptionNotNulls) {
  for (const std::string file : {"2025-11-21/v.d", "2025-11-21/s.d", "2025-11-21/s.i"}) {
    const std::string path = TableDir("t") + "/" + file;
    const std::string good = *fs_->ReadFile(path);
    ASSERT_TRUE(fs_->RemoveFile(path).ok());
    core::Status st = ScanAll(FreshView());
    EXPECT_EQ(st.code(), core::StatusCode::kCorruption) << file << " " << st.ToString();
    EXPECT_NE(st.message().find(file), std::string::npos) << st.ToString();
    auto files = FreshView().CommittedFiles();
    EXPECT_EQ(files.status().code(), core::StatusCode::kCorruption) << file;
    ASSERT_TRUE(fs_->WriteFileAtomic(path, good, false).ok());
  }
}

// Of the newest entry; an older entry's is found when a query maps it (StartupCostTest).
TEST_F(DamagedFilesTest, MissingColumnFileMakesTheTableBrokenAtOpen) {
  ASSERT_TRUE(
      fs_->RemoveFile(TableDir("t") + "/" + record_.partitions.back().dir_name + "/v.d").ok());
  Reopen();
  ExpectBroken("t");
}

// A version 1 `_txn` (no record of column files) still opens and reads as before: a column
// without a file in a partition is all null there.
TEST_F(DamagedFilesTest, VersionOneTxnStillOpensAndReadsMissingFilesAsNull) {
  TxnRecord v1 = record_;
  for (auto& p : v1.partitions) p.column_files.clear();
  const std::string bytes = SerializeTxn(v1);
  uint32_t version;
  std::memcpy(&version, bytes.data() + 4, 4);
  EXPECT_EQ(version, kTxnFormatVersionWithoutFiles);
  ASSERT_TRUE(fs_->WriteFileAtomic(TableDir("t") + "/_txn", bytes, false).ok());
  ASSERT_TRUE(fs_->RemoveFile(TableDir("t") + "/2025-11-21/n.d").ok());
  Reopen();
  EXPECT_TRUE(engine_->BrokenTables().empty());
  auto v = engine_->Pin("t");
  ASSERT_TRUE(v.ok());
  std::vector<Row> want = rows_;
  for (auto& r : want) {
    if (r.ts < kT0 + kDay) r.n = kNullLong;
  }
  EXPECT_EQ(ReadRows(*v), want);
  // The next commit publishes a version 2 record of what the partitions hold.
  auto w = engine_->AcquireWriter("t");
  ASSERT_TRUE(w.ok());
  rows_.push_back(MakeRow(kT0 + 40 * kHour, 40));
  want.push_back(rows_.back());
  ASSERT_TRUE(WriteRow(**w, rows_.back()).ok());
  ASSERT_TRUE((*w)->Commit().ok());
  w->Reset();
  auto rec = ParseTxn(*fs_->ReadFile(TableDir("t") + "/_txn"), "t");
  ASSERT_TRUE(rec.ok());
  ASSERT_TRUE(rec->partitions[0].knows_column_files());
  EXPECT_FALSE(rec->partitions[0].column_files[4]);
  EXPECT_TRUE(rec->partitions[1].column_files[4]);
  Reopen();
  EXPECT_EQ(ReadRows(*engine_->Pin("t")), want);
}

// ADD COLUMN: the entries written before it hold no file of the new column (recorded as
// such), the ones written after do; both read right across a restart.
TEST_F(DamagedFilesTest, AddedColumnIsRecordedPerEntry) {
  ASSERT_TRUE(engine_->AddColumn("t", "extra", ColumnType::kLong).ok());
  {
    auto w = engine_->AcquireWriter("t");
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->NewRow(kT0 + 30 * kHour).ok());
    ASSERT_TRUE((*w)->EndRow().ok());
    ASSERT_TRUE((*w)->NewRow(kT0 + 3 * kDay).ok());
    ASSERT_TRUE((*w)->EndRow().ok());
    ASSERT_TRUE((*w)->Commit().ok());
  }
  auto rec = ParseTxn(*fs_->ReadFile(TableDir("t") + "/_txn"), "t");
  ASSERT_TRUE(rec.ok());
  ASSERT_EQ(rec->partitions.size(), 3u);
  EXPECT_FALSE(rec->partitions[0].column_files[5]);  // untouched since ADD COLUMN
  EXPECT_TRUE(rec->partitions[1].column_files[5]);   // appended to: null prefix written
  EXPECT_TRUE(rec->partitions[2].column_files[5]);   // new
  EXPECT_TRUE(rec->partitions[0].column_files[2]);
  Reopen();
  EXPECT_TRUE(engine_->BrokenTables().empty());
  auto v = engine_->Pin("t");
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(ScanAll(*v).ok());
  auto d = v->Column(0, 5);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->is_all_null);
}

// The check runs once per mapped entry, not once per commit: a later pin shares the checked
// mappings of the entries its commit left unchanged, and maps afresh those it changed.
TEST_F(DamagedFilesTest, CheckedMappingsAreSharedWithLaterPinsOfUnchangedEntries) {
  auto v1 = engine_->Pin("t");
  ASSERT_TRUE(v1.ok());
  ASSERT_TRUE(ScanAll(*v1).ok());
  {
    auto w = engine_->AcquireWriter("t");
    ASSERT_TRUE(w.ok());
    rows_.push_back(MakeRow(kT0 + 40 * kHour, 40));  // appends to the second day
    ASSERT_TRUE(WriteRow(**w, rows_.back()).ok());
    ASSERT_TRUE((*w)->Commit().ok());
  }
  auto v2 = engine_->Pin("t");
  ASSERT_TRUE(v2.ok());
  for (int c = 0; c < 5; ++c) {
    EXPECT_EQ(v2->Column(0, c)->data, v1->Column(0, c)->data) << c;
    EXPECT_EQ(v2->Column(0, c)->varchar_index, v1->Column(0, c)->varchar_index) << c;
    EXPECT_NE(v2->Column(1, c)->data, v1->Column(1, c)->data) << c;
  }
  // An out-of-order row rewrites the first day into a new version: nothing shared there.
  {
    auto w = engine_->AcquireWriter("t");
    ASSERT_TRUE(w.ok());
    rows_.push_back(MakeRow(kT0 + 1, 41));
    ASSERT_TRUE(WriteRow(**w, rows_.back()).ok());
    ASSERT_TRUE((*w)->Commit().ok());
  }
  auto v3 = engine_->Pin("t");
  ASSERT_TRUE(v3.ok());
  EXPECT_NE(v3->partitions()[0].dir_name, v2->partitions()[0].dir_name);
  EXPECT_NE(v3->Column(0, 2)->data, v2->Column(0, 2)->data);
  EXPECT_EQ(ReadRows(*v3), SortedByTs(rows_));
  EXPECT_EQ(ReadRows(*v1), std::vector<Row>(rows_.begin(), rows_.begin() + 30));
}

}  // namespace
}  // namespace sundial::cairo::testing
