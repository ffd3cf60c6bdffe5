// The one date-pattern implementation (core::DatePattern) as its two users see it: SQL's
// to_timestamp / to_str, and /imp (http::DatePattern is core::DatePattern). Table-driven over
// every letter: the same letters compile, parse and format alike by both ways in.
#include <gtest/gtest.h>

#include "core/date_pattern.h"
#include "tests/sql/sql_test_util.h"

namespace sundial::sql {
namespace {

struct LetterCase {
  const char* pattern;
  const char* text;       // parsed by the pattern
  const char* parsed;     // the timestamp it names
  const char* formatted;  // kFormatAt laid out by the pattern
};

// 2024-03-05T07:08:09.123456Z, a Tuesday, day 65 of a leap year, week 10 (Sunday-based).
constexpr const char* kFormatAt = "2024-03-05T07:08:09.123456Z";

constexpr LetterCase kLetters[] = {
    {"yyyy", "2024", "2024-01-01T00:00:00.000000Z", "2024"},
    {"yy", "24", "2024-01-01T00:00:00.000000Z", "24"},
    {"y", "2024", "2024-01-01T00:00:00.000000Z", "2024"},
    {"yyyy-MM", "2024-03", "2024-03-01T00:00:00.000000Z", "2024-03"},
    {"yyyy-M", "2024-3", "2024-03-01T00:00:00.000000Z", "2024-3"},
    {"MMM yyyy", "Mar 2024", "2024-03-01T00:00:00.000000Z", "Mar 2024"},
    {"MMMM yyyy", "March 2024", "2024-03-01T00:00:00.000000Z", "March 2024"},
    {"yyyy-MM-dd", "2024-03-05", "2024-03-05T00:00:00.000000Z", "2024-03-05"},
    {"yyyy-MM-d", "2024-03-5", "2024-03-05T00:00:00.000000Z", "2024-03-5"},
    {"E yyyy-MM-dd", "Tue 2024-03-05", "2024-03-05T00:00:00.000000Z", "Tue 2024-03-05"},
    {"EE yyyy-MM-dd", "Tuesday 2024-03-05", "2024-03-05T00:00:00.000000Z", "Tuesday 2024-03-05"},
    {"EEE yyyy-MM-dd", "Tue 2024-03-05", "2024-03-05T00:00:00.000000Z", "Tue 2024-03-05"},
    {"EEEE yyyy-MM-dd", "Tuesday 2024-03-05", "2024-03-05T00:00:00.000000Z", "Tuesday 2024-03-05"},
    {"u yyyy-MM-dd", "2 2024-03-05", "2024-03-05T00:00:00.000000Z", "2 2024-03-05"},
    {"D yyyy-MM-dd", "65 2024-03-05", "2024-03-05T00:00:00.000000Z", "65 2024-03-05"},
    {"w yyyy-MM-dd", "10 2024-03-05", "2024-03-05T00:00:00.000000Z", "10 2024-03-05"},
    {"yyyy-MM-dd HH", "2024-03-05 17", "2024-03-05T17:00:00.000000Z", "2024-03-05 07"},
    {"yyyy-MM-dd H", "2024-03-05 7", "2024-03-05T07:00:00.000000Z", "2024-03-05 7"},
    {"yyyy-MM-dd kk", "2024-03-05 24", "2024-03-05T00:00:00.000000Z", "2024-03-05 07"},
    {"yyyy-MM-dd KK a", "2024-03-05 11 PM", "2024-03-05T23:00:00.000000Z", "2024-03-05 07 AM"},
    {"yyyy-MM-dd hh a", "2024-03-05 12 AM", "2024-03-05T00:00:00.000000Z", "2024-03-05 07 AM"},
    {"yyyy-MM-dd h:mm a", "2024-03-05 7:08 PM", "2024-03-05T19:08:00.000000Z", "2024-03-05 7:08 AM"},
    {"yyyy-MM-dd HH:mm", "2024-03-05 07:08", "2024-03-05T07:08:00.000000Z", "2024-03-05 07:08"},
    {"yyyy-MM-dd HH:m", "2024-03-05 07:8", "2024-03-05T07:08:00.000000Z", "2024-03-05 07:8"},
    {"yyyy-MM-dd HH:mm:ss", "2024-03-05 07:08:09", "2024-03-05T07:08:09.000000Z", "2024-03-05 07:08:09"},
    {"yyyy-MM-dd HH:mm:s", "2024-03-05 07:08:9", "2024-03-05T07:08:09.000000Z", "2024-03-05 07:08:9"},
    {"yyyy-MM-dd HH:mm:ss.SSS", "2024-03-05 07:08:09.123", "2024-03-05T07:08:09.123000Z", "2024-03-05 07:08:09.123"},
    {"yyyy-MM-dd HH:mm:ss.S", "2024-03-05 07:08:09.5", "2024-03-05T07:08:09.500000Z", "2024-03-05 07:08:09.123"},
    {"yyyy-MM-dd HH:mm:ss.SSSUUU", "2024-03-05 07:08:09.123456", "2024-03-05T07:08:09.123456Z", "2024-03-05 07:08:09.123456"},
    {"yyyy-MM-dd HH:mm:ss.SSSU", "2024-03-05 07:08:09.1234", "2024-03-05T07:08:09.123400Z", "2024-03-05 07:08:09.123456"},
    {"yyyy-MM-dd HH:mm:ss.SSSUUUNNN", "2024-03-05 07:08:09.123456789", "2024-03-05T07:08:09.123456Z", "2024-03-05 07:08:09.123456000"},
    {"yyyy-MM-dd HH:mm:ss.SSSUUUN", "2024-03-05 07:08:09.1234567", "2024-03-05T07:08:09.123456Z", "2024-03-05 07:08:09.123456000"},
    {"yyyy-MM-dd HH:mmZ", "2024-03-05 07:08+01:00", "2024-03-05T06:08:00.000000Z", "2024-03-05 07:08Z"},
    {"yyyy-MM-dd HH:mm z", "2024-03-05 07:08 UTC", "2024-03-05T07:08:00.000000Z", "2024-03-05 07:08 Z"},
    {"yyyy-MM-dd HH:mm zzz", "2024-03-05 07:08 GMT-02:30", "2024-03-05T09:38:00.000000Z", "2024-03-05 07:08 Z"},
    {"yyyy-MM-dd HH:mm x", "2024-03-05 07:08 +0100", "2024-03-05T06:08:00.000000Z", "2024-03-05 07:08 Z"},
    {"yyyy-MM-ddTHH:mm:ss", "2024-03-05T07:08:09", "2024-03-05T07:08:09.000000Z", "2024-03-05T07:08:09"},
    {"yyyy-MM-dd'T'HH 'o''clock'", "2024-03-05T07 o'clock", "2024-03-05T07:00:00.000000Z", "2024-03-05T07 o'clock"},
    {"dd/MM/yyyy", "05/03/2024", "2024-03-05T00:00:00.000000Z", "05/03/2024"},
};

// Letters neither user accepts.
constexpr const char* kRefused[] = {"G", "W", "Y", "F", "q", "yyyyy", "SS", "SSSSSS", "EEEEE", "aa", "'open"};

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    out.push_back(c);
    if (c == '\'') out.push_back('\'');
  }
  return out + "'";
}

class DatePatternTest : public SqlFixture {};

TEST_F(DatePatternTest, EveryLetterParsesAndFormatsAlikeForImportAndSql) {
  auto at = core::ParseTimestamp(kFormatAt);
  ASSERT_TRUE(at.ok());
  for (const LetterCase& c : kLetters) {
    SCOPED_TRACE(c.pattern);
    // /imp's way in.
    auto p = core::DatePattern::Compile(c.pattern);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    int64_t ts = 0;
    ASSERT_TRUE(p->Parse(c.text, &ts)) << c.text;
    EXPECT_EQ(core::FormatTimestamp(ts), c.parsed);
    std::string formatted;
    p->Format(*at, &formatted);
    EXPECT_EQ(formatted, c.formatted);
    // SQL's way in: the same answers.
    const std::string pat = Quote(c.pattern);
    EXPECT_EQ(Query("select to_timestamp(" + Quote(c.text) + ", " + pat + ") t"),
              std::string("t\n") + c.parsed + "\n");
    EXPECT_EQ(Query("select to_str(cast('" + std::string(kFormatAt) + "' as timestamp), " + pat + ") s"),
              std::string("s\n") + c.formatted + "\n");
  }
}

TEST_F(DatePatternTest, UnknownLettersAreRefusedByBoth) {
  for (const char* bad : kRefused) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(core::DatePattern::Compile(bad).ok());
    const std::string err = Error("select to_timestamp('2024', " + Quote(bad) + ")");
    EXPECT_NE(err, "OK");
    EXPECT_NE(err.find("date pattern"), std::string::npos) << err;
  }
}

}  // namespace
}  // namespace sundial::sql
