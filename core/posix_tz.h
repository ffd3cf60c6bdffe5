// core/posix_tz.h — POSIX TZ strings (`CET-1CEST,M3.5.0,M10.5.0/3`, `<+0530>-5:30`, `EST5EDT,
// 0/0,J365/25`), as found in the footer of TZif files (RFC 8536 section 3.3, with version 3's
// rule times of -167..167 hours). Used by core/time_zone.h for instants after a zone's last
// transition. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/status.h"

namespace sundial::core {

struct PosixTzRule {
  enum class Kind { kJulian1, kJulian0, kMonthWeekDay };
  Kind kind = Kind::kMonthWeekDay;
  int day = 0;      // Jn: 1..365 (Feb 29 never counted); n: 0..365 (counted)
  int month = 0;    // Mm.w.d: 1..12
  int week = 0;     //         1..5 (5 = last)
  int weekday = 0;  //         0 = Sunday .. 6
  int64_t time = 7200;  // seconds after local midnight, -167h..167h
};

struct PosixTz {
  int32_t std_offset = 0;  // seconds east of UTC (the string's sign is inverted: CET-1 → +3600)
  bool has_dst = false;
  int32_t dst_offset = 0;
  PosixTzRule start;  // standard → DST, at `start.time` local standard time
  PosixTzRule end;    // DST → standard, at `end.time` local DST time
};

// InvalidArgument naming what is wrong. A DST name without a rule is refused (the default
// rule is implementation-defined, and a TZif footer always carries one).
Result<PosixTz> ParsePosixTz(std::string_view text);

// Seconds east of UTC at the UTC instant `utc_seconds`.
int32_t PosixTzOffsetAt(const PosixTz& tz, int64_t utc_seconds);

}  // namespace sundial::core
