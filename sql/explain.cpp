// EXPLAIN: the text of an operator tree (the shape is documented in sql/README.md).
#include <cstdint>

#include "core/timestamp.h"
#include "sql/operator.h"

namespace sundial::sql {
namespace {

std::string IntervalEnd(int64_t us) {
  if (us == INT64_MIN) return "-inf";
  if (us == INT64_MAX) return "+inf";
  return core::FormatTimestamp(us);
}

void Render(const Operator& op, int depth, std::vector<std::string>* out) {
  // Deep trees (nested subqueries) are bounded by the parser's depth limit.
  const ExplainNode node = op.Explain();
  const std::string indent(static_cast<size_t>(depth) * 4, ' ');
  out->push_back(indent + node.line);
  for (const auto& d : node.details) out->push_back(indent + "    " + d);
  for (const Operator* in : node.inputs) Render(*in, depth + 1, out);
}

}  // namespace

std::string ExplainNames(const std::vector<ColInfo>& cols) {
  std::string s = "[";
  for (size_t k = 0; k < cols.size(); ++k) s += (k ? ", " : "") + cols[k].name;
  return s + "]";
}

std::string ExplainScan(const ScanSpec& spec) {
  const auto& schema = spec.view.schema();
  std::vector<ColInfo> read;
  for (size_t c = 0; c < schema.columns.size(); ++c) {
    if (!spec.needed || (c < spec.needed->size() && (*spec.needed)[c])) {
      read.push_back({schema.columns[c].name, schema.columns[c].type, ""});
    }
  }
  std::string s = "TableScan " + spec.view.table_name() + " columns: " + ExplainNames(read);
  if (spec.has_intervals) {
    s += " intervals: [";
    for (size_t k = 0; k < spec.intervals.size(); ++k) {
      s += (k ? ", " : "") + IntervalEnd(spec.intervals[k].lo) + ".." +
           IntervalEnd(spec.intervals[k].hi);
    }
    s += "]";
  }
  return s;
}

std::vector<std::string> ExplainLines(const Operator& root) {
  std::vector<std::string> lines;
  Render(root, 0, &lines);
  return lines;
}

}  // namespace sundial::sql
