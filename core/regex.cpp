// core/regex.cpp — a pattern parser (Java's syntax, see regex.h), a compiler to a Pike VM
// program, and the VM. The parser builds a small tree; the compiler emits instructions
// (Thompson's construction, with Split's preferred branch first so matching is leftmost-first);
// the VM keeps one thread per program counter per text position, in priority order, each with
// its capture slots, so it never backtracks and never recurses.
#include "core/regex.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <tuple>

#include "core/utf8.h"

namespace sundial::core {
namespace {

using Inst = Regex::Inst;
using CharClass = Regex::CharClass;
using Ranges = std::vector<std::pair<uint32_t, uint32_t>>;
// A predefined class's ranges and whether it is negated (\D, \P{..}).
using ClassEscape = std::optional<std::pair<Ranges, bool>>;

// Code points past Unicode: a byte that does not start a valid UTF-8 sequence reads as one
// character kInvalidBase + byte, which only `.`, negated classes and negated escapes match.
constexpr uint32_t kInvalidBase = 0x110000;
constexpr uint32_t kMaxChar = kInvalidBase + 0xFF;

enum Assertion : uint8_t {
  kBeginText,       // ^ without (?m), \A
  kEndText,         // \z
  kEndTextJava,     // $ without (?m), \Z: at the end or before a final line terminator
  kBeginLine,       // ^ with (?m)
  kEndLine,         // $ with (?m)
  kWordBoundary,    // \b
  kNotWordBoundary  // \B
};

// Decodes the character at `pos` (pos < text.size()); sets its byte length. The validity rule
// is core/utf8.h's.
uint32_t Decode(std::string_view text, size_t pos, size_t* len) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data()) + pos;
  if (s[0] < 0x80) {
    *len = 1;
    return s[0];
  }
  const size_t n = Utf8SequenceLength(text.substr(pos));
  if (n == 0) {
    *len = 1;
    return kInvalidBase + s[0];
  }
  *len = n;
  uint32_t cp = s[0] & (0x7F >> n);
  for (size_t k = 1; k < n; ++k) cp = cp << 6 | (s[k] & 0x3F);
  return cp;
}

bool IsWordByte(std::string_view text, size_t pos) {
  if (pos >= text.size()) return false;
  unsigned char c = static_cast<unsigned char>(text[pos]);
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Length of the line terminator starting at `pos` (\r\n counts as one), 0 if none.
size_t TerminatorAt(std::string_view text, size_t pos) {
  std::string_view r = text.substr(pos);
  if (r.empty()) return 0;
  if (r[0] == '\n') return 1;
  if (r[0] == '\r') return r.size() > 1 && r[1] == '\n' ? 2 : 1;
  if (r.substr(0, 2) == "\xC2\x85") return 2;
  if (r.substr(0, 3) == "\xE2\x80\xA8" || r.substr(0, 3) == "\xE2\x80\xA9") return 3;
  return 0;
}

// True if a line terminator ends just before `pos`.
bool TerminatorEndsAt(std::string_view text, size_t pos) {
  if (pos == 0) return false;
  char c = text[pos - 1];
  if (c == '\n' || c == '\r') return true;
  if (pos >= 2 && text.substr(pos - 2, 2) == "\xC2\x85") return true;
  return pos >= 3 &&
         (text.substr(pos - 3, 3) == "\xE2\x80\xA8" || text.substr(pos - 3, 3) == "\xE2\x80\xA9");
}

bool AssertionHolds(uint8_t a, std::string_view text, size_t pos) {
  const size_t n = text.size();
  const bool inside_crlf = pos > 0 && pos < n && text[pos - 1] == '\r' && text[pos] == '\n';
  switch (a) {
    case kBeginText:
      return pos == 0;
    case kEndText:
      return pos == n;
    case kEndTextJava:
      return pos == n || (TerminatorAt(text, pos) == n - pos && !inside_crlf);
    case kBeginLine:
      return pos == 0 || (pos < n && TerminatorEndsAt(text, pos) && !inside_crlf);
    case kEndLine:
      return pos == n || (TerminatorAt(text, pos) > 0 && !inside_crlf);
    case kWordBoundary:
      return (pos > 0 && IsWordByte(text, pos - 1)) != IsWordByte(text, pos);
    case kNotWordBoundary:
      return (pos > 0 && IsWordByte(text, pos - 1)) == IsWordByte(text, pos);
  }
  return false;
}

bool IsLineTerminator(uint32_t cp) {
  return cp == '\n' || cp == '\r' || cp == 0x85 || cp == 0x2028 || cp == 0x2029;
}

uint32_t FoldAscii(uint32_t cp) { return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp; }

Ranges Normalize(Ranges r) {
  std::sort(r.begin(), r.end());
  Ranges out;
  for (const auto& [lo, hi] : r) {
    if (!out.empty() && lo <= out.back().second + 1) {
      out.back().second = std::max(out.back().second, hi);
    } else {
      out.emplace_back(lo, hi);
    }
  }
  return out;
}

Ranges Complement(const Ranges& in) {
  Ranges r = Normalize(in), out;
  uint32_t next = 0;
  for (const auto& [lo, hi] : r) {
    if (lo > next) out.emplace_back(next, lo - 1);
    next = hi + 1;
  }
  if (next <= kMaxChar) out.emplace_back(next, kMaxChar);
  return out;
}

// Adds the other case of the ASCII letters in `r`.
Ranges AddAsciiCases(Ranges r) {
  Ranges extra;
  for (const auto& [lo, hi] : r) {
    for (auto [a, z, delta] :
         {std::tuple<uint32_t, uint32_t, int>{'a', 'z', -32}, {'A', 'Z', 32}}) {
      uint32_t l = std::max(lo, a), h = std::min(hi, z);
      if (l <= h) extra.emplace_back(l + delta, h + delta);
    }
  }
  r.insert(r.end(), extra.begin(), extra.end());
  return Normalize(std::move(r));
}

// The predefined classes: \d \s \w \h \v and the POSIX \p{...} names (ASCII, as Java's
// defaults). Empty if `name` is not one.
Ranges PosixRanges(std::string_view name) {
  const Ranges punct = {{'!', '/'}, {':', '@'}, {'[', '`'}, {'{', '~'}};
  if (name == "Lower") return {{'a', 'z'}};
  if (name == "Upper") return {{'A', 'Z'}};
  if (name == "ASCII") return {{0, 0x7F}};
  if (name == "Alpha") return {{'A', 'Z'}, {'a', 'z'}};
  if (name == "Digit") return {{'0', '9'}};
  if (name == "Alnum") return {{'0', '9'}, {'A', 'Z'}, {'a', 'z'}};
  if (name == "Punct") return punct;
  if (name == "Graph" || name == "Print") {
    Ranges r = punct;
    r.insert(r.end(), {{'0', '9'}, {'A', 'Z'}, {'a', 'z'}});
    if (name == "Print") r.emplace_back(' ', ' ');
    return Normalize(r);
  }
  if (name == "Blank") return {{' ', ' '}, {'\t', '\t'}};
  if (name == "Cntrl") return {{0, 0x1F}, {0x7F, 0x7F}};
  if (name == "XDigit") return {{'0', '9'}, {'A', 'F'}, {'a', 'f'}};
  if (name == "Space") return {{'\t', '\r'}, {' ', ' '}};
  return {};
}

Ranges ShorthandRanges(char c) {
  switch (c) {
    case 'd':
      return {{'0', '9'}};
    case 's':
      return {{'\t', '\r'}, {' ', ' '}};
    case 'w':
      return {{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}};
    case 'h':
      return {{' ', ' '},       {'\t', '\t'},     {0xA0, 0xA0},
              {0x1680, 0x1680}, {0x180E, 0x180E}, {0x2000, 0x200A},
              {0x202F, 0x202F}, {0x205F, 0x205F}, {0x3000, 0x3000}};
    case 'v':
      return {{'\n', '\r'}, {0x85, 0x85}, {0x2028, 0x2029}};
  }
  return {};
}

struct Node {
  enum Kind { kEmpty, kLiteral, kClass, kAny, kConcat, kAlternate, kRepeat, kGroup, kAssert };
  Kind kind = kEmpty;
  uint32_t cp = 0;
  bool fold = false;     // kLiteral
  bool dotall = false;   // kAny
  int index = -1;        // kClass: class index; kGroup: capture number (-1: not capturing)
  int min = 0, max = 0;  // kRepeat; max -1 = unbounded
  bool greedy = true;
  uint8_t assertion = 0;
  std::vector<Node> kids;
};

struct Flags {
  bool fold = false, dotall = false, multiline = false;
};

class Parser {
 public:
  Parser(std::string_view p, std::vector<CharClass>* classes,
         std::vector<std::pair<std::string, int>>* names)
      : p_(p), classes_(classes), names_(names) {}

  Result<Node> ParseAll() {
    ASSIGN_OR_RETURN(Node n, ParseAlternation());
    if (pos_ < p_.size()) return Error("unmatched closing ')'");
    return n;
  }
  int groups() const { return groups_; }

 private:
  Status Error(std::string what) const {
    return Status::InvalidArgument("invalid regex: " + what + " near index " +
                                   std::to_string(pos_));
  }
  bool AtEnd() const { return pos_ >= p_.size(); }
  char Peek(size_t k = 0) const { return pos_ + k < p_.size() ? p_[pos_ + k] : '\0'; }

  Result<Node> ParseAlternation() {
    Node alt;
    alt.kind = Node::kAlternate;
    const Flags saved = flags_;
    for (;;) {
      ASSIGN_OR_RETURN(Node branch, ParseConcat());
      alt.kids.push_back(std::move(branch));
      if (Peek() != '|' || AtEnd()) break;
      ++pos_;
    }
    flags_ = saved;  // (?i) inside a group ends with the group
    if (alt.kids.size() == 1) return std::move(alt.kids[0]);
    return alt;
  }

  Result<Node> ParseConcat() {
    Node cat;
    cat.kind = Node::kConcat;
    while (!AtEnd() && Peek() != '|' && Peek() != ')') {
      ASSIGN_OR_RETURN(std::optional<Node> atom, ParseAtom());
      if (!atom) continue;  // a flag switch such as (?i)
      ASSIGN_OR_RETURN(Node quantified, ParseQuantifiers(std::move(*atom)));
      cat.kids.push_back(std::move(quantified));
    }
    if (cat.kids.size() == 1) return std::move(cat.kids[0]);
    if (cat.kids.empty()) return Node{};
    return cat;
  }

  Result<Node> ParseQuantifiers(Node atom) {
    int min = 0, max = 0;
    char c = Peek();
    if (c == '*') {
      min = 0, max = -1;
      ++pos_;
    } else if (c == '+') {
      min = 1, max = -1;
      ++pos_;
    } else if (c == '?') {
      min = 0, max = 1;
      ++pos_;
    } else if (c == '{') {
      ++pos_;
      ASSIGN_OR_RETURN(min, ParseCount());
      max = min;
      if (Peek() == ',') {
        ++pos_;
        if (Peek() == '}') {
          max = -1;
        } else {
          ASSIGN_OR_RETURN(max, ParseCount());
        }
      }
      if (Peek() != '}') return Error("unclosed counted repetition");
      ++pos_;
      if (max != -1 && max < min) return Error("illegal repetition range");
    } else {
      return atom;
    }
    Node rep;
    rep.kind = Node::kRepeat;
    rep.min = min;
    rep.max = max;
    if (Peek() == '?') {
      rep.greedy = false;
      ++pos_;
    } else if (Peek() == '+') {
      return Error("possessive quantifiers are not supported");
    }
    rep.kids.push_back(std::move(atom));
    if (Peek() == '*' || Peek() == '+' || Peek() == '?' || Peek() == '{') {
      return Error(std::string("dangling meta character '") + Peek() + "'");
    }
    return rep;
  }

  Result<int> ParseCount() {
    if (Peek() < '0' || Peek() > '9') return Error("illegal repetition");
    int64_t v = 0;
    while (Peek() >= '0' && Peek() <= '9') {
      v = v * 10 + (Peek() - '0');
      if (v > 100000) return Error("repetition count too large");
      ++pos_;
    }
    return static_cast<int>(v);
  }

  Node Literal(uint32_t cp) const {
    Node n;
    n.kind = Node::kLiteral;
    n.cp = cp;
    n.fold = flags_.fold && ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z'));
    return n;
  }
  Node ClassNode(Ranges ranges, bool negated) {
    if (flags_.fold) ranges = AddAsciiCases(std::move(ranges));
    CharClass c;
    c.ranges = Normalize(std::move(ranges));
    c.negated = negated;
    classes_->push_back(std::move(c));
    Node n;
    n.kind = Node::kClass;
    n.index = static_cast<int>(classes_->size()) - 1;
    return n;
  }
  Node AssertNode(uint8_t a) const {
    Node n;
    n.kind = Node::kAssert;
    n.assertion = a;
    return n;
  }

  // nullopt for a flag switch that matches nothing.
  Result<std::optional<Node>> ParseAtom() {
    char c = Peek();
    switch (c) {
      case '(':
        return ParseGroup();
      case '[': {
        ++pos_;
        ASSIGN_OR_RETURN(Node n, ParseClass());
        return std::optional<Node>(std::move(n));
      }
      case '.': {
        ++pos_;
        Node n;
        n.kind = Node::kAny;
        n.dotall = flags_.dotall;
        return std::optional<Node>(std::move(n));
      }
      case '^':
        ++pos_;
        return std::optional<Node>(AssertNode(flags_.multiline ? kBeginLine : kBeginText));
      case '$':
        ++pos_;
        return std::optional<Node>(AssertNode(flags_.multiline ? kEndLine : kEndTextJava));
      case '*':
      case '+':
      case '?':
        return Error(std::string("dangling meta character '") + c + "'");
      case '{':
        return Error("illegal repetition");
      case '\\': {
        ++pos_;
        ASSIGN_OR_RETURN(Node n, ParseEscape());
        return std::optional<Node>(std::move(n));
      }
      default: {
        size_t len = 0;
        uint32_t cp = Decode(p_, pos_, &len);
        pos_ += len;
        return std::optional<Node>(Literal(cp));
      }
    }
  }

  Result<std::optional<Node>> ParseGroup() {
    // The parser, the compiler and the tree's destructor recurse once per nesting level.
    if (depth_ >= kMaxGroupDepth) {
      return Error("groups nest more than " + std::to_string(kMaxGroupDepth) + " deep");
    }
    ++depth_;
    auto g = ParseGroupBody();
    --depth_;
    return g;
  }

  Result<std::optional<Node>> ParseGroupBody() {
    ++pos_;  // '('
    Node g;
    g.kind = Node::kGroup;
    if (Peek() == '?') {
      ++pos_;
      char k = Peek();
      if (k == ':') {
        ++pos_;
      } else if (k == '<' && Peek(1) != '=' && Peek(1) != '!') {
        ++pos_;
        size_t start = pos_;
        while (!AtEnd() && Peek() != '>') {
          char n = Peek();
          bool ok = (n >= 'a' && n <= 'z') || (n >= 'A' && n <= 'Z') ||
                    (pos_ > start && n >= '0' && n <= '9');
          if (!ok) return Error("named group names are letters then digits");
          ++pos_;
        }
        if (AtEnd() || pos_ == start) return Error("bad named group");
        std::string name(p_.substr(start, pos_ - start));
        ++pos_;
        for (const auto& [existing, index] : *names_) {
          if (existing == name) return Error("named group <" + name + "> defined twice");
        }
        g.index = ++groups_;
        names_->emplace_back(std::move(name), g.index);
      } else if (k == '=' || k == '!' || k == '<') {
        return Error("lookaround is not supported");
      } else if (k == '>') {
        return Error("atomic groups are not supported");
      } else {
        // Flags: (?ims-ims) switches them for the rest of the enclosing group, (?ims-ims:X)
        // for X only.
        Flags f = flags_;
        bool on = true;
        for (;;) {
          char fc = Peek();
          if (fc == 'i') {
            f.fold = on;
          } else if (fc == 's') {
            f.dotall = on;
          } else if (fc == 'm') {
            f.multiline = on;
          } else if (fc == '-' && on) {
            on = false;
          } else {
            break;
          }
          ++pos_;
        }
        if (Peek() == ')') {
          ++pos_;
          flags_ = f;
          return std::optional<Node>();
        }
        if (Peek() != ':') return Error("unknown inline flag or group construct");
        ++pos_;
        const Flags outer = flags_;
        flags_ = f;
        ASSIGN_OR_RETURN(Node inner, ParseAlternation());
        flags_ = outer;
        if (Peek() != ')') return Error("unclosed group");
        ++pos_;
        g.kids.push_back(std::move(inner));
        return std::optional<Node>(std::move(g));
      }
    } else {
      g.index = ++groups_;
    }
    ASSIGN_OR_RETURN(Node inner, ParseAlternation());
    if (Peek() != ')' || AtEnd()) return Error("unclosed group");
    ++pos_;
    g.kids.push_back(std::move(inner));
    return std::optional<Node>(std::move(g));
  }

  Result<uint32_t> ParseHex(size_t digits) {
    uint32_t v = 0;
    for (size_t k = 0; k < digits; ++k) {
      char h = Peek();
      int d = h >= '0' && h <= '9'   ? h - '0'
              : h >= 'a' && h <= 'f' ? h - 'a' + 10
              : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                     : -1;
      if (d < 0) return Error("illegal hexadecimal escape sequence");
      v = v * 16 + static_cast<uint32_t>(d);
      ++pos_;
    }
    return v;
  }

  // An escape that stands for one character (\t, \x41, \., ...): its code point. Sets
  // `*is_char` false (and returns 0) for the letters that are classes or assertions, which the
  // caller handles.
  Result<uint32_t> ParseCharEscape(bool* is_char) {
    *is_char = true;
    if (AtEnd()) return Error("unexpected end after '\\'");
    char c = Peek();
    switch (c) {
      case 't':
        ++pos_;
        return uint32_t{'\t'};
      case 'n':
        ++pos_;
        return uint32_t{'\n'};
      case 'r':
        ++pos_;
        return uint32_t{'\r'};
      case 'f':
        ++pos_;
        return uint32_t{'\f'};
      case 'a':
        ++pos_;
        return uint32_t{7};
      case 'e':
        ++pos_;
        return uint32_t{27};
      case '0': {
        ++pos_;
        if (Peek() < '0' || Peek() > '7') return Error("illegal octal escape sequence");
        uint32_t v = 0;
        int max_digits = Peek() <= '3' ? 3 : 2;
        for (int k = 0; k < max_digits && Peek() >= '0' && Peek() <= '7'; ++k, ++pos_)
          v = v * 8 + (Peek() - '0');
        return v;
      }
      case 'x': {
        ++pos_;
        if (Peek() != '{') return ParseHex(2);
        ++pos_;
        uint32_t v = 0;
        size_t digits = 0;
        while (Peek() != '}') {
          ASSIGN_OR_RETURN(uint32_t d, ParseHex(1));
          v = v * 16 + d;
          if (++digits > 6 || v > 0x10FFFF) return Error("hexadecimal code point is out of range");
        }
        if (digits == 0) return Error("illegal hexadecimal escape sequence");
        ++pos_;
        return v;
      }
      case 'u':
        ++pos_;
        return ParseHex(4);
      case 'c': {
        ++pos_;
        if (AtEnd()) return Error("illegal control escape sequence");
        return static_cast<uint32_t>(static_cast<unsigned char>(p_[pos_++]) ^ 64);
      }
    }
    if ((c >= '1' && c <= '9') || c == 'k') return Error("backreferences are not supported");
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      *is_char = false;
      return uint32_t{0};
    }
    size_t len = 0;
    uint32_t cp = Decode(p_, pos_, &len);
    pos_ += len;
    return cp;
  }

  // After '\\', outside a class.
  Result<Node> ParseEscape() {
    bool is_char = false;
    ASSIGN_OR_RETURN(uint32_t cp, ParseCharEscape(&is_char));
    if (is_char) return Literal(cp);
    char c = Peek();
    ++pos_;
    switch (c) {
      case 'b':
        return AssertNode(kWordBoundary);
      case 'B':
        return AssertNode(kNotWordBoundary);
      case 'A':
        return AssertNode(kBeginText);
      case 'z':
        return AssertNode(kEndText);
      case 'Z':
        return AssertNode(kEndTextJava);
      case 'Q': {
        Node cat;
        cat.kind = Node::kConcat;
        size_t end = p_.find("\\E", pos_);
        std::string_view quoted =
            p_.substr(pos_, end == std::string_view::npos ? std::string_view::npos : end - pos_);
        for (size_t k = 0; k < quoted.size();) {
          size_t len = 0;
          cat.kids.push_back(Literal(Decode(quoted, k, &len)));
          k += len;
        }
        pos_ = end == std::string_view::npos ? p_.size() : end + 2;
        return cat;
      }
    }
    --pos_;
    ASSIGN_OR_RETURN(ClassEscape cls, ParseClassEscape());
    if (!cls) return Error(std::string("illegal/unsupported escape sequence \\") + c);
    return ClassNode(std::move(cls->first), cls->second);
  }

  // \d \D \s \S \w \W \h \H \v \V \p{..} \P{..} at pos_ (after the backslash): ranges and
  // whether they are negated; nullopt if the letter is none of them (pos_ unchanged).
  Result<ClassEscape> ParseClassEscape() {
    char c = Peek();
    char lower = static_cast<char>(c | 0x20);
    bool negated = c >= 'A' && c <= 'Z';
    if (lower == 'd' || lower == 's' || lower == 'w' || lower == 'h' || lower == 'v') {
      ++pos_;
      return ClassEscape({ShorthandRanges(lower), negated});
    }
    if (lower == 'p') {
      ++pos_;
      std::string name;
      if (Peek() == '{') {
        size_t end = p_.find('}', pos_);
        if (end == std::string_view::npos) return Error("unclosed character family");
        name = std::string(p_.substr(pos_ + 1, end - pos_ - 1));
        pos_ = end + 1;
      } else if (!AtEnd()) {
        name = std::string(1, p_[pos_++]);
      }
      if (name.size() > 2 && name.compare(0, 2, "Is") == 0) name = name.substr(2);
      Ranges r = PosixRanges(name);
      if (r.empty()) return Error("unsupported character family {" + name + "}");
      return ClassEscape({std::move(r), negated});
    }
    return ClassEscape();
  }

  // After '['.
  Result<Node> ParseClass() {
    bool negated = false;
    if (Peek() == '^') {
      negated = true;
      ++pos_;
    }
    Ranges ranges;
    bool first = true;
    for (;;) {
      if (AtEnd()) return Error("unclosed character class");
      char c = Peek();
      if (c == ']' && !first) {
        ++pos_;
        break;
      }
      first = false;
      if (c == '[') return Error("nested character classes are not supported");
      if (c == '&' && Peek(1) == '&') return Error("character class intersection is not supported");
      uint32_t lo = 0;
      if (c == '\\') {
        ++pos_;
        bool is_char = false;
        ASSIGN_OR_RETURN(lo, ParseCharEscape(&is_char));
        if (!is_char) {
          ASSIGN_OR_RETURN(ClassEscape cls, ParseClassEscape());
          if (!cls) return Error(std::string("illegal/unsupported escape sequence \\") + Peek());
          Ranges add = cls->second ? Complement(cls->first) : cls->first;
          ranges.insert(ranges.end(), add.begin(), add.end());
          continue;
        }
      } else {
        size_t len = 0;
        lo = Decode(p_, pos_, &len);
        pos_ += len;
      }
      uint32_t hi = lo;
      if (Peek() == '-' && Peek(1) != ']' && pos_ + 1 < p_.size()) {
        ++pos_;
        if (Peek() == '[') return Error("nested character classes are not supported");
        if (Peek() == '\\') {
          ++pos_;
          bool is_char = false;
          ASSIGN_OR_RETURN(hi, ParseCharEscape(&is_char));
          if (!is_char) return Error("illegal character range");
        } else {
          size_t len = 0;
          hi = Decode(p_, pos_, &len);
          pos_ += len;
        }
        if (hi < lo) return Error("illegal character range");
      }
      ranges.emplace_back(lo, hi);
    }
    return ClassNode(std::move(ranges), negated);
  }

  std::string_view p_;
  size_t pos_ = 0;
  static constexpr int kMaxGroupDepth = 100;
  int groups_ = 0;
  int depth_ = 0;
  Flags flags_;
  std::vector<CharClass>* classes_;
  std::vector<std::pair<std::string, int>>* names_;
};

// Instructions `n` compiles to, saturating past the cap.
size_t ProgramSize(const Node& n) {
  constexpr size_t kCap = Regex::kMaxInstructions + 1;
  switch (n.kind) {
    case Node::kEmpty:
      return 0;
    case Node::kLiteral:
    case Node::kClass:
    case Node::kAny:
    case Node::kAssert:
      return 1;
    case Node::kGroup:
      return std::min(kCap, ProgramSize(n.kids[0]) + (n.index >= 0 ? 2 : 0));
    case Node::kConcat:
    case Node::kAlternate: {
      size_t s = 0;
      for (const Node& k : n.kids) s = std::min(kCap, s + ProgramSize(k) + 2);
      return s;
    }
    case Node::kRepeat: {
      size_t body = ProgramSize(n.kids[0]);
      size_t copies = static_cast<size_t>(n.max == -1 ? n.min + 1 : n.max);
      return std::min(kCap, copies * (body + 2) + 2);
    }
  }
  return kCap;
}

bool CanMatchEmpty(const Node& n) {
  switch (n.kind) {
    case Node::kEmpty:
    case Node::kAssert:
      return true;
    case Node::kLiteral:
    case Node::kClass:
    case Node::kAny:
      return false;
    case Node::kGroup:
      return CanMatchEmpty(n.kids[0]);
    case Node::kConcat:
      return std::all_of(n.kids.begin(), n.kids.end(),
                         [](const Node& k) { return CanMatchEmpty(k); });
    case Node::kAlternate:
      return std::any_of(n.kids.begin(), n.kids.end(),
                         [](const Node& k) { return CanMatchEmpty(k); });
    case Node::kRepeat:
      return n.min == 0 || CanMatchEmpty(n.kids[0]);
  }
  return true;
}

class Compiler {
 public:
  // Loop slots are numbered from *next_slot (after the capture slots).
  Compiler(std::vector<Inst>* out, int32_t* next_slot) : out_(out), next_slot_(next_slot) {}

  void Emit(const Node& n) {
    switch (n.kind) {
      case Node::kEmpty:
        return;
      case Node::kLiteral: {
        Inst& i = (*out_)[Add(Inst::kChar)];
        i.cp = n.fold ? FoldAscii(n.cp) : n.cp;
        i.fold = n.fold;
        return;
      }
      case Node::kClass:
        (*out_)[Add(Inst::kClass)].x = n.index;
        return;
      case Node::kAny:
        Add(n.dotall ? Inst::kAny : Inst::kAnyButNewline);
        return;
      case Node::kAssert:
        (*out_)[Add(Inst::kAssert)].assertion = n.assertion;
        return;
      case Node::kGroup:
        if (n.index >= 0) Save(2 * n.index);
        Emit(n.kids[0]);
        if (n.index >= 0) Save(2 * n.index + 1);
        return;
      case Node::kConcat:
        for (const Node& k : n.kids) Emit(k);
        return;
      case Node::kAlternate: {
        std::vector<size_t> jumps;
        for (size_t k = 0; k < n.kids.size(); ++k) {
          if (k + 1 < n.kids.size()) {
            size_t split = Add(Inst::kSplit);
            (*out_)[split].x = Here();
            Emit(n.kids[k]);
            jumps.push_back(Add(Inst::kJmp));
            (*out_)[split].y = Here();
          } else {
            Emit(n.kids[k]);
          }
        }
        for (size_t j : jumps) (*out_)[j].x = Here();
        return;
      }
      case Node::kRepeat: {
        const Node& body = n.kids[0];
        for (int k = 0; k < n.min; ++k) Emit(body);
        if (n.max == -1) {
          // L: split body, out; body; jmp L; out:
          // When the body can match empty, Java leaves the loop after an iteration that
          // consumed nothing (rather than trying that iteration's other ways): save the
          // position at the iteration's start and check it at its end.
          const bool check = CanMatchEmpty(body);
          const int32_t slot = check ? (*next_slot_)++ : 0;
          size_t split = Add(Inst::kSplit);
          int body_at = Here();
          if (check) Save(slot);
          Emit(body);
          size_t back = Add(check ? Inst::kLoopCheck : Inst::kJmp);
          (*out_)[back].x = static_cast<int32_t>(split);
          (*out_)[back].slot = slot;
          Branch(split, body_at, Here(), n.greedy);
          (*out_)[back].y = Here();
          return;
        }
        // Each optional copy: split body, end.
        std::vector<size_t> splits;
        for (int k = n.min; k < n.max; ++k) {
          size_t split = Add(Inst::kSplit);
          splits.push_back(split);
          (*out_)[split].x = Here();
          Emit(body);
        }
        for (size_t s : splits) Branch(s, (*out_)[s].x, Here(), n.greedy);
        return;
      }
    }
  }
  void Save(int slot) {
    size_t i = Add(Inst::kSave);
    (*out_)[i].x = slot;
  }
  size_t Add(Inst::Op op) {
    Inst i;
    i.op = op;
    out_->push_back(i);
    return out_->size() - 1;
  }
  int32_t Here() const { return static_cast<int32_t>(out_->size()); }

 private:
  void Branch(size_t split, int32_t body, int32_t out, bool greedy) {
    (*out_)[split].x = greedy ? body : out;
    (*out_)[split].y = greedy ? out : body;
  }
  std::vector<Inst>* out_;
  int32_t* next_slot_;
};

// One step's threads in priority order, each with its capture slots.
// Sized once per call for the program (a list holds each pc at most once), so adding a
// thread is two stores, not a vector's growth check.
struct ThreadList {
  std::vector<int32_t> pcs;
  std::vector<int64_t> caps;  // count × slots
  size_t count = 0;
  void Reserve(size_t program_size, size_t slots) {
    if (pcs.size() < program_size) pcs.resize(program_size);
    if (caps.size() < program_size * slots) caps.resize(program_size * slots);
  }
  void Clear() { count = 0; }
  bool empty() const { return count == 0; }
};

}  // namespace

bool Regex::CharClass::Matches(uint32_t cp) const {
  auto it = std::upper_bound(
      ranges.begin(), ranges.end(), cp,
      [](uint32_t v, const std::pair<uint32_t, uint32_t>& r) { return v < r.first; });
  bool in = it != ranges.begin() && cp <= std::prev(it)->second;
  return in != negated;
}

Result<Regex> Regex::Compile(std::string_view pattern) {
  Regex re;
  Parser parser(pattern, &re.classes_, &re.names_);
  ASSIGN_OR_RETURN(Node root, parser.ParseAll());
  if (ProgramSize(root) + 3 > kMaxInstructions) {
    return Status::InvalidArgument("invalid regex: the pattern is too large (more than " +
                                   std::to_string(kMaxInstructions) + " instructions)");
  }
  re.groups_ = parser.groups();
  int32_t next_slot = 2 * (re.groups_ + 1);
  Compiler c(&re.program_, &next_slot);
  c.Save(0);
  c.Emit(root);
  c.Save(1);
  c.Add(Inst::kMatch);
  re.slots_ = static_cast<size_t>(next_slot);
  // What every match starts with: the instructions after Save 0 up to the first one that can
  // branch, fail without consuming or fold case.
  for (size_t pc = 1; pc < re.program_.size(); ++pc) {
    const Inst& in = re.program_[pc];
    if (in.op == Inst::kSave) continue;
    if (pc == 1 && in.op == Inst::kAssert && in.assertion == kBeginText) {
      re.anchored_ = true;
      continue;
    }
    if (in.op != Inst::kChar || in.fold || in.cp >= kInvalidBase) break;
    AppendUtf8(in.cp, &re.prefix_);
  }
  return re;
}

Result<bool> Regex::Run(std::string_view text, size_t from, bool want_groups,
                        std::vector<int64_t>* groups, uint64_t* steps_left) const {
  const size_t slots = slots_;
  const size_t n = text.size();
  // The VM's memory, kept per thread across calls (a search per row must not allocate).
  // mark[pc] == the step whose list already holds pc; steps only grow, so marks left by
  // earlier calls (of any pattern) never match a current step.
  struct Frame {
    int32_t pc;  // -1: restore caps[slot] = value
    int32_t slot;
    int64_t value;
  };
  struct Scratch {
    ThreadList lists[2];
    std::vector<uint64_t> mark;
    uint64_t step = 0;
    std::vector<int64_t> work, thread_caps, matched_caps;
    std::vector<Frame> stack;
  };
  thread_local Scratch scratch;
  Scratch& sc = scratch;
  if (sc.mark.size() < program_.size()) sc.mark.resize(program_.size(), 0);
  std::vector<uint64_t>& mark = sc.mark;
  ThreadList* cur = &sc.lists[0];
  ThreadList* next = &sc.lists[1];
  cur->Reserve(program_.size(), slots);
  next->Reserve(program_.size(), slots);
  cur->Clear();
  next->Clear();
  uint64_t step = ++sc.step;
  std::vector<int64_t>& work = sc.work;
  work.assign(slots, -1);
  std::vector<int64_t>& matched_caps = sc.matched_caps;
  bool matched = false;
  // A pc expanded (once per list) pops one frame and pushes at most two; a loop check pops
  // one and pushes one: the stack never holds more than the program's size + 1 frames.
  if (sc.stack.size() < 4 * program_.size() + 8) sc.stack.resize(4 * program_.size() + 8);
  Frame* const stack = sc.stack.data();
  // Leaves the step counter past every id this call used.
  struct StepSaver {
    Scratch& sc;
    uint64_t& step;
    ~StepSaver() { sc.step = step + 1; }
  } step_saver{sc, step};
  // Follows the instructions that consume nothing from `pc` at `pos` (with `caps`, which it
  // restores before returning) and appends the threads that wait for a character, in priority
  // order, to `list`.
  auto add = [&](ThreadList* list, uint64_t id, int32_t pc0, size_t pos,
                 std::vector<int64_t>& caps) {
    size_t sp = 0;
    const auto push = [&](int32_t pc, int32_t slot, int64_t value) {
      stack[sp++] = {pc, slot, value};
    };
    stack[sp++] = {pc0, 0, 0};
    while (sp > 0) {
      --*steps_left;
      const Frame f = stack[--sp];
      if (f.pc < 0) {
        caps[static_cast<size_t>(f.slot)] = f.value;
        continue;
      }
      const Inst& in = program_[static_cast<size_t>(f.pc)];
      // A loop's check is not deduplicated: where it leads depends on the arriving thread's
      // saved position, and it can only be reached through instructions that are.
      if (in.op != Inst::kLoopCheck) {
        if (mark[static_cast<size_t>(f.pc)] == id) continue;
        mark[static_cast<size_t>(f.pc)] = id;
      }
      switch (in.op) {
        case Inst::kJmp:
          push(in.x, 0, 0);
          break;
        case Inst::kSplit:
          push(in.y, 0, 0);
          push(in.x, 0, 0);
          break;
        case Inst::kSave:
          push(-1, in.x, caps[static_cast<size_t>(in.x)]);
          caps[static_cast<size_t>(in.x)] = static_cast<int64_t>(pos);
          push(f.pc + 1, 0, 0);
          break;
        case Inst::kLoopCheck:
          push(caps[static_cast<size_t>(in.slot)] == static_cast<int64_t>(pos) ? in.y : in.x, 0, 0);
          break;
        case Inst::kAssert:
          if (AssertionHolds(in.assertion, text, pos)) push(f.pc + 1, 0, 0);
          break;
        default:
          list->pcs[list->count] = f.pc;
          std::copy(caps.begin(), caps.end(),
                    list->caps.begin() + static_cast<std::ptrdiff_t>(list->count * slots));
          ++list->count;
          break;
      }
    }
  };

  std::vector<int64_t>& thread_caps = sc.thread_caps;
  thread_caps.resize(slots);
  const auto too_much = [] {
    return Status::ResourceExhausted("regex needs more than " + std::to_string(kMaxSteps) +
                                     " steps for this text: use a simpler pattern or shorter text");
  };
  for (size_t pos = from;;) {
    // Steps are counted down without a check in the loops (unsigned wrap-around is caught
    // here): a character's work is at most a few times the program's size.
    if (*steps_left > kMaxSteps) return too_much();
    if (!matched && cur->empty()) {
      // No thread alive: the next match starts where the prefix does, or nowhere.
      if (anchored_ && pos > 0) break;
      if (!prefix_.empty()) {
        size_t p = text.find(prefix_, pos);
        if (p == std::string_view::npos) break;
        if (p != pos) {
          pos = p;
          ++step;
        }
      }
    }
    // A new thread starts here unless a match was found or the prefix cannot start here.
    if (!matched && (prefix_.empty() || (pos < n && text[pos] == prefix_[0]))) {
      std::fill(work.begin(), work.end(), -1);
      add(cur, step, 0, pos, work);
    }
    if (cur->empty()) {
      if (matched || pos >= n) break;
      size_t len = 0;
      Decode(text, pos, &len);
      pos += len;
      ++step;
      continue;
    }
    size_t len = 0;
    const uint32_t cp = pos < n ? Decode(text, pos, &len) : 0;
    next->Clear();
    const uint64_t next_step = step + 1;
    *steps_left -= std::min<uint64_t>(*steps_left, cur->count);
    for (size_t t = 0; t < cur->count; ++t) {
      const Inst& in = program_[static_cast<size_t>(cur->pcs[t])];
      const int64_t* tc = cur->caps.data() + t * slots;
      bool ok = false;
      switch (in.op) {
        case Inst::kMatch:
          if (!want_groups) return true;
          matched = true;
          matched_caps.assign(tc, tc + 2 * (static_cast<size_t>(groups_) + 1));
          t = cur->count;  // threads of lower priority lose to this match
          continue;
        case Inst::kChar:
          ok = pos < n && (in.fold ? FoldAscii(cp) == in.cp : cp == in.cp);
          break;
        case Inst::kClass:
          ok = pos < n && classes_[static_cast<size_t>(in.x)].Matches(cp);
          break;
        case Inst::kAny:
          ok = pos < n;
          break;
        case Inst::kAnyButNewline:
          ok = pos < n && !IsLineTerminator(cp);
          break;
        default:
          break;
      }
      if (ok) {
        thread_caps.assign(tc, tc + slots);
        add(next, next_step, cur->pcs[static_cast<size_t>(t)] + 1, pos + len, thread_caps);
      }
    }
    std::swap(cur, next);
    step = next_step;
    if (pos >= n) {
      // The threads just added (none: nothing consumes past the end) are done.
      if (cur->empty()) break;
    }
    pos += len;
    if (pos > n) break;
  }
  if (*steps_left > kMaxSteps) return too_much();
  if (!matched) return false;
  if (groups) groups->assign(matched_caps.begin(), matched_caps.end());
  return true;
}

Result<bool> Regex::Search(std::string_view text) const {
  uint64_t steps = kMaxSteps;
  return Run(text, 0, false, nullptr, &steps);
}

Result<bool> Regex::Find(std::string_view text, size_t from, std::vector<int64_t>* groups) const {
  if (from > text.size()) return false;
  uint64_t steps = kMaxSteps;
  return Run(text, from, true, groups, &steps);
}

Result<std::string> Regex::ReplaceAll(std::string_view text, std::string_view replacement) const {
  // The replacement as literal pieces and group references (group -1: literal).
  struct Piece {
    std::string literal;
    int group = -1;
  };
  std::vector<Piece> pieces;
  auto literal = [&](char c) {
    if (pieces.empty() || pieces.back().group >= 0) pieces.push_back({});
    pieces.back().literal.push_back(c);
  };
  for (size_t k = 0; k < replacement.size();) {
    char c = replacement[k];
    if (c == '\\') {
      if (k + 1 >= replacement.size()) {
        return Status::InvalidArgument("character to be escaped is missing in the replacement");
      }
      literal(replacement[k + 1]);
      k += 2;
      continue;
    }
    if (c != '$') {
      literal(c);
      ++k;
      continue;
    }
    ++k;
    if (k >= replacement.size())
      return Status::InvalidArgument("illegal group reference: group index is missing");
    int group = 0;
    if (replacement[k] == '{') {
      size_t end = replacement.find('}', k);
      if (end == std::string_view::npos)
        return Status::InvalidArgument("named capturing group is missing trailing '}'");
      std::string_view name = replacement.substr(k + 1, end - k - 1);
      auto it = std::find_if(names_.begin(), names_.end(),
                             [&](const auto& e) { return e.first == name; });
      if (it == names_.end())
        return Status::InvalidArgument("no group with name {" + std::string(name) + "}");
      group = it->second;
      k = end + 1;
    } else {
      if (replacement[k] < '0' || replacement[k] > '9') {
        return Status::InvalidArgument("illegal group reference in the replacement");
      }
      group = replacement[k++] - '0';
      if (group > groups_) return Status::InvalidArgument("no group " + std::to_string(group));
      // Java takes further digits while the number stays a group of the pattern.
      while (k < replacement.size() && replacement[k] >= '0' && replacement[k] <= '9') {
        int more = group * 10 + (replacement[k] - '0');
        if (more > groups_) break;
        group = more;
        ++k;
      }
    }
    pieces.push_back({{}, group});
  }

  std::string out;
  std::vector<int64_t> g;
  size_t from = 0, copied = 0;
  uint64_t steps = kMaxSteps;  // for the whole replacement
  for (;;) {
    if (from > text.size()) break;
    ASSIGN_OR_RETURN(bool found, Run(text, from, true, &g, &steps));
    if (!found) break;
    size_t start = static_cast<size_t>(g[0]), end = static_cast<size_t>(g[1]);
    out.append(text.substr(copied, start - copied));
    for (const Piece& p : pieces) {
      if (p.group < 0) {
        out.append(p.literal);
      } else if (g[2 * static_cast<size_t>(p.group)] >= 0) {
        size_t b = static_cast<size_t>(g[2 * static_cast<size_t>(p.group)]);
        size_t e = static_cast<size_t>(g[2 * static_cast<size_t>(p.group) + 1]);
        out.append(text.substr(b, e - b));
      }
    }
    copied = end;
    if (end == start) {
      // After an empty match the next search starts one character further on.
      if (end >= text.size()) break;
      size_t len = 0;
      Decode(text, end, &len);
      from = end + len;
    } else {
      from = end;
    }
  }
  out.append(text.substr(copied));
  return out;
}

}  // namespace sundial::core
