// sql/interval.h — QuestDB's timestamp interval strings and duration units.
//
//   '2024-01-02'                  the whole day: [2024-01-02T00:00, 2024-01-02T23:59:59.999999]
//   '2024-01-02T10;2h'            10:00 .. 12:59:59.999999 (the hour, extended by 2h)
//   '2024-01-02;1h;1d;3'          the first hour of 3 consecutive days
// Intervals are inclusive at both ends, in µs. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sundial::sql {

struct Interval {
  int64_t lo = INT64_MIN;  // inclusive
  int64_t hi = INT64_MAX;  // inclusive
};

core::Result<std::vector<Interval>> ParseIntervalString(std::string_view s, int32_t pos);

// Adds `count` units to `ts`; unit is one of U T s m h d w M y (months and years are
// calendar-aware). Returns false for an unknown unit.
bool AddDuration(int64_t ts, char unit, int64_t count, int64_t* out);
// Fixed size of a unit in µs, or 0 for calendar units (M, y) and unknown units.
int64_t FixedUnitMicros(char unit);
// "[+-]<count><unit>" with count ≤ 1e9 and a unit AddDuration knows; false otherwise.
bool ParseDurationText(std::string_view s, char* unit, int64_t* count);

// Intersection/union helpers over sorted, non-overlapping interval lists.
std::vector<Interval> IntersectIntervals(const std::vector<Interval>& a,
                                         const std::vector<Interval>& b);
std::vector<Interval> NormalizeIntervals(std::vector<Interval> v);

}  // namespace sundial::sql
