#include "core/json.h"

#include <charconv>
#include <cmath>

namespace sundial::core {

void JsonAppendEscaped(std::string* out, std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s.data() + start, i - start);
    start = i + 1;
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      case '\b': out->append("\\b"); break;
      case '\f': out->append("\\f"); break;
      default:
        out->append("\\u00");
        out->push_back(kHex[c >> 4]);
        out->push_back(kHex[c & 15]);
    }
  }
  out->append(s.data() + start, s.size() - start);
}

void JsonAppendString(std::string* out, std::string_view s) {
  out->push_back('"');
  JsonAppendEscaped(out, s);
  out->push_back('"');
}

void JsonAppendInt(std::string* out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, r.ptr);
}

namespace {

// QuestDB (like Java) shows an integral double with a fraction digit: 42.0, not 42, so
// clients that tell DOUBLE from LONG by the text see the same thing.
void AppendFractionIfIntegral(std::string* out, const char* begin, const char* end) {
  for (const char* p = begin; p != end; ++p) {
    if (*p == '.' || *p == 'e' || *p == 'n' || *p == 'i') return;  // fraction, exponent, nan/inf
  }
  out->append(".0");
}

}  // namespace

void AppendShortestDouble(std::string* out, double v) {
  char buf[40];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, r.ptr);
  AppendFractionIfIntegral(out, buf, r.ptr);
}

void JsonAppendDouble(std::string* out, double v) {
  if (!std::isfinite(v)) {
    out->append("null");
    return;
  }
  AppendShortestDouble(out, v);
}

void JsonAppendFloat(std::string* out, float v) {
  if (!std::isfinite(v)) {
    out->append("null");
    return;
  }
  char buf[40];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, r.ptr);
  AppendFractionIfIntegral(out, buf, r.ptr);
}

}  // namespace sundial::core
