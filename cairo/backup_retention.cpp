// Backup retention: find the complete backups of the root, remove the oldest beyond N.
#include "cairo/backup_retention.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "cairo/backup_manifest.h"
#include "core/log.h"

namespace sundial::cairo {
namespace {

struct Complete {
  int64_t created_us = 0;
  std::string name;
};

std::vector<Complete> CompleteBackups(core::FileSystem& fs, const std::string& root,
                                      const std::string& tmp_dir_name) {
  std::vector<Complete> out;
  auto entries = fs.ListDir(root);
  if (!entries.ok()) return out;
  for (const auto& e : *entries) {
    if (e.name == tmp_dir_name) continue;
    const std::string dir = core::JoinPath(root, e.name);
    std::error_code ec;
    if (std::filesystem::symlink_status(dir, ec).type() != std::filesystem::file_type::directory) {
      continue;
    }
    const std::string manifest = core::JoinPath(dir, kBackupManifestName);
    if (std::filesystem::symlink_status(manifest, ec).type() !=
        std::filesystem::file_type::regular) {
      continue;
    }
    auto bytes = fs.ReadFile(manifest);
    if (!bytes.ok()) continue;
    auto m = ParseManifest(*bytes, manifest);
    if (!m.ok()) continue;
    out.push_back({m->created_us, e.name});
  }
  std::sort(out.begin(), out.end(), [](const Complete& a, const Complete& b) {
    return a.created_us != b.created_us ? a.created_us < b.created_us : a.name < b.name;
  });
  return out;
}

}  // namespace

RetentionResult ApplyBackupRetention(core::FileSystem& fs, const std::string& backup_root,
                                     const std::string& tmp_dir_name, const std::string& keep_dir,
                                     int keep) {
  RetentionResult result;
  if (keep <= 0) return result;
  std::vector<Complete> backups = CompleteBackups(fs, backup_root, tmp_dir_name);
  if (backups.size() <= static_cast<size_t>(keep)) return result;
  const size_t excess = backups.size() - static_cast<size_t>(keep);
  for (size_t i = 0; i < excess; ++i) {
    const std::string dir = core::JoinPath(backup_root, backups[i].name);
    if (dir == keep_dir) continue;
    // The manifest goes first: a removal that stops half-way leaves no "complete" backup.
    core::Status st = fs.RemoveFile(core::JoinPath(dir, kBackupManifestName));
    if (st.ok()) st = fs.RemoveAll(dir);
    if (st.ok()) {
      core::LogInfo("removed old backup [dir=" + dir + ", keep=" + std::to_string(keep) + "]");
      result.removed.push_back(dir);
    } else {
      core::LogWarn("could not remove old backup [dir=" + dir + ", error=" + st.ToString() + "]");
      result.errors.push_back("could not remove old backup [dir=" + dir +
                              ", error=" + st.ToString() + "]");
    }
  }
  return result;
}

}  // namespace sundial::cairo
