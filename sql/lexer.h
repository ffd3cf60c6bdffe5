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
// string, quoted identifier or comment, or a character that starts no token.
core::Result<std::vector<Token>> Tokenize(std::string_view sql);

bool EqualsIgnoreCase(std::string_view a, std::string_view b);
std::string ToLower(std::string_view s);

}  // namespace sundial::sql
