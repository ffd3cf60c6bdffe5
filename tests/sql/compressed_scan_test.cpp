// Queries on compressed partitions read them block by block: what a query decodes (counted
// through TableView::BlocksDecoded, not timed), a damaged block as a Corruption error of the
// query that reads it (and only of those), and random interval queries answering on compressed
// partitions exactly as on raw ones.
#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "cairo/compressed_column.h"
#include "tests/sql/sql_test_util.h"

namespace sundial::sql {
namespace {

constexpr int64_t kSecondUs = 1'000'000;
constexpr int64_t kHourUs = 3600 * kSecondUs;
constexpr int64_t kDayUs = 24 * kHourUs;
constexpr int64_t kStartUs = 1'704'067'200'000'000;  // 2024-01-01
constexpr int64_t kBlockRows = cairo::kCompressedBlockRows;

std::string Ts(int64_t us) { return "'" + core::FormatTimestamp(us) + "'"; }

class CompressedScanTest : public SqlFixture {
 protected:
  // `name`: one row a second for `days` days (86,400 rows a day: 22 blocks per column), every
  // day but the newest compressed; v = row number / 2, n = row number, s = one of 5 symbols.
  void MakeSecondsTable(const std::string& name, int days) {
    Exec("CREATE TABLE " + name +
         " (ts TIMESTAMP, v DOUBLE, n LONG, s SYMBOL) TIMESTAMP(ts) PARTITION BY DAY");
    {
      auto w = engine_->AcquireWriter(name);
      ASSERT_TRUE(w.ok()) << w.status().ToString();
      for (int64_t r = 0; r < days * kDayUs / kSecondUs; ++r) {
        ASSERT_TRUE((*w)->NewRow(kStartUs + r * kSecondUs).ok());
        (*w)->PutDouble(1, static_cast<double>(r) / 2);
        (*w)->PutLong(2, r);
        (*w)->PutSymbol(3, "s" + std::to_string(r % 5));
        ASSERT_TRUE((*w)->EndRow().ok());
      }
      ASSERT_TRUE((*w)->Commit().ok());
    }
    std::vector<int64_t> starts;
    for (int d = 0; d + 1 < days; ++d) starts.push_back(kStartUs + d * kDayUs);
    core::Status st = engine_->ConvertPartitions(name, starts, true);
    ASSERT_TRUE(st.ok()) << st.ToString();
  }
  // Blocks the table's current pinned state has decoded so far.
  size_t BlocksDecoded(const std::string& table) {
    auto v = engine_->Pin(table);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? v->BlocksDecoded() : 0;
  }
};

// Blocks of one column that hold rows [lo, hi) of a day of one row a second.
int64_t BlocksOverlapping(int64_t lo, int64_t hi) {
  return lo >= hi ? 0 : (hi - 1) / kBlockRows - lo / kBlockRows + 1;
}

TEST_F(CompressedScanTest, IntervalQueryDecodesTheBlocksOfItsRowsNotThePartition) {
  MakeSecondsTable("t", 2);
  auto pin = engine_->Pin("t");  // holds the state the queries use
  ASSERT_TRUE(pin.ok());
  ASSERT_TRUE(pin->partitions()[0].is_compressed);
  for (int64_t hours : {1, 2, 5}) {
    const int64_t first_hour = 3 + hours;
    const int64_t lo = first_hour * 3600, hi = (first_hour + hours) * 3600;  // rows of the day
    const std::string where = " WHERE ts >= " + Ts(kStartUs + lo * kSecondUs) + " AND ts < " +
                              Ts(kStartUs + hi * kSecondUs);
    // A scan of three columns: each decodes the blocks holding the rows, plus at most one
    // block of the timestamps per end of the interval to find them (the index's max says which).
    size_t before = BlocksDecoded("t");
    const std::string rows = Query("SELECT ts, v, n FROM t" + where);
    EXPECT_EQ(std::count(rows.begin(), rows.end(), '\n'), hi - lo + 1) << hours << "h";
    EXPECT_NE(
        rows.find("\n" + core::FormatTimestamp(kStartUs + lo * kSecondUs) + "\t" +
                  FormatDouble(static_cast<double>(lo) / 2) + "\t" + std::to_string(lo) + "\n"),
        std::string::npos);
    EXPECT_TRUE(rows.ends_with("\t" + std::to_string(hi - 1) + "\n"));
    const int64_t per_column = BlocksOverlapping(lo, hi);
    const size_t scan = BlocksDecoded("t") - before;
    EXPECT_GE(scan, static_cast<size_t>(3 * per_column)) << hours << "h";
    EXPECT_LE(scan, static_cast<size_t>(3 * per_column + 2)) << hours << "h";
    // The vectorized aggregation likewise, on the two columns it reads.
    before = BlocksDecoded("t");
    EXPECT_EQ(Query("SELECT count() c, max(n) mn FROM t" + where),
              "c\tmn\n" + std::to_string(hi - lo) + "\t" + std::to_string(hi - 1) + "\n");
    const size_t aggregate = BlocksDecoded("t") - before;
    EXPECT_GE(aggregate, static_cast<size_t>(per_column)) << hours << "h";
    EXPECT_LE(aggregate, static_cast<size_t>(per_column + 2)) << hours << "h";
  }
  // The whole compressed day: every block of each column read, the timestamps not searched.
  const size_t before = BlocksDecoded("t");
  EXPECT_EQ(Query("SELECT count() c FROM t WHERE ts IN '2024-01-01' AND n >= 0"), "c\n86400\n");
  EXPECT_EQ(BlocksDecoded("t") - before, static_cast<size_t>(BlocksOverlapping(0, 86400)));
}

TEST_F(CompressedScanTest, QueryWithoutTheColumnDecodesNothingOfIt) {
  MakeSecondsTable("t", 2);
  auto pin = engine_->Pin("t");
  ASSERT_TRUE(pin.ok());
  EXPECT_EQ(Query("SELECT count() c FROM t"), "c\n172800\n");
  EXPECT_EQ(Query("SELECT count() c FROM t WHERE ts IN '2024-01-02'"), "c\n86400\n");
  EXPECT_EQ(BlocksDecoded("t"), 0u);  // the raw newest day holds no blocks
}

// Offset and size of block `b` of a compressed column file (its index, read as a reader would).
std::pair<size_t, size_t> BlockExtent(const std::string& file, size_t b) {
  auto reader = cairo::CompressedColumnReader::Open(file, cairo::ColumnType::kDouble, "v.z");
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  size_t offset = 16;  // the file header (FORMAT.md "Compressed column files")
  for (size_t k = 0; k < b; ++k) offset += reader->block_size_bytes(k);
  return {offset, reader->block_size_bytes(b)};
}

TEST_F(CompressedScanTest, DamagedBlockFailsTheQueriesThatReadItOnly) {
  MakeSecondsTable("t", 2);
  std::string dir;
  {
    auto pin = engine_->Pin("t");
    ASSERT_TRUE(pin.ok());
    dir = pin->partitions()[0].dir_name;
  }
  const std::string path = root_ + "/db/t/" + dir + "/v.z";
  auto bytes = fs_->ReadFile(path);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  constexpr size_t kDamaged = 7;  // rows 28,672 .. 32,767: hour 8 of the day
  auto [offset, size] = BlockExtent(*bytes, kDamaged);
  std::string damaged = *bytes;
  damaged[offset + size / 2] ^= 0x21;
  ASSERT_TRUE(fs_->WriteFileAtomic(path, damaged, false).ok());
  Reopen();
  for (const std::string q :
       {"SELECT sum(v) FROM t", "SELECT ts, v FROM t WHERE ts IN '2024-01-01T08'",
        "SELECT s, avg(v) FROM t WHERE ts IN '2024-01-01' SAMPLE BY 1h",
        "SELECT max(v) FROM t WHERE v > 1.5 AND ts IN '2024-01-01T08'",
        "SELECT sum(v) FROM t WHERE n % 2 = 0", "SELECT count(v) FROM (SELECT v FROM t)"}) {
    const std::string e = Error(q);
    EXPECT_NE(e.find("table=t"), std::string::npos) << q << ": " << e;
    EXPECT_NE(e.find(dir + "/v.z"), std::string::npos) << q << ": " << e;
    EXPECT_NE(e.find("block 7 checksum mismatch"), std::string::npos) << q << ": " << e;
  }
  // Rows in other blocks, and other columns of the damaged rows, still read.
  EXPECT_EQ(Query("SELECT count() c, sum(v) sv FROM t WHERE ts IN '2024-01-01T02'"),
            "c\tsv\n3600\t" + FormatDouble(static_cast<double>((7200 + 10799) * 3600) / 4) + "\n");
  EXPECT_EQ(Query("SELECT count() c, max(n) mn FROM t WHERE ts IN '2024-01-01T08'"),
            "c\tmn\n3600\t32399\n");
  EXPECT_EQ(Query("SELECT sum(v) FROM t WHERE ts IN '2024-01-02'"),
            "sum\n" + FormatDouble(static_cast<double>(int64_t{86400 + 172799} * 86400) / 4) + "\n");
}

// Random rows of every type with a compressed layout (nulls included), in `r` as written and
// in `z` with every partition but the newest compressed; random interval queries must give the
// same text on both.
TEST_F(CompressedScanTest, RandomIntervalQueriesAnswerAsOnRawPartitions) {
  const std::string cols =
      " (ts TIMESTAMP, sym SYMBOL, d DOUBLE, f FLOAT, l LONG, i INT, sh SHORT, b BYTE, "
      "bo BOOLEAN, c CHAR, dt DATE, x VARCHAR) TIMESTAMP(ts) PARTITION BY DAY";
  Exec("CREATE TABLE r" + cols);
  Exec("CREATE TABLE z" + cols);
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  const int days = 4;
  // Timestamps ascend with repeats and gaps; a partition holds a few blocks.
  std::vector<int64_t> ts;
  for (int64_t t = kStartUs; t < kStartUs + days * kDayUs;) {
    ts.push_back(t);
    const uint64_t step = rng() % 8;
    t += step == 0 ? 0 : static_cast<int64_t>(rng() % 20) * kSecondUs;
  }
  for (const std::string table : {"r", "z"}) {
    std::mt19937_64 values(seed + 1);  // the same values in both tables
    auto w = engine_->AcquireWriter(table);
    ASSERT_TRUE(w.ok());
    for (int64_t t : ts) {
      ASSERT_TRUE((*w)->NewRow(t).ok());
      const bool null = values() % 9 == 0;
      if (!null) (*w)->PutSymbol(1, "k" + std::to_string(values() % 13));
      // Quarters: sums are exact whatever order the aggregation's workers add them in.
      if (!null || values() % 2) (*w)->PutDouble(2, static_cast<double>(values() % 2000) / 4);
      if (!null) (*w)->PutDouble(3, static_cast<double>(values() % 300) / 4);
      if (!null) (*w)->PutLong(4, static_cast<int64_t>(values() % 1'000'000) - 500'000);
      if (!null) (*w)->PutLong(5, static_cast<int64_t>(values() % 1000) - 500);
      (*w)->PutLong(6, static_cast<int64_t>(values() % 60000) - 30000);
      (*w)->PutLong(7, static_cast<int64_t>(values() % 256) - 128);
      (*w)->PutBool(8, values() % 3 == 0);
      if (!null) (*w)->PutChar(9, static_cast<uint16_t>('a' + values() % 26));
      if (!null) (*w)->PutLong(10, (t / 1000) - static_cast<int64_t>(values() % 100000));
      if (!null || values() % 2) {
        (*w)->PutVarchar(11, std::string(values() % 12, static_cast<char>('a' + values() % 26)));
      }
      ASSERT_TRUE((*w)->EndRow().ok());
    }
    ASSERT_TRUE((*w)->Commit().ok());
  }
  std::vector<int64_t> starts;
  for (int d = 0; d + 1 < days; ++d) starts.push_back(kStartUs + d * kDayUs);
  ASSERT_TRUE(engine_->ConvertPartitions("z", starts, true).ok());
  const auto random_ts = [&] {
    return kStartUs - kHourUs +
           static_cast<int64_t>(rng() % static_cast<uint64_t>(days * kDayUs + 2 * kHourUs));
  };
  const char* const shapes[] = {
      "SELECT * FROM {t} WHERE {w}",
      "SELECT count() c, sum(d) sd, min(l) ml, max(i) mi, avg(d) ad FROM {t} WHERE {w}",
      "SELECT sym, count() c, sum(l) sl, max(d) md FROM {t} WHERE {w}",
      "SELECT ts, sym, avg(d) a FROM {t} WHERE {w} SAMPLE BY 1h",
      "SELECT * FROM {t} WHERE {w} LATEST ON ts PARTITION BY sym",
      "SELECT count() c FROM {t} WHERE {w} AND d > 10",
      "SELECT x, c, sh, b, bo, f, dt FROM {t} WHERE {w} AND (l > 0 OR x = 'bbb')",
      "SELECT * FROM {t} WHERE {w} ORDER BY ts DESC LIMIT 7",
  };
  for (int q = 0; q < 60; ++q) {
    int64_t a = random_ts(), b = random_ts();
    if (a > b) std::swap(a, b);
    std::string w = "ts BETWEEN " + Ts(a) + " AND " + Ts(b);
    if (q % 4 == 1) w = "ts >= " + Ts(a);
    if (q % 4 == 2) w = "ts < " + Ts(b);
    if (q % 4 == 3) w = "ts IN '" + core::FormatTimestamp(a).substr(0, 13) + "'";  // an hour
    std::string shape = shapes[q % std::size(shapes)];
    const auto with = [&](const std::string& table) {
      std::string s = shape;
      s.replace(s.find("{t}"), 3, table);
      s.replace(s.find("{w}"), 3, w);
      return s;
    };
    const std::string raw = Query(with("r"));
    ASSERT_EQ(raw.rfind("ERROR", 0), std::string::npos) << with("r") << ": " << raw;
    ASSERT_EQ(Query(with("z")), raw) << with("z");
  }
}

}  // namespace
}  // namespace sundial::sql
