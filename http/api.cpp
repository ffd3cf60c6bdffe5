#include "http/api.h"

#include <strings.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <thread>

#include "core/base64.h"
#include "core/file_system.h"
#include "core/json.h"
#include "core/log.h"
#include "core/process_memory.h"
#include "core/timestamp.h"
#include "http/backup_handler.h"
#include "http/console.h"
#include "http/ilp_ingest.h"
#include "http/ilp_write.h"
#include "http/line_protocol.h"
#include "http/server_metrics.h"

namespace sundial::http {
namespace {

constexpr const char* kJson = "application/json; charset=utf-8";

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  unsigned diff = a.size() == b.size() ? 0 : 1;
  size_t n = std::max(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    char x = i < a.size() ? a[i] : 0;
    char y = i < b.size() ? b[i] : 0;
    diff |= static_cast<unsigned>(x ^ y);
  }
  return diff == 0;
}

}  // namespace

Api::Api(cairo::Engine* engine, sql::SqlEngine* sql, ServerConfig config, ServerMetrics* metrics)
    : engine_(engine), sql_(sql), config_(std::move(config)), metrics_(metrics) {
  auto pb = cairo::ParsePartitionBy(config_.line_default_partition_by);
  if (pb) line_partition_by_ = *pb;
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%llx",
                static_cast<unsigned long long>(core::RealtimeMicros() & 0xffffffffffffull));
  error_id_prefix_ = buf;
  unsigned cores = std::thread::hardware_concurrency();
  // Enough for the parts in flight of a few concurrent requests. A part is what arrived when a
  // MiB was there (up to a socket read more) — or a line longer than that.
  write_buffers_ = std::make_unique<BufferPool>(16, (1 << 20) + (64 << 10), 4 << 20);
  write_pool_ =
      std::make_unique<core::WorkerPool>("ilp", static_cast<int>(std::clamp(cores, 2u, 8u)));
}

Api::~Api() = default;

void Api::Stop() { write_pool_.reset(); }

bool Api::CheckBasicAuth(const std::string* authorization, const std::string& user,
                         const std::string& password) {
  if (authorization == nullptr) return false;
  std::string_view v(*authorization);
  if (v.size() < 6 || strncasecmp(v.data(), "basic ", 6) != 0) return false;
  v.remove_prefix(6);
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  std::string decoded;
  if (!core::Base64Decode(v, &decoded)) return false;
  std::string expected = user + ":" + password;
  return ConstantTimeEquals(decoded, expected);
}

// The endpoints. One row each; the router below reads nothing else.
const Endpoint Api::kEndpoints[] = {
    // The web console: a page, no data, so public (its /exec requests carry credentials).
    {{"/", "/index.html"}, kAnyMethod, Access::kPublic, Runs::kInline, &Api::HandleConsolePage},
    {{"/ping"}, kAnyMethod, Access::kPublic, Runs::kInline, &Api::HandlePing},
    {{"/status"}, kAnyMethod, Access::kPublic, Runs::kInline, &Api::HandleStatus},
    {{"/settings"}, kAnyMethod, Access::kPublic, Runs::kInline, &Api::HandleSettings},
    {{"/chk"}, kAnyMethod, Access::kRead, Runs::kInline, &Api::HandleCheck},
    {{"/warnings"}, kAnyMethod, Access::kRead, Runs::kInline, &Api::HandleWarnings},
    {{"/exec", "/api/v1/sql/execute"}, kAnyMethod, Access::kRead, Runs::kWorker, &Api::HandleExec},
    {{"/exp"}, kAnyMethod, Access::kRead, Runs::kWorker, &Api::HandleExport},
    // A backup is a read: allowed in read-only mode.
    {{"/backup"}, kAnyMethod, Access::kRead, Runs::kWorker, &Api::HandleBackup},
    {{"/imp"}, kPost | kPut, Access::kWrite, Runs::kWorker, &Api::HandleImport, &Api::RefuseImport},
    {{"/write", "/api/v2/write"},
     kPost | kPut,
     Access::kWrite,
     Runs::kStreamedBody,
     &Api::HandleWrite,
     &Api::RefuseWrite,
     &ServerConfig::line_http_enabled,
     &Api::WriteErrorBody},
};

const Endpoint* Api::FindEndpoint(std::string_view path) {
  for (const Endpoint& ep : kEndpoints) {
    if (path == ep.paths[0] || (!ep.paths[1].empty() && path == ep.paths[1])) return &ep;
  }
  return nullptr;
}

bool Api::IsEnabled(const Endpoint& ep) const {
  return ep.enabled_by == nullptr || config_.*ep.enabled_by;
}

namespace {

unsigned MethodBit(std::string_view method) {
  if (method == "GET") return kGet;
  if (method == "HEAD") return kHead;
  if (method == "POST") return kPost;
  if (method == "PUT") return kPut;
  return 0;
}

}  // namespace

bool Api::IsInline(const HttpRequest& req) const {
  const Endpoint* ep = FindEndpoint(req.path);
  return ep != nullptr && ep->runs == Runs::kInline;
}

bool Api::StreamsBody(const HttpRequest& req) const {
  const Endpoint* ep = FindEndpoint(req.path);
  return ep != nullptr && ep->runs == Runs::kStreamedBody && IsEnabled(*ep);
}

void Api::Handle(HttpRequest& req, ResponseWriter& resp) {
  const Endpoint* ep = FindEndpoint(req.path);
  // An unknown path needs credentials too: without them a client learns nothing (401).
  if ((ep == nullptr || ep->access != Access::kPublic) && !config_.http_user.empty() &&
      !CheckBasicAuth(req.Header("authorization"), config_.http_user, config_.http_password)) {
    resp.AddHeader("WWW-Authenticate", "Basic realm=\"sundial\"");
    resp.Send(401, kJson, "{\"error\":\"unauthorized\"}");
    return;
  }
  if (ep == nullptr || !IsEnabled(*ep)) {
    resp.Send(404, "text/plain", "Not Found");
    return;
  }
  Refusal why;
  if (ep->methods != kAnyMethod && (ep->methods & MethodBit(req.method)) == 0) {
    why = Refusal::kMethod;
  } else if (ep->access == Access::kWrite && config_.http_readonly) {
    why = Refusal::kReadOnly;
  } else {
    (this->*ep->handler)(req, resp);
    return;
  }
  if (ep->refuse != nullptr) {
    (this->*ep->refuse)(req, resp, why);
  } else if (why == Refusal::kMethod) {
    resp.Send(405, kJson, "{\"error\":\"method not supported\"}");
  } else {
    resp.Send(403, kJson, "{\"error\":\"server is in read-only mode (http.security.readonly)\"}");
  }
}

void Api::HandlePing(HttpRequest&, ResponseWriter& resp) {
  resp.AddHeader("X-Influxdb-Version", "v2.2.2");
  resp.Send(204, "", "");
}

// QuestDB's health check answers plain text; `?format=json` adds what the process holds in
// memory, heap and mapped file pages apart (core/process_memory.h).
void Api::HandleStatus(HttpRequest& req, ResponseWriter& resp) {
  const std::string* format = req.Param("format");
  if (format == nullptr || *format != "json") {
    resp.Send(200, "text/plain", "Status: Healthy");
    return;
  }
  std::string b = "{\"status\":\"Healthy\"";
  auto mem = core::ReadProcessMemory();
  if (mem.ok()) {
    b += ",\"memory\":{\"rss_anon_bytes\":" + std::to_string(mem->rss_anon_bytes) +
         ",\"rss_file_bytes\":" + std::to_string(mem->rss_file_bytes) +
         ",\"rss_shmem_bytes\":" + std::to_string(mem->rss_shmem_bytes) +
         ",\"vm_hwm_bytes\":" + std::to_string(mem->vm_hwm_bytes) + "}";
  } else {
    b += ",\"memory_error\":";
    core::JsonAppendString(&b, mem.status().message());
  }
  b += "}";
  resp.Send(200, kJson, b);
}

void Api::HandleConsolePage(HttpRequest& req, ResponseWriter& resp) { HandleConsole(req, resp); }

void Api::HandleWarnings(HttpRequest&, ResponseWriter& resp) { resp.Send(200, kJson, "[]"); }

void Api::HandleBackup(HttpRequest& req, ResponseWriter& resp) {
  // The server's root is db/'s parent.
  HandleBackupStream(*engine_, std::string(core::DirName(engine_->options().db_root)), req, resp);
}

void Api::HandleSettings(HttpRequest&, ResponseWriter& resp) {
  std::string b;
  b.append("{\"config\":{\"release.type\":\"OSS\",\"release.version\":");
  core::JsonAppendString(&b, kSundialVersion);
  b.append(
      ",\"http.settings.readonly\":false,\"line.proto.support.versions\":[1],"
      "\"ilp.proto.transports\":[");
  bool first = true;
  if (config_.line_tcp_enabled) {
    b.append("\"tcp\"");
    first = false;
  }
  if (config_.line_http_enabled) b.append(first ? "\"http\"" : ",\"http\"");
  b.append("],\"cairo.max.file.name.length\":127,\"accepting.writes\":[");
  if (!config_.http_readonly) {
    first = true;
    if (config_.line_http_enabled) {
      b.append("\"http\"");
      first = false;
    }
    if (config_.line_tcp_enabled) b.append(first ? "\"tcp\"" : ",\"tcp\"");
  }
  b.append(
      "]},\"line.proto.support.versions\":[1],\"line.proto.default.version\":1,"
      "\"preferences.version\":0,\"preferences\":{}}");
  resp.Send(200, kJson, b);
}

void Api::HandleCheck(HttpRequest& req, ResponseWriter& resp) {
  const std::string* j = req.Param("j");
  if (j == nullptr || j->empty()) {
    resp.Send(200, kJson, "{\"status\":\"table name missing\"}");
    return;
  }
  if (!cairo::ValidateTableName(*j).empty()) {
    resp.Send(200, kJson, "{\"status\":\"Reserved name\"}");
    return;
  }
  resp.Send(200, kJson,
            engine_->HasTable(*j) ? "{\"status\":\"Exists\"}" : "{\"status\":\"Does not exist\"}");
}

void Api::SendWriteError(ResponseWriter& resp, int status, std::string_view code,
                         const std::string& message, int64_t line) {
  if (status == 503) resp.AddHeader("Retry-After", "1");
  if (status == 507) resp.AddHeader("Retry-After", "5");
  resp.Send(status, kJson, WriteErrorJson(code, message, line));
}

std::string Api::ErrorBody(const HttpRequest& req, int status, const std::string& message) {
  if (const Endpoint* ep = FindEndpoint(req.path); ep != nullptr && ep->error_body != nullptr) {
    return (this->*ep->error_body)(status, message);
  }
  std::string b = "{\"error\":";
  core::JsonAppendString(&b, message);
  b.append("}");
  return b;
}

std::string Api::WriteErrorBody(int status, const std::string& message) {
  return WriteErrorJson(status == 413 ? "request too large" : "invalid", message, 0);
}

std::string Api::WriteErrorJson(std::string_view code, const std::string& message, int64_t line) {
  std::string b = "{\"code\":";
  core::JsonAppendString(&b, code);
  b.append(",\"message\":");
  core::JsonAppendString(&b, message);
  if (line > 0) {
    b.append(",\"line\":");
    b.append(std::to_string(line));
  }
  b.append(",\"errorId\":");
  core::JsonAppendString(&b, error_id_prefix_ + "-" + std::to_string(++error_seq_));
  b.append("}");
  return b;
}

namespace {

// Maps an engine error during ingestion to an HTTP status and a QuestDB code string.
void IlpErrorStatus(const core::Status& st, int* status, std::string_view* code) {
  switch (st.code()) {
    case core::StatusCode::kResourceExhausted:
      *status = 507;
      *code = "internal error";
      return;
    case core::StatusCode::kUnavailable:
      *status = 503;
      *code = "retry operation";
      return;
    case core::StatusCode::kIOError:
    case core::StatusCode::kInternal:
    case core::StatusCode::kCancelled:
      *status = 500;
      *code = "internal error";
      return;
    case core::StatusCode::kCorruption:
      *status = 500;
      *code = "internal error";
      return;
    case core::StatusCode::kPermissionDenied:
      *status = 403;
      *code = "unauthorised";
      return;
    default:
      *status = 400;
      *code = "invalid";
      return;
  }
}

}  // namespace

std::string Api::StreamBuffer() { return write_buffers_->Take(); }

std::string Api::LineErrorMessage(int64_t line_no, const std::string& message) {
  return "failed to parse line protocol:errors encountered on line(s):\nerror in line " +
         std::to_string(line_no) + ": " + message;
}

void Api::RefuseWrite(HttpRequest&, ResponseWriter& resp, Refusal why) {
  if (why == Refusal::kMethod) {
    SendWriteError(resp, 404, "invalid", "method not supported", 0);
  } else {
    SendWriteError(resp, 403, "unauthorised",
                   "server is in read-only mode (http.security.readonly)", 0);
  }
}

void Api::HandleWrite(HttpRequest& req, ResponseWriter& resp) {
  auto* st = static_cast<IlpWriteRequest*>(req.state.get());
  if (st == nullptr) {  // the first call of this request (the router checked method and mode)
    if (const std::string* enc = req.Header("content-encoding");
        enc != nullptr && !enc->empty() && strcasecmp(enc->c_str(), "identity") != 0) {
      SendWriteError(resp, 415, "not supported", "unsupported content encoding: " + *enc, 0);
      return;
    }
    IlpWriteOptions opts;
    if (const std::string* p = req.Param("precision"); p != nullptr && !p->empty()) {
      if (!ParseIlpPrecision(*p, &opts.precision)) {
        SendWriteError(resp, 400, "not supported", "unsupported precision", 0);
        return;
      }
    }
    opts.ingest.partition_by = line_partition_by_;
    opts.now_us = core::RealtimeMicros();
    // Parts of the body parse in parallel into batches that only stage; the table's writer is
    // leased once the whole body is in, to move the rows in and commit.
    if (write_pool_ == nullptr) {
      SendWriteError(resp, 503, "retry operation", "server is shutting down", 0);
      return;
    }
    auto state =
        std::make_unique<IlpWriteRequest>(engine_, write_pool_.get(), write_buffers_.get(), opts);
    st = state.get();
    req.state = std::move(state);
  }
  st->Take(&req.body, req.body_complete);
  if (st->refused()) {  // the rest of the body is read, not parsed
    req.body.clear();
    req.discard_body = true;
  }
  if (!req.body_complete) return;
  IlpWriteRequest::Outcome out = st->Finish();
  if (out.error.ok()) {
    if (metrics_ != nullptr) metrics_->AddIngested(IngestPath::kLineHttp, out.rows);
    resp.Send(204, "", "");
    return;
  }
  // The refused line (a request is refused as a whole; its other lines are not counted).
  if (metrics_ != nullptr && out.line > 0) metrics_->AddRejected(IngestPath::kLineHttp, 1);
  int status;
  std::string_view code;
  IlpErrorStatus(out.error, &status, &code);
  if (out.line > 0 && status == 400) {
    SendWriteError(resp, 400, "invalid", LineErrorMessage(out.line, out.error.message()), out.line);
    return;
  }
  // Without a line: the rows did not fit the table as it is now (400: a retry would not help),
  // or the engine failed (503/507 with Retry-After, 500).
  core::LogWarn("line protocol write failed [error=" + out.error.ToString() + "]");
  SendWriteError(resp, status, code, "commit failed: " + out.error.message(), 0);
}

}  // namespace sundial::http
