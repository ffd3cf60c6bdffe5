// RestoreBackupArchive: see backup_unpack.h.
#include "cairo/backup_unpack.h"

#include <unistd.h>

#include <map>
#include <vector>

#include "cairo/backup_verify.h"
#include "core/crc32c.h"
#include "core/timestamp.h"

namespace sundial::cairo {
namespace {

struct Received {
  uint64_t size = 0;
  uint32_t crc = 0;
};

// Writes the current member's data to `path` (must not exist), returning its size and CRC.
core::Result<Received> WriteMember(core::FileSystem& fs, core::TarReader& archive,
                                   const std::string& path, std::string* buf) {
  ASSIGN_OR_RETURN(auto out, fs.Open(path, core::OpenMode::kCreateExclusive));
  Received r;
  for (;;) {
    ASSIGN_OR_RETURN(size_t n, archive.ReadData(buf->data(), buf->size()));
    if (n == 0) return r;
    RETURN_IF_ERROR(out->WriteAt(r.size, buf->data(), n));
    r.crc = core::Crc32cExtend(r.crc, buf->data(), n);
    r.size += n;
  }
}

// Every difference between what arrived and the manifest, as VERIFY BACKUP words them.
std::vector<BackupProblem> Compare(const BackupManifest& m, std::map<std::string, Received> got) {
  std::vector<BackupProblem> problems;
  char hex[16];
  for (const BackupManifestFile& f : m.files) {
    auto it = got.find(f.path);
    if (it == got.end()) {
      problems.push_back({f.path, "size " + std::to_string(f.size_bytes), "missing"});
      continue;
    }
    if (it->second.size != f.size_bytes) {
      problems.push_back({f.path, "size " + std::to_string(f.size_bytes),
                          "size " + std::to_string(it->second.size)});
    } else if (it->second.crc != f.crc32c) {
      std::snprintf(hex, sizeof(hex), "%08x", f.crc32c);
      std::string expected = std::string("crc32c ") + hex;
      std::snprintf(hex, sizeof(hex), "%08x", it->second.crc);
      problems.push_back({f.path, expected, std::string("crc32c ") + hex});
    }
    got.erase(it);
  }
  for (const auto& [path, r] : got) problems.push_back({path, "absent", "not in manifest"});
  return problems;
}

core::Result<RestoreResult> Unpack(core::FileSystem& fs, core::TarReader& archive,
                                   const std::string& staging) {
  std::map<std::string, Received> got;
  std::string manifest_text;
  bool have_manifest = false;
  std::string buf(1 << 20, '\0');
  core::TarEntry e;
  for (;;) {
    ASSIGN_OR_RETURN(bool more, archive.Next(&e));
    if (!more) break;
    const std::string path = core::JoinPath(staging, e.path);
    if (e.type == core::TarEntryType::kDirectory) {
      RETURN_IF_ERROR(fs.CreateDirs(path));
      continue;
    }
    if (e.path == kBackupManifestName) {
      if (e.size > (256u << 20)) return core::Status::Corruption("backup.manifest is too large");
      manifest_text.resize(static_cast<size_t>(e.size));
      size_t off = 0;
      while (off < manifest_text.size()) {
        ASSIGN_OR_RETURN(size_t n,
                         archive.ReadData(manifest_text.data() + off, manifest_text.size() - off));
        off += n;
      }
      have_manifest = true;
      continue;
    }
    if (got.count(e.path) > 0) {
      return core::Status::InvalidArgument("archive holds a file twice [path=" + e.path + "]");
    }
    RETURN_IF_ERROR(fs.CreateDirs(std::string(core::DirName(path))));
    ASSIGN_OR_RETURN(got[e.path], WriteMember(fs, archive, path, &buf));
  }
  if (!have_manifest) {
    return core::Status::Corruption(
        "archive holds no backup.manifest: not a backup, or the stream was cut short");
  }
  RestoreResult result;
  ASSIGN_OR_RETURN(result.manifest, ParseManifest(manifest_text, "backup.manifest"));
  for (const auto& [p, r] : got) {
    result.files++;
    result.bytes += r.size;
  }
  std::vector<BackupProblem> problems = Compare(result.manifest, std::move(got));
  if (!problems.empty()) {
    std::string what = FormatBackupProblem(problems.front());
    if (problems.size() > 1) what += " (and " + std::to_string(problems.size() - 1) + " more)";
    return core::Status::Corruption("archive does not match its manifest: " + what);
  }
  ASSIGN_OR_RETURN(auto m, fs.Open(core::JoinPath(staging, kBackupManifestName),
                                   core::OpenMode::kCreateExclusive));
  RETURN_IF_ERROR(m->WriteAt(0, manifest_text.data(), manifest_text.size()));
  return result;
}

}  // namespace

core::Result<RestoreResult> RestoreBackupArchive(core::FileSystem& fs, core::TarReader& archive,
                                                 const std::string& dir) {
  std::string target = dir;
  while (target.size() > 1 && target.back() == '/') target.pop_back();
  if (target.empty()) return core::Status::InvalidArgument("restore needs a target directory");
  if (fs.Exists(target)) {
    return core::Status::AlreadyExists("restore target already exists [dir=" + target + "]");
  }
  const std::string parent(core::DirName(target));
  if (!parent.empty()) RETURN_IF_ERROR(fs.CreateDirs(parent));
  const std::string staging = target + ".restore-" + std::to_string(::getpid()) + "-" +
                              std::to_string(core::RealtimeMicros());
  RETURN_IF_ERROR(fs.CreateDir(staging));
  auto result = Unpack(fs, archive, staging);
  core::Status st = result.ok() ? fs.SyncAll() : result.status();
  if (st.ok() && fs.Exists(target)) {
    st = core::Status::AlreadyExists("restore target appeared meanwhile [dir=" + target + "]");
  }
  if (st.ok()) st = fs.Rename(staging, target);
  if (st.ok()) st = fs.SyncDir(parent.empty() ? "." : parent);
  if (!st.ok()) {
    (void)fs.RemoveAll(staging);
    return st;
  }
  return result;
}

}  // namespace sundial::cairo
