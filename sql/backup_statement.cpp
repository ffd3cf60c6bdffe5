// BACKUP / SNAPSHOT / CHECKPOINT statements: a tiny recursive-descent recogniser in front of
// the general SQL parser. Positions are 0-based byte offsets into the statement text, as in
// QuestDB's error replies (questdb-facts.md 1.3, 2.1).
//
// Tokens: whitespace and comments (`-- ...`, `/* ... */`) separate tokens; a quoted name
// ('x' or "x", a doubled quote escapes it) is one token; a run of identifier characters
// (letters, digits, '_', '$', '-', and any byte >= 0x80 so UTF-8 names work) is one token;
// any other character is a token by itself. So `../t` lexes as '.', '.', '/', 't' and the
// name check reports "'.' is an invalid table name" at the first '.', as QuestDB does.
#include "sql/backup_statement.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "cairo/column_type.h"

namespace sundial::sql {
namespace {

constexpr char kBackupDisabled[] =
    "backup is disabled, server.conf property 'cairo.sql.backup.root' is not set";

struct Token {
  std::string_view raw;  // as written (empty at end of input)
  std::string text;      // unquoted value
  int32_t pos = 0;
  bool is_quoted = false;
  bool at_end() const { return raw.empty(); }
};

bool IsIdentChar(unsigned char c) {
  return std::isalnum(c) || c == '_' || c == '$' || c == '-' || c >= 0x80;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

class Lexer {
 public:
  explicit Lexer(std::string_view sql) : sql_(sql) {}

  // The next token; at end of input a token with empty `raw` at position sql.size().
  // An unterminated quote is returned as an error through `error_`.
  Token Next() {
    SkipSpace();
    Token t;
    t.pos = static_cast<int32_t>(pos_);
    if (pos_ >= sql_.size()) return t;
    char c = sql_[pos_];
    size_t start = pos_;
    if (c == '\'' || c == '"') {
      t.is_quoted = true;
      pos_++;
      bool closed = false;
      while (pos_ < sql_.size()) {
        if (sql_[pos_] == c) {
          if (pos_ + 1 < sql_.size() && sql_[pos_ + 1] == c) {
            t.text.push_back(c);
            pos_ += 2;
            continue;
          }
          pos_++;
          closed = true;
          break;
        }
        t.text.push_back(sql_[pos_++]);
      }
      if (!closed && error_.ok()) {
        error_ = core::Status::SyntaxError("unclosed quotation mark", t.pos);
      }
    } else if (IsIdentChar(static_cast<unsigned char>(c))) {
      while (pos_ < sql_.size() && IsIdentChar(static_cast<unsigned char>(sql_[pos_]))) pos_++;
      t.text = std::string(sql_.substr(start, pos_ - start));
    } else {
      pos_++;
      t.text = std::string(1, c);
    }
    t.raw = sql_.substr(start, pos_ - start);
    return t;
  }

  const core::Status& error() const { return error_; }

 private:
  void SkipSpace() {
    while (pos_ < sql_.size()) {
      char c = sql_[pos_];
      if (std::isspace(static_cast<unsigned char>(c))) {
        pos_++;
      } else if (c == '-' && pos_ + 1 < sql_.size() && sql_[pos_ + 1] == '-') {
        while (pos_ < sql_.size() && sql_[pos_] != '\n') pos_++;
      } else if (c == '/' && pos_ + 1 < sql_.size() && sql_[pos_ + 1] == '*') {
        size_t end = sql_.find("*/", pos_ + 2);
        pos_ = end == std::string_view::npos ? sql_.size() : end + 2;
      } else {
        break;
      }
    }
  }

  std::string_view sql_;
  size_t pos_ = 0;
  core::Status error_;
};

bool IsKeyword(const Token& t, std::string_view kw) {
  return !t.is_quoted && EqualsIgnoreCase(t.raw, kw);
}

bool IsSemicolon(const Token& t) { return !t.is_quoted && t.raw == ";"; }

// After the statement: nothing, or ';' followed by nothing.
core::Status ExpectEnd(Lexer& lex, Token t) {
  if (IsSemicolon(t)) t = lex.Next();
  if (!lex.error().ok()) return lex.error();
  if (!t.at_end()) {
    return core::Status::SyntaxError("unexpected token [" + std::string(t.raw) + "]", t.pos);
  }
  return core::Status::Ok();
}

// Execution errors keep their code and message; they point at the statement start unless
// they already carry a position (QuestDB reports CairoExceptions at 0).
core::Status AtStatement(const core::Status& st) {
  return st.position() >= 0 ? st : st.WithPosition(0);
}

core::Result<ExecResult> Ddl() {
  ExecResult r;
  r.kind = StatementKind::kDdl;
  return r;
}

core::Result<ExecResult> RunBackup(Lexer& lex, cairo::BackupService* backup) {
  Token t = lex.Next();
  if (!lex.error().ok()) return lex.error();
  if (IsKeyword(t, "database")) {
    RETURN_IF_ERROR(ExpectEnd(lex, lex.Next()));
    auto r = backup->BackupDatabase();
    if (!r.ok()) return AtStatement(r.status());
    return Ddl();
  }
  if (!IsKeyword(t, "table")) {
    return core::Status::SyntaxError("expected 'table' or 'database'", t.pos);
  }
  std::vector<std::string> tables;
  for (;;) {
    Token name = lex.Next();
    if (!lex.error().ok()) return lex.error();
    if (name.at_end() || IsSemicolon(name) || (!name.is_quoted && name.raw == ",")) {
      return core::Status::SyntaxError("expected a table name", name.pos);
    }
    std::string invalid = cairo::ValidateTableName(name.text);
    if (!invalid.empty()) return core::Status::InvalidArgument(invalid, name.pos);
    if (!backup->HasTable(name.text)) {
      return core::Status::NotFound("table does not exist [table=" + name.text + "]", name.pos);
    }
    bool is_duplicate = std::any_of(tables.begin(), tables.end(), [&](const std::string& s) {
      return EqualsIgnoreCase(s, name.text);
    });
    if (!is_duplicate) tables.push_back(name.text);

    Token sep = lex.Next();
    if (!lex.error().ok()) return lex.error();
    if (!sep.is_quoted && sep.raw == ",") continue;
    if (sep.at_end() || IsSemicolon(sep)) {
      RETURN_IF_ERROR(ExpectEnd(lex, sep));
      break;
    }
    return core::Status::SyntaxError("expected ','", sep.pos);
  }
  auto r = backup->BackupTables(tables);
  if (!r.ok()) return AtStatement(r.status());
  return Ddl();
}

core::Result<ExecResult> RunSnapshot(Lexer& lex, cairo::BackupService* backup, bool checkpoint) {
  Token t = lex.Next();
  if (!lex.error().ok()) return lex.error();
  const char* begin_kw = checkpoint ? "create" : "prepare";
  const char* end_kw = checkpoint ? "release" : "complete";
  bool is_begin = IsKeyword(t, begin_kw);
  if (!is_begin && !IsKeyword(t, end_kw)) {
    return core::Status::SyntaxError(
        checkpoint ? "'create' or 'release' expected" : "'prepare' or 'complete' expected", t.pos);
  }
  RETURN_IF_ERROR(ExpectEnd(lex, lex.Next()));
  if (backup == nullptr) {
    return core::Status::Unsupported(
        checkpoint ? "checkpoint is not available on this server"
                   : "snapshot is not available on this server",
        0);
  }
  core::Status st =
      is_begin ? backup->SnapshotPrepare(checkpoint) : backup->SnapshotComplete(checkpoint);
  if (!st.ok()) return AtStatement(st);
  return Ddl();
}

}  // namespace

std::optional<core::Result<ExecResult>> TryExecuteBackupStatement(std::string_view sql,
                                                                  cairo::BackupService* backup) {
  Lexer lex(sql);
  Token first = lex.Next();
  if (first.is_quoted || first.at_end()) return std::nullopt;
  if (IsKeyword(first, "backup")) {
    // QuestDB checks the root before parsing: with no root every BACKUP fails at 0.
    if (backup == nullptr || !backup->enabled()) {
      return core::Result<ExecResult>(core::Status::InvalidArgument(kBackupDisabled, 0));
    }
    return RunBackup(lex, backup);
  }
  if (IsKeyword(first, "snapshot")) return RunSnapshot(lex, backup, /*checkpoint=*/false);
  if (IsKeyword(first, "checkpoint")) return RunSnapshot(lex, backup, /*checkpoint=*/true);
  return std::nullopt;
}

}  // namespace sundial::sql
