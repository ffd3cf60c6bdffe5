#include "http/date_pattern.h"

#include <strings.h>

#include "core/timestamp.h"

namespace sundial::http {
namespace {

constexpr const char* kMonthNames[] = {"January", "February", "March",     "April",
                                       "May",     "June",     "July",      "August",
                                       "September", "October", "November", "December"};
constexpr const char* kDayNames[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                     "Friday", "Saturday", "Sunday"};
// Years further out than this would overflow the µs arithmetic; no CSV means them.
constexpr int64_t kMaxAbsYear = 99999;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Reads exactly `n` digits (n > 0), or 1..max_digits of them (n == 0). Counts them in *len.
bool ReadNumber(std::string_view s, size_t* pos, int n, int max_digits, int64_t* out,
                int* len = nullptr) {
  int want_max = n > 0 ? n : max_digits;
  int64_t v = 0;
  int k = 0;
  while (k < want_max && *pos + k < s.size() && IsDigit(s[*pos + k])) {
    v = v * 10 + (s[*pos + k] - '0');
    ++k;
  }
  if (k == 0 || (n > 0 && k != n)) return false;
  *pos += static_cast<size_t>(k);
  *out = v;
  if (len != nullptr) *len = k;
  return true;
}

bool MatchWordPrefix(std::string_view s, size_t pos, std::string_view word) {
  return s.size() - pos >= word.size() && strncasecmp(s.data() + pos, word.data(), word.size()) == 0;
}

// Long name first, then its first three letters. Returns the 0-based index.
int MatchName(std::string_view s, size_t* pos, const char* const* names, int count) {
  for (int i = 0; i < count; ++i) {
    std::string_view name = names[i];
    if (MatchWordPrefix(s, *pos, name)) {
      *pos += name.size();
      return i;
    }
  }
  for (int i = 0; i < count; ++i) {
    std::string_view name = std::string_view(names[i]).substr(0, 3);
    if (MatchWordPrefix(s, *pos, name)) {
      *pos += 3;
      return i;
    }
  }
  return -1;
}

// Z | UTC | GMT | [UTC|GMT]±HH[[:]MM]. Offset east of UTC in µs.
bool ReadOffset(std::string_view s, size_t* pos, int64_t* offset_us) {
  *offset_us = 0;
  if (*pos < s.size() && s[*pos] == 'Z') {
    ++*pos;
    return true;
  }
  bool named = MatchWordPrefix(s, *pos, "UTC") || MatchWordPrefix(s, *pos, "GMT");
  if (named) *pos += 3;
  if (*pos >= s.size() || (s[*pos] != '+' && s[*pos] != '-')) return named;
  const int64_t sign = s[*pos] == '-' ? -1 : 1;
  ++*pos;
  int64_t hours = 0, minutes = 0;
  if (!ReadNumber(s, pos, 2, 2, &hours) || hours > 23) return false;
  if (*pos < s.size() && s[*pos] == ':') {
    ++*pos;
    if (!ReadNumber(s, pos, 2, 2, &minutes)) return false;
  } else if (*pos < s.size() && IsDigit(s[*pos])) {
    if (!ReadNumber(s, pos, 2, 2, &minutes)) return false;
  }
  if (minutes > 59) return false;
  *offset_us = sign * (hours * core::kMicrosPerHour + minutes * core::kMicrosPerMinute);
  return true;
}

}  // namespace

core::Result<DatePattern> DatePattern::Compile(std::string_view pattern) {
  DatePattern p;
  p.text_ = std::string(pattern);
  if (pattern.empty()) return core::Status::InvalidArgument("empty date pattern");
  if (pattern.size() > 256) return core::Status::InvalidArgument("date pattern too long");
  auto add_literal = [&p](std::string_view text) {
    if (!p.ops_.empty() && p.ops_.back().field == Field::kLiteral) {
      p.ops_.back().literal += text;
    } else {
      p.ops_.push_back({Field::kLiteral, 0, std::string(text)});
    }
  };
  size_t i = 0;
  while (i < pattern.size()) {
    const char c = pattern[i];
    if (c == '\'') {
      if (i + 1 < pattern.size() && pattern[i + 1] == '\'') {
        add_literal("'");
        i += 2;
        continue;
      }
      std::string text;
      size_t j = i + 1;
      for (;;) {
        if (j >= pattern.size()) {
          return core::Status::InvalidArgument("unterminated quote in date pattern [pattern=" +
                                               p.text_ + "]");
        }
        if (pattern[j] == '\'') {
          if (j + 1 < pattern.size() && pattern[j + 1] == '\'') {
            text.push_back('\'');
            j += 2;
            continue;
          }
          break;
        }
        text.push_back(pattern[j++]);
      }
      if (!text.empty()) add_literal(text);
      i = j + 1;
      continue;
    }
    if (!IsAsciiLetter(c) || c == 'T') {
      add_literal(std::string_view(&c, 1));
      ++i;
      continue;
    }
    size_t run = 1;
    while (i + run < pattern.size() && pattern[i + run] == c) ++run;
    const int n = static_cast<int>(run);
    Op op{Field::kLiteral, 0, {}};
    bool is_known = true;
    switch (c) {
      case 'y': is_known = n <= 4; op = {Field::kYear, n, {}}; break;
      case 'M':
        is_known = n <= 4;
        op = n <= 2 ? Op{Field::kMonth, n, {}} : Op{Field::kMonthName, 0, {}};
        break;
      case 'd': is_known = n <= 2; op = {Field::kDay, n, {}}; break;
      case 'E': is_known = n <= 2; op = {Field::kDayName, 0, {}}; break;
      case 'u': is_known = n == 1; op = {Field::kDayOfWeek, 1, {}}; break;
      case 'D':
      case 'w': is_known = n == 1; op = {Field::kIgnoredNumber, 0, {}}; break;
      case 'H': is_known = n <= 2; op = {Field::kHour24, n, {}}; break;
      case 'k': is_known = n <= 2; op = {Field::kHour24OneBased, n, {}}; break;
      case 'K': is_known = n <= 2; op = {Field::kHour12, n, {}}; break;
      case 'h': is_known = n <= 2; op = {Field::kHour12OneBased, n, {}}; break;
      case 'a': is_known = n == 1; op = {Field::kAmPm, 0, {}}; break;
      case 'm': is_known = n <= 2; op = {Field::kMinute, n, {}}; break;
      case 's': is_known = n <= 2; op = {Field::kSecond, n, {}}; break;
      case 'S': is_known = n == 1 || n == 3; op = {Field::kMillis, n, {}}; break;
      case 'U': is_known = n == 1 || n == 3; op = {Field::kMicros, n, {}}; break;
      case 'N': is_known = n == 1 || n == 3; op = {Field::kNanos, n, {}}; break;
      case 'Z': is_known = n == 1; op = {Field::kOffset, 0, {}}; break;
      case 'z':
      case 'x': is_known = n <= 3; op = {Field::kOffset, 0, {}}; break;
      default: is_known = false; break;
    }
    if (!is_known) {
      return core::Status::InvalidArgument(
          "unsupported letter in date pattern [letters=" + std::string(pattern.substr(i, run)) +
          ", pattern=" + p.text_ + "]");
    }
    p.ops_.push_back(std::move(op));
    i += run;
  }
  // QuestDB's rule: a one-letter number reads a single digit when another field follows it
  // directly, and any number of digits before a literal, AM/PM, a zone or the end.
  for (size_t k = 0; k < p.ops_.size(); ++k) {
    Op& op = p.ops_[k];
    if (op.digits != 1 || op.field == Field::kDayOfWeek) continue;
    const bool is_last = k + 1 == p.ops_.size();
    const Field next = is_last ? Field::kLiteral : p.ops_[k + 1].field;
    if (next == Field::kLiteral || next == Field::kAmPm || next == Field::kOffset) op.digits = 0;
  }
  return p;
}

bool DatePattern::Parse(std::string_view s, int64_t* timestamp_us) const {
  int64_t year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0;
  int64_t millis = 0, micros = 0, offset_us = 0;
  enum class HourKind { k24, k24OneBased, k12, k12OneBased } hour_kind = HourKind::k24;
  bool is_pm = false;
  size_t pos = 0;
  for (const Op& op : ops_) {
    int64_t v = 0;
    int len = 0;
    switch (op.field) {
      case Field::kLiteral:
        if (s.compare(pos, op.literal.size(), op.literal) != 0) return false;
        pos += op.literal.size();
        break;
      case Field::kYear: {
        bool is_negative = op.digits == 4 && pos < s.size() && s[pos] == '-';
        if (is_negative) ++pos;
        if (!ReadNumber(s, &pos, op.digits, 9, &v, &len)) return false;
        if (op.digits == 2 || (op.digits == 0 && len == 2)) v += 2000;
        year = is_negative ? -v : v;
        break;
      }
      case Field::kMonth:
        if (!ReadNumber(s, &pos, op.digits, 9, &month)) return false;
        break;
      case Field::kMonthName: {
        int m = MatchName(s, &pos, kMonthNames, 12);
        if (m < 0) return false;
        month = m + 1;
        break;
      }
      case Field::kDay:
        if (!ReadNumber(s, &pos, op.digits, 9, &day)) return false;
        break;
      case Field::kDayName:
        if (MatchName(s, &pos, kDayNames, 7) < 0) return false;
        break;
      case Field::kDayOfWeek:
        if (!ReadNumber(s, &pos, 1, 1, &v) || v < 1 || v > 7) return false;
        break;
      case Field::kIgnoredNumber:
        if (!ReadNumber(s, &pos, 0, 9, &v)) return false;
        break;
      case Field::kHour24:
      case Field::kHour24OneBased:
      case Field::kHour12:
      case Field::kHour12OneBased:
        if (!ReadNumber(s, &pos, op.digits, 9, &hour)) return false;
        hour_kind = op.field == Field::kHour24          ? HourKind::k24
                    : op.field == Field::kHour24OneBased ? HourKind::k24OneBased
                    : op.field == Field::kHour12         ? HourKind::k12
                                                         : HourKind::k12OneBased;
        break;
      case Field::kAmPm:
        if (MatchWordPrefix(s, pos, "AM")) {
          is_pm = false;
        } else if (MatchWordPrefix(s, pos, "PM")) {
          is_pm = true;
        } else {
          return false;
        }
        pos += 2;
        break;
      case Field::kMinute:
        if (!ReadNumber(s, &pos, op.digits, 9, &minute)) return false;
        break;
      case Field::kSecond:
        if (!ReadNumber(s, &pos, op.digits, 9, &second)) return false;
        break;
      case Field::kMillis:
      case Field::kMicros: {
        // A fraction: "5" is 500, "05" is 50, "005" is 5.
        if (!ReadNumber(s, &pos, op.digits, 3, &v, &len)) return false;
        for (int k = len; k < 3; ++k) v *= 10;
        (op.field == Field::kMillis ? millis : micros) = v;
        break;
      }
      case Field::kNanos:
        if (!ReadNumber(s, &pos, op.digits, 9, &v)) return false;
        break;
      case Field::kOffset:
        if (!ReadOffset(s, &pos, &offset_us)) return false;
        break;
    }
  }
  if (pos != s.size()) return false;
  switch (hour_kind) {
    case HourKind::k24:
      if (hour > 23) return false;
      break;
    case HourKind::k24OneBased:
      if (hour < 1 || hour > 24) return false;
      hour %= 24;
      break;
    case HourKind::k12:
      if (hour > 11) return false;
      if (is_pm) hour += 12;
      break;
    case HourKind::k12OneBased:
      if (hour < 1 || hour > 12) return false;
      hour = hour % 12 + (is_pm ? 12 : 0);
      break;
  }
  if (year > kMaxAbsYear || year < -kMaxAbsYear || month < 1 || month > 12 || day < 1 ||
      day > core::DaysInMonth(year, static_cast<int>(month)) || minute > 59 || second > 59) {
    return false;
  }
  core::CivilTime c;
  c.year = year;
  c.month = static_cast<int>(month);
  c.day = static_cast<int>(day);
  c.hour = static_cast<int>(hour);
  c.minute = static_cast<int>(minute);
  c.second = static_cast<int>(second);
  c.micros = static_cast<int>(millis * 1000 + micros);
  *timestamp_us = core::FromCivil(c) - offset_us;
  return true;
}

}  // namespace sundial::http
