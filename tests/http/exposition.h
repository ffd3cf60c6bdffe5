// tests/http/exposition.h — a small reader of Prometheus' text exposition format (0.0.4), to
// check what GET /metrics sends: every sample's family has # HELP and # TYPE before it, names
// and labels are well formed, no series appears twice, values parse, and a histogram's buckets
// are cumulative and end at +Inf == _count.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace sundial::testing {

struct Exposition {
  std::map<std::string, double> samples;     // "name{a=\"x\",b=\"y\"}" or "name" -> value
  std::map<std::string, std::string> types;  // family -> counter/gauge/histogram
  std::map<std::string, std::string> helps;  // family -> text
  std::string error;                         // empty when well formed

  bool Has(const std::string& series) const { return samples.count(series) != 0; }
  double Value(const std::string& series) const {
    auto it = samples.find(series);
    return it == samples.end() ? std::nan("") : it->second;
  }
};

inline bool IsMetricName(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// The family a sample belongs to: a histogram's `_bucket`, `_sum`, `_count` belong to it.
inline std::string FamilyOf(const std::string& name,
                            const std::map<std::string, std::string>& types) {
  for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
    if (name.size() > suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      std::string base = name.substr(0, name.size() - suffix.size());
      auto it = types.find(base);
      if (it != types.end() && it->second == "histogram") return base;
    }
  }
  return name;
}

// The le="..." buckets of a histogram family in order of their bounds: (bound, count).
inline std::vector<std::pair<double, double>> Buckets(const Exposition& e,
                                                      const std::string& family) {
  std::vector<std::pair<double, double>> out;
  const std::string prefix = family + "_bucket{le=\"";
  for (const auto& [key, v] : e.samples) {
    if (key.rfind(prefix, 0) != 0) continue;
    std::string le = key.substr(prefix.size(), key.size() - prefix.size() - 2);
    out.emplace_back(le == "+Inf" ? INFINITY : std::strtod(le.c_str(), nullptr), v);
  }
  std::sort(out.begin(), out.end());
  return out;
}

inline Exposition ParseExposition(std::string_view text) {
  Exposition e;
  auto fail = [&](const std::string& why, std::string_view line) {
    if (e.error.empty()) e.error = why + ": " + std::string(line);
  };
  if (!text.empty() && text.back() != '\n')
    fail("no final line feed", text.substr(text.size() - 1));
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.empty()) continue;
    if (line[0] == '#') {
      bool is_help = line.rfind("# HELP ", 0) == 0, is_type = line.rfind("# TYPE ", 0) == 0;
      if (!is_help && !is_type) continue;  // a comment
      std::string_view rest = line.substr(7);
      size_t sp = rest.find(' ');
      std::string name(rest.substr(0, sp));
      std::string arg = sp == std::string_view::npos ? "" : std::string(rest.substr(sp + 1));
      if (!IsMetricName(name)) fail("bad metric name", line);
      auto& map = is_help ? e.helps : e.types;
      if (map.count(name)) fail("repeated HELP/TYPE", line);
      if (is_type && arg != "counter" && arg != "gauge" && arg != "histogram" && arg != "summary" &&
          arg != "untyped") {
        fail("bad type", line);
      }
      map[name] = arg;
      continue;
    }
    size_t name_end = line.find_first_of("{ ");
    if (name_end == std::string_view::npos) {
      fail("no value", line);
      continue;
    }
    std::string name(line.substr(0, name_end));
    if (!IsMetricName(name)) fail("bad metric name", line);
    std::string key = name;
    size_t at = name_end;
    if (line[at] == '{') {
      // name="value" pairs; values escape \\ \" \n.
      std::string labels;
      ++at;
      while (at < line.size() && line[at] != '}') {
        size_t eq = line.find('=', at);
        if (eq == std::string_view::npos || !IsMetricName(line.substr(at, eq - at)) ||
            eq + 1 >= line.size() || line[eq + 1] != '"') {
          fail("bad label", line);
          break;
        }
        labels.append(line.substr(at, eq - at)).append("=\"");
        size_t i = eq + 2;
        for (; i < line.size() && line[i] != '"'; ++i) {
          if (line[i] == '\\') {
            if (i + 1 >= line.size() ||
                (line[i + 1] != '\\' && line[i + 1] != '"' && line[i + 1] != 'n')) {
              fail("bad escape", line);
            }
            labels.push_back(line[i]);
            ++i;
          }
          labels.push_back(line[i]);
        }
        if (i >= line.size()) {
          fail("open label value", line);
          break;
        }
        labels.push_back('"');
        at = i + 1;
        if (at < line.size() && line[at] == ',') {
          labels.push_back(',');
          ++at;
        }
      }
      if (at >= line.size()) {
        fail("open label set", line);
        continue;
      }
      key += "{" + labels + "}";
      ++at;
    }
    if (at >= line.size() || line[at] != ' ') {
      fail("no value", line);
      continue;
    }
    std::string value(line.substr(at + 1));
    double v;
    if (value == "+Inf") {
      v = INFINITY;
    } else if (value == "-Inf") {
      v = -INFINITY;
    } else if (value == "NaN") {
      v = NAN;
    } else {
      char* end = nullptr;
      v = std::strtod(value.c_str(), &end);
      if (value.empty() || end != value.c_str() + value.size()) fail("bad value", line);
    }
    const std::string family = FamilyOf(name, e.types);
    if (!e.helps.count(family) || !e.types.count(family)) fail("sample before HELP/TYPE", line);
    if (e.samples.count(key)) fail("repeated series", line);
    e.samples[key] = v;
  }
  // Histograms (without labels besides le): buckets cumulative, +Inf equal to _count.
  for (const auto& [family, type] : e.types) {
    if (type != "histogram") continue;
    const auto buckets = Buckets(e, family);
    for (size_t i = 1; i < buckets.size(); ++i) {
      if (buckets[i].second < buckets[i - 1].second && e.error.empty()) {
        e.error = "histogram buckets not cumulative: " + family;
      }
    }
    if ((buckets.empty() || !std::isinf(buckets.back().first) ||
         buckets.back().second != e.Value(family + "_count")) &&
        e.error.empty()) {
      e.error = "histogram +Inf bucket missing or != _count: " + family;
    }
  }
  return e;
}

}  // namespace sundial::testing
