#include "core/posix_tz.h"

#include <cctype>
#include <string>

#include "core/timestamp.h"

namespace sundial::core {
namespace {

class TzParser {
 public:
  explicit TzParser(std::string_view s) : s_(s) {}
  bool AtEnd() const { return i_ == s_.size(); }
  bool Eat(char c) {
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  char Peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }

  // `<...>` (letters, digits, + and -) or 3+ letters.
  bool Name() {
    if (Eat('<')) {
      size_t start = i_;
      while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) ||
                                s_[i_] == '+' || s_[i_] == '-')) {
        ++i_;
      }
      return i_ - start >= 3 && Eat('>');
    }
    size_t start = i_;
    while (i_ < s_.size() && std::isalpha(static_cast<unsigned char>(s_[i_]))) ++i_;
    return i_ - start >= 3;
  }

  bool Number(int max_digits, int* out) {
    int v = 0, n = 0;
    while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_])) && n < max_digits) {
      v = v * 10 + (s_[i_++] - '0');
      ++n;
    }
    *out = v;
    return n > 0;
  }

  // [+-]hh[:mm[:ss]] with hours up to `max_hours`; the signed seconds.
  bool Time(int max_hours, int64_t* out) {
    int sign = 1;
    if (Eat('-')) {
      sign = -1;
    } else {
      Eat('+');
    }
    int h = 0, m = 0, sec = 0;
    if (!Number(3, &h) || h > max_hours) return false;
    if (Eat(':')) {
      if (!Number(2, &m) || m > 59) return false;
      if (Eat(':') && (!Number(2, &sec) || sec > 59)) return false;
    }
    *out = sign * (int64_t{h} * 3600 + m * 60 + sec);
    return true;
  }

  bool Rule(PosixTzRule* r) {
    if (Eat('J')) {
      r->kind = PosixTzRule::Kind::kJulian1;
      if (!Number(3, &r->day) || r->day < 1 || r->day > 365) return false;
    } else if (Eat('M')) {
      r->kind = PosixTzRule::Kind::kMonthWeekDay;
      if (!Number(2, &r->month) || r->month < 1 || r->month > 12 || !Eat('.') ||
          !Number(1, &r->week) || r->week < 1 || r->week > 5 || !Eat('.') ||
          !Number(1, &r->weekday) || r->weekday > 6) {
        return false;
      }
    } else {
      r->kind = PosixTzRule::Kind::kJulian0;
      if (!Number(3, &r->day) || r->day > 365) return false;
    }
    r->time = 7200;
    if (Eat('/')) return Time(167, &r->time);
    return true;
  }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

// Days since the epoch of the rule's date in `year`.
int64_t RuleDay(const PosixTzRule& r, int64_t year) {
  const int64_t jan1 = DaysFromCivil(year, 1, 1);
  switch (r.kind) {
    case PosixTzRule::Kind::kJulian1:
      return jan1 + r.day - 1 + (IsLeapYear(year) && r.day >= 60 ? 1 : 0);
    case PosixTzRule::Kind::kJulian0:
      return jan1 + r.day;
    case PosixTzRule::Kind::kMonthWeekDay: {
      const int64_t first = DaysFromCivil(year, r.month, 1);
      const int first_weekday = static_cast<int>(((first % 7) + 7 + 4) % 7);  // 0 = Sunday
      int day = 1 + (r.weekday - first_weekday + 7) % 7 + (r.week - 1) * 7;
      while (day > DaysInMonth(year, r.month)) day -= 7;
      return first + day - 1;
    }
  }
  return jan1;
}

}  // namespace

Result<PosixTz> ParsePosixTz(std::string_view text) {
  TzParser p(text);
  PosixTz tz;
  auto bad = [&](const char* what) {
    return Status::InvalidArgument(std::string(what) + " in TZ string '" + std::string(text) + "'");
  };
  int64_t off = 0;
  if (!p.Name()) return bad("bad standard time name");
  if (!p.Time(24, &off)) return bad("bad standard time offset");
  tz.std_offset = static_cast<int32_t>(-off);
  if (p.AtEnd()) return tz;
  if (!p.Name()) return bad("bad daylight time name");
  tz.has_dst = true;
  tz.dst_offset = tz.std_offset + 3600;
  if (p.Peek() != ',' && !p.AtEnd()) {
    if (!p.Time(24, &off)) return bad("bad daylight time offset");
    tz.dst_offset = static_cast<int32_t>(-off);
  }
  if (!p.Eat(',')) return bad("daylight time without a rule");
  if (!p.Rule(&tz.start)) return bad("bad start rule");
  if (!p.Eat(',')) return bad("missing end rule");
  if (!p.Rule(&tz.end)) return bad("bad end rule");
  if (!p.AtEnd()) return bad("trailing characters");
  return tz;
}

int32_t PosixTzOffsetAt(const PosixTz& tz, int64_t t) {
  if (!tz.has_dst) return tz.std_offset;
  // The transitions of the years around t, in order; the last one at or before t decides. At
  // equal instants the end comes first, so a rule for DST all year (`0/0,J365/25`) stays DST.
  const int64_t year = ToCivil((t + tz.std_offset) * kMicrosPerSecond).year;
  bool dst = false;
  int64_t best_time = INT64_MIN;
  int best_order = -1;
  auto consider = [&](int64_t at, int order, bool to_dst) {
    if (at > t) return;
    if (at > best_time || (at == best_time && order > best_order)) {
      best_time = at;
      best_order = order;
      dst = to_dst;
    }
  };
  for (int64_t y = year - 1; y <= year + 1; ++y) {
    consider(RuleDay(tz.end, y) * 86400 + tz.end.time - tz.dst_offset, 0, false);
    consider(RuleDay(tz.start, y) * 86400 + tz.start.time - tz.std_offset, 1, true);
  }
  return dst ? tz.dst_offset : tz.std_offset;
}

}  // namespace sundial::core
