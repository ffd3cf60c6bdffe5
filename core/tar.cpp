// core/tar.cpp — see tar.h. Header layout (POSIX ustar, 512 bytes):
//   name 0..100 | mode 100..108 | uid 108 | gid 116 | size 124..136 | mtime 136..148 |
//   chksum 148..156 | typeflag 156 | linkname 157..257 | magic 257..263 | version 263..265 |
//   uname 265 | gname 297 | devmajor 329 | devminor 337 | prefix 345..500
#include "core/tar.h"

#include <algorithm>
#include <cstring>
#include <optional>

#include "core/confined_path.h"

namespace sundial::core {
namespace {

constexpr size_t kNameLen = 100;
constexpr size_t kPrefixLen = 155;
constexpr uint64_t kMaxOctalSize = 077777777777ull;  // 11 octal digits: 8 GiB - 1
constexpr size_t kMaxPaxBytes = 1 << 20;
constexpr size_t kMaxPathBytes = 4096;

void PutOctal(char* field, size_t width, uint64_t value) {
  // width-1 digits, zero-filled, then NUL.
  for (size_t i = width - 1; i-- > 0;) {
    field[i] = static_cast<char>('0' + (value & 7));
    value >>= 3;
  }
  field[width - 1] = '\0';
}

void PutString(char* field, size_t width, std::string_view s) {
  if (!s.empty()) std::memcpy(field, s.data(), std::min(width, s.size()));  // data() may be null
}

// One pax record "<len> <key>=<value>\n", where len counts the whole record.
std::string PaxRecord(std::string_view key, std::string_view value) {
  const size_t body = 1 + key.size() + 1 + value.size() + 1;
  size_t len = body + 1;
  while (std::to_string(len).size() + body != len) len = std::to_string(len).size() + body;
  return std::to_string(len) + " " + std::string(key) + "=" + std::string(value) + "\n";
}

std::string UstarBlock(std::string_view name, std::string_view prefix, char type, uint64_t size,
                       uint32_t mode, int64_t mtime) {
  std::string b(kTarBlockSize, '\0');
  PutString(&b[0], kNameLen, name);
  PutOctal(&b[100], 8, mode & 07777);
  PutOctal(&b[108], 8, 0);
  PutOctal(&b[116], 8, 0);
  PutOctal(&b[124], 12, size);
  PutOctal(&b[136], 12, static_cast<uint64_t>(std::max<int64_t>(0, mtime)));
  b[156] = type;
  std::memcpy(&b[257],
              "ustar\0"
              "00",
              8);
  PutString(&b[345], kPrefixLen, prefix);
  std::memset(&b[148], ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : b) sum += c;
  PutOctal(&b[148], 7, sum);  // six digits, NUL, and the space already there
  return b;
}

// Splits `path` into ustar's prefix and name fields at a '/', if it fits.
bool SplitUstarPath(std::string_view path, std::string_view* prefix, std::string_view* name) {
  if (path.size() <= kNameLen) {
    *prefix = {};
    *name = path;
    return true;
  }
  for (size_t slash = path.find('/'); slash != std::string_view::npos;
       slash = path.find('/', slash + 1)) {
    if (slash <= kPrefixLen && path.size() - slash - 1 <= kNameLen && slash + 1 < path.size()) {
      *prefix = path.substr(0, slash);
      *name = path.substr(slash + 1);
      return true;
    }
  }
  return false;
}

bool AllZero(const char* p, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (p[i] != 0) return false;
  }
  return true;
}

// A NUL-terminated (or full-width) text field.
std::string_view Field(const char* p, size_t width) { return {p, strnlen(p, width)}; }

// An octal number field (leading spaces, digits, then spaces or NULs), or GNU base-256 (first
// byte 0x80) for a non-negative value.
std::optional<uint64_t> ParseNumber(const char* p, size_t width) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  if (u[0] == 0x80) {
    uint64_t v = 0;
    for (size_t i = 1; i < width; ++i) {
      if (v >> 56) return std::nullopt;
      v = (v << 8) | u[i];
    }
    return v;
  }
  size_t i = 0;
  while (i < width && p[i] == ' ') ++i;
  uint64_t v = 0;
  size_t digits = 0;
  for (; i < width && p[i] >= '0' && p[i] <= '7'; ++i, ++digits) {
    if (v >> 61) return std::nullopt;
    v = v * 8 + static_cast<uint64_t>(p[i] - '0');
  }
  for (; i < width; ++i) {
    if (p[i] != ' ' && p[i] != '\0') return std::nullopt;
  }
  if (digits == 0) return std::nullopt;
  return v;
}

std::optional<uint64_t> ParseDecimal(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

struct PaxValues {
  std::optional<std::string> path;
  std::optional<uint64_t> size;
  std::optional<int64_t> mtime;
};

// Parses pax records; `global` ('g') headers may not set the path or size.
Status ParsePax(std::string_view text, bool global, PaxValues* out, uint64_t at) {
  const std::string where = " [offset=" + std::to_string(at) + "]";
  while (!text.empty()) {
    const size_t sp = text.find(' ');
    if (sp == std::string_view::npos) return Status::Corruption("malformed pax record" + where);
    auto len = ParseDecimal(text.substr(0, sp));
    if (!len || *len <= sp + 1 || *len > text.size() || text[*len - 1] != '\n') {
      return Status::Corruption("malformed pax record" + where);
    }
    std::string_view rec = text.substr(sp + 1, *len - sp - 2);
    text.remove_prefix(*len);
    const size_t eq = rec.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return Status::Corruption("malformed pax record" + where);
    }
    std::string_view key = rec.substr(0, eq), value = rec.substr(eq + 1);
    if (key == "path" || key == "size") {
      if (global) {
        return Status::InvalidArgument("unsupported global pax header setting " + std::string(key) +
                                       where);
      }
      if (key == "path") {
        out->path = std::string(value);
      } else {
        out->size = ParseDecimal(value);
        if (!out->size) return Status::Corruption("malformed pax size" + where);
      }
    } else if (key == "mtime") {
      auto secs = ParseDecimal(value.substr(0, value.find('.')));
      if (secs) out->mtime = static_cast<int64_t>(*secs);
    }
    // Other keys (atime, uid, uname, vendor extensions, ...) do not matter here.
  }
  return Status::Ok();
}

}  // namespace

std::string TarHeader(const TarEntry& entry) {
  const bool dir = entry.type == TarEntryType::kDirectory;
  const std::string path = dir ? entry.path + "/" : entry.path;
  const uint64_t size = dir ? 0 : entry.size;
  std::string_view prefix, name;
  std::string pax;
  if (!SplitUstarPath(path, &prefix, &name)) {
    pax += PaxRecord("path", path);
    prefix = {};
    name = std::string_view(path).substr(0, kNameLen);
  }
  if (size > kMaxOctalSize) pax += PaxRecord("size", std::to_string(size));
  std::string out;
  if (!pax.empty()) {
    const size_t slash = entry.path.rfind('/');
    std::string pax_name =
        "PaxHeader/" + (slash == std::string::npos ? entry.path : entry.path.substr(slash + 1));
    out += UstarBlock(std::string_view(pax_name).substr(0, kNameLen), {}, 'x', pax.size(), 0644,
                      entry.mtime);
    out += pax;
    out.append(TarPadding(pax.size()), '\0');
  }
  out += UstarBlock(name, prefix, dir ? '5' : '0', size > kMaxOctalSize ? 0 : size, entry.mode,
                    entry.mtime);
  return out;
}

std::string TarEnd() { return std::string(2 * kTarBlockSize, '\0'); }

Status TarReader::ReadExact(char* buf, size_t n, std::string_view what) {
  size_t got = 0;
  while (got < n) {
    ASSIGN_OR_RETURN(size_t r, read_(buf + got, n - got));
    if (r == 0) {
      return Status::Corruption("tar archive is truncated: it ends inside " + std::string(what) +
                                " [offset=" + std::to_string(offset_ + got) + "]");
    }
    got += r;
  }
  offset_ += n;
  return Status::Ok();
}

Status TarReader::Skip(uint64_t n) {
  char buf[8192];
  while (n > 0) {
    const size_t k = static_cast<size_t>(std::min<uint64_t>(n, sizeof(buf)));
    RETURN_IF_ERROR(ReadExact(buf, k, "member data"));
    n -= k;
  }
  return Status::Ok();
}

Result<std::string> TarReader::ReadMemberText(uint64_t size, size_t limit, std::string_view what) {
  if (size > limit) {
    return Status::Corruption(std::string(what) + " is too large [offset=" +
                              std::to_string(offset_) + ", size=" + std::to_string(size) + "]");
  }
  std::string text(static_cast<size_t>(size), '\0');
  RETURN_IF_ERROR(ReadExact(text.data(), text.size(), what));
  RETURN_IF_ERROR(Skip(TarPadding(size)));
  return text;
}

Result<bool> TarReader::Next(TarEntry* entry) {
  if (ended_) return false;
  RETURN_IF_ERROR(Skip(data_left_ + pad_left_));
  data_left_ = 0;
  pad_left_ = 0;
  PaxValues pax;
  std::optional<std::string> gnu_long_name;
  char h[kTarBlockSize];
  for (;;) {
    const uint64_t at = offset_;
    const std::string where = " [offset=" + std::to_string(at) + "]";
    RETURN_IF_ERROR(ReadExact(h, sizeof(h), "a header"));
    if (AllZero(h, sizeof(h))) {
      // End of archive: a second zero block (or, as GNU tar accepts, the end of the input).
      ASSIGN_OR_RETURN(size_t r, read_(h, sizeof(h)));
      if (r > 0) {
        size_t got = r;
        while (got < sizeof(h)) {
          ASSIGN_OR_RETURN(size_t more, read_(h + got, sizeof(h) - got));
          if (more == 0) break;
          got += more;
        }
        offset_ += got;
        if (!AllZero(h, got))
          return Status::Corruption("tar header is damaged (zero block)" + where);
      }
      ended_ = true;
      return false;
    }
    auto chk = ParseNumber(h + 148, 8);
    unsigned usum = 0;
    int ssum = 0;
    for (size_t i = 0; i < sizeof(h); ++i) {
      const char c = (i >= 148 && i < 156) ? ' ' : h[i];
      usum += static_cast<unsigned char>(c);
      ssum += static_cast<signed char>(c);
    }
    if (!chk || (*chk != usum && static_cast<int64_t>(*chk) != ssum)) {
      return Status::Corruption("tar header is damaged (checksum mismatch)" + where);
    }
    const bool posix = std::memcmp(h + 257,
                                   "ustar\0"
                                   "00",
                                   8) == 0;
    const bool gnu = std::memcmp(h + 257, "ustar  \0", 8) == 0;
    if (!posix && !gnu) return Status::Corruption("not a ustar or pax tar header (magic)" + where);
    auto size = ParseNumber(h + 124, 12);
    auto mode = ParseNumber(h + 100, 8);
    auto mtime = ParseNumber(h + 136, 12);
    if (!size || !mode || !mtime) {
      return Status::Corruption("tar header is damaged (a numeric field)" + where);
    }
    const char type = h[156];
    if (type == 'x' || type == 'g') {
      ASSIGN_OR_RETURN(std::string text, ReadMemberText(*size, kMaxPaxBytes, "a pax header"));
      RETURN_IF_ERROR(ParsePax(text, type == 'g', &pax, at));
      continue;
    }
    if (type == 'L') {
      ASSIGN_OR_RETURN(std::string text, ReadMemberText(*size, kMaxPathBytes, "a long name"));
      gnu_long_name = std::string(Field(text.data(), text.size()));
      continue;
    }
    TarEntry e;
    if (type == '0' || type == '\0' || type == '7') {
      e.type = TarEntryType::kFile;
    } else if (type == '5') {
      e.type = TarEntryType::kDirectory;
    } else {
      const char* what = type == '1' || type == '2' || type == 'K' ? "a link"
                         : type == '3' || type == '4'              ? "a device"
                         : type == '6'                             ? "a FIFO"
                                                                   : "an unsupported entry type";
      return Status::InvalidArgument(std::string("tar member is ") + what + ", only files and " +
                                     "directories are allowed [type=" +
                                     std::string(1, type >= 0x20 && type < 0x7f ? type : '?') +
                                     ", path=" + std::string(Field(h, kNameLen)) + "]" + where);
    }
    std::string path;
    if (pax.path) {
      path = *pax.path;
    } else if (gnu_long_name) {
      path = *gnu_long_name;
    } else {
      std::string_view prefix = posix ? Field(h + 345, kPrefixLen) : std::string_view();
      path = prefix.empty() ? std::string(Field(h, kNameLen))
                            : std::string(prefix) + "/" + std::string(Field(h, kNameLen));
    }
    while (path.size() >= 2 && path.compare(0, 2, "./") == 0) path.erase(0, 2);
    while (!path.empty() && path.back() == '/') {
      if (e.type != TarEntryType::kDirectory) {
        return Status::InvalidArgument("unsafe path in tar archive [path=" + path + "]" + where);
      }
      path.pop_back();
    }
    e.size = pax.size ? *pax.size : *size;
    e.mode = static_cast<uint32_t>(*mode & 07777);
    e.mtime = pax.mtime ? *pax.mtime : static_cast<int64_t>(*mtime);
    data_left_ = e.size;
    pad_left_ = TarPadding(e.size);
    if ((path.empty() || path == ".") && e.type == TarEntryType::kDirectory) {  // "./" itself
      pax = PaxValues();
      gnu_long_name.reset();
      RETURN_IF_ERROR(Skip(data_left_ + pad_left_));
      data_left_ = pad_left_ = 0;
      continue;
    }
    if (path.size() > kMaxPathBytes || !IsConfinedPath(path)) {
      return Status::InvalidArgument("unsafe path in tar archive [path=" + path + "]" + where);
    }
    if (e.type == TarEntryType::kDirectory) {
      e.size = 0;  // a directory's data (GNU dumpdir) is skipped by the next Next()
    }
    e.path = std::move(path);
    *entry = std::move(e);
    return true;
  }
}

Result<size_t> TarReader::ReadData(char* buf, size_t n) {
  if (data_left_ == 0) return size_t{0};
  const size_t k = static_cast<size_t>(std::min<uint64_t>(n, data_left_));
  RETURN_IF_ERROR(ReadExact(buf, k, "member data"));
  data_left_ -= k;
  return k;
}

}  // namespace sundial::core
