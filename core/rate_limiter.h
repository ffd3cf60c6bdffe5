// core/rate_limiter.h — a token bucket that paces a byte stream to at most N bytes per second
// (the backup's reads and copies: cairo.sql.backup.max.bytes.per.sec).
//
// Contract: the bucket starts empty and fills at `bytes_per_sec`, holding at most
// `burst_bytes`. Acquire(n) takes n bytes from it and, when that leaves it in debt, sleeps until
// the debt is paid. So for any sequence of calls, the bytes acquired by the time an Acquire
// returns are at most bytes_per_sec × (that time − construction), and a caller that acquires
// back to back runs at the rate (no oversleeping beyond the clock's granularity). An idle
// spell earns at most `burst_bytes` of credit. bytes_per_sec 0 means unlimited: Acquire never
// sleeps.
//
// The clock and the sleep are injectable (tests use a fake clock whose sleep advances it).
// Not thread-safe: one per paced stream (one backup run). Never fails.
#pragma once

#include <cstdint>
#include <functional>

#include "core/timestamp.h"

namespace sundial::core {

class RateLimiter {
 public:
  using SleepFn = std::function<void(int64_t micros)>;

  // `clock` must outlive the limiter; null = SystemClock. `sleep` null = a real sleep.
  explicit RateLimiter(uint64_t bytes_per_sec, uint64_t burst_bytes = 8 << 20,
                       const Clock* clock = nullptr, SleepFn sleep = nullptr);

  bool limited() const { return bytes_per_sec_ != 0; }
  uint64_t bytes_per_sec() const { return bytes_per_sec_; }
  // Takes n bytes, sleeping first if the bucket is short. Returns the microseconds slept.
  int64_t Acquire(uint64_t n);
  // Totals since construction (for logs and tests).
  uint64_t acquired_bytes() const { return acquired_bytes_; }
  int64_t slept_micros() const { return slept_micros_; }

 private:
  void Refill(int64_t now_us);

  uint64_t bytes_per_sec_;
  double burst_bytes_;
  const Clock* clock_;
  SleepFn sleep_;
  double tokens_ = 0;  // may go negative: the debt an Acquire sleeps off
  int64_t last_us_;
  uint64_t acquired_bytes_ = 0;
  int64_t slept_micros_ = 0;
};

}  // namespace sundial::core
