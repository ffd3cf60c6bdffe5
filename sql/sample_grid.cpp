#include "sql/sample_grid.h"

#include "core/timestamp.h"
#include "sql/interval.h"

namespace sundial::sql {

SampleGrid::SampleGrid(const SampleSpec& spec) : spec_(spec) {
  const char u = spec_.unit;
  sub_day_ = !spec_.calendar || (u != 'd' && u != 'w' && u != 'M' && u != 'y');
  fixed_size_us_ = FixedUnitMicros(u) * spec_.stride;
  zone_offsets_ =
      spec_.calendar && spec_.zone && (spec_.zone->tz || spec_.zone->fixed_offset_us != 0);
  if (spec_.has_from) {
    // Sub-day grids are uniform in UTC and start at FROM's instant; calendar grids start at
    // FROM's wall time.
    origin_ =
        (sub_day_ ? spec_.from_utc_us + (zone_offsets_ ? InOffset(0) : 0) : spec_.from_local_us) +
        spec_.offset_us;
    anchored_ = true;
  }
}

int64_t SampleGrid::InOffset(int64_t utc_us) const {
  if (!zone_offsets_) return 0;
  return sub_day_ ? spec_.zone->StandardOffset() : spec_.zone->OffsetAt(utc_us);
}

int64_t SampleGrid::OutUtc(int64_t local_floor_us, int64_t in_offset_us) const {
  if (!zone_offsets_ || sub_day_) return local_floor_us - in_offset_us;
  return local_floor_us - spec_.zone->OffsetAt(local_floor_us - in_offset_us);
}

void SampleGrid::Anchor(int64_t first_utc_us) {
  if (anchored_) return;
  anchored_ = true;
  if (!spec_.calendar) {
    origin_ = first_utc_us;
    return;
  }
  const int64_t first = first_utc_us + InOffset(first_utc_us);
  const char u = spec_.unit;
  if (u == 'M' || u == 'y') {
    core::CivilTime c = core::ToCivil(first);
    int m = u == 'y' ? 1 : c.month;
    origin_ = core::DaysFromCivil(c.year, m, 1) * core::kMicrosPerDay + spec_.offset_us;
    if (origin_ > first) AddDuration(origin_, u, -1, &origin_);
    return;
  }
  if (u == 'w') {
    origin_ = 4 * core::kMicrosPerDay + spec_.offset_us;  // 1970-01-05, a Monday
    return;
  }
  // Buckets count from midnight of the first row's (local) day.
  origin_ = core::FloorDiv(first, core::kMicrosPerDay) * core::kMicrosPerDay + spec_.offset_us;
  if (origin_ > first) origin_ -= core::kMicrosPerDay;
}

int64_t SampleGrid::MonthFloor(int64_t local_us) const {
  core::CivilTime o = core::ToCivil(origin_), c = core::ToCivil(local_us);
  int64_t months = (c.year - o.year) * 12 + (c.month - o.month);
  int64_t step = spec_.unit == 'y' ? 12 * spec_.stride : spec_.stride;
  int64_t b = core::FloorDiv(months, step) * step;
  int64_t start;
  AddDuration(origin_, 'M', b, &start);
  if (start > local_us) AddDuration(origin_, 'M', b - step, &start);
  return start;
}

int64_t SampleGrid::Next(int64_t bucket_utc_us) const {
  const int64_t off = InOffset(bucket_utc_us);
  const int64_t local = LocalFloor(bucket_utc_us + off);
  int64_t next_local;
  if (fixed_size_us_) {
    next_local = local + fixed_size_us_;
  } else {
    AddDuration(local, spec_.unit, spec_.stride, &next_local);
    next_local = LocalFloor(next_local);
  }
  return zone_offsets_ ? OutUtc(next_local, off) : next_local;
}

}  // namespace sundial::sql
