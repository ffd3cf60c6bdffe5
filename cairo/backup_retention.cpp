// Backup retention: find the complete backups of the root, remove the oldest beyond N.
#include "cairo/backup_retention.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "cairo/backup_manifest.h"
#include "core/log.h"

namespace sundial::cairo {

std::vector<CompleteBackup> ListCompleteBackups(core::FileSystem& fs, const std::string& root,
                                                const std::string& tmp_dir_name) {
  std::vector<CompleteBackup> out;
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
  std::sort(out.begin(), out.end(), [](const CompleteBackup& a, const CompleteBackup& b) {
    return a.created_us != b.created_us ? a.created_us < b.created_us : a.name < b.name;
  });
  return out;
}

namespace {

// Renames `<root>/<name>` to `<root>/<tmp>/removing-<name>` (synced), then removes that tree.
core::Status RemoveBackup(core::FileSystem& fs, const std::string& root,
                          const std::string& tmp_dir_name, const std::string& name) {
  const std::string staging = core::JoinPath(root, tmp_dir_name);
  const std::string doomed = core::JoinPath(staging, kRemovingPrefix + name);
  RETURN_IF_ERROR(fs.CreateDirs(staging));
  RETURN_IF_ERROR(fs.RemoveAll(doomed));  // a leftover of an earlier removal of the same name
  RETURN_IF_ERROR(fs.Rename(core::JoinPath(root, name), doomed));
  RETURN_IF_ERROR(fs.SyncDir(root));
  RETURN_IF_ERROR(fs.SyncDir(staging));
  return fs.RemoveAll(doomed);
}

}  // namespace

RetentionResult ApplyBackupRetention(core::FileSystem& fs, const std::string& backup_root,
                                     const std::string& tmp_dir_name, const std::string& keep_dir,
                                     int keep) {
  RetentionResult result;
  if (keep <= 0) return result;
  std::vector<CompleteBackup> backups = ListCompleteBackups(fs, backup_root, tmp_dir_name);
  if (backups.size() <= static_cast<size_t>(keep)) return result;
  const size_t excess = backups.size() - static_cast<size_t>(keep);
  for (size_t i = 0; i < excess; ++i) {
    const std::string dir = core::JoinPath(backup_root, backups[i].name);
    if (dir == keep_dir) continue;
    core::Status st = RemoveBackup(fs, backup_root, tmp_dir_name, backups[i].name);
    if (st.ok()) {
      core::LogInfo("removed old backup [dir=" + dir + ", keep=" + std::to_string(keep) + "]");
      result.removed.push_back(dir);
      result.removed_created_us.push_back(backups[i].created_us);
    } else {
      if (!fs.Exists(dir)) {  // renamed away: gone from the root, its files not all freed yet
        result.removed.push_back(dir);
        result.removed_created_us.push_back(backups[i].created_us);
      }
      core::LogWarn("could not remove old backup [dir=" + dir + ", error=" + st.ToString() + "]");
      result.errors.push_back("could not remove old backup [dir=" + dir +
                              ", error=" + st.ToString() + "]");
    }
  }
  return result;
}

}  // namespace sundial::cairo
