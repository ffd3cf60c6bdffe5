// sql/sample_grid.h — SAMPLE BY's bucket grid: the bucket a timestamp falls in and the bucket
// after a bucket, for ALIGN TO FIRST OBSERVATION, ALIGN TO CALENDAR [TIME ZONE] [WITH OFFSET]
// and FROM, with QuestDB's rules (sql/README.md "SAMPLE BY"):
//   - Buckets are labelled by the UTC instant they start at.
//   - Sub-day strides (U T s m h) are computed in the zone's standard (non-DST) offset, so they
//     are evenly spaced in UTC: a fall-back hour gives two buckets, a spring-forward hour none.
//   - Day, week, month and year strides follow the local calendar: a local day is 23 or 25
//     hours long across a transition. A row's local time uses the offset at the row; the
//     floored local start goes back to UTC with the offset in force at (start - that offset).
//   - Origin: FROM when given (sub-day: FROM's UTC instant; longer strides: FROM's wall time),
//     else the first row's local day (month, year; Mondays for weeks), plus WITH OFFSET.
// Not thread-safe; cheap to copy.
#pragma once

#include <cstdint>

#include "sql/aggregate.h"

namespace sundial::sql {

class SampleGrid {
 public:
  explicit SampleGrid(const SampleSpec& spec);

  // Fixes the origin from the first row's timestamp (a no-op when FROM fixed it).
  void Anchor(int64_t first_utc_us);
  bool anchored() const { return anchored_; }

  // The start (UTC) of the bucket holding `utc_us`. Requires anchored().
  int64_t Floor(int64_t utc_us) const {
    if (!zone_offsets_) return LocalFloor(utc_us);
    const int64_t off = InOffset(utc_us);
    return OutUtc(LocalFloor(utc_us + off), off);
  }
  // The start of the bucket after the one starting at `bucket_utc_us`.
  int64_t Next(int64_t bucket_utc_us) const;

 private:
  int64_t InOffset(int64_t utc_us) const;
  int64_t OutUtc(int64_t local_floor_us, int64_t in_offset_us) const;
  int64_t LocalFloor(int64_t local_us) const {
    if (fixed_size_us_) {
      int64_t q = (local_us - origin_) / fixed_size_us_;
      if ((local_us - origin_) % fixed_size_us_ < 0) --q;
      return q * fixed_size_us_ + origin_;
    }
    return MonthFloor(local_us);
  }
  int64_t MonthFloor(int64_t local_us) const;

  SampleSpec spec_;
  bool zone_offsets_ = false;  // a zone with an offset other than UTC
  bool sub_day_ = true;
  int64_t fixed_size_us_ = 0;  // 0 for months and years
  int64_t origin_ = 0;         // local time
  bool anchored_ = false;
};

}  // namespace sundial::sql
