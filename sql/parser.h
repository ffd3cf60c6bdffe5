// sql/parser.h — recursive-descent parser for Sundial's (QuestDB's) SQL dialect.
//
// Produces a Statement (sql/ast.h). Every error is a kSyntaxError Status with a QuestDB-like
// message and the 0-based byte position of the offending token. Input is bounded: longer
// than `max_query_length` bytes, or nesting deeper than `max_expression_depth`, is refused
// with an error, never a crash. Thread-safe (no shared state).
#pragma once

#include <span>
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

// pg_catalog, information_schema or public (any case): the schemas a name may be qualified
// with (`pg_catalog.pg_class`, `pg_catalog.version()`, `public.t`).
bool IsCatalogSchema(std::string_view name);

// The words that cannot be a bare table, column or alias name (they end a select list or a
// FROM item), lower case: what keywords() and pg_get_keywords() list.
std::span<const std::string_view> ReservedWords();

}  // namespace sundial::sql
