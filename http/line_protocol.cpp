#include "http/line_protocol.h"

#include <charconv>
#include <cstring>
#include <limits>

namespace sundial::http {
namespace {

constexpr size_t kMaxValuesPerLine = 2048;

// Characters a backslash may escape in names and tag values.
inline bool IsNameEscapable(char c) {
  return c == ' ' || c == ',' || c == '=' || c == '\\' || c == '"' || c == '\n';
}

// Finds the end of the current (logical) line for error recovery: the first '\n' that is not
// escaped and not inside a string. Returns `end` if there is none.
char* SkipToLineEnd(char* p, char* end) {
  // Fast path: no backslash and no quote before the first newline.
  {
    char* nl = static_cast<char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    char* lim = nl ? nl : end;
    size_t n = static_cast<size_t>(lim - p);
    if (std::memchr(p, '\\', n) == nullptr && std::memchr(p, '"', n) == nullptr) return lim;
  }
  // A string starts with '"' right after '=' and ends at the next unescaped '"'.
  bool in_string = false;
  char prev = 0;
  while (p < end) {
    char c = *p;
    if (c == '\\' && p + 1 < end) {
      prev = p[1];
      p += 2;
      continue;
    }
    if (in_string) {
      if (c == '"') in_string = false;
    } else if (c == '"' && prev == '=') {
      in_string = true;
    } else if (c == '\n') {
      return p;
    }
    prev = c;
    ++p;
  }
  return end;
}

// Stop-character tables: a name ends at one of these (backslash starts the escape path).
struct StopTables {
  bool measurement[256] = {};
  bool key[256] = {};
  bool value[256] = {};  // unquoted field value / timestamp
  StopTables() {
    for (unsigned char c : {' ', ',', '\n', '\r', '\\'}) measurement[c] = key[c] = true;
    key[static_cast<unsigned char>('=')] = true;
    for (unsigned char c : {' ', ',', '\r'}) value[c] = true;
  }
};
const StopTables kStop;

// Reads a name (unescaping in place) up to a delimiter. Returns the position of the delimiter
// (or end), and sets *out. Delimiters: measurement and tag value ' ' ','; key also '='.
inline char* ReadName(char* p, char* end, const bool* stop, std::string_view* out) {
  char* start = p;
  while (p < end && !stop[static_cast<unsigned char>(*p)]) ++p;
  if (p >= end || *p != '\\') {
    *out = std::string_view(start, static_cast<size_t>(p - start));
    return p;
  }
  char* w = p;
  while (p < end) {
    char c = *p;
    if (c == '\\') {
      if (p + 1 < end && IsNameEscapable(p[1])) {
        *w++ = p[1];
        p += 2;
      } else {
        *w++ = c;
        ++p;
      }
      continue;
    }
    if (stop[static_cast<unsigned char>(c)]) break;
    *w++ = c;
    ++p;
  }
  *out = std::string_view(start, static_cast<size_t>(w - start));
  return p;
}

inline bool FastDouble(std::string_view v, double* out) {
  const char* e = v.data() + v.size();
  return ScanPlainDecimal(v.data(), e, out) == e;
}

bool IsBool(std::string_view v, bool* out) {
  switch (v.size()) {
    case 1:
      if (v[0] == 't' || v[0] == 'T') return *out = true, true;
      if (v[0] == 'f' || v[0] == 'F') return *out = false, true;
      return false;
    case 4:
      if (v == "true" || v == "True" || v == "TRUE") return *out = true, true;
      return false;
    case 5:
      if (v == "false" || v == "False" || v == "FALSE") return *out = false, true;
      return false;
    default:
      return false;
  }
}

bool ParseInt(std::string_view v, int64_t* out) {
  if (!v.empty() && v[0] == '+') v.remove_prefix(1);
  if (v.empty()) return false;
  auto r = std::from_chars(v.data(), v.data() + v.size(), *out);
  return r.ec == std::errc() && r.ptr == v.data() + v.size();
}

bool ParseDouble(std::string_view v, double* out) {
  if (!v.empty() && v[0] == '+') v.remove_prefix(1);
  if (v.empty()) return false;
  auto r = std::from_chars(v.data(), v.data() + v.size(), *out, std::chars_format::general);
  if (r.ec == std::errc::result_out_of_range) {
    // Overflow gives ±inf, underflow 0, as strtod would.
    bool neg = v[0] == '-';
    size_t e = v.find_first_of("eE");
    bool tiny = e != std::string_view::npos && e + 1 < v.size() && v[e + 1] == '-';
    *out = tiny ? (neg ? -0.0 : 0.0)
                : (neg ? -std::numeric_limits<double>::infinity()
                       : std::numeric_limits<double>::infinity());
    return r.ptr == v.data() + v.size();
  }
  return r.ec == std::errc() && r.ptr == v.data() + v.size();
}

}  // namespace

std::string_view IlpTypeName(IlpType t) {
  switch (t) {
    case IlpType::kTag: return "SYMBOL";
    case IlpType::kDouble: return "FLOAT";
    case IlpType::kLong: return "INTEGER";
    case IlpType::kBool: return "BOOLEAN";
    case IlpType::kString: return "STRING";
    case IlpType::kTimestamp: return "TIMESTAMP";
  }
  return "?";
}

bool ParseIlpPrecision(std::string_view s, IlpPrecision* out) {
  if (s == "n" || s == "ns") *out = IlpPrecision::kNanos;
  else if (s == "u" || s == "us") *out = IlpPrecision::kMicros;
  else if (s == "ms") *out = IlpPrecision::kMillis;
  else if (s == "s") *out = IlpPrecision::kSeconds;
  else if (s == "m") *out = IlpPrecision::kMinutes;
  else if (s == "h") *out = IlpPrecision::kHours;
  else return false;
  return true;
}

bool IlpTimestampToMicros(int64_t v, IlpPrecision p, int64_t* out) {
  int64_t mult = 1;
  switch (p) {
    case IlpPrecision::kNanos:
      *out = v >= 0 ? v / 1000 : -((-(v + 1)) / 1000) - 1;  // floor
      return true;
    case IlpPrecision::kMicros: *out = v; return true;
    case IlpPrecision::kMillis: mult = 1000; break;
    case IlpPrecision::kSeconds: mult = 1'000'000; break;
    case IlpPrecision::kMinutes: mult = 60'000'000; break;
    case IlpPrecision::kHours: mult = 3'600'000'000LL; break;
  }
  if (v > std::numeric_limits<int64_t>::max() / mult ||
      v < std::numeric_limits<int64_t>::min() / mult) {
    return false;
  }
  *out = v * mult;
  return true;
}

char* EndOfCompleteLines(char* p, char* end) {
  const size_t n = static_cast<size_t>(end - p);
  if (std::memchr(p, '"', n) == nullptr && std::memchr(p, '\\', n) == nullptr) {
    // No strings and no escapes: every newline ends a line.
    void* nl = memrchr(p, '\n', n);
    return nl != nullptr ? static_cast<char*>(nl) + 1 : p;
  }
  char* done = p;
  while (p < end) {
    // As Parse() sees a line: leading blanks, then an empty line, a comment or a line.
    char* q = p;
    while (q < end && (*q == ' ' || *q == '\t' || *q == '\r')) ++q;
    char* nl = nullptr;
    if (q < end && *q == '\n') {
      nl = q;
    } else if (q < end && *q == '#') {
      nl = static_cast<char*>(std::memchr(q, '\n', static_cast<size_t>(end - q)));
    } else if (q < end) {
      nl = SkipToLineEnd(q, end);
      if (nl == end) nl = nullptr;
    }
    if (nl == nullptr) break;
    done = p = nl + 1;
  }
  return done;
}

LineParser::Outcome LineParser::Parse(char* p, char* end, bool at_eof, IlpLine* line,
                                      char** next) {
  // Blank lines, comments.
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\r')) ++p;
  if (p < end && *p == '\n') {
    *next = p + 1;
    return Outcome::kSkip;
  }
  if (p == end) {
    if (!at_eof) return Outcome::kIncomplete;
    *next = end;
    return Outcome::kSkip;
  }
  if (*p == '#') {
    char* nl = static_cast<char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    if (nl == nullptr && !at_eof) return Outcome::kIncomplete;
    *next = nl ? nl + 1 : end;
    return Outcome::kSkip;
  }
  // A complete line is needed before parsing in place (for TCP, where bytes trickle in):
  // without a terminator, the caller waits. SkipToLineEnd honours escapes and strings.
  char* line_end = SkipToLineEnd(p, end);
  if (line_end == end && !at_eof) return Outcome::kIncomplete;
  char* const after_line = line_end < end ? line_end + 1 : end;
  end = line_end;  // parse within [p, line_end)
  auto fail = [&](const char* msg) {
    error_ = msg;
    *next = after_line;
    return Outcome::kError;
  };

  line->values.clear();
  line->has_timestamp = false;
  line->timestamp = 0;

  p = ReadName(p, end, kStop.measurement, &line->table);
  if (line->table.empty()) return fail("table name is empty");
  // Tags.
  while (p < end && *p == ',') {
    ++p;
    std::string_view key, value;
    p = ReadName(p, end, kStop.key, &key);
    if (key.empty()) return fail("tag name is empty");
    if (p >= end || *p != '=') return fail("tag value expected (missing '=')");
    ++p;
    p = ReadName(p, end, kStop.measurement, &value);
    if (value.empty()) return fail("tag value is empty");
    if (line->values.size() >= kMaxValuesPerLine) return fail("too many columns in one line");
    IlpValue& v = line->values.emplace_back();
    v.name = key;
    v.type = IlpType::kTag;
    v.s = value;
  }
  if (p < end && *p == '\r') ++p;
  if (p >= end) {
    // Tags only, no fields and no timestamp.
    if (line->values.empty()) return fail("no fields and no tags");
    *next = after_line;
    return Outcome::kLine;
  }
  if (*p != ' ') return fail("unexpected character after table name or tags");
  while (p < end && *p == ' ') ++p;
  // Fields.
  for (;;) {
    if (p >= end || *p == '\r') return fail("field expected");
    std::string_view key;
    p = ReadName(p, end, kStop.key, &key);
    if (key.empty()) return fail("field name is empty");
    if (p >= end || *p != '=') return fail("field value expected (missing '=')");
    ++p;
    if (line->values.size() >= kMaxValuesPerLine) return fail("too many columns in one line");
    IlpValue& v = line->values.emplace_back();
    v.name = key;
    if (p < end && *p == '"') {
      // String: \" \\ and backslash-newline are escapes; other backslashes are literal.
      ++p;
      char* start = p;
      char* w = p;
      bool closed = false;
      while (p < end) {
        char c = *p;
        if (c == '\\' && p + 1 < end && (p[1] == '"' || p[1] == '\\' || p[1] == '\n')) {
          *w++ = p[1];
          p += 2;
          continue;
        }
        if (c == '"') {
          closed = true;
          ++p;
          break;
        }
        *w++ = c;
        ++p;
      }
      if (!closed) return fail("unterminated string field value");
      v.type = IlpType::kString;
      v.s = std::string_view(start, static_cast<size_t>(w - start));
    } else {
      // Fast path for the common plain decimal ("-12.34"): parsed while scanning.
      if (const char* q = ScanPlainDecimal(p, end, &v.d);
          q != nullptr && (q == end || kStop.value[static_cast<unsigned char>(*q)])) {
        v.type = IlpType::kDouble;
        p += q - p;
        if (p < end && *p == ',') {
          ++p;
          continue;
        }
        break;
      }
      char* start = p;
      while (p < end && !kStop.value[static_cast<unsigned char>(*p)]) ++p;
      std::string_view tok(start, static_cast<size_t>(p - start));
      if (tok.empty()) return fail("field value is empty");
      char last = tok.back();
      if (IsBool(tok, &v.b)) {
        v.type = IlpType::kBool;
      } else if (last == 'i' || last == 'u') {
        v.type = IlpType::kLong;
        if (!ParseInt(tok.substr(0, tok.size() - 1), &v.i)) return fail("invalid integer field value");
      } else if (last == 't') {
        v.type = IlpType::kTimestamp;
        if (!ParseInt(tok.substr(0, tok.size() - 1), &v.i)) return fail("invalid timestamp field value");
      } else {
        v.type = IlpType::kDouble;
        if (!FastDouble(tok, &v.d) && !ParseDouble(tok, &v.d)) return fail("invalid field value");
      }
    }
    if (p < end && *p == ',') {
      ++p;
      continue;
    }
    break;
  }
  if (p < end && *p == ' ') {
    while (p < end && *p == ' ') ++p;
    if (p < end && *p != '\r') {
      char* start = p;
      while (p < end && *p != ' ' && *p != '\r') ++p;
      std::string_view tok(start, static_cast<size_t>(p - start));
      if (!ParseInt(tok, &line->timestamp)) return fail("invalid timestamp");
      line->has_timestamp = true;
      while (p < end && *p == ' ') ++p;
    }
  }
  if (p < end && *p == '\r') ++p;
  if (p != end) return fail("unexpected character after field values");
  *next = after_line;
  return Outcome::kLine;
}

}  // namespace sundial::http
