// core/config.h — QuestDB-style `server.conf` properties: `key=value` lines, `#` comments,
// overridable from the environment (QDB_ or SUNDIAL_ + the key upper-cased with dots turned
// into underscores: cairo.sql.backup.root ← QDB_CAIRO_SQL_BACKUP_ROOT).
//
// Typed getters validate values and return InvalidArgument naming the key and the bad value,
// so the server can refuse to start with a clear message. Not thread-safe for mutation; const
// methods may be shared once loading is done.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sundial::core {

class Properties {
 public:
  // Parses `text`. Blank lines and lines starting with '#' or '!' are ignored; whitespace
  // around keys and values is trimmed; a later line wins over an earlier one. A non-comment
  // line without '=' is an error naming the line number.
  static Result<Properties> Parse(std::string_view text);

  // Overrides keys from the environment for every key in `known_keys` (QDB_ first, then
  // SUNDIAL_, which wins). `getenv` is injectable for tests; nullptr means ::getenv.
  // Returns the keys that were overridden.
  std::vector<std::string> ApplyEnv(const std::vector<std::string>& known_keys,
                                    const char* (*getenv_fn)(const char*) = nullptr);

  void Set(std::string key, std::string value) { values_[std::move(key)] = std::move(value); }
  std::optional<std::string> Get(std::string_view key) const;
  // Keys present but not in `known_keys`.
  std::vector<std::string> UnknownKeys(const std::vector<std::string>& known_keys) const;

  Result<std::string> GetString(std::string_view key, std::string_view def) const;
  // Accepts true/false (case-insensitive).
  Result<bool> GetBool(std::string_view key, bool def) const;
  // A decimal integer within [min, max].
  Result<int64_t> GetInt(std::string_view key, int64_t def, int64_t min, int64_t max) const;
  // A size in bytes: a number with an optional k/m/g suffix (1024-based, case-insensitive).
  Result<int64_t> GetSize(std::string_view key, int64_t def, int64_t min, int64_t max) const;
  // A duration in ms: a number with an optional ms/s/m/h/d suffix (no suffix = ms).
  Result<int64_t> GetDurationMs(std::string_view key, int64_t def, int64_t min, int64_t max) const;
  // One of `allowed` (case-insensitive); returns the lower-cased value.
  Result<std::string> GetEnum(std::string_view key, std::string_view def,
                              const std::vector<std::string_view>& allowed) const;

  // The environment variable names for `key`: {"QDB_X_Y", "SUNDIAL_X_Y"}.
  static std::string EnvName(std::string_view prefix, std::string_view key);

  const std::map<std::string, std::string, std::less<>>& values() const { return values_; }

 private:
  std::map<std::string, std::string, std::less<>> values_;
};

// "host:port" (host may be empty or 0.0.0.0). Port 0..65535.
struct HostPort {
  std::string host;
  int port = 0;
};
Result<HostPort> ParseHostPort(std::string_view text);

}  // namespace sundial::core
