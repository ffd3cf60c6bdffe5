// http/tcp_line_server.h — InfluxDB line protocol over TCP (QuestDB's port 9009).
//
// One thread runs an epoll loop over all connections and owns one IlpBatch (the writer leases)
// shared by them. Lines may be split across reads at any byte; only complete lines are parsed.
// Rows are committed when line.tcp.max.uncommitted.rows are pending, when the oldest pending row
// is older than line.tcp.commit.interval.default (so rows become visible within ~1 s), and when
// a connection closes. TCP has no replies: a bad line closes its connection with a log line
// naming the peer, the line number and the error; rows appended before it are committed.
//
// With auth_keys set, every connection must first pass QuestDB's challenge/response handshake
// (http/tcp_auth.h); nothing it sends is parsed before that, and a failed handshake closes it.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "cairo/engine.h"
#include "core/status.h"
#include "http/ilp_ingest.h"
#include "http/server_metrics.h"
#include "http/tcp_auth.h"

namespace sundial::http {

struct TcpLineOptions {
  std::string host = "0.0.0.0";
  int port = 9009;
  int connection_limit = 256;
  int64_t commit_interval_ms = 1000;
  int64_t maintenance_interval_ms = 1000;
  int64_t max_uncommitted_rows = 100'000;
  int64_t max_line_bytes = 1 << 20;
  int64_t idle_timeout_ms = 300'000;
  int worker_count = 0;  // ingest threads; 0 = one per core, at most 4
  IlpIngestOptions ingest;
  // Public keys a client must prove (line.tcp.auth.db.path); null: no authentication.
  std::shared_ptr<const TcpAuthKeys> auth_keys;
  // Counts committed rows and refused lines (null: nothing); outlives the server.
  ServerMetrics* metrics = nullptr;
};

class TcpLineServer {
 public:
  TcpLineServer(cairo::Engine* engine, TcpLineOptions options);
  ~TcpLineServer();

  core::Status Start();
  int port() const { return port_; }
  size_t connection_count() const;
  // Stops accepting, parses what was received, commits, closes every connection.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace sundial::http
