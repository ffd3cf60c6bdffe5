#include "sql/time_format.h"

#include <cctype>
#include <cstring>

#include "core/timestamp.h"

namespace sundial::sql {
namespace {

constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr const char* kDays[] = {"Monday", "Tuesday", "Wednesday", "Thursday",
                                 "Friday", "Saturday", "Sunday"};

void Pad(std::string* out, int64_t v, int width) {
  std::string d = std::to_string(v < 0 ? -v : v);
  if (v < 0) out->push_back('-');
  for (int k = static_cast<int>(d.size()); k < width; ++k) out->push_back('0');
  out->append(d);
}

bool ReadNumber(std::string_view s, size_t* i, int min_digits, int max_digits, int64_t* v) {
  size_t k = *i;
  int64_t x = 0;
  int cnt = 0;
  while (k < s.size() && cnt < max_digits && std::isdigit(static_cast<unsigned char>(s[k]))) {
    x = x * 10 + (s[k] - '0');
    ++k;
    ++cnt;
  }
  if (cnt < min_digits) return false;
  *v = x;
  *i = k;
  return true;
}

}  // namespace

core::Result<TimeFormat> CompileTimeFormat(std::string_view p, int32_t pos) {
  std::vector<TimeFormat::Part> parts;
  size_t i = 0;
  while (i < p.size()) {
    char c = p[i];
    if (c == '\'') {
      size_t e = p.find('\'', i + 1);
      if (e == std::string_view::npos) {
        return core::Status::InvalidArgument("unclosed quote in date format", pos);
      }
      TimeFormat::Part part;
      part.literal = std::string(p.substr(i + 1, e - i - 1));
      parts.push_back(part);
      i = e + 1;
      continue;
    }
    if (std::strchr("yMdHhmsSUNaEZz", c)) {
      size_t k = i;
      while (k < p.size() && p[k] == c) ++k;
      TimeFormat::Part part;
      part.letter = c;
      part.width = static_cast<int>(k - i);
      parts.push_back(part);
      i = k;
      continue;
    }
    if (!parts.empty() && parts.back().letter == 0) {
      parts.back().literal.push_back(c);
    } else {
      TimeFormat::Part part;
      part.literal = std::string(1, c);
      parts.push_back(part);
    }
    ++i;
  }
  return TimeFormat(std::move(parts));
}

bool TimeFormat::Parse(std::string_view s, int64_t* out) const {
  core::CivilTime c;
  c.year = 1970;
  int64_t micros = 0, offset_us = 0;
  bool pm = false, has_ampm = false;
  size_t i = 0;
  for (size_t pi = 0; pi < parts_.size(); ++pi) {
    const Part& p = parts_[pi];
    // A field followed directly by another field is fixed width; otherwise read greedily.
    bool next_is_field = pi + 1 < parts_.size() && parts_[pi + 1].letter != 0;
    int maxw = next_is_field ? std::max(p.width, 1) : 9;
    int64_t v = 0;
    switch (p.letter) {
      case 0:
        if (s.substr(i, p.literal.size()) != p.literal) return false;
        i += p.literal.size();
        break;
      case 'y':
        if (!ReadNumber(s, &i, p.width == 2 ? 2 : 1, p.width == 2 ? 2 : (next_is_field ? 4 : 9), &v)) return false;
        c.year = p.width == 2 ? 2000 + v : v;
        break;
      case 'M':
        if (p.width >= 3) {
          bool found = false;
          for (int m = 0; m < 12; ++m) {
            if (s.size() >= i + 3 && strncasecmp(s.data() + i, kMonths[m], 3) == 0) {
              c.month = m + 1;
              i += 3;
              found = true;
              break;
            }
          }
          if (!found) return false;
        } else {
          if (!ReadNumber(s, &i, 1, next_is_field ? 2 : 2, &v) || v < 1 || v > 12) return false;
          c.month = static_cast<int>(v);
        }
        break;
      case 'd':
        if (!ReadNumber(s, &i, 1, 2, &v) || v < 1 || v > 31) return false;
        c.day = static_cast<int>(v);
        break;
      case 'H':
      case 'h':
        if (!ReadNumber(s, &i, 1, 2, &v) || v > 23) return false;
        c.hour = static_cast<int>(v);
        break;
      case 'm':
        if (!ReadNumber(s, &i, 1, 2, &v) || v > 59) return false;
        c.minute = static_cast<int>(v);
        break;
      case 's':
        if (!ReadNumber(s, &i, 1, 2, &v) || v > 59) return false;
        c.second = static_cast<int>(v);
        break;
      case 'S':
        if (!ReadNumber(s, &i, 1, std::min(maxw, 3), &v)) return false;
        micros += v * 1000;
        break;
      case 'U':
        if (!ReadNumber(s, &i, 1, std::min(maxw, 3), &v)) return false;
        micros += v;
        break;
      case 'N':
        if (!ReadNumber(s, &i, 1, std::min(maxw, 3), &v)) return false;
        break;
      case 'a':
        if (s.size() >= i + 2 && strncasecmp(s.data() + i, "PM", 2) == 0) {
          pm = true;
        } else if (!(s.size() >= i + 2 && strncasecmp(s.data() + i, "AM", 2) == 0)) {
          return false;
        }
        has_ampm = true;
        i += 2;
        break;
      case 'E': {
        bool found = false;
        for (int d = 0; d < 7; ++d) {
          size_t len = p.width >= 4 ? std::strlen(kDays[d]) : 3;
          if (s.size() >= i + len && strncasecmp(s.data() + i, kDays[d], len) == 0) {
            i += len;
            found = true;
            break;
          }
        }
        if (!found) return false;
        break;
      }
      case 'Z':
      case 'z': {
        if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
          ++i;
        } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
          int sign = s[i] == '-' ? -1 : 1;
          ++i;
          int64_t hh = 0, mm = 0;
          if (!ReadNumber(s, &i, 2, 2, &hh)) return false;
          if (i < s.size() && s[i] == ':') ++i;
          ReadNumber(s, &i, 2, 2, &mm);
          offset_us = sign * (hh * core::kMicrosPerHour + mm * core::kMicrosPerMinute);
        } else if (s.substr(i, 3) == "UTC" || s.substr(i, 3) == "GMT") {
          i += 3;
        } else {
          return false;
        }
        break;
      }
      default: return false;
    }
  }
  if (i != s.size()) return false;
  if (has_ampm) {
    if (c.hour == 12) c.hour = 0;
    if (pm) c.hour += 12;
  }
  if (c.day > core::DaysInMonth(c.year, c.month)) return false;
  *out = core::FromCivil(c) + micros - offset_us;
  return true;
}

void TimeFormat::Format(int64_t ts, std::string* out) const {
  core::CivilTime c = core::ToCivil(ts);
  for (const Part& p : parts_) {
    switch (p.letter) {
      case 0: out->append(p.literal); break;
      case 'y':
        if (p.width == 2) Pad(out, c.year % 100, 2);
        else Pad(out, c.year, p.width);
        break;
      case 'M':
        if (p.width >= 3) out->append(kMonths[c.month - 1]);
        else Pad(out, c.month, p.width);
        break;
      case 'd': Pad(out, c.day, p.width); break;
      case 'H': Pad(out, c.hour, p.width); break;
      case 'h': Pad(out, c.hour % 12 == 0 ? 12 : c.hour % 12, p.width); break;
      case 'm': Pad(out, c.minute, p.width); break;
      case 's': Pad(out, c.second, p.width); break;
      case 'S': Pad(out, c.micros / 1000, 3); break;
      case 'U': Pad(out, c.micros % 1000, 3); break;
      case 'N': Pad(out, 0, 3); break;
      case 'a': out->append(c.hour < 12 ? "AM" : "PM"); break;
      case 'E': {
        std::string d = kDays[core::DayOfWeek(ts) - 1];
        out->append(p.width >= 4 ? d : d.substr(0, 3));
        break;
      }
      case 'Z':
      case 'z': out->append("Z"); break;
      default: break;
    }
  }
}

}  // namespace sundial::sql
