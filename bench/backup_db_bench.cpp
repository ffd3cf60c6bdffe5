// bench/backup_db_bench.cpp — whole-operation timings for backup and snapshot (its own main(),
// not Google Benchmark: each figure is one multi-second operation, measured a few times).
//
//   1. BACKUP DATABASE of a TSBS-cpu-shaped table (2 SYMBOL tags, ts, 10 DOUBLE; 100 hosts at
//      10 s) next to `cp -a <db> <dir> && sync` of the same db directory, in the same run.
//   2. SNAPSHOT PREPARE latency (median/min of 10 PREPARE+COMPLETE cycles) at two data sizes,
//      with the time of a bare sync(2) measured right before for comparison.
//   3. Time to start on a backup as a root: Engine::Open + the first query (sum(usage_user)
//      over the whole table through a pinned view).
//
// Usage: backup_db_bench [rows=5000000] [work dir=$TMPDIR or /tmp]
// Disk-backed; page cache warm (the backup reads what the writer just wrote; dropping caches
// needs privileges a benchmark should not assume). Both copies are synced to disk.
#include <stdlib.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "cairo/backup.h"
#include "cairo/engine.h"
#include "core/log.h"
#include "core/timestamp.h"

namespace sundial::cairo {
namespace {

constexpr int64_t kT0 = 1'704'067'200'000'000LL;  // 2024-01-01T00:00:00Z
constexpr int kHosts = 100;

void Check(const core::Status& st) {
  if (!st.ok()) {
    std::fprintf(stderr, "%s\n", st.ToString().c_str());
    std::exit(1);
  }
}

double Ms(int64_t us) { return static_cast<double>(us) / 1000.0; }

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

std::unique_ptr<Engine> OpenDb(const std::string& root) {
  EngineOptions o;
  o.db_root = root + "/db";
  auto e = Engine::Open(core::NewPosixFileSystem(), o);
  Check(e.status());
  return std::move(*e);
}

// Writes `rows` cpu rows in 500k-row commits.
void Fill(Engine& engine, const std::string& table, int64_t rows) {
  Check(engine.CreateTable(table, CpuSchema()));
  auto lease = engine.AcquireWriter(table);
  Check(lease.status());
  TableWriter& w = **lease;
  std::vector<int32_t> host_key(kHosts), region_key(10);
  for (int h = 0; h < kHosts; ++h) host_key[h] = *w.SymbolKey(0, "host_" + std::to_string(h));
  for (int r = 0; r < 10; ++r) region_key[r] = *w.SymbolKey(1, "region_" + std::to_string(r));
  const int64_t batch = 500'000;
  std::vector<int64_t> ts(batch);
  std::vector<int32_t> host(batch), region(batch);
  std::vector<std::vector<double>> fields(10, std::vector<double>(batch));
  uint64_t x = 88172645463325252ull;
  for (int64_t done = 0; done < rows;) {
    int64_t n = std::min(batch, rows - done);
    for (int64_t i = 0; i < n; ++i) {
      int64_t g = done + i;
      ts[i] = kT0 + (g / kHosts) * 10'000'000LL;
      host[i] = host_key[g % kHosts];
      region[i] = region_key[(g % kHosts) % 10];
      for (auto& f : fields) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        f[i] = static_cast<double>(x % 10000) / 100.0;
      }
    }
    std::vector<ColumnBatch> cols(12);
    cols[0] = {0, host.data(), nullptr};
    cols[1] = {1, region.data(), nullptr};
    for (int f = 0; f < 10; ++f) cols[2 + f] = {3 + f, fields[f].data(), nullptr};
    Check(w.AppendBatch(ts.data(), n, cols.data(), cols.size()));
    Check(w.Commit().status());
    done += n;
  }
}

int64_t TimeShell(const std::string& cmd) {
  int64_t t0 = core::MonotonicMicros();
  if (std::system(cmd.c_str()) != 0) {
    std::fprintf(stderr, "failed: %s\n", cmd.c_str());
    std::exit(1);
  }
  return core::MonotonicMicros() - t0;
}

uint64_t DirBytes(const std::string& dir) {
  uint64_t n = 0;
  for (auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) n += e.file_size();
  }
  return n;
}

struct PrepareStats {
  double median_ms, min_ms, sync_ms;
};

PrepareStats MeasurePrepare(Engine& engine, BackupService& svc) {
  auto fs = core::NewPosixFileSystem();
  Check(fs->SyncAll());
  int64_t s0 = core::MonotonicMicros();
  Check(fs->SyncAll());
  double sync_ms = Ms(core::MonotonicMicros() - s0);
  std::vector<double> t;
  for (int i = 0; i < 10; i++) {
    int64_t t0 = core::MonotonicMicros();
    Check(svc.SnapshotPrepare(false));
    t.push_back(Ms(core::MonotonicMicros() - t0));
    Check(svc.SnapshotComplete(false));
  }
  std::sort(t.begin(), t.end());
  return {t[t.size() / 2], t[0], sync_ms};
}

int Main(int argc, char** argv) {
  const int64_t rows = argc > 1 ? std::atoll(argv[1]) : 5'000'000;
  const char* base_env = std::getenv("TMPDIR");
  std::string base = argc > 2 ? argv[2] : (base_env ? base_env : "/tmp");
  std::string work = base + "/sundial-backup-bench-XXXXXX";
  if (::mkdtemp(work.data()) == nullptr) return 1;
  const std::string root = work + "/server", backups = work + "/backups";
  std::filesystem::create_directories(root + "/conf");
  std::system(("echo 'cairo.sql.backup.root=" + backups + "' > " + root + "/conf/server.conf").c_str());
  core::SetLogLevel(core::LogLevel::kWarn);

  std::printf("## Backup bench: %lld cpu rows (2 SYMBOL, ts, 10 DOUBLE), work dir %s\n\n",
              static_cast<long long>(rows), work.c_str());
  auto engine = OpenDb(root);
  int64_t t0 = core::MonotonicMicros();
  Fill(*engine, "cpu_small", rows / 10);
  BackupOptions bo;
  bo.server_root = root;
  bo.backup_root = backups;
  bo.dir_datetime_format = "yyyy-MM-dd'T'HH-mm-ss";
  auto svc = BackupService::Create(engine.get(), core::NewPosixFileSystem(), bo);
  PrepareStats small = MeasurePrepare(*engine, *svc);
  Fill(*engine, "cpu", rows);
  std::printf("setup: wrote %lld rows in %.0f ms\n", static_cast<long long>(rows + rows / 10),
              Ms(core::MonotonicMicros() - t0));
  const uint64_t db_bytes = DirBytes(root + "/db");
  PrepareStats big = MeasurePrepare(*engine, *svc);

  // Backup vs cp -a + sync, each from a synced (clean) state. Run 1 is a full backup; run 2
  // (nothing changed in between) is incremental: it links the first backup's partition files.
  std::printf("\n| operation | run | ms | MB/s of db | bytes written | bytes linked |\n"
              "|---|---|---|---|---|---|\n");
  std::string last_backup;
  for (int run = 1; run <= 2; run++) {
    Check(core::NewPosixFileSystem()->SyncAll());
    int64_t b0 = core::MonotonicMicros();
    auto r = svc->BackupDatabase();
    Check(r.status());
    int64_t b_us = core::MonotonicMicros() - b0;
    last_backup = r->directory;
    std::printf("| BACKUP DATABASE%s | %d | %.0f | %.0f | %llu | %llu |\n",
                run == 1 ? " (full)" : " (incremental)", run, Ms(b_us),
                db_bytes / 1e6 / (b_us / 1e6), static_cast<unsigned long long>(r->bytes_copied),
                static_cast<unsigned long long>(r->bytes_linked));
    Check(core::NewPosixFileSystem()->SyncAll());
    std::string dst = work + "/cp" + std::to_string(run);
    int64_t c_us = TimeShell("cp -a '" + root + "/db' '" + dst + "' && sync");
    std::printf("| cp -a db + sync | %d | %.0f | %.0f | %llu | 0 |\n", run, Ms(c_us),
                db_bytes / 1e6 / (c_us / 1e6), static_cast<unsigned long long>(db_bytes));
    std::filesystem::remove_all(dst);
  }
  std::printf("\ndb size: %.1f MB\n", db_bytes / 1e6);
  std::printf("\n| SNAPSHOT PREPARE | rows | median ms | min ms | bare sync(2) ms |\n|---|---|---|---|---|\n");
  std::printf("| small db | %lld | %.2f | %.2f | %.2f |\n", static_cast<long long>(rows / 10),
              small.median_ms, small.min_ms, small.sync_ms);
  std::printf("| big db | %lld | %.2f | %.2f | %.2f |\n", static_cast<long long>(rows + rows / 10),
              big.median_ms, big.min_ms, big.sync_ms);

  // Start on the backup: open + first query.
  svc.reset();
  engine.reset();
  int64_t o0 = core::MonotonicMicros();
  auto restored = OpenDb(last_backup);
  int64_t open_us = core::MonotonicMicros() - o0;
  int64_t q0 = core::MonotonicMicros();
  auto view = restored->Pin("cpu");
  Check(view.status());
  int col = view->schema().FindColumn("usage_user");
  double sum = 0;
  int64_t n = 0;
  for (size_t p = 0; p < view->partitions().size(); p++) {
    auto c = view->Column(p, col);
    Check(c.status());
    const double* v = c->values<double>();
    for (int64_t i = 0; i < c->row_count; i++) sum += v[i];
    n += c->row_count;
  }
  int64_t query_us = core::MonotonicMicros() - q0;
  std::printf("\nstart on backup: Engine::Open %.2f ms, first query (sum(usage_user) over %lld rows = %.1f) %.2f ms\n",
              Ms(open_us), static_cast<long long>(n), sum, Ms(query_us));
  restored.reset();
  std::filesystem::remove_all(work);
  return 0;
}

}  // namespace
}  // namespace sundial::cairo

int main(int argc, char** argv) { return sundial::cairo::Main(argc, argv); }
