#include "http/server_metrics.h"

#include <fcntl.h>
#include <unistd.h>


#include "core/log.h"
#include "core/process_memory.h"
#include "core/timestamp.h"

namespace sundial::http {
namespace {

using Type = core::MetricsText::Type;

// /proc files report size 0: read until EOF. nullopt on any read error.
std::optional<std::string> ReadWholeFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || out.size() > (1 << 20)) {
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

double Seconds(int64_t us) { return static_cast<double>(us) / 1e6; }

void RenderCounters(const ServerMetrics& m, core::MetricsText* t) {
  t->Begin("sundial_rows_ingested_total", Type::kCounter,
           "Rows committed, by how they came in (protocol: http = line protocol over HTTP, tcp "
           "= line protocol over TCP, imp = CSV import, insert = SQL INSERT).");
  for (size_t i = 0; i < kIngestPathCount; ++i) {
    t->Sample("sundial_rows_ingested_total",
              core::MetricsText::Label("protocol", IngestPathLabel(static_cast<IngestPath>(i))),
              m.rows_ingested[i].value());
  }
  t->Begin("sundial_rows_rejected_total", Type::kCounter,
           "Refused input: line protocol lines that failed a request or closed a TCP "
           "connection, CSV rows skipped by /imp.");
  for (size_t i = 0; i < kIngestPathCount; ++i) {
    t->Sample("sundial_rows_rejected_total",
              core::MetricsText::Label("protocol", IngestPathLabel(static_cast<IngestPath>(i))),
              m.rows_rejected[i].value());
  }
  t->Begin("questdb_json_queries_total", Type::kCounter, "Queries received by /exec and /exp.");
  t->Sample("questdb_json_queries_total", "", m.queries_started.value());
  t->Begin("questdb_json_queries_completed_total", Type::kCounter,
           "Queries of /exec and /exp whose reply ended.");
  t->Sample("questdb_json_queries_completed_total", "", m.queries_completed.value());
  t->Begin("sundial_query_duration_seconds", Type::kHistogram,
           "Time from an /exec or /exp request to the end of its reply.");
  t->Histogram("sundial_query_duration_seconds", "", m.query_duration.Read());
}

void RenderBackups(const cairo::BackupStats& s, core::MetricsText* t) {
  t->Begin("sundial_backup_running", Type::kGauge, "1 while a backup runs.");
  t->Sample("sundial_backup_running", "", uint64_t{s.is_running ? 1u : 0u});
  t->Begin("sundial_backup_failures_total", Type::kCounter,
           "Backups that failed since the server started.");
  t->Sample("sundial_backup_failures_total", "", s.failures);
  if (s.last_success_end_us != 0) {
    t->Begin("sundial_backup_last_success_end_timestamp_seconds", Type::kGauge,
             "When the last successful backup ended (Unix time).");
    t->Sample("sundial_backup_last_success_end_timestamp_seconds", "",
              Seconds(s.last_success_end_us));
    t->Begin("sundial_backup_last_success_duration_seconds", Type::kGauge,
             "How long the last successful backup took.");
    t->Sample("sundial_backup_last_success_duration_seconds", "",
              Seconds(s.last_success_duration_us));
    t->Begin("sundial_backup_last_success_bytes", Type::kGauge,
             "Bytes the last successful backup copied (hard-linked bytes not included).");
    t->Sample("sundial_backup_last_success_bytes", "", s.last_success_bytes);
  }
  t->Begin("sundial_snapshot_in_progress", Type::kGauge,
           "1 between SNAPSHOT PREPARE (CHECKPOINT CREATE) and COMPLETE (RELEASE).");
  t->Sample("sundial_snapshot_in_progress", "", uint64_t{s.is_snapshot_in_progress ? 1u : 0u});
  if (s.is_snapshot_in_progress) {
    t->Begin("sundial_snapshot_start_timestamp_seconds", Type::kGauge,
             "When the open snapshot was prepared (Unix time; for one prepared before the "
             "server started, the start).");
    t->Sample("sundial_snapshot_start_timestamp_seconds", "", Seconds(s.snapshot_since_us));
  }
}

}  // namespace

std::string_view IngestPathLabel(IngestPath p) {
  switch (p) {
    case IngestPath::kLineHttp:
      return "http";
    case IngestPath::kLineTcp:
      return "tcp";
    case IngestPath::kImport:
      return "imp";
    case IngestPath::kInsert:
      return "insert";
  }
  return "unknown";
}

std::unique_ptr<QueryScope> QueryScope::Start(ServerMetrics* metrics, int64_t start_us) {
  if (metrics == nullptr) return nullptr;
  metrics->queries_started.Add();
  return std::unique_ptr<QueryScope>(new QueryScope(metrics, start_us));
}

QueryScope::~QueryScope() {
  metrics_->query_duration.Observe(core::MonotonicMicros() - start_us_);
  metrics_->queries_completed.Add();
}

std::string RenderMetrics(const MetricsSources& src) {
  core::MetricsText t;
  if (src.metrics != nullptr) RenderCounters(*src.metrics, &t);
  bool is_disk_up = true;
  if (src.engine != nullptr) {
    const cairo::EngineCounters c = src.engine->counters();
    t.Begin("questdb_commits_total", Type::kCounter, "Table commits that published rows.");
    t.Sample("questdb_commits_total", "", c.commits);
    t.Begin("questdb_committed_rows_total", Type::kCounter, "Rows published by commits.");
    t.Sample("questdb_committed_rows_total", "", c.committed_rows);
    t.Begin("sundial_partitions_sealed_total", Type::kCounter,
            "Partitions compressed by the seal job (cairo.partition.compress.after).");
    t.Sample("sundial_partitions_sealed_total", "", c.partitions_sealed);
    t.Begin("sundial_sealed_raw_bytes_total", Type::kCounter,
            "Uncompressed bytes of the column files of sealed partitions.");
    t.Sample("sundial_sealed_raw_bytes_total", "", c.sealed_raw_bytes);
    t.Begin("sundial_sealed_compressed_bytes_total", Type::kCounter,
            "Bytes of the compressed column files sealing wrote.");
    t.Sample("sundial_sealed_compressed_bytes_total", "", c.sealed_compressed_bytes);
    auto usage = src.engine->DiskUsage();
    if (usage.ok()) {
      t.Begin("sundial_table_disk_bytes", Type::kGauge,
              "Bytes of the files in each table's directory.");
      for (const cairo::TableDiskUsage& u : *usage) {
        t.Sample("sundial_table_disk_bytes", core::MetricsText::Label("table", u.table), u.bytes);
      }
    } else {
      is_disk_up = false;
      core::LogWarn("metrics: could not read table sizes [error=" + usage.status().ToString() +
                    "]");
    }
  }
  if (src.http_connections) {
    t.Begin("questdb_http_connections", Type::kGauge, "Open HTTP connections (port 9000).");
    t.Sample("questdb_http_connections", "", uint64_t{src.http_connections()});
  }
  if (src.line_tcp_connections) {
    t.Begin("questdb_line_tcp_connections", Type::kGauge,
            "Open line protocol TCP connections (port 9009).");
    t.Sample("questdb_line_tcp_connections", "", uint64_t{src.line_tcp_connections()});
  }
  if (src.backups != nullptr) RenderBackups(src.backups->Stats(), &t);
  // One reader of /proc/self/status for the server (core/process_memory.h).
  std::optional<core::ProcessMemory> mem;
  if (auto text = ReadWholeFile(src.proc_status_path)) {
    if (auto parsed = core::ParseProcStatus(*text); parsed.ok()) mem = *parsed;
  }
  if (mem) {
    t.Begin("sundial_memory_rss_bytes", Type::kGauge, "Resident memory of the process (VmRSS).");
    t.Sample("sundial_memory_rss_bytes", "", mem->rss_bytes);
    t.Begin("sundial_memory_rss_anon_bytes", Type::kGauge,
            "Resident anonymous memory: the heap and buffers (RssAnon).");
    t.Sample("sundial_memory_rss_anon_bytes", "", mem->rss_anon_bytes);
    t.Begin("sundial_memory_rss_file_bytes", Type::kGauge,
            "Resident pages of mapped files, mostly column files (RssFile).");
    t.Sample("sundial_memory_rss_file_bytes", "", mem->rss_file_bytes);
  }
  t.Begin("sundial_metrics_source_up", Type::kGauge,
          "1 when the source could be read for this page, 0 when its metrics are left out.");
  t.Sample("sundial_metrics_source_up", core::MetricsText::Label("source", "disk"),
           uint64_t{is_disk_up ? 1u : 0u});
  t.Sample("sundial_metrics_source_up", core::MetricsText::Label("source", "memory"),
           uint64_t{mem ? 1u : 0u});
  return t.Take();
}

}  // namespace sundial::http
