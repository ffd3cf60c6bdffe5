// The tolerant XML element scanner (core/xml_scan.h).
#include "core/xml_scan.h"

#include <cstdint>

#include "core/utf8.h"

namespace sundial::core {
namespace {

bool IsNameChar(char c) {
  return c != '>' && c != '/' && c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '<';
}

std::string_view LocalName(std::string_view qname) {
  size_t colon = qname.rfind(':');
  return colon == std::string_view::npos ? qname : qname.substr(colon + 1);
}

// From `pos` (just past '<'), reads a tag name.
std::string_view TagName(std::string_view xml, size_t pos) {
  size_t end = pos;
  while (end < xml.size() && IsNameChar(xml[end])) ++end;
  return xml.substr(pos, end - pos);
}

// Skips markup that is not an element (<?...?>, <!--...-->, <![CDATA[...]]>, <!DOCTYPE ...>)
// starting at `lt`; returns the position after it, or npos when unterminated.
size_t SkipSpecial(std::string_view xml, size_t lt) {
  std::string_view rest = xml.substr(lt);
  std::string_view close = rest.substr(0, 4) == "<!--"        ? "-->"
                           : rest.substr(0, 9) == "<![CDATA[" ? "]]>"
                           : rest.substr(0, 2) == "<?"        ? "?>"
                                                              : ">";
  size_t end = xml.find(close, lt + 2);
  return end == std::string_view::npos ? end : end + close.size();
}

// Finds the end tag closing an element named `qname` whose content starts at `from`, counting
// nested elements of the same name. Returns the position of its '<', or npos.
size_t FindClose(std::string_view xml, size_t from, std::string_view qname) {
  int depth = 1;
  size_t pos = from;
  while (pos < xml.size()) {
    size_t lt = xml.find('<', pos);
    if (lt == std::string_view::npos || lt + 1 >= xml.size()) return std::string_view::npos;
    char next = xml[lt + 1];
    if (next == '!' || next == '?') {
      pos = SkipSpecial(xml, lt);
      if (pos == std::string_view::npos) return pos;
      continue;
    }
    bool closing = next == '/';
    std::string_view name = TagName(xml, lt + (closing ? 2 : 1));
    size_t gt = xml.find('>', lt);
    if (gt == std::string_view::npos) return gt;
    if (name == qname) {
      if (closing) {
        if (--depth == 0) return lt;
      } else if (xml[gt - 1] != '/') {
        ++depth;
      }
    }
    pos = gt + 1;
  }
  return std::string_view::npos;
}

Status DecodeReference(std::string_view ref, std::string* out) {
  if (ref == "amp") { out->push_back('&'); return Status::Ok(); }
  if (ref == "lt") { out->push_back('<'); return Status::Ok(); }
  if (ref == "gt") { out->push_back('>'); return Status::Ok(); }
  if (ref == "quot") { out->push_back('"'); return Status::Ok(); }
  if (ref == "apos") { out->push_back('\''); return Status::Ok(); }
  if (ref.size() >= 2 && ref[0] == '#' && ref.size() <= 10) {
    const bool hex = ref[1] == 'x';
    std::string_view digits = ref.substr(hex ? 2 : 1);
    uint32_t cp = 0;
    for (char c : digits) {
      int d = c >= '0' && c <= '9'          ? c - '0'
              : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
              : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10
                                            : -1;
      if (d < 0) return Status::Corruption("xml: bad character reference");
      cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(d);
      if (cp > 0x10FFFF) break;
    }
    if (digits.empty() || cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return Status::Corruption("xml: character reference outside Unicode");
    }
    AppendUtf8(cp, out);
    return Status::Ok();
  }
  return Status::Corruption("xml: unknown entity reference");
}

}  // namespace

std::vector<std::string_view> XmlElements(std::string_view xml, std::string_view name) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < xml.size()) {
    size_t lt = xml.find('<', pos);
    if (lt == std::string_view::npos || lt + 1 >= xml.size()) break;
    char next = xml[lt + 1];
    if (next == '!' || next == '?') {
      pos = SkipSpecial(xml, lt);
      if (pos == std::string_view::npos) break;
      continue;
    }
    if (next == '/') {
      pos = lt + 2;
      continue;
    }
    std::string_view qname = TagName(xml, lt + 1);
    size_t gt = xml.find('>', lt);
    if (gt == std::string_view::npos) break;
    if (qname.empty() || LocalName(qname) != name) {
      pos = gt + 1;
      continue;
    }
    if (xml[gt - 1] == '/') {  // <name/> or <name a="b"/>
      out.push_back(xml.substr(gt, 0));
      pos = gt + 1;
      continue;
    }
    size_t close = FindClose(xml, gt + 1, qname);
    if (close == std::string_view::npos) break;  // truncated: what came before is reported
    out.push_back(xml.substr(gt + 1, close - gt - 1));
    pos = close + 2 + qname.size();
  }
  return out;
}

std::optional<std::string_view> XmlFirstElement(std::string_view xml, std::string_view name) {
  // A scan that stops at the first hit would be faster; documents here are small.
  std::vector<std::string_view> all = XmlElements(xml, name);
  if (all.empty()) return std::nullopt;
  return all.front();
}

Result<std::string> XmlText(std::string_view content) {
  std::string out;
  out.reserve(content.size());
  size_t i = 0;
  while (i < content.size()) {
    char c = content[i];
    if (c == '&') {
      size_t semi = content.find(';', i + 1);
      if (semi == std::string_view::npos || semi - i > 12) {
        return Status::Corruption("xml: unterminated entity reference");
      }
      RETURN_IF_ERROR(DecodeReference(content.substr(i + 1, semi - i - 1), &out));
      i = semi + 1;
    } else if (c == '<' && content.substr(i, 9) == "<![CDATA[") {
      size_t end = content.find("]]>", i + 9);
      if (end == std::string_view::npos) return Status::Corruption("xml: unterminated CDATA");
      out.append(content.substr(i + 9, end - i - 9));
      i = end + 3;
    } else {
      out.push_back(c);
      ++i;
    }
  }
  return out;
}

}  // namespace sundial::core
