// bench/cairo_bench.cpp — storage engine micro-benchmarks (disk-backed: tables live in a temp
// directory under $TMPDIR or /tmp, kNoSync commit mode, so figures are page-cache speed).
//
//   BM_Cairo_AppendCommitCpu_Batch   the 10-column "cpu" row (2 SYMBOL tags, ts, 10 DOUBLE)
//                                    through TableWriter::AppendBatch, one commit per batch
//   BM_Cairo_AppendCommitCpu_Rows    the same through the row API (NewRow/Put*/EndRow)
//   BM_Cairo_O3Merge                 out-of-order batch merged into a populated day partition
//   BM_Cairo_ScanSumDouble           full scan of one DOUBLE column via TableView (mmap)
//   BM_Memory_SumDouble              the same sum over a std::vector<double> of equal size
//   BM_Compressed_*                  compressed column files (cairo/compressed_column.h) on the
//                                    cpu dataset's columns (tests/sql/cpu_dataset.h, as gen.py):
//                                    encode and decode throughput per column and codec in MB/s of
//                                    raw column bytes on one core, next to memcpy of the same
//                                    bytes block by block; a scan (decode + sum) next to the sum
//                                    over raw values; and the on-disk size of the 5M-row dataset
#include <benchmark/benchmark.h>
#include <stdlib.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "cairo/compressed_column.h"
#include "cairo/engine.h"
#include "core/crc32c.h"
#include "tests/sql/cpu_dataset.h"

namespace sundial::cairo {
namespace {

constexpr int64_t kT0 = 1'704'067'200'000'000LL;  // 2024-01-01T00:00:00Z
constexpr int kHosts = 1000;
const char* const kRegions[] = {
    "us-east-1",      "us-west-1",      "us-west-2",      "eu-west-1", "eu-central-1",
    "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "sa-east-1", "ca-central-1"};

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
  s.columns = {{"hostname", ColumnType::kSymbol},
               {"region", ColumnType::kSymbol},
               {"ts", ColumnType::kTimestamp}};
  for (const char* f :
       {"usage_user", "usage_system", "usage_idle", "usage_nice", "usage_iowait", "usage_irq",
        "usage_softirq", "usage_steal", "usage_guest", "usage_guest_nice"}) {
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
BENCHMARK(BM_Cairo_AppendCommitCpu_Batch)
    ->Arg(1 << 20)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

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
BENCHMARK(BM_Cairo_AppendCommitCpu_Rows)
    ->Arg(1 << 20)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// A day partition of `existing` rows, then batches of `range(1)` rows scattered over that day.
void BM_Cairo_O3Merge(benchmark::State& state) {
  const int64_t existing = state.range(0), batch = state.range(1);
  BenchDir dir;
  auto engine = OpenEngine(dir);
  TableSchema s;
  s.columns = {
      {"ts", ColumnType::kTimestamp}, {"v", ColumnType::kDouble}, {"n", ColumnType::kLong}};
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
    for (int64_t i = 0; i < batch; ++i)
      ts[i] = kT0 + static_cast<int64_t>(rng() % 86'400'000'000ULL), n[i] = -i;
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

// ---- Compressed columns ----------------------------------------------------------------------

// The columns of the cpu dataset as LoadCpu writes them (hostname, region, ts, 10 usage_*), for
// rows [first, first + rows) of a `gen.py --rows total` run, as raw column file bytes. Rows are
// time-major: 1000 hosts share each timestamp, 60 s apart; values are random walks printed
// with 2 decimals.
struct CpuColumns {
  std::string hostname, region, ts;
  std::string usage[10];
};

class CpuGenerator {
 public:
  explicit CpuGenerator(int hosts = 1000) : hosts_(hosts), rng_(20240101u), state_(hosts) {
    for (auto& s : state_) {
      for (double& v : s) v = rng_.Random() * 100.0;
    }
  }
  // The next `rows` rows.
  void Next(int64_t rows, CpuColumns* c) {
    *c = CpuColumns();
    for (int64_t k = 0; k < rows; ++k, ++row_) {
      const int h = static_cast<int>(row_ % hosts_);
      const int32_t host_key = h, region_key = h % 10;
      const int64_t ts = sql::testing_cpu::kStartUs + (row_ / hosts_) * 60'000'000LL;
      c->hostname.append(reinterpret_cast<const char*>(&host_key), 4);
      c->region.append(reinterpret_cast<const char*>(&region_key), 4);
      c->ts.append(reinterpret_cast<const char*>(&ts), 8);
      for (int i = 0; i < 10; ++i) {
        double v = state_[h][i] + (rng_.Random() - 0.5) * 4.0;
        state_[h][i] = v < 0.0 ? 0.0 : (v > 100.0 ? 100.0 : v);
        const double printed = sql::testing_cpu::Round2(state_[h][i]);
        c->usage[i].append(reinterpret_cast<const char*>(&printed), 8);
      }
    }
  }

 private:
  int hosts_;
  sql::testing_cpu::PyRandom rng_;
  std::vector<std::array<double, 10>> state_;
  int64_t row_ = 0;
};

// One column of benchmark data: its type and raw bytes.
struct BenchColumn {
  const char* name;
  ColumnType type;
  std::string data, index;  // index: VARCHAR only
  int64_t rows;
  std::optional<BlockCodec> codec;
};

constexpr int64_t kCodecRows = 1 << 20;

// Columns for the codec benchmarks (1M rows each): the cpu dataset's, a real-float column
// (XOR), hostnames as VARCHAR (LZ), and usage_user forced through XOR for comparison.
const std::vector<BenchColumn>& CodecColumns() {
  static const std::vector<BenchColumn> cols = [] {
    CpuGenerator gen;
    CpuColumns c;
    gen.Next(kCodecRows, &c);
    std::vector<BenchColumn> v;
    v.push_back({"ts", ColumnType::kTimestamp, c.ts, "", kCodecRows, std::nullopt});
    v.push_back({"hostname", ColumnType::kSymbol, c.hostname, "", kCodecRows, std::nullopt});
    v.push_back({"region", ColumnType::kSymbol, c.region, "", kCodecRows, std::nullopt});
    v.push_back({"usage_user", ColumnType::kDouble, c.usage[0], "", kCodecRows, std::nullopt});
    v.push_back(
        {"usage_user_xor", ColumnType::kDouble, c.usage[0], "", kCodecRows, BlockCodec::kXor});
    std::string floats;
    for (int64_t k = 0; k < kCodecRows; ++k) {
      const double d = std::sin(static_cast<double>(k) * 1e-3) * 42.0 + k * 1e-7;
      floats.append(reinterpret_cast<const char*>(&d), 8);
    }
    v.push_back({"real_floats", ColumnType::kDouble, floats, "", kCodecRows, std::nullopt});
    std::string text, index(8, '\0');
    for (int64_t k = 0; k < kCodecRows; ++k) {
      text += "host_" + std::to_string(k % 1000);
      const uint64_t end = text.size();
      index.append(reinterpret_cast<const char*>(&end), 8);
    }
    v.push_back({"hostname_varchar", ColumnType::kVarchar, text, index, kCodecRows, std::nullopt});
    return v;
  }();
  return cols;
}

size_t RawBytes(const BenchColumn& c) { return c.data.size() + c.index.size(); }

std::string Compress(const BenchColumn& c) {
  CompressOptions o;
  o.force_codec = c.codec;
  auto f = CompressColumn(c.type, c.rows, c.data, c.index, o);
  if (!f.ok()) {
    std::fprintf(stderr, "%s\n", f.status().ToString().c_str());
    std::abort();
  }
  return std::move(*f);
}

void BM_Compressed_Encode(benchmark::State& state) {
  const BenchColumn& c = CodecColumns()[state.range(0)];
  size_t size = 0;
  for (auto _ : state) {
    std::string f = Compress(c);
    size = f.size();
    benchmark::DoNotOptimize(f.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(RawBytes(c)));
  state.counters["ratio"] = static_cast<double>(RawBytes(c)) / static_cast<double>(size);
  state.SetLabel(c.name);
}
BENCHMARK(BM_Compressed_Encode)->DenseRange(0, 6)->Unit(benchmark::kMillisecond);

// Decodes every block into one batch-sized buffer, as a scan would.
void BM_Compressed_Decode(benchmark::State& state) {
  const BenchColumn& c = CodecColumns()[state.range(0)];
  const std::string f = Compress(c);
  auto r = CompressedColumnReader::Open(f, c.type, c.name);
  if (!r.ok()) std::abort();
  std::vector<int64_t> i64(r->block_rows());
  std::vector<double> f64(r->block_rows());
  VarcharBlock vb;
  for (auto _ : state) {
    for (size_t b = 0; b < r->block_count(); ++b) {
      core::Status st = c.type == ColumnType::kVarchar  ? r->DecodeVarchar(b, &vb)
                        : c.type == ColumnType::kDouble ? r->DecodeDouble(b, f64.data())
                                                        : r->DecodeInt64(b, i64.data());
      if (!st.ok()) std::abort();
    }
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(RawBytes(c)));
  state.counters["ratio"] = static_cast<double>(RawBytes(c)) / static_cast<double>(f.size());
  state.SetLabel(std::string(c.name) + " " + std::string(BlockCodecName(r->block(0).codec)));
}
BENCHMARK(BM_Compressed_Decode)->DenseRange(0, 6)->Unit(benchmark::kMillisecond);

// The baseline of the same run: copying the raw column bytes block by block into one buffer.
void BM_Compressed_MemcpyBaseline(benchmark::State& state) {
  const BenchColumn& c = CodecColumns()[3];
  std::vector<char> out(kCompressedBlockRows * 8);
  for (auto _ : state) {
    for (size_t at = 0; at < c.data.size(); at += out.size()) {
      std::memcpy(out.data(), c.data.data() + at, std::min(out.size(), c.data.size() - at));
      benchmark::ClobberMemory();
    }
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(c.data.size()));
}
BENCHMARK(BM_Compressed_MemcpyBaseline)->Unit(benchmark::kMillisecond);

// A scan of usage_user: sum of the raw doubles, against decode of each block + the same sum.
void BM_Compressed_ScanSum_Raw(benchmark::State& state) {
  const BenchColumn& c = CodecColumns()[3];
  const double* v = reinterpret_cast<const double*>(c.data.data());
  for (auto _ : state) {
    double sum = 0;
    for (int64_t k = 0; k < c.rows; ++k) sum += v[k];
    // A copy escapes, not `sum`: an escaping accumulator is kept in memory, a store and a
    // reload per add.
    double result = sum;
    benchmark::DoNotOptimize(result);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(c.data.size()));
}
BENCHMARK(BM_Compressed_ScanSum_Raw)->Unit(benchmark::kMillisecond);

// sum + v[0] + ... + v[n-1], in order: the executor's sum over one batch. Not inlined, so that
// the running sum stays in a register through the loop (the decode call between batches would
// otherwise make the compiler keep it in memory, a store and a reload per add).
[[gnu::noinline]] double AddAll(double sum, const double* v, uint32_t n) {
  for (uint32_t k = 0; k < n; ++k) sum += v[k];
  return sum;
}

void BM_Compressed_ScanSum_Alp(benchmark::State& state) {
  const BenchColumn& c = CodecColumns()[3];
  const std::string f = Compress(c);
  auto r = CompressedColumnReader::Open(f, c.type, c.name);
  if (!r.ok()) std::abort();
  std::vector<double> batch(r->block_rows());
  for (auto _ : state) {
    double sum = 0;
    for (size_t b = 0; b < r->block_count(); ++b) {
      if (!r->DecodeDouble(b, batch.data()).ok()) std::abort();
      sum = AddAll(sum, batch.data(), r->block(b).rows);
    }
    double result = sum;  // as in ScanSum_Raw
    benchmark::DoNotOptimize(result);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(c.data.size()));
}
BENCHMARK(BM_Compressed_ScanSum_Alp)->Unit(benchmark::kMillisecond);

// Both scans alternately in each iteration, each timed on the thread's CPU clock: on a shared
// machine the raw sum (8 MB from memory) and the ALP scan (a batch in L1) are disturbed
// differently over a run, so the ratio of the best of each, taken side by side, is the steadier
// figure. Counters: raw_ms, alp_ms (best of the iterations) and alp_per_raw.
double ThreadCpuSeconds() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

void BM_Compressed_ScanSum_Alternating(benchmark::State& state) {
  const BenchColumn& c = CodecColumns()[3];
  const double* v = reinterpret_cast<const double*>(c.data.data());
  const std::string f = Compress(c);
  auto r = CompressedColumnReader::Open(f, c.type, c.name);
  if (!r.ok()) std::abort();
  std::vector<double> batch(r->block_rows());
  double best_raw = INFINITY, best_alp = INFINITY, total = 0;
  for (auto _ : state) {
    const double t0 = ThreadCpuSeconds();
    const double raw = AddAll(0, v, static_cast<uint32_t>(c.rows));
    const double t1 = ThreadCpuSeconds();
    double sum = 0;
    for (size_t b = 0; b < r->block_count(); ++b) {
      if (!r->DecodeDouble(b, batch.data()).ok()) std::abort();
      sum = AddAll(sum, batch.data(), r->block(b).rows);
    }
    const double t2 = ThreadCpuSeconds();
    if (sum != raw) std::abort();  // same values, same adds, same order
    total += sum;
    best_raw = std::min(best_raw, t1 - t0);
    best_alp = std::min(best_alp, t2 - t1);
  }
  benchmark::DoNotOptimize(total);
  state.counters["raw_ms"] = best_raw * 1e3;
  state.counters["alp_ms"] = best_alp * 1e3;
  state.counters["alp_per_raw"] = best_alp / best_raw;
}
BENCHMARK(BM_Compressed_ScanSum_Alternating)->Iterations(200)->Unit(benchmark::kMillisecond);

// The whole dataset: 5,000,000 rows (SUNDIAL_BENCH_CPU_ROWS to change), one compressed file per
// column per day partition (1,440,000 rows a day), as sealing would write them. Reports raw and
// compressed MB per column and in total, and checks that every file decodes to its input.
void BM_Compressed_CpuDataset(benchmark::State& state) {
  const char* env = std::getenv("SUNDIAL_BENCH_CPU_ROWS");
  const int64_t total = env ? std::atoll(env) : 5'000'000;
  constexpr int64_t kDayRows = 1440 * 1000;
  const char* names[13] = {"hostname", "region", "ts"};
  for (int i = 0; i < 10; ++i) names[3 + i] = sql::testing_cpu::kFields[i];
  for (auto _ : state) {
    double raw[13] = {}, packed[13] = {};
    CpuGenerator gen;
    CpuColumns c;
    for (int64_t done = 0; done < total;) {
      const int64_t rows = std::min(kDayRows, total - done);
      gen.Next(rows, &c);
      done += rows;
      const std::string* cols[13] = {&c.hostname, &c.region, &c.ts};
      for (int i = 0; i < 10; ++i) cols[3 + i] = &c.usage[i];
      for (int k = 0; k < 13; ++k) {
        const ColumnType type = k < 2    ? ColumnType::kSymbol
                                : k == 2 ? ColumnType::kTimestamp
                                         : ColumnType::kDouble;
        auto f = CompressColumn(type, rows, *cols[k], {});
        if (!f.ok()) std::abort();
        // Check the round trip here: a ratio of a file that does not decode means nothing.
        auto r = CompressedColumnReader::Open(*f, type, names[k]);
        if (!r.ok()) std::abort();
        std::string back(cols[k]->size(), '\0');
        const size_t width = static_cast<size_t>(ColumnTypeSize(type));
        for (size_t b = 0; b < r->block_count(); ++b) {
          if (!r->DecodeNative(b, back.data() + r->block(b).first_row * width).ok()) std::abort();
        }
        if (back != *cols[k]) std::abort();
        raw[k] += static_cast<double>(cols[k]->size());
        packed[k] += static_cast<double>(f->size());
      }
    }
    double raw_total = 0, packed_total = 0;
    for (int k = 0; k < 13; ++k) {
      raw_total += raw[k];
      packed_total += packed[k];
      state.counters[std::string(names[k]) + "_MB"] = packed[k] / 1e6;
    }
    state.counters["raw_MB"] = raw_total / 1e6;
    state.counters["compressed_MB"] = packed_total / 1e6;
    state.counters["ratio"] = raw_total / packed_total;
  }
  state.SetLabel(std::to_string(total) + " rows, day partitions");
}
BENCHMARK(BM_Compressed_CpuDataset)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace sundial::cairo

BENCHMARK_MAIN();
