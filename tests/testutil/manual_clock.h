// A core::Clock whose wall time the test sets; its monotonic time is the real one.
#pragma once

#include <atomic>
#include <cstdint>

#include "core/timestamp.h"

namespace sundial::testutil {

class ManualClock final : public core::Clock {
 public:
  explicit ManualClock(int64_t now_us) : now_us_(now_us) {}
  int64_t NowMicros() const override { return now_us_.load(); }
  int64_t MonotonicMicros() const override { return core::MonotonicMicros(); }
  void Set(int64_t now_us) { now_us_.store(now_us); }

 private:
  std::atomic<int64_t> now_us_;
};

}  // namespace sundial::testutil
