// SAMPLE BY with TIME ZONE and FROM/TO against a naive model: random timestamps across several
// DST transitions, each row's bucket computed from core::TimeZone's offset at that instant with
// civil-calendar arithmetic, and the filled bucket grid found by probing every 15 minutes of
// the range. Seeded; the seed is printed on failure (SUNDIAL_SAMPLE_BY_SEED replays one).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "core/time_zone.h"
#include "core/timestamp.h"
#include "tests/sql/sql_test_util.h"

namespace sundial::sql {
namespace {

constexpr int64_t kMin = core::kMicrosPerMinute;
constexpr int64_t kHour = core::kMicrosPerHour;
constexpr int64_t kDay = core::kMicrosPerDay;

// The model's rule (QuestDB's): sub-day strides floor the wall time of the zone's standard
// offset; day/week/month/year strides floor the wall time at the row's own offset and go back to
// UTC with the offset in force at (floored wall time - the row's offset).
struct Model {
  core::TimeZone zone;
  char unit = 'h';
  int64_t n = 1;
  int64_t offset_us = 0;
  int64_t origin_local = 0;  // the grid's origin in wall time

  bool SubDay() const { return unit != 'd' && unit != 'w' && unit != 'M' && unit != 'y'; }
  int64_t InOffset(int64_t utc) const {
    return (SubDay() ? zone.StandardOffsetSeconds() : zone.OffsetSecondsAt(utc)) *
           core::kMicrosPerSecond;
  }
  static int64_t MonthIndex(int64_t local) {
    core::CivilTime c = core::ToCivil(local);
    return c.year * 12 + (c.month - 1);
  }
  static int64_t MonthStart(int64_t index) {
    int64_t y = core::FloorDiv(index, 12);
    return core::DaysFromCivil(y, static_cast<int>(index - y * 12) + 1, 1) * kDay;
  }
  // Origin from the first row: midnight of its wall-clock day (months: the 1st; years: Jan 1;
  // weeks: Monday 1970-01-05), plus the offset, not after the row.
  void AnchorAtRow(int64_t first_utc) {
    const int64_t local = first_utc + InOffset(first_utc);
    if (unit == 'M' || unit == 'y') {
      int64_t m = MonthIndex(local);
      if (unit == 'y') m -= core::ToCivil(local).month - 1;
      origin_local = MonthStart(m) + offset_us;
      if (origin_local > local) origin_local = MonthStart(m - (unit == 'y' ? 12 : 1)) + offset_us;
    } else if (unit == 'w') {
      origin_local = 4 * kDay + offset_us;
    } else {
      origin_local = core::FloorDiv(local, kDay) * kDay + offset_us;
      if (origin_local > local) origin_local -= kDay;
    }
  }
  int64_t UnitMicros() const {
    switch (unit) {
      case 'm':
        return kMin;
      case 'h':
        return kHour;
      case 'd':
        return kDay;
      case 'w':
        return 7 * kDay;
      default:
        return 0;
    }
  }
  int64_t Bucket(int64_t utc) const {
    const int64_t off = InOffset(utc);
    const int64_t local = utc + off;
    int64_t start;
    if (unit == 'M' || unit == 'y') {
      const int64_t step = unit == 'y' ? 12 * n : n;
      // Months of (local - offset) counted from the origin's month.
      int64_t k = core::FloorDiv(
          MonthIndex(local - offset_us) - MonthIndex(origin_local - offset_us), step);
      start = MonthStart(MonthIndex(origin_local - offset_us) + k * step) + offset_us;
    } else {
      const int64_t size = UnitMicros() * n;
      start = origin_local + core::FloorDiv(local - origin_local, size) * size;
    }
    if (SubDay()) return start - off;
    return start - zone.OffsetSecondsAt(start - off) * core::kMicrosPerSecond;
  }
};

struct Row {
  int64_t ts;
  double v;
};

class SampleByModelTest : public SqlFixture {
 protected:
  uint32_t Seed() {
    if (const char* s = std::getenv("SUNDIAL_SAMPLE_BY_SEED"); s && *s) {
      return static_cast<uint32_t>(std::strtoul(s, nullptr, 10));
    }
    return std::random_device()();
  }
  // Rows at random instants in [lo, lo + span), values small integers.
  std::vector<Row> Fill(std::mt19937& rng, int64_t lo, int64_t span, int count) {
    std::uniform_int_distribution<int64_t> at(0, span - 1);
    std::uniform_int_distribution<int> val(-50, 50);
    std::vector<Row> rows;
    for (int k = 0; k < count; ++k) rows.push_back({lo + at(rng) / kMin * kMin, double(val(rng))});
    std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.ts < b.ts; });
    Exec("TRUNCATE TABLE t");
    std::string ins = "INSERT INTO t VALUES ";
    for (size_t k = 0; k < rows.size(); ++k) {
      ins += (k ? ", (" : "(") + std::to_string(rows[k].ts) + "::timestamp, " +
             std::to_string(static_cast<int>(rows[k].v)) + ".0)";
    }
    Exec(ins);
    return rows;
  }
  // (bucket, sum or NaN for NULL) rows of a `SELECT ts, sum(v) ...` query.
  std::vector<std::pair<int64_t, double>> Run(const std::string& q) {
    std::vector<std::pair<int64_t, double>> out;
    auto r = sql_->Execute(q);
    EXPECT_TRUE(r.ok()) << q << ": " << r.status().ToString();
    if (!r.ok() || !r->rows) return out;
    ResultBlock b;
    for (;;) {
      auto more = r->rows->Next(&b, 1000);
      EXPECT_TRUE(more.ok()) << q << ": " << more.status().ToString();
      if (!more.ok() || !*more) break;
      for (size_t row = 0; row < b.row_count; ++row) {
        double v = b.columns[1].nulls[row] ? NAN : b.columns[1].doubles[row];
        out.emplace_back(b.columns[0].longs[row], v);
      }
    }
    return out;
  }
};

const char* const kZones[] = {"Europe/Berlin", "America/New_York", "Australia/Lord_Howe",
                              "Asia/Kolkata", "Pacific/Chatham"};

struct Stride {
  char unit;
  int64_t n;
};
const Stride kStrides[] = {{'m', 7}, {'m', 30}, {'m', 45}, {'h', 1}, {'h', 2}, {'h', 5},
                           {'d', 1}, {'d', 3},  {'w', 1},  {'M', 1}, {'M', 2}, {'y', 1}};
const char* const kOffsets[] = {"00:00", "00:30", "-01:15", "02:00"};

int64_t OffsetMicros(const std::string& o) {
  int sign = o[0] == '-' ? -1 : 1;
  std::string s = o[0] == '-' || o[0] == '+' ? o.substr(1) : o;
  return sign * (std::stoll(s.substr(0, 2)) * kHour + std::stoll(s.substr(3, 2)) * kMin);
}

TEST_F(SampleByModelTest, TimeZoneBucketsMatchTheModel) {
  const uint32_t seed = Seed();
  SCOPED_TRACE("SUNDIAL_SAMPLE_BY_SEED=" + std::to_string(seed));
  std::mt19937 rng(seed);
  Exec("CREATE TABLE t (ts TIMESTAMP, v DOUBLE) TIMESTAMP(ts) PARTITION BY YEAR");
  // Two years: four or more transitions in every zone with DST.
  const int64_t lo = *core::ParseTimestamp("2021-01-01T00:00:00Z");
  for (int round = 0; round < 24; ++round) {
    const char* zone_name = kZones[rng() % std::size(kZones)];
    const Stride st = kStrides[rng() % std::size(kStrides)];
    const std::string off = kOffsets[rng() % std::size(kOffsets)];
    // Dense rows around transitions for short strides, sparse ones over the years otherwise.
    const int64_t span = st.unit == 'm' || st.unit == 'h' ? 40 * kDay : 730 * kDay;
    const int64_t start =
        st.unit == 'm' || st.unit == 'h' ? lo + static_cast<int64_t>(rng() % 700) * kDay : lo;
    std::vector<Row> rows = Fill(rng, start, span, 300);
    auto tz = core::TimeZone::Load(zone_name);
    ASSERT_TRUE(tz.ok()) << tz.status().ToString();
    Model m{*tz, st.unit, st.n, OffsetMicros(off)};
    m.AnchorAtRow(rows.front().ts);
    std::map<int64_t, double> want;
    for (const Row& r : rows) want[m.Bucket(r.ts)] += r.v;
    const std::string q = "SELECT ts, sum(v) FROM t SAMPLE BY " + std::to_string(st.n) + st.unit +
                          " ALIGN TO CALENDAR TIME ZONE '" + zone_name + "' WITH OFFSET '" + off +
                          "'";
    SCOPED_TRACE(q);
    auto got = Run(q);
    ASSERT_EQ(got.size(), want.size());
    size_t k = 0;
    for (const auto& [b, s] : want) {
      ASSERT_EQ(core::FormatTimestamp(got[k].first), core::FormatTimestamp(b)) << "row " << k;
      ASSERT_DOUBLE_EQ(got[k].second, s) << "row " << k;
      ++k;
    }
  }
}

TEST_F(SampleByModelTest, FromToFillMatchesTheModel) {
  const uint32_t seed = Seed();
  SCOPED_TRACE("SUNDIAL_SAMPLE_BY_SEED=" + std::to_string(seed));
  std::mt19937 rng(seed);
  Exec("CREATE TABLE t (ts TIMESTAMP, v DOUBLE) TIMESTAMP(ts) PARTITION BY MONTH");
  const char* const fills[] = {"NULL", "PREV", "LINEAR", "7.5"};
  const Stride strides[] = {{'m', 45}, {'h', 1}, {'h', 3}, {'d', 1}};
  const int64_t base = *core::ParseTimestamp("2021-03-20T00:00:00Z");  // Berlin DST: 03-28
  for (int round = 0; round < 32; ++round) {
    const bool zoned = rng() % 2;
    const char* zone_name = zoned ? kZones[rng() % 3] : "UTC";
    const Stride st = strides[rng() % std::size(strides)];
    const std::string fill = fills[rng() % std::size(fills)];
    const int64_t span = (st.unit == 'd' ? 20 : 3) * kDay;
    // Rows in the middle of the range; FROM/TO (wall times) may cut into them.
    const int64_t from_local = base + static_cast<int64_t>(rng() % 24) * kDay / 2;
    const int64_t to_local = from_local + span;
    std::vector<Row> rows = Fill(rng, from_local + span / 8, span * 3 / 4, 12);
    auto tz = core::TimeZone::Load(zone_name);
    ASSERT_TRUE(tz.ok());
    const int64_t from_utc = tz->LocalToUtc(from_local), to_utc = tz->LocalToUtc(to_local);
    Model m{*tz, st.unit, st.n, 0};
    // FROM is the origin: its instant for sub-day strides, its wall time for days.
    m.origin_local = m.SubDay() ? from_utc + m.InOffset(0) : from_local;
    // The grid: every bucket an instant of [from, to) falls in.
    std::set<int64_t> grid;
    for (int64_t t = from_utc; t < to_utc; t += 15 * kMin) grid.insert(m.Bucket(t));
    std::map<int64_t, double> sums;
    for (const Row& r : rows) {
      if (r.ts >= from_utc && r.ts < to_utc) sums[m.Bucket(r.ts)] += r.v;
    }
    std::vector<int64_t> b(grid.begin(), grid.end());
    std::vector<double> want(b.size(), NAN);
    for (size_t k = 0; k < b.size(); ++k) {
      auto it = sums.find(b[k]);
      if (it != sums.end()) {
        want[k] = it->second;
      } else if (fill == "7.5") {
        want[k] = 7.5;
      } else if (fill == "PREV") {
        want[k] = k ? want[k - 1] : NAN;
      } else if (fill == "LINEAR") {
        // Between the nearest buckets with rows, by the buckets' start instants.
        auto hi = sums.upper_bound(b[k]);
        if (hi != sums.end() && hi != sums.begin()) {
          auto lo_it = std::prev(hi);
          double f = double(b[k] - lo_it->first) / double(hi->first - lo_it->first);
          want[k] = lo_it->second + (hi->second - lo_it->second) * f;
        }
      }
    }
    char lit_from[64], lit_to[64];
    snprintf(lit_from, sizeof lit_from, "%s", core::FormatTimestamp(from_local).c_str());
    snprintf(lit_to, sizeof lit_to, "%s", core::FormatTimestamp(to_local).c_str());
    std::string q = "SELECT ts, sum(v) FROM t SAMPLE BY " + std::to_string(st.n) + st.unit +
                    " FROM '" + lit_from + "' TO '" + lit_to + "' FILL(" + fill + ")";
    if (zoned) q += std::string(" ALIGN TO CALENDAR TIME ZONE '") + zone_name + "'";
    SCOPED_TRACE(q);
    auto got = Run(q);
    ASSERT_EQ(got.size(), b.size());
    for (size_t k = 0; k < b.size(); ++k) {
      ASSERT_EQ(core::FormatTimestamp(got[k].first), core::FormatTimestamp(b[k])) << "row " << k;
      if (std::isnan(want[k])) {
        ASSERT_TRUE(std::isnan(got[k].second)) << "row " << k << " got " << got[k].second;
      } else {
        ASSERT_NEAR(got[k].second, want[k], 1e-9) << "row " << k;
      }
    }
  }
}

// Keyed SAMPLE BY ... FROM/TO: every key with a row in [FROM, TO) gets every bucket of the
// range, keys in the order of their first row there, each filled from its own rows.
TEST_F(SampleByModelTest, KeyedFromToFillMatchesTheModel) {
  const uint32_t seed = Seed();
  SCOPED_TRACE("SUNDIAL_SAMPLE_BY_SEED=" + std::to_string(seed));
  std::mt19937 rng(seed);
  Exec("CREATE TABLE tk (ts TIMESTAMP, k SYMBOL, v DOUBLE) TIMESTAMP(ts) PARTITION BY DAY");
  const char* const fills[] = {"NULL", "PREV", "7.5"};
  const Stride strides[] = {{'m', 45}, {'h', 1}, {'h', 3}};
  const int64_t base = *core::ParseTimestamp("2021-03-20T00:00:00Z");
  for (int round = 0; round < 24; ++round) {
    const Stride st = strides[rng() % std::size(strides)];
    const std::string fill = fills[rng() % std::size(fills)];
    const int64_t stride = st.n * (st.unit == 'm' ? kMin : kHour);
    const int64_t from = base + static_cast<int64_t>(rng() % 48) * 30 * kMin;
    const int64_t to = from + static_cast<int64_t>(1 + rng() % 30) * kHour;
    // Rows around the range, some before FROM and at or after TO; keys x, y, z (some rounds
    // leave a key out of the range altogether).
    struct KeyedRow {
      int64_t ts;
      std::string k;
      int v;
    };
    std::vector<KeyedRow> rows;
    const int count = static_cast<int>(rng() % 14);
    for (int i = 0; i < count; ++i) {
      const int64_t at = from - 3 * kHour + static_cast<int64_t>(rng() % ((to - from) / kMin + 6 * 60)) * kMin;
      rows.push_back({at, std::string(1, "xyz"[rng() % 3]), static_cast<int>(rng() % 101) - 50});
    }
    std::stable_sort(rows.begin(), rows.end(),
                     [](const KeyedRow& a, const KeyedRow& b) { return a.ts < b.ts; });
    Exec("TRUNCATE TABLE tk");
    if (!rows.empty()) {
      std::string ins = "INSERT INTO tk VALUES ";
      for (size_t i = 0; i < rows.size(); ++i) {
        ins += (i ? ", (" : "(") + std::to_string(rows[i].ts) + "::timestamp, '" + rows[i].k +
               "', " + std::to_string(rows[i].v) + ".0)";
      }
      Exec(ins);
    }
    // The model.
    std::vector<std::string> keys;
    std::map<std::pair<std::string, int64_t>, double> sums;
    for (const KeyedRow& r : rows) {
      if (r.ts < from || r.ts >= to) continue;
      if (std::find(keys.begin(), keys.end(), r.k) == keys.end()) keys.push_back(r.k);
      sums[{r.k, from + (r.ts - from) / stride * stride}] += r.v;
    }
    std::vector<std::tuple<int64_t, std::string, double>> want;
    std::map<std::string, double> prev;
    for (int64_t b = from; b < to; b += stride) {
      for (const std::string& k : keys) {
        double v = NAN;
        if (auto it = sums.find({k, b}); it != sums.end()) {
          v = it->second;
        } else if (fill == "7.5") {
          v = 7.5;
        } else if (fill == "PREV") {
          v = prev.count(k) ? prev[k] : NAN;
        }
        prev[k] = v;
        want.emplace_back(b, k, v);
      }
    }
    const std::string q = "SELECT ts, k, sum(v) FROM tk SAMPLE BY " + std::to_string(st.n) +
                          st.unit + " FROM '" + core::FormatTimestamp(from) + "' TO '" +
                          core::FormatTimestamp(to) + "' FILL(" + fill + ")";
    SCOPED_TRACE(q);
    auto r = sql_->Execute(q);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    std::vector<std::tuple<int64_t, std::string, double>> got;
    ResultBlock blk;
    while (r->rows) {
      auto more = r->rows->Next(&blk, 1000);
      ASSERT_TRUE(more.ok()) << more.status().ToString();
      if (!*more) break;
      for (size_t row = 0; row < blk.row_count; ++row) {
        got.emplace_back(blk.columns[0].longs[row], std::string(blk.columns[1].strings[row]),
                         blk.columns[2].nulls[row] ? NAN : blk.columns[2].doubles[row]);
      }
    }
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      ASSERT_EQ(std::get<0>(got[i]), std::get<0>(want[i])) << "row " << i;
      ASSERT_EQ(std::get<1>(got[i]), std::get<1>(want[i])) << "row " << i;
      const double g = std::get<2>(got[i]), w = std::get<2>(want[i]);
      if (std::isnan(w)) {
        ASSERT_TRUE(std::isnan(g)) << "row " << i << " got " << g;
      } else {
        ASSERT_EQ(g, w) << "row " << i;
      }
    }
  }
}

}  // namespace
}  // namespace sundial::sql
