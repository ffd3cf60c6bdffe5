#include "sql/lexer.h"

#include <cctype>

namespace sundial::sql {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string ToLower(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

bool Token::IsKeyword(std::string_view kw) const {
  return kind == TokenKind::kIdent && EqualsIgnoreCase(text, kw);
}

namespace {

bool IsIdentStart(unsigned char c) { return std::isalpha(c) || c == '_' || c >= 0x80; }
bool IsIdentPart(unsigned char c) {
  return std::isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

// Skips whitespace and comments from `*i`; an unterminated /* comment is an error.
core::Status SkipSpaceAndComments(std::string_view sql, size_t* i) {
  const size_t n = sql.size();
  while (*i < n) {
    unsigned char c = sql[*i];
    if (std::isspace(c)) {
      ++*i;
    } else if (c == '-' && *i + 1 < n && sql[*i + 1] == '-') {
      while (*i < n && sql[*i] != '\n') ++*i;
    } else if (c == '/' && *i + 1 < n && sql[*i + 1] == '*') {
      size_t end = sql.find("*/", *i + 2);
      if (end == std::string_view::npos) {
        return core::Status::SyntaxError("unclosed comment", static_cast<int32_t>(*i));
      }
      *i = end + 2;
    } else {
      break;
    }
  }
  return core::Status::Ok();
}

// Lexes the token that starts at `*pos` (not blank, not a comment) into `*out`; advances `*pos`.
core::Status LexToken(std::string_view sql, size_t* pos, Token* out) {
  size_t& i = *pos;
  const size_t n = sql.size();
  auto at = [&](size_t k) -> unsigned char { return k < n ? sql[k] : 0; };
  const unsigned char c = sql[i];
  Token& t = *out;
  t.pos = static_cast<int32_t>(i);
  if (c == '\'' || c == '"') {
    char q = static_cast<char>(c);
    size_t k = i + 1;
    std::string text;
    bool closed = false;
    while (k < n) {
      if (sql[k] == q) {
        if (at(k + 1) == static_cast<unsigned char>(q)) {
          text.push_back(q);
          k += 2;
          continue;
        }
        closed = true;
        ++k;
        break;
      }
      text.push_back(sql[k++]);
    }
    if (!closed) {
      return core::Status::SyntaxError("unclosed quotation mark", t.pos);
    }
    t.kind = q == '\'' ? TokenKind::kString : TokenKind::kQuotedIdent;
    t.text = std::move(text);
    i = k;
  } else if (std::isdigit(c) || (c == '.' && std::isdigit(at(i + 1)))) {
    size_t k = i;
    bool is_float = false;
    while (std::isdigit(at(k))) ++k;
    if (at(k) == '.' && std::isdigit(at(k + 1))) {
      is_float = true;
      ++k;
      while (std::isdigit(at(k))) ++k;
    } else if (at(k) == '.' && !IsIdentStart(at(k + 1))) {
      is_float = true;  // "1." is a double
      ++k;
    }
    if ((at(k) == 'e' || at(k) == 'E') &&
        (std::isdigit(at(k + 1)) ||
         ((at(k + 1) == '+' || at(k + 1) == '-') && std::isdigit(at(k + 2))))) {
      is_float = true;
      k += 2;
      while (std::isdigit(at(k))) ++k;
    }
    t.kind = is_float ? TokenKind::kFloat : TokenKind::kInteger;
    if (!is_float && (at(k) == 'L' || at(k) == 'l') && !IsIdentPart(at(k + 1))) {
      ++k;  // 42L: a LONG literal (the parser reads the suffix)
    } else if (!is_float && IsIdentStart(at(k))) {
      while (IsIdentPart(at(k))) ++k;
      t.kind = TokenKind::kDuration;
    }
    t.text = std::string(sql.substr(i, k - i));
    i = k;
  } else if (c == '#' && (at(i + 1) == '#' || std::isalnum(at(i + 1)))) {
    // Geohash literals: `#` base32 characters [`/` bits], or `##` binary digits. The token
    // takes every letter and digit that follows, so that `##012` is one (invalid) literal.
    size_t k = i + 1;
    if (at(k) == '#') ++k;
    while (std::isalnum(at(k))) ++k;
    if (at(i + 1) != '#' && at(k) == '/' && std::isdigit(at(k + 1))) {
      ++k;
      while (std::isdigit(at(k))) ++k;
    }
    t.kind = TokenKind::kGeoHash;
    t.text = std::string(sql.substr(i, k - i));
    i = k;
  } else if (IsIdentStart(c)) {
    size_t k = i;
    while (IsIdentPart(at(k))) ++k;
    t.kind = TokenKind::kIdent;
    t.text = std::string(sql.substr(i, k - i));
    i = k;
  } else {
    // "<<" / "<<=" / ">>" / ">>=": IPv4 subnet containment (longest match first).
    static constexpr std::string_view kTwo[] = {"<<=", ">>=", "!=", "<>", "<<", ">>",
                                                "<=",  ">=",  "::", "||", "!~"};
    t.kind = TokenKind::kOperator;
    bool matched = false;
    for (auto op : kTwo) {
      if (sql.substr(i, op.size()) == op) {
        t.text = std::string(op);
        i += op.size();
        matched = true;
        break;
      }
    }
    if (!matched) {
      if (std::string_view("(),.;+-*/%=<>~[]").find(static_cast<char>(c)) ==
          std::string_view::npos) {
        return core::Status::SyntaxError(
            "unexpected character '" + std::string(1, static_cast<char>(c)) + "'", t.pos);
      }
      t.text = std::string(1, static_cast<char>(c));
      ++i;
    }
  }
  return core::Status::Ok();
}

Token EndToken(std::string_view sql) {
  Token end;
  end.kind = TokenKind::kEnd;
  end.pos = static_cast<int32_t>(sql.size());
  return end;
}

}  // namespace

core::Result<std::vector<Token>> Tokenize(std::string_view sql) {
  std::vector<Token> out;
  size_t i = 0;
  for (;;) {
    RETURN_IF_ERROR(SkipSpaceAndComments(sql, &i));
    if (i >= sql.size()) break;
    Token t;
    RETURN_IF_ERROR(LexToken(sql, &i, &t));
    out.push_back(std::move(t));
  }
  out.push_back(EndToken(sql));
  return out;
}

core::Result<Token> FirstToken(std::string_view sql) {
  size_t i = 0;
  RETURN_IF_ERROR(SkipSpaceAndComments(sql, &i));
  if (i >= sql.size()) return EndToken(sql);
  Token t;
  RETURN_IF_ERROR(LexToken(sql, &i, &t));
  return t;
}

bool StartsWithKeyword(std::string_view sql, std::string_view keyword) {
  auto t = FirstToken(sql);
  return t.ok() && t->IsKeyword(keyword);
}

}  // namespace sundial::sql
