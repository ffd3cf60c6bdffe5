// core/time_zone.h — IANA time zones from the system's TZif files (RFC 8536): the UTC offset at
// an instant, and local wall time → UTC with a documented rule for DST gaps and overlaps.
//
// Loading: TimeZone::Load("Europe/Berlin") reads `$TZDIR/Europe/Berlin` (TZDIR as glibc reads
// it; default /usr/share/zoneinfo). Names are confined to that directory: empty names,
// absolute paths, `.`/`..` components and characters outside [A-Za-z0-9/_+-] are refused
// (InvalidArgument). A missing zone is NotFound ("unknown time zone 'X'"). "UTC" is built in and
// needs no file (so the default works without tzdata); every other name, `Etc/GMT+5` and the
// like included, comes from its file.
//
// Data: version 1 files use the 32-bit block; version 2+ the 64-bit block and the POSIX TZ
// footer (e.g. `CET-1CEST,M3.5.0,M10.5.0/3`, with v3's extended hours), which gives offsets
// after the last transition. Before the first transition the first time type applies (RFC 8536
// 3.2). A damaged file — bad magic, counts that do not fit the file, indices out of range,
// transitions out of order, a footer that does not parse, leap-second records ("right/" zones,
// not supported) — is Corruption/Unsupported naming the file, never a guess.
//
// Local wall times are µs since 1970-01-01T00:00 of the wall clock (core::FromCivil of the
// civil fields), UTC instants µs since the epoch. Immutable after loading; copies are cheap
// (shared data); thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace sundial::core {

enum class LocalTimeKind {
  kUnique,   // the wall time occurs once
  kOverlap,  // twice (clocks set back): earlier_utc_us < later_utc_us
  kGap,      // never (clocks set forward): transition_utc_us is where the gap ends
};

struct LocalTimeResolution {
  LocalTimeKind kind = LocalTimeKind::kUnique;
  int64_t earlier_utc_us = 0;     // kUnique, kOverlap: the (first) instant
  int64_t later_utc_us = 0;       // kUnique: same as earlier; kOverlap: the second instant
  int64_t transition_utc_us = 0;  // kGap: the instant the clocks jumped
  int64_t gap_utc_us = 0;         // kGap: the wall time shifted forward by the gap's length
};

class TimeZone {
 public:
  // UTC.
  TimeZone();

  // By IANA name from $TZDIR (default /usr/share/zoneinfo).
  static Result<TimeZone> Load(std::string_view name);
  // By name from `dir` (tests).
  static Result<TimeZone> LoadFrom(std::string_view dir, std::string_view name);
  // From the bytes of a TZif file; `name` is used in messages and name().
  static Result<TimeZone> FromTzif(std::string name, std::string_view bytes);
  // The zone directory Load reads: $TZDIR if set and non-empty, else /usr/share/zoneinfo.
  static std::string ZoneDir();

  const std::string& name() const;

  // Seconds to add to UTC to get local time at the UTC instant `utc_us`.
  int64_t OffsetSecondsAt(int64_t utc_us) const;
  int64_t UtcToLocal(int64_t utc_us) const;
  // The zone's standard (non-DST) offset as of its newest rule: the TZ footer's standard offset,
  // else that of the newest non-DST time type (0 for UTC). What QuestDB calls the zone's
  // standard offset; SAMPLE BY's sub-day buckets are aligned with it (sql/README.md).
  int64_t StandardOffsetSeconds() const;

  // Every UTC instant whose wall time is `local_us`, or the gap it falls in.
  LocalTimeResolution Resolve(int64_t local_us) const;

  // Local → UTC, the rule (java.time's ZonedDateTime.ofLocal, RFC 9557's "compatible"): a
  // unique wall time gives its instant; one in an overlap gives the earlier instant (the
  // offset before the transition); one in a gap is shifted forward by the gap's length
  // (02:30 in a 02:00→03:00 gap gives 03:30 new time).
  int64_t LocalToUtc(int64_t local_us) const;

  struct Data;  // parsed transitions and footer rule (time_zone.cpp)

 private:
  explicit TimeZone(std::shared_ptr<const Data> data);
  std::shared_ptr<const Data> data_;
};

}  // namespace sundial::core
