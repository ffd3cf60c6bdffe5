// bench/cairo_bench.cpp — storage engine micro-benchmarks (disk-backed: tables live in a temp
// directory under $TMPDIR or /tmp, kNoSync commit mode, so figures are page-cache speed).
//
//   BM_Cairo_AppendCommitCpu_Batch   the 10-column "cpu" row (2 SYMBOL tags, ts, 10 DOUBLE)
//                                    through TableWriter::AppendBatch, one commit per batch
//   BM_Cairo_AppendCommitCpu_Rows    the same through the row API (NewRow/Put*/EndRow)
//   BM_Cairo_O3Merge                 out-of-order batch merged into a populated day partition
//   BM_Cairo_ScanSumDouble           full scan of one DOUBLE column via TableView (mmap)
//   BM_Memory_SumDouble              the same sum over a std::vector<double> of equal size
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "cairo/engine.h"
#include "core/crc32c.h"

namespace sundial::cairo {
namespace {

constexpr int64_t kT0 = 1'704'067'200'000'000LL;  // 2024-01-01T00:00:00Z
constexpr int kHosts = 1000;
const char* const kRegions[] = {"us-east-1",      "us-west-1",      "us-west-2",     "eu-west-1",
                                "eu-central-1",   "ap-southeast-1", "ap-southeast-2",
                                "ap-northeast-1", "sa-east-1",      "ca-central-1"};

class BenchDir {
 public:
  BenchDir() {
    const char* base = std::getenv("TMPDIR");
    std::string t = std::string(base ? base : "/tmp") + "/sundial-bench-XXXXXX";
    if (::mkdtemp(t.data()) == nullptr) std::abort();
    path_ = t;
  }
  ~BenchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::unique_ptr<Engine> OpenEngine(const BenchDir& dir) {
  EngineOptions o;
  o.db_root = dir.path() + "/db";
  o.commit_mode = CommitMode::kNoSync;
  auto e = Engine::Open(core::NewPosixFileSystem(), o);
  if (!e.ok()) {
    std::fprintf(stderr, "%s\n", e.status().ToString().c_str());
    std::abort();
  }
  return std::move(*e);
}

TableSchema CpuSchema() {
  TableSchema s;
  s.columns = {{"hostname", ColumnType::kSymbol}, {"region", ColumnType::kSymbol},
               {"ts", ColumnType::kTimestamp}};
  for (const char* f : {"usage_user", "usage_system", "usage_idle", "usage_nice", "usage_iowait",
                        "usage_irq", "usage_softirq", "usage_steal", "usage_guest",
                        "usage_guest_nice"}) {
    s.columns.push_back({f, ColumnType::kDouble});
  }
  s.timestamp_index = 2;
  s.partition_by = PartitionBy::kDay;
  return s;
}

void Check(const core::Status& st) {
  if (!st.ok()) {
    std::fprintf(stderr, "%s\n", st.ToString().c_str());
    std::abort();
  }
}

// Column-major cpu rows, time-major like the TSBS generator: round r, host h at ts r*10s.
struct CpuData {
  int64_t rows;
  std::vector<int64_t> ts;
  std::vector<int32_t> host, region;
  std::vector<std::vector<double>> fields;
  CpuData(int64_t n, int64_t first_row) : rows(n), ts(n), host(n), region(n), fields(10) {
    std::mt19937_64 rng(42);
    for (auto& f : fields) f.resize(n);
    for (int64_t i = 0; i < n; ++i) {
      int64_t g = first_row + i;
      ts[i] = kT0 + (g / kHosts) * 10'000'000LL;
      host[i] = static_cast<int32_t>(g % kHosts);
      region[i] = host[i] % 10;
      for (auto& f : fields) f[i] = static_cast<double>(rng() % 10000) / 100.0;
    }
  }
};

void BM_Cairo_AppendCommitCpu_Batch(benchmark::State& state) {
  const int64_t batch = state.range(0);
  BenchDir dir;
  auto engine = OpenEngine(dir);
  Check(engine->CreateTable("cpu", CpuSchema()));
  auto lease = engine->AcquireWriter("cpu");
  Check(lease.status());
  TableWriter& w = **lease;
  // Dictionary keys of the tags, resolved once (as a line-protocol parser caches them).
  std::vector<int32_t> host_key(kHosts), region_key(10);
  for (int h = 0; h < kHosts; ++h) host_key[h] = *w.SymbolKey(0, "host_" + std::to_string(h));
  for (int r = 0; r < 10; ++r) region_key[r] = *w.SymbolKey(1, kRegions[r]);
  int64_t written = 0;
  for (auto _ : state) {
    state.PauseTiming();
    CpuData d(batch, written);
    for (auto& k : d.host) k = host_key[k];
    for (auto& k : d.region) k = region_key[k];
    std::vector<ColumnBatch> cols(12);
    cols[0] = {0, d.host.data(), nullptr};
    cols[1] = {1, d.region.data(), nullptr};
    for (int f = 0; f < 10; ++f) cols[2 + f] = {3 + f, d.fields[f].data(), nullptr};
    state.ResumeTiming();
    Check(w.AppendBatch(d.ts.data(), batch, cols.data(), cols.size()));
    auto txn = w.Commit();
    Check(txn.status());
    written += batch;
  }
  state.SetItemsProcessed(written);
  state.SetBytesProcessed(written * (2 * 4 + 8 + 10 * 8));
  state.SetLabel("disk (page cache), kNoSync");
}
BENCHMARK(BM_Cairo_AppendCommitCpu_Batch)->Arg(1 << 20)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Cairo_AppendCommitCpu_Rows(benchmark::State& state) {
  const int64_t batch = state.range(0);
  BenchDir dir;
  auto engine = OpenEngine(dir);
  Check(engine->CreateTable("cpu", CpuSchema()));
  auto lease = engine->AcquireWriter("cpu");
  TableWriter& w = **lease;
  std::vector<std::string> hosts;
  for (int h = 0; h < kHosts; ++h) hosts.push_back("host_" + std::to_string(h));
  int64_t written = 0;
  for (auto _ : state) {
    state.PauseTiming();
    CpuData d(batch, written);
    state.ResumeTiming();
    for (int64_t i = 0; i < batch; ++i) {
      Check(w.NewRow(d.ts[i]));
      w.PutSymbol(0, hosts[d.host[i]]);
      w.PutSymbol(1, kRegions[d.region[i]]);
      for (int f = 0; f < 10; ++f) w.PutDouble(3 + f, d.fields[f][i]);
      Check(w.EndRow());
    }
    Check(w.Commit().status());
    written += batch;
  }
  state.SetItemsProcessed(written);
  state.SetLabel("disk (page cache), kNoSync, symbol lookup per row");
}
BENCHMARK(BM_Cairo_AppendCommitCpu_Rows)->Arg(1 << 20)->Unit(benchmark::kMillisecond)->UseRealTime();

// A day partition of `existing` rows, then batches of `range(1)` rows scattered over that day.
void BM_Cairo_O3Merge(benchmark::State& state) {
  const int64_t existing = state.range(0), batch = state.range(1);
  BenchDir dir;
  auto engine = OpenEngine(dir);
  TableSchema s;
  s.columns = {{"ts", ColumnType::kTimestamp}, {"v", ColumnType::kDouble}, {"n", ColumnType::kLong}};
  s.timestamp_index = 0;
  s.partition_by = PartitionBy::kDay;
  Check(engine->CreateTable("t", s));
  auto lease = engine->AcquireWriter("t");
  TableWriter& w = **lease;
  const int64_t step = 86'400'000'000LL / existing;
  {
    std::vector<int64_t> ts(existing), n(existing);
    std::vector<double> v(existing, 1.0);
    for (int64_t i = 0; i < existing; ++i) ts[i] = kT0 + i * step, n[i] = i;
    ColumnBatch cols[2] = {{1, v.data(), nullptr}, {2, n.data(), nullptr}};
    Check(w.AppendBatch(ts.data(), existing, cols, 2));
    Check(w.Commit().status());
  }
  std::mt19937_64 rng(7);
  int64_t merged = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<int64_t> ts(batch), n(batch);
    std::vector<double> v(batch, 2.0);
    for (int64_t i = 0; i < batch; ++i) ts[i] = kT0 + static_cast<int64_t>(rng() % 86'400'000'000ULL), n[i] = -i;
    ColumnBatch cols[2] = {{1, v.data(), nullptr}, {2, n.data(), nullptr}};
    state.ResumeTiming();
    Check(w.AppendBatch(ts.data(), batch, cols, 2));
    Check(w.Commit().status());
    merged += batch;
    state.PauseTiming();
    engine->Purge();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(merged);
  state.counters["partition_rows"] = static_cast<double>(engine->Pin("t")->row_count());
  state.SetLabel("items = O3 rows; each commit rewrites the whole partition");
}
BENCHMARK(BM_Cairo_O3Merge)->Args({1 << 20, 10000})->Unit(benchmark::kMillisecond)->UseRealTime();

constexpr int64_t kScanRows = 20'000'000;

void BM_Cairo_ScanSumDouble(benchmark::State& state) {
  BenchDir dir;
  auto engine = OpenEngine(dir);
  Check(engine->CreateTable("cpu", CpuSchema()));
  {
    auto lease = engine->AcquireWriter("cpu");
    TableWriter& w = **lease;
    const int64_t chunk = 1 << 20;
    for (int64_t done = 0; done < kScanRows; done += chunk) {
      int64_t n = std::min(chunk, kScanRows - done);
      CpuData d(n, done);
      std::vector<ColumnBatch> cols;
      for (int f = 0; f < 10; ++f) cols.push_back({3 + f, d.fields[f].data(), nullptr});
      Check(w.AppendBatch(d.ts.data(), n, cols.data(), cols.size()));
      Check(w.Commit().status());
    }
  }
  auto view = engine->Pin("cpu");
  double total = 0;
  for (auto _ : state) {
    double sum = 0;
    for (size_t p = 0; p < view->partitions().size(); ++p) {
      auto col = view->Column(p, 3);
      Check(col.status());
      const double* v = col->values<double>();
      for (int64_t i = 0; i < col->row_count; ++i) sum += v[i];
    }
    benchmark::DoNotOptimize(sum);
    total = sum;
  }
  state.SetItemsProcessed(state.iterations() * kScanRows);
  state.SetBytesProcessed(state.iterations() * kScanRows * 8);
  state.counters["partitions"] = static_cast<double>(view->partitions().size());
  state.SetLabel("mmap, page cache warm");
  benchmark::DoNotOptimize(total);
}
BENCHMARK(BM_Cairo_ScanSumDouble)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Memory_SumDouble(benchmark::State& state) {
  std::vector<double> v(kScanRows);
  std::mt19937_64 rng(42);
  for (auto& x : v) x = static_cast<double>(rng() % 10000) / 100.0;
  for (auto _ : state) {
    double sum = 0;
    for (double x : v) sum += x;
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * kScanRows);
  state.SetBytesProcessed(state.iterations() * kScanRows * 8);
  state.SetLabel("in-memory std::vector<double>");
}
BENCHMARK(BM_Memory_SumDouble)->Unit(benchmark::kMillisecond)->UseRealTime();

// CRC32C of a 128 KiB piece (the size backups and VERIFY BACKUP checksum at a time), and the
// baseline of the same run: copying that piece (what reading it from the page cache costs).
void BM_Crc32c_128KiB(benchmark::State& state) {
  std::vector<char> v(128 << 10);
  std::mt19937_64 rng(42);
  for (auto& c : v) c = static_cast<char>(rng());
  uint32_t crc = 0;
  for (auto _ : state) {
    crc = core::Crc32cExtend(crc, v.data(), v.size());
    benchmark::DoNotOptimize(crc);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(v.size()));
}
BENCHMARK(BM_Crc32c_128KiB);

void BM_Memcpy_128KiB(benchmark::State& state) {
  std::vector<char> v(128 << 10, 1), out(128 << 10);
  for (auto _ : state) {
    std::memcpy(out.data(), v.data(), v.size());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(v.size()));
}
BENCHMARK(BM_Memcpy_128KiB);

}  // namespace
}  // namespace sundial::cairo

BENCHMARK_MAIN();
