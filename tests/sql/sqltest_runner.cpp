// tests/sql/sqltest_runner.cpp — runs the SQL case files under tests/sql/cases/ (sqllogictest
// style, format in tests/sql/cases/README.md) against a real cairo::Engine + SqlEngine.
//
// One parameterised GoogleTest per file. Each file gets a fresh temporary root; `restart`
// closes both engines and reopens them on the same root. A failing record is reported at
// <file>:<line> with the statement, the expected and the actual outcome, and the file goes on
// (later records may fail as a consequence; the first failure is the one to read).
//
// Environment:
//   SUNDIAL_SOURCE_DIR      repo root (set by ctest); cases are read from <it>/tests/sql/cases
//                           (default: the cases/ folder next to this source file)
//   SUNDIAL_SQLTEST_DIR     read cases from this directory instead
//   SUNDIAL_SQLTEST_FILTER  comma-separated substrings; only files whose relative path contains
//                           one of them run (e.g. SUNDIAL_SQLTEST_FILTER=ddl/create)
//   SUNDIAL_SQLTEST_KEEP    if set, temporary roots are not deleted (their path is printed)
//   SUNDIAL_SQLTEST_STATEMENT_TIMEOUT_S  abort with file:line if one statement runs longer
//                           (default 120)
//   SUNDIAL_SQLTEST_COMPRESS  if set, before each query every partition but the newest of every
//                           table is converted to a compressed partition (CONVERT PARTITION TO
//                           COMPRESSED), so every case file checks the same answers on
//                           compressed partitions (ctest entry sql_logic_test_compressed).
//                           Queries that read the compressed state itself (`isCompressed`,
//                           `compressedSize`, `rawSize` of table_partitions) run unconverted
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include "cairo/column_type.h"
#include "cairo/engine.h"
#include "core/file_system.h"
#include "core/status.h"
#include "core/timestamp.h"
#include "sql/result.h"
#include "sql/sql_engine.h"

namespace sundial::sql {
namespace {

namespace fs = std::filesystem;
using cairo::ColumnType;

constexpr size_t kMaxResultRows = 1'000'000;  // a runaway query fails instead of eating memory
constexpr int64_t kMaxRepeat = 4'000'000;

// ---------------------------------------------------------------------------------------------
// Value rendering (documented in cases/README.md).

std::string JavaStyle(bool negative, std::string_view digits, int exponent, bool small_or_large) {
  // `digits` d1d2d3..., value = d1.d2d3... * 10^exponent. Layout as Java's Double.toString
  // (and QuestDB's JSON): plain decimal for 1e-3 <= |v| < 1e7, else d.dddE<exp>.
  std::string out;
  if (negative) out.push_back('-');
  if (small_or_large) {
    out.push_back(digits[0]);
    out.push_back('.');
    if (digits.size() > 1) {
      out.append(digits.substr(1));
    } else {
      out.push_back('0');
    }
    out.push_back('E');
    out.append(std::to_string(exponent));
    return out;
  }
  if (exponent >= 0) {
    size_t int_len = static_cast<size_t>(exponent) + 1;
    if (digits.size() <= int_len) {
      out.append(digits);
      out.append(int_len - digits.size(), '0');
      out.append(".0");
    } else {
      out.append(digits.substr(0, int_len));
      out.push_back('.');
      out.append(digits.substr(int_len));
    }
  } else {
    out.append("0.");
    out.append(static_cast<size_t>(-exponent - 1), '0');
    out.append(digits);
  }
  return out;
}

template <typename F>
std::string FormatFloating(F v) {
  if (!std::isfinite(v)) return "NULL";
  if (v == 0) return std::signbit(v) ? "-0.0" : "0.0";
  char buf[64];
  // Shortest representation that round-trips, in scientific form: "-1.2345e+07".
  auto res = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  std::string_view s(buf, static_cast<size_t>(res.ptr - buf));
  bool negative = false;
  if (!s.empty() && s[0] == '-') {
    negative = true;
    s.remove_prefix(1);
  }
  size_t e_pos = s.find('e');
  std::string digits;
  for (char c : s.substr(0, e_pos)) {
    if (c != '.') digits.push_back(c);
  }
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  int exponent = 0;
  std::string_view exp_text = s.substr(e_pos + 1);
  if (!exp_text.empty() && exp_text[0] == '+') exp_text.remove_prefix(1);
  std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exponent);
  double mag = std::fabs(static_cast<double>(v));
  return JavaStyle(negative, digits, exponent, mag < 1e-3 || mag >= 1e7);
}

std::string FormatDouble(double v) { return FormatFloating(v); }
std::string FormatFloat(float v) { return FormatFloating(v); }

void AppendUtf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Text values are raw; the empty string is "(empty)" and tab, newline, CR and backslash are
// escaped so that one row stays one line.
std::string FormatText(std::string_view s) {
  if (s.empty()) return "(empty)";
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '\t':
        out.append("\\t");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\\':
        out.append("\\\\");
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

bool IsLongType(ColumnType t) {
  switch (t) {
    case ColumnType::kBoolean:
    case ColumnType::kByte:
    case ColumnType::kShort:
    case ColumnType::kChar:
    case ColumnType::kInt:
    case ColumnType::kLong:
    case ColumnType::kDate:
    case ColumnType::kTimestamp:
      return true;
    default:
      return false;
  }
}
bool IsDoubleType(ColumnType t) { return t == ColumnType::kFloat || t == ColumnType::kDouble; }
// result.h: IPv4, UUID, LONG128 and LONG256 travel as their text.
bool IsStringType(ColumnType t) {
  return t == ColumnType::kSymbol || t == ColumnType::kVarchar || t == ColumnType::kIPv4 ||
         t == ColumnType::kUuid || t == ColumnType::kLong128 || t == ColumnType::kLong256 ||
         cairo::IsGeoHash(t) || t == ColumnType::kBinary;
}

std::string FormatValue(const ResultVector& v, size_t row) {
  if (row < v.nulls.size() && v.nulls[row] != 0) return "NULL";
  if (cairo::IsGeoHash(v.type)) return FormatText(v.strings[row]);
  if (v.type == ColumnType::kBinary) return "(" + std::to_string(v.strings[row].size()) + " bytes)";
  switch (v.type) {
    case ColumnType::kBoolean:
      return v.longs[row] != 0 ? "true" : "false";
    case ColumnType::kByte:
    case ColumnType::kShort:
    case ColumnType::kInt:
    case ColumnType::kLong:
      return std::to_string(v.longs[row]);
    case ColumnType::kChar: {
      if (v.longs[row] == 0) return "(empty)";
      std::string out;
      AppendUtf8(&out, static_cast<uint32_t>(v.longs[row] & 0xFFFF));
      return FormatText(out);
    }
    case ColumnType::kDate: {
      std::string out;
      core::AppendDateMillis(&out, v.longs[row]);
      return out;
    }
    case ColumnType::kTimestamp:
      return core::FormatTimestamp(v.longs[row]);
    case ColumnType::kFloat:
      return FormatFloat(static_cast<float>(v.doubles[row]));
    case ColumnType::kDouble:
      return FormatDouble(v.doubles[row]);
    case ColumnType::kSymbol:
    case ColumnType::kVarchar:
    case ColumnType::kIPv4:
    case ColumnType::kUuid:
    case ColumnType::kLong128:
    case ColumnType::kLong256:
      return FormatText(v.strings[row]);
    case ColumnType::kGeoHash:
    case ColumnType::kBinary:
      break;
  }
  return "?";
}

// Checks that a block has the shape result.h promises, so a malformed block is a test
// failure instead of an out-of-bounds read.
std::string CheckBlock(const ResultBlock& b, const std::vector<ResultColumn>& cols) {
  if (b.columns.size() != cols.size()) {
    return "block has " + std::to_string(b.columns.size()) + " columns, result declares " +
           std::to_string(cols.size());
  }
  for (size_t c = 0; c < cols.size(); c++) {
    const ResultVector& v = b.columns[c];
    std::string where = "column " + std::to_string(c) + " (" + cols[c].name + ")";
    if (v.type != cols[c].type) {
      return where + " block type " + std::string(cairo::ColumnTypeName(v.type)) +
             " differs from declared " + std::string(cairo::ColumnTypeName(cols[c].type));
    }
    if (!v.nulls.empty() && v.nulls.size() < b.row_count) return where + ": nulls too short";
    size_t n = IsLongType(v.type)     ? v.longs.size()
               : IsDoubleType(v.type) ? v.doubles.size()
               : IsStringType(v.type) ? v.strings.size()
                                      : 0;
    if (n < b.row_count) {
      return where + ": " + std::to_string(n) + " values for " + std::to_string(b.row_count) +
             " rows";
    }
  }
  return "";
}

// ---------------------------------------------------------------------------------------------
// Case file parsing.

enum class RecordKind { kStatementOk, kStatementError, kQuery, kRestart };

struct Record {
  RecordKind kind = RecordKind::kStatementOk;
  int line = 0;  // 1-based line of the directive
  std::string sql;
  std::string error_substring;  // kStatementError
  int error_position = -1;      // kStatementError: -1 = not checked
  bool rowsort = false;         // kQuery
  bool types = false;           // kQuery
  std::string header;           // kQuery: expected column names, tab-separated
  std::string type_line;        // kQuery with types
  std::vector<std::string> rows;
  std::string xfail;  // non-empty: a known engine bug, with its description
  bool skip = false;  // "skip <bug>": a known bug that kills the process; not run
};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool IsBlank(std::string_view s) { return Trim(s).empty(); }

// Expands {{repeat N text}} (text repeated N times) in SQL, so that hostile inputs (deep
// nesting, very long names) stay readable in the case files.
bool ExpandMacros(std::string* sql, std::string* error) {
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t open = sql->find("{{", pos);
    if (open == std::string::npos) break;
    size_t close = sql->find("}}", open);
    if (close == std::string::npos) {
      *error = "unterminated {{ macro";
      return false;
    }
    out.append(*sql, pos, open - pos);
    std::string_view body(sql->data() + open + 2, close - open - 2);
    constexpr std::string_view kRepeat = "repeat ";
    if (body.substr(0, kRepeat.size()) != kRepeat) {
      *error = "unknown macro {{" + std::string(body) + "}}";
      return false;
    }
    body.remove_prefix(kRepeat.size());
    int64_t n = 0;
    auto res = std::from_chars(body.data(), body.data() + body.size(), n);
    if (res.ec != std::errc() || n < 0 || n > kMaxRepeat || res.ptr == body.data() + body.size() ||
        *res.ptr != ' ') {
      *error = "bad repeat count in {{repeat N text}}";
      return false;
    }
    std::string_view text(res.ptr + 1,
                          static_cast<size_t>(body.data() + body.size() - res.ptr - 1));
    for (int64_t i = 0; i < n; i++) out.append(text);
    pos = close + 2;
  }
  out.append(*sql, pos, std::string::npos);
  *sql = std::move(out);
  return true;
}

// Parses a whole file. On a format error returns false with `error` = "<line>: message".
bool ParseCases(const std::string& text, std::vector<Record>* records, std::string* error) {
  std::vector<std::string> lines;
  {
    std::istringstream in(text);
    std::string l;
    while (std::getline(in, l)) {
      if (!l.empty() && l.back() == '\r') l.pop_back();
      lines.push_back(std::move(l));
    }
  }
  auto fail = [&](size_t i, const std::string& msg) {
    *error = "line " + std::to_string(i + 1) + ": " + msg;
    return false;
  };
  size_t i = 0;
  while (i < lines.size()) {
    std::string_view line = Trim(lines[i]);
    if (line.empty() || line[0] == '#') {
      i++;
      continue;
    }
    Record r;
    std::string xfail;
    bool skip = false;
    constexpr std::string_view kXfail = "xfail";
    constexpr std::string_view kSkip = "skip";
    if (line.substr(0, kSkip.size()) == kSkip && line.size() > kSkip.size() &&
        line[kSkip.size()] == ' ') {
      line = line.substr(kSkip.size());  // "skip <bug>": like xfail, but not even run
      skip = true;
    }
    if (skip || (line.substr(0, kXfail.size()) == kXfail &&
                 (line.size() == kXfail.size() || line[kXfail.size()] == ' '))) {
      xfail = std::string(Trim(skip ? line : line.substr(kXfail.size())));
      if (xfail.empty()) return fail(i, "'xfail' needs a description of the bug");
      i++;
      if (i >= lines.size()) return fail(i - 1, "'xfail' must be followed by a record");
      line = Trim(lines[i]);
      if (line.substr(0, 5) == "xfail" || line == "restart") {
        return fail(i, "'xfail' must be followed by a statement or query record");
      }
    }
    r.xfail = std::move(xfail);
    r.skip = skip;
    r.line = static_cast<int>(i + 1);
    std::istringstream words{std::string(line)};
    std::string word;
    words >> word;
    if (word == "restart") {
      r.kind = RecordKind::kRestart;
      records->push_back(std::move(r));
      i++;
      continue;
    }
    bool is_query = false;
    if (word == "statement") {
      std::string what;
      words >> what;
      if (what == "ok") {
        r.kind = RecordKind::kStatementOk;
      } else if (what == "error") {
        r.kind = RecordKind::kStatementError;
        std::string rest;
        std::getline(words, rest);
        std::string_view rv = Trim(rest);
        if (!rv.empty() && rv[0] == '@') {
          size_t sp = rv.find(' ');
          std::string_view num = rv.substr(1, sp == std::string_view::npos ? rv.npos : sp - 1);
          int p = 0;
          auto res = std::from_chars(num.data(), num.data() + num.size(), p);
          if (res.ec != std::errc() || res.ptr != num.data() + num.size() || p < 0) {
            return fail(i, "bad error position '" + std::string(num) + "'");
          }
          r.error_position = p;
          rv = sp == std::string_view::npos ? std::string_view() : Trim(rv.substr(sp));
        }
        r.error_substring = std::string(rv);
      } else {
        return fail(i, "expected 'statement ok' or 'statement error'");
      }
    } else if (word == "query") {
      is_query = true;
      r.kind = RecordKind::kQuery;
      std::string opt;
      while (words >> opt) {
        if (opt == "rowsort") {
          r.rowsort = true;
        } else if (opt == "types") {
          r.types = true;
        } else {
          return fail(i, "unknown query option '" + opt + "'");
        }
      }
    } else {
      return fail(i, "unknown directive '" + word + "'");
    }
    i++;
    // SQL text: up to a blank line (statements) or up to "----" (queries).
    std::string sql;
    while (i < lines.size() && !IsBlank(lines[i]) && !(is_query && Trim(lines[i]) == "----")) {
      if (!sql.empty()) sql.push_back('\n');
      sql.append(lines[i]);
      i++;
    }
    if (sql.empty()) return fail(static_cast<size_t>(r.line - 1), "missing SQL text");
    std::string macro_error;
    if (!ExpandMacros(&sql, &macro_error))
      return fail(static_cast<size_t>(r.line - 1), macro_error);
    r.sql = std::move(sql);
    if (is_query) {
      if (i >= lines.size() || Trim(lines[i]) != "----") {
        return fail(static_cast<size_t>(r.line - 1), "query without '----' and expected result");
      }
      i++;
      if (i >= lines.size() || IsBlank(lines[i])) {
        return fail(i, "query result needs a header line with the column names");
      }
      r.header = lines[i++];
      if (!ExpandMacros(&r.header, &macro_error)) return fail(i - 1, macro_error);
      if (r.types) {
        if (i >= lines.size() || IsBlank(lines[i]))
          return fail(i, "'query types' needs a types line");
        r.type_line = lines[i++];
      }
      while (i < lines.size() && !lines[i].empty()) {
        std::string row = lines[i++];
        if (!ExpandMacros(&row, &macro_error)) return fail(i - 1, macro_error);
        r.rows.push_back(std::move(row));
      }
    }
    records->push_back(std::move(r));
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Execution.

struct Outcome {
  core::Status status;  // OK, or the error (from Execute or mid-stream)
  bool is_query = false;
  StatementKind kind = StatementKind::kDdl;
  std::string header;
  std::string type_line;
  std::vector<std::string> rows;
  std::string malformed;  // non-empty: the result broke result.h's contract
};

std::string JoinLines(const std::vector<std::string>& rows) {
  std::string out;
  for (const auto& r : rows) {
    out.append("  ");
    out.append(r);
    out.push_back('\n');
  }
  return out;
}

std::string DescribeStatus(const core::Status& st) {
  return std::string(core::StatusCodeName(st.code())) + " at position " +
         std::to_string(st.position()) + ": " + st.message();
}

class CaseRunner {
 public:
  explicit CaseRunner(std::string root) : root_(std::move(root)) {}
  ~CaseRunner() { Close(); }

  core::Status Open() {
    cairo::EngineOptions options;
    options.db_root = root_ + "/db";
    auto engine = cairo::Engine::Open(core::NewPosixFileSystem(), options);
    if (!engine.ok()) return engine.status();
    engine_ = std::move(engine).value();
    sql_ = std::make_unique<SqlEngine>(engine_.get(), nullptr, SqlOptions{});
    return core::Status::Ok();
  }

  void Close() {
    sql_.reset();
    engine_.reset();
  }

  // SUNDIAL_SQLTEST_COMPRESS: converts every partition but the newest of every table that is
  // not compressed yet. A table the engine refuses (no designated timestamp, one partition,
  // being written, a column type without a compressed layout: Unsupported) is left as it is;
  // any other error is returned.
  core::Status CompressAll() {
    for (const std::string& name : engine_->ListTables()) {
      auto view = engine_->Pin(name);
      if (!view.ok() || view->schema().timestamp_index < 0 || view->partitions().empty()) continue;
      const auto& parts = view->partitions();
      std::vector<int64_t> starts;
      for (const auto& p : parts) {
        if (p.is_compressed || p.partition_start_us == parts.back().partition_start_us) continue;
        if (starts.empty() || starts.back() != p.partition_start_us) {
          starts.push_back(p.partition_start_us);
        }
      }
      if (starts.empty()) continue;
      core::Status st = engine_->ConvertPartitions(name, starts, true);
      if (!st.ok() && st.code() != core::StatusCode::kNotFound &&
          st.code() != core::StatusCode::kUnavailable &&
          st.code() != core::StatusCode::kUnsupported) {
        return st;
      }
    }
    return core::Status::Ok();
  }

  Outcome Run(const std::string& sql) {
    Outcome out;
    try {
      RunUnguarded(sql, &out);
    } catch (const std::exception& e) {
      out.status = core::Status::Internal(std::string("exception escaped: ") + e.what());
    } catch (...) {
      out.status = core::Status::Internal("unknown exception escaped");
    }
    return out;
  }

 private:
  void RunUnguarded(const std::string& sql, Outcome* out) {
    auto res = sql_->Execute(sql);
    if (!res.ok()) {
      out->status = res.status();
      return;
    }
    ExecResult result = std::move(res).value();
    out->kind = result.kind;
    if (result.kind != StatementKind::kQuery) return;
    out->is_query = true;
    if (!result.rows) {
      out->malformed = "query result without a RowSource";
      return;
    }
    const std::vector<ResultColumn>& cols = result.rows->columns();
    for (size_t c = 0; c < cols.size(); c++) {
      if (c) {
        out->header.push_back('\t');
        out->type_line.push_back('\t');
      }
      out->header.append(cols[c].name);
      out->type_line.append(cairo::ColumnTypeName(cols[c].type));
    }
    ResultBlock block;
    while (true) {
      auto more = result.rows->Next(&block, 1024);
      if (!more.ok()) {
        out->status = more.status();
        return;
      }
      std::string shape = CheckBlock(block, cols);
      if (!shape.empty()) {
        out->malformed = shape;
        return;
      }
      for (size_t r = 0; r < block.row_count; r++) {
        std::string row;
        for (size_t c = 0; c < cols.size(); c++) {
          if (c) row.push_back('\t');
          row.append(FormatValue(block.columns[c], r));
        }
        out->rows.push_back(std::move(row));
        if (out->rows.size() > kMaxResultRows) {
          out->malformed = "more than " + std::to_string(kMaxResultRows) + " rows";
          return;
        }
      }
      if (!*more) break;
    }
  }

  std::string root_;
  std::unique_ptr<cairo::Engine> engine_;
  std::unique_ptr<SqlEngine> sql_;
};

// ---------------------------------------------------------------------------------------------
// Discovery.

struct CaseFile {
  std::string path;      // absolute
  std::string relative;  // to the cases dir, e.g. "ddl/create.sqltest"
};

std::string CasesDir() {
  if (const char* d = std::getenv("SUNDIAL_SQLTEST_DIR"); d && *d) return d;
  if (const char* s = std::getenv("SUNDIAL_SOURCE_DIR"); s && *s) {
    return std::string(s) + "/tests/sql/cases";
  }
#ifdef SUNDIAL_SQLTEST_DEFAULT_DIR
  return SUNDIAL_SQLTEST_DEFAULT_DIR;  // set by tests/sql/CMakeLists.txt
#endif
  // Fallback when run by hand: the cases next to this source file (CMake compiles it by its
  // absolute path).
  std::string self = __FILE__;
  size_t slash = self.rfind('/');
  if (slash == std::string::npos) return "";
  return self.substr(0, slash) + "/cases";
}

std::vector<std::string> Filters() {
  std::vector<std::string> out;
  const char* f = std::getenv("SUNDIAL_SQLTEST_FILTER");
  if (!f) return out;
  std::string_view s(f);
  while (!s.empty()) {
    size_t comma = s.find(',');
    std::string_view part = Trim(s.substr(0, comma));
    if (!part.empty()) out.emplace_back(part);
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

// gtest prints the parameter of a failing test with this.
void PrintTo(const CaseFile& file, std::ostream* os) { *os << file.relative; }

std::vector<CaseFile> DiscoverCases() {
  std::vector<CaseFile> out;
  std::string dir = CasesDir();
  if (dir.empty()) return out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  std::vector<std::string> filters = Filters();
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec) || it->path().extension() != ".sqltest") continue;
    CaseFile cf;
    cf.path = it->path().string();
    cf.relative = fs::relative(it->path(), dir, ec).generic_string();
    if (ec) cf.relative = cf.path;
    bool wanted = filters.empty();
    for (const auto& f : filters) wanted = wanted || cf.relative.find(f) != std::string::npos;
    if (wanted) out.push_back(std::move(cf));
  }
  std::sort(out.begin(), out.end(),
            [](const CaseFile& a, const CaseFile& b) { return a.relative < b.relative; });
  return out;
}

const std::vector<CaseFile>& AllCases() {
  static const std::vector<CaseFile>* cases = new std::vector<CaseFile>(DiscoverCases());
  return *cases;
}

std::string TestName(const ::testing::TestParamInfo<CaseFile>& info) {
  std::string name = info.param.relative;
  constexpr std::string_view kExt = ".sqltest";
  if (name.size() > kExt.size()) name.resize(name.size() - kExt.size());
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

std::string MakeTempRoot() {
  std::string base = "/tmp";
  if (const char* t = std::getenv("TMPDIR"); t && *t) base = t;
  std::string tmpl = base + "/sundial-sqltest-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr) return "";
  return std::string(buf.data());
}

// ---------------------------------------------------------------------------------------------
// The tests.

// Removes a temporary root when the test ends, however it ends.
struct RootCleanup {
  std::string root;
  bool keep = false;
  ~RootCleanup() {
    if (keep || root.empty()) return;
    std::error_code ec;
    fs::remove_all(root, ec);
  }
};

// When a statement crashes the process (SIGSEGV, SIGABRT, ...), say which one before dying:
// the handler writes a message prepared by Arm() (write(2) only, async-signal-safe), restores
// the previous handler (ASan's, or the default) and lets the signal happen again.
namespace crash {
constexpr int kSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
char g_message[4096];
volatile sig_atomic_t g_message_len = 0;
struct sigaction g_previous[sizeof(kSignals) / sizeof(kSignals[0])];

void Handler(int sig) {
  if (g_message_len > 0) {
    ssize_t ignored = write(2, g_message, static_cast<size_t>(g_message_len));
    (void)ignored;
  }
  for (size_t i = 0; i < sizeof(kSignals) / sizeof(kSignals[0]); i++) {
    if (kSignals[i] == sig) sigaction(sig, &g_previous[i], nullptr);
  }
  // A fault re-executes the faulting instruction and reaches the previous handler; an
  // asynchronous signal (abort) is raised again.
  if (sig == SIGABRT) raise(sig);
}

void Install() {
  static bool installed = false;
  if (installed) return;
  installed = true;
  for (size_t i = 0; i < sizeof(kSignals) / sizeof(kSignals[0]); i++) {
    struct sigaction sa;
    std::memset(&sa, 0, sizeof(sa));
    sa.sa_handler = Handler;
    sigemptyset(&sa.sa_mask);
    sigaction(kSignals[i], &sa, &g_previous[i]);
  }
}

void SetStatement(const std::string& file, int line, const std::string& sql) {
  g_message_len = 0;
  std::string m = "\n" + file + ":" + std::to_string(line) +
                  ": the process died while running this statement:\n  " + sql.substr(0, 3000) +
                  "\n";
  size_t n = std::min(m.size(), sizeof(g_message));
  std::memcpy(g_message, m.data(), n);
  g_message_len = static_cast<sig_atomic_t>(n);
}
void Clear() { g_message_len = 0; }
}  // namespace crash

// A statement that does not finish within the limit (a deadlock, an endless loop) aborts the
// binary with its file:line and SQL, instead of hanging until ctest's timeout with no clue.
// Limit: SUNDIAL_SQLTEST_STATEMENT_TIMEOUT_S (default 120 s, generous for ASan).
class Watchdog {
 public:
  static Watchdog& Instance() {
    static Watchdog* w = new Watchdog();  // never destroyed: its thread runs to process exit
    return *w;
  }
  void Arm(const std::string& file, int line, const std::string& sql) {
    std::lock_guard<std::mutex> lock(mu_);
    file_ = file;
    line_ = line;
    sql_ = sql.substr(0, 2000);
    armed_at_ = std::chrono::steady_clock::now();
    armed_ = true;
  }
  void Disarm() {
    std::lock_guard<std::mutex> lock(mu_);
    armed_ = false;
  }

 private:
  Watchdog() {
    limit_s_ = 120;
    if (const char* v = std::getenv("SUNDIAL_SQLTEST_STATEMENT_TIMEOUT_S"); v && *v) {
      limit_s_ = std::max(1, std::atoi(v));
    }
    std::thread([this] { Loop(); }).detach();
  }
  void Loop() {
    while (true) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      std::lock_guard<std::mutex> lock(mu_);
      if (!armed_) continue;
      auto elapsed = std::chrono::steady_clock::now() - armed_at_;
      if (elapsed < std::chrono::seconds(limit_s_)) continue;
      std::fprintf(stderr,
                   "%s:%d: statement still running after %d s (hang?); aborting.\n"
                   "statement:\n  %s\n",
                   file_.c_str(), line_, limit_s_, sql_.c_str());
      std::fflush(stderr);
      std::abort();
    }
  }

  std::mutex mu_;
  bool armed_ = false;
  std::string file_;
  int line_ = 0;
  std::string sql_;
  std::chrono::steady_clock::time_point armed_at_;
  int limit_s_ = 120;
};

class SqlLogicTest : public ::testing::TestWithParam<CaseFile> {};

// Compares one record's outcome with its expectation. Returns "" if it matches, else a
// description of the difference (the statement, expected and actual).
std::string CheckRecord(const Record& r, const Outcome& out) {
  std::ostringstream m;
  m << "statement:\n  " << r.sql << "\n";
  auto position_text = [&]() {
    return r.error_position >= 0 ? " at position " + std::to_string(r.error_position)
                                 : std::string();
  };
  if (!out.malformed.empty()) {
    m << "malformed result: " << out.malformed;
    return m.str();
  }
  switch (r.kind) {
    case RecordKind::kRestart:
      return "";
    case RecordKind::kStatementOk:
      if (out.status.ok()) return "";
      m << "expected: ok\nactual error: " << DescribeStatus(out.status);
      return m.str();
    case RecordKind::kStatementError:
      if (out.status.ok()) {
        m << "expected error containing: '" << r.error_substring << "'" << position_text()
          << "\nactual: statement succeeded"
          << (out.is_query ? ", rows:\n" + JoinLines(out.rows) : "");
        return m.str();
      }
      if (out.status.message().find(r.error_substring) == std::string::npos ||
          (r.error_position >= 0 && out.status.position() != r.error_position)) {
        m << "expected error containing: '" << r.error_substring << "'" << position_text()
          << "\nactual error: " << DescribeStatus(out.status);
        return m.str();
      }
      if (out.status.code() == core::StatusCode::kInternal) {
        m << "error is Internal (a bug, not a user error): " << DescribeStatus(out.status);
        return m.str();
      }
      return "";
    case RecordKind::kQuery: {
      if (!out.status.ok()) {
        m << "expected rows\nactual error: " << DescribeStatus(out.status);
        return m.str();
      }
      if (!out.is_query) {
        m << "expected rows, statement returned no result set";
        return m.str();
      }
      std::vector<std::string> expected = r.rows;
      std::vector<std::string> actual = out.rows;
      if (r.rowsort) {
        std::sort(expected.begin(), expected.end());
        std::sort(actual.begin(), actual.end());
      }
      bool same = out.header == r.header && (!r.types || out.type_line == r.type_line) &&
                  expected == actual;
      if (same) return "";
      std::string first_diff;
      if (out.header != r.header) {
        first_diff = "header differs";
      } else if (r.types && out.type_line != r.type_line) {
        first_diff = "types differ";
      } else {
        size_t k = 0;
        while (k < expected.size() && k < actual.size() && expected[k] == actual[k]) k++;
        first_diff = "first difference at row " + std::to_string(k + 1) + " (expected " +
                     std::to_string(expected.size()) + " rows, got " +
                     std::to_string(actual.size()) + ")";
      }
      m << first_diff << (r.rowsort ? " [rowsort]" : "") << "\nexpected:\n  " << r.header << "\n"
        << (r.types ? "  " + r.type_line + "\n" : "") << JoinLines(expected) << "actual:\n  "
        << out.header << "\n"
        << (r.types ? "  " + out.type_line + "\n" : "") << JoinLines(actual)
        << "(types: " << out.type_line << ")";
      return m.str();
    }
  }
  return "";
}

bool StrictMode() { return std::getenv("SUNDIAL_SQLTEST_STRICT") != nullptr; }

// Reports a record's result. An `xfail` record is a known engine bug: its failure is printed,
// not counted. Once it passes, a notice asks for the marker to go (not a failure: the fix and
// the marker's removal land from different people, and main must stay green in between).
// SUNDIAL_SQLTEST_STRICT=1 checks xfail records like any other.
void Report(const CaseFile& file, const Record& r, const std::string& failure) {
  const char* path = file.path.c_str();
  if (r.xfail.empty() || StrictMode()) {
    if (!failure.empty()) ADD_FAILURE_AT(path, r.line) << failure;
    return;
  }
  if (failure.empty()) {
    std::cout << "[sqltest] FIXED, remove the xfail line: " << file.relative << ":" << r.line
              << ": " << r.xfail << "\n";
    return;
  }
  std::cout << "[sqltest] known bug (xfail) " << file.relative << ":" << r.line << ": " << r.xfail
            << "\n";
}

// A query whose answer is the compressed state that SUNDIAL_SQLTEST_COMPRESS changes.
bool ReadsCompressedState(const std::string& sql) {
  for (const char* column : {"iscompressed", "compressedsize", "rawsize"}) {
    std::string lower = sql;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower.find(column) != std::string::npos) return true;
  }
  return false;
}

TEST_P(SqlLogicTest, Run) {
  const CaseFile& file = GetParam();
  std::string text;
  {
    std::ifstream in(file.path, std::ios::binary);
    ASSERT_TRUE(in.good()) << "cannot read " << file.path;
    std::ostringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  std::vector<Record> records;
  std::string parse_error;
  ASSERT_TRUE(ParseCases(text, &records, &parse_error))
      << file.path << ": malformed case file: " << parse_error;
  ASSERT_FALSE(records.empty()) << file.path << ": no records";

  std::string root = MakeTempRoot();
  ASSERT_FALSE(root.empty()) << "cannot create a temporary root";
  bool keep = std::getenv("SUNDIAL_SQLTEST_KEEP") != nullptr;
  if (keep) std::cerr << "[sqltest] root for " << file.relative << ": " << root << "\n";
  RootCleanup cleanup{root, keep};  // also on an early ASSERT return
  crash::Install();

  CaseRunner runner(root);
  core::Status st = runner.Open();
  ASSERT_TRUE(st.ok()) << "cannot open the engine on " << root << ": " << st.ToString();
  for (const Record& r : records) {
    if (r.kind == RecordKind::kRestart) {
      runner.Close();
      st = runner.Open();
      if (!st.ok()) {
        ADD_FAILURE_AT(file.path.c_str(), r.line)
            << "restart: cannot reopen the engine: " << st.ToString();
        break;
      }
      continue;
    }
    if (r.skip && !StrictMode()) {
      std::cout << "[sqltest] skipped, known crash (skip) " << file.relative << ":" << r.line
                << ": " << r.xfail << "\n";
      continue;
    }
    if (r.kind == RecordKind::kQuery && std::getenv("SUNDIAL_SQLTEST_COMPRESS") != nullptr &&
        !ReadsCompressedState(r.sql)) {
      st = runner.CompressAll();
      if (!st.ok()) {
        ADD_FAILURE_AT(file.path.c_str(), r.line) << "converting partitions to compressed before "
                                                     "this query failed: "
                                                  << st.ToString();
      }
    }
    Watchdog::Instance().Arm(file.path, r.line, r.sql);
    crash::SetStatement(file.path, r.line, r.sql);
    Outcome out = runner.Run(r.sql);
    crash::Clear();
    Watchdog::Instance().Disarm();
    Report(file, r, CheckRecord(r, out));
  }
  runner.Close();  // before the root is removed
}

INSTANTIATE_TEST_SUITE_P(Cases, SqlLogicTest, ::testing::ValuesIn(AllCases()), TestName);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(SqlLogicTest);

TEST(SqlLogicTestSetup, CaseFilesAreFound) {
  EXPECT_FALSE(AllCases().empty())
      << "no .sqltest files under '" << CasesDir()
      << "' (set SUNDIAL_SOURCE_DIR or SUNDIAL_SQLTEST_DIR; check SUNDIAL_SQLTEST_FILTER)";
}

// The runner's own rendering and parsing, so a runner bug is not mistaken for an engine bug.
TEST(SqlLogicTestFormat, DoublesUseShortestRoundTripJavaLayout) {
  EXPECT_EQ(FormatDouble(1.5), "1.5");
  EXPECT_EQ(FormatDouble(0.1), "0.1");
  EXPECT_EQ(FormatDouble(100.0), "100.0");
  EXPECT_EQ(FormatDouble(-2.0), "-2.0");
  EXPECT_EQ(FormatDouble(0.0), "0.0");
  EXPECT_EQ(FormatDouble(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(FormatDouble(1234567.0), "1234567.0");
  EXPECT_EQ(FormatDouble(12345678.0), "1.2345678E7");
  EXPECT_EQ(FormatDouble(1e20), "1.0E20");
  EXPECT_EQ(FormatDouble(0.001), "0.001");
  EXPECT_EQ(FormatDouble(0.0001), "1.0E-4");
  EXPECT_EQ(FormatDouble(-1.25e-5), "-1.25E-5");
  EXPECT_EQ(FormatDouble(std::nan("")), "NULL");
  EXPECT_EQ(FormatDouble(3.3333333333333335), "3.3333333333333335");
  EXPECT_EQ(FormatFloat(1.1f), "1.1");
  EXPECT_EQ(FormatFloat(0.5f), "0.5");
}

TEST(SqlLogicTestFormat, TextIsRawWithEmptyAndControlCharsMarked) {
  EXPECT_EQ(FormatText("abc"), "abc");
  EXPECT_EQ(FormatText(""), "(empty)");
  EXPECT_EQ(FormatText("a\tb\nc"), "a\\tb\\nc");
}

TEST(SqlLogicTestFormat, ParsesAllDirectives) {
  std::string text =
      "# comment\n"
      "statement ok\nCREATE TABLE t (a INT)\n\n"
      "statement error @7 Invalid column: z\nSELECT z FROM t\n\n"
      "query rowsort types\nSELECT a\nFROM t\n----\na\nINT\n1\n2\n\n"
      "query\nSELECT 1 x\n----\nx\n{{repeat 2 z}}\n\n"
      "restart\n"
      "statement ok\nSELECT '{{repeat 3 ab}}'\n";
  std::vector<Record> recs;
  std::string err;
  ASSERT_TRUE(ParseCases(text, &recs, &err)) << err;
  ASSERT_EQ(recs.size(), 6u);
  EXPECT_EQ(recs[0].kind, RecordKind::kStatementOk);
  EXPECT_EQ(recs[0].line, 2);
  EXPECT_EQ(recs[1].kind, RecordKind::kStatementError);
  EXPECT_EQ(recs[1].error_position, 7);
  EXPECT_EQ(recs[1].error_substring, "Invalid column: z");
  EXPECT_EQ(recs[2].kind, RecordKind::kQuery);
  EXPECT_TRUE(recs[2].rowsort);
  EXPECT_TRUE(recs[2].types);
  EXPECT_EQ(recs[2].sql, "SELECT a\nFROM t");
  EXPECT_EQ(recs[2].type_line, "INT");
  EXPECT_EQ(recs[2].rows, (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(recs[3].rows, (std::vector<std::string>{"zz"}));
  EXPECT_EQ(recs[4].kind, RecordKind::kRestart);
  EXPECT_EQ(recs[5].sql, "SELECT 'ababab'");
}

TEST(SqlLogicTestFormat, XfailMarksTheNextRecord) {
  std::vector<Record> recs;
  std::string err;
  ASSERT_TRUE(
      ParseCases("xfail upper() is ASCII-only\nquery\nSELECT 1 x\n----\nx\n1\n\n"
                 "statement ok\nSELECT 1\n",
                 &recs, &err))
      << err;
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].xfail, "upper() is ASCII-only");
  EXPECT_EQ(recs[0].line, 2);
  EXPECT_TRUE(recs[1].xfail.empty());
  EXPECT_FALSE(ParseCases("xfail\nstatement ok\nSELECT 1\n", &recs, &err));
  EXPECT_FALSE(ParseCases("xfail why\nrestart\n", &recs, &err));
  EXPECT_FALSE(ParseCases("xfail why\n", &recs, &err));
}

TEST(SqlLogicTestFormat, CheckRecordComparesRowsHeaderAndErrors) {
  Record q;
  q.kind = RecordKind::kQuery;
  q.sql = "SELECT a FROM t";
  q.header = "a";
  q.rows = {"2", "1"};
  Outcome out;
  out.is_query = true;
  out.kind = StatementKind::kQuery;
  out.header = "a";
  out.rows = {"1", "2"};
  EXPECT_NE(CheckRecord(q, out), "");
  q.rowsort = true;
  EXPECT_EQ(CheckRecord(q, out), "");
  out.header = "b";
  EXPECT_NE(CheckRecord(q, out), "");

  Record e;
  e.kind = RecordKind::kStatementError;
  e.error_substring = "Invalid column";
  e.error_position = 7;
  Outcome err;
  err.status = core::Status::InvalidArgument("Invalid column: z", 7);
  EXPECT_EQ(CheckRecord(e, err), "");
  err.status = core::Status::InvalidArgument("Invalid column: z", 8);
  EXPECT_NE(CheckRecord(e, err), "");
  err.status = core::Status::Internal("Invalid column: z");
  e.error_position = -1;
  EXPECT_NE(CheckRecord(e, err), "");
  EXPECT_NE(CheckRecord(e, Outcome{}), "");
}

TEST(SqlLogicTestFormat, RejectsMalformedFiles) {
  std::vector<Record> recs;
  std::string err;
  EXPECT_FALSE(ParseCases("query\nSELECT 1\n\n", &recs, &err));
  EXPECT_FALSE(ParseCases("statment ok\nSELECT 1\n", &recs, &err));
  EXPECT_FALSE(ParseCases("statement error @x boom\nSELECT 1\n", &recs, &err));
  EXPECT_FALSE(ParseCases("statement ok\nSELECT '{{repeat 99999999 a}}'\n", &recs, &err));
  EXPECT_FALSE(ParseCases("statement ok\nSELECT '{{repeat 3 a'\n", &recs, &err));
  EXPECT_FALSE(ParseCases("statement ok\nSELECT '{{unknown 3 a}}'\n", &recs, &err));
}

}  // namespace
}  // namespace sundial::sql
