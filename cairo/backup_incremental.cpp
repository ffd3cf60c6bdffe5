// Incremental backups by hard links. See cairo/backup_incremental.h for when a link is safe.
#include "cairo/backup_incremental.h"

#include "cairo/txn_file.h"
#include "core/log.h"

namespace sundial::cairo {

std::unique_ptr<PreviousBackup> PreviousBackup::FindLatest(core::FileSystem& fs,
                                                          const std::string& root,
                                                          std::string_view staging_dir_name) {
  auto entries = fs.ListDir(root);
  if (!entries.ok()) return nullptr;
  std::unique_ptr<PreviousBackup> best;
  int64_t best_created_us = 0;
  for (const auto& e : *entries) {
    if (!e.is_dir || e.name == staging_dir_name) continue;
    const std::string dir = core::JoinPath(root, e.name);
    const std::string path = core::JoinPath(dir, kBackupManifestName);
    if (!fs.Exists(path)) continue;
    auto bytes = fs.ReadFile(path);
    if (!bytes.ok()) continue;
    auto m = ParseManifest(*bytes, path);
    if (!m.ok()) continue;
    if (best && m->created_us <= best_created_us) continue;
    best_created_us = m->created_us;
    best.reset(new PreviousBackup(fs, dir, std::move(*m)));
  }
  return best;
}

PreviousBackup::PreviousBackup(core::FileSystem& fs, std::string dir, BackupManifest manifest)
    : fs_(fs), dir_(std::move(dir)) {
  for (auto& f : manifest.files) files_[f.path] = f;
}

const PreviousBackup::TableInfo& PreviousBackup::Table(const std::string& name) {
  auto it = tables_.find(name);
  if (it != tables_.end()) return it->second;
  TableInfo info;
  const std::string path = dir_ + "/db/" + name + "/" + kTxnFileName;
  auto bytes = fs_.ReadFile(path);
  if (bytes.ok()) {
    auto rec = ParseTxn(*bytes, path);
    if (rec.ok()) {
      info.is_known = true;
      info.table_id = rec->table_id;
    }
  }
  return tables_[name] = std::move(info);
}

std::optional<std::string> PreviousBackup::LinkSource(const TableView& view,
                                                      const std::string& relative,
                                                      uint64_t size_bytes, uint32_t crc32c) {
  const TableInfo& t = Table(view.table_name());
  if (!t.is_known || t.table_id != view.table_id()) return std::nullopt;
  auto it = files_.find(relative);
  if (it == files_.end() || it->second.size_bytes != size_bytes || it->second.crc32c != crc32c) {
    return std::nullopt;
  }
  std::string from = core::JoinPath(dir_, relative);
  auto actual = fs_.FileSize(from);
  if (!actual.ok() || *actual != size_bytes) return std::nullopt;
  return from;
}

}  // namespace sundial::cairo
