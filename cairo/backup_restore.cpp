// RESTORE TABLE: verify one table's files in a backup, stage them inside the live db, attach.
#include "cairo/backup_restore.h"

#include <filesystem>
#include <set>
#include <system_error>
#include <vector>

#include "cairo/backup_manifest.h"
#include "cairo/backup_verify.h"
#include "cairo/table_schema.h"
#include "cairo/txn_file.h"
#include "core/confined_path.h"
#include "core/log.h"

namespace sundial::cairo {
namespace {

constexpr char kBackupDisabled[] =
    "backup is disabled, server.conf property 'cairo.sql.backup.root' is not set";

core::Status Damaged(const BackupProblem& p) {
  return core::Status::Corruption("backup is damaged [file=" + p.file + ", expected=" +
                                  p.expected + ", found=" + p.found + "]");
}

// One file of the table: its manifest entry and its path relative to the table directory.
struct TableFile {
  BackupManifestFile entry;
  std::string relative;
};

core::Result<std::vector<TableFile>> FilesOfTable(const BackupManifest& m,
                                                  const std::string& table) {
  const std::string prefix = "db/" + table + "/";
  std::vector<TableFile> out;
  bool has_txn = false;
  for (const auto& f : m.files) {
    if (f.path.rfind(prefix, 0) != 0) continue;
    TableFile t{f, f.path.substr(prefix.size())};
    if (!core::IsConfinedPath(t.relative)) {
      return Damaged({f.path, "a path inside the table", "not confined"});
    }
    has_txn |= t.relative == kTxnFileName;
    out.push_back(std::move(t));
  }
  if (!has_txn) return Damaged({prefix + kTxnFileName, "listed in the manifest", "not listed"});
  return out;
}

// Every directory between the backup directory and the file must be a real directory: a
// symlinked one could lead out of the backup.
core::Status CheckNoSymlinkOnTheWay(const std::string& backup_dir, const std::string& path) {
  std::string sub;
  for (size_t slash = path.find('/'); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    sub = path.substr(0, slash);
    std::error_code ec;
    auto st = std::filesystem::symlink_status(core::JoinPath(backup_dir, sub), ec);
    if (ec || st.type() == std::filesystem::file_type::not_found) {
      return core::Status::Ok();  // the file is then reported missing by CheckBackupFile
    }
    if (st.type() != std::filesystem::file_type::directory) {
      return Damaged({sub, "directory", st.type() == std::filesystem::file_type::symlink
                                            ? "symlink"
                                            : "not a directory"});
    }
  }
  return core::Status::Ok();
}

// Step 3 of backup_restore.h: the table's files in the backup, whole (size and CRC32C).
core::Status VerifySource(core::FileSystem& fs, const std::string& backup_dir,
                          const std::vector<TableFile>& files) {
  for (const TableFile& f : files) {
    RETURN_IF_ERROR(CheckNoSymlinkOnTheWay(backup_dir, f.entry.path));
    std::vector<BackupProblem> problems;
    CheckBackupFile(fs, core::JoinPath(backup_dir, f.entry.path), f.entry, BackupCheck::kFull,
                    &problems);
    if (!problems.empty()) return Damaged(problems.front());
  }
  return core::Status::Ok();
}

// Whether the live table may share `relative` with the backup through a hard link: a file of a
// partition directory other than the newest (which the table appends to in place).
bool MayLink(const std::string& relative, const std::string& newest_partition_dir) {
  const size_t slash = relative.find('/');
  if (slash == std::string::npos || relative.find('/', slash + 1) != std::string::npos) {
    return false;
  }
  return relative.substr(0, slash) != newest_partition_dir;
}

core::Status CopyOne(core::FileSystem& fs, const std::string& from, const std::string& to,
                     uint64_t size) {
  ASSIGN_OR_RETURN(auto src, fs.Open(from, core::OpenMode::kRead));
  ASSIGN_OR_RETURN(auto dst, fs.Open(to, core::OpenMode::kCreateExclusive));
  if (size > 0) RETURN_IF_ERROR(fs.CopyRange(*src, 0, *dst, 0, size));
  return core::Status::Ok();
}

// Step 4: links or copies every file into `staged`, makes the tree durable, checks the sizes.
core::Status Stage(core::FileSystem& fs, const std::string& backup_dir,
                   const std::vector<TableFile>& files, const std::string& newest_partition_dir,
                   const std::string& staged, RestoreTableResult* result) {
  std::set<std::string> dirs;
  for (const TableFile& f : files) {
    const std::string parent(core::DirName(f.relative));
    if (!parent.empty() && dirs.insert(parent).second) {
      RETURN_IF_ERROR(fs.CreateDir(core::JoinPath(staged, parent)));
    }
    const std::string from = core::JoinPath(backup_dir, f.entry.path);
    const std::string to = core::JoinPath(staged, f.relative);
    if (MayLink(f.relative, newest_partition_dir) && fs.Link(from, to).ok()) {
      result->bytes_linked += f.entry.size_bytes;
      continue;
    }
    RETURN_IF_ERROR(CopyOne(fs, from, to, f.entry.size_bytes));
    result->bytes_copied += f.entry.size_bytes;
  }
  // One sync(2) makes the whole staged tree durable, as for backups: an fsync per file and
  // per partition directory costs far more (a table of 140 daily partitions took 1.2 s).
  RETURN_IF_ERROR(fs.SyncAll());
  for (const TableFile& f : files) {
    std::vector<BackupProblem> problems;
    CheckBackupFile(fs, core::JoinPath(staged, f.relative), f.entry, BackupCheck::kSize,
                    &problems);
    if (!problems.empty()) {
      return core::Status::IOError("restored copy differs from the backup [file=" +
                                   problems.front().file + ", expected=" +
                                   problems.front().expected + ", found=" +
                                   problems.front().found + "]");
    }
  }
  return core::Status::Ok();
}

core::Result<std::string> NewestPartitionDir(core::FileSystem& fs, const std::string& backup_dir,
                                             const std::string& table) {
  const std::string path = core::JoinPath(backup_dir, "db/" + table + "/" + kTxnFileName);
  ASSIGN_OR_RETURN(std::string bytes, fs.ReadFile(path));
  ASSIGN_OR_RETURN(TxnRecord rec, ParseTxn(bytes, path));
  return rec.partitions.empty() ? std::string() : rec.partitions.back().dir_name;
}

core::Status Fail(const RestoreTableRequest& req, core::Status st) {
  core::LogError("restore table failed [table=" + req.table + ", backup=" + req.backup +
                 ", error=" + st.ToString() + "]");
  return st;
}

}  // namespace

core::Result<RestoreTableResult> RestoreTableFromBackup(Engine& engine,
                                                        const std::string& backup_root,
                                                        const RestoreTableRequest& req) {
  if (backup_root.empty()) return core::Status::InvalidArgument(kBackupDisabled);
  core::FileSystem& fs = engine.fs();
  ASSIGN_OR_RETURN(std::string dir, ResolveBackupDir(fs, backup_root, req.backup));
  ASSIGN_OR_RETURN(BackupManifest manifest, ReadBackupManifest(fs, dir));
  const BackupManifestTable* table = nullptr;
  for (const auto& t : manifest.tables) {
    if (NamesEqualIgnoreCase(t.name, req.table)) table = &t;
  }
  if (table == nullptr) {
    return core::Status::NotFound("table is not in the backup [table=" + req.table +
                                  ", backup=" + req.backup + "]");
  }
  const std::string target = req.target.empty() ? table->name : req.target;
  std::string invalid = ValidateTableName(target);
  if (!invalid.empty()) return core::Status::InvalidArgument(invalid);
  if (!req.overwrite && engine.HasTable(target)) {
    return core::Status::AlreadyExists("table already exists [table=" + target + "]");
  }
  ASSIGN_OR_RETURN(std::vector<TableFile> files, FilesOfTable(manifest, table->name));
  if (auto st = VerifySource(fs, dir, files); !st.ok()) return Fail(req, st);
  auto newest = NewestPartitionDir(fs, dir, table->name);
  if (!newest.ok()) return Fail(req, newest.status());

  auto staged = engine.CreateStagingDir();
  if (!staged.ok()) return Fail(req, staged.status());
  RestoreTableResult result;
  result.row_count = table->row_count;
  core::Status st = Stage(fs, dir, files, *newest, *staged, &result);
  if (st.ok()) {
    auto name = engine.AttachTable(target, *staged, req.overwrite);
    if (name.ok()) result.table = *name;
    st = name.status();
  }
  if (!st.ok()) {
    core::Status rm = fs.RemoveAll(*staged);
    if (!rm.ok()) {
      core::LogWarn("could not remove restore staging dir [dir=" + *staged +
                    ", error=" + rm.ToString() + "]");
    }
    return Fail(req, st);
  }
  core::LogInfo("table restored [table=" + result.table + ", backup=" + req.backup +
                ", rows=" + std::to_string(result.row_count) +
                ", bytes=" + std::to_string(result.bytes_copied) +
                ", linked_bytes=" + std::to_string(result.bytes_linked) + "]");
  return result;
}

}  // namespace sundial::cairo
