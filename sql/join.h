// sql/join.h — INNER / LEFT / CROSS hash joins on equality keys, and ASOF / LT joins on the
// designated timestamps (optionally keyed). The right side is materialised; the left side
// streams. Output columns: left's then right's; the designated timestamp is the left one.
#pragma once

#include "sql/ast.h"
#include "sql/operator.h"

namespace sundial::sql {

struct JoinContext {
  int64_t now_us = 0;
  int max_depth = 256;
};

core::Result<OpPtr> MakeJoin(OpPtr left, OpPtr right, const JoinClause& join,
                             const JoinContext& ctx);

}  // namespace sundial::sql
