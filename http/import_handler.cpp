// /imp: CSV upload (multipart/form-data with a `data` part and an optional `schema` part),
// QuestDB's parameters and replies. The whole upload is one commit: rows are appended to one
// writer and committed at the end (atomicity=abort rolls back on the first bad value).
#include <strings.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <functional>
#include <optional>

#include "cairo/column_type.h"
#include "core/json.h"
#include "core/log.h"
#include "core/timestamp.h"
#include "http/api.h"
#include "http/csv_import.h"
#include "http/server_metrics.h"

namespace sundial::http {
namespace {

// The name an overwriting import writes under until it replaces `table`: the same name with a
// suffix no other request uses.
std::string ImportStagingName(const std::string& table) {
  static std::atomic<uint64_t> seq{0};
  const uint64_t n = (static_cast<uint64_t>(core::RealtimeMicros()) << 16) ^ seq.fetch_add(1);
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(n));
  // Within the 127-byte limit on names: long names are cut, at a character boundary.
  constexpr size_t kSuffix = 12 + 16;
  size_t keep = std::min(table.size(), size_t{127} - kSuffix);
  while (keep > 0 && keep < table.size() &&
         (static_cast<unsigned char>(table[keep]) & 0xC0) == 0x80)
    --keep;
  return table.substr(0, keep) + "__overwrite_" + hex;
}

constexpr const char* kJson = "application/json; charset=utf-8";
constexpr size_t kAnalysisLines = 1000;

bool IsTrue(const std::string* v) {
  return v != nullptr && (strcasecmp(v->c_str(), "true") == 0 || *v == "1");
}

struct ColumnReport {
  std::string name;
  cairo::ColumnType type;
  const DatePattern* pattern = nullptr;  // from the schema part; TIMESTAMP and DATE only
  int64_t errors = 0;
};

void SendStatus(ResponseWriter& resp, bool json, const std::string& message) {
  if (json) {
    std::string b = "{\"status\":";
    core::JsonAppendString(&b, message);
    b.push_back('}');
    resp.Send(200, kJson, b);
  } else {
    resp.Send(200, "text/plain; charset=utf-8", message + "\r\n");
  }
}

std::string Pad(std::string s, size_t w) {
  if (s.size() < w) s.append(w - s.size(), ' ');
  return s;
}

}  // namespace

void Api::RefuseImport(HttpRequest& req, ResponseWriter& resp, Refusal why) {
  if (why == Refusal::kMethod) {
    const std::string* fmt = req.Param("fmt");
    SendStatus(resp, fmt != nullptr && *fmt == "json", "multipart POST expected");
  } else {
    resp.Send(403, kJson, "{\"status\":\"server is in read-only mode (http.security.readonly)\"}");
  }
}

// The router checked the method and read-only mode (RefuseImport).
void Api::HandleImport(HttpRequest& req, ResponseWriter& resp) {
  const std::string* fmt = req.Param("fmt");
  const bool json = fmt != nullptr && *fmt == "json";
  const std::string* ct = req.Header("content-type");
  std::vector<MultipartPart> parts;
  if (ct == nullptr || !ParseMultipart(*ct, req.body, &parts)) {
    SendStatus(resp, json, "malformed multipart/form-data request");
    return;
  }
  const MultipartPart* data = nullptr;
  const MultipartPart* schema_part = nullptr;
  for (const auto& p : parts) {
    if (p.name == "data") data = &p;
    if (p.name == "schema") schema_part = &p;
  }
  if (data == nullptr) {
    SendStatus(resp, json, "missing 'data' part");
    return;
  }
  std::string table;
  if (const std::string* n = req.Param("name"); n != nullptr && !n->empty()) table = *n;
  if (table.empty()) {
    // As QuestDB: the file name as it is (`fruit.csv`; a table name may hold one '.').
    table = data->filename;
  }
  if (table.empty()) {
    SendStatus(resp, json, "table name missing");
    return;
  }
  if (std::string err = cairo::ValidateTableName(table); !err.empty()) {
    SendStatus(resp, json, err + " [table=" + table + "]");
    return;
  }
  std::vector<SchemaColumn> schema_cols;
  if (schema_part != nullptr && !schema_part->body.empty() &&
      !ParseImportSchema(schema_part->body, &schema_cols)) {
    SendStatus(resp, json, "invalid schema json");
    return;
  }
  // Patterns are compiled before anything is created, so a bad one changes nothing.
  std::vector<std::optional<DatePattern>> schema_patterns(schema_cols.size());
  for (size_t i = 0; i < schema_cols.size(); ++i) {
    if (schema_cols[i].pattern.empty()) continue;
    auto compiled = DatePattern::Compile(schema_cols[i].pattern);
    if (!compiled.ok()) {
      SendStatus(resp, json, compiled.status().message() + " [column=" + schema_cols[i].name + "]");
      return;
    }
    schema_patterns[i] = std::move(*compiled);
  }
  std::string atomicity = req.Param("atomicity") ? *req.Param("atomicity") : "skipCol";
  const bool overwrite = IsTrue(req.Param("overwrite"));
  const bool force_header = IsTrue(req.Param("forceHeader"));
  // skipLev=false (the default): values past the header's column count are dropped and the
  // row imported; true: such a row is skipped and counted as rejected (QuestDB's lexer).
  const bool skip_lev = IsTrue(req.Param("skipLev"));
  std::string_view text = data->body;
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  char delimiter = DetectDelimiter(text);
  if (const std::string* d = req.Param("delimiter"); d != nullptr && d->size() == 1)
    delimiter = (*d)[0];

  // Analyse the first lines: header and types.
  std::vector<std::vector<std::string>> sample;
  size_t pos = 0;
  std::vector<std::string> fields;
  bool malformed = false;
  while (sample.size() < kAnalysisLines + 1 &&
         ReadCsvRecord(text, &pos, delimiter, &fields, &malformed)) {
    if (fields.size() == 1 && fields[0].empty()) continue;  // blank line
    sample.push_back(fields);
  }
  if (sample.empty()) {
    SendStatus(resp, json, "not enough lines [table=" + table + "]");
    return;
  }
  size_t ncols = sample[0].size();
  auto detect = [&](size_t from) {
    std::vector<cairo::ColumnType> types(ncols, cairo::ColumnType::kVarchar);
    for (size_t c = 0; c < ncols; ++c) {
      std::vector<std::string_view> vals;
      for (size_t r = from; r < sample.size(); ++r) {
        if (c < sample[r].size()) vals.push_back(sample[r][c]);
      }
      types[c] = DetectType(vals);
    }
    return types;
  };
  std::vector<cairo::ColumnType> body_types = detect(1);
  bool header = force_header;
  if (!header && sample.size() > 1) {
    // A header when the first line does not fit the types of the rest, or every field of it
    // is text while some column is not.
    std::vector<cairo::ColumnType> first_types = detect(0);
    for (size_t c = 0; c < ncols; ++c) {
      if (first_types[c] != body_types[c]) header = true;
    }
  }
  if (!header) body_types = detect(0);
  std::vector<ColumnReport> cols(ncols);
  for (size_t c = 0; c < ncols; ++c) {
    cols[c].name = header && !sample[0][c].empty() ? sample[0][c] : "f" + std::to_string(c);
    cols[c].type = body_types[c];
    for (size_t i = 0; i < schema_cols.size(); ++i) {
      const SchemaColumn& sc = schema_cols[i];
      if (strcasecmp(sc.name.c_str(), cols[c].name.c_str()) == 0) {
        auto t = cairo::ParseColumnType(sc.type);
        if (!t) {
          SendStatus(resp, json,
                     "invalid type in schema [column=" + sc.name + ", type=" + sc.type + "]");
          return;
        }
        cols[c].type = *t;
        cols[c].pattern = schema_patterns[i] ? &*schema_patterns[i] : nullptr;
      }
    }
    if (std::string err = cairo::ValidateColumnName(cols[c].name); !err.empty()) {
      SendStatus(resp, json, err + " [column=" + cols[c].name + "]");
      return;
    }
    for (size_t k = 0; k < c; ++k) {
      if (strcasecmp(cols[k].name.c_str(), cols[c].name.c_str()) == 0) {
        SendStatus(resp, json, "duplicate column name [column=" + cols[c].name + "]");
        return;
      }
    }
  }
  std::string ts_name = req.Param("timestamp") ? *req.Param("timestamp") : "";
  std::string partition = req.Param("partitionBy") ? *req.Param("partitionBy") : "NONE";
  auto partition_by = cairo::ParsePartitionBy(partition);
  if (!partition_by) {
    SendStatus(resp, json, "invalid partitionBy [value=" + partition + "]");
    return;
  }
  // Into an existing table (and not overwriting it) the table's own designated timestamp and
  // partitioning are used; the reply warns where the request asked for something else.
  const bool is_existing = !overwrite && engine_->HasTable(table);
  int ts_col = -1;
  if (!ts_name.empty()) {
    for (size_t c = 0; c < ncols; ++c) {
      if (strcasecmp(cols[c].name.c_str(), ts_name.c_str()) == 0) ts_col = static_cast<int>(c);
    }
    if (ts_col < 0) {
      SendStatus(resp, json, "invalid timestamp column [column=" + ts_name + "]");
      return;
    }
    if (!is_existing) cols[static_cast<size_t>(ts_col)].type = cairo::ColumnType::kTimestamp;
  } else if (*partition_by != cairo::PartitionBy::kNone && !is_existing) {
    SendStatus(resp, json, "partitioning is possible only on tables with designated timestamps");
    return;
  }

  // overwrite=true on an existing table: the rows go into a new table under another name, which
  // replaces the old one only once they are committed, so an aborted or failed import leaves
  // the old table as it was.
  const bool is_replacing = overwrite && engine_->HasTable(table);
  const std::string write_table = is_replacing ? ImportStagingName(table) : table;
  // Column index in the table for each CSV column.
  std::vector<int> target(ncols, -1);
  bool is_created = false;
  // A table this request created is dropped again if the request ends without committing.
  std::optional<cairo::WriterLease> lease;
  bool is_done = false;
  struct DropUnlessDone {
    std::function<void()> f;
    ~DropUnlessDone() { f(); }
  } drop_unless_done{[&] {
    if (is_done || !is_created) return;
    lease.reset();
    if (auto st = engine_->DropTable(write_table); !st.ok()) {
      core::LogWarn("imp could not drop the table it created [table=" + write_table +
                    ", error=" + st.ToString() + "]");
    }
  }};
  if (!engine_->HasTable(write_table)) {
    if (req.Param("create") && *req.Param("create") == "false") {
      SendStatus(resp, json, "table does not exist [table=" + table + "]");
      return;
    }
    cairo::TableSchema schema;
    for (size_t c = 0; c < ncols; ++c) schema.columns.push_back({cols[c].name, cols[c].type, 0});
    schema.timestamp_index = ts_col;
    schema.partition_by = *partition_by;
    auto st = engine_->CreateTable(write_table, schema);
    if (!st.ok() && st.code() != core::StatusCode::kAlreadyExists) {
      SendStatus(resp, json, "could not create table: " + st.message());
      return;
    }
    is_created = st.ok();
  }
  {
    auto acquired = engine_->AcquireWriter(write_table);
    if (!acquired.ok()) {
      const core::Status& st = acquired.status();
      if (st.code() == core::StatusCode::kUnavailable) resp.AddHeader("Retry-After", "1");
      std::string b = "{\"status\":";
      core::JsonAppendString(&b, st.message());
      b.push_back('}');
      resp.Send(st.code() == core::StatusCode::kUnavailable ? 503 : 200, kJson, b);
      return;
    }
    lease.emplace(std::move(*acquired));
  }
  cairo::TableWriter* w = lease->get();
  const cairo::TableSchema& ts = w->schema();
  for (size_t c = 0; c < ncols; ++c) {
    int idx =
        header ? ts.FindColumn(cols[c].name) : (c < ts.columns.size() ? static_cast<int>(c) : -1);
    if (idx < 0) {
      SendStatus(resp, json,
                 "column not found in table [table=" + table + ", column=" + cols[c].name + "]");
      return;
    }
    target[c] = idx;
    cols[c].type = ts.columns[static_cast<size_t>(idx)].type;
  }
  int table_ts = ts.timestamp_index;
  int ts_csv = -1;
  for (size_t c = 0; c < ncols; ++c) {
    if (target[c] == table_ts) ts_csv = static_cast<int>(c);
  }
  if (table_ts >= 0 && ts_csv < 0) {
    SendStatus(resp, json,
               "designated timestamp column is missing from the file [table=" + table + "]");
    return;
  }
  // What the reply reports: the table's designated timestamp and partitioning. A table this
  // request did not create (it existed, or a concurrent request created it first) is existing.
  const std::string table_ts_name =
      table_ts >= 0 ? ts.columns[static_cast<size_t>(table_ts)].name : std::string();
  const cairo::PartitionBy table_partition_by = ts.partition_by;
  ExistingTableWarnings warnings;
  if (!is_created) {
    warnings = CompareWithExistingTable(ts_name, *partition_by, table_ts_name, table_partition_by);
  }
  const bool is_ts_overridden = warnings.is_timestamp_overridden;
  const bool is_partition_overridden = warnings.is_partition_overridden;

  // Import.
  pos = 0;
  if (header) ReadCsvRecord(text, &pos, delimiter, &fields, &malformed);
  int64_t imported = 0, rejected = 0;
  ParsedValue pv;
  std::vector<ParsedValue> values(ncols);
  std::vector<bool> ok(ncols);
  int64_t line_no = header ? 1 : 0;
  while (ReadCsvRecord(text, &pos, delimiter, &fields, &malformed)) {
    ++line_no;
    if (fields.size() == 1 && fields[0].empty()) continue;
    if (IsSkippedForExtraValues(fields.size(), ncols, skip_lev)) {
      ++rejected;
      continue;
    }
    bool row_bad = malformed;
    bool any_bad = row_bad;
    for (size_t c = 0; c < ncols && !row_bad; ++c) {
      std::string_view v = c < fields.size() ? std::string_view(fields[c]) : std::string_view();
      ok[c] = ParseCsvValue(v, cols[c].type, &values[c], cols[c].pattern);
      if (!ok[c]) {
        ++cols[c].errors;
        any_bad = true;
      }
    }
    if (!row_bad && ts_csv >= 0 &&
        (!ok[static_cast<size_t>(ts_csv)] || values[static_cast<size_t>(ts_csv)].is_null)) {
      row_bad = true;
    }
    if (any_bad && atomicity == "abort") {
      lease.reset();
      SendStatus(resp, json,
                 "import aborted, bad value on line " + std::to_string(line_no) +
                     " [table=" + table + "]");
      return;
    }
    if (row_bad || (any_bad && atomicity == "skipRow")) {
      ++rejected;
      continue;
    }
    int64_t ts_us = ts_csv >= 0 ? values[static_cast<size_t>(ts_csv)].l : 0;
    if (auto st = w->NewRow(ts_us); !st.ok()) {
      ++rejected;
      continue;
    }
    for (size_t c = 0; c < ncols; ++c) {
      if (static_cast<int>(c) == ts_csv) continue;
      int col = target[c];
      const ParsedValue& v = values[c];
      if (!ok[c] || v.is_null) {
        w->PutNull(col);
        continue;
      }
      switch (cols[c].type) {
        case cairo::ColumnType::kBoolean:
          w->PutBool(col, v.b);
          break;
        case cairo::ColumnType::kFloat:
        case cairo::ColumnType::kDouble:
          w->PutDouble(col, v.d);
          break;
        case cairo::ColumnType::kChar:
          w->PutChar(col, static_cast<uint16_t>(v.l));
          break;
        case cairo::ColumnType::kSymbol:
          w->PutSymbol(col, fields[c]);
          break;
        case cairo::ColumnType::kVarchar:
          w->PutVarchar(col, fields[c]);
          break;
        case cairo::ColumnType::kIPv4:
        case cairo::ColumnType::kUuid:
        case cairo::ColumnType::kLong128:
        case cairo::ColumnType::kLong256:
          w->PutFixed(col, v.stored);
          break;
        default:
          if (cairo::IsGeoHash(cols[c].type)) {
            w->PutFixed(col, v.stored);
          } else {
            w->PutLong(col, v.l);
          }
          break;
      }
    }
    if (auto st = w->EndRow(); !st.ok()) {
      w->CancelRow();
      ++rejected;
      continue;
    }
    ++imported;
  }
  auto committed = w->Commit();
  if (!committed.ok()) {
    int status = committed.status().code() == core::StatusCode::kResourceExhausted ? 507 : 200;
    if (status == 507) resp.AddHeader("Retry-After", "5");
    std::string b = "{\"status\":";
    core::JsonAppendString(&b, "commit failed: " + committed.status().message());
    b.push_back('}');
    resp.Send(status, kJson, b);
    return;
  }
  if (metrics_ != nullptr) {
    metrics_->AddIngested(IngestPath::kImport, static_cast<uint64_t>(imported));
    metrics_->AddRejected(IngestPath::kImport, static_cast<uint64_t>(rejected));
  }
  lease.reset();
  if (is_replacing) {
    // The new rows are committed under write_table; the old table goes, the new one takes its
    // name. Should that fail, the imported rows stay under write_table and the reply names it.
    core::Status st = engine_->DropTable(table);
    if (st.ok() || st.code() == core::StatusCode::kNotFound)
      st = engine_->RenameTable(write_table, table);
    if (!st.ok()) {
      is_done = true;
      SendStatus(resp, json,
                 "could not overwrite table, the imported rows are in table " + write_table + ": " +
                     st.message() + " [table=" + table + "]");
      return;
    }
  }
  is_done = true;
  if (json) {
    std::string b = "{\"status\":\"OK\",\"location\":";
    core::JsonAppendString(&b, table);
    b += ",\"rowsRejected\":" + std::to_string(rejected) +
         ",\"rowsImported\":" + std::to_string(imported) +
         ",\"header\":" + (header ? "true" : "false") + ",\"partitionBy\":";
    core::JsonAppendString(&b, cairo::PartitionByName(table_partition_by));
    if (!table_ts_name.empty()) {
      b += ",\"timestamp\":";
      core::JsonAppendString(&b, table_ts_name);
    }
    if (is_ts_overridden || is_partition_overridden) {
      b += ",\"warnings\":[";
      if (is_ts_overridden) b += "\"Existing table timestamp column is used\"";
      if (is_ts_overridden && is_partition_overridden) b.push_back(',');
      if (is_partition_overridden) b += "\"Existing table PartitionBy is used\"";
      b.push_back(']');
    }
    b += ",\"columns\":[";
    for (size_t c = 0; c < ncols; ++c) {
      if (c) b.push_back(',');
      b += "{\"name\":";
      core::JsonAppendString(&b, cols[c].name);
      b += ",\"type\":";
      core::JsonAppendString(&b, cairo::ColumnTypeName(cols[c].type));
      int size = cairo::ColumnTypeSize(cols[c].type);
      b += ",\"size\":" + std::to_string(size) + ",\"errors\":" + std::to_string(cols[c].errors) +
           "}";
    }
    b += "]}";
    resp.Send(200, kJson, b);
    return;
  }
  std::string first =
      "|      Location:  |  " + Pad(table, 44) + "|    Pattern  | Locale  |  Errors  |";
  std::string line = "+" + std::string(first.size() - 2, '-') + "+\r\n";
  std::string t = line;
  t += first + "\r\n";
  // "From Table" (filling the Errors cell) marks a request value the table's own replaced.
  auto from_table = [](bool is_overridden) { return is_overridden ? "From Table" : "          "; };
  t += "|   Partition by  |  " + Pad(std::string(cairo::PartitionByName(table_partition_by)), 44) +
       "|             |         |" + from_table(is_partition_overridden) + "|\r\n";
  t += "|      Timestamp  |  " + Pad(table_ts_name.empty() ? "NONE" : table_ts_name, 44) +
       "|             |         |" + from_table(is_ts_overridden) + "|\r\n";
  t += line;
  t += "|   Rows handled  |  " + Pad(std::to_string(imported + rejected), 44) +
       "|             |         |          |\r\n";
  t += "|  Rows imported  |  " + Pad(std::to_string(imported), 44) +
       "|             |         |          |\r\n";
  t += line;
  for (size_t c = 0; c < ncols; ++c) {
    t += "|  " + Pad(std::to_string(c), 15) + "|  " + Pad(cols[c].name, 28) +
         Pad(std::string(cairo::ColumnTypeName(cols[c].type)), 16) + "|             |         |  " +
         Pad(std::to_string(cols[c].errors), 8) + "|\r\n";
  }
  t += line;
  resp.Send(200, "text/plain; charset=utf-8", t);
}

}  // namespace sundial::http
