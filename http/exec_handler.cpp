// /exec (JSON) and /exp (CSV): run one statement and stream its rows.
#include <charconv>
#include <cmath>
#include <cstring>

#include "core/json.h"
#include "core/log.h"
#include "core/number_format.h"
#include "core/timestamp.h"
#include "core/utf8.h"
#include "http/api.h"
#include "http/server_metrics.h"
#include "sql/lexer.h"

namespace sundial::http {
namespace {

using cairo::ColumnType;
constexpr const char* kJson = "application/json; charset=utf-8";
constexpr size_t kBlockRows = 4096;

struct RowRange {
  int64_t skip = 0;                 // rows to skip
  int64_t stop = INT64_MAX;         // index after the last row to send
  bool from_end = false;            // /exp limit=-N: the last N rows
  int64_t last_n = 0;
};

// limit=N, limit=lo,hi (1-based inclusive), /exp also limit=-N. Unparsable values are ignored.
RowRange ParseLimit(const std::string* limit, bool allow_from_end) {
  RowRange r;
  if (limit == nullptr || limit->empty()) return r;
  std::string_view v(*limit);
  auto parse = [](std::string_view s, int64_t* out) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    auto res = std::from_chars(s.data(), s.data() + s.size(), *out);
    return !s.empty() && res.ec == std::errc() && res.ptr == s.data() + s.size();
  };
  size_t comma = v.find(',');
  if (comma == std::string_view::npos) {
    int64_t n = 0;
    if (!parse(v, &n)) return r;
    if (n < 0 && allow_from_end) {
      r.from_end = true;
      r.last_n = n == INT64_MIN ? INT64_MAX : -n;
      return r;
    }
    r.stop = std::max<int64_t>(0, n);
    return r;
  }
  int64_t lo = 0, hi = 0;
  if (!parse(v.substr(0, comma), &lo) || !parse(v.substr(comma + 1), &hi)) return r;
  lo = std::max<int64_t>(0, lo);
  hi = std::max<int64_t>(0, hi);
  r.skip = lo > 0 ? lo - 1 : 0;
  r.stop = std::max(hi, r.skip);
  return r;
}

// http.security.max.response.rows: at most `max_rows` rows from the first one sent (QuestDB
// cuts the range the same way: `stop = skip + max` when the range is longer).
void CapRows(RowRange* r, int64_t max_rows) {
  if (r->stop - r->skip > max_rows) r->stop = r->skip + max_rows;
}

bool IsTrue(const std::string* v) { return v != nullptr && (*v == "true" || *v == "1"); }

// quote_long: /exec?quoteLargeNum=true (QuestDB's; JavaScript clients lose precision on LONG
// values past 2^53, so the web console asks for them as strings).
void AppendJsonValue(std::string* out, const sql::ResultVector& v, size_t row, bool quote_long) {
  bool is_null = !v.nulls.empty() && v.nulls[row] != 0;
  if (v.type == ColumnType::kBinary) {  // as QuestDB: `[]`, the contents are not sent
    out->append("[]");
    return;
  }
  if (cairo::IsGeoHash(v.type)) {  // its text (base32 or bits), as QuestDB
    if (is_null) {
      out->append("null");
    } else {
      core::JsonAppendString(out, v.strings[row]);
    }
    return;
  }
  switch (v.type) {
    case ColumnType::kBoolean:
      out->append(!is_null && v.longs[row] != 0 ? "true" : "false");
      return;
    case ColumnType::kByte:
    case ColumnType::kShort:
      core::JsonAppendInt(out, is_null ? 0 : v.longs[row]);
      return;
    case ColumnType::kChar: {
      if (is_null || v.longs[row] == 0) {
        out->append("\"\"");
        return;
      }
      std::string s;
      core::AppendUtf8(static_cast<uint32_t>(v.longs[row] & 0xffff), &s);
      core::JsonAppendString(out, s);
      return;
    }
    case ColumnType::kInt:
    case ColumnType::kLong:
      if (is_null) {
        out->append("null");
      } else if (quote_long && v.type == ColumnType::kLong) {
        out->push_back('"');
        core::JsonAppendInt(out, v.longs[row]);
        out->push_back('"');
      } else {
        core::JsonAppendInt(out, v.longs[row]);
      }
      return;
    case ColumnType::kFloat:
      if (is_null) {
        out->append("null");
      } else {
        core::JsonAppendFloat(out, static_cast<float>(v.doubles[row]));
      }
      return;
    case ColumnType::kDouble:
      if (is_null) {
        out->append("null");
      } else {
        core::JsonAppendDouble(out, v.doubles[row]);
      }
      return;
    case ColumnType::kDate:
      if (is_null) {
        out->append("null");
        return;
      }
      out->push_back('"');
      core::AppendDateMillis(out, v.longs[row]);
      out->push_back('"');
      return;
    case ColumnType::kTimestamp:
      if (is_null) {
        out->append("null");
        return;
      }
      out->push_back('"');
      core::AppendTimestamp(out, v.longs[row]);
      out->push_back('"');
      return;
    case ColumnType::kSymbol:
    case ColumnType::kVarchar:
    case ColumnType::kIPv4:
    case ColumnType::kUuid:
    case ColumnType::kLong128:
    case ColumnType::kLong256:
      if (is_null) {
        out->append("null");
      } else {
        core::JsonAppendString(out, v.strings[row]);
      }
      return;
    case ColumnType::kGeoHash:
    case ColumnType::kBinary:
      break;
  }
  out->append("null");
}

void AppendCsvString(std::string* out, std::string_view s) {
  out->push_back('"');
  for (char c : s) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

void AppendCsvValue(std::string* out, const sql::ResultVector& v, size_t row) {
  bool is_null = !v.nulls.empty() && v.nulls[row] != 0;
  if (v.type == ColumnType::kBinary) return;  // as QuestDB: an empty field
  if (cairo::IsGeoHash(v.type)) {  // bare, as IPv4 (base32 and bits need no quoting)
    if (!is_null) out->append(v.strings[row]);
    return;
  }
  switch (v.type) {
    case ColumnType::kBoolean:
      out->append(!is_null && v.longs[row] != 0 ? "true" : "false");
      return;
    case ColumnType::kByte:
    case ColumnType::kShort:
      core::JsonAppendInt(out, is_null ? 0 : v.longs[row]);
      return;
    case ColumnType::kChar:
      if (!is_null && v.longs[row] != 0) {
        std::string s;
        core::AppendUtf8(static_cast<uint32_t>(v.longs[row] & 0xffff), &s);
        AppendCsvString(out, s);
      }
      return;
    case ColumnType::kInt:
    case ColumnType::kLong:
      if (!is_null) core::JsonAppendInt(out, v.longs[row]);
      return;
    case ColumnType::kFloat:
      if (!is_null && std::isfinite(v.doubles[row])) {
        core::AppendFloat(out, static_cast<float>(v.doubles[row]));
      }
      return;
    case ColumnType::kDouble:
      if (!is_null && std::isfinite(v.doubles[row])) core::AppendDouble(out, v.doubles[row]);
      return;
    case ColumnType::kDate:
      if (!is_null) {
        out->push_back('"');
        core::AppendDateMillis(out, v.longs[row]);
        out->push_back('"');
      }
      return;
    case ColumnType::kTimestamp:
      if (!is_null) {
        out->push_back('"');
        core::AppendTimestamp(out, v.longs[row]);
        out->push_back('"');
      }
      return;
    case ColumnType::kSymbol:
    case ColumnType::kVarchar:
      if (!is_null) AppendCsvString(out, v.strings[row]);
      return;
    case ColumnType::kIPv4:
    case ColumnType::kUuid:
    case ColumnType::kLong128:
    case ColumnType::kLong256:
      if (!is_null) out->append(v.strings[row]);  // QuestDB's /exp: bare, as numbers
      return;
    case ColumnType::kGeoHash:
    case ColumnType::kBinary:
      return;
  }
}

int SqlErrorStatus(const core::Status& st) {
  switch (st.code()) {
    case core::StatusCode::kPermissionDenied: return 403;
    case core::StatusCode::kInternal: return 500;
    default: return 400;
  }
}

void SendSqlError(ResponseWriter& resp, std::string_view query, const core::Status& st) {
  std::string b = "{\"query\":";
  core::JsonAppendString(&b, query);
  b.append(",\"error\":");
  core::JsonAppendString(&b, st.message());
  b.append(",\"position\":");
  core::JsonAppendInt(&b, std::max<int32_t>(0, st.position()));
  b.append("}");
  resp.Send(SqlErrorStatus(st), kJson, b);
}

// Reads the `query` parameter shared by /exec and /exp and answers the request itself (QuestDB's
// shapes) when it is blank or not UTF-8. True: go on with *query. Read-only mode is the SQL
// engine's (SqlOptions::read_only, decided from the parsed statement): a write is answered 403.
bool AcceptQuery(HttpRequest& req, ResponseWriter& resp, std::string* query) {
  const std::string* q = req.Param("query");
  *query = q ? *q : std::string();
  bool blank = true;
  for (char c : *query) blank = blank && std::isspace(static_cast<unsigned char>(c));
  if (blank) {
    resp.Send(400, kJson, "{\"error\":\"empty query\",\"query\":\"\",\"position\":\"0\"}");
    return false;
  }
  if (!core::IsValidUtf8(*query)) {
    SendSqlError(resp, "", core::Status::InvalidArgument("Bad UTF8 encoding in query text", 0));
    return false;
  }
  return true;
}

// /exec?cols=a,b: the result columns to send, in that order (QuestDB's parameter and errors).
// Fills `out` with indexes into `columns`; all of them when the parameter is absent.
core::Status SelectColumns(const std::string* cols, const std::vector<sql::ResultColumn>& columns,
                           std::vector<size_t>* out) {
  out->clear();
  if (cols == nullptr) {
    for (size_t i = 0; i < columns.size(); ++i) out->push_back(i);
    return core::Status::Ok();
  }
  std::string_view rest = *cols;
  for (;;) {
    size_t comma = rest.find(',');
    std::string_view name = rest.substr(0, comma);
    if (name.empty()) return core::Status::InvalidArgument("empty column in query parameter", 0);
    size_t k = 0;
    while (k < columns.size() && !sql::EqualsIgnoreCase(columns[k].name, name)) ++k;
    if (k == columns.size()) {
      return core::Status::InvalidArgument("column not found: '" + std::string(name) + "'", 0);
    }
    out->push_back(k);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return core::Status::Ok();
}

}  // namespace

void Api::HandleExec(HttpRequest& req, ResponseWriter& resp) {
  const int64_t t_start = core::MonotonicMicros();
  std::string query_text;
  if (!AcceptQuery(req, resp, &query_text)) return;
  // Counted as completed when the reply ends: here, or in the producer that holds it.
  std::unique_ptr<QueryScope> scope = QueryScope::Start(metrics_, t_start);
  // The text stays with the result, which the response's producer keeps after this returns.
  auto query_holder = std::make_shared<const std::string>(std::move(query_text));
  const std::string& query = *query_holder;
  const bool nm = IsTrue(req.Param("nm"));
  const bool count_all = IsTrue(req.Param("count"));
  const bool timings = IsTrue(req.Param("timings"));
  const bool explain = IsTrue(req.Param("explain"));
  const std::string* src = req.Param("src");
  const bool quote_long = IsTrue(req.Param("quoteLargeNum")) || (src != nullptr && *src == "con");
  RowRange range = ParseLimit(req.Param("limit"), false);
  CapRows(&range, config_.http_max_response_rows);

  sql::ExecContext ctx;
  ctx.now_us = core::RealtimeMicros();
  const int64_t t_compile = core::MonotonicMicros();
  auto result = sql_->Execute(query, ctx);
  const int64_t compile_ns = (core::MonotonicMicros() - t_compile) * 1000;
  if (!result.ok()) {
    SendSqlError(resp, query, result.status());
    return;
  }
  sql::ExecResult& er = *result;
  if (er.kind == sql::StatementKind::kDdl) {
    resp.Send(200, kJson, "{\"ddl\":\"OK\"}");
    return;
  }
  if (er.kind == sql::StatementKind::kDml && er.is_update) {
    resp.Send(200, kJson,
              "{\"dml\":\"OK\",\"updated\":" + std::to_string(er.affected_rows) + "}");
    return;
  }
  if (er.kind == sql::StatementKind::kDml || er.rows == nullptr) {
    if (er.kind == sql::StatementKind::kDml && metrics_ != nullptr) {  // INSERT
      metrics_->AddIngested(IngestPath::kInsert, static_cast<uint64_t>(er.affected_rows));
    }
    resp.Send(200, kJson, "{\"dml\":\"OK\"}");
    return;
  }
  // What the response's producer needs after this handler returns (it outlives `req`).
  struct ExecStream {
    std::unique_ptr<QueryScope> scope;         // declared first: the query ends after `rows`
    std::shared_ptr<const std::string> query;  // declared before `rows`: outlives it
    std::unique_ptr<sql::RowSource> rows;
    sql::ResultBlock block;
    RowRange range;
    bool count_all = false;
    bool timings = false;
    bool explain = false;
    bool quote_long = false;
    std::vector<size_t> cols;  // result columns sent, in order (cols=)
    int64_t compile_ns = 0;
    int64_t deadline = 0;
    int64_t t_exec = 0;
    int64_t row_index = 0;  // rows seen so far
    int64_t sent = 0;
    int64_t count_start_us = 0;
    bool first_row = true;
    bool has_more = false;
  };
  auto st = std::make_shared<ExecStream>();
  st->scope = std::move(scope);
  st->query = query_holder;
  st->rows = std::move(er.rows);
  st->range = range;
  st->count_all = count_all;
  st->timings = timings;
  st->explain = explain;
  st->quote_long = quote_long;
  st->compile_ns = compile_ns;
  sql::RowSource& rows = *st->rows;
  if (core::Status c = SelectColumns(req.Param("cols"), rows.columns(), &st->cols); !c.ok()) {
    SendSqlError(resp, query, c);
    return;
  }
  st->deadline = t_start + config_.query_timeout_ms * 1000;
  st->t_exec = core::MonotonicMicros();
  // Fetch the first block before sending anything, so an early error is a plain 400.
  auto first = rows.Next(&st->block, kBlockRows);
  if (!first.ok()) {
    SendSqlError(resp, query, first.status());
    return;
  }
  st->has_more = *first || st->block.row_count > 0;

  resp.BeginChunked(200, kJson);
  std::string& out = resp.chunk_buffer();
  out.push_back('{');
  if (!nm) {
    out.append("\"query\":");
    core::JsonAppendString(&out, query);
    out.append(",\"columns\":[");
    const auto& cols = rows.columns();
    int timestamp_index = -1;
    for (size_t i = 0; i < st->cols.size(); ++i) {
      const size_t c = st->cols[i];
      if (i) out.push_back(',');
      out.append("{\"name\":");
      core::JsonAppendString(&out, cols[c].name);
      out.append(",\"type\":");
      core::JsonAppendString(&out, cairo::ColumnTypeName(cols[c].type));
      out.push_back('}');
      if (static_cast<int>(c) == rows.timestamp_index()) timestamp_index = static_cast<int>(i);
    }
    out.append("],\"timestamp\":");
    core::JsonAppendInt(&out, timestamp_index);
    out.push_back(',');
  }
  out.append("\"dataset\":[");
  // The rows go one block per call, as the client takes them (a client that stops reading
  // holds this query and one buffer, not a worker).
  resp.Continue([st](ResponseWriter& resp) {
    std::string& out = resp.chunk_buffer();
    core::Status mid_error;
    if (st->has_more) {
      const sql::ResultBlock& block = st->block;
      for (size_t r = 0; r < block.row_count; ++r, ++st->row_index) {
        if (st->row_index < st->range.skip || st->row_index >= st->range.stop) continue;
        if (!st->first_row) out.push_back(',');
        st->first_row = false;
        out.push_back('[');
        for (size_t i = 0; i < st->cols.size(); ++i) {
          if (i) out.push_back(',');
          AppendJsonValue(&out, block.columns[st->cols[i]], r, st->quote_long);
        }
        out.push_back(']');
        ++st->sent;
        if (out.size() >= 64 * 1024 && !resp.Flush()) return false;  // client gone
      }
      bool more = true;
      if (st->row_index >= st->range.stop && !st->count_all) more = false;
      if (more && st->row_index >= st->range.stop && st->count_start_us == 0) {
        st->count_start_us = core::MonotonicMicros();
      }
      if (more && core::MonotonicMicros() > st->deadline) {
        mid_error = core::Status::Cancelled("timeout, query aborted");
        more = false;
      }
      if (more) {
        auto next = st->rows->Next(&st->block, kBlockRows);
        if (!next.ok()) {
          mid_error = next.status();
        } else {
          st->has_more = *next || st->block.row_count > 0;
          if (st->has_more) return resp.Flush();
        }
      }
    }
    const int64_t t_end = core::MonotonicMicros();
    out.append("],\"count\":");
    core::JsonAppendInt(&out, st->count_all ? st->row_index : st->sent);
    if (!mid_error.ok()) {
      out.append(",\"error\":");
      core::JsonAppendString(&out, mid_error.message());
      out.append(",\"errorPos\":");
      core::JsonAppendInt(&out, std::max<int32_t>(0, mid_error.position()));
    }
    if (st->timings) {
      int64_t exec_end = st->count_start_us ? st->count_start_us : t_end;
      out.append(",\"timings\":{\"authentication\":0,\"compiler\":");
      core::JsonAppendInt(&out, st->compile_ns);
      out.append(",\"execute\":");
      core::JsonAppendInt(&out, (exec_end - st->t_exec) * 1000);
      out.append(",\"count\":");
      core::JsonAppendInt(&out, st->count_start_us ? (t_end - st->count_start_us) * 1000 : 0);
      out.push_back('}');
    }
    // QuestDB reports whether its JIT compiled the filter; this engine has no JIT.
    if (st->explain) out.append(",\"explain\":{\"jitCompiled\":false}");
    out.push_back('}');
    resp.Finish();
    return false;
  });
}

void Api::HandleExport(HttpRequest& req, ResponseWriter& resp) {
  const int64_t t_start = core::MonotonicMicros();
  std::string query_text;
  if (!AcceptQuery(req, resp, &query_text)) return;
  std::unique_ptr<QueryScope> scope = QueryScope::Start(metrics_, t_start);
  // The text stays with the result, which the response's producer keeps after this returns.
  auto query_holder = std::make_shared<const std::string>(std::move(query_text));
  const std::string& query = *query_holder;
  // QuestDB's /exp also writes Parquet (fmt=parquet); this server writes CSV only, and says so
  // rather than answering CSV to a client that asked for something else.
  if (const std::string* f = req.Param("fmt");
      f != nullptr && !f->empty() && !sql::EqualsIgnoreCase(*f, "csv")) {
    SendSqlError(resp, query,
                 core::Status::InvalidArgument(
                     "unsupported export format [fmt=" + *f + "]; /exp writes csv", 0));
    return;
  }
  char delimiter = ',';
  if (const std::string* d = req.Param("delimiter"); d != nullptr && !d->empty()) {
    if (d->size() != 1 || (*d)[0] == '"' || (*d)[0] == '\n' || (*d)[0] == '\r') {
      SendSqlError(resp, query, core::Status::InvalidArgument("invalid delimiter", 0));
      return;
    }
    delimiter = (*d)[0];
  }
  const bool nm = IsTrue(req.Param("nm"));
  RowRange range = ParseLimit(req.Param("limit"), true);
  if (!range.from_end) CapRows(&range, config_.http_max_response_rows);
  sql::ExecContext ctx;
  ctx.now_us = core::RealtimeMicros();
  ctx.queries_only = "/exp accepts only queries that return rows";  // refused before they run
  auto result = sql_->Execute(query, ctx);
  if (!result.ok()) {
    SendSqlError(resp, query, result.status());
    return;
  }
  if (range.from_end) {
    // The last N rows: count first, then run the query again and skip the rest.
    int64_t total = 0;
    sql::ResultBlock b;
    for (;;) {
      auto n = result->rows->Next(&b, kBlockRows);
      if (!n.ok()) {
        SendSqlError(resp, query, n.status());
        return;
      }
      total += static_cast<int64_t>(b.row_count);
      if (!*n && b.row_count == 0) break;
    }
    range.skip = std::max<int64_t>(0, total - range.last_n);
    range.stop = INT64_MAX;
    CapRows(&range, config_.http_max_response_rows);
    result = sql_->Execute(query, ctx);
    if (!result.ok()) {
      SendSqlError(resp, query, result.status());
      return;
    }
  }
  // What the response's producer needs after this handler returns (it outlives `req`).
  struct ExportStream {
    std::unique_ptr<QueryScope> scope;         // declared first: the query ends after the rest
    std::shared_ptr<const std::string> query;  // declared first: outlives `rows`
    std::unique_ptr<sql::RowSource> rows;
    sql::ResultBlock block;
    RowRange range;
    char delimiter = ',';
    int64_t deadline = 0;
    int64_t query_timeout_ms = 0;
    int64_t row_index = 0;
  };
  auto st = std::make_shared<ExportStream>();
  st->scope = std::move(scope);
  st->query = query_holder;
  st->rows = std::move(result->rows);
  st->range = range;
  st->delimiter = delimiter;
  st->query_timeout_ms = config_.query_timeout_ms;
  st->deadline = t_start + config_.query_timeout_ms * 1000;
  sql::RowSource& rows = *st->rows;
  auto first = rows.Next(&st->block, kBlockRows);
  if (!first.ok()) {
    SendSqlError(resp, query, first.status());
    return;
  }
  const bool has_rows = *first || st->block.row_count > 0;
  std::string filename;
  if (const std::string* f = req.Param("filename"); f != nullptr && !f->empty()) {
    for (char c : *f) {
      if (c != '"' && c != '\\' && c != '/' && static_cast<unsigned char>(c) >= 0x20) {
        filename.push_back(c);
      }
    }
  }
  if (filename.empty()) filename = "questdb-query-" + std::to_string(core::RealtimeMicros());
  if (filename.size() < 4 || filename.compare(filename.size() - 4, 4, ".csv") != 0) {
    filename += ".csv";
  }
  resp.AddHeader("Content-Disposition", "attachment; filename=\"" + filename + "\"");
  resp.BeginChunked(200, "text/csv; charset=utf-8");
  std::string& out = resp.chunk_buffer();
  if (!nm) {
    const auto& cols = rows.columns();
    for (size_t i = 0; i < cols.size(); ++i) {
      if (i) out.push_back(delimiter);
      AppendCsvString(&out, cols[i].name);
    }
    out.append("\r\n");
  }
  if (!has_rows) {
    resp.Finish();
    return;
  }
  // One block per call, as the client takes the bytes (see HandleExec).
  resp.Continue([st](ResponseWriter& resp) {
    std::string& out = resp.chunk_buffer();
    const sql::ResultBlock& block = st->block;
    for (size_t r = 0; r < block.row_count; ++r, ++st->row_index) {
      if (st->row_index < st->range.skip || st->row_index >= st->range.stop) continue;
      for (size_t c = 0; c < block.columns.size(); ++c) {
        if (c) out.push_back(st->delimiter);
        AppendCsvValue(&out, block.columns[c], r);
      }
      out.append("\r\n");
      if (out.size() >= 64 * 1024 && !resp.Flush()) return false;
    }
    if (st->row_index >= st->range.stop) {
      resp.Finish();
      return false;
    }
    if (core::MonotonicMicros() > st->deadline) {
      core::LogWarn("export aborted, query timeout [timeout_ms=" +
                    std::to_string(st->query_timeout_ms) + "]");
      resp.SetClose();
      resp.Finish();
      return false;
    }
    auto next = st->rows->Next(&st->block, kBlockRows);
    if (!next.ok()) {
      // Headers are out; the truncated stream is closed without the final chunk.
      core::LogWarn("export failed mid-stream [error=" + next.status().ToString() + "]");
      resp.Abort();
      return false;
    }
    if (!*next && st->block.row_count == 0) {
      resp.Finish();
      return false;
    }
    return resp.Flush();
  });
}

}  // namespace sundial::http
