// Open-time recovery: uncommitted tails, orphan versions and temp files go; damaged or newer
// txn files make the table broken and leave it untouched.
#include <gtest/gtest.h>

#include "cairo/txn_file.h"
#include "tests/cairo/cairo_test_util.h"

namespace sundial::cairo::testing {
namespace {

class RecoveryTest : public EngineFixture {
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
  void Append(const std::string& path, std::string_view bytes) {
    auto f = fs_->Open(path, core::OpenMode::kCreate);
    ASSERT_TRUE(f.ok());
    auto size = (*f)->Size();
    ASSERT_TRUE((*f)->WriteAt(*size, bytes.data(), bytes.size()).ok());
  }
  std::vector<Row> rows_;
};

TEST_F(RecoveryTest, TruncatesTailsAndRemovesOrphans) {
  Fill("t", 30);
  const std::string dir = TableDir("t");
  uint64_t v_size = *fs_->FileSize(dir + "/2025-11-22/v.d");
  uint64_t sym_size = *fs_->FileSize(dir + "/sym.sym");
  Append(dir + "/2025-11-22/v.d", std::string(24, 'x'));
  Append(dir + "/2025-11-22/s.i", std::string(16, 'x'));
  Append(dir + "/sym.sym", std::string(9, 'x'));
  ASSERT_TRUE(fs_->CreateDirs(dir + "/2025-11-21.99").ok());
  Append(dir + "/2025-11-21.99/v.d", "zz");
  Append(dir + "/_txn.tmp", "zz");
  Append(dir + "/2025-11-21/v.d.tmp", "zz");
  Append(dir + "/2025-11-21/dropped.d", "zz");
  ASSERT_TRUE(fs_->CreateDirs(dir_.Sub("db/.trash/old.1.1")).ok());
  Reopen();
  EXPECT_TRUE(engine_->BrokenTables().empty());
  // The older entry's leftovers go with the background tidy (table_recovery.h, RecoveryScope).
  EXPECT_TRUE(fs_->Exists(dir + "/2025-11-21/dropped.d"));
  engine_->Purge();
  EXPECT_EQ(*fs_->FileSize(dir + "/2025-11-22/v.d"), v_size);
  EXPECT_EQ(*fs_->FileSize(dir + "/sym.sym"), sym_size);
  EXPECT_FALSE(fs_->Exists(dir + "/2025-11-21.99"));
  EXPECT_FALSE(fs_->Exists(dir + "/_txn.tmp"));
  EXPECT_FALSE(fs_->Exists(dir + "/2025-11-21/v.d.tmp"));
  EXPECT_FALSE(fs_->Exists(dir + "/2025-11-21/dropped.d"));
  EXPECT_FALSE(fs_->Exists(dir_.Sub("db/.trash")));
  EXPECT_EQ(ReadRows(*engine_->Pin("t")), rows_);
  // And it keeps appending correctly after the truncation.
  auto w = engine_->AcquireWriter("t");
  rows_.push_back(MakeRow(kT0 + 40 * kHour, 40));
  ASSERT_TRUE(WriteRow(**w, rows_.back()).ok());
  ASSERT_TRUE((*w)->Commit().ok());
  EXPECT_EQ(ReadRows(*engine_->Pin("t")), rows_);
}

TEST_F(RecoveryTest, DamagedTxnMakesTableBrokenAndUntouched) {
  Fill("good", 3);
  Fill("bad", 3);
  const std::string txn = TableDir("bad") + "/_txn";
  auto bytes = *fs_->ReadFile(txn);
  bytes[20] ^= 1;
  ASSERT_TRUE(fs_->WriteFileAtomic(txn, bytes, false).ok());
  Append(TableDir("bad") + "/2025-11-21/v.d", "tail");
  uint64_t size = *fs_->FileSize(TableDir("bad") + "/2025-11-21/v.d");
  Reopen();
  EXPECT_EQ(engine_->ListTables(), std::vector<std::string>{"good"});
  auto broken = engine_->BrokenTables();
  ASSERT_EQ(broken.size(), 1u);
  EXPECT_EQ(broken[0].first, "bad");
  EXPECT_EQ(broken[0].second.code(), core::StatusCode::kCorruption);
  EXPECT_EQ(*fs_->FileSize(TableDir("bad") + "/2025-11-21/v.d"), size);
  EXPECT_EQ(engine_->CreateTable("bad", MixedSchema()).code(), core::StatusCode::kAlreadyExists);
  EXPECT_EQ(ValidateTxnFile(bytes).code(), core::StatusCode::kCorruption);
  EXPECT_EQ(ValidateTxnFile(bytes.substr(0, 10)).code(), core::StatusCode::kCorruption);
}

TEST_F(RecoveryTest, NewerFormatIsUnsupportedNamingTheFile) {
  Fill("t", 3);
  const std::string txn = TableDir("t") + "/_txn";
  auto bytes = *fs_->ReadFile(txn);
  bytes[4] = static_cast<char>(kTxnFormatVersion + 1);
  ASSERT_TRUE(fs_->WriteFileAtomic(txn, bytes, false).ok());
  Reopen();
  auto broken = engine_->BrokenTables();
  ASSERT_EQ(broken.size(), 1u);
  EXPECT_EQ(broken[0].second.code(), core::StatusCode::kUnsupported);
  EXPECT_NE(broken[0].second.message().find(txn), std::string::npos);
  EXPECT_EQ(ValidateTxnFile(bytes).code(), core::StatusCode::kUnsupported);
}

// Of the newest entry (an older one's is found when read: StartupCostTest).
TEST_F(RecoveryTest, ShortColumnFileMakesTableBroken) {
  Fill("t", 30);
  auto f = fs_->Open(TableDir("t") + "/2025-11-22/v.d", core::OpenMode::kReadWrite);
  ASSERT_TRUE((*f)->Truncate(8).ok());
  Reopen();
  ASSERT_EQ(engine_->BrokenTables().size(), 1u);
  EXPECT_EQ(engine_->BrokenTables()[0].second.code(), core::StatusCode::kCorruption);
}

TEST_F(RecoveryTest, TxnRoundTrips) {
  TxnRecord r;
  r.table_id = 7;
  r.txn = 42;
  r.schema = MixedSchema();
  for (auto& c : r.schema.columns) r.columns.push_back({c.name, 3, 17});
  PartitionInfo p;
  p.partition_start_us = kT0;
  p.row_count = 5;
  p.min_timestamp_us = kT0 + 1;
  p.max_timestamp_us = kT0 + 9;
  p.name_txn = 40;
  r.partitions.push_back(p);
  std::string bytes = SerializeTxn(r);
  auto back = ParseTxn(bytes, "x");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->txn, 42u);
  EXPECT_EQ(back->partitions[0].dir_name, "2025-11-21.40");
  EXPECT_EQ(SerializeTxn(*back), bytes);
}

}  // namespace
}  // namespace sundial::cairo::testing
