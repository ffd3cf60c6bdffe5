#include <gtest/gtest.h>

#include "http/csv_import.h"

#include "core/timestamp.h"

namespace sundial::http {
namespace {

using cairo::ColumnType;

TEST(CsvImportTest, RecordsWithQuotesEscapesAndLineEndings) {
  std::string text = "a,\"b,c\",\"say \"\"hi\"\"\"\r\n1,,\"multi\nline\"\nlast";
  size_t pos = 0;
  std::vector<std::string> f;
  bool malformed = false;
  ASSERT_TRUE(ReadCsvRecord(text, &pos, ',', &f, &malformed));
  EXPECT_EQ(f, (std::vector<std::string>{"a", "b,c", "say \"hi\""}));
  ASSERT_TRUE(ReadCsvRecord(text, &pos, ',', &f, &malformed));
  EXPECT_EQ(f, (std::vector<std::string>{"1", "", "multi\nline"}));
  ASSERT_TRUE(ReadCsvRecord(text, &pos, ',', &f, &malformed));
  EXPECT_EQ(f, (std::vector<std::string>{"last"}));
  EXPECT_FALSE(ReadCsvRecord(text, &pos, ',', &f, &malformed));
  pos = 0;
  ASSERT_TRUE(ReadCsvRecord("\"open", &pos, ',', &f, &malformed));
  EXPECT_TRUE(malformed);
}

TEST(CsvImportTest, TypeDetection) {
  EXPECT_EQ(DetectType({"true", "FALSE", ""}), ColumnType::kBoolean);
  EXPECT_EQ(DetectType({"1", "-2", ""}), ColumnType::kInt);
  EXPECT_EQ(DetectType({"1", "9999999999"}), ColumnType::kLong);
  EXPECT_EQ(DetectType({"1", "2.5", "1e3"}), ColumnType::kDouble);
  EXPECT_EQ(DetectType({"2024-01-01T00:00:00.000000Z", "2024-01-02"}), ColumnType::kTimestamp);
  EXPECT_EQ(DetectType({"x", "1"}), ColumnType::kVarchar);
  EXPECT_EQ(DetectType({"", ""}), ColumnType::kVarchar);
  EXPECT_EQ(DetectDelimiter("a;b;c\n1;2;3"), ';');
  EXPECT_EQ(DetectDelimiter("a\tb\n"), '\t');
}

TEST(CsvImportTest, ValueParsing) {
  ParsedValue v;
  ASSERT_TRUE(ParseCsvValue("2024-01-01T00:00:01Z", ColumnType::kTimestamp, &v));
  EXPECT_EQ(v.l, 1704067201000000LL);
  EXPECT_FALSE(ParseCsvValue("abc", ColumnType::kInt, &v));
  EXPECT_FALSE(ParseCsvValue("3000000000", ColumnType::kInt, &v));
  ASSERT_TRUE(ParseCsvValue("", ColumnType::kDouble, &v));
  EXPECT_TRUE(v.is_null);
}

TEST(CsvImportTest, MultipartAndSchema) {
  std::string body =
      "--b1\r\nContent-Disposition: form-data; name=\"schema\"\r\n\r\n"
      "[{\"name\":\"ts\",\"type\":\"TIMESTAMP\",\"pattern\":\"x\"},{\"name\":\"s\",\"type\":\"SYMBOL\"}]"
      "\r\n--b1\r\nContent-Disposition: form-data; name=\"data\"; filename=\"f.csv\"\r\n\r\n"
      "a,b\r\n1,2\r\n\r\n--b1--\r\n";
  std::vector<MultipartPart> parts;
  ASSERT_TRUE(ParseMultipart("multipart/form-data; boundary=b1", body, &parts));
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[1].name, "data");
  EXPECT_EQ(parts[1].filename, "f.csv");
  EXPECT_EQ(parts[1].body, "a,b\r\n1,2\r\n");
  std::vector<SchemaColumn> cols;
  ASSERT_TRUE(ParseImportSchema(parts[0].body, &cols));
  ASSERT_EQ(cols.size(), 2u);
  EXPECT_EQ(cols[0].name, "ts");
  EXPECT_EQ(cols[1].type, "SYMBOL");
  EXPECT_FALSE(ParseMultipart("multipart/form-data; boundary=zz", body, &parts));
}

int64_t Ts(const std::string& iso) {
  auto ts = core::ParseTimestamp(iso);
  EXPECT_TRUE(ts.ok()) << iso;
  return ts.ok() ? *ts : 0;
}

// Parses `text` with `pattern`; INT64_MIN when it does not match.
int64_t ParseWith(std::string_view pattern, std::string_view text) {
  auto p = DatePattern::Compile(pattern);
  EXPECT_TRUE(p.ok()) << pattern << ": " << p.status().ToString();
  int64_t us = 0;
  return p.ok() && p->Parse(text, &us) ? us : INT64_MIN;
}

TEST(DatePatternTest, NumericFieldsLiteralsAndFractions) {
  EXPECT_EQ(ParseWith("dd/MM/yyyy HH:mm", "21/11/2026 10:15"), Ts("2026-11-21T10:15:00Z"));
  EXPECT_EQ(ParseWith("yyyy-MM-dd'T'HH:mm:ss.SSSUUU", "2026-11-21T10:15:30.123456"),
            Ts("2026-11-21T10:15:30.123456Z"));
  // An unquoted T is a literal, as in QuestDB's own examples.
  EXPECT_EQ(ParseWith("yyyy-MM-ddTHH:mm:ss", "2026-11-21T10:15:30"), Ts("2026-11-21T10:15:30Z"));
  EXPECT_EQ(ParseWith("yyyyMMddHHmmss", "20261121101530"), Ts("2026-11-21T10:15:30Z"));
  // One-letter fields: greedy before a literal or the end; S is a fraction of a second.
  EXPECT_EQ(ParseWith("d/M/y H:m:s.S", "1/2/2026 3:4:5.5"), Ts("2026-02-01T03:04:05.500Z"));
  EXPECT_EQ(ParseWith("yy-MM-dd", "26-11-21"), Ts("2026-11-21T00:00:00Z"));
  EXPECT_EQ(ParseWith("HH:mm", "10:15"), Ts("1970-01-01T10:15:00Z"));
  EXPECT_EQ(ParseWith("yyyy-MM-dd HH:mm:ss.SSSUUUNNN", "2026-11-21 10:15:30.123456789"),
            Ts("2026-11-21T10:15:30.123456Z"));
  EXPECT_EQ(ParseWith("'at' HH 'o''clock' yyyy", "at 10 o'clock 2026"),
            Ts("2026-01-01T10:00:00Z"));
}

TEST(DatePatternTest, NamesTwelveHourClockAndOffsets) {
  EXPECT_EQ(ParseWith("MMM d yyyy h:mm a", "Nov 21 2026 1:05 PM"), Ts("2026-11-21T13:05:00Z"));
  EXPECT_EQ(ParseWith("MMM d yyyy h:mm a", "nov 21 2026 12:05 am"), Ts("2026-11-21T00:05:00Z"));
  EXPECT_EQ(ParseWith("MMM d yyyy hh:mm a", "Dec 1 2026 12:00 PM"), Ts("2026-12-01T12:00:00Z"));
  EXPECT_EQ(ParseWith("MMMM d, yyyy", "September 3, 2026"), Ts("2026-09-03T00:00:00Z"));
  EXPECT_EQ(ParseWith("E, dd MMM yyyy HH:mm:ss Z", "Sat, 21 Nov 2026 10:15:30 +01:00"),
            Ts("2026-11-21T09:15:30Z"));
  EXPECT_EQ(ParseWith("yyyy-MM-dd HH:mmZ", "2026-11-21 10:15Z"), Ts("2026-11-21T10:15:00Z"));
  EXPECT_EQ(ParseWith("yyyy-MM-dd HH:mm z", "2026-11-21 10:15 -0530"), Ts("2026-11-21T15:45:00Z"));
  EXPECT_EQ(ParseWith("yyyy-MM-dd HH:mm z", "2026-11-21 10:15 UTC"), Ts("2026-11-21T10:15:00Z"));
  EXPECT_EQ(ParseWith("yyyy-MM-dd HH:mm z", "2026-11-21 10:15 GMT+02"), Ts("2026-11-21T08:15:00Z"));
  EXPECT_EQ(ParseWith("kk:mm", "24:30"), Ts("1970-01-01T00:30:00Z"));
  EXPECT_EQ(ParseWith("K:mm a", "11:30 PM"), Ts("1970-01-01T23:30:00Z"));
}

TEST(DatePatternTest, ValuesThatDoNotMatchOrNameNoRealDateAreRejected) {
  for (const char* bad : {"21/11/2026", "21/11/2026 10:15 ", "2026-11-21 10:15", "32/11/2026 10:15",
                          "29/02/2026 10:15", "21/13/2026 10:15", "21/11/2026 24:00",
                          "21/11/2026 10:60", "aa/11/2026 10:15", ""}) {
    EXPECT_EQ(ParseWith("dd/MM/yyyy HH:mm", bad), INT64_MIN) << bad;
  }
  EXPECT_EQ(ParseWith("dd/MM/yyyy HH:mm", "29/02/2024 10:15"), Ts("2024-02-29T10:15:00Z"));
  EXPECT_EQ(ParseWith("h:mm a", "13:00 PM"), INT64_MIN);
  EXPECT_EQ(ParseWith("h:mm a", "1:00 XM"), INT64_MIN);
  EXPECT_EQ(ParseWith("MMM yyyy", "Foo 2026"), INT64_MIN);
  EXPECT_EQ(ParseWith("HH:mm Z", "10:15 +25:00"), INT64_MIN);
  EXPECT_EQ(ParseWith("y", "999999999"), INT64_MIN);  // out of range, no overflow
  EXPECT_EQ(ParseWith("y", "9999999999"), INT64_MIN);
}

TEST(DatePatternTest, UnknownLettersAndBadQuotesFailToCompile) {
  for (const char* bad : {"yyyy-qq", "yyyyy", "SSSSSS", "G yyyy", "YYYY", "'open", "", "MMMMM"}) {
    auto p = DatePattern::Compile(bad);
    EXPECT_FALSE(p.ok()) << bad;
    if (!p.ok()) {
      EXPECT_EQ(p.status().code(), core::StatusCode::kInvalidArgument);
    }
  }
  auto p = DatePattern::Compile("yyyy-qq");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().message(),
            "unsupported letter in date pattern [letters=qq, pattern=yyyy-qq]");
}

TEST(CsvImportTest, PatternAppliesToTimestampAndDateValues) {
  auto p = DatePattern::Compile("dd/MM/yyyy HH:mm:ss.SSS");
  ASSERT_TRUE(p.ok());
  ParsedValue v;
  ASSERT_TRUE(ParseCsvValue("21/11/2026 10:15:30.250", ColumnType::kTimestamp, &v, &*p));
  EXPECT_EQ(v.l, Ts("2026-11-21T10:15:30.250Z"));
  ASSERT_TRUE(ParseCsvValue("21/11/2026 10:15:30.250", ColumnType::kDate, &v, &*p));
  EXPECT_EQ(v.l, Ts("2026-11-21T10:15:30.250Z") / 1000);
  // With a pattern only the pattern is accepted: a mismatch is an error, never a NULL.
  EXPECT_FALSE(ParseCsvValue("2026-11-21T10:15:30Z", ColumnType::kDate, &v, &*p));
  EXPECT_FALSE(ParseCsvValue("21/11/2026", ColumnType::kTimestamp, &v, &*p));
  ASSERT_TRUE(ParseCsvValue("", ColumnType::kDate, &v, &*p));
  EXPECT_TRUE(v.is_null);
}

TEST(CsvImportTest, SchemaCarriesPatterns) {
  std::vector<SchemaColumn> cols;
  ASSERT_TRUE(ParseImportSchema(
      "[{\"name\":\"ts\",\"type\":\"TIMESTAMP\",\"pattern\":\"dd/MM/yyyy HH:mm\"},"
      "{\"name\":\"v\",\"type\":\"INT\"}]",
      &cols));
  ASSERT_EQ(cols.size(), 2u);
  EXPECT_EQ(cols[0].pattern, "dd/MM/yyyy HH:mm");
  EXPECT_EQ(cols[1].pattern, "");
}

TEST(CsvImportTest, ExtraValuesSkipTheRowOnlyWithSkipLev) {
  EXPECT_FALSE(IsSkippedForExtraValues(3, 2, false));
  EXPECT_TRUE(IsSkippedForExtraValues(3, 2, true));
  EXPECT_FALSE(IsSkippedForExtraValues(2, 2, true));
  EXPECT_FALSE(IsSkippedForExtraValues(1, 2, true));
}

TEST(CsvImportTest, ExistingTableWarningsFollowQuestDb) {
  using cairo::PartitionBy;
  auto w = CompareWithExistingTable("a", PartitionBy::kMonth, "ts", PartitionBy::kDay);
  EXPECT_TRUE(w.is_timestamp_overridden);
  EXPECT_TRUE(w.is_partition_overridden);
  w = CompareWithExistingTable("", PartitionBy::kNone, "ts", PartitionBy::kDay);
  EXPECT_FALSE(w.is_timestamp_overridden);
  EXPECT_FALSE(w.is_partition_overridden);
  w = CompareWithExistingTable("ts", PartitionBy::kDay, "ts", PartitionBy::kDay);
  EXPECT_FALSE(w.is_timestamp_overridden);
  EXPECT_FALSE(w.is_partition_overridden);
  // Names compare exactly; a table without a designated timestamp always differs.
  EXPECT_TRUE(CompareWithExistingTable("TS", PartitionBy::kNone, "ts", PartitionBy::kDay)
                  .is_timestamp_overridden);
  EXPECT_TRUE(CompareWithExistingTable("ts", PartitionBy::kNone, "", PartitionBy::kNone)
                  .is_timestamp_overridden);
  EXPECT_TRUE(CompareWithExistingTable("", PartitionBy::kDay, "", PartitionBy::kNone)
                  .is_partition_overridden);
}

}  // namespace
}  // namespace sundial::http
