// http/api.h — the REST API (QuestDB's routes and JSON shapes): /exec (/api/v1/sql/execute),
// /exp, /imp, /write (/api/v2/write), /chk, /ping, /settings, /status, /warnings, /backup. One
// Api per server, shared by the I/O thread and the workers; Handle() is thread-safe.
//
// Every endpoint is one row of the table in api.cpp (kEndpoints): its path(s), the methods it
// takes, who may call it (Access), where it runs (Runs) and its handler. Routing, Basic auth,
// read-only mode, what runs on the I/O thread and which bodies stream are all decided from that
// row, nowhere else. Adding an endpoint is adding a row (and its handler, a member of Api in a
// file of its own, as exec_handler.cpp holds HandleExec).
//
// Error mapping lives here: a Status code becomes an HTTP status and a body in one place
// (SqlErrorStatus / IlpErrorStatus). Client data never produces a 5xx.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "cairo/engine.h"
#include "core/version.h"
#include "core/worker_pool.h"
#include "http/http_server.h"
#include "http/ilp_ingest.h"
#include "http/server_config.h"
#include "sql/sql_engine.h"

namespace sundial::http {

class BufferPool;
class Api;
struct ServerMetrics;

// Who may call an endpoint.
enum class Access {
  kPublic,  // anyone, also without credentials when Basic auth is on (/ping, /settings, /status)
  kRead,    // Basic auth when configured; allowed in read-only mode
  kWrite,   // Basic auth when configured; refused in read-only mode (Endpoint::refuse's reply)
};

// Where an endpoint's handler runs.
enum class Runs {
  kInline,        // on the I/O thread: cheap, never blocks
  kWorker,        // on an HTTP worker
  kStreamedBody,  // on a worker, called part by part as the body arrives (HttpRequest::streamed)
};

// Methods as a bit set; a request with a method not in the set gets Endpoint::refuse's reply.
// kAnyMethod takes every method, also those without a bit.
enum Method : unsigned { kGet = 1, kHead = 2, kPost = 4, kPut = 8, kAnyMethod = 15 };

// Why the router refuses a request before its handler runs.
enum class Refusal { kMethod, kReadOnly };

struct Endpoint {
  using Handler = void (Api::*)(HttpRequest& req, ResponseWriter& resp);
  using Refuse = void (Api::*)(HttpRequest& req, ResponseWriter& resp, Refusal why);
  std::string_view paths[2];  // the second one empty when there is no alias
  unsigned methods;           // Method bits
  Access access;
  Runs runs;
  Handler handler;
  // The endpoint's own reply to a refused method or to read-only mode (QuestDB's shapes differ
  // per endpoint). Null: 405 / 403 with {"error":...}.
  Refuse refuse = nullptr;
  // A server.conf switch that turns the endpoint off (404 as for an unknown path). Null: on.
  bool ServerConfig::*enabled_by = nullptr;
  // The body of an error the HTTP server answers itself for this endpoint (413, a malformed
  // request). Null: {"error":"<message>"}.
  std::string (Api::*error_body)(int status, const std::string& message) = nullptr;
};

inline constexpr const char* kSundialVersion = core::kSundialVersion;  // core/version.h

class Api {
 public:
  // `metrics` (may be null) counts what the endpoints ingest and query; it outlives the Api.
  Api(cairo::Engine* engine, sql::SqlEngine* sql, ServerConfig config,
      ServerMetrics* metrics = nullptr);
  ~Api();
  // Lets background work (parts of /write bodies being parsed) finish; call after the HTTP
  // server stopped and before the engine closes.
  void Stop();

  void Handle(HttpRequest& req, ResponseWriter& resp);
  // The endpoint `path` names (null: none). Exposed for tests.
  static const Endpoint* FindEndpoint(std::string_view path);
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
  // The endpoint table, in api.cpp.
  static const Endpoint kEndpoints[];
  bool IsEnabled(const Endpoint& ep) const;

  void HandlePing(HttpRequest& req, ResponseWriter& resp);
  void HandleConsolePage(HttpRequest& req, ResponseWriter& resp);
  void HandleStatus(HttpRequest& req, ResponseWriter& resp);
  void HandleWarnings(HttpRequest& req, ResponseWriter& resp);
  void HandleBackup(HttpRequest& req, ResponseWriter& resp);
  void RefuseWrite(HttpRequest& req, ResponseWriter& resp, Refusal why);
  void RefuseImport(HttpRequest& req, ResponseWriter& resp, Refusal why);
  std::string WriteErrorBody(int status, const std::string& message);
  void HandleExec(HttpRequest& req, ResponseWriter& resp);
  void HandleExport(HttpRequest& req, ResponseWriter& resp);
  void HandleImport(HttpRequest& req, ResponseWriter& resp);
  void HandleWrite(HttpRequest& req, ResponseWriter& resp);
  void HandleCheck(HttpRequest& req, ResponseWriter& resp);
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
  ServerMetrics* metrics_;  // null: nothing counted
  cairo::PartitionBy line_partition_by_ = cairo::PartitionBy::kDay;
  std::string error_id_prefix_;
  std::atomic<uint64_t> error_seq_{0};
  std::unique_ptr<BufferPool> write_buffers_;     // buffers of /write body parts, reused
  std::unique_ptr<core::WorkerPool> write_pool_;  // parses the parts (joined before the above goes)
};

}  // namespace sundial::http
