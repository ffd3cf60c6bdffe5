// bench/window_bench.cpp — window functions on the benchmark `cpu` table (gen.py's data,
// built in-process by tests/sql/cpu_dataset.h): row_number() and a 10-row moving average per
// host over one day, through SqlEngine::Execute with every result row consumed; next to the
// same query without the window functions (scan + result rows only), in the same run, so the
// window operator's own cost is the difference. bench/window_duckdb.sh runs this next to
// DuckDB's in-process time for the same query.
//
// The table is built once into $SUNDIAL_WINDOW_BENCH_DIR (default /tmp/sundial-window-bench)
// and reused; SUNDIAL_WINDOW_BENCH_ROWS sets its size (default 5,000,000: the queried day holds
// 1,440,000 rows). Disk-backed, page-cache speed (read through mmap).
//
//   BM_Window_CpuDay        the window query
//   BM_Window_CpuDayScan    the same SELECT without the two window functions (baseline)
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "cairo/engine.h"
#include "sql/result.h"
#include "sql/sql_engine.h"
#include "tests/sql/cpu_dataset.h"

namespace sundial::sql {
namespace {

constexpr const char* kWindowQuery =
    "SELECT ts, hostname, usage_user, row_number() OVER (PARTITION BY hostname ORDER BY ts), "
    "avg(usage_user) OVER (PARTITION BY hostname ORDER BY ts ROWS BETWEEN 9 PRECEDING AND "
    "CURRENT ROW) FROM cpu WHERE ts IN '2024-01-02'";
constexpr const char* kScanQuery =
    "SELECT ts, hostname, usage_user FROM cpu WHERE ts IN '2024-01-02'";

struct Env {
  std::unique_ptr<cairo::Engine> engine;
  std::unique_ptr<SqlEngine> sql;
};

Env& GetEnv() {
  static Env* env = [] {
    auto* e = new Env();
    const char* dir = std::getenv("SUNDIAL_WINDOW_BENCH_DIR");
    const std::string root = dir ? dir : "/tmp/sundial-window-bench";
    const char* rows_env = std::getenv("SUNDIAL_WINDOW_BENCH_ROWS");
    const int64_t rows = rows_env ? std::atoll(rows_env) : 5'000'000;
    cairo::EngineOptions o;
    o.db_root = root + "/db";
    auto opened = cairo::Engine::Open(core::NewPosixFileSystem(), o);
    if (!opened.ok()) {
      std::fprintf(stderr, "engine: %s\n", opened.status().ToString().c_str());
      std::abort();
    }
    e->engine = std::move(opened).value();
    bool ok = false;
    if (e->engine->HasTable("cpu")) {
      auto v = e->engine->Pin("cpu");
      ok = v.ok() && v->row_count() == rows;
      if (!ok) (void)e->engine->DropTable("cpu");
    }
    if (!ok) {
      std::fprintf(stderr, "building cpu table (%lld rows) in %s ...\n",
                   static_cast<long long>(rows), root.c_str());
      core::Status st = testing_cpu::LoadCpu(e->engine.get(), rows);
      if (!st.ok()) {
        std::fprintf(stderr, "load: %s\n", st.ToString().c_str());
        std::abort();
      }
    }
    e->sql = std::make_unique<SqlEngine>(e->engine.get(), nullptr, SqlOptions{});
    return e;
  }();
  return *env;
}

size_t RunQuery(const char* q) {
  auto r = GetEnv().sql->Execute(q);
  if (!r.ok()) {
    std::fprintf(stderr, "%s: %s\n", q, r.status().ToString().c_str());
    std::abort();
  }
  ResultBlock b;
  size_t rows = 0;
  for (;;) {
    auto more = r->rows->Next(&b, 4096);
    if (!more.ok()) {
      std::fprintf(stderr, "%s: %s\n", q, more.status().ToString().c_str());
      std::abort();
    }
    if (!*more) break;
    rows += b.row_count;
    benchmark::DoNotOptimize(b.columns.data());
  }
  return rows;
}

void Run(benchmark::State& state, const char* q) {
  GetEnv();
  size_t rows = 0;
  for (auto _ : state) rows = RunQuery(q);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * rows));
  state.counters["rows"] = static_cast<double>(rows);
}

void BM_Window_CpuDay(benchmark::State& state) { Run(state, kWindowQuery); }
void BM_Window_CpuDayScan(benchmark::State& state) { Run(state, kScanQuery); }

BENCHMARK(BM_Window_CpuDay)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Window_CpuDayScan)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace sundial::sql

BENCHMARK_MAIN();
