#include "core/json.h"

#include <charconv>
#include <cmath>

#include "core/number_format.h"
#include "core/utf8.h"

namespace sundial::core {

void JsonAppendEscaped(std::string* out, std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      // Valid UTF-8 is copied as it is; anything else becomes U+FFFD, so the output is
      // always valid JSON text whatever a column holds.
      size_t n = Utf8SequenceLength(s.substr(i));
      if (n > 0) {
        i += n - 1;
        continue;
      }
      out->append(s.data() + start, i - start);
      start = i + 1;
      out->append("\\ufffd");
      continue;
    }
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

void JsonAppendDouble(std::string* out, double v) {
  if (!std::isfinite(v)) {
    out->append("null");
    return;
  }
  AppendDouble(out, v);
}

void JsonAppendFloat(std::string* out, float v) {
  if (!std::isfinite(v)) {
    out->append("null");
    return;
  }
  AppendFloat(out, v);
}

}  // namespace sundial::core
