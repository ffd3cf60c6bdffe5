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
//   SUNDIAL_SQLTEST_DIR     read cases from this directory instead
//   SUNDIAL_SQLTEST_FILTER  comma-separated substrings; only files whose relative path contains
//                           one of them run (e.g. SUNDIAL_SQLTEST_FILTER=ddl/create)
//   SUNDIAL_SQLTEST_KEEP    if set, temporary roots are not deleted (their path is printed)
#include <gtest/gtest.h>

#include <algorithm>
#include <charconv>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "cairo/column_type.h"
#include "cairo/engine.h"
#include "core/file_system.h"
#include "core/status.h"
#include "core/timestamp.h"
#include "sql/result.h"
#include "sql/sql_engine.h"

#ifndef SUNDIAL_SQLTEST_DEFAULT_DIR
#define SUNDIAL_SQLTEST_DEFAULT_DIR ""
#endif

namespace sundial::sql {
namespace {

namespace fs = std::filesystem;
using cairo::ColumnType;

constexpr size_t kMaxResultRows = 1'000'000;  // a runaway query fails instead of eating memory
constexpr int64_t kMaxRepeat = 1'000'000;

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
      case '\t': out.append("\\t"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\\': out.append("\\\\"); break;
      default: out.push_back(c);
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
bool IsStringType(ColumnType t) { return t == ColumnType::kSymbol || t == ColumnType::kVarchar; }

std::string FormatValue(const ResultVector& v, size_t row) {
  if (row < v.nulls.size() && v.nulls[row] != 0) return "NULL";
  switch (v.type) {
    case ColumnType::kBoolean: return v.longs[row] != 0 ? "true" : "false";
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
    case ColumnType::kTimestamp: return core::FormatTimestamp(v.longs[row]);
    case ColumnType::kFloat: return FormatFloat(static_cast<float>(v.doubles[row]));
    case ColumnType::kDouble: return FormatDouble(v.doubles[row]);
    case ColumnType::kSymbol:
    case ColumnType::kVarchar:
      return FormatText(v.strings[row]);
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
    std::string_view text(res.ptr + 1, static_cast<size_t>(body.data() + body.size() - res.ptr - 1));
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
    if (!ExpandMacros(&sql, &macro_error)) return fail(static_cast<size_t>(r.line - 1), macro_error);
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
      if (r.types) {
        if (i >= lines.size() || IsBlank(lines[i])) return fail(i, "'query types' needs a types line");
        r.type_line = lines[i++];
      }
      while (i < lines.size() && !lines[i].empty()) r.rows.push_back(lines[i++]);
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
  return SUNDIAL_SQLTEST_DEFAULT_DIR;
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

class SqlLogicTest : public ::testing::TestWithParam<CaseFile> {};

void CheckRecord(const CaseFile& file, const Record& r, const Outcome& out) {
  auto where = [&]() {
    return "statement:\n  " + r.sql + "\n";
  };
  const char* path = file.path.c_str();
  if (!out.malformed.empty()) {
    ADD_FAILURE_AT(path, r.line) << where() << "malformed result: " << out.malformed;
    return;
  }
  switch (r.kind) {
    case RecordKind::kRestart:
      return;
    case RecordKind::kStatementOk:
      if (!out.status.ok()) {
        ADD_FAILURE_AT(path, r.line) << where() << "expected: ok\nactual error: "
                                     << DescribeStatus(out.status);
      }
      return;
    case RecordKind::kStatementError:
      if (out.status.ok()) {
        ADD_FAILURE_AT(path, r.line) << where() << "expected error containing: '"
                                     << r.error_substring << "'"
                                     << (r.error_position >= 0
                                             ? " at position " + std::to_string(r.error_position)
                                             : std::string())
                                     << "\nactual: statement succeeded"
                                     << (out.is_query ? ", rows:\n" + JoinLines(out.rows) : "");
        return;
      }
      if (out.status.message().find(r.error_substring) == std::string::npos ||
          (r.error_position >= 0 && out.status.position() != r.error_position)) {
        ADD_FAILURE_AT(path, r.line) << where() << "expected error containing: '"
                                     << r.error_substring << "'"
                                     << (r.error_position >= 0
                                             ? " at position " + std::to_string(r.error_position)
                                             : std::string())
                                     << "\nactual error: " << DescribeStatus(out.status);
      }
      if (out.status.code() == core::StatusCode::kInternal) {
        ADD_FAILURE_AT(path, r.line) << where() << "error is Internal (a bug, not a user error): "
                                     << DescribeStatus(out.status);
      }
      return;
    case RecordKind::kQuery: {
      if (!out.status.ok()) {
        ADD_FAILURE_AT(path, r.line) << where() << "expected rows\nactual error: "
                                     << DescribeStatus(out.status);
        return;
      }
      if (!out.is_query) {
        ADD_FAILURE_AT(path, r.line) << where() << "expected rows, statement returned no result set";
        return;
      }
      std::vector<std::string> expected = r.rows;
      std::vector<std::string> actual = out.rows;
      if (r.rowsort) {
        std::sort(expected.begin(), expected.end());
        std::sort(actual.begin(), actual.end());
      }
      bool same = out.header == r.header && (!r.types || out.type_line == r.type_line) &&
                  expected == actual;
      if (!same) {
        std::string exp_text = "  " + r.header + "\n" + (r.types ? "  " + r.type_line + "\n" : "") +
                               JoinLines(expected);
        std::string act_text = "  " + out.header + "\n" +
                               (r.types ? "  " + out.type_line + "\n" : "") + JoinLines(actual);
        std::string first_diff;
        if (out.header != r.header) {
          first_diff = "header differs";
        } else if (r.types && out.type_line != r.type_line) {
          first_diff = "types differ (actual: " + out.type_line + ")";
        } else {
          size_t k = 0;
          while (k < expected.size() && k < actual.size() && expected[k] == actual[k]) k++;
          first_diff = "first difference at row " + std::to_string(k + 1) + " (expected " +
                       std::to_string(expected.size()) + " rows, got " +
                       std::to_string(actual.size()) + ")";
        }
        ADD_FAILURE_AT(path, r.line) << where() << first_diff << (r.rowsort ? " [rowsort]" : "")
                                     << "\nexpected:\n" << exp_text << "actual:\n" << act_text
                                     << "(types: " << out.type_line << ")";
      }
      return;
    }
  }
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
  {
    CaseRunner runner(root);
    core::Status st = runner.Open();
    ASSERT_TRUE(st.ok()) << "cannot open the engine on " << root << ": " << st.ToString();
    for (const Record& r : records) {
      if (r.kind == RecordKind::kRestart) {
        runner.Close();
        st = runner.Open();
        if (!st.ok()) {
          ADD_FAILURE_AT(file.path.c_str(), r.line) << "restart: cannot reopen the engine: "
                                                    << st.ToString();
          break;
        }
        continue;
      }
      CheckRecord(file, r, runner.Run(r.sql));
    }
  }
  if (!keep) {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
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
      "query\nSELECT 1 x\n----\nx\n\n"
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
  EXPECT_TRUE(recs[3].rows.empty());
  EXPECT_EQ(recs[4].kind, RecordKind::kRestart);
  EXPECT_EQ(recs[5].sql, "SELECT 'ababab'");
}

TEST(SqlLogicTestFormat, RejectsMalformedFiles) {
  std::vector<Record> recs;
  std::string err;
  EXPECT_FALSE(ParseCases("query\nSELECT 1\n\n", &recs, &err));
  EXPECT_FALSE(ParseCases("statment ok\nSELECT 1\n", &recs, &err));
  EXPECT_FALSE(ParseCases("statement error @x boom\nSELECT 1\n", &recs, &err));
  EXPECT_FALSE(ParseCases("statement ok\nSELECT '{{repeat 99999999 a}}'\n", &recs, &err));
}

}  // namespace
}  // namespace sundial::sql
