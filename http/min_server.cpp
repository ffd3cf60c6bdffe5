#include "http/min_server.h"

#include "core/metrics.h"

namespace sundial::http {

MinHttpServer::MinHttpServer(MinServerOptions options, std::function<std::string()> render_metrics)
    : options_(std::move(options)), render_metrics_(std::move(render_metrics)) {}

MinHttpServer::~MinHttpServer() { Stop(); }

core::Status MinHttpServer::Start() {
  HttpServerOptions ho;
  ho.host = options_.bind.host;
  ho.port = options_.bind.port;
  ho.connection_limit = options_.connection_limit;
  ho.idle_timeout_ms = options_.idle_timeout_ms;
  ho.limits.max_body_bytes = 64 << 10;  // nothing here takes a body
  // One worker renders /metrics (it walks the table directories); health checks are answered
  // on the I/O thread, so a slow scrape never delays them.
  ho.worker_count = 1;
  server_ = std::make_unique<HttpServer>(
      ho, [this](HttpRequest& req, ResponseWriter& resp) { Handle(req, resp); },
      [this](const HttpRequest& req) {
        return !(options_.is_metrics_enabled && req.path == "/metrics");
      });
  core::Status st = server_->Start();
  if (!st.ok()) server_.reset();
  return st;
}

int MinHttpServer::port() const { return server_ ? server_->port() : 0; }

void MinHttpServer::Stop() {
  if (server_) server_->Stop();
}

void MinHttpServer::Handle(HttpRequest& req, ResponseWriter& resp) {
  if (options_.is_metrics_enabled && req.path == "/metrics") {
    resp.Send(200, core::kMetricsContentType, render_metrics_());
    return;
  }
  if (req.path == "/status" || !options_.is_metrics_enabled) {
    resp.Send(200, "text/plain", "Status: Healthy");
    return;
  }
  resp.Send(404, "text/plain", "Not Found");
}

}  // namespace sundial::http
