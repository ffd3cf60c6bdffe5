#include "core/metrics.h"

#include <charconv>
#include <cmath>

namespace sundial::core {

void LatencyHistogram::Observe(int64_t duration_us) {
  if (duration_us < 0) duration_us = 0;
  size_t i = 0;
  while (i < kLatencyBucketsUs.size() && duration_us > kLatencyBucketsUs[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_us_.fetch_add(static_cast<uint64_t>(duration_us), std::memory_order_relaxed);
}

LatencyHistogram::Values LatencyHistogram::Read() const {
  Values v;
  uint64_t running = 0;
  for (size_t i = 0; i < kLatencyBucketsUs.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    v.cumulative[i] = running;
  }
  v.count = running + buckets_.back().load(std::memory_order_relaxed);
  v.sum_us = sum_us_.load(std::memory_order_relaxed);
  return v;
}

namespace {

std::string_view TypeName(MetricsText::Type t) {
  switch (t) {
    case MetricsText::Type::kCounter:
      return "counter";
    case MetricsText::Type::kGauge:
      return "gauge";
    case MetricsText::Type::kHistogram:
      return "histogram";
  }
  return "untyped";
}

std::string FormatDouble(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, res.ptr);
}

// HELP text: backslash and line feed escaped (the exposition format's rule).
void AppendHelp(std::string* out, std::string_view help) {
  for (char c : help) {
    if (c == '\\') {
      out->append("\\\\");
    } else if (c == '\n') {
      out->append("\\n");
    } else {
      out->push_back(c);
    }
  }
}

}  // namespace

void MetricsText::Begin(std::string_view name, Type type, std::string_view help) {
  out_.append("# HELP ").append(name).push_back(' ');
  AppendHelp(&out_, help);
  out_.append("\n# TYPE ").append(name).push_back(' ');
  out_.append(TypeName(type)).push_back('\n');
}

void MetricsText::SampleText(std::string_view name, std::string_view labels,
                             std::string_view value) {
  out_.append(name);
  if (!labels.empty()) out_.append("{").append(labels).append("}");
  out_.append(" ").append(value).push_back('\n');
}

void MetricsText::Sample(std::string_view name, std::string_view labels, double value) {
  SampleText(name, labels, FormatDouble(value));
}

void MetricsText::Sample(std::string_view name, std::string_view labels, uint64_t value) {
  SampleText(name, labels, std::to_string(value));
}

void MetricsText::Sample(std::string_view name, std::string_view labels, int64_t value) {
  SampleText(name, labels, std::to_string(value));
}

void MetricsText::Histogram(std::string_view name, std::string_view labels,
                            const LatencyHistogram::Values& values) {
  const std::string bucket = std::string(name) + "_bucket";
  const std::string prefix = labels.empty() ? std::string() : std::string(labels) + ",";
  for (size_t i = 0; i < kLatencyBucketsUs.size(); ++i) {
    SampleText(bucket, prefix + Label("le", FormatDouble(kLatencyBucketsUs[i] / 1e6)),
               std::to_string(values.cumulative[i]));
  }
  SampleText(bucket, prefix + Label("le", "+Inf"), std::to_string(values.count));
  SampleText(std::string(name) + "_sum", labels, FormatDouble(values.sum_us / 1e6));
  SampleText(std::string(name) + "_count", labels, std::to_string(values.count));
}

std::string MetricsText::Label(std::string_view name, std::string_view value) {
  std::string s(name);
  s.append("=\"");
  for (char c : value) {
    if (c == '\\') {
      s.append("\\\\");
    } else if (c == '"') {
      s.append("\\\"");
    } else if (c == '\n') {
      s.append("\\n");
    } else {
      s.push_back(c);
    }
  }
  s.push_back('"');
  return s;
}

}  // namespace sundial::core
