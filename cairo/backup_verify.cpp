// Backup verification against the manifest: the offline check, VERIFY BACKUP and the
// start-time check share the per-file check below.
#include "cairo/backup_verify.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <system_error>

#include "cairo/txn_file.h"
#include "core/crc32c.h"
#include "core/log.h"

namespace sundial::cairo {
namespace {

enum class EntryKind { kRegular, kSymlink, kOther };

struct DiskEntry {
  EntryKind kind = EntryKind::kRegular;
  uint64_t size = 0;
};

std::string Hex8(uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

std::string SizeText(uint64_t n) { return "size " + std::to_string(n); }
std::string CrcText(uint32_t crc) { return "crc32c " + Hex8(crc); }

EntryKind KindOf(const std::string& path, std::error_code* ec) {
  auto st = std::filesystem::symlink_status(path, *ec);
  if (st.type() == std::filesystem::file_type::symlink) return EntryKind::kSymlink;
  if (st.type() == std::filesystem::file_type::regular) return EntryKind::kRegular;
  return EntryKind::kOther;
}

// Every non-directory entry under `dir` by '/'-joined relative path. Symlinks (to directories
// too) are recorded, never followed.
core::Status Walk(core::FileSystem& fs, const std::string& dir, const std::string& prefix,
                  std::map<std::string, DiskEntry>* out) {
  ASSIGN_OR_RETURN(auto entries, fs.ListDir(dir));
  for (const auto& e : entries) {
    const std::string path = core::JoinPath(dir, e.name);
    const std::string rel = prefix.empty() ? e.name : prefix + "/" + e.name;
    std::error_code ec;
    auto st = std::filesystem::symlink_status(path, ec);
    if (ec) return core::Status::IOError("could not stat file [path=" + path + "]");
    if (st.type() == std::filesystem::file_type::directory) {
      RETURN_IF_ERROR(Walk(fs, path, rel, out));
      continue;
    }
    DiskEntry d;
    if (st.type() == std::filesystem::file_type::symlink) {
      d.kind = EntryKind::kSymlink;
    } else if (st.type() != std::filesystem::file_type::regular) {
      d.kind = EntryKind::kOther;
    } else {
      ASSIGN_OR_RETURN(d.size, fs.FileSize(path));
    }
    (*out)[rel] = d;
  }
  return core::Status::Ok();
}

// Checks one listed file, at `path` on disk, that is a regular file of `actual_size`.
void CheckRegularFile(core::FileSystem& fs, const std::string& path, const BackupManifestFile& f,
                      uint64_t actual_size, BackupCheck check,
                      std::vector<BackupProblem>* problems) {
  if (actual_size != f.size_bytes) {
    problems->push_back({f.path, SizeText(f.size_bytes), SizeText(actual_size)});
    return;
  }
  if (check != BackupCheck::kFull) return;
  auto file = fs.Open(path, core::OpenMode::kRead);
  core::Result<uint32_t> crc = file.ok() ? FileCrc32c(**file, f.size_bytes)
                                         : core::Result<uint32_t>(file.status());
  if (!crc.ok()) {
    problems->push_back({f.path, CrcText(f.crc32c), "read error: " + crc.status().message()});
  } else if (*crc != f.crc32c) {
    problems->push_back({f.path, CrcText(f.crc32c), CrcText(*crc)});
  }
}

}  // namespace

void CheckBackupFile(core::FileSystem& fs, const std::string& path, const BackupManifestFile& f,
                     BackupCheck check, std::vector<BackupProblem>* problems) {
  std::error_code ec;
  EntryKind kind = KindOf(path, &ec);
  if (ec) {
    problems->push_back({f.path, SizeText(f.size_bytes), "missing"});
    return;
  }
  if (kind != EntryKind::kRegular) {
    problems->push_back({f.path, "regular file",
                         kind == EntryKind::kSymlink ? "symlink" : "not a regular file"});
    return;
  }
  auto size = fs.FileSize(path);
  if (!size.ok()) {
    problems->push_back({f.path, SizeText(f.size_bytes), "read error: " + size.status().message()});
    return;
  }
  CheckRegularFile(fs, path, f, *size, check, problems);
}

namespace {

// Whether `bytes` ends with the trailer "crc XXXXXXXX\n" matching everything before it.
bool TrailerMatches(std::string_view bytes) {
  constexpr size_t kTrailer = 4 + 8 + 1;
  if (bytes.size() < kTrailer || bytes.substr(bytes.size() - kTrailer, 4) != "crc ") return false;
  std::string_view body = bytes.substr(0, bytes.size() - kTrailer);
  return bytes.substr(bytes.size() - kTrailer + 4, 9) == Hex8(core::Crc32c(body)) + "\n";
}

// Reads and parses the manifest. Damage: Ok with `*damage` set; other failures: the error.
core::Result<BackupManifest> ReadManifest(core::FileSystem& fs, const std::string& dir,
                                          std::vector<BackupProblem>* damage) {
  const std::string path = core::JoinPath(dir, kBackupManifestName);
  std::error_code ec;
  EntryKind kind = KindOf(path, &ec);
  if (ec || kind == EntryKind::kOther) {
    return core::Status::NotFound("not a backup, no manifest [file=" + path + "]");
  }
  if (kind == EntryKind::kSymlink) {
    return core::Status::InvalidArgument("backup manifest is a symlink [file=" + path + "]");
  }
  ASSIGN_OR_RETURN(std::string bytes, fs.ReadFile(path));
  auto m = ParseManifest(bytes, kBackupManifestName);
  if (!m.ok() && m.status().code() == core::StatusCode::kUnsupported && !TrailerMatches(bytes)) {
    // A damaged version digit reads as "newer": the checksum tells damage from a newer format.
    damage->push_back({kBackupManifestName, "valid manifest", "checksum mismatch"});
    return BackupManifest{};
  }
  if (!m.ok() && m.status().code() == core::StatusCode::kCorruption) {
    damage->push_back({kBackupManifestName, "valid manifest", m.status().message()});
    return BackupManifest{};
  }
  return m;
}

}  // namespace

bool ParseBackupCheck(std::string_view text, BackupCheck* out) {
  if (text == "none") *out = BackupCheck::kNone;
  else if (text == "size") *out = BackupCheck::kSize;
  else if (text == "full") *out = BackupCheck::kFull;
  else return false;
  return true;
}

std::string FormatBackupProblem(const BackupProblem& p) {
  return p.file + ": expected " + p.expected + ", found " + p.found;
}

core::Result<std::vector<BackupProblem>> VerifyBackupDir(core::FileSystem& fs,
                                                         const std::string& dir,
                                                         BackupCheck check) {
  std::vector<BackupProblem> problems;
  ASSIGN_OR_RETURN(BackupManifest m, ReadManifest(fs, dir, &problems));
  if (!problems.empty() || check == BackupCheck::kNone) return problems;
  std::map<std::string, DiskEntry> disk;
  RETURN_IF_ERROR(Walk(fs, dir, "", &disk));
  disk.erase(kBackupManifestName);
  for (const auto& f : m.files) {
    auto it = disk.find(f.path);
    if (it == disk.end()) {
      problems.push_back({f.path, SizeText(f.size_bytes), "missing"});
      continue;
    }
    const DiskEntry d = it->second;
    disk.erase(it);
    if (d.kind != EntryKind::kRegular) {
      problems.push_back({f.path, "regular file",
                          d.kind == EntryKind::kSymlink ? "symlink" : "not a regular file"});
      continue;
    }
    CheckRegularFile(fs, core::JoinPath(dir, f.path), f, d.size, check, &problems);
  }
  for (const auto& [path, d] : disk) problems.push_back({path, "absent", "not in manifest"});
  return problems;
}

core::Result<BackupManifest> ReadBackupManifest(core::FileSystem& fs, const std::string& dir) {
  std::vector<BackupProblem> damage;
  ASSIGN_OR_RETURN(BackupManifest m, ReadManifest(fs, dir, &damage));
  if (!damage.empty()) {
    return core::Status::Corruption("backup is damaged [file=" + damage.front().file +
                                    ", problem=" + damage.front().found + "]");
  }
  return m;
}

core::Result<std::string> ResolveBackupDir(core::FileSystem& fs, const std::string& backup_root,
                                           std::string_view name) {
  const std::string quoted = "[name=" + std::string(name) + "]";
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string_view::npos ||
      name.find('\0') != std::string_view::npos) {
    return core::Status::InvalidArgument(
        "backup name must be a directory directly inside the backup root " + quoted);
  }
  const std::string dir = core::JoinPath(backup_root, name);
  std::error_code ec;
  auto st = std::filesystem::symlink_status(dir, ec);
  if (ec || !std::filesystem::exists(st)) {
    return core::Status::NotFound("backup does not exist " + quoted);
  }
  if (st.type() == std::filesystem::file_type::symlink) {
    // Only a link to a sibling inside the root is followed.
    auto target = std::filesystem::canonical(dir, ec);
    auto root = std::filesystem::canonical(backup_root, ec);
    if (ec || target.parent_path() != root) {
      return core::Status::InvalidArgument("backup name leads out of the backup root " + quoted);
    }
  }
  if (!fs.IsDirectory(dir)) {
    return core::Status::InvalidArgument("backup name is not a directory " + quoted);
  }
  return dir;
}

core::Result<std::vector<BackupProblem>> VerifyBackupByName(core::FileSystem& fs,
                                                            const std::string& backup_root,
                                                            std::string_view name) {
  ASSIGN_OR_RETURN(std::string dir, ResolveBackupDir(fs, backup_root, name));
  return VerifyBackupDir(fs, dir, BackupCheck::kFull);
}

core::Result<std::vector<BackupProblem>> CheckBackupRootAtStartup(core::FileSystem& fs,
                                                                  const std::string& server_root,
                                                                  BackupCheck check) {
  std::vector<BackupProblem> problems;
  if (check == BackupCheck::kNone) return problems;
  if (!fs.Exists(core::JoinPath(server_root, kBackupManifestName))) return problems;
  ASSIGN_OR_RETURN(BackupManifest m, ReadManifest(fs, server_root, &problems));
  if (!problems.empty()) return problems;
  // Which table directories are still exactly as backed up.
  std::set<std::string> moved_on, listed_tables;
  const std::string txn_suffix = std::string("/") + kTxnFileName;
  for (const auto& f : m.files) {
    if (f.path.rfind("db/", 0) != 0 || f.path.size() <= txn_suffix.size() ||
        f.path.compare(f.path.size() - txn_suffix.size(), txn_suffix.size(), txn_suffix) != 0 ||
        f.path.find('/', 3) != f.path.size() - txn_suffix.size()) {
      continue;
    }
    const std::string table_dir = f.path.substr(0, f.path.size() - txn_suffix.size() + 1);
    const std::string table_name = table_dir.substr(3, table_dir.size() - 4);
    auto listed = std::find_if(m.tables.begin(), m.tables.end(),
                               [&](const BackupManifestTable& t) { return t.name == table_name; });
    if (listed == m.tables.end()) continue;  // not a table's `_txn`: checked as any file
    listed_tables.insert(table_dir);
    auto bytes = fs.ReadFile(core::JoinPath(server_root, f.path));
    if (!bytes.ok()) {
      problems.push_back({f.path, SizeText(f.size_bytes), "missing"});
      continue;
    }
    // Every well-formed `_txn` ends with its own CRC32C, so the CRC32C of the whole file is the
    // same for all of them: the txn number, not the manifest's checksum, tells them apart.
    auto current = ParseTxn(*bytes, f.path);
    if (!current.ok()) {
      problems.push_back({f.path, "txn " + std::to_string(listed->txn),
                          "damaged: " + current.status().message()});
    } else if (current->txn > listed->txn) {
      moved_on.insert(table_dir);
    } else if (current->txn < listed->txn || bytes->size() != f.size_bytes ||
               core::Crc32c(*bytes) != f.crc32c) {
      problems.push_back({f.path, "txn " + std::to_string(listed->txn) + ", " +
                                      SizeText(f.size_bytes),
                          "txn " + std::to_string(current->txn) + ", " +
                              SizeText(bytes->size())});
    }
  }
  for (const auto& t : moved_on) core::LogInfo("table changed since the backup, not checked [dir=" + t + "]");
  for (const auto& f : m.files) {
    if (f.path.rfind("db/", 0) != 0 || f.path.size() <= 3) continue;  // conf/: the operator's
    const std::string table_dir = f.path.substr(0, f.path.find('/', 3) + 1);
    const bool in_table = f.path.find('/', 3) != std::string::npos &&
                          listed_tables.count(table_dir) != 0;
    if (in_table ? moved_on.count(table_dir) != 0 : !moved_on.empty()) continue;
    if (in_table && f.path == table_dir + kTxnFileName) continue;  // checked above
    CheckBackupFile(fs, core::JoinPath(server_root, f.path), f, check, &problems);
  }
  return problems;
}

}  // namespace sundial::cairo
