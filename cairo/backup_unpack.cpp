// RestoreStaging and RestoreBackupArchive: see backup_unpack.h.
#include "cairo/backup_unpack.h"

#include <unistd.h>

#include <vector>

#include "cairo/backup_verify.h"
#include "core/confined_path.h"
#include "core/crc32c.h"
#include "core/timestamp.h"

namespace sundial::cairo {
namespace {

struct Seen {
  uint64_t size = 0;
  uint32_t crc = 0;
};

// Every difference between what arrived and the manifest, as VERIFY BACKUP words them.
std::vector<BackupProblem> Compare(const BackupManifest& m, std::map<std::string, Seen> got) {
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

}  // namespace

core::Result<std::unique_ptr<RestoreStaging>> RestoreStaging::Begin(core::FileSystem& fs,
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
  return std::unique_ptr<RestoreStaging>(new RestoreStaging(fs, target, staging));
}

RestoreStaging::~RestoreStaging() {
  current_.reset();
  if (!is_done_) (void)fs_.RemoveAll(staging_);
}

core::Status RestoreStaging::MakeDir(const std::string& relative) {
  if (!core::IsConfinedPath(relative)) {
    return core::Status::InvalidArgument("unsafe path in backup [path=" + relative + "]");
  }
  return fs_.CreateDirs(core::JoinPath(staging_, relative));
}

core::Status RestoreStaging::BeginFile(const std::string& relative) {
  if (!core::IsConfinedPath(relative) || relative == kBackupManifestName) {
    return core::Status::InvalidArgument("unsafe path in backup [path=" + relative + "]");
  }
  if (got_.count(relative) > 0) {
    return core::Status::InvalidArgument("backup holds a file twice [path=" + relative + "]");
  }
  const std::string path = core::JoinPath(staging_, relative);
  RETURN_IF_ERROR(fs_.CreateDirs(std::string(core::DirName(path))));
  ASSIGN_OR_RETURN(current_, fs_.Open(path, core::OpenMode::kCreateExclusive));
  current_received_ = &got_[relative];
  return core::Status::Ok();
}

core::Status RestoreStaging::Append(std::string_view bytes) {
  if (current_ == nullptr) return core::Status::Internal("restore: data outside a file");
  RETURN_IF_ERROR(current_->WriteAt(current_received_->size, bytes.data(), bytes.size()));
  current_received_->crc = core::Crc32cExtend(current_received_->crc, bytes.data(), bytes.size());
  current_received_->size += bytes.size();
  return core::Status::Ok();
}

void RestoreStaging::EndFile() {
  current_.reset();
  current_received_ = nullptr;
}

core::Result<RestoreResult> RestoreStaging::Finish(std::string_view manifest_text) {
  EndFile();
  RestoreResult result;
  ASSIGN_OR_RETURN(result.manifest, ParseManifest(manifest_text, kBackupManifestName));
  std::map<std::string, Seen> seen;
  for (const auto& [p, r] : got_) {
    seen[p] = {r.size, r.crc};
    result.files++;
    result.bytes += r.size;
  }
  std::vector<BackupProblem> problems = Compare(result.manifest, std::move(seen));
  if (!problems.empty()) {
    std::string what = FormatBackupProblem(problems.front());
    if (problems.size() > 1) what += " (and " + std::to_string(problems.size() - 1) + " more)";
    return core::Status::Corruption("backup does not match its manifest: " + what);
  }
  {
    ASSIGN_OR_RETURN(auto m, fs_.Open(core::JoinPath(staging_, kBackupManifestName),
                                      core::OpenMode::kCreateExclusive));
    RETURN_IF_ERROR(m->WriteAt(0, manifest_text.data(), manifest_text.size()));
  }
  RETURN_IF_ERROR(fs_.SyncAll());
  if (fs_.Exists(target_)) {
    return core::Status::AlreadyExists("restore target appeared meanwhile [dir=" + target_ + "]");
  }
  RETURN_IF_ERROR(fs_.Rename(staging_, target_));
  is_done_ = true;
  const std::string parent(core::DirName(target_));
  RETURN_IF_ERROR(fs_.SyncDir(parent.empty() ? "." : parent));
  return result;
}

core::Result<RestoreResult> RestoreBackupArchive(core::FileSystem& fs, core::TarReader& archive,
                                                 const std::string& dir) {
  ASSIGN_OR_RETURN(std::unique_ptr<RestoreStaging> staging, RestoreStaging::Begin(fs, dir));
  std::string manifest_text;
  bool have_manifest = false;
  std::string buf(1 << 20, '\0');
  core::TarEntry e;
  for (;;) {
    ASSIGN_OR_RETURN(bool more, archive.Next(&e));
    if (!more) break;
    if (e.type == core::TarEntryType::kDirectory) {
      RETURN_IF_ERROR(staging->MakeDir(e.path));
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
    RETURN_IF_ERROR(staging->BeginFile(e.path));
    for (;;) {
      ASSIGN_OR_RETURN(size_t n, archive.ReadData(buf.data(), buf.size()));
      if (n == 0) break;
      RETURN_IF_ERROR(staging->Append(std::string_view(buf.data(), n)));
    }
    staging->EndFile();
  }
  if (!have_manifest) {
    return core::Status::Corruption(
        "archive holds no backup.manifest: not a backup, or the stream was cut short");
  }
  return staging->Finish(manifest_text);
}

}  // namespace sundial::cairo
