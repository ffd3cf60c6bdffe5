// The `sundial` server: sundial [-d DIR]. See http/README.md.
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "cairo/backup.h"
#include "cairo/backup_schedule.h"
#include "cairo/partition_sealer.h"
#include "cairo/backup_store.h"
#include "cairo/backup_unpack.h"
#include "cairo/engine.h"
#include "cairo/snapshot.h"
#include "core/config.h"
#include "core/file_system.h"
#include "core/http_client.h"
#include "core/log.h"
#include "core/sd_notify.h"
#include "http/api.h"
#include "http/default_server_conf.h"
#include "http/http_fetch.h"
#include "http/http_server.h"
#include "http/min_server.h"
#include "http/server_config.h"
#include "http/server_metrics.h"
#include "http/tcp_auth.h"
#include "http/tcp_line_server.h"
#include "sql/sql_engine.h"

namespace {

using namespace sundial;

constexpr const char* kUsage =
    "usage: sundial [-d DIR] [--help] [--version]\n"
    "       sundial verify DIR\n"
    "       sundial restore SOURCE -d DIR\n"
    "       sundial ping [HOST:PORT] [-d DIR]\n"
    "  -d DIR     server root (default $SUNDIAL_ROOT, else ~/.sundial); holds conf/ and db/.\n"
    "             A directory made by BACKUP starts as a root as it is.\n"
    "  --help     this text\n"
    "  --version  print the version\n"
    "  verify DIR checks a backup directory against its backup.manifest (sizes and CRC32C),\n"
    "             one line per problem; exit code 0 clean, 1 damaged, 2 not a backup.\n"
    "  restore SOURCE -d DIR  builds the new root DIR from a backup archive (GET /backup): SOURCE\n"
    "             is a tar file, - (stdin) or an http:// URL of /backup; every file is checked\n"
    "             against the manifest before DIR appears. Exit code 0 done, 1 failed, 2 usage.\n"
    "             SOURCE may also be a backup in an object store: the backup.object.store\n"
    "             setting plus backup=NAME (or none, or latest, for the newest), e.g.\n"
    "             's3::bucket=b;region=r;endpoint=http://h:9000;access_key_id=..;\n"
    "             secret_access_key=..;backup=2026-12-02'.\n"
    "  ping [HOST:PORT] [-d DIR]  GET /ping on a running server: the address given, else\n"
    "             http.bind.to of DIR's server.conf and the environment (0.0.0.0 asks\n"
    "             127.0.0.1), else 127.0.0.1:9000. Exit code 0 when it answers, 1 otherwise\n"
    "             (the reason on stderr), 2 usage. For health checks (Docker HEALTHCHECK).\n"
    "Configuration: DIR/conf/server.conf (written with defaults on first start); any key can be\n"
    "overridden from the environment as QDB_<KEY> or SUNDIAL_<KEY> (dots to underscores,\n"
    "upper case), e.g. QDB_CAIRO_SQL_BACKUP_ROOT=/backups.\n";

int Fail(const std::string& message) {
  core::LogError(message);
  return 1;
}

std::string DefaultRoot() {
  if (const char* r = std::getenv("SUNDIAL_ROOT"); r != nullptr && *r != '\0') return r;
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/.sundial";
}

std::string Absolute(const std::string& path) {
  char buf[PATH_MAX];
  if (::realpath(path.c_str(), buf) != nullptr) return buf;
  return path;
}

// The key file of line.tcp.auth.db.path; an error names the line.
core::Result<std::shared_ptr<const http::TcpAuthKeys>> LoadTcpAuthKeys(core::FileSystem& fs,
                                                                       const std::string& path) {
  auto text = fs.ReadFile(path);
  if (!text.ok()) return text.status();
  auto keys = http::ParseTcpAuthKeys(*text);
  if (!keys.ok()) return keys.status();
  return std::shared_ptr<const http::TcpAuthKeys>(
      std::make_shared<http::TcpAuthKeys>(std::move(*keys)));
}

// `sundial verify DIR`: the offline check (cairo/backup_verify.h), one line per problem.
int RunVerify(const std::string& dir) {
  std::shared_ptr<core::FileSystem> fs = core::NewPosixFileSystem();
  auto problems = cairo::VerifyBackupDir(*fs, dir, cairo::BackupCheck::kFull);
  if (!problems.ok()) {
    std::fprintf(stderr, "not a backup: %s\n", problems.status().ToString().c_str());
    return 2;
  }
  for (const auto& p : *problems) std::printf("%s\n", cairo::FormatBackupProblem(p).c_str());
  std::fflush(stdout);
  return problems->empty() ? 0 : 1;
}

// The outcome of `sundial restore`, on stderr; the exit code.
int ReportRestore(const core::Result<cairo::RestoreResult>& result, const std::string& dir) {
  if (!result.ok()) {
    std::fprintf(stderr, "restore failed: %s\n", result.status().ToString().c_str());
    return 1;
  }
  std::string tables;
  for (const auto& t : result->manifest.tables) tables += (tables.empty() ? "" : ",") + t.name;
  std::fprintf(stderr,
               "restored %llu files (%llu bytes) of tables [%s] into %s; start it with: "
               "sundial -d %s\n",
               static_cast<unsigned long long>(result->files),
               static_cast<unsigned long long>(result->bytes), tables.c_str(), dir.c_str(),
               dir.c_str());
  return 0;
}

// `sundial restore 's3::...;backup=NAME' -d DIR` (cairo/backup_store.h).
int RestoreFromStore(core::FileSystem& fs, const std::string& source, const std::string& dir) {
  auto spec = cairo::ParseStoreRestoreSource(source);
  if (!spec.ok()) {
    std::fprintf(stderr, "restore failed: %s\n", spec.status().ToString().c_str());
    return 2;
  }
  auto store = core::OpenObjectStore(spec->config, fs);
  if (!store.ok()) return ReportRestore(store.status(), dir);
  return ReportRestore(cairo::RestoreBackupFromStore(fs, **store, spec->backup, dir), dir);
}

// `sundial restore SOURCE -d DIR`: cairo/backup_unpack.h over a file, stdin or http:// URL, or
// a backup in an object store.
int RunRestore(int argc, char** argv) {
  std::string source, dir;
  for (int i = 2; i < argc; ++i) {
    if (std::strcmp(argv[i], "-d") == 0 && i + 1 < argc) {
      dir = argv[++i];
    } else if (source.empty()) {
      source = argv[i];
    } else {
      source.clear();
      break;
    }
  }
  if (source.empty() || dir.empty()) {
    std::fputs("usage: sundial restore SOURCE -d DIR (SOURCE: a tar file, - or an http:// URL)\n",
               stderr);
    return 2;
  }
  std::shared_ptr<core::FileSystem> fs = core::NewPosixFileSystem();
  if (cairo::IsStoreSource(source)) return RestoreFromStore(*fs, source, dir);
  std::unique_ptr<http::HttpBodyReader> body;
  int fd = -1;
  core::TarReader::ReadFn read;
  if (source.rfind("http://", 0) == 0 || source.rfind("https://", 0) == 0) {
    auto got = http::HttpGet(source);
    if (!got.ok()) {
      std::fprintf(stderr, "restore failed: %s\n", got.status().ToString().c_str());
      return 1;
    }
    body = std::move(*got);
    read = [&body](char* buf, size_t n) { return body->Read(buf, n); };
  } else {
    fd = source == "-" ? STDIN_FILENO : ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      std::fprintf(stderr, "restore failed: could not open %s: %s\n", source.c_str(),
                   std::strerror(errno));
      return 1;
    }
    read = [fd](char* buf, size_t n) -> core::Result<size_t> {
      for (;;) {
        const ssize_t r = ::read(fd, buf, n);
        if (r >= 0) return static_cast<size_t>(r);
        if (errno != EINTR) return core::Status::FromErrno(errno, "could not read the archive");
      }
    };
  }
  core::TarReader archive(std::move(read));
  auto result = cairo::RestoreBackupArchive(*fs, archive, dir);
  if (fd > STDIN_FILENO) ::close(fd);
  return ReportRestore(result, dir);
}

// The address `sundial ping` asks when none is given: http.bind.to as the server would read
// it (DIR's server.conf when present, then QDB_/SUNDIAL_ overrides), a wildcard host asked on
// the loopback address.
core::Result<core::HostPort> PingAddressFromConfig(const std::string& root) {
  std::shared_ptr<core::FileSystem> fs = core::NewPosixFileSystem();
  const std::string conf_path = core::JoinPath(root, "conf/server.conf");
  core::Properties props;
  if (fs->Exists(conf_path)) {
    auto text = fs->ReadFile(conf_path);
    if (!text.ok()) return text.status();
    auto parsed = core::Properties::Parse(*text);
    if (!parsed.ok()) {
      return core::Status::InvalidArgument("invalid config [path=" + conf_path +
                                           ", error=" + parsed.status().message() + "]");
    }
    props = std::move(*parsed);
  }
  props.ApplyEnv(http::KnownConfigKeys());
  std::vector<std::string> warnings;
  auto config = http::ReadServerConfig(props, &warnings);
  if (!config.ok()) return config.status();
  core::HostPort bind = config->http_bind;
  if (bind.host.empty() || bind.host == "0.0.0.0") bind.host = "127.0.0.1";
  return bind;
}

// `sundial ping [HOST:PORT] [-d DIR]`: exit 0 when GET /ping answers 204 or 200.
int RunPing(int argc, char** argv) {
  std::string address, root;
  for (int i = 2; i < argc; ++i) {
    if (std::strcmp(argv[i], "-d") == 0 && i + 1 < argc && argv[i + 1][0] != '\0') {
      root = argv[++i];
    } else if (address.empty() && argv[i][0] != '-' && argv[i][0] != '\0') {
      address = argv[i];
    } else {
      std::fputs("usage: sundial ping [HOST:PORT] [-d DIR]\n", stderr);
      return 2;
    }
  }
  core::HostPort target;
  if (!address.empty()) {
    auto parsed = core::ParseHostPort(address);
    if (!parsed.ok() || parsed->port == 0) {
      std::fprintf(stderr, "ping: not a HOST:PORT address with a port of 1..65535 [address=%s]\n",
                   address.c_str());
      return 2;
    }
    target = *parsed;
    if (target.host.empty() || target.host == "0.0.0.0") target.host = "127.0.0.1";
  } else {
    auto from_config = PingAddressFromConfig(root.empty() ? DefaultRoot() : root);
    if (!from_config.ok()) {
      std::fprintf(stderr, "ping failed: %s\n", from_config.status().ToString().c_str());
      return 1;
    }
    target = *from_config;
  }
  core::HttpClientOptions options;
  options.connect_timeout_ms = 5'000;
  options.io_timeout_ms = 5'000;
  options.keep_alive = false;
  options.max_body_bytes = 64 << 10;
  core::HttpClient client(target.host, target.port, options);
  core::HttpRequest request;
  request.method = "GET";
  request.target = "/ping";
  auto response = client.Send(request);
  if (!response.ok()) {
    std::fprintf(stderr, "ping failed: %s\n", response.status().ToString().c_str());
    return 1;
  }
  if (response->status != 204 && response->status != 200) {
    std::fprintf(stderr, "ping failed: http status %d [host=%s, port=%d]\n", response->status,
                 target.host.c_str(), target.port);
    return 1;
  }
  return 0;
}

// Tells systemd (Type=notify) about the server's state; a failure is logged, never fatal.
void TellServiceManager(std::string_view state) {
  if (auto st = core::NotifyServiceManager(std::getenv("NOTIFY_SOCKET"), state); !st.ok()) {
    core::LogWarn("could not notify the service manager [state=" + std::string(state) +
                  ", error=" + st.ToString() + "]");
  }
}

int Run(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "restore") == 0) return RunRestore(argc, argv);
  if (argc >= 2 && std::strcmp(argv[1], "ping") == 0) return RunPing(argc, argv);
  if (argc >= 2 && std::strcmp(argv[1], "verify") == 0) {
    if (argc != 3 || argv[2][0] == '\0') {
      std::fputs("usage: sundial verify DIR\n", stderr);
      return 2;
    }
    return RunVerify(argv[2]);
  }
  std::string root;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (a == "--version" || a == "-v") {
      std::printf("sundial %s\n", http::kSundialVersion);
      return 0;
    }
    if (a == "-d") {
      if (i + 1 >= argc || argv[i + 1][0] == '\0') {
        std::fputs("Root directory name expected (-d <root-path>)\n", stderr);
        return 1;
      }
      root = argv[++i];
      continue;
    }
    std::fprintf(stderr, "unknown argument: %s\n%s", a.c_str(), kUsage);
    return 1;
  }
  if (root.empty()) root = DefaultRoot();
  // Buffers of a MiB and more (request bodies, big staging) come from mmap, so freeing returns
  // them to the OS (glibc would otherwise raise its threshold and keep them in per-thread
  // arenas, multiplying peak RSS by the worker count). Smaller ones stay in the arenas: without
  // a high trim threshold glibc hands the top of a heap back as soon as 128 KiB are free, and
  // ingest staging then faults the same pages in again and again (on a VM a page fault is
  // microseconds; this cut /write's page faults from ~250k to ~100k per 5M rows).
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);

  // Signals: SIGTERM/SIGINT are taken by sigwait() below; every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  std::shared_ptr<core::FileSystem> fs = core::NewPosixFileSystem();
  if (auto st = fs->CreateDirs(core::JoinPath(root, "conf")); !st.ok()) {
    return Fail("could not create server root [root=" + root + ", error=" + st.ToString() + "]");
  }
  root = Absolute(root);
  const std::string db_root = core::JoinPath(root, "db");
  if (auto st = fs->CreateDirs(db_root); !st.ok()) {
    return Fail("could not create db directory [path=" + db_root + ", error=" + st.ToString() + "]");
  }
  // QuestDB Enterprise's `_backup_restore` trigger: restore from the object store it names into
  // this (empty) root before anything else reads it (cairo/backup_store.h).
  if (auto restored = cairo::RestoreFromTriggerAtStartup(*fs, root); !restored.ok()) {
    return Fail("refusing to start, restore from the object store failed [root=" + root +
                ", error=" + restored.status().ToString() + "] (" + cairo::kBackupRestoreTrigger +
                " is kept; the error is in " + cairo::kRestoreFailedMarker + ")");
  }
  const std::string conf_path = core::JoinPath(root, "conf/server.conf");
  if (!fs->Exists(conf_path)) {
    if (auto st = fs->WriteFileAtomic(conf_path, http::kDefaultServerConf); !st.ok()) {
      return Fail("could not write default config [path=" + conf_path + ", error=" +
                  st.ToString() + "]");
    }
    core::LogInfo("default config written [path=" + conf_path + "]");
  }
  auto text = fs->ReadFile(conf_path);
  if (!text.ok()) return Fail("could not read config [path=" + conf_path + ", error=" + text.status().ToString() + "]");
  auto props = core::Properties::Parse(*text);
  if (!props.ok()) return Fail("invalid config [path=" + conf_path + ", error=" + props.status().message() + "]");
  for (const std::string& k : props->ApplyEnv(http::KnownConfigKeys())) {
    core::LogInfo("config key set from environment [key=" + k + "]");
  }
  std::vector<std::string> warnings;
  auto config = http::ReadServerConfig(*props, &warnings);
  for (const std::string& w : warnings) core::LogWarn(w);
  if (!config.ok()) {
    return Fail("refusing to start, invalid configuration [path=" + conf_path + ", error=" +
                config.status().message() + "]");
  }
  http::ServerConfig& cfg = *config;
  // Credential keys that are present but leave authentication off (`http.user=`, or only one of
  // pg.user / pg.password): say so, whatever the bind address.
  if (cfg.http_user.empty()) {
    for (const char* key : {"http.user", "http.password", "pg.user", "pg.password"}) {
      if (props->Get(key)) {
        core::LogWarn(std::string("http authentication is disabled although a credential key is "
                                  "set; set both http.user and http.password to non-empty values "
                                  "[key=") + key + "]");
        break;
      }
    }
  }
  core::LogInfo("server starting [version=" + std::string(http::kSundialVersion) +
                ", root=" + root + "]");

  cairo::BackupOptions backup_options;
  backup_options.server_root = root;
  if (!cfg.backup_root.empty()) {
    backup_options.backup_root =
        cfg.backup_root[0] == '/' ? cfg.backup_root : core::JoinPath(root, cfg.backup_root);
  }
  backup_options.dir_datetime_format = cfg.backup_dir_datetime_format;
  backup_options.tmp_dir_name = cfg.backup_tmp_dir_name;
  backup_options.mkdir_mode = static_cast<int>(cfg.backup_mkdir_mode);
  backup_options.snapshot_instance_id = cfg.snapshot_instance_id;
  backup_options.snapshot_recovery_enabled = cfg.snapshot_recovery_enabled;
  backup_options.keep_latest_n = static_cast<int>(cfg.backup_keep_latest_n);
  backup_options.max_bytes_per_sec = static_cast<uint64_t>(cfg.backup_max_bytes_per_sec);
  if (cfg.has_backup_store) {
    auto store = core::OpenObjectStore(cfg.backup_store, *fs);
    if (!store.ok()) {
      return Fail("refusing to start, backup.object.store cannot be opened [error=" +
                  store.status().ToString() + "]");
    }
    backup_options.object_store = std::move(*store);
  }
  // A root made by BACKUP carries a manifest: refuse one written by a newer format.
  if (auto st = cairo::CheckBackupFormatAtStartup(*fs, root); !st.ok()) {
    return Fail("refusing to start on this root [error=" + st.ToString() + "]");
  }
  // A root that is still exactly a backup: its files must match the manifest (the rule is
  // in cairo/backup_verify.h CheckBackupRootAtStartup).
  if (auto problems = cairo::CheckBackupRootAtStartup(*fs, root, cfg.backup_verify_on_start);
      !problems.ok() || !problems->empty()) {
    std::string what = !problems.ok() ? problems.status().ToString()
                                      : cairo::FormatBackupProblem(problems->front());
    if (problems.ok() && problems->size() > 1) {
      what += " (and " + std::to_string(problems->size() - 1) + " more)";
    }
    return Fail("refusing to start, backup is damaged [root=" + root + ", problem=" + what +
                "] (cairo.backup.verify.on.start=none skips this check)");
  }
  if (auto st = cairo::RecoverSnapshotAtStartup(*fs, backup_options); !st.ok()) {
    return Fail("snapshot recovery failed, refusing to start [error=" + st.ToString() + "]");
  }

  cairo::EngineOptions engine_options;
  engine_options.db_root = db_root;
  // A snapshot prepared before a restart and not completed: keep what it needs.
  engine_options.open_snapshot_db =
      cairo::PendingSnapshotDb(*fs, root, backup_options.snapshot_instance_id);
  engine_options.commit_mode = cfg.commit_mode == "sync"    ? cairo::CommitMode::kSync
                               : cfg.commit_mode == "async" ? cairo::CommitMode::kAsync
                                                            : cairo::CommitMode::kNoSync;
  auto engine_or = cairo::Engine::Open(fs, engine_options);
  if (!engine_or.ok()) {
    return Fail("could not open the storage engine [path=" + db_root + ", error=" +
                engine_or.status().ToString() + "]");
  }
  std::unique_ptr<cairo::Engine> engine = std::move(engine_or).value();
  for (const auto& [name, st] : engine->BrokenTables()) {
    core::LogError("table could not be opened [table=" + name + ", error=" + st.ToString() + "]");
  }
  std::string tables;
  for (const std::string& t : engine->ListTables()) tables += (tables.empty() ? "" : ",") + t;
  core::LogInfo("tables loaded [count=" + std::to_string(engine->ListTables().size()) +
                ", tables=" + tables + "]");

  std::unique_ptr<cairo::BackupService> backup =
      cairo::BackupService::Create(engine.get(), fs, backup_options);
  core::LogInfo(std::string("backup ") +
                (backup_options.object_store ? "enabled [" + cfg.backup_store.Describe() + "]"
                 : backup && backup->enabled() ? "enabled [root=" + backup_options.backup_root + "]"
                                               : "disabled, cairo.sql.backup.root is not set"));
  // backup.schedule.cron: values were checked by ReadServerConfig; started once serving.
  std::unique_ptr<cairo::BackupScheduler> schedule;
  if (!cfg.backup_schedule_cron.empty()) {
    auto s = cairo::BackupScheduler::Create(backup.get(), cfg.backup_schedule_cron,
                                            cfg.backup_schedule_tz, engine_options.clock);
    if (!s.ok()) {
      return Fail("refusing to start, invalid configuration [path=" + conf_path + ", error=" +
                  s.status().message() + "]");
    }
    schedule = std::move(s).value();
  }
  // cairo.partition.compress.after: the seal job (cairo/partition_sealer.h), started once
  // serving.
  std::unique_ptr<cairo::PartitionSealer> sealer;
  if (cfg.partition_compress_after_ms >= 0) {
    cairo::PartitionSealerOptions so;
    so.after_us = cfg.partition_compress_after_ms * 1000;
    so.interval_ms = cfg.partition_compress_check_interval_ms;
    so.clock = engine_options.clock;
    sealer = std::make_unique<cairo::PartitionSealer>(engine.get(), so);
  }
  core::LogInfo(cfg.partition_compress_after_ms >= 0
                    ? "partition sealing enabled [after_ms=" +
                          std::to_string(cfg.partition_compress_after_ms) + ", interval_ms=" +
                          std::to_string(cfg.partition_compress_check_interval_ms) + "]"
                    : std::string("partition sealing disabled, cairo.partition.compress.after=off"));
  sql::SqlOptions sql_options;
  sql_options.backup_schedule = schedule.get();
  sql_options.worker_threads = static_cast<int>(cfg.shared_worker_count);
  sql_options.read_only = cfg.http_readonly;
  sql_options.query_timeout_ms = cfg.query_timeout_ms;
  sql_options.max_query_memory = cfg.max_query_memory;
  sql_options.server_conf = &*props;
  auto sql_engine = std::make_unique<sql::SqlEngine>(engine.get(), backup.get(), sql_options);

  http::ServerMetrics metrics;
  http::Api api(engine.get(), sql_engine.get(), cfg, &metrics);
  std::unique_ptr<http::HttpServer> http_server;
  if (props->Get("http.enabled").value_or("true") != "false") {
    http::HttpServerOptions ho;
    ho.host = cfg.http_bind.host;
    ho.port = cfg.http_bind.port;
    ho.connection_limit = static_cast<int>(cfg.http_connection_limit);
    ho.idle_timeout_ms = cfg.http_idle_timeout_ms;
    ho.limits.max_header_bytes = static_cast<size_t>(cfg.http_header_limit_bytes);
    ho.limits.max_body_bytes = static_cast<size_t>(cfg.http_max_request_bytes);
    ho.worker_count = static_cast<int>(cfg.http_worker_count);
    ho.stream_if = [&api](const http::HttpRequest& req) { return api.StreamsBody(req); };
    ho.stream_buffer = [&api] { return api.StreamBuffer(); };
    ho.error_body = [&api](const http::HttpRequest& req, int status, const std::string& message) {
      return api.ErrorBody(req, status, message);
    };
    http_server = std::make_unique<http::HttpServer>(
        ho, [&api](http::HttpRequest& req, http::ResponseWriter& w) { api.Handle(req, w); },
        [&api](const http::HttpRequest& req) { return api.IsInline(req); });
    if (auto st = http_server->Start(); !st.ok()) {
      return Fail("could not start the http server [error=" + st.ToString() + "]");
    }
    core::LogInfo("http server listening [address=" + (ho.host.empty() ? "0.0.0.0" : ho.host) +
                  ":" + std::to_string(http_server->port()) + ", workers=" +
                  std::to_string(ho.worker_count) + ", auth=" +
                  (cfg.http_user.empty() ? "none" : "basic") + ", readonly=" +
                  (cfg.http_readonly ? "true" : "false") + "]");
    if (cfg.http_user.empty() && (ho.host.empty() || ho.host == "0.0.0.0")) {
      core::LogWarn("http server accepts unauthenticated requests on all interfaces; set "
                    "http.user/http.password or bind http.bind.to to 127.0.0.1");
    }
  }
  std::unique_ptr<http::TcpLineServer> tcp_server;
  const http::TcpAccess tcp_access = http::DecideTcpAccess(cfg);
  std::shared_ptr<const http::TcpAuthKeys> tcp_keys;
  if (tcp_access == http::TcpAccess::kKeyAuth) {
    const std::string& p = cfg.line_tcp_auth_db_path;
    const std::string path = p[0] == '/' ? p : core::JoinPath(root, p);
    auto keys = LoadTcpAuthKeys(*fs, path);
    if (!keys.ok()) {
      if (http_server) http_server->Stop();
      return Fail("refusing to start, bad line.tcp.auth.db.path [path=" + path + ", error=" +
                  keys.status().message() + "]");
    }
    core::LogInfo("line tcp auth keys loaded [path=" + path + ", keys=" +
                  std::to_string((*keys)->by_id.size()) + "]");
    if ((*keys)->by_id.empty()) {
      core::LogWarn("line tcp auth key file lists no keys, nobody can write over tcp [path=" +
                    path + "]");
    }
    tcp_keys = std::move(*keys);
  }
  if (tcp_access == http::TcpAccess::kOpen || tcp_access == http::TcpAccess::kKeyAuth) {
    http::TcpLineOptions to;
    to.host = cfg.line_tcp_bind.host;
    to.port = cfg.line_tcp_bind.port;
    to.connection_limit = static_cast<int>(cfg.line_tcp_connection_limit);
    to.commit_interval_ms = cfg.line_tcp_commit_interval_ms;
    to.maintenance_interval_ms = cfg.line_tcp_maintenance_interval_ms;
    to.max_uncommitted_rows = cfg.line_tcp_max_uncommitted_rows;
    to.max_line_bytes = cfg.line_tcp_max_line_bytes;
    to.worker_count = static_cast<int>(cfg.line_tcp_worker_count);
    to.idle_timeout_ms = cfg.http_idle_timeout_ms;
    auto pb = cairo::ParsePartitionBy(cfg.line_default_partition_by);
    to.ingest.partition_by = pb ? *pb : cairo::PartitionBy::kDay;
    to.auth_keys = tcp_keys;
    to.metrics = &metrics;
    tcp_server = std::make_unique<http::TcpLineServer>(engine.get(), to);
    if (auto st = tcp_server->Start(); !st.ok()) {
      if (http_server) http_server->Stop();
      return Fail("could not start the line tcp server [error=" + st.ToString() + "]");
    }
    core::LogInfo("line tcp server listening [address=" + (to.host.empty() ? "0.0.0.0" : to.host) +
                  ":" + std::to_string(tcp_server->port()) + "]");
  }
  core::LogInfo("line tcp port " + http::DescribeTcpAccess(tcp_access));
  if (tcp_access == http::TcpAccess::kOpen &&
      (cfg.line_tcp_bind.host.empty() || cfg.line_tcp_bind.host == "0.0.0.0")) {
    core::LogWarn("line tcp server accepts unauthenticated writes on all interfaces; set "
                  "line.tcp.auth.db.path or bind line.tcp.net.bind.to to 127.0.0.1");
  }
  std::unique_ptr<http::MinHttpServer> min_server;
  if (cfg.http_min_enabled) {
    http::MinServerOptions mo;
    mo.bind = cfg.http_min_bind;
    mo.is_metrics_enabled = cfg.metrics_enabled;
    http::MetricsSources sources;
    sources.metrics = &metrics;
    sources.engine = engine.get();
    sources.backups = backup.get();
    if (http_server) sources.http_connections = [&] { return http_server->connection_count(); };
    if (tcp_server) sources.line_tcp_connections = [&] { return tcp_server->connection_count(); };
    min_server = std::make_unique<http::MinHttpServer>(
        mo, [sources] { return http::RenderMetrics(sources); });
    // Not fatal: the database serves without its health port (e.g. 9003 taken by another
    // instance on the host), and says so.
    if (auto st = min_server->Start(); !st.ok()) {
      core::LogError(
          "could not start the min http server, no health checks or metrics "
          "[address=" +
          mo.bind.host + ":" + std::to_string(mo.bind.port) + ", error=" + st.ToString() + "]");
      min_server.reset();
    } else {
      core::LogInfo("min http server listening [address=" + mo.bind.host + ":" +
                    std::to_string(min_server->port()) +
                    ", metrics=" + (cfg.metrics_enabled ? "true" : "false") + "]");
    }
  }
  core::LogInfo(
      "server started [http_port=" + std::to_string(http_server ? http_server->port() : 0) +
      ", line_tcp_port=" + std::to_string(tcp_server ? tcp_server->port() : 0) +
      ", min_http_port=" + std::to_string(min_server ? min_server->port() : 0) + "]");

  if (schedule) schedule->Start();
  if (sealer) sealer->Start();
  TellServiceManager("READY=1");

  int sig = 0;
  sigwait(&signals, &sig);
  core::LogInfo(std::string("shutdown requested [signal=") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") + "]");
  TellServiceManager("STOPPING=1");
  if (schedule) schedule->Stop();  // no new scheduled runs; waits for one in progress
  if (sealer) sealer->Stop();      // cancels a seal under way (its staged files removed)
  if (min_server) min_server->Stop();
  if (http_server) http_server->Stop();
  if (tcp_server) tcp_server->Stop();
  api.Stop();
  sql_engine.reset();
  schedule.reset();
  sealer.reset();
  backup.reset();
  engine.reset();
  core::LogInfo("server stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    core::LogError(std::string("fatal error [error=") + e.what() + "]");
    return 1;
  } catch (...) {
    core::LogError("fatal error");
    return 1;
  }
}
