// http/csv_import.h — pieces of /imp: multipart/form-data splitting, CSV records (RFC 4180
// quoting, \r\n or \n), delimiter and header detection, column type detection
// (BOOLEAN, INT, LONG, DOUBLE, TIMESTAMP (ISO-8601), VARCHAR), value parsing (with the schema's
// date patterns) and QuestDB's rules for extra values and existing tables. Pure functions,
// thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cairo/column_type.h"
#include "http/date_pattern.h"

namespace sundial::http {

struct MultipartPart {
  std::string name;      // form field name
  std::string filename;  // may be empty
  std::string_view body;
};

// Splits a multipart body; `content_type` carries the boundary. False if malformed.
bool ParseMultipart(std::string_view content_type, std::string_view body,
                    std::vector<MultipartPart>* parts);

// Reads one CSV record starting at *pos; fields are unquoted. Returns false at end of input.
// A record with an unterminated quote ends at end of input and sets *malformed.
bool ReadCsvRecord(std::string_view text, size_t* pos, char delimiter,
                   std::vector<std::string>* fields, bool* malformed);

// Most frequent of , ; \t | in the first line (',' if none).
char DetectDelimiter(std::string_view text);

// The narrowest type that every non-empty value in `values` parses as.
cairo::ColumnType DetectType(const std::vector<std::string_view>& values);

// Parses `v` as `type` (values as the importer stores them). False if it does not parse.
// TIMESTAMP (µs) and DATE (ms) values are read with `pattern` when one is given, else as
// ISO-8601 or a number of µs; an empty value is NULL.
struct ParsedValue {
  bool is_null = false;
  int64_t l = 0;
  double d = 0;
  bool b = false;
  uint8_t stored[32] = {};  // IPv4, UUID, LONG128, LONG256, GEOHASH in their storage layout
};
bool ParseCsvValue(std::string_view v, cairo::ColumnType type, ParsedValue* out,
                   const DatePattern* pattern = nullptr);

// The `schema` part: a JSON array of {"name":..,"type":..,"pattern":..} objects ("pattern"
// optional, other keys ignored).
struct SchemaColumn {
  std::string name;
  std::string type;
  std::string pattern;
};
bool ParseImportSchema(std::string_view json, std::vector<SchemaColumn>* out);

// A record with more values than the header has columns: with skipLev=false (QuestDB's
// default) the extra values are dropped and the row imported; with skipLev=true the row is
// skipped and counted as rejected. True if the record is to be skipped.
bool IsSkippedForExtraValues(size_t field_count, size_t column_count, bool skip_lev);

// /imp into an existing table uses the table's designated timestamp and partitioning; where
// the request asked for something else the reply carries QuestDB's warnings. As QuestDB: a
// requested timestamp differs when its name is not exactly the table's (or the table has
// none); a requested partitioning differs only when it is not NONE.
struct ExistingTableWarnings {
  bool is_timestamp_overridden = false;  // "Existing table timestamp column is used"
  bool is_partition_overridden = false;  // "Existing table PartitionBy is used"
};
ExistingTableWarnings CompareWithExistingTable(std::string_view requested_timestamp,
                                               cairo::PartitionBy requested_partition_by,
                                               std::string_view table_timestamp,
                                               cairo::PartitionBy table_partition_by);

}  // namespace sundial::http
