#include "core/log.h"

#include <unistd.h>

#include <atomic>
#include <mutex>

#include "core/timestamp.h"

namespace sundial::core {
namespace {

std::mutex g_mu;
LogSink g_sink;  // guarded by g_mu
std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};

char LevelChar(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug: return 'D';
    case LogLevel::kInfo: return 'I';
    case LogLevel::kWarn: return 'W';
    case LogLevel::kError: return 'E';
  }
  return '?';
}

}  // namespace

void SetLogSink(LogSink sink) {
  std::lock_guard lock(g_mu);
  g_sink = std::move(sink);
}

void SetLogLevel(LogLevel min_level) { g_level.store(static_cast<int>(min_level)); }

bool LogEnabled(LogLevel level) { return static_cast<int>(level) >= g_level.load(); }

void Log(LogLevel level, std::string_view message) {
  if (!LogEnabled(level)) return;
  std::string line = FormatTimestamp(RealtimeMicros());
  line += ' ';
  line += LevelChar(level);
  line += ' ';
  line += message;
  std::lock_guard lock(g_mu);
  if (g_sink) {
    g_sink(level, line);
    return;
  }
  line += '\n';
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n <= 0) break;
    p += n;
    left -= static_cast<size_t>(n);
  }
}

}  // namespace sundial::core
