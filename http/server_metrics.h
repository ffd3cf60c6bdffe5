// http/server_metrics.h — what the server counts for GET /metrics, and the page itself.
//
// ServerMetrics is created once in main and handed to the Api and the TCP line server; they
// add to it once per request, commit or refused line (relaxed atomics, core/metrics.h), never
// per row. RenderMetrics reads it together with the engine (commits, disk usage), the backup
// service (last backup, failures, snapshot), the connection gauges and /proc/self/status, and
// writes Prometheus' text exposition format. The metric names and what they mean are listed
// in http/README.md ("Metrics"); QuestDB's names are used where QuestDB has the same metric.
//
// Thread-safety: everything here may be called from any thread at any time.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cairo/backup.h"
#include "cairo/engine.h"
#include "core/metrics.h"

namespace sundial::http {

// How rows came in; the `protocol` label of the row counters.
enum class IngestPath { kLineHttp, kLineTcp, kImport, kInsert };
inline constexpr size_t kIngestPathCount = 4;
std::string_view IngestPathLabel(IngestPath p);  // "http", "tcp", "imp", "insert"

struct ServerMetrics {
  void AddIngested(IngestPath p, uint64_t rows) { rows_ingested[static_cast<size_t>(p)].Add(rows); }
  void AddRejected(IngestPath p, uint64_t rows) { rows_rejected[static_cast<size_t>(p)].Add(rows); }

  std::array<core::Counter, kIngestPathCount> rows_ingested;  // committed
  std::array<core::Counter, kIngestPathCount> rows_rejected;  // refused lines / rows
  core::Counter queries_started;          // /exec and /exp requests that carried a query
  core::Counter queries_completed;        // ... whose reply ended (rows, an error, a gone client)
  core::LatencyHistogram query_duration;  // from the request to the reply's end
};

// Counts one query of `metrics` (null: nothing): started now, completed with its duration when
// the scope is destroyed (the handler's producer holds it until the reply ends).
class QueryScope {
 public:
  static std::unique_ptr<QueryScope> Start(ServerMetrics* metrics, int64_t start_us);
  ~QueryScope();

 private:
  QueryScope(ServerMetrics* metrics, int64_t start_us) : metrics_(metrics), start_us_(start_us) {}
  ServerMetrics* metrics_;
  int64_t start_us_;
};

struct MetricsSources {
  const ServerMetrics* metrics = nullptr;
  const cairo::Engine* engine = nullptr;
  const cairo::BackupService* backups = nullptr;  // null: no backup metrics
  std::function<size_t()> http_connections;       // unset: not shown
  std::function<size_t()> line_tcp_connections;   // unset: not shown
  std::string proc_status_path = "/proc/self/status";
};

// The /metrics page. A source that cannot be read (the disk walk, /proc) leaves its metrics
// out and shows sundial_metrics_source_up{source=...} 0; it never shows a made-up value.
std::string RenderMetrics(const MetricsSources& sources);

}  // namespace sundial::http
