// http/min_server.h — QuestDB's minimal HTTP server (http.min.enabled, http.min.net.bind.to,
// port 9003): health checks and, with metrics.enabled=true, GET /metrics.
//
//   /status                     200 text/plain "Status: Healthy"
//   /metrics                    the Prometheus page (metrics enabled; text format 0.0.4)
//   any other path              as /status when metrics are disabled (QuestDB), else 404
//
// It is an HttpServer of its own (http/http_server.h: its own I/O thread and one worker), so a
// main server whose workers are all busy with queries or backups still answers health checks
// and scrapes. No authentication (as QuestDB's): bind it to a private interface.
//
// Thread-safety: Start/Stop from one thread; `render_metrics` is called on the server's worker.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/config.h"
#include "core/status.h"
#include "http/http_server.h"

namespace sundial::http {

struct MinServerOptions {
  core::HostPort bind{"0.0.0.0", 9003};  // port 0: any free port (see port())
  bool is_metrics_enabled = false;
  int connection_limit = 64;
  int64_t idle_timeout_ms = 30'000;
};

class MinHttpServer {
 public:
  MinHttpServer(MinServerOptions options, std::function<std::string()> render_metrics);
  ~MinHttpServer();

  core::Status Start();
  int port() const;
  void Stop();

  // The handler (exposed for tests).
  void Handle(HttpRequest& req, ResponseWriter& resp);

 private:
  MinServerOptions options_;
  std::function<std::string()> render_metrics_;
  std::unique_ptr<HttpServer> server_;
};

}  // namespace sundial::http
