#include "http/server_config.h"

#include <cctype>
#include <cstdint>

#include "cairo/column_type.h"
#include "core/cron.h"
#include "core/time_zone.h"

namespace sundial::http {

const std::vector<std::string>& KnownConfigKeys() {
  static const std::vector<std::string> kKeys = {
      "http.enabled",
      "http.bind.to",
      "http.net.connection.limit",
      "http.net.connection.timeout",
      "http.request.header.buffer.size",
      "http.max.request.size",
      "http.security.readonly",
      "http.security.max.response.rows",
      "http.user",
      "http.password",
      "pg.user",
      "pg.password",
      "http.worker.count",
      "query.timeout",
      "http.query.timeout",
      "shared.worker.count",
      "http.min.enabled",
      "http.min.net.bind.to",
      "metrics.enabled",
      "line.tcp.enabled",
      "line.tcp.net.bind.to",
      "line.tcp.net.connection.limit",
      "line.tcp.commit.interval.default",
      "line.tcp.maintenance.job.interval",
      "line.tcp.max.uncommitted.rows",
      "line.tcp.max.measurement.size",
      "line.tcp.io.worker.count",
      "line.tcp.auth.db.path",
      "line.http.enabled",
      "line.default.partition.by",
      "cairo.commit.mode",
      "cairo.partition.compress.after",
      "cairo.partition.compress.check.interval",
      "cairo.sql.backup.root",
      "cairo.sql.max.query.memory",
      "cairo.sql.backup.dir.datetime.format",
      "cairo.sql.backup.dir.tmp.name",
      "cairo.sql.backup.mkdir.mode",
      "cairo.sql.backup.keep.latest.n",
      "cairo.sql.backup.max.bytes.per.sec",
      "cairo.backup.verify.on.start",
      "cairo.snapshot.instance.id",
      "cairo.snapshot.recovery.enabled",
      "cairo.checkpoint.recovery.enabled",
      "backup.schedule.cron",
      "backup.enabled",
      "backup.object.store",
      "backup.schedule.tz",
  };
  return kKeys;
}

namespace {

// backup.enabled / backup.object.store (QuestDB Enterprise): the store is used only with
// backup.enabled=true; its value is parsed now so that a bad one stops start-up. Parse errors
// name the store's key and never show a secret (core/object_store.h).
core::Status ReadBackupStore(const core::Properties& p, ServerConfig* c) {
  ASSIGN_OR_RETURN(c->backup_enabled, p.GetBool("backup.enabled", false));
  ASSIGN_OR_RETURN(std::string text, p.GetString("backup.object.store", ""));
  if (!c->backup_enabled || text.empty()) return core::Status::Ok();
  auto store = core::ParseObjectStoreConfig(text);
  if (!store.ok()) {
    return core::Status::InvalidArgument("invalid value for server.conf key "
                                         "'backup.object.store': " + store.status().message());
  }
  c->backup_store = std::move(*store);
  c->has_backup_store = true;
  return core::Status::Ok();
}

// backup.schedule.cron / backup.schedule.tz: parsed and loaded here so that a bad expression,
// an unknown zone or a schedule without a backup root stops start-up with the key named.
core::Status ReadBackupSchedule(const core::Properties& p, ServerConfig* c) {
  ASSIGN_OR_RETURN(c->backup_schedule_cron, p.GetString("backup.schedule.cron", ""));
  ASSIGN_OR_RETURN(c->backup_schedule_tz, p.GetString("backup.schedule.tz", "UTC"));
  auto bad = [](const char* key, const core::Status& st) {
    return core::Status::InvalidArgument("invalid value for server.conf key '" +
                                         std::string(key) + "': " + st.message());
  };
  if (auto zone = core::TimeZone::Load(c->backup_schedule_tz); !zone.ok()) {
    return bad("backup.schedule.tz", zone.status());
  }
  if (c->backup_schedule_cron.empty()) return core::Status::Ok();
  if (auto cron = core::CronExpression::Parse(c->backup_schedule_cron); !cron.ok()) {
    return bad("backup.schedule.cron", cron.status());
  }
  if (c->backup_root.empty() && !c->has_backup_store) {
    return core::Status::InvalidArgument(
        "server.conf key 'backup.schedule.cron' is set but 'cairo.sql.backup.root' is not; "
        "scheduled backups need a backup root");
  }
  return core::Status::Ok();
}

// cairo.partition.compress.after: `off`, or a duration (0: as soon as the partition ended).
core::Status ReadPartitionCompress(const core::Properties& p, ServerConfig* c) {
  constexpr char kAfter[] = "cairo.partition.compress.after";
  constexpr int64_t kMaxMs = 86'400'000LL * 366 * 100;
  std::string value = p.Get(kAfter).value_or("");
  for (char& ch : value) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (value == "off") {
    c->partition_compress_after_ms = -1;
  } else {
    auto after = p.GetDurationMs(kAfter, c->partition_compress_after_ms, 0, kMaxMs);
    if (!after.ok()) {
      return core::Status::InvalidArgument(after.status().message() + ", or off");
    }
    c->partition_compress_after_ms = *after;
  }
  ASSIGN_OR_RETURN(c->partition_compress_check_interval_ms,
                   p.GetDurationMs("cairo.partition.compress.check.interval",
                                   c->partition_compress_check_interval_ms, 10, 86'400'000));
  return core::Status::Ok();
}

}  // namespace

core::Result<ServerConfig> ReadServerConfig(const core::Properties& p,
                                            std::vector<std::string>* warnings) {
  ServerConfig c;
  for (const std::string& k : p.UnknownKeys(KnownConfigKeys())) {
    if (warnings) warnings->push_back("unknown server.conf key ignored [key=" + k + "]");
  }
  auto host_port = [&](const char* key, core::HostPort* out) -> core::Status {
    auto v = p.Get(key);
    if (!v) return core::Status::Ok();
    auto hp = core::ParseHostPort(*v);
    if (!hp.ok()) {
      return core::Status::InvalidArgument("invalid value for server.conf key '" +
                                           std::string(key) + "': '" + *v +
                                           "' (expected host:port)");
    }
    *out = *hp;
    return core::Status::Ok();
  };
  RETURN_IF_ERROR(host_port("http.bind.to", &c.http_bind));
  RETURN_IF_ERROR(host_port("line.tcp.net.bind.to", &c.line_tcp_bind));
  RETURN_IF_ERROR(host_port("http.min.net.bind.to", &c.http_min_bind));
  ASSIGN_OR_RETURN(c.http_min_enabled, p.GetBool("http.min.enabled", c.http_min_enabled));
  ASSIGN_OR_RETURN(c.metrics_enabled, p.GetBool("metrics.enabled", c.metrics_enabled));
  ASSIGN_OR_RETURN(c.http_connection_limit,
                   p.GetInt("http.net.connection.limit", c.http_connection_limit, 1, 100'000));
  ASSIGN_OR_RETURN(c.http_idle_timeout_ms, p.GetDurationMs("http.net.connection.timeout",
                                                           c.http_idle_timeout_ms, 100,
                                                           86'400'000));
  ASSIGN_OR_RETURN(c.http_header_limit_bytes,
                   p.GetSize("http.request.header.buffer.size", c.http_header_limit_bytes, 1024,
                             16 << 20));
  ASSIGN_OR_RETURN(c.http_max_request_bytes,
                   p.GetSize("http.max.request.size", c.http_max_request_bytes, 1024, 1LL << 32));
  ASSIGN_OR_RETURN(c.http_readonly, p.GetBool("http.security.readonly", c.http_readonly));
  ASSIGN_OR_RETURN(c.http_max_response_rows,
                   p.GetInt("http.security.max.response.rows", c.http_max_response_rows, 1,
                            INT64_MAX));
  ASSIGN_OR_RETURN(std::string pg_user, p.GetString("pg.user", ""));
  ASSIGN_OR_RETURN(std::string pg_password, p.GetString("pg.password", ""));
  ASSIGN_OR_RETURN(c.http_user, p.GetString("http.user", ""));
  ASSIGN_OR_RETURN(c.http_password, p.GetString("http.password", ""));
  // pg-style names are accepted only when the http.* ones are absent.
  if (!p.Get("http.user") && !p.Get("http.password") && p.Get("pg.user") && p.Get("pg.password")) {
    c.http_user = pg_user;
    c.http_password = pg_password;
  }
  if (c.http_user.empty() != c.http_password.empty()) {
    return core::Status::InvalidArgument(
        "server.conf keys 'http.user' and 'http.password' must be set together");
  }
  ASSIGN_OR_RETURN(c.http_worker_count,
                   p.GetInt("http.worker.count", c.http_worker_count, 1, 256));
  ASSIGN_OR_RETURN(c.query_timeout_ms,
                   p.GetDurationMs("http.query.timeout", c.query_timeout_ms, 1, 86'400'000LL * 7));
  ASSIGN_OR_RETURN(c.query_timeout_ms,
                   p.GetDurationMs("query.timeout", c.query_timeout_ms, 1, 86'400'000LL * 7));
  ASSIGN_OR_RETURN(c.shared_worker_count,
                   p.GetInt("shared.worker.count", c.shared_worker_count, 0, 256));
  ASSIGN_OR_RETURN(c.line_tcp_enabled, p.GetBool("line.tcp.enabled", c.line_tcp_enabled));
  ASSIGN_OR_RETURN(c.line_http_enabled, p.GetBool("line.http.enabled", c.line_http_enabled));
  ASSIGN_OR_RETURN(c.line_tcp_connection_limit,
                   p.GetInt("line.tcp.net.connection.limit", c.line_tcp_connection_limit, 1,
                            100'000));
  ASSIGN_OR_RETURN(c.line_tcp_commit_interval_ms,
                   p.GetDurationMs("line.tcp.commit.interval.default",
                                   c.line_tcp_commit_interval_ms, 1, 3'600'000));
  ASSIGN_OR_RETURN(c.line_tcp_maintenance_interval_ms,
                   p.GetDurationMs("line.tcp.maintenance.job.interval",
                                   c.line_tcp_maintenance_interval_ms, 1, 3'600'000));
  ASSIGN_OR_RETURN(c.line_tcp_max_uncommitted_rows,
                   p.GetInt("line.tcp.max.uncommitted.rows", c.line_tcp_max_uncommitted_rows, 1,
                            100'000'000));
  ASSIGN_OR_RETURN(c.line_tcp_worker_count,
                   p.GetInt("line.tcp.io.worker.count", c.line_tcp_worker_count, 0, 64));
  ASSIGN_OR_RETURN(c.line_tcp_max_line_bytes,
                   p.GetSize("line.tcp.max.measurement.size", c.line_tcp_max_line_bytes, 256,
                             1LL << 30));
  ASSIGN_OR_RETURN(c.line_tcp_auth_db_path, p.GetString("line.tcp.auth.db.path", ""));
  ASSIGN_OR_RETURN(std::string partition_by,
                   p.GetEnum("line.default.partition.by", "DAY",
                             {"NONE", "HOUR", "DAY", "WEEK", "MONTH", "YEAR"}));
  for (char& ch : partition_by) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  c.line_default_partition_by = partition_by;
  ASSIGN_OR_RETURN(c.commit_mode,
                   p.GetEnum("cairo.commit.mode", "nosync", {"nosync", "async", "sync"}));
  RETURN_IF_ERROR(ReadPartitionCompress(p, &c));
  ASSIGN_OR_RETURN(c.backup_root, p.GetString("cairo.sql.backup.root", ""));
  ASSIGN_OR_RETURN(c.max_query_memory,
                   p.GetSize("cairo.sql.max.query.memory", c.max_query_memory, 0, 1LL << 50));
  ASSIGN_OR_RETURN(c.backup_dir_datetime_format,
                   p.GetString("cairo.sql.backup.dir.datetime.format", "yyyy-MM-dd"));
  if (c.backup_dir_datetime_format.empty()) {
    return core::Status::InvalidArgument(
        "invalid value for server.conf key 'cairo.sql.backup.dir.datetime.format': '' "
        "(expected a date pattern such as yyyy-MM-dd)");
  }
  ASSIGN_OR_RETURN(c.backup_tmp_dir_name, p.GetString("cairo.sql.backup.dir.tmp.name", "tmp"));
  if (c.backup_tmp_dir_name.empty() || c.backup_tmp_dir_name.find('/') != std::string::npos ||
      c.backup_tmp_dir_name == "." || c.backup_tmp_dir_name == "..") {
    return core::Status::InvalidArgument(
        "invalid value for server.conf key 'cairo.sql.backup.dir.tmp.name': '" +
        c.backup_tmp_dir_name + "' (expected a plain directory name)");
  }
  ASSIGN_OR_RETURN(c.backup_mkdir_mode,
                   p.GetInt("cairo.sql.backup.mkdir.mode", c.backup_mkdir_mode, 0, 4095));
  ASSIGN_OR_RETURN(c.backup_keep_latest_n,
                   p.GetInt("cairo.sql.backup.keep.latest.n", 0, 0, INT32_MAX));
  ASSIGN_OR_RETURN(c.backup_max_bytes_per_sec,
                   p.GetSize("cairo.sql.backup.max.bytes.per.sec", 0, 0, int64_t{1} << 50));
  ASSIGN_OR_RETURN(std::string verify_on_start,
                   p.GetString("cairo.backup.verify.on.start", "size"));
  if (!cairo::ParseBackupCheck(verify_on_start, &c.backup_verify_on_start)) {
    return core::Status::InvalidArgument(
        "invalid value for server.conf key 'cairo.backup.verify.on.start': '" + verify_on_start +
        "' (expected none, size or full)");
  }
  ASSIGN_OR_RETURN(c.snapshot_instance_id, p.GetString("cairo.snapshot.instance.id", ""));
  ASSIGN_OR_RETURN(c.checkpoint_recovery_enabled,
                   p.GetBool("cairo.checkpoint.recovery.enabled", c.checkpoint_recovery_enabled));
  // The legacy key overrides the checkpoint key when present (QuestDB).
  c.snapshot_recovery_enabled = c.checkpoint_recovery_enabled;
  ASSIGN_OR_RETURN(c.snapshot_recovery_enabled,
                   p.GetBool("cairo.snapshot.recovery.enabled", c.snapshot_recovery_enabled));
  RETURN_IF_ERROR(ReadBackupStore(p, &c));
  RETURN_IF_ERROR(ReadBackupSchedule(p, &c));
  return c;
}

TcpAccess DecideTcpAccess(const ServerConfig& c) {
  if (!c.line_tcp_enabled) return TcpAccess::kDisabled;
  if (c.http_readonly) return TcpAccess::kRefusedReadOnly;
  if (!c.line_tcp_auth_db_path.empty()) return TcpAccess::kKeyAuth;
  if (!c.http_user.empty()) return TcpAccess::kRefusedNoKeys;
  return TcpAccess::kOpen;
}

std::string DescribeTcpAccess(TcpAccess access) {
  switch (access) {
    case TcpAccess::kDisabled:
      return "closed [reason=line.tcp.enabled is false]";
    case TcpAccess::kRefusedReadOnly:
      return "closed, not listening [reason=http.security.readonly is true, no writes]";
    case TcpAccess::kRefusedNoKeys:
      return "closed, not listening [reason=http.user is set and line.tcp.auth.db.path is not, "
             "so writes need credentials that line protocol over tcp cannot carry]";
    case TcpAccess::kKeyAuth:
      return "open to holders of a key in line.tcp.auth.db.path";
    case TcpAccess::kOpen:
      return "open to anyone who can connect, no authentication";
  }
  return "unknown";
}

}  // namespace sundial::http
