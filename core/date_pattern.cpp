#include "core/date_pattern.h"

#include <strings.h>

#include "core/timestamp.h"

namespace sundial::core {
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
  *offset_us = sign * (hours * kMicrosPerHour + minutes * kMicrosPerMinute);
  return true;
}

// Zero-padded to `width` digits (the sign, if any, comes first).
void Pad(std::string* out, int64_t v, int width) {
  const std::string d = std::to_string(v < 0 ? -v : v);
  if (v < 0) out->push_back('-');
  for (int k = static_cast<int>(d.size()); k < width; ++k) out->push_back('0');
  out->append(d);
}

int DayOfYear(const CivilTime& c) {
  return static_cast<int>(DaysFromCivil(c.year, c.month, c.day) - DaysFromCivil(c.year, 1, 1)) + 1;
}

}  // namespace

bool DatePattern::CompileLetter(char c, int n, Op* op) {
  switch (c) {
    case 'y': *op = {Field::kYear, n, {}}; return n <= 4;
    case 'M': *op = n <= 2 ? Op{Field::kMonth, n, {}} : Op{Field::kMonthName, 0, {}}; return n <= 4;
    case 'd': *op = {Field::kDay, n, {}}; return n <= 2;
    case 'E': *op = {Field::kDayName, 0, {}}; return n <= 4;
    case 'u': *op = {Field::kDayOfWeek, 1, {}}; return n == 1;
    case 'D': *op = {Field::kDayOfYear, 0, {}}; return n == 1;
    case 'w': *op = {Field::kWeekOfYear, 0, {}}; return n == 1;
    case 'H': *op = {Field::kHour24, n, {}}; return n <= 2;
    case 'k': *op = {Field::kHour24OneBased, n, {}}; return n <= 2;
    case 'K': *op = {Field::kHour12, n, {}}; return n <= 2;
    case 'h': *op = {Field::kHour12OneBased, n, {}}; return n <= 2;
    case 'a': *op = {Field::kAmPm, 0, {}}; return n == 1;
    case 'm': *op = {Field::kMinute, n, {}}; return n <= 2;
    case 's': *op = {Field::kSecond, n, {}}; return n <= 2;
    case 'S': *op = {Field::kMillis, n, {}}; return n == 1 || n == 3;
    case 'U': *op = {Field::kMicros, n, {}}; return n == 1 || n == 3;
    case 'N': *op = {Field::kNanos, n, {}}; return n == 1 || n == 3;
    case 'Z': *op = {Field::kOffset, 0, {}}; return n == 1;
    case 'z':
    case 'x': *op = {Field::kOffset, 0, {}}; return n <= 3;
    default: return false;
  }
}

Result<DatePattern> DatePattern::Compile(std::string_view pattern) {
  DatePattern p;
  p.text_ = std::string(pattern);
  if (pattern.empty()) return Status::InvalidArgument("empty date pattern");
  if (pattern.size() > 256) return Status::InvalidArgument("date pattern too long");
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
          return Status::InvalidArgument("unterminated quote in date pattern [pattern=" +
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
    if (!CompileLetter(c, n, &op)) {
      return Status::InvalidArgument(
          "unsupported letter in date pattern [letters=" + std::string(pattern.substr(i, run)) +
          ", pattern=" + p.text_ + "]");
    }
    op.letters = n;
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
      case Field::kDayOfYear:
      case Field::kWeekOfYear:
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
      day > DaysInMonth(year, static_cast<int>(month)) || minute > 59 || second > 59) {
    return false;
  }
  CivilTime c;
  c.year = year;
  c.month = static_cast<int>(month);
  c.day = static_cast<int>(day);
  c.hour = static_cast<int>(hour);
  c.minute = static_cast<int>(minute);
  c.second = static_cast<int>(second);
  c.micros = static_cast<int>(millis * 1000 + micros);
  *timestamp_us = FromCivil(c) - offset_us;
  return true;
}

void DatePattern::Format(int64_t timestamp_us, std::string* out) const {
  for (const Op& op : ops_) FormatOp(op, timestamp_us, out);
}

void DatePattern::FormatOp(const Op& op, int64_t ts, std::string* out) const {
  const CivilTime c = ToCivil(ts);
  const int n = op.letters;
  switch (op.field) {
    case Field::kLiteral: out->append(op.literal); break;
    case Field::kYear:
      if (n == 2) {
        Pad(out, c.year % 100, 2);
      } else {
        Pad(out, c.year, n);
      }
      break;
    case Field::kMonth: Pad(out, c.month, n); break;
    case Field::kMonthName: {
      std::string_view name = kMonthNames[c.month - 1];
      out->append(n >= 4 ? name : name.substr(0, 3));
      break;
    }
    case Field::kDay: Pad(out, c.day, n); break;
    case Field::kDayName: {
      std::string_view name = kDayNames[DayOfWeek(ts) - 1];
      out->append(n == 2 || n >= 4 ? name : name.substr(0, 3));
      break;
    }
    case Field::kDayOfWeek: Pad(out, DayOfWeek(ts), 1); break;
    case Field::kDayOfYear: Pad(out, DayOfYear(c), 1); break;
    case Field::kWeekOfYear: {
      // Weeks start on Sunday; week 1 holds January 1st.
      CivilTime jan1;
      jan1.year = c.year;
      const int jan1_sunday_based = DayOfWeek(FromCivil(jan1)) % 7;  // Sunday 0
      Pad(out, (DayOfYear(c) - 1 + jan1_sunday_based) / 7 + 1, 1);
      break;
    }
    case Field::kHour24: Pad(out, c.hour, n); break;
    case Field::kHour24OneBased: Pad(out, c.hour == 0 ? 24 : c.hour, n); break;
    case Field::kHour12: Pad(out, c.hour % 12, n); break;
    case Field::kHour12OneBased: Pad(out, c.hour % 12 == 0 ? 12 : c.hour % 12, n); break;
    case Field::kAmPm: out->append(c.hour < 12 ? "AM" : "PM"); break;
    case Field::kMinute: Pad(out, c.minute, n); break;
    case Field::kSecond: Pad(out, c.second, n); break;
    case Field::kMillis: Pad(out, c.micros / 1000, 3); break;
    case Field::kMicros: Pad(out, c.micros % 1000, 3); break;
    case Field::kNanos: Pad(out, 0, 3); break;
    case Field::kOffset: out->push_back('Z'); break;
  }
}

}  // namespace sundial::core
