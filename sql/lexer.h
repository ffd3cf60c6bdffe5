// sql/lexer.h — splits SQL text into tokens with their 0-based byte positions.
//
// QuestDB's lexical rules: keywords and identifiers are case-insensitive, "double quotes"
// quote identifiers, 'single quotes' are strings ('' escapes a quote), `--` and `/* */` are
// comments. A number immediately followed by letters ("1h", "30m") is one kDuration token,
// as used by SAMPLE BY. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sundial::sql {

enum class TokenKind : uint8_t {
  kIdent,         // bare word: keyword or identifier
  kQuotedIdent,   // "my table" (text without quotes)
  kString,        // 'abc' (text unescaped)
  kInteger,       // 123
  kFloat,         // 1.5, 1e3, .5
  kDuration,      // 1h, 15m (number + unit letters)
  kOperator,      // ( ) , . ; + - * / % = != <> < <= > >= :: || ~ !~ [ ]
  kGeoHash,       // #u33d8, #u33d8/20, ##0110 (the whole literal; the parser checks it)
  kEnd,
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  int32_t pos = 0;
  std::string text;  // identifier / operator / number text; unescaped string content

  bool IsOp(std::string_view op) const { return kind == TokenKind::kOperator && text == op; }
  // Case-insensitive keyword test on a bare word.
  bool IsKeyword(std::string_view kw) const;
};

// Tokenizes all of `sql`; the last token is kEnd at sql.size(). Errors: an unterminated
// string, quoted identifier or comment ("unclosed quotation mark", "unclosed comment"), or a
// character that starts no token.
core::Result<std::vector<Token>> Tokenize(std::string_view sql);

// The first token of `sql` by the same rules, without looking at the rest (kEnd at sql.size()
// when there is none). For the few decisions taken on a statement's first word before it is
// parsed (the BACKUP ordering rule in sql_engine.cpp).
core::Result<Token> FirstToken(std::string_view sql);

// True if the first token of `sql` is the bare word `keyword` (case-insensitive); false for
// anything else, a first token that does not lex included.
bool StartsWithKeyword(std::string_view sql, std::string_view keyword);

bool EqualsIgnoreCase(std::string_view a, std::string_view b);
std::string ToLower(std::string_view s);

}  // namespace sundial::sql
