#include "core/config.h"

#include <cctype>
#include <charconv>
#include <cstdlib>

namespace sundial::core {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

Status BadValue(std::string_view key, std::string_view value, std::string_view expected) {
  return Status::InvalidArgument("invalid value for server.conf key '" + std::string(key) +
                                 "': '" + std::string(value) + "' (expected " +
                                 std::string(expected) + ")");
}

// Parses a non-negative-or-negative decimal with an optional suffix; `mult` maps the suffix.
bool ParseNumberWithSuffix(std::string_view v, int64_t* number, std::string* suffix) {
  v = Trim(v);
  size_t i = 0;
  if (i < v.size() && (v[i] == '-' || v[i] == '+')) ++i;
  while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) ++i;
  std::string_view num = v.substr(0, i);
  if (!num.empty() && num[0] == '+') num.remove_prefix(1);
  if (num.empty() || num == "-") return false;
  auto r = std::from_chars(num.data(), num.data() + num.size(), *number);
  if (r.ec != std::errc() || r.ptr != num.data() + num.size()) return false;
  *suffix = Lower(Trim(v.substr(i)));
  return true;
}

}  // namespace

Result<Properties> Properties::Parse(std::string_view text) {
  Properties p;
  int line_no = 0;
  while (!text.empty()) {
    ++line_no;
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    line = Trim(line);
    if (line.empty() || line[0] == '#' || line[0] == '!') continue;
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      return Status::InvalidArgument("server.conf line " + std::to_string(line_no) +
                                     " is not key=value: '" + std::string(line) + "'");
    }
    std::string_view key = Trim(line.substr(0, eq));
    if (key.empty()) {
      return Status::InvalidArgument("server.conf line " + std::to_string(line_no) +
                                     " has an empty key");
    }
    p.values_[std::string(key)] = std::string(Trim(line.substr(eq + 1)));
  }
  return p;
}

std::string Properties::EnvName(std::string_view prefix, std::string_view key) {
  std::string r(prefix);
  for (char c : key) {
    r.push_back(c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return r;
}

std::vector<std::string> Properties::ApplyEnv(const std::vector<std::string>& known_keys,
                                              const char* (*getenv_fn)(const char*)) {
  std::vector<std::string> overridden;
  for (const std::string& key : known_keys) {
    bool hit = false;
    for (std::string_view prefix : {"QDB_", "SUNDIAL_"}) {
      std::string name = EnvName(prefix, key);
      const char* v = getenv_fn ? getenv_fn(name.c_str()) : std::getenv(name.c_str());
      if (v != nullptr) {
        values_[key] = std::string(Trim(v));
        hit = true;
      }
    }
    if (hit) overridden.push_back(key);
  }
  return overridden;
}

std::optional<std::string> Properties::Get(std::string_view key) const {
  auto it = values_.find(key);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> Properties::UnknownKeys(const std::vector<std::string>& known) const {
  std::vector<std::string> r;
  for (const auto& [k, v] : values_) {
    bool found = false;
    for (const auto& kk : known) found = found || kk == k;
    if (!found) r.push_back(k);
  }
  return r;
}

Result<std::string> Properties::GetString(std::string_view key, std::string_view def) const {
  auto v = Get(key);
  return v ? *v : std::string(def);
}

Result<bool> Properties::GetBool(std::string_view key, bool def) const {
  auto v = Get(key);
  if (!v) return def;
  std::string l = Lower(*v);
  if (l == "true") return true;
  if (l == "false") return false;
  return BadValue(key, *v, "true or false");
}

Result<int64_t> Properties::GetInt(std::string_view key, int64_t def, int64_t min,
                                   int64_t max) const {
  auto v = Get(key);
  if (!v) return def;
  int64_t n = 0;
  std::string suffix;
  if (!ParseNumberWithSuffix(*v, &n, &suffix) || !suffix.empty() || n < min || n > max) {
    return BadValue(key, *v,
                    "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return n;
}

Result<int64_t> Properties::GetSize(std::string_view key, int64_t def, int64_t min,
                                    int64_t max) const {
  auto v = Get(key);
  if (!v) return def;
  int64_t n = 0;
  std::string suffix;
  std::string expected = "a size in bytes with optional k/m/g suffix, in [" +
                         std::to_string(min) + ", " + std::to_string(max) + "]";
  if (!ParseNumberWithSuffix(*v, &n, &suffix) || n < 0) return BadValue(key, *v, expected);
  int64_t mult = 1;
  if (suffix == "k" || suffix == "kb") mult = 1024;
  else if (suffix == "m" || suffix == "mb") mult = 1024 * 1024;
  else if (suffix == "g" || suffix == "gb") mult = 1024LL * 1024 * 1024;
  else if (!suffix.empty() && suffix != "b") return BadValue(key, *v, expected);
  if (n > max / mult || n * mult < min) return BadValue(key, *v, expected);
  return n * mult;
}

Result<int64_t> Properties::GetDurationMs(std::string_view key, int64_t def, int64_t min,
                                          int64_t max) const {
  auto v = Get(key);
  if (!v) return def;
  int64_t n = 0;
  std::string suffix;
  std::string expected = "a duration in ms, or with a ms/s/m/h/d suffix, in [" +
                         std::to_string(min) + ", " + std::to_string(max) + "] ms";
  if (!ParseNumberWithSuffix(*v, &n, &suffix) || n < 0) return BadValue(key, *v, expected);
  int64_t mult = 1;
  if (suffix.empty() || suffix == "ms") mult = 1;
  else if (suffix == "s") mult = 1000;
  else if (suffix == "m") mult = 60'000;
  else if (suffix == "h") mult = 3'600'000;
  else if (suffix == "d") mult = 86'400'000;
  else return BadValue(key, *v, expected);
  if (n > max / mult || n * mult < min) return BadValue(key, *v, expected);
  return n * mult;
}

Result<std::string> Properties::GetEnum(std::string_view key, std::string_view def,
                                        const std::vector<std::string_view>& allowed) const {
  auto v = Get(key);
  if (!v) return std::string(def);
  std::string l = Lower(*v);
  std::string expected = "one of";
  for (auto a : allowed) {
    if (l == Lower(a)) return l;
    expected += " ";
    expected += a;
  }
  return BadValue(key, *v, expected);
}

Result<HostPort> ParseHostPort(std::string_view text) {
  text = Trim(text);
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return Status::InvalidArgument("expected host:port, got '" + std::string(text) + "'");
  }
  HostPort hp;
  hp.host = std::string(text.substr(0, colon));
  std::string_view port = text.substr(colon + 1);
  auto r = std::from_chars(port.data(), port.data() + port.size(), hp.port);
  if (port.empty() || r.ec != std::errc() || r.ptr != port.data() + port.size() || hp.port < 0 ||
      hp.port > 65535) {
    return Status::InvalidArgument("expected host:port, got '" + std::string(text) + "'");
  }
  return hp;
}

}  // namespace sundial::core
