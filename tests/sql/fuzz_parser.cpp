// libFuzzer target for the SQL lexer and parser: any input must give a Statement or an error
// Status with a position inside the text, never a crash, a hang or unbounded recursion.
// Build: cmake -DSUNDIAL_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ ..., then
//   ./tests/sql/sql_fuzz_parser tests/sql/fuzz_corpus -max_total_time=60
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sql/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view sql(reinterpret_cast<const char*>(data), size);
  sundial::sql::ParserLimits limits;
  limits.max_query_length = 1 << 16;
  limits.max_expression_depth = 64;
  auto st = sundial::sql::ParseStatement(sql, limits);
  if (!st.ok()) {
    int32_t pos = st.status().position();
    if (pos < -1 || pos > static_cast<int32_t>(size)) std::abort();
  }
  auto e = sundial::sql::ParseExpression(sql, limits);
  (void)e;
  return 0;
}
