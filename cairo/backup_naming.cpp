// Backup directory names from a date pattern, with collision suffixes.
#include "cairo/backup_naming.h"

#include <cstdio>

#include "core/timestamp.h"

namespace sundial::cairo {
namespace {

constexpr const char* kMonthShort[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr const char* kMonthLong[] = {"January", "February", "March",     "April",
                                      "May",     "June",     "July",      "August",
                                      "September", "October", "November", "December"};
constexpr const char* kDayShort[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

void AppendPadded(std::string* out, int64_t v, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*lld", width, static_cast<long long>(v));
  out->append(buf);
}

bool IsPatternLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

}  // namespace

std::string FormatBackupDirName(std::string_view pattern, int64_t now_us) {
  const core::CivilTime t = core::ToCivil(now_us);
  std::string out;
  size_t i = 0;
  while (i < pattern.size()) {
    char c = pattern[i];
    if (c == '\'') {
      if (i + 1 < pattern.size() && pattern[i + 1] == '\'') {
        out.push_back('\'');
        i += 2;
        continue;
      }
      // Quoted literal text; inside it '' is one quote.
      i++;
      while (i < pattern.size()) {
        if (pattern[i] == '\'') {
          if (i + 1 < pattern.size() && pattern[i + 1] == '\'') {
            out.push_back('\'');
            i += 2;
            continue;
          }
          i++;
          break;
        }
        out.push_back(pattern[i++]);
      }
      continue;
    }
    if (!IsPatternLetter(c)) {
      out.push_back(c);
      i++;
      continue;
    }
    size_t n = 1;
    while (i + n < pattern.size() && pattern[i + n] == c) n++;
    int w = static_cast<int>(n);
    switch (c) {
      case 'y':
        if (n == 2) {
          AppendPadded(&out, ((t.year % 100) + 100) % 100, 2);
        } else {
          AppendPadded(&out, t.year, w);
        }
        break;
      case 'M':
        if (n >= 4) {
          out.append(kMonthLong[t.month - 1]);
        } else if (n == 3) {
          out.append(kMonthShort[t.month - 1]);
        } else {
          AppendPadded(&out, t.month, w);
        }
        break;
      case 'd': AppendPadded(&out, t.day, w); break;
      case 'H': AppendPadded(&out, t.hour, w); break;
      case 'm': AppendPadded(&out, t.minute, w); break;
      case 's': AppendPadded(&out, t.second, w); break;
      case 'S': AppendPadded(&out, t.micros / 1000, w < 3 ? w : 3); break;
      case 'U': AppendPadded(&out, t.micros, 6); break;
      case 'E': out.append(kDayShort[core::DayOfWeek(now_us) - 1]); break;
      default: out.append(pattern.substr(i, n)); break;  // unknown letters stay as written
    }
    i += n;
  }
  for (char& ch : out) {
    if (ch == '/' || ch == '\\' || static_cast<unsigned char>(ch) < 0x20) ch = '-';
  }
  if (out.find_first_not_of('.') == std::string::npos) out = "backup";
  return out;
}

std::string PickBackupDirName(core::FileSystem& fs, const std::string& root,
                              const std::string& base, std::string_view reserved) {
  return PickBackupName(base, [&](const std::string& name) {
    return name == reserved || fs.Exists(core::JoinPath(root, name));
  });
}

std::string PickBackupName(const std::string& base,
                           const std::function<bool(const std::string&)>& is_taken) {
  std::string name = base;
  for (uint64_t n = 1;; n++) {
    if (!is_taken(name)) return name;
    name = base + "." + std::to_string(n);
  }
}

}  // namespace sundial::cairo
