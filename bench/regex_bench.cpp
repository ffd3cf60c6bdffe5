// Regex matching for SQL's `~`: core::Regex (a Pike VM, linear in the text) against std::regex
// (a backtracking matcher, what `~` used before) on the same patterns and 4096 log-like rows,
// in one run so the ratio is meaningful on a noisy machine.
//   ./build/bench/regex_bench --benchmark_min_time=0.5s
#include <benchmark/benchmark.h>

#include <random>
#include <regex>
#include <string>
#include <vector>

#include "core/regex.h"

namespace {

std::vector<std::string> Rows() {
  std::mt19937 rng(7);
  static const char* const kVerbs[] = {"GET", "POST", "PUT", "DELETE"};
  std::vector<std::string> rows;
  for (int k = 0; k < 4096; ++k) {
    rows.push_back(std::string(kVerbs[rng() % 4]) + " /api/v" + std::to_string(rng() % 3) +
                   "/items/" + std::to_string(rng() % 100000) + " " +
                   std::to_string(200 + 100 * (rng() % 4)) + " host-" + std::to_string(rng() % 50));
  }
  return rows;
}

const char* const kPatterns[] = {"404", "^(GET|POST) /api/v[12]/", "items/[0-9]+ 5[0-9][0-9]",
                                 "host-4[0-9]$"};

void BM_Regex_Sundial(benchmark::State& state) {
  auto rows = Rows();
  auto re = sundial::core::Regex::Compile(kPatterns[state.range(0)]);
  int64_t hits = 0;
  for (auto _ : state) {
    for (const auto& r : rows) hits += *re->Search(r);
  }
  benchmark::DoNotOptimize(hits);
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(rows.size()));
  state.SetLabel(kPatterns[state.range(0)]);
}
BENCHMARK(BM_Regex_Sundial)->DenseRange(0, 3);

void BM_Regex_StdRegex(benchmark::State& state) {
  auto rows = Rows();
  std::regex re(kPatterns[state.range(0)], std::regex::extended);
  int64_t hits = 0;
  for (auto _ : state) {
    for (const auto& r : rows) hits += std::regex_search(r, re);
  }
  benchmark::DoNotOptimize(hits);
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(rows.size()));
  state.SetLabel(kPatterns[state.range(0)]);
}
BENCHMARK(BM_Regex_StdRegex)->DenseRange(0, 3);

}  // namespace

BENCHMARK_MAIN();
