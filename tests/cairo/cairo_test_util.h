// tests/cairo/cairo_test_util.h — helpers for storage engine tests: an engine on a temp dir,
// and readers that turn a TableView into plain rows for comparisons.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "cairo/engine.h"
#include "core/file_system.h"
#include "tests/testutil/temp_dir.h"

namespace sundial::cairo::testing {

inline constexpr int64_t kDay = 86'400'000'000LL;
inline constexpr int64_t kHour = 3'600'000'000LL;
inline constexpr int64_t kT0 = 1'763'683'200'000'000LL;  // 2025-11-21T00:00:00Z

// Schema: ts TIMESTAMP (designated), sym SYMBOL, v DOUBLE, s VARCHAR, n LONG; PARTITION BY DAY.
inline TableSchema MixedSchema(PartitionBy by = PartitionBy::kDay) {
  TableSchema s;
  s.columns = {{"ts", ColumnType::kTimestamp},
               {"sym", ColumnType::kSymbol},
               {"v", ColumnType::kDouble},
               {"s", ColumnType::kVarchar},
               {"n", ColumnType::kLong}};
  s.timestamp_index = 0;
  s.partition_by = by;
  return s;
}

// One row of MixedSchema as text (for whole-table comparisons).
struct Row {
  int64_t ts = 0;
  std::string sym;  // "<null>" for null
  double v = 0;
  std::string s;    // "<null>" for null
  int64_t n = 0;
  bool operator==(const Row& o) const {
    return ts == o.ts && sym == o.sym && s == o.s && n == o.n &&
           ((std::isnan(v) && std::isnan(o.v)) || v == o.v);
  }
};

inline std::ostream& operator<<(std::ostream& os, const Row& r) {
  return os << "{" << r.ts << "," << r.sym << "," << r.v << "," << r.s << "," << r.n << "}";
}

// Reads any table whose schema contains MixedSchema's column names (looked up by name; a
// missing column reads as null).
inline std::vector<Row> ReadRows(const TableView& view) {
  std::vector<Row> out;
  const TableSchema& sc = view.schema();
  int cts = sc.FindColumn("ts"), csym = sc.FindColumn("sym"), cv = sc.FindColumn("v"),
      cs = sc.FindColumn("s"), cn = sc.FindColumn("n");
  const SymbolTable* syms = nullptr;
  if (csym >= 0) {
    auto s = view.Symbols(csym);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    if (s.ok()) syms = *s;
  }
  // One buffer per column: a compressed entry's rows are decoded into them.
  DecodedRows decoded[5];
  for (size_t p = 0; p < view.partitions().size(); ++p) {
    int64_t rows = view.partitions()[p].row_count;
    auto get = [&](int c, DecodedRows* buffer) {
      ColumnData d;
      d.is_all_null = true;
      if (c >= 0) {
        auto r = view.ColumnRows(p, c, 0, rows, buffer);
        EXPECT_TRUE(r.ok()) << r.status().ToString();
        if (r.ok()) d = *r;
      }
      return d;
    };
    ColumnData dts = get(cts, &decoded[0]), dsym = get(csym, &decoded[1]),
               dv = get(cv, &decoded[2]), ds = get(cs, &decoded[3]), dn = get(cn, &decoded[4]);
    for (int64_t i = 0; i < rows; ++i) {
      Row r;
      r.ts = dts.is_all_null ? kNullLong : dts.values<int64_t>()[i];
      int32_t k = dsym.is_all_null ? kNullSymbolKey : dsym.values<int32_t>()[i];
      r.sym = k == kNullSymbolKey ? "<null>" : syms == nullptr ? "<error>" : std::string(syms->Value(k));
      r.v = dv.is_all_null ? std::nan("") : dv.values<double>()[i];
      r.s = ds.is_all_null || ds.IsVarcharNull(i) ? "<null>" : std::string(ds.Varchar(i));
      r.n = dn.is_all_null ? kNullLong : dn.values<int64_t>()[i];
      out.push_back(std::move(r));
    }
  }
  return out;
}

// Writes `row` through the row API of a MixedSchema writer ("<null>" strings become nulls).
inline core::Status WriteRow(TableWriter& w, const Row& row) {
  const TableSchema& sc = w.schema();
  RETURN_IF_ERROR(w.NewRow(row.ts));
  int csym = sc.FindColumn("sym"), cv = sc.FindColumn("v"), cs = sc.FindColumn("s"),
      cn = sc.FindColumn("n");
  if (csym >= 0 && row.sym != "<null>") w.PutSymbol(csym, row.sym);
  if (cv >= 0) w.PutDouble(cv, row.v);
  if (cs >= 0 && row.s != "<null>") w.PutVarchar(cs, row.s);
  if (cn >= 0) w.PutLong(cn, row.n);
  return w.EndRow();
}

inline Row MakeRow(int64_t ts, int i) {
  Row r;
  r.ts = ts;
  r.sym = i % 7 == 3 ? "<null>" : "sym" + std::to_string(i % 5);
  r.v = i * 0.5;
  r.s = i % 4 == 1 ? "<null>" : std::string(static_cast<size_t>(i % 9), static_cast<char>('a' + i % 26));
  r.n = i;
  return r;
}

// Stable sort by timestamp (the order the engine keeps rows in).
inline std::vector<Row> SortedByTs(std::vector<Row> rows) {
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.ts < b.ts; });
  return rows;
}

class EngineFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    fds_at_start_ = testutil::CountOpenFds();
    fs_ = core::NewPosixFileSystem();
    Reopen();
  }
  // Every file the engine opened is closed once the engine and the views are gone.
  void TearDown() override {
    engine_.reset();
    EXPECT_EQ(testutil::CountOpenFds(), fds_at_start_) << "file descriptors leaked";
  }
  void Reopen(CommitMode mode = CommitMode::kNoSync) {
    engine_.reset();
    EngineOptions o;
    o.db_root = dir_.Sub("db");
    o.commit_mode = mode;
    o.lock_timeout_ms = 200;
    auto e = Engine::Open(fs_, o);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(*e);
  }
  std::string TableDir(const std::string& t) const { return dir_.Sub("db/" + t); }

  testutil::TempDir dir_;
  std::shared_ptr<core::FileSystem> fs_;
  std::unique_ptr<Engine> engine_;
  int fds_at_start_ = 0;
};

}  // namespace sundial::cairo::testing
