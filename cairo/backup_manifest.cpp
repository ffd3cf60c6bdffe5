// Backup manifest: serialisation, parsing with CRC check, and whole-backup verification.
#include "cairo/backup_manifest.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "core/confined_path.h"
#include "core/crc32c.h"
#include "core/log.h"
#include "core/timestamp.h"

namespace sundial::cairo {
namespace {

constexpr std::string_view kMagicLine = "sundial-backup-manifest";

std::string Escape(std::string_view s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (c <= 0x20 || c == 0x7f || c == '%') {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool Unescape(std::string_view s, std::string* out) {
  out->clear();
  for (size_t i = 0; i < s.size(); i++) {
    if (s[i] != '%') {
      out->push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return false;
    int hi = HexDigit(s[i + 1]), lo = HexDigit(s[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

std::string Hex8(uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

std::vector<std::string_view> SplitWords(std::string_view line) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') i++;
    size_t start = i;
    while (i < line.size() && line[i] != ' ') i++;
    if (i > start) words.push_back(line.substr(start, i - start));
  }
  return words;
}

bool ParseU64(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

bool ParseI64(std::string_view s, int64_t* out) {
  bool neg = !s.empty() && s[0] == '-';
  uint64_t v;
  if (!ParseU64(neg ? s.substr(1) : s, &v)) return false;
  if (v > static_cast<uint64_t>(INT64_MAX)) return false;
  *out = neg ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
  return true;
}

bool ParseHex32(std::string_view s, uint32_t* out) {
  if (s.size() != 8) return false;
  uint32_t v = 0;
  for (char c : s) {
    int d = HexDigit(c);
    if (d < 0) return false;
    v = v * 16 + static_cast<uint32_t>(d);
  }
  *out = v;
  return true;
}

core::Status Damaged(std::string_view what, std::string_view why) {
  return core::Status::Corruption("backup manifest is damaged [file=" + std::string(what) +
                                  ", reason=" + std::string(why) + "]");
}

}  // namespace

std::string SerializeManifest(const BackupManifest& m) {
  std::string out;
  out.append(kMagicLine).append("\n");
  out.append("format_version ").append(std::to_string(m.format_version)).append("\n");
  out.append("created_us ").append(std::to_string(m.created_us)).append("\n");
  out.append("created ").append(core::FormatTimestamp(m.created_us)).append("\n");
  out.append("kind ").append(m.is_database ? "database" : "table").append("\n");
  for (const auto& t : m.tables) {
    out.append("table ").append(Escape(t.name));
    out.append(" txn ").append(std::to_string(t.txn));
    out.append(" rows ").append(std::to_string(t.row_count)).append("\n");
  }
  for (const auto& f : m.files) {
    out.append("file ").append(Escape(f.path)).append(" ");
    out.append(std::to_string(f.size_bytes)).append(" ").append(Hex8(f.crc32c)).append("\n");
  }
  uint32_t crc = core::Crc32c(out);
  out.append("crc ").append(Hex8(crc)).append("\n");
  return out;
}

core::Result<BackupManifest> ParseManifest(std::string_view bytes, std::string_view what) {
  BackupManifest m;
  // Header first: the version decides whether we may read the rest at all.
  size_t eol = bytes.find('\n');
  if (eol == std::string_view::npos || bytes.substr(0, eol) != kMagicLine) {
    return Damaged(what, "not a backup manifest");
  }
  size_t eol2 = bytes.find('\n', eol + 1);
  if (eol2 == std::string_view::npos) return Damaged(what, "truncated");
  auto version_words = SplitWords(bytes.substr(eol + 1, eol2 - eol - 1));
  uint64_t version = 0;
  if (version_words.size() != 2 || version_words[0] != "format_version" ||
      !ParseU64(version_words[1], &version) || version == 0) {
    return Damaged(what, "bad format version line");
  }
  if (version > kBackupFormatVersion) {
    return core::Status::Unsupported(
        "backup was written by a newer version of Sundial [file=" + std::string(what) +
        ", format_version=" + std::to_string(version) +
        ", supported=" + std::to_string(kBackupFormatVersion) + "]");
  }
  m.format_version = static_cast<uint32_t>(version);

  // Trailer: "crc XXXXXXXX\n" covering everything before it.
  constexpr size_t kTrailer = 4 + 8 + 1;
  if (bytes.size() < kTrailer || bytes.back() != '\n') return Damaged(what, "truncated");
  std::string_view trailer = bytes.substr(bytes.size() - kTrailer);
  uint32_t stored_crc;
  if (trailer.substr(0, 4) != "crc " || !ParseHex32(trailer.substr(4, 8), &stored_crc)) {
    return Damaged(what, "truncated");
  }
  std::string_view body = bytes.substr(0, bytes.size() - kTrailer);
  if (core::Crc32c(body) != stored_crc) return Damaged(what, "checksum mismatch");

  bool has_created = false, has_kind = false;
  size_t pos = eol2 + 1;
  while (pos < body.size()) {
    size_t end = body.find('\n', pos);
    if (end == std::string_view::npos) return Damaged(what, "unterminated line");
    auto w = SplitWords(body.substr(pos, end - pos));
    pos = end + 1;
    if (w.empty()) return Damaged(what, "empty line");
    if (w[0] == "created_us" && w.size() == 2) {
      if (!ParseI64(w[1], &m.created_us)) return Damaged(what, "bad created_us");
      has_created = true;
    } else if (w[0] == "created" && w.size() == 2) {
      // informational
    } else if (w[0] == "kind" && w.size() == 2) {
      if (w[1] != "database" && w[1] != "table") return Damaged(what, "bad kind");
      m.is_database = w[1] == "database";
      has_kind = true;
    } else if (w[0] == "table" && w.size() == 6 && w[2] == "txn" && w[4] == "rows") {
      BackupManifestTable t;
      if (!Unescape(w[1], &t.name) || !ParseU64(w[3], &t.txn) || !ParseI64(w[5], &t.row_count)) {
        return Damaged(what, "bad table line");
      }
      m.tables.push_back(std::move(t));
    } else if (w[0] == "file" && w.size() == 4) {
      BackupManifestFile f;
      if (!Unescape(w[1], &f.path) || !ParseU64(w[2], &f.size_bytes) ||
          !ParseHex32(w[3], &f.crc32c)) {
        return Damaged(what, "bad file line");
      }
      // Paths come from a file an attacker could edit: never let one escape the backup.
      if (!core::IsConfinedPath(f.path)) {
        return Damaged(what, "bad file path");
      }
      m.files.push_back(std::move(f));
    } else {
      return Damaged(what, "unknown line");
    }
  }
  if (!has_created || !has_kind) return Damaged(what, "missing header line");
  return m;
}

core::Result<uint32_t> FileCrc32c(core::File& file, uint64_t size_bytes) {
  constexpr size_t kChunk = 128 << 10;  // checksummed while still in L2 after the copy
  std::string buf(static_cast<size_t>(std::min<uint64_t>(size_bytes, kChunk)), '\0');
  uint32_t crc = 0;
  uint64_t offset = 0;
  while (offset < size_bytes) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(size_bytes - offset, kChunk));
    ASSIGN_OR_RETURN(size_t got, file.ReadAt(offset, buf.data(), n));
    if (got != n) {
      return core::Status::IOError("file shorter than expected [path=" + file.path() +
                                   ", expected=" + std::to_string(size_bytes) + "]");
    }
    crc = core::Crc32cExtend(crc, buf.data(), n);
    offset += n;
  }
  return crc;
}

core::Result<BackupManifest> VerifyBackup(core::FileSystem& fs, const std::string& dir) {
  const std::string path = core::JoinPath(dir, kBackupManifestName);
  ASSIGN_OR_RETURN(std::string bytes, fs.ReadFile(path));
  ASSIGN_OR_RETURN(BackupManifest m, ParseManifest(bytes, path));
  for (const auto& f : m.files) {
    const std::string fp = core::JoinPath(dir, f.path);
    auto file = fs.Open(fp, core::OpenMode::kRead);
    if (!file.ok()) {
      return core::Status::Corruption("backup file is missing [file=" + fp + "]");
    }
    ASSIGN_OR_RETURN(uint64_t size, (*file)->Size());
    if (size != f.size_bytes) {
      return core::Status::Corruption("backup file has the wrong size [file=" + fp +
                                      ", expected=" + std::to_string(f.size_bytes) +
                                      ", actual=" + std::to_string(size) + "]");
    }
    ASSIGN_OR_RETURN(uint32_t crc, FileCrc32c(**file, size));
    if (crc != f.crc32c) {
      return core::Status::Corruption("backup file checksum mismatch [file=" + fp + "]");
    }
  }
  return m;
}

core::Status CheckBackupFormatAtStartup(core::FileSystem& fs, const std::string& server_root) {
  const std::string path = core::JoinPath(server_root, kBackupManifestName);
  if (!fs.Exists(path)) return core::Status::Ok();
  auto bytes = fs.ReadFile(path);
  if (!bytes.ok()) {
    core::LogWarn("could not read backup manifest [file=" + path +
                  ", error=" + bytes.status().ToString() + "]");
    return core::Status::Ok();
  }
  auto m = ParseManifest(*bytes, path);
  if (!m.ok()) {
    if (m.status().code() == core::StatusCode::kUnsupported) return m.status();
    core::LogWarn("ignoring damaged backup manifest [file=" + path +
                  ", error=" + m.status().ToString() + "]");
    return core::Status::Ok();
  }
  core::LogInfo("starting on a backup [dir=" + server_root + ", created=" +
                core::FormatTimestamp(m->created_us) +
                ", tables=" + std::to_string(m->tables.size()) + "]");
  return core::Status::Ok();
}

}  // namespace sundial::cairo
