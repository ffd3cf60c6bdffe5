// core/log.h — one line per event: "2026-11-22T10:00:00.123456Z I backup complete [table=x]".
// The sink is injectable (tests capture lines). Thread-safe: lines are never interleaved.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace sundial::core {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

using LogSink = std::function<void(LogLevel, std::string_view line)>;

// Replaces the process-wide sink (default: stderr). Pass nullptr to restore stderr.
void SetLogSink(LogSink sink);
void SetLogLevel(LogLevel min_level);
bool LogEnabled(LogLevel level);
void Log(LogLevel level, std::string_view message);

inline void LogDebug(std::string_view m) { Log(LogLevel::kDebug, m); }
inline void LogInfo(std::string_view m) { Log(LogLevel::kInfo, m); }
inline void LogWarn(std::string_view m) { Log(LogLevel::kWarn, m); }
inline void LogError(std::string_view m) { Log(LogLevel::kError, m); }

}  // namespace sundial::core
