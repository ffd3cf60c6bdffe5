// http/api.h — the REST API (QuestDB's routes and JSON shapes): /exec (/api/v1/sql/execute),
// /exp, /imp, /write (/api/v2/write), /chk, /ping, /settings, /status. One Api per server,
// shared by the I/O thread and the workers; Handle() is thread-safe.
//
// Error mapping lives here: a Status code becomes an HTTP status and a body in one place
// (SqlErrorStatus / IlpErrorStatus). Client data never produces a 5xx.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "cairo/engine.h"
#include "core/worker_pool.h"
#include "http/http_server.h"
#include "http/ilp_ingest.h"
#include "http/server_config.h"
#include "sql/sql_engine.h"

namespace sundial::http {

class BufferPool;

inline constexpr const char* kSundialVersion = "0.1.0";

class Api {
 public:
  Api(cairo::Engine* engine, sql::SqlEngine* sql, ServerConfig config);
  ~Api();
  // Lets background work (parts of /write bodies being parsed) finish; call after the HTTP
  // server stopped and before the engine closes.
  void Stop();

  void Handle(HttpRequest& req, ResponseWriter& resp);
  // Requests cheap enough to answer on the I/O thread.
  bool IsInline(const HttpRequest& req) const;
  // Requests whose bodies are taken part by part as they arrive (/write: HttpRequest::streamed),
  // and a buffer for such a body to start in (reused from earlier requests when one is free).
  bool StreamsBody(const HttpRequest& req) const;
  std::string StreamBuffer();
  // The body of an error the HTTP server answers itself (HttpServerOptions::error_body): for
  // /write, QuestDB's line-protocol error JSON (413: code "request too large").
  std::string ErrorBody(const HttpRequest& req, int status, const std::string& message);

  // Exposed for tests.
  static bool CheckBasicAuth(const std::string* authorization, const std::string& user,
                             const std::string& password);

 private:
  void HandleExec(HttpRequest& req, ResponseWriter& resp);
  void HandleExport(HttpRequest& req, ResponseWriter& resp);
  void HandleImport(HttpRequest& req, ResponseWriter& resp);
  void HandleWrite(HttpRequest& req, ResponseWriter& resp);
  void HandleCheck(HttpRequest& req, ResponseWriter& resp);
  void HandleStatus(HttpRequest& req, ResponseWriter& resp);
  void HandleSettings(HttpRequest& req, ResponseWriter& resp);
  void SendWriteError(ResponseWriter& resp, int status, std::string_view code,
                      const std::string& message, int64_t line);
  // {"code":..,"message":..,["line":..,]"errorId":..}
  std::string WriteErrorJson(std::string_view code, const std::string& message, int64_t line);
  // QuestDB's message for a refused line of a /write body.
  static std::string LineErrorMessage(int64_t line_no, const std::string& message);

  cairo::Engine* engine_;
  sql::SqlEngine* sql_;
  ServerConfig config_;
  cairo::PartitionBy line_partition_by_ = cairo::PartitionBy::kDay;
  std::string error_id_prefix_;
  std::atomic<uint64_t> error_seq_{0};
  std::unique_ptr<BufferPool> write_buffers_;     // buffers of /write body parts, reused
  std::unique_ptr<core::WorkerPool> write_pool_;  // parses the parts (joined before the above goes)
};

}  // namespace sundial::http
