// sql/zone.h — a time zone argument as SQL takes it: an IANA name ('Europe/Berlin', read by
// core::TimeZone from the system's TZif files), UTC/GMT/Z, or a fixed offset ('+01:00',
// '-0530', '+05', optionally after 'UTC'/'GMT'), as QuestDB accepts them. Used by
// to_timezone/to_utc/today() (functions/time.cpp) and SAMPLE BY ... TIME ZONE (planner.cpp).
// Immutable after loading; cheap to copy; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/status.h"
#include "core/time_zone.h"

namespace sundial::sql {

struct Zone {
  std::optional<core::TimeZone> tz;  // an IANA zone; unset: the fixed offset below
  int64_t fixed_offset_us = 0;

  // The offset in force at a UTC instant, in µs.
  int64_t OffsetAt(int64_t utc_us) const;
  // The zone's standard (non-DST) offset (core::TimeZone::StandardOffsetSeconds), in µs.
  int64_t StandardOffset() const;
  int64_t ToLocal(int64_t utc_us) const { return utc_us + OffsetAt(utc_us); }
  // Local wall time → UTC by core::TimeZone::LocalToUtc's rule (overlap: the earlier instant;
  // gap: shifted forward by the gap's length).
  int64_t ToUtc(int64_t local_us) const;
};

// `+HH:MM`, `-HHMM`, `+HH`, optionally after UTC/GMT; hours ≤ 18, minutes ≤ 59.
bool ParseFixedOffset(std::string_view s, int64_t* offset_us);

// A zone by name; an unknown name is InvalidArgument "invalid timezone: <name>" at `pos`.
core::Result<Zone> LoadZone(std::string_view name, int32_t pos);

}  // namespace sundial::sql
