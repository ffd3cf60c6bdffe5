// GET /backup: see backup_handler.h.
#include "http/backup_handler.h"

#include <memory>
#include <vector>

#include "cairo/backup_stream.h"
#include "core/json.h"
#include "core/log.h"
#include "core/timestamp.h"

namespace sundial::http {
namespace {

constexpr const char* kJson = "application/json; charset=utf-8";
constexpr size_t kPieceBytes = 256 * 1024;  // archive bytes produced per call on a worker

void SendError(ResponseWriter& resp, int status, const std::string& message) {
  std::string b = "{\"error\":";
  core::JsonAppendString(&b, message);
  b.append("}");
  resp.Send(status, kJson, b);
}

// "a, b,c" -> {"a","b","c"}; false for a list without a name.
bool SplitTables(const std::string& text, std::vector<std::string>* out) {
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string name = text.substr(start, comma - start);
    while (!name.empty() && name.front() == ' ') name.erase(0, 1);
    while (!name.empty() && name.back() == ' ') name.pop_back();
    if (!name.empty()) out->push_back(std::move(name));
    start = comma + 1;
  }
  return !out->empty();
}

// What the producer keeps between calls; logs how the stream ended when it goes.
struct StreamState {
  std::unique_ptr<cairo::BackupStream> stream;
  std::string what;  // "tables=..." for the log
  int64_t started_us = 0;
  uint64_t sent = 0;
  bool ended = false;
  ~StreamState() {
    if (ended) return;
    core::LogWarn("backup stream ended early, client gone [" + what +
                  ", bytes=" + std::to_string(sent) + "]");
  }
};

}  // namespace

void HandleBackupStream(const cairo::Engine& engine, const std::string& server_root,
                        HttpRequest& req, ResponseWriter& resp) {
  if (req.method != "GET" && req.method != "HEAD") {
    resp.AddHeader("Allow", "GET, HEAD");
    SendError(resp, 405, "method not allowed, use GET");
    return;
  }
  std::vector<std::string> tables;
  if (const std::string* t = req.Param("tables"); t != nullptr && !SplitTables(*t, &tables)) {
    SendError(resp, 400, "expected a table name in 'tables'");
    return;
  }
  const int64_t now_us = core::RealtimeMicros();
  auto opened = cairo::BackupStream::Open(engine, engine.fs(), server_root, tables, now_us);
  if (!opened.ok()) {
    const core::Status& st = opened.status();
    const bool client =
        st.code() == core::StatusCode::kNotFound || st.code() == core::StatusCode::kInvalidArgument;
    if (!client) core::LogError("backup stream failed [error=" + st.ToString() + "]");
    SendError(resp, client ? 400 : 500, st.message());
    return;
  }
  auto state = std::make_shared<StreamState>();
  state->stream = std::move(*opened);
  state->started_us = core::MonotonicMicros();
  std::string names;
  for (const auto& t : state->stream->tables()) names += (names.empty() ? "" : ",") + t.name;
  state->what = "tables=" + names;
  core::LogInfo("backup stream started [" + state->what +
                ", file_bytes=" + std::to_string(state->stream->file_bytes()) + "]");
  // yyyy-MM-ddTHH:MM:SS without the colons, which some tools refuse in file names.
  std::string stamp = core::FormatTimestamp(now_us).substr(0, 19);
  for (char& c : stamp) c = c == ':' ? '-' : c;
  resp.AddHeader("Content-Disposition", "attachment; filename=\"sundial-" + stamp + ".tar\"");
  resp.AddHeader("X-Sundial-Backup-File-Bytes", std::to_string(state->stream->file_bytes()));
  resp.BeginChunked(200, "application/x-tar");
  if (req.method == "HEAD") {
    state->ended = true;
    resp.Finish();
    return;
  }
  resp.Continue([state](ResponseWriter& w) {
    std::string& out = w.chunk_buffer();
    const size_t before = out.size();
    auto more = state->stream->Next(&out, kPieceBytes);
    if (!more.ok()) {
      state->ended = true;
      core::LogError("backup stream failed mid-stream, response cut short [" + state->what +
                     ", error=" + more.status().ToString() + "]");
      w.Abort();
      return false;
    }
    state->sent += out.size() - before;
    if (!*more) {
      state->ended = true;
      core::LogInfo(
          "backup stream complete [" + state->what + ", bytes=" + std::to_string(state->sent) +
          ", ms=" + std::to_string((core::MonotonicMicros() - state->started_us) / 1000) + "]");
      w.Finish();
      return false;
    }
    return w.Flush();
  });
}

}  // namespace sundial::http
