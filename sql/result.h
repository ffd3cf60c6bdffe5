// sql/result.h — what a statement returns to the server: a streamed, column-major sequence of
// result blocks for queries, or a DDL/DML acknowledgement.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cairo/column_type.h"
#include "core/status.h"

namespace sundial::sql {

struct ResultColumn {
  std::string name;
  cairo::ColumnType type;
};

// One column of a block. Exactly one value vector is used, by type:
//   longs:   BOOLEAN (0/1), BYTE, SHORT, CHAR (UTF-16 unit), INT, LONG, DATE (ms), TIMESTAMP (µs)
//   doubles: FLOAT, DOUBLE
//   strings: SYMBOL, VARCHAR, BINARY (its bytes), and IPv4, UUID, LONG128, LONG256, GEOHASH as
//            their text
//            (cairo/column_text.h) (views into the block's arena or into pinned table storage)
// nulls[i] != 0 marks row i null (for every type; the value slot is then unspecified).
struct ResultVector {
  cairo::ColumnType type = cairo::ColumnType::kDouble;
  std::vector<int64_t> longs;
  std::vector<double> doubles;
  std::vector<std::string_view> strings;
  std::vector<uint8_t> nulls;
};

struct ResultBlock {
  size_t row_count = 0;
  std::vector<ResultVector> columns;
  std::deque<std::string> arena;  // owns string bytes the views may point into
  void Clear() {
    row_count = 0;
    for (auto& c : columns) {
      c.longs.clear();
      c.doubles.clear();
      c.strings.clear();
      c.nulls.clear();
    }
    arena.clear();
  }
};

// A streamed query result. Not thread-safe. Holds its table pins until destroyed.
class RowSource {
 public:
  virtual ~RowSource() = default;
  virtual const std::vector<ResultColumn>& columns() const = 0;
  // Index of the designated timestamp column in the result (QuestDB's "timestamp"), or -1.
  virtual int timestamp_index() const = 0;
  // Clears `block` and fills it with the next rows (at most ~`max_rows`). Returns false when
  // the result is exhausted (block then has 0 rows). An error mid-stream is returned as a
  // Status with a position.
  virtual core::Result<bool> Next(ResultBlock* block, size_t max_rows) = 0;
};

enum class StatementKind {
  kQuery,  // rows
  kDdl,    // {"ddl":"OK"}
  kDml,    // {"dml":"OK"} (INSERT), {"dml":"OK","updated":n} (UPDATE)
};

struct ExecResult {
  StatementKind kind = StatementKind::kDdl;
  std::unique_ptr<RowSource> rows;  // kQuery only
  int64_t affected_rows = 0;        // kDml: rows inserted or updated
  bool is_update = false;           // kDml: UPDATE, answered {"dml":"OK","updated":n}
};

}  // namespace sundial::sql
