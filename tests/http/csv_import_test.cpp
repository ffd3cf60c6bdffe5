#include <gtest/gtest.h>

#include "http/csv_import.h"

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

}  // namespace
}  // namespace sundial::http
