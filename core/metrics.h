// core/metrics.h — counters and histograms cheap enough for hot paths, and a writer of
// Prometheus' text exposition format (version 0.0.4), the body of GET /metrics.
//
// Counter and LatencyHistogram are relaxed atomics: thread-safe, never a lock, and an update is
// one atomic add on a line shared with other threads (callers count once per request, commit or
// batch, never per row). A reader sees each value as of some recent instant; values read one
// after the other are not a consistent cut (a histogram's count may be one ahead of a bucket).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace sundial::core {

class Counter {
 public:
  void Add(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// A distribution of durations, in Prometheus' histogram shape: fixed buckets (upper bounds in
// µs, kLatencyBucketsUs, 100 µs .. 60 s), a count and a sum.
inline constexpr std::array<int64_t, 14> kLatencyBucketsUs = {
    100,    250,    500,     1'000,   2'500,     5'000,      10'000,
    25'000, 50'000, 100'000, 250'000, 1'000'000, 10'000'000, 60'000'000};

class LatencyHistogram {
 public:
  void Observe(int64_t duration_us);

  struct Values {
    // cumulative[i]: observations <= kLatencyBucketsUs[i]; `count` is the +Inf bucket.
    std::array<uint64_t, kLatencyBucketsUs.size()> cumulative{};
    uint64_t count = 0;
    uint64_t sum_us = 0;
  };
  Values Read() const;

 private:
  // Per bucket (not cumulative); the last one counts what is above every bound.
  std::array<std::atomic<uint64_t>, kLatencyBucketsUs.size() + 1> buckets_{};
  std::atomic<uint64_t> sum_us_{0};
};

// Builds an exposition text. Each metric is Begin() (its # HELP and # TYPE lines) followed by
// its samples. Names must match [a-zA-Z_:][a-zA-Z0-9_:]* (callers pass constants); label values
// are escaped here. Values print in the shortest form that reads back exactly (Go's
// strconv.ParseFloat reads them, as Prometheus does).
class MetricsText {
 public:
  enum class Type { kCounter, kGauge, kHistogram };
  void Begin(std::string_view name, Type type, std::string_view help);
  // `labels` is empty or built by Label(): `name="value"` pairs joined by commas.
  void Sample(std::string_view name, std::string_view labels, double value);
  void Sample(std::string_view name, std::string_view labels, uint64_t value);
  void Sample(std::string_view name, std::string_view labels, int64_t value);
  // `name_bucket`, `name_sum` (seconds) and `name_count` of a latency histogram.
  void Histogram(std::string_view name, std::string_view labels,
                 const LatencyHistogram::Values& values);

  const std::string& text() const { return out_; }
  std::string Take() { return std::move(out_); }

  static std::string Label(std::string_view name, std::string_view value);

 private:
  void SampleText(std::string_view name, std::string_view labels, std::string_view value);
  std::string out_;
};

inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace sundial::core
