#include "sql/zone.h"

#include <cctype>
#include <string>

#include "core/timestamp.h"
#include "sql/lexer.h"

namespace sundial::sql {

int64_t Zone::OffsetAt(int64_t utc_us) const {
  return tz ? tz->OffsetSecondsAt(utc_us) * core::kMicrosPerSecond : fixed_offset_us;
}

int64_t Zone::StandardOffset() const {
  return tz ? tz->StandardOffsetSeconds() * core::kMicrosPerSecond : fixed_offset_us;
}

int64_t Zone::ToUtc(int64_t local_us) const {
  return tz ? tz->LocalToUtc(local_us) : local_us - fixed_offset_us;
}

bool ParseFixedOffset(std::string_view s, int64_t* offset_us) {
  if (s.size() >= 4 && (s.substr(0, 3) == "UTC" || s.substr(0, 3) == "GMT")) s.remove_prefix(3);
  if (s.empty() || (s[0] != '+' && s[0] != '-')) return false;
  int sign = s[0] == '-' ? -1 : 1;
  s.remove_prefix(1);
  int digits[4] = {0, 0, 0, 0};
  int nd = 0;
  for (size_t k = 0; k < s.size(); ++k) {
    if (s[k] == ':' && k == 2 && nd == 2) continue;
    if (!std::isdigit(static_cast<unsigned char>(s[k])) || nd == 4) return false;
    digits[nd++] = s[k] - '0';
  }
  if (nd != 2 && nd != 4) return false;
  int hours = digits[0] * 10 + digits[1], minutes = digits[2] * 10 + digits[3];
  if (hours > 18 || minutes > 59) return false;
  *offset_us = sign * (hours * 3600LL + minutes * 60LL) * core::kMicrosPerSecond;
  return true;
}

core::Result<Zone> LoadZone(std::string_view name, int32_t pos) {
  Zone z;
  if (ParseFixedOffset(name, &z.fixed_offset_us)) return z;
  if (name == "Z" || EqualsIgnoreCase(name, "UTC") || EqualsIgnoreCase(name, "GMT")) {
    return z;
  }
  auto tz = core::TimeZone::Load(name);
  if (!tz.ok()) {
    return core::Status::InvalidArgument("invalid timezone: " + std::string(name), pos);
  }
  z.tz = std::move(tz).value();
  return z;
}

}  // namespace sundial::sql
