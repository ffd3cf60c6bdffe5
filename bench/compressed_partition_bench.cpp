// bench/compressed_partition_bench.cpp — compressed partitions (CONVERT PARTITION TO
// COMPRESSED) against raw ones, in the same run: the five comparison queries (as
// sql_queries_bench.cpp) on the `cpu` table raw and with every partition but the newest
// compressed, bytes on disk of both, and how fast partitions are sealed.
//
// Two roots under $SUNDIAL_COMPRESS_BENCH_DIR (default /tmp/sundial-compress-bench), each with
// the same `cpu` table (tests/sql/cpu_dataset.h; SUNDIAL_SQL_BENCH_ROWS rows, default 5M): `raw/`
// as written, `z/` converted once at start-up (the conversion is timed: seal MB/s of raw bytes).
// Disk-backed, page-cache speed.
//
//   BM_CompressedPartition_Query/<q>/0   query q on raw partitions
//   BM_CompressedPartition_Query/<q>/1   query q on compressed partitions, warm: the `.z` files
//                                        are mapped and their indexes checked (the pinned state
//                                        keeps that, never decoded values), so each query
//                                        decodes the blocks it reads, as every query does
//   BM_CompressedPartition_QueryCold/<q>/<z>  query q as the first query of a freshly opened
//                                        engine, on raw (z = 0) or compressed (z = 1)
//                                        partitions: it also maps and checks the files it reads
//                                        (the open itself is not timed)
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "cairo/engine.h"
#include "sql/result.h"
#include "sql/sql_engine.h"
#include "tests/sql/cpu_dataset.h"

namespace sundial::sql {
namespace {

const char* const kQueries[] = {
    "SELECT count() FROM cpu;",
    "SELECT hostname, max(usage_user) FROM cpu;",
    "SELECT hostname, ts, avg(usage_user), avg(usage_system), avg(usage_idle) FROM cpu WHERE ts IN "
    "'2024-01-02' SAMPLE BY 1h ORDER BY hostname, ts;",
    "SELECT * FROM cpu LATEST ON ts PARTITION BY hostname;",
    "SELECT count() FROM cpu WHERE usage_user > 90 AND ts IN '2024-01-02';",
};

void Die(const std::string& what) {
  std::fprintf(stderr, "%s\n", what.c_str());
  std::abort();
}

std::string Root() {
  const char* dir = std::getenv("SUNDIAL_COMPRESS_BENCH_DIR");
  return dir ? dir : "/tmp/sundial-compress-bench";
}

int64_t Rows() {
  const char* rows = std::getenv("SUNDIAL_SQL_BENCH_ROWS");
  return rows ? std::atoll(rows) : 5'000'000;
}

std::unique_ptr<cairo::Engine> OpenEngine(const std::string& root) {
  cairo::EngineOptions o;
  o.db_root = root + "/db";
  o.purge_interval_ms = 0;
  auto e = cairo::Engine::Open(core::NewPosixFileSystem(), o);
  if (!e.ok()) Die("engine: " + e.status().ToString());
  return std::move(e).value();
}

uint64_t CommittedBytes(cairo::Engine& e) {
  auto v = e.Pin("cpu");
  auto files = v->CommittedFiles();
  if (!files.ok()) Die(files.status().ToString());
  uint64_t n = 0;
  for (const auto& f : *files) n += f.committed_size;
  return n;
}

struct Env {
  std::unique_ptr<cairo::Engine> raw, z;
  std::unique_ptr<SqlEngine> raw_sql, z_sql;
};

// Builds (or reuses) both roots; prints sizes and the seal throughput once.
Env& GetEnv() {
  static Env* env = [] {
    auto* e = new Env();
    const int64_t rows = Rows();
    for (const char* sub : {"raw", "z"}) {
      auto engine = OpenEngine(Root() + "/" + sub);
      if (engine->HasTable("cpu") && engine->Pin("cpu")->row_count() != rows) {
        (void)engine->DropTable("cpu");
      }
      if (!engine->HasTable("cpu")) {
        std::fprintf(stderr, "building cpu (%lld rows) in %s/%s ...\n",
                     static_cast<long long>(rows), Root().c_str(), sub);
        core::Status st = testing_cpu::LoadCpu(engine.get(), rows);
        if (!st.ok()) Die("load: " + st.ToString());
      }
      if (std::string(sub) == "raw") {
        e->raw = std::move(engine);
        continue;
      }
      std::vector<int64_t> starts;
      uint64_t sealed_bytes = 0;  // raw bytes of the partitions converted
      {
        auto v = engine->Pin("cpu");
        auto files = v->CommittedFiles();
        if (!files.ok()) Die(files.status().ToString());
        for (size_t p = 0; p + 1 < v->partitions().size(); ++p) {
          const cairo::PartitionInfo& part = v->partitions()[p];
          if (part.is_compressed) continue;
          starts.push_back(part.partition_start_us);
          for (const auto& f : *files) {
            if (f.relative_path.rfind(part.dir_name + "/", 0) == 0)
              sealed_bytes += f.committed_size;
          }
        }
      }
      if (!starts.empty()) {
        const auto t0 = std::chrono::steady_clock::now();
        const std::clock_t c0 = std::clock();
        core::Status st = engine->ConvertPartitions("cpu", starts, true);
        const double cpu_s = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
        const double s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (!st.ok()) Die("convert: " + st.ToString());
        engine->Purge();
        std::fprintf(stderr,
                     "sealed %zu partitions (%.1f MB raw) in %.3f s wall, %.3f s CPU: %.1f MB/s "
                     "wall, %.1f MB/s CPU\n",
                     starts.size(), sealed_bytes / 1e6, s, cpu_s, sealed_bytes / 1e6 / s,
                     sealed_bytes / 1e6 / cpu_s);
      }
      e->z = std::move(engine);
    }
    const uint64_t raw_bytes = CommittedBytes(*e->raw), z_bytes = CommittedBytes(*e->z);
    std::fprintf(stderr, "bytes on disk: raw %llu, compressed (newest partition raw) %llu: %.3f\n",
                 static_cast<unsigned long long>(raw_bytes),
                 static_cast<unsigned long long>(z_bytes),
                 static_cast<double>(z_bytes) / static_cast<double>(raw_bytes));
    e->raw_sql = std::make_unique<SqlEngine>(e->raw.get(), nullptr, SqlOptions{});
    e->z_sql = std::make_unique<SqlEngine>(e->z.get(), nullptr, SqlOptions{});
    return e;
  }();
  return *env;
}

size_t RunQuery(SqlEngine& sql, const char* q) {
  auto r = sql.Execute(q);
  if (!r.ok()) Die(std::string(q) + ": " + r.status().ToString());
  ResultBlock b;
  size_t rows = 0;
  for (;;) {
    auto more = r->rows->Next(&b, 4096);
    if (!more.ok()) Die(more.status().ToString());
    if (!*more) break;
    rows += b.row_count;
    benchmark::DoNotOptimize(b.columns.data());
  }
  return rows;
}

void BM_CompressedPartition_Query(benchmark::State& state) {
  Env& env = GetEnv();
  const char* q = kQueries[state.range(0) - 1];
  SqlEngine& sql = state.range(1) == 0 ? *env.raw_sql : *env.z_sql;
  // Same answer on both (row counts).
  const size_t expected = RunQuery(*env.raw_sql, q);
  if (RunQuery(*env.z_sql, q) != expected) Die(std::string("rows differ: ") + q);
  for (auto _ : state) benchmark::DoNotOptimize(RunQuery(sql, q));
  state.SetLabel(state.range(1) == 0 ? "raw" : "compressed, files mapped (decodes its blocks)");
  state.SetItemsProcessed(state.iterations() * Rows());
}

void BM_CompressedPartition_QueryCold(benchmark::State& state) {
  GetEnv();
  const char* q = kQueries[state.range(0) - 1];
  for (auto _ : state) {
    state.PauseTiming();
    auto engine = OpenEngine(Root() + (state.range(1) == 0 ? "/raw" : "/z"));
    auto sql = std::make_unique<SqlEngine>(engine.get(), nullptr, SqlOptions{});
    state.ResumeTiming();
    benchmark::DoNotOptimize(RunQuery(*sql, q));
    state.PauseTiming();
    sql.reset();
    engine.reset();
    state.ResumeTiming();
  }
  state.SetLabel(state.range(1) == 0 ? "raw, first query of a fresh engine (maps)"
                                     : "compressed, first query of a fresh engine (maps, decodes)");
  state.SetItemsProcessed(state.iterations() * Rows());
}

BENCHMARK(BM_CompressedPartition_Query)
    ->ArgsProduct({{1, 2, 3, 4, 5}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_CompressedPartition_QueryCold)
    ->ArgsProduct({{1, 2, 3, 4, 5}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(3);

}  // namespace
}  // namespace sundial::sql

BENCHMARK_MAIN();
