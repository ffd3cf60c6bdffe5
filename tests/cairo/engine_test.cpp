// Engine basics: catalog, in-order writes, reads through pins, symbols, varchar, restart.
#include "cairo/engine.h"

#include <gtest/gtest.h>

#include "cairo/txn_file.h"
#include "tests/cairo/cairo_test_util.h"

namespace sundial::cairo::testing {
namespace {

class EngineTest : public EngineFixture {};

TEST_F(EngineTest, CreateListAndCaseInsensitiveLookup) {
  ASSERT_TRUE(engine_->CreateTable("Trades", MixedSchema()).ok());
  ASSERT_TRUE(engine_->CreateTable("alpha", MixedSchema()).ok());
  EXPECT_EQ(engine_->ListTables(), (std::vector<std::string>{"Trades", "alpha"}));
  EXPECT_TRUE(engine_->HasTable("trades"));
  EXPECT_TRUE(engine_->HasTable("TRADES"));
  EXPECT_FALSE(engine_->HasTable("nope"));
  EXPECT_EQ(engine_->CreateTable("TRADES", MixedSchema()).code(), core::StatusCode::kAlreadyExists);
  auto v = engine_->Pin("trades");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->table_name(), "Trades");
  EXPECT_EQ(v->row_count(), 0);
  EXPECT_EQ(v->min_timestamp_us(), kNullLong);
}

TEST_F(EngineTest, RejectsBadNamesAndSchemas) {
  EXPECT_EQ(engine_->CreateTable("a/b", MixedSchema()).code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(engine_->CreateTable("..", MixedSchema()).code(), core::StatusCode::kInvalidArgument);
  TableSchema no_ts = MixedSchema();
  no_ts.timestamp_index = -1;
  EXPECT_EQ(engine_->CreateTable("x", no_ts).code(), core::StatusCode::kInvalidArgument);
  TableSchema dup = MixedSchema();
  dup.columns.push_back({"V", ColumnType::kLong});
  EXPECT_EQ(engine_->CreateTable("x", dup).code(), core::StatusCode::kInvalidArgument);
  TableSchema wrong_ts = MixedSchema();
  wrong_ts.timestamp_index = 2;
  EXPECT_EQ(engine_->CreateTable("x", wrong_ts).code(), core::StatusCode::kInvalidArgument);
  EXPECT_FALSE(engine_->HasTable("x"));
}

TEST_F(EngineTest, CommitMakesRowsVisibleAndPinsStayPut) {
  ASSERT_TRUE(engine_->CreateTable("t", MixedSchema()).ok());
  auto before = engine_->Pin("t");
  ASSERT_TRUE(before.ok());
  std::vector<Row> rows;
  {
    auto w = engine_->AcquireWriter("t");
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    for (int i = 0; i < 100; ++i) {
      rows.push_back(MakeRow(kT0 + i * kHour, i));  // spans 5 days
      ASSERT_TRUE(WriteRow(**w, rows.back()).ok());
    }
    EXPECT_EQ((*w)->pending_row_count(), 100);
    EXPECT_EQ(engine_->Pin("t")->row_count(), 0);  // not committed yet
    auto txn = (*w)->Commit();
    ASSERT_TRUE(txn.ok()) << txn.status().ToString();
    EXPECT_GT(*txn, before->txn());
  }
  auto after = engine_->Pin("t");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->row_count(), 100);
  EXPECT_EQ(after->partitions().size(), 5u);
  EXPECT_EQ(after->partitions()[0].dir_name, "2025-11-21");
  EXPECT_EQ(after->min_timestamp_us(), kT0);
  EXPECT_EQ(after->max_timestamp_us(), kT0 + 99 * kHour);
  EXPECT_EQ(ReadRows(*after), rows);
  EXPECT_EQ(before->row_count(), 0);
  EXPECT_TRUE(ReadRows(*before).empty());
}

TEST_F(EngineTest, AppendsToNewestPartitionAcrossCommits) {
  ASSERT_TRUE(engine_->CreateTable("t", MixedSchema()).ok());
  std::vector<Row> rows;
  std::vector<TableView> views;
  auto w = engine_->AcquireWriter("t");
  ASSERT_TRUE(w.ok());
  for (int c = 0; c < 10; ++c) {
    for (int i = 0; i < 7; ++i) {
      int k = c * 7 + i;
      rows.push_back(MakeRow(kT0 + k * kHour / 2, k));
      ASSERT_TRUE(WriteRow(**w, rows.back()).ok());
    }
    ASSERT_TRUE((*w)->Commit().ok());
    views.push_back(*engine_->Pin("t"));
  }
  for (size_t c = 0; c < views.size(); ++c) {
    std::vector<Row> expect(rows.begin(), rows.begin() + (c + 1) * 7);
    EXPECT_EQ(ReadRows(views[c]), expect) << "pin " << c;
  }
  // Appends never created partition versions.
  for (const auto& p : views.back().partitions()) EXPECT_EQ(p.name_txn, 0u);
}

TEST_F(EngineTest, RollbackAndCancelRowDiscard) {
  ASSERT_TRUE(engine_->CreateTable("t", MixedSchema()).ok());
  auto w = engine_->AcquireWriter("t");
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE(WriteRow(**w, MakeRow(kT0, 1)).ok());
  ASSERT_TRUE((*w)->Commit().ok());
  ASSERT_TRUE(WriteRow(**w, MakeRow(kT0 + 1, 2)).ok());
  (*w)->Rollback();
  ASSERT_TRUE((*w)->NewRow(kT0 + 2).ok());
  (*w)->PutVarchar(3, "gone");
  (*w)->CancelRow();
  Row keep = MakeRow(kT0 + 3, 3);
  ASSERT_TRUE(WriteRow(**w, keep).ok());
  ASSERT_TRUE((*w)->Commit().ok());
  EXPECT_EQ(ReadRows(*engine_->Pin("t")), (std::vector<Row>{MakeRow(kT0, 1), keep}));
  EXPECT_EQ((*w)->NewRow(kNullLong).code(), core::StatusCode::kInvalidArgument);
  // As QuestDB: no designated timestamp before the epoch, and a refused row leaves nothing.
  core::Status before = (*w)->NewRow(-1);
  EXPECT_EQ(before.code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(before.message().find("before 1970-01-01"), std::string::npos) << before.ToString();
  ASSERT_TRUE((*w)->Commit().ok());
  EXPECT_EQ(ReadRows(*engine_->Pin("t")), (std::vector<Row>{MakeRow(kT0, 1), keep}));
}

TEST_F(EngineTest, LeaseRollsBackAndIsExclusive) {
  ASSERT_TRUE(engine_->CreateTable("t", MixedSchema()).ok());
  {
    auto w = engine_->AcquireWriter("t");
    ASSERT_TRUE(w.ok());
    auto second = engine_->AcquireWriter("T");
    EXPECT_EQ(second.status().code(), core::StatusCode::kUnavailable);
    EXPECT_NE(second.status().message().find("table busy"), std::string::npos);
    ASSERT_TRUE(WriteRow(**w, MakeRow(kT0, 1)).ok());
  }
  auto w = engine_->AcquireWriter("t");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ((*w)->pending_row_count(), 0);
  EXPECT_EQ(engine_->Pin("t")->row_count(), 0);
}

TEST_F(EngineTest, SymbolsAreSharedAcrossPartitionsAndPinnedByCount) {
  ASSERT_TRUE(engine_->CreateTable("t", MixedSchema()).ok());
  auto w = engine_->AcquireWriter("t");
  ASSERT_TRUE(w.ok());
  for (const char* s : {"a", "b", "a"}) {
    ASSERT_TRUE((*w)->NewRow(kT0).ok());
    (*w)->PutSymbol(1, s);
    ASSERT_TRUE((*w)->EndRow().ok());
  }
  ASSERT_TRUE((*w)->Commit().ok());
  auto v1 = engine_->Pin("t");
  ASSERT_TRUE((*w)->NewRow(kT0 + kDay).ok());
  (*w)->PutSymbol(1, "c");
  ASSERT_TRUE((*w)->EndRow().ok());
  ASSERT_TRUE((*w)->Commit().ok());
  auto v2 = engine_->Pin("t");
  ASSERT_TRUE(v1->Symbols(1).ok());
  ASSERT_TRUE(v2->Symbols(1).ok());
  const SymbolTable* s1 = *v1->Symbols(1);
  const SymbolTable* s2 = *v2->Symbols(1);
  EXPECT_EQ(s1->size(), 2);
  EXPECT_EQ(s2->size(), 3);
  EXPECT_EQ(s1->Find("c"), kNullSymbolKey);
  EXPECT_EQ(s2->Value(s2->Find("c")), "c");
  EXPECT_EQ(s2->Find("a"), 0);
  EXPECT_EQ(v2->Symbols(2).status().code(), core::StatusCode::kInvalidArgument);  // not SYMBOL
  auto keys = v2->Column(0, 1);
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys->values<int32_t>()[2], 0);
  // A rolled back symbol never reaches the dictionary.
  ASSERT_TRUE((*w)->NewRow(kT0 + kDay).ok());
  (*w)->PutSymbol(1, "rolled");
  ASSERT_TRUE((*w)->EndRow().ok());
  (*w)->Rollback();
  ASSERT_TRUE((*w)->NewRow(kT0 + kDay).ok());
  (*w)->PutSymbol(1, "d");
  ASSERT_TRUE((*w)->EndRow().ok());
  ASSERT_TRUE((*w)->Commit().ok());
  auto v3 = engine_->Pin("t");
  EXPECT_EQ((*v3->Symbols(1))->size(), 4);
  EXPECT_EQ((*v3->Symbols(1))->Find("rolled"), kNullSymbolKey);
  EXPECT_EQ((*v3->Symbols(1))->Find("d"), 3);
}

TEST_F(EngineTest, VarcharLayoutMatchesContract) {
  ASSERT_TRUE(engine_->CreateTable("t", MixedSchema()).ok());
  auto w = engine_->AcquireWriter("t");
  ASSERT_TRUE(w.ok());
  std::vector<const char*> values = {"hello", nullptr, "", "world!"};
  for (const char* s : values) {
    ASSERT_TRUE((*w)->NewRow(kT0).ok());
    if (s != nullptr) (*w)->PutVarchar(3, s);
    ASSERT_TRUE((*w)->EndRow().ok());
  }
  ASSERT_TRUE((*w)->Commit().ok());
  auto v = engine_->Pin("t");
  auto col = v->Column(0, 3);
  ASSERT_TRUE(col.ok());
  const uint64_t* idx = col->varchar_index;
  EXPECT_EQ(idx[0], 0u);
  EXPECT_EQ(idx[1], 5u);
  EXPECT_EQ(idx[2], 5u | ColumnData::kNullBit);
  EXPECT_EQ(idx[3], 5u);
  EXPECT_EQ(idx[4], 11u);
  EXPECT_EQ(col->Varchar(0), "hello");
  EXPECT_TRUE(col->IsVarcharNull(1));
  EXPECT_FALSE(col->IsVarcharNull(2));
  EXPECT_EQ(col->Varchar(2), "");
  EXPECT_EQ(col->Varchar(3), "world!");
  auto size = fs_->FileSize(TableDir("t") + "/2025-11-21/s.i");
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, 5u * 8);
}

TEST_F(EngineTest, ReopenKeepsCommittedRowsAndSymbols) {
  ASSERT_TRUE(engine_->CreateTable("t", MixedSchema()).ok());
  std::vector<Row> rows;
  {
    auto w = engine_->AcquireWriter("t");
    ASSERT_TRUE(w.ok());
    for (int i = 0; i < 50; ++i) {
      rows.push_back(MakeRow(kT0 + i * kHour, i));
      ASSERT_TRUE(WriteRow(**w, rows.back()).ok());
    }
    ASSERT_TRUE((*w)->Commit().ok());
    ASSERT_TRUE(WriteRow(**w, MakeRow(kT0 + 100 * kHour, 100)).ok());  // never committed
  }
  uint64_t txn = engine_->Pin("t")->txn();
  Reopen();
  auto v = engine_->Pin("t");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->txn(), txn);
  EXPECT_EQ(ReadRows(*v), rows);
  // The writer continues with the loaded dictionary.
  auto w = engine_->AcquireWriter("t");
  ASSERT_TRUE(w.ok());
  rows.push_back(MakeRow(kT0 + 60 * kHour, 1));  // existing symbol "sym1"
  rows.push_back(MakeRow(kT0 + 61 * kHour, 55));
  rows.back().sym = "brand-new";
  for (size_t i = rows.size() - 2; i < rows.size(); ++i) ASSERT_TRUE(WriteRow(**w, rows[i]).ok());
  ASSERT_TRUE((*w)->Commit().ok());
  auto v2 = engine_->Pin("t");
  EXPECT_EQ(ReadRows(*v2), rows);
  EXPECT_EQ((*v2->Symbols(1))->size(), 6);
}

TEST_F(EngineTest, DropTableKeepsPinnedViewReadable) {
  ASSERT_TRUE(engine_->CreateTable("t", MixedSchema()).ok());
  std::vector<Row> rows;
  {
    auto w = engine_->AcquireWriter("t");
    for (int i = 0; i < 30; ++i) {
      rows.push_back(MakeRow(kT0 + i * kHour, i));
      ASSERT_TRUE(WriteRow(**w, rows.back()).ok());
    }
    ASSERT_TRUE((*w)->Commit().ok());
  }
  auto pinned = engine_->Pin("t");
  ASSERT_TRUE(pinned.ok());
  ASSERT_TRUE(engine_->DropTable("T").ok());
  EXPECT_FALSE(engine_->HasTable("t"));
  EXPECT_FALSE(fs_->Exists(TableDir("t")));
  EXPECT_EQ(engine_->DropTable("t").code(), core::StatusCode::kNotFound);
  EXPECT_EQ(engine_->Pin("t").status().code(), core::StatusCode::kNotFound);
  // Columns first mapped after the drop still read what was pinned.
  EXPECT_EQ(ReadRows(*pinned), rows);
  // Same name again is a new, empty table.
  ASSERT_TRUE(engine_->CreateTable("t", MixedSchema()).ok());
  EXPECT_EQ(engine_->Pin("t")->row_count(), 0);
  EXPECT_EQ(ReadRows(*pinned), rows);
  *pinned = TableView();
  engine_->Purge();
  auto trash = fs_->ListDir(dir_.Sub("db/.trash"));
  ASSERT_TRUE(trash.ok());
  EXPECT_TRUE(trash->empty());
}

TEST_F(EngineTest, RenameTableMovesDirectoryAndKeepsPins) {
  ASSERT_TRUE(engine_->CreateTable("a", MixedSchema()).ok());
  ASSERT_TRUE(engine_->CreateTable("b", MixedSchema()).ok());
  std::vector<Row> rows;
  {
    auto w = engine_->AcquireWriter("a");
    for (int i = 0; i < 10; ++i) {
      rows.push_back(MakeRow(kT0 + i * kHour, i));
      ASSERT_TRUE(WriteRow(**w, rows.back()).ok());
    }
    ASSERT_TRUE((*w)->Commit().ok());
  }
  auto pinned = engine_->Pin("a");
  EXPECT_EQ(engine_->RenameTable("a", "B").code(), core::StatusCode::kAlreadyExists);
  EXPECT_EQ(engine_->RenameTable("nope", "c").code(), core::StatusCode::kNotFound);
  EXPECT_EQ(engine_->RenameTable("a", "c/d").code(), core::StatusCode::kInvalidArgument);
  ASSERT_TRUE(engine_->RenameTable("A", "c").ok());
  EXPECT_FALSE(engine_->HasTable("a"));
  EXPECT_TRUE(fs_->Exists(TableDir("c") + "/_txn"));
  EXPECT_EQ(ReadRows(*pinned), rows);
  EXPECT_EQ(ReadRows(*engine_->Pin("c")), rows);
  EXPECT_EQ(engine_->Pin("c")->table_name(), "c");
  EXPECT_EQ(pinned->table_name(), "a");
  {
    auto w = engine_->AcquireWriter("c");
    ASSERT_TRUE(w.ok());
    EXPECT_EQ((*w)->table_name(), "c");
    rows.push_back(MakeRow(kT0 + 20 * kHour, 20));
    ASSERT_TRUE(WriteRow(**w, rows.back()).ok());
    ASSERT_TRUE((*w)->Commit().ok());
  }
  Reopen();
  EXPECT_EQ(engine_->ListTables(), (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(ReadRows(*engine_->Pin("c")), rows);
}

TEST_F(EngineTest, TableWithoutDesignatedTimestamp) {
  TableSchema s;
  s.columns = {{"n", ColumnType::kLong}, {"s", ColumnType::kVarchar}, {"b", ColumnType::kBoolean},
               {"i", ColumnType::kInt}, {"f", ColumnType::kFloat}, {"c", ColumnType::kChar},
               {"sh", ColumnType::kShort}, {"by", ColumnType::kByte}, {"d", ColumnType::kDate}};
  ASSERT_TRUE(engine_->CreateTable("plain", s).ok());
  auto w = engine_->AcquireWriter("plain");
  ASSERT_TRUE(w.ok());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE((*w)->NewRow(0).ok());
    (*w)->PutLong(0, 10 - i);
    if (i != 1) (*w)->PutBool(2, true);
    if (i != 1) (*w)->PutLong(3, i * 100);
    if (i != 1) (*w)->PutDouble(4, 1.5);
    (*w)->PutChar(5, 'x');
    (*w)->PutLong(6, -3);
    (*w)->PutLong(7, 7);
    ASSERT_TRUE((*w)->EndRow().ok());
    ASSERT_TRUE((*w)->Commit().ok());
  }
  auto v = engine_->Pin("plain");
  ASSERT_EQ(v->partitions().size(), 1u);
  EXPECT_EQ(v->partitions()[0].dir_name, "default");
  EXPECT_EQ(v->row_count(), 3);
  EXPECT_EQ(v->min_timestamp_us(), kNullLong);
  EXPECT_EQ(v->Column(0, 0)->values<int64_t>()[2], 8);
  EXPECT_EQ(v->Column(0, 2)->values<uint8_t>()[1], 0);
  EXPECT_EQ(v->Column(0, 3)->values<int32_t>()[1], kNullInt);
  EXPECT_TRUE(std::isnan(v->Column(0, 4)->values<float>()[1]));
  EXPECT_EQ(v->Column(0, 4)->values<float>()[2], 1.5f);
  EXPECT_EQ(v->Column(0, 5)->values<uint16_t>()[0], 'x');
  EXPECT_EQ(v->Column(0, 6)->values<int16_t>()[0], -3);
  EXPECT_EQ(v->Column(0, 7)->values<int8_t>()[0], 7);
  EXPECT_EQ(v->Column(0, 8)->values<int64_t>()[0], kNullLong);
  EXPECT_TRUE(v->Column(0, 1)->IsVarcharNull(0));
}

TEST_F(EngineTest, BatchAppendMatchesRowApi) {
  ASSERT_TRUE(engine_->CreateTable("t", MixedSchema()).ok());
  auto w = engine_->AcquireWriter("t");
  ASSERT_TRUE(w.ok());
  std::vector<int64_t> ts = {kT0, kT0 + 1, kT0 + kDay};
  std::vector<double> v = {1.0, 2.0, 3.0};
  auto k = (*w)->SymbolKey(1, "x");
  ASSERT_TRUE(k.ok());
  std::vector<int32_t> keys = {*k, kNullSymbolKey, *k};
  std::vector<std::string_view> strs = {"one", std::string_view(), "three"};
  ColumnBatch cols[3];
  cols[0].column_index = 1;
  cols[0].values = keys.data();
  cols[1].column_index = 2;
  cols[1].values = v.data();
  cols[2].column_index = 3;
  cols[2].strings = strs.data();
  ASSERT_TRUE((*w)->AppendBatch(ts.data(), 3, cols, 3).ok());
  EXPECT_EQ((*w)->SymbolKey(2, "x").status().code(), core::StatusCode::kInvalidArgument);
  ColumnBatch bad;
  bad.column_index = 1;
  std::vector<int32_t> bad_keys = {5, 5, 5};
  bad.values = bad_keys.data();
  EXPECT_EQ((*w)->AppendBatch(ts.data(), 3, &bad, 1).code(), core::StatusCode::kInvalidArgument);
  std::vector<int64_t> before_epoch = {kT0, -1, kT0};
  EXPECT_EQ((*w)->AppendBatch(before_epoch.data(), 3, cols, 3).code(), core::StatusCode::kInvalidArgument);
  ASSERT_TRUE((*w)->Commit().ok());
  std::vector<Row> expect = {{kT0, "x", 1.0, "one", kNullLong},
                             {kT0 + 1, "<null>", 2.0, "<null>", kNullLong},
                             {kT0 + kDay, "x", 3.0, "three", kNullLong}};
  EXPECT_EQ(ReadRows(*engine_->Pin("t")), expect);
}

TEST_F(EngineTest, SerializedTxnIsTheTxnFileAndCommittedFilesHaveSizes) {
  ASSERT_TRUE(engine_->CreateTable("t", MixedSchema()).ok());
  {
    auto w = engine_->AcquireWriter("t");
    for (int i = 0; i < 48; ++i) ASSERT_TRUE(WriteRow(**w, MakeRow(kT0 + i * kHour, i)).ok());
    ASSERT_TRUE((*w)->Commit().ok());
  }
  auto v = engine_->Pin("t");
  auto on_disk = fs_->ReadFile(TableDir("t") + "/_txn");
  ASSERT_TRUE(on_disk.ok());
  EXPECT_EQ(v->SerializedTxn(), *on_disk);
  EXPECT_TRUE(ValidateTxnFile(*on_disk).ok());
  auto files = *v->CommittedFiles();
  // 2 partitions x (4 fixed + varchar .d/.i) + sym.sym
  EXPECT_EQ(files.size(), 2u * 6 + 1);
  for (const auto& f : files) {
    auto size = fs_->FileSize(TableDir("t") + "/" + f.relative_path);
    ASSERT_TRUE(size.ok()) << f.relative_path;
    EXPECT_EQ(*size, f.committed_size) << f.relative_path;
  }
  // Later appends do not change what the pin lists.
  {
    auto w = engine_->AcquireWriter("t");
    ASSERT_TRUE(WriteRow(**w, MakeRow(kT0 + 47 * kHour + 1, 99)).ok());
    ASSERT_TRUE((*w)->Commit().ok());
  }
  auto again = *v->CommittedFiles();
  ASSERT_EQ(again.size(), files.size());
  for (size_t i = 0; i < files.size(); ++i) EXPECT_EQ(again[i].committed_size, files[i].committed_size);
}

TEST_F(EngineTest, PinAllPinsEveryTable) {
  ASSERT_TRUE(engine_->CreateTable("a", MixedSchema()).ok());
  ASSERT_TRUE(engine_->CreateTable("b", MixedSchema()).ok());
  auto all = engine_->PinAll({});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 2u);
  auto some = engine_->PinAll({"B"});
  ASSERT_TRUE(some.ok());
  ASSERT_EQ(some->size(), 1u);
  EXPECT_EQ((*some)[0].table_name(), "b");
  EXPECT_EQ(engine_->PinAll({"a", "zz"}).status().code(), core::StatusCode::kNotFound);
}

}  // namespace
}  // namespace sundial::cairo::testing
