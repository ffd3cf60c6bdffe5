// core/cron.h: syntax and errors, then a property test — random expressions against a
// brute-force minute-by-minute model over a leap year and the next.
#include "core/cron.h"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/timestamp.h"

namespace sundial::core {
namespace {

int64_t Local(int64_t y, int mo, int d, int h = 0, int mi = 0) {
  CivilTime c;
  c.year = y;
  c.month = mo;
  c.day = d;
  c.hour = h;
  c.minute = mi;
  return FromCivil(c);
}

std::string Fmt(int64_t local) { return FormatTimestamp(local); }

int64_t Next(const char* expr, int64_t after) {
  auto c = CronExpression::Parse(expr);
  EXPECT_TRUE(c.ok()) << expr << ": " << c.status().ToString();
  return c.ok() ? c->NextLocalAfter(after) : 0;
}

TEST(CronTest, Examples) {
  const int64_t t = Local(2026, 12, 2, 18, 7);  // a Wednesday
  EXPECT_EQ(Fmt(Next("* * * * *", t)), Fmt(Local(2026, 12, 2, 18, 8)));
  EXPECT_EQ(Fmt(Next("*/15 * * * *", t)), Fmt(Local(2026, 12, 2, 18, 15)));
  EXPECT_EQ(Fmt(Next("30 2 * * *", t)), Fmt(Local(2026, 12, 3, 2, 30)));
  EXPECT_EQ(Fmt(Next("0 0 * * MON-FRI", t)), Fmt(Local(2026, 12, 3)));
  EXPECT_EQ(Fmt(Next("0 0 * * 7", t)), Fmt(Local(2026, 12, 6)));  // 7 = Sunday
  EXPECT_EQ(Fmt(Next("0 0 * * sun", t)), Fmt(Local(2026, 12, 6)));
  EXPECT_EQ(Fmt(Next("0 0 1 jan *", t)), Fmt(Local(2027, 1, 1)));
  EXPECT_EQ(Fmt(Next("@yearly", t)), Fmt(Local(2027, 1, 1)));
  EXPECT_EQ(Fmt(Next("@hourly", t)), Fmt(Local(2026, 12, 2, 19)));
  EXPECT_EQ(Fmt(Next("0 0 29 2 *", t)), Fmt(Local(2028, 2, 29)));
  EXPECT_EQ(Fmt(Next("0 0 31 * *", t)), Fmt(Local(2026, 12, 31)));
  EXPECT_EQ(Fmt(Next("0 0 31 4,6,9,11,12 *", Local(2026, 1, 1))), Fmt(Local(2026, 12, 31)));
  // Either day field matches when both are restricted; a '*'-led one means both must match.
  EXPECT_EQ(Fmt(Next("0 0 25 * FRI", t)), Fmt(Local(2026, 12, 4)));
  EXPECT_EQ(Fmt(Next("0 0 */2 * FRI", t)), Fmt(Local(2026, 12, 11)));  // odd day and a Friday
  EXPECT_EQ(Fmt(Next("10/20 * * * *", t)), Fmt(Local(2026, 12, 2, 18, 10)));
  EXPECT_EQ(Fmt(Next("5-10/2,40 * * * *", Local(2026, 12, 2, 18, 9))),
            Fmt(Local(2026, 12, 2, 18, 40)));
  // Seconds and micros of the start are ignored; the result is strictly later.
  EXPECT_EQ(Fmt(Next("8 18 * * *", t + 59 * kMicrosPerSecond)), Fmt(Local(2026, 12, 2, 18, 8)));
  EXPECT_EQ(Fmt(Next("8 18 * * *", t + 60 * kMicrosPerSecond)), Fmt(Local(2026, 12, 3, 18, 8)));
}

TEST(CronTest, ErrorsNameTheField) {
  struct Case {
    const char* expr;
    const char* want;
  } cases[] = {
      {"", "empty expression"},
      {"* * * *", "expected 5 fields"},
      {"* * * * * *", "expected 5 fields"},
      {"60 * * * *", "minute field '60': 60 is out of range 0-59"},
      {"* 24 * * *", "hour field '24'"},
      {"* * 0 * *", "day-of-month field '0': 0 is out of range 1-31"},
      {"* * 32 * *", "day-of-month field '32'"},
      {"* * * 13 *", "month field '13'"},
      {"* * * FOO *", "month field 'FOO': 'FOO' is not a number or name"},
      {"* * * * 8", "day-of-week field '8'"},
      {"* * * * MONDAY", "day-of-week field 'MONDAY'"},
      {"*/0 * * * *", "minute field '*/0': step must be at least 1"},
      {"*/x * * * *", "step 'x' is not a number"},
      {"5-1 * * * *", "range 5-1 runs backwards"},
      {"1,,2 * * * *", "empty list element"},
      {"a * * * *", "minute field 'a': 'a' is not a number"},
      {"-5 * * * *", "minute field '-5'"},
      {"@often", "unknown macro"},
      {"0 0 30 2 *", "never fires"},
      {"0 0 31 4,6 *", "never fires"},
  };
  for (const auto& c : cases) {
    auto r = CronExpression::Parse(c.expr);
    ASSERT_FALSE(r.ok()) << c.expr;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(c.want), std::string::npos)
        << c.expr << " -> " << r.status().message();
    EXPECT_NE(r.status().message().find("invalid cron expression"), std::string::npos);
  }
  // Feb 30 with a weekday given fires on that weekday (either matches).
  EXPECT_TRUE(CronExpression::Parse("0 0 30 2 MON").ok());
}

// A random field: its text and the set of values it means, built independently of the parser.
struct Field {
  std::string text;
  std::set<int> values;
  bool star = false;
};

Field RandomField(std::mt19937_64& rng, int lo, int hi, const char* const* names, bool weekday) {
  auto pick = [&](int a, int b) { return std::uniform_int_distribution<int>(a, b)(rng); };
  auto text_of = [&](int v) {
    if (names && pick(0, 2) == 0 && !(weekday && v == 7)) {
      int idx = weekday ? (v == 7 ? 0 : v) : v - lo;
      std::string n = names[idx];
      if (pick(0, 1)) n[1] = static_cast<char>(std::tolower(n[1]));
      return n;
    }
    return std::to_string(v);
  };
  auto norm = [&](int v) { return weekday && v == 7 ? 0 : v; };
  Field f;
  const int top = weekday ? 7 : hi;
  const int star_top = weekday ? 6 : hi;
  int parts = pick(1, 3);
  for (int p = 0; p < parts; ++p) {
    if (!f.text.empty()) f.text += ",";
    switch (pick(0, 4)) {
      case 0: {  // '*' alone (only as the whole field) or with a step
        if (parts == 1 && pick(0, 1)) {
          f.text += "*";
          for (int v = lo; v <= star_top; ++v) f.values.insert(v);
          f.star = true;
        } else {
          int step = pick(1, 12);
          f.text += "*/" + std::to_string(step);
          for (int v = lo; v <= star_top; v += step) f.values.insert(v);
          if (p == 0) f.star = true;
        }
        break;
      }
      case 1: {
        int v = pick(lo, top);
        f.text += text_of(v);
        f.values.insert(norm(v));
        break;
      }
      case 2: {
        int a = pick(lo, top), b = pick(a, top);
        f.text += text_of(a) + "-" + text_of(b);
        for (int v = a; v <= b; ++v) f.values.insert(norm(v));
        break;
      }
      case 3: {
        int a = pick(lo, top), b = pick(a, top), step = pick(1, 10);
        f.text += text_of(a) + "-" + text_of(b) + "/" + std::to_string(step);
        for (int v = a; v <= b; v += step) f.values.insert(norm(v));
        break;
      }
      default: {
        int a = pick(lo, top), step = pick(1, 10);
        f.text += std::to_string(a) + "/" + std::to_string(step);
        const int end = std::max(a, star_top);
        for (int v = a; v <= end; v += step) f.values.insert(norm(v));
        break;
      }
    }
  }
  return f;
}

constexpr const char* kMonths[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                   "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr const char* kDays[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

TEST(CronTest, PropertyAgainstMinuteByMinuteModel) {
  std::mt19937_64 rng(20261202);
  const int64_t begin = Local(2028, 1, 1);  // a leap year: Feb 29, months of 30 and 31 days
  const int64_t end = Local(2029, 3, 1);
  int expressions = 0, never = 0;
  while (expressions < 60) {
    Field f[5] = {RandomField(rng, 0, 59, nullptr, false), RandomField(rng, 0, 23, nullptr, false),
                  RandomField(rng, 1, 31, nullptr, false), RandomField(rng, 1, 12, kMonths, false),
                  RandomField(rng, 0, 6, kDays, true)};
    std::string text = f[0].text + " " + f[1].text + " " + f[2].text + " " + f[3].text + " " +
                       f[4].text;
    // The model: membership arrays, walked day by day, minute by minute.
    std::vector<bool> in[5];
    for (int k = 0; k < 5; ++k) {
      in[k].assign(61, false);
      for (int v : f[k].values) in[k][v] = true;
    }
    const bool both = !(f[2].star || f[4].star);
    std::vector<int64_t> fires;
    for (int64_t day = begin; day < end; day += kMicrosPerDay) {
      CivilTime c = ToCivil(day);
      int weekday = DayOfWeek(day) % 7;  // ISO 7 = Sunday → 0
      bool dom = in[2][c.day], dow = in[4][weekday];
      if (!in[3][c.month] || !(both ? (dom || dow) : (dom && dow))) continue;
      for (int h = 0; h < 24; ++h) {
        for (int m = 0; m < 60; ++m) {
          if (in[1][h] && in[0][m]) fires.push_back(day + h * kMicrosPerHour + m * kMicrosPerMinute);
        }
      }
    }
    auto parsed = CronExpression::Parse(text);
    if (!parsed.ok()) {
      // Only an expression that can never fire may be refused; the model agrees for this span.
      EXPECT_NE(parsed.status().message().find("never fires"), std::string::npos) << text;
      EXPECT_TRUE(fires.empty()) << text;
      ++never;
      continue;
    }
    ++expressions;
    const CronExpression& cron = *parsed;
    // Every fire time's successor, and the successor of random instants.
    int64_t prev = begin - kMicrosPerMinute;
    for (int64_t want : fires) {
      ASSERT_EQ(Fmt(cron.NextLocalAfter(prev)), Fmt(want)) << text << " after " << Fmt(prev);
      ASSERT_TRUE(cron.Matches(want)) << text;
      prev = want;
    }
    for (int i = 0; i < 300; ++i) {
      int64_t at = std::uniform_int_distribution<int64_t>(begin, end - 1)(rng);
      auto it = std::upper_bound(fires.begin(), fires.end(), at);
      if (it == fires.end()) continue;
      ASSERT_EQ(Fmt(cron.NextLocalAfter(at)), Fmt(*it)) << text << " after " << Fmt(at);
      int64_t minute = FloorDiv(at, kMicrosPerMinute) * kMicrosPerMinute;
      ASSERT_EQ(cron.Matches(at), std::binary_search(fires.begin(), fires.end(), minute)) << text;
    }
  }
  EXPECT_EQ(expressions, 60);
  (void)never;
}

TEST(CronTest, UtcAcrossDaylightSavingTime) {
  auto berlin = TimeZone::Load("Europe/Berlin");
  if (!berlin.ok()) GTEST_SKIP() << "no tzdata: " << berlin.status().ToString();
  auto at = [](const char* s) { return *ParseTimestamp(s); };
  // 2026-03-29: 02:00 CET → 03:00 CEST. 02:30 does not exist: fires at the gap's end, once.
  auto c = *CronExpression::Parse("30 2 * * *");
  EXPECT_EQ(Fmt(*c.NextUtcAfter(at("2026-03-28T12:00:00Z"), *berlin)), "2026-03-29T01:00:00.000000Z");
  EXPECT_EQ(Fmt(*c.NextUtcAfter(at("2026-03-29T01:00:00Z"), *berlin)), "2026-03-30T00:30:00.000000Z");
  // Every 15 minutes through the gap: 01:45 CET, then 03:00 CEST once (for 02:00..02:45 and 03:00).
  auto q = *CronExpression::Parse("*/15 * * * *");
  EXPECT_EQ(Fmt(*q.NextUtcAfter(at("2026-03-29T00:40:00Z"), *berlin)), "2026-03-29T00:45:00.000000Z");
  EXPECT_EQ(Fmt(*q.NextUtcAfter(at("2026-03-29T00:45:00Z"), *berlin)), "2026-03-29T01:00:00.000000Z");
  EXPECT_EQ(Fmt(*q.NextUtcAfter(at("2026-03-29T01:00:00Z"), *berlin)), "2026-03-29T01:15:00.000000Z");
  // 2026-10-25: 03:00 CEST → 02:00 CET. 02:30 happens twice: fires at the first only.
  EXPECT_EQ(Fmt(*c.NextUtcAfter(at("2026-10-24T12:00:00Z"), *berlin)), "2026-10-25T00:30:00.000000Z");
  EXPECT_EQ(Fmt(*c.NextUtcAfter(at("2026-10-25T00:30:00Z"), *berlin)), "2026-10-26T01:30:00.000000Z");
  // Started inside the second 02:xx hour: the next 02:45 already happened; 03:00 CET is next.
  EXPECT_EQ(Fmt(*q.NextUtcAfter(at("2026-10-25T01:20:00Z"), *berlin)), "2026-10-25T02:00:00.000000Z");
  // UTC: plain.
  EXPECT_EQ(Fmt(*c.NextUtcAfter(at("2026-03-28T12:00:00Z"), TimeZone())), "2026-03-29T02:30:00.000000Z");
}


// NextUtcAfter against a model over every UTC minute of a year: an instant fires if its wall
// time matches and is that wall time's first occurrence, or if the clocks jump forward at it
// and some skipped wall time matches.
TEST(CronTest, UtcPropertyAgainstMinuteByMinuteModel) {
  std::mt19937_64 rng(99);
  for (const char* name : {"Europe/Berlin", "Australia/Lord_Howe", "Pacific/Chatham"}) {
    auto zone = TimeZone::Load(name);
    if (!zone.ok()) GTEST_SKIP() << "no tzdata: " << zone.status().ToString();
    for (const char* expr : {"*/15 * * * *", "30 2 * * *", "0,30 1-3 * * *", "45 2 * * SUN",
                             "*/7 2,3 * 3,4,9,10 *"}) {
      SCOPED_TRACE(std::string(name) + " " + expr);
      auto cron = *CronExpression::Parse(expr);
      const int64_t begin = *ParseTimestamp("2026-01-01T00:00:00Z");
      const int64_t end = *ParseTimestamp("2027-01-01T00:00:00Z");
      std::vector<int64_t> fires;
      for (int64_t u = begin; u < end; u += kMicrosPerMinute) {
        const int64_t before = zone->OffsetSecondsAt(u - 1), now = zone->OffsetSecondsAt(u);
        const int64_t wall = u + now * kMicrosPerSecond;
        bool fire = cron.Matches(wall) &&
                    zone->Resolve(wall).earlier_utc_us == u;
        if (!fire && now > before) {  // a gap ends at u: skipped walls [u + before, u + now)
          for (int64_t w = u + before * kMicrosPerSecond; w < wall && !fire; w += kMicrosPerMinute) {
            fire = cron.Matches(w);
          }
        }
        if (fire) fires.push_back(u);
      }
      ASSERT_FALSE(fires.empty());
      int64_t prev = begin - kMicrosPerMinute;
      for (int64_t want : fires) {
        auto got = cron.NextUtcAfter(prev, *zone);
        ASSERT_TRUE(got.ok());
        ASSERT_EQ(Fmt(*got), Fmt(want)) << "after " << Fmt(prev);
        prev = want;
      }
      for (int i = 0; i < 500; ++i) {
        int64_t at = std::uniform_int_distribution<int64_t>(begin, fires.back() - 1)(rng);
        ASSERT_EQ(Fmt(*cron.NextUtcAfter(at, *zone)),
                  Fmt(*std::upper_bound(fires.begin(), fires.end(), at)))
            << "after " << Fmt(at);
      }
    }
  }
}

}  // namespace
}  // namespace sundial::core
