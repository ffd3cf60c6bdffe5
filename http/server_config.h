// http/server_config.h — the server's typed configuration, read from `<root>/conf/server.conf`
// (QuestDB's key names) with QDB_/SUNDIAL_ environment overrides. Every key the server reads is
// listed in KnownConfigKeys() and documented in conf/server.conf.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cairo/backup_verify.h"
#include "core/config.h"
#include "core/object_store.h"
#include "core/status.h"

namespace sundial::http {

struct ServerConfig {
  // HTTP
  core::HostPort http_bind{"0.0.0.0", 9000};      // http.bind.to
  int64_t http_connection_limit = 1024;           // http.net.connection.limit
  int64_t http_idle_timeout_ms = 300'000;         // http.net.connection.timeout
  int64_t http_header_limit_bytes = 64 * 1024;    // http.request.header.buffer.size
  int64_t http_max_request_bytes = 100LL << 20;   // http.max.request.size
  bool http_readonly = false;                     // http.security.readonly
  int64_t http_max_response_rows = INT64_MAX;     // http.security.max.response.rows
  std::string http_user;                          // http.user (empty: no auth)
  std::string http_password;                      // http.password
  int64_t http_worker_count = 4;                  // http.worker.count
  int64_t query_timeout_ms = 60'000;              // query.timeout
  int64_t max_query_memory = 0;                   // cairo.sql.max.query.memory (0: RAM / 4)
  int64_t shared_worker_count = 0;                // shared.worker.count (SQL threads; 0 = cores)
  // The minimal HTTP server (http/min_server.h): health checks and /metrics
  bool http_min_enabled = true;                   // http.min.enabled
  core::HostPort http_min_bind{"0.0.0.0", 9003};  // http.min.net.bind.to
  bool metrics_enabled = false;                   // metrics.enabled
  // Line protocol
  bool line_tcp_enabled = true;                   // line.tcp.enabled
  core::HostPort line_tcp_bind{"0.0.0.0", 9009};  // line.tcp.net.bind.to
  bool line_http_enabled = true;                  // line.http.enabled
  std::string line_default_partition_by = "DAY";  // line.default.partition.by
  int64_t line_tcp_commit_interval_ms = 1000;     // line.tcp.commit.interval.default
  int64_t line_tcp_maintenance_interval_ms = 1000;// line.tcp.maintenance.job.interval
  int64_t line_tcp_worker_count = 0;              // line.tcp.io.worker.count (0 = min(cores, 4))
  int64_t line_tcp_max_uncommitted_rows = 100'000;// line.tcp.max.uncommitted.rows
  int64_t line_tcp_connection_limit = 256;        // line.tcp.net.connection.limit
  int64_t line_tcp_max_line_bytes = 1 << 20;      // line.tcp.max.measurement.size
  std::string line_tcp_auth_db_path;              // line.tcp.auth.db.path (relative to DIR)
  // Storage / backup
  std::string commit_mode = "nosync";             // cairo.commit.mode
  // Sealing cold partitions (cairo/partition_sealer.h): a partition that ended at least this
  // long ago, and is not its table's newest, is compressed; -1 = off.
  int64_t partition_compress_after_ms = 86'400'000;       // cairo.partition.compress.after
  int64_t partition_compress_check_interval_ms = 60'000;  // cairo.partition.compress.check.interval
  std::string backup_root;                        // cairo.sql.backup.root (relative to DIR)
  std::string backup_dir_datetime_format = "yyyy-MM-dd";
  std::string backup_tmp_dir_name = "tmp";
  int64_t backup_mkdir_mode = 0775;               // cairo.sql.backup.mkdir.mode (decimal 509)
  int64_t backup_keep_latest_n = 0;               // cairo.sql.backup.keep.latest.n (0 = all)
  // Scheduled backups (cairo/backup_schedule.h): a cron expression, empty = none, and the
  // IANA zone its wall times are read in. Both checked here (a bad one refuses start-up).
  std::string backup_schedule_cron;               // backup.schedule.cron
  std::string backup_schedule_tz = "UTC";         // backup.schedule.tz
  int64_t backup_max_bytes_per_sec = 0;  // cairo.sql.backup.max.bytes.per.sec (0 = unlimited)
  // backup.enabled=true + backup.object.store=...: BACKUP goes to the object store
  // (cairo/backup_store.h) instead of cairo.sql.backup.root. Parsed here (a bad value refuses
  // start-up naming the key, never a secret).
  bool backup_enabled = false;                    // backup.enabled
  bool has_backup_store = false;                  // both keys set
  core::ObjectStoreConfig backup_store;           // backup.object.store
  // cairo.backup.verify.on.start: none | size | full (a root that is a backup, at start)
  cairo::BackupCheck backup_verify_on_start = cairo::BackupCheck::kSize;
  std::string snapshot_instance_id;
  bool snapshot_recovery_enabled = true;          // cairo.snapshot.recovery.enabled
  bool checkpoint_recovery_enabled = true;        // cairo.checkpoint.recovery.enabled
};

const std::vector<std::string>& KnownConfigKeys();

// Who may write over line protocol on TCP (port 9009), one rule for every combination of
// line.tcp.enabled, http.security.readonly, http.user/http.password and line.tcp.auth.db.path;
// see "Ports and who may write" in http/README.md. The server does not listen at all unless the
// answer is kOpen or kKeyAuth: a client is refused at connect, so nothing is silently dropped.
enum class TcpAccess {
  kDisabled,           // line.tcp.enabled=false
  kRefusedReadOnly,    // http.security.readonly=true: no writes from anywhere
  kRefusedNoKeys,      // HTTP Basic auth is on and no TCP key file is configured
  kKeyAuth,            // only clients that prove a key of line.tcp.auth.db.path
  kOpen,               // anyone who can connect (no auth configured at all)
};
TcpAccess DecideTcpAccess(const ServerConfig& config);
// One line for the start-up log: who may use the TCP port, and why.
std::string DescribeTcpAccess(TcpAccess access);

// Reads the typed config from `props`. The first bad value is returned as InvalidArgument
// naming the key. `warnings` receives one line per unknown key.
core::Result<ServerConfig> ReadServerConfig(const core::Properties& props,
                                            std::vector<std::string>* warnings);

}  // namespace sundial::http
