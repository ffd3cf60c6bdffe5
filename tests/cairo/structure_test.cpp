// Structure changes: add/drop/rename column, drop partition, truncate; each keeps live pins.
#include <gtest/gtest.h>

#include "tests/cairo/cairo_test_util.h"

namespace sundial::cairo::testing {
namespace {

class StructureTest : public EngineFixture {
 protected:
  void SetUp() override {
    EngineFixture::SetUp();
    TableSchema s = MixedSchema();
    s.columns.pop_back();  // without "n"
    ASSERT_TRUE(engine_->CreateTable("t", s).ok());
    auto w = engine_->AcquireWriter("t");
    for (int i = 0; i < 30; ++i) {
      rows_.push_back(MakeRow(kT0 + i * 2 * kHour, i));  // 3 days
      rows_.back().n = kNullLong;
      ASSERT_TRUE(WriteRow(**w, rows_.back()).ok());
    }
    ASSERT_TRUE((*w)->Commit().ok());
  }
  std::vector<Row> rows_;
};

TEST_F(StructureTest, AddColumnReadsNullForOlderRowsThenValues) {
  auto before = engine_->Pin("t");
  ASSERT_TRUE(engine_->AddColumn("t", "n", ColumnType::kLong).ok());
  EXPECT_EQ(engine_->AddColumn("t", "N", ColumnType::kLong).code(), core::StatusCode::kAlreadyExists);
  EXPECT_EQ(engine_->AddColumn("t", "a.b", ColumnType::kLong).code(), core::StatusCode::kInvalidArgument);
  auto v = engine_->Pin("t");
  EXPECT_EQ(v->schema().columns.size(), 5u);
  EXPECT_NE(v->schema().columns[4].file_version, 0u);
  auto col = v->Column(2, 4);
  ASSERT_TRUE(col.ok());
  EXPECT_TRUE(col->is_all_null);
  EXPECT_EQ(ReadRows(*v), rows_);
  // Append into the newest partition (written before the add) and a new one.
  auto w = engine_->AcquireWriter("t");
  Row a = MakeRow(rows_.back().ts + 1, 100), b = MakeRow(kT0 + 5 * kDay, 101);
  ASSERT_TRUE(WriteRow(**w, a).ok());
  ASSERT_TRUE(WriteRow(**w, b).ok());
  ASSERT_TRUE((*w)->Commit().ok());
  rows_.push_back(a);
  rows_.push_back(b);
  auto v2 = engine_->Pin("t");
  EXPECT_EQ(ReadRows(*v2), rows_);
  EXPECT_TRUE(v2->Column(0, 4)->is_all_null);
  EXPECT_FALSE(v2->Column(2, 4)->is_all_null);
  EXPECT_EQ(v2->Column(2, 4)->values<int64_t>()[0], kNullLong);
  // Older pins never see the column.
  EXPECT_EQ(before->schema().columns.size(), 4u);
  EXPECT_EQ(ReadRows(*before).size(), 30u);
  Reopen();
  EXPECT_EQ(ReadRows(*engine_->Pin("t")), rows_);
}

TEST_F(StructureTest, AddVarcharAndSymbolColumnsThenO3) {
  ASSERT_TRUE(engine_->AddColumn("t", "s2", ColumnType::kVarchar).ok());
  ASSERT_TRUE(engine_->AddColumn("t", "k2", ColumnType::kSymbol).ok());
  auto w = engine_->AcquireWriter("t");
  ASSERT_TRUE((*w)->NewRow(rows_.back().ts + 1).ok());
  (*w)->PutVarchar(4, "late");
  (*w)->PutSymbol(5, "kk");
  ASSERT_TRUE((*w)->EndRow().ok());
  ASSERT_TRUE((*w)->NewRow(kT0 + 1).ok());  // out of order, first partition
  (*w)->PutVarchar(4, "early");
  ASSERT_TRUE((*w)->EndRow().ok());
  ASSERT_TRUE((*w)->Commit().ok());
  auto v = engine_->Pin("t");
  size_t last = v->partitions().size() - 1;
  auto s_last = v->Column(last, 4);
  ASSERT_TRUE(s_last.ok());
  int64_t n = v->partitions()[last].row_count;
  EXPECT_TRUE(s_last->IsVarcharNull(0));
  EXPECT_EQ(s_last->Varchar(n - 1), "late");
  auto k_last = v->Column(last, 5);
  EXPECT_EQ(k_last->values<int32_t>()[0], kNullSymbolKey);
  EXPECT_EQ((*v->Symbols(5))->Value(k_last->values<int32_t>()[n - 1]), "kk");
  auto s_first = v->Column(0, 4);  // rewritten by the O3 merge
  ASSERT_TRUE(s_first.ok());
  EXPECT_FALSE(s_first->is_all_null);
  EXPECT_TRUE(s_first->IsVarcharNull(0));
  EXPECT_EQ(s_first->Varchar(1), "early");
  Reopen();
  EXPECT_EQ(engine_->Pin("t")->Column(0, 4)->Varchar(1), "early");
}

TEST_F(StructureTest, WriterAddColumnWithPendingRowsCommitsTogether) {
  auto w = engine_->AcquireWriter("t");
  ASSERT_TRUE((*w)->NewRow(rows_.back().ts + 1).ok());
  ASSERT_TRUE((*w)->EndRow().ok());
  ASSERT_TRUE((*w)->NewRow(rows_.back().ts + 2).ok());
  ASSERT_TRUE((*w)->AddColumn("extra", ColumnType::kInt).ok());
  (*w)->PutLong(4, 42);
  ASSERT_TRUE((*w)->EndRow().ok());
  EXPECT_EQ(engine_->Pin("t")->schema().columns.size(), 4u);  // not yet committed
  ASSERT_TRUE((*w)->Commit().ok());
  auto v = engine_->Pin("t");
  ASSERT_EQ(v->schema().columns.size(), 5u);
  auto col = v->Column(v->partitions().size() - 1, 4);
  int64_t n = v->partitions().back().row_count;
  EXPECT_EQ(col->values<int32_t>()[n - 2], kNullInt);
  EXPECT_EQ(col->values<int32_t>()[n - 1], 42);
  // Rollback drops an uncommitted added column.
  ASSERT_TRUE((*w)->NewRow(rows_.back().ts + 3).ok());
  ASSERT_TRUE((*w)->EndRow().ok());
  ASSERT_TRUE((*w)->AddColumn("gone", ColumnType::kInt).ok());
  (*w)->Rollback();
  EXPECT_EQ((*w)->schema().columns.size(), 5u);
  EXPECT_EQ(engine_->Pin("t")->schema().columns.size(), 5u);
}

TEST_F(StructureTest, DropColumnKeepsPinsAndPurgesFiles) {
  auto before = engine_->Pin("t");
  EXPECT_EQ(engine_->DropColumn("t", "ts").code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(engine_->DropColumn("t", "zz").code(), core::StatusCode::kNotFound);
  ASSERT_TRUE(engine_->DropColumn("t", "S").ok());
  auto v = engine_->Pin("t");
  EXPECT_EQ(v->schema().FindColumn("s"), -1);
  EXPECT_TRUE(fs_->Exists(TableDir("t") + "/2025-11-21/s.d"));  // pinned by `before`
  auto expect = rows_;
  for (auto& r : expect) r.s = "<null>";
  EXPECT_EQ(ReadRows(*v), expect);
  EXPECT_EQ(ReadRows(*before), rows_);
  *before = TableView();
  engine_->Purge();
  EXPECT_FALSE(fs_->Exists(TableDir("t") + "/2025-11-21/s.d"));
  EXPECT_FALSE(fs_->Exists(TableDir("t") + "/2025-11-21/s.i"));
  // Re-adding the name gets fresh files.
  ASSERT_TRUE(engine_->AddColumn("t", "s", ColumnType::kVarchar).ok());
  EXPECT_TRUE(engine_->Pin("t")->Column(0, 3)->is_all_null);
  Reopen();
  EXPECT_EQ(ReadRows(*engine_->Pin("t")), expect);
}

TEST_F(StructureTest, DropSymbolColumnRemovesDictionaryAfterPurge) {
  ASSERT_TRUE(engine_->DropColumn("t", "sym").ok());
  EXPECT_FALSE(fs_->Exists(TableDir("t") + "/sym.sym"));
}

TEST_F(StructureTest, RenameColumnKeepsFiles) {
  auto before = engine_->Pin("t");
  ASSERT_TRUE(engine_->RenameColumn("t", "v", "price").ok());
  EXPECT_EQ(engine_->RenameColumn("t", "price", "sym").code(), core::StatusCode::kAlreadyExists);
  EXPECT_EQ(engine_->RenameColumn("t", "nope", "x").code(), core::StatusCode::kNotFound);
  auto v = engine_->Pin("t");
  int c = v->schema().FindColumn("price");
  ASSERT_EQ(c, 2);
  EXPECT_EQ(v->Column(0, c)->values<double>()[1], rows_[1].v);
  EXPECT_EQ(before->schema().columns[2].name, "v");
  // Writing through the new name appends to the same files.
  auto w = engine_->AcquireWriter("t");
  ASSERT_TRUE((*w)->NewRow(rows_.back().ts + 1).ok());
  (*w)->PutDouble((*w)->schema().FindColumn("price"), 9.5);
  ASSERT_TRUE((*w)->EndRow().ok());
  ASSERT_TRUE((*w)->Commit().ok());
  w = WriterLease();
  Reopen();
  auto v2 = engine_->Pin("t");
  EXPECT_EQ(v2->schema().columns[2].name, "price");
  EXPECT_EQ(v2->Column(2, 2)->values<double>()[v2->partitions()[2].row_count - 1], 9.5);
  EXPECT_EQ(v2->row_count(), 31);
}

TEST_F(StructureTest, DropPartitionsAllOrNothing) {
  auto before = engine_->Pin("t");
  EXPECT_EQ(engine_->DropPartitions("t", {kT0, kT0 + 9 * kDay}).code(), core::StatusCode::kNotFound);
  EXPECT_EQ(engine_->Pin("t")->partitions().size(), 3u);
  ASSERT_TRUE(engine_->DropPartitions("t", {kT0 + kDay}).ok());
  auto v = engine_->Pin("t");
  ASSERT_EQ(v->partitions().size(), 2u);
  std::vector<Row> expect;
  for (const auto& r : rows_) {
    if (r.ts < kT0 + kDay || r.ts >= kT0 + 2 * kDay) expect.push_back(r);
  }
  EXPECT_EQ(ReadRows(*v), expect);
  EXPECT_EQ(ReadRows(*before), rows_);
  // Re-creating the dropped day while it is pinned uses a new version directory.
  auto w = engine_->AcquireWriter("t");
  Row r = MakeRow(kT0 + kDay + 5, 77);
  r.n = kNullLong;  // the table has no "n" column
  ASSERT_TRUE(WriteRow(**w, r).ok());
  ASSERT_TRUE((*w)->Commit().ok());
  w = WriterLease();
  auto v2 = engine_->Pin("t");
  EXPECT_NE(v2->partitions()[1].name_txn, 0u);
  EXPECT_EQ(ReadRows(*before), rows_);
  *before = TableView();
  engine_->Purge();
  EXPECT_FALSE(fs_->Exists(TableDir("t") + "/2025-11-22"));
  expect.insert(expect.begin() + 12, r);
  EXPECT_EQ(ReadRows(*v2), expect);
  Reopen();
  EXPECT_EQ(ReadRows(*engine_->Pin("t")), expect);
}

TEST_F(StructureTest, TruncateEmptiesTableKeepsPins) {
  auto before = engine_->Pin("t");
  ASSERT_TRUE(engine_->Truncate("t").ok());
  auto v = engine_->Pin("t");
  EXPECT_EQ(v->row_count(), 0);
  EXPECT_TRUE(v->partitions().empty());
  EXPECT_EQ(ReadRows(*before), rows_);
  auto w = engine_->AcquireWriter("t");
  Row r = MakeRow(kT0, 1);
  r.n = kNullLong;
  ASSERT_TRUE(WriteRow(**w, r).ok());
  ASSERT_TRUE((*w)->Commit().ok());
  EXPECT_EQ(ReadRows(*engine_->Pin("t")), std::vector<Row>{r});
  EXPECT_EQ(ReadRows(*before), rows_);
  w = WriterLease();
  before = engine_->Pin("t");
  engine_->Purge();
  Reopen();
  EXPECT_EQ(ReadRows(*engine_->Pin("t")), std::vector<Row>{r});
}

TEST_F(StructureTest, StructureChangeWaitsForLease) {
  auto w = engine_->AcquireWriter("t");
  EXPECT_EQ(engine_->Truncate("t").code(), core::StatusCode::kUnavailable);
  EXPECT_EQ(engine_->DropTable("t").code(), core::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace sundial::cairo::testing
