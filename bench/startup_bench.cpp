// bench/startup_bench.cpp — what a restart costs as the number of partitions grows.
//
// Tables of the cpu dataset (tests/sql/cpu_dataset.h: 2 hosts, a row per host per minute, so
// 2,880 rows per DAY partition) with 4, 40 and 400 partitions are built once into
// $SUNDIAL_STARTUP_BENCH_DIR (default /tmp/sundial-startup-bench)/<n>/ and reused by later
// runs. Disk-backed, page cache warm (the files were just written or read).
//
//   BM_Startup_Open/n           Engine::Open alone (catalog, `_txn`, recovery of each table)
//   BM_Startup_OpenAndCount/n   Engine::Open (with its recovery of every table) and the first
//                               answer to `SELECT count() FROM cpu` (what a restarted server
//                               does before it answers)
//   BM_Startup_OpenAndDay/n     Engine::Open and the first answer to a query over one day
//                               (`count(), max(usage_user) ... WHERE ts IN '2024-01-02'`)
//   BM_Startup_OpenAndLatest/n  Engine::Open and the first answer to
//                               `SELECT * FROM cpu LATEST ON ts PARTITION BY hostname`
//   BM_Startup_OpenAndLatestOneHost/n  the same with `WHERE hostname = 'host_1'`
//   BM_Startup_RecoverNewest/n  the table's open-time recovery as Engine::Open runs it
//                               (RecoverTableFiles, RecoveryScope::kNewestEntry)
//   BM_Startup_RecoverAll/n     the same over every entry (kAll): what open did before, and
//                               what the background tidy does once — the baseline
// Compare /4, /40 and /400 of one run: flat means start-up does not grow with partitions.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "cairo/engine.h"
#include "cairo/table_recovery.h"
#include "cairo/txn_file.h"
#include "sql/result.h"
#include "sql/sql_engine.h"
#include "tests/sql/cpu_dataset.h"

namespace sundial::sql {
namespace {

constexpr int kHosts = 2;
constexpr int64_t kRowsPerDay = 1440 * kHosts;

std::string RootFor(int64_t partitions) {
  const char* dir = std::getenv("SUNDIAL_STARTUP_BENCH_DIR");
  return std::string(dir ? dir : "/tmp/sundial-startup-bench") + "/" + std::to_string(partitions);
}

std::unique_ptr<cairo::Engine> OpenEngine(const std::string& root) {
  cairo::EngineOptions o;
  o.db_root = root + "/db";
  auto opened = cairo::Engine::Open(core::NewPosixFileSystem(), o);
  if (!opened.ok()) {
    std::fprintf(stderr, "engine: %s\n", opened.status().ToString().c_str());
    std::abort();
  }
  return std::move(opened).value();
}

// Builds the table once (kept across runs when it has the expected rows).
void Prepare(int64_t partitions) {
  const int64_t rows = partitions * kRowsPerDay;
  auto engine = OpenEngine(RootFor(partitions));
  if (engine->HasTable("cpu")) {
    auto v = engine->Pin("cpu");
    if (v.ok() && v->row_count() == rows &&
        static_cast<int64_t>(v->partitions().size()) == partitions) {
      return;
    }
    (void)engine->DropTable("cpu");
  }
  core::Status st = testing_cpu::LoadCpu(engine.get(), rows, kHosts);
  if (!st.ok()) {
    std::fprintf(stderr, "load: %s\n", st.ToString().c_str());
    std::abort();
  }
}

int64_t FirstAnswer(SqlEngine* sql, const char* query) {
  auto r = sql->Execute(query);
  if (!r.ok() || !r->rows) {
    std::fprintf(stderr, "%s: %s\n", query, r.ok() ? "no rows" : r.status().ToString().c_str());
    std::abort();
  }
  ResultBlock b;
  int64_t n = 0;
  for (;;) {
    auto more = r->rows->Next(&b, 4096);
    if (!more.ok()) std::abort();
    if (!*more) break;
    n += static_cast<int64_t>(b.row_count);
  }
  return n;
}

void BM_Startup_Open(benchmark::State& state) {
  const int64_t partitions = state.range(0);
  Prepare(partitions);
  const std::string root = RootFor(partitions);
  for (auto _ : state) {
    auto engine = OpenEngine(root);
    benchmark::DoNotOptimize(engine.get());
  }
  state.counters["partitions"] = static_cast<double>(partitions);
}
BENCHMARK(BM_Startup_Open)->Arg(4)->Arg(40)->Arg(400)->Unit(benchmark::kMillisecond)->UseRealTime();

void RunStartup(benchmark::State& state, const char* query) {
  const int64_t partitions = state.range(0);
  Prepare(partitions);
  const std::string root = RootFor(partitions);
  for (auto _ : state) {
    auto engine = OpenEngine(root);
    SqlEngine sql(engine.get(), nullptr, SqlOptions{});
    benchmark::DoNotOptimize(FirstAnswer(&sql, query));
  }
  state.counters["partitions"] = static_cast<double>(partitions);
}

void BM_Startup_OpenAndCount(benchmark::State& state) {
  RunStartup(state, "SELECT count() FROM cpu");
}
BENCHMARK(BM_Startup_OpenAndCount)
    ->Arg(4)
    ->Arg(40)
    ->Arg(400)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_Startup_OpenAndDay(benchmark::State& state) {
  RunStartup(state, "SELECT count(), max(usage_user) FROM cpu WHERE ts IN '2024-01-02'");
}
BENCHMARK(BM_Startup_OpenAndDay)
    ->Arg(4)
    ->Arg(40)
    ->Arg(400)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_Startup_OpenAndLatestOneHost(benchmark::State& state) {
  RunStartup(state,
             "SELECT * FROM cpu WHERE hostname = 'host_1' LATEST ON ts PARTITION BY hostname");
}
BENCHMARK(BM_Startup_OpenAndLatestOneHost)
    ->Arg(4)
    ->Arg(40)
    ->Arg(400)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_Startup_OpenAndLatest(benchmark::State& state) {
  RunStartup(state, "SELECT * FROM cpu LATEST ON ts PARTITION BY hostname");
}
BENCHMARK(BM_Startup_OpenAndLatest)
    ->Arg(4)
    ->Arg(40)
    ->Arg(400)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void RunRecovery(benchmark::State& state, cairo::RecoveryScope scope) {
  const int64_t partitions = state.range(0);
  Prepare(partitions);
  auto fs = core::NewPosixFileSystem();
  const std::string dir = RootFor(partitions) + "/db/cpu";
  for (auto _ : state) {
    auto bytes = fs->ReadFile(dir + "/" + cairo::kTxnFileName);
    auto rec = bytes.ok() ? cairo::ParseTxn(*bytes, "_txn")
                          : core::Result<cairo::TxnRecord>(bytes.status());
    if (!rec.ok() || !cairo::RecoverTableFiles(*fs, dir, *rec, nullptr, scope).ok()) std::abort();
  }
  state.counters["partitions"] = static_cast<double>(partitions);
}

void BM_Startup_RecoverNewest(benchmark::State& state) {
  RunRecovery(state, cairo::RecoveryScope::kNewestEntry);
}
BENCHMARK(BM_Startup_RecoverNewest)
    ->Arg(4)
    ->Arg(40)
    ->Arg(400)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_Startup_RecoverAll(benchmark::State& state) {
  RunRecovery(state, cairo::RecoveryScope::kAll);
}
BENCHMARK(BM_Startup_RecoverAll)
    ->Arg(4)
    ->Arg(40)
    ->Arg(400)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace sundial::sql

BENCHMARK_MAIN();
