// sql/parser.h — recursive-descent parser for Sundial's (QuestDB's) SQL dialect.
//
// Produces a Statement (sql/ast.h). Every error is a kSyntaxError Status with a QuestDB-like
// message and the 0-based byte position of the offending token. Input is bounded: longer
// than `max_query_length` bytes, or nesting deeper than `max_expression_depth`, is refused
// with an error, never a crash. Thread-safe (no shared state).
#pragma once

#include <string_view>

#include "core/status.h"
#include "sql/ast.h"

namespace sundial::sql {

struct ParserLimits {
  size_t max_query_length = 1 << 20;
  int max_expression_depth = 256;
};

// Parses one statement; a trailing ';' is allowed.
core::Result<Statement> ParseStatement(std::string_view sql, const ParserLimits& limits = {});

// Parses a standalone expression (tests, DEFAULT values).
core::Result<ExprPtr> ParseExpression(std::string_view sql, const ParserLimits& limits = {});

}  // namespace sundial::sql
