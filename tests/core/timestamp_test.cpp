#include "core/timestamp.h"

#include <gtest/gtest.h>

namespace sundial::core {
namespace {

TEST(TimestampTest, FormatsQuestDbStyle) {
  EXPECT_EQ(FormatTimestamp(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(FormatTimestamp(1'700'000'000'123'456), "2023-11-14T22:13:20.123456Z");
  EXPECT_EQ(FormatTimestamp(-1), "1969-12-31T23:59:59.999999Z");
  std::string d;
  AppendDateMillis(&d, 1104796800000);
  EXPECT_EQ(d, "2005-01-04T00:00:00.000Z");
}

TEST(TimestampTest, ParsesEveryPrecision) {
  int64_t unit = 0;
  EXPECT_EQ(ParseTimestamp("2024-01-02", &unit).value(), 1704153600000000);
  EXPECT_EQ(unit, kMicrosPerDay);
  EXPECT_EQ(ParseTimestamp("2024-01-02T10", &unit).value(), 1704153600000000 + 10 * kMicrosPerHour);
  EXPECT_EQ(unit, kMicrosPerHour);
  EXPECT_EQ(ParseTimestamp("2024-01-02T10:00:00.5Z", &unit).value(),
            1704153600000000 + 10 * kMicrosPerHour + 500000);
  EXPECT_EQ(unit, 100000);
  EXPECT_EQ(ParseTimestamp("2024-01-02 10:00:00.123456789").value(),
            1704153600000000 + 10 * kMicrosPerHour + 123456);
  EXPECT_EQ(ParseTimestamp("2024-02", &unit).value(), 1706745600000000);
  EXPECT_EQ(unit, 29 * kMicrosPerDay);
  EXPECT_EQ(ParseTimestamp("2024-01-02T10:00:00+01:00").value(),
            1704153600000000 + 9 * kMicrosPerHour);
}

TEST(TimestampTest, RejectsGarbage) {
  for (const char* s : {"", "abc", "2024-13-01", "2024-02-30", "2024-01-02T25", "2024-01-02x",
                        "2024-01-02T10:00:00.", "20240102"}) {
    EXPECT_FALSE(ParseTimestamp(s).ok()) << s;
  }
}

TEST(TimestampTest, CivilRoundTrip) {
  for (int64_t ts : {int64_t{0}, int64_t{-86400000000}, int64_t{951782400000000},
                     int64_t{4102444800000000}, int64_t{-62135596800000000}}) {
    EXPECT_EQ(FromCivil(ToCivil(ts)), ts);
  }
  EXPECT_EQ(DayOfWeek(0), 4);  // Thursday
}

}  // namespace
}  // namespace sundial::core
