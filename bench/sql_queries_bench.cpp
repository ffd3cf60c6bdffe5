// bench/sql_queries_bench.cpp — the five comparison queries (bench/peers/queries.md) through
// SqlEngine::Execute with every result row consumed, next to hand-written C++ loops over the
// same TableView columns, in the same run.
//
// The `cpu` table (5M rows, 1000 hosts, identical to gen.py's data) is built once into
// $SUNDIAL_SQL_BENCH_DIR (default /tmp/sundial-sql-bench) and reused by later runs. Disk-backed,
// page-cache speed (the table is read through mmap). SUNDIAL_SQL_BENCH_ROWS overrides the size,
// SUNDIAL_SQL_BENCH_THREADS the SQL worker threads (default: one per core).
//
//   BM_Sql_Q1..Q5        SqlEngine::Execute + RowSource::Next until exhausted
//   BM_HandLoop_Q1..Q5   the same answer computed directly from TableView columns
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "cairo/engine.h"
#include "sql/result.h"
#include "sql/sql_engine.h"
#include "tests/sql/cpu_dataset.h"

namespace sundial::sql {
namespace {

constexpr int64_t kDayUs = 86'400'000'000LL;
constexpr int64_t kQDay = testing_cpu::kStartUs + kDayUs;  // 2024-01-02

const char* const kQueries[] = {
    "SELECT count() FROM cpu;",
    "SELECT hostname, max(usage_user) FROM cpu;",
    "SELECT hostname, ts, avg(usage_user), avg(usage_system), avg(usage_idle) FROM cpu WHERE ts IN "
    "'2024-01-02' SAMPLE BY 1h ORDER BY hostname, ts;",
    "SELECT * FROM cpu LATEST ON ts PARTITION BY hostname;",
    "SELECT count() FROM cpu WHERE usage_user > 90 AND ts IN '2024-01-02';",
};

struct Env {
  std::unique_ptr<cairo::Engine> engine;
  std::unique_ptr<SqlEngine> sql;
  int64_t rows = 0;
};

Env& GetEnv() {
  static Env* env = [] {
    auto* e = new Env();
    const char* dir = std::getenv("SUNDIAL_SQL_BENCH_DIR");
    std::string root = dir ? dir : "/tmp/sundial-sql-bench";
    const char* rows_env = std::getenv("SUNDIAL_SQL_BENCH_ROWS");
    e->rows = rows_env ? std::atoll(rows_env) : 5'000'000;
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
      ok = v.ok() && v->row_count() == e->rows;
      if (!ok) (void)e->engine->DropTable("cpu");
    }
    if (!ok) {
      std::fprintf(stderr, "building cpu table (%lld rows) in %s ...\n",
                   static_cast<long long>(e->rows), root.c_str());
      core::Status st = testing_cpu::LoadCpu(e->engine.get(), e->rows);
      if (!st.ok()) {
        std::fprintf(stderr, "load: %s\n", st.ToString().c_str());
        std::abort();
      }
    }
    SqlOptions so;
    const char* threads = std::getenv("SUNDIAL_SQL_BENCH_THREADS");  // 0: one per core
    so.worker_threads = threads ? std::atoi(threads) : 0;
    e->sql = std::make_unique<SqlEngine>(e->engine.get(), nullptr, so);
    return e;
  }();
  return *env;
}

// Runs a query and consumes every row; returns the row count and the first cell as double.
size_t RunQuery(Env& env, const char* q, double* first_cell = nullptr) {
  auto r = env.sql->Execute(q);
  if (!r.ok()) {
    std::fprintf(stderr, "%s: %s\n", q, r.status().ToString().c_str());
    std::abort();
  }
  ResultBlock b;
  size_t rows = 0;
  for (;;) {
    auto more = r->rows->Next(&b, 4096);
    if (!more.ok() || !*more) break;
    if (rows == 0 && first_cell && !b.columns.empty()) {
      const ResultVector& c = b.columns[0];
      if (!c.longs.empty()) *first_cell = static_cast<double>(c.longs[0]);
      if (!c.doubles.empty()) *first_cell = c.doubles[0];
    }
    rows += b.row_count;
    benchmark::DoNotOptimize(b.columns.data());
  }
  return rows;
}

// ---- hand-written loops ----

int64_t HandQ1(const cairo::TableView& v) {
  int64_t n = 0;
  for (const auto& p : v.partitions()) n += p.row_count;
  return n;
}

std::vector<double> HandQ2(const cairo::TableView& v) {
  int32_t nkeys = (*v.Symbols(0))->size();
  std::vector<double> mx(nkeys, -INFINITY);
  for (size_t p = 0; p < v.partitions().size(); ++p) {
    auto k = v.Column(p, 0);
    auto d = v.Column(p, 3);
    const int32_t* keys = k->values<int32_t>();
    const double* vals = d->values<double>();
    int64_t n = v.partitions()[p].row_count;
    for (int64_t r = 0; r < n; ++r) {
      double x = vals[r];
      if (x > mx[keys[r]]) mx[keys[r]] = x;
    }
  }
  return mx;
}

// Range of rows of partition p within [lo, hi).
void Range(const cairo::TableView& v, size_t p, int64_t lo, int64_t hi, int64_t* a, int64_t* b) {
  auto t = v.Column(p, 2);
  const int64_t* ts = t->values<int64_t>();
  int64_t n = v.partitions()[p].row_count;
  *a = std::lower_bound(ts, ts + n, lo) - ts;
  *b = std::lower_bound(ts, ts + n, hi) - ts;
}

struct Q3Row {
  int32_t host;
  int64_t bucket;
  double a, b, c;
};

std::vector<Q3Row> HandQ3(const cairo::TableView& v) {
  int32_t nkeys = (*v.Symbols(0))->size();
  std::vector<double> s(24 * nkeys * 3, 0);
  std::vector<int64_t> cnt(24 * nkeys, 0);
  for (size_t p = 0; p < v.partitions().size(); ++p) {
    const auto& info = v.partitions()[p];
    if (info.max_timestamp_us < kQDay || info.min_timestamp_us >= kQDay + kDayUs) continue;
    int64_t a, b;
    Range(v, p, kQDay, kQDay + kDayUs, &a, &b);
    const int64_t* ts = v.Column(p, 2)->values<int64_t>();
    const int32_t* keys = v.Column(p, 0)->values<int32_t>();
    const double* u = v.Column(p, 3)->values<double>();
    const double* sy = v.Column(p, 4)->values<double>();
    const double* id = v.Column(p, 5)->values<double>();
    for (int64_t r = a; r < b; ++r) {
      int64_t g = ((ts[r] - kQDay) / 3'600'000'000LL) * nkeys + keys[r];
      s[g * 3] += u[r];
      s[g * 3 + 1] += sy[r];
      s[g * 3 + 2] += id[r];
      cnt[g]++;
    }
  }
  std::vector<Q3Row> out;
  for (int64_t h = 0; h < 24; ++h) {
    for (int32_t k = 0; k < nkeys; ++k) {
      int64_t g = h * nkeys + k;
      if (!cnt[g]) continue;
      double c = static_cast<double>(cnt[g]);
      out.push_back({k, kQDay + h * 3'600'000'000LL, s[g * 3] / c, s[g * 3 + 1] / c, s[g * 3 + 2] / c});
    }
  }
  const cairo::SymbolTable* st = *v.Symbols(0);
  std::sort(out.begin(), out.end(), [&](const Q3Row& x, const Q3Row& y) {
    if (x.host != y.host) return st->Value(x.host) < st->Value(y.host);
    return x.bucket < y.bucket;
  });
  return out;
}

size_t HandQ4(const cairo::TableView& v) {
  int32_t nkeys = (*v.Symbols(0))->size();
  std::vector<uint8_t> seen(nkeys, 0);
  std::vector<std::pair<size_t, int64_t>> rows;
  int32_t found = 0;
  for (size_t p = v.partitions().size(); p-- > 0 && found < nkeys;) {
    const int32_t* keys = v.Column(p, 0)->values<int32_t>();
    for (int64_t r = v.partitions()[p].row_count; r-- > 0 && found < nkeys;) {
      if (!seen[keys[r]]) {
        seen[keys[r]] = 1;
        ++found;
        rows.push_back({p, r});
      }
    }
  }
  std::sort(rows.begin(), rows.end());
  // Gather every column of the chosen rows (what a client receives).
  double sink = 0;
  for (const auto& [p, r] : rows) {
    for (int c = 3; c < 13; ++c) sink += v.Column(p, c)->values<double>()[r];
    sink += static_cast<double>(v.Column(p, 2)->values<int64_t>()[r]);
    sink += (*v.Symbols(1))->Value(v.Column(p, 1)->values<int32_t>()[r]).size();
  }
  benchmark::DoNotOptimize(sink);
  return rows.size();
}

int64_t HandQ5(const cairo::TableView& v) {
  int64_t n = 0;
  for (size_t p = 0; p < v.partitions().size(); ++p) {
    const auto& info = v.partitions()[p];
    if (info.max_timestamp_us < kQDay || info.min_timestamp_us >= kQDay + kDayUs) continue;
    int64_t a, b;
    Range(v, p, kQDay, kQDay + kDayUs, &a, &b);
    const double* u = v.Column(p, 3)->values<double>();
    for (int64_t r = a; r < b; ++r) n += u[r] > 90.0;
  }
  return n;
}

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "result check failed: %s\n", what);
    std::abort();
  }
}

void BM_Sql(benchmark::State& state) {
  Env& env = GetEnv();
  const char* q = kQueries[state.range(0) - 1];
  // Correctness against the hand loops, once per query.
  auto view = env.engine->Pin("cpu");
  double first = 0;
  size_t rows = RunQuery(env, q, &first);
  switch (state.range(0)) {
    case 1: Check(static_cast<int64_t>(first) == HandQ1(*view), "Q1 count"); break;
    case 2: Check(rows == HandQ2(*view).size(), "Q2 rows"); break;
    case 3: Check(rows == HandQ3(*view).size(), "Q3 rows"); break;
    case 4: Check(rows == HandQ4(*view), "Q4 rows"); break;
    case 5:
      Check(static_cast<int64_t>(first) == HandQ5(*view), "Q5 count");
      if (env.rows == 5'000'000) Check(static_cast<int64_t>(first) == 162'906, "Q5 = 162906");
      break;
  }
  for (auto _ : state) benchmark::DoNotOptimize(RunQuery(env, q));
  state.counters["result_rows"] = static_cast<double>(rows);
  state.SetItemsProcessed(state.iterations() * env.rows);
}

void BM_HandLoop(benchmark::State& state) {
  Env& env = GetEnv();
  for (auto _ : state) {
    auto view = env.engine->Pin("cpu");
    switch (state.range(0)) {
      case 1: benchmark::DoNotOptimize(HandQ1(*view)); break;
      case 2: benchmark::DoNotOptimize(HandQ2(*view)); break;
      case 3: benchmark::DoNotOptimize(HandQ3(*view)); break;
      case 4: benchmark::DoNotOptimize(HandQ4(*view)); break;
      case 5: benchmark::DoNotOptimize(HandQ5(*view)); break;
    }
  }
  state.SetItemsProcessed(state.iterations() * env.rows);
}

BENCHMARK(BM_Sql)->DenseRange(1, 5)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_HandLoop)->DenseRange(1, 5)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace sundial::sql

BENCHMARK_MAIN();
