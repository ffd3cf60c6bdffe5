// Token bucket; see core/rate_limiter.h.
#include "core/rate_limiter.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>

namespace sundial::core {

RateLimiter::RateLimiter(uint64_t bytes_per_sec, uint64_t burst_bytes, const Clock* clock,
                         SleepFn sleep)
    : bytes_per_sec_(bytes_per_sec),
      burst_bytes_(static_cast<double>(std::max<uint64_t>(burst_bytes, 1))),
      clock_(clock != nullptr ? clock : SystemClock::Instance()),
      sleep_(sleep ? std::move(sleep)
                   : SleepFn([](int64_t us) {
                       std::this_thread::sleep_for(std::chrono::microseconds(us));
                     })),
      last_us_(clock_->MonotonicMicros()) {}

void RateLimiter::Refill(int64_t now_us) {
  if (now_us <= last_us_) return;
  const double earned = static_cast<double>(now_us - last_us_) *
                        static_cast<double>(bytes_per_sec_) / 1e6;
  tokens_ = std::min(burst_bytes_, tokens_ + earned);
  last_us_ = now_us;
}

int64_t RateLimiter::Acquire(uint64_t n) {
  acquired_bytes_ += n;
  if (bytes_per_sec_ == 0 || n == 0) return 0;
  Refill(clock_->MonotonicMicros());
  tokens_ -= static_cast<double>(n);
  if (tokens_ >= 0) return 0;
  // Round up: waking a microsecond late keeps the bound; waking early would break it.
  const int64_t wait_us =
      static_cast<int64_t>(std::ceil(-tokens_ * 1e6 / static_cast<double>(bytes_per_sec_)));
  const int64_t start_us = clock_->MonotonicMicros();
  int64_t now_us = start_us;
  // A sleep may end early (signals, a coarse timer): sleep again until the debt is paid.
  while (now_us < start_us + wait_us) {
    sleep_(start_us + wait_us - now_us);
    now_us = clock_->MonotonicMicros();
  }
  Refill(now_us);
  slept_micros_ += now_us - start_us;
  return now_us - start_us;
}

}  // namespace sundial::core
