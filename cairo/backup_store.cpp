// Backups in an object store: see backup_store.h and FORMAT.md ("Backups in an object store").
#include "cairo/backup_store.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <set>

#include "cairo/backup_naming.h"
#include "cairo/backup_pace.h"
#include "core/config.h"
#include "core/crc32c.h"
#include "core/log.h"

namespace sundial::cairo {
namespace {

constexpr char kManifestSuffix[] = "/backup.manifest";
constexpr uint64_t kMaxManifestBytes = 256u << 20;  // as for a manifest in an archive

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Whole object into memory, refusing anything larger than `max_bytes`.
core::Result<std::string> Fetch(core::ObjectStore& store, const std::string& key,
                                uint64_t max_bytes) {
  std::string out;
  RETURN_IF_ERROR(store.Get(key, [&](std::string_view chunk) {
    if (out.size() + chunk.size() > max_bytes) {
      return core::Status::Corruption("object too large [key=" + key + "]");
    }
    out.append(chunk);
    return core::Status::Ok();
  }));
  return out;
}

}  // namespace

std::string StoreManifestKey(std::string_view name) {
  return std::string(kStoreBackupsPrefix) + std::string(name) + kManifestSuffix;
}

// CRC32C(m || crc32c(m) little-endian) is the same for every m; for m = "" it is the CRC32C of
// four zero bytes.
bool IsCrc32cResidue(uint32_t crc32c) {
  static const uint32_t residue = core::Crc32c(std::string_view("\0\0\0\0", 4));
  return crc32c == residue;
}

std::string StoreBlobKey(const BackupManifestFile& file, int64_t created_us) {
  char hex[16];
  std::snprintf(hex, sizeof(hex), "%08x", file.crc32c);
  std::string key = std::string(kStoreBlobsPrefix) + file.path + "/" +
                    std::to_string(file.size_bytes) + "-" + hex;
  if (IsCrc32cResidue(file.crc32c)) key += "-" + std::to_string(created_us);
  return key;
}

core::Result<std::vector<std::string>> ListStoreBackupNames(core::ObjectStore& store) {
  ASSIGN_OR_RETURN(std::vector<core::ObjectInfo> objects,
                   core::ListAllObjects(store, kStoreBackupsPrefix));
  std::vector<std::string> names;
  const size_t prefix = std::string_view(kStoreBackupsPrefix).size();
  for (const core::ObjectInfo& o : objects) {
    if (!EndsWith(o.key, kManifestSuffix)) continue;
    std::string name = o.key.substr(prefix, o.key.size() - prefix - (sizeof(kManifestSuffix) - 1));
    if (name.empty() || name.find('/') != std::string::npos) continue;
    names.push_back(std::move(name));
  }
  return names;
}

core::Result<BackupManifest> ReadStoreManifest(core::ObjectStore& store, std::string_view name,
                                               std::string* text) {
  const std::string key = StoreManifestKey(name);
  ASSIGN_OR_RETURN(std::string bytes, Fetch(store, key, kMaxManifestBytes));
  ASSIGN_OR_RETURN(BackupManifest m, ParseManifest(bytes, key));
  if (text != nullptr) *text = std::move(bytes);
  return m;
}

core::Result<std::vector<StoreBackup>> ListStoreBackups(core::ObjectStore& store) {
  ASSIGN_OR_RETURN(std::vector<std::string> names, ListStoreBackupNames(store));
  std::vector<StoreBackup> out;
  for (std::string& name : names) {
    ASSIGN_OR_RETURN(BackupManifest m, ReadStoreManifest(store, name));
    out.push_back({std::move(name), std::move(m)});
  }
  std::sort(out.begin(), out.end(), [](const StoreBackup& a, const StoreBackup& b) {
    if (a.manifest.created_us != b.manifest.created_us) {
      return a.manifest.created_us < b.manifest.created_us;
    }
    return a.name < b.name;
  });
  return out;
}

core::Result<std::unique_ptr<StoreBackupSink>> StoreBackupSink::Create(core::ObjectStore& store,
                                                                       core::RateLimiter& pace,
                                                                       BackupProgress* progress) {
  std::unique_ptr<StoreBackupSink> sink(new StoreBackupSink(store, pace, progress));
  ASSIGN_OR_RETURN(std::vector<core::ObjectInfo> blobs,
                   core::ListAllObjects(store, kStoreBlobsPrefix));
  for (core::ObjectInfo& o : blobs) sink->existing_[std::move(o.key)] = o.size;
  return sink;
}

// A blob is referenced only when the listing shows it with the size its key names: Put is
// whole or nothing, so such an object holds exactly those bytes.
core::Status StoreBackupSink::StoreFile(core::File& src, uint64_t size, const std::string& relative,
                                        const TableView* view) {
  (void)view;
  ASSIGN_OR_RETURN(uint32_t crc, PacedCrc32c(src, size, pace_));
  manifest_.files.push_back({relative, size, crc});
  const std::string key = StoreBlobKey(manifest_.files.back(), manifest_.created_us);
  if (auto it = existing_.find(key); it != existing_.end() && it->second == size) {
    linked_bytes_ += size;
    return core::Status::Ok();
  }
  RETURN_IF_ERROR(store_.PutFile(key, src, 0, size));
  existing_[key] = size;
  bytes_ += size;
  uploaded_objects_++;
  return core::Status::Ok();
}

core::Status StoreBackupSink::WriteFile(const std::string& relative, std::string_view data) {
  manifest_.files.push_back({relative, data.size(), core::Crc32c(data)});
  const std::string key = StoreBlobKey(manifest_.files.back(), manifest_.created_us);
  if (auto it = existing_.find(key); it != existing_.end() && it->second == data.size()) {
    linked_bytes_ += data.size();
    return core::Status::Ok();
  }
  RETURN_IF_ERROR(store_.PutBytes(key, data));
  existing_[key] = data.size();
  bytes_ += data.size();
  uploaded_objects_++;
  return core::Status::Ok();
}

// Whole or nothing even on a server that keeps part of an interrupted PUT (FORMAT.md).
core::Status StoreBackupSink::Publish(std::string_view name) {
  return store_.PutBytesWhole(StoreManifestKey(name), SerializeManifest(manifest_));
}

core::Result<std::string> PickStoreBackupName(core::ObjectStore& store,
                                              std::string_view dir_datetime_format,
                                              int64_t created_us) {
  ASSIGN_OR_RETURN(std::vector<std::string> names, ListStoreBackupNames(store));
  const std::set<std::string> taken(names.begin(), names.end());
  return PickBackupName(FormatBackupDirName(dir_datetime_format, created_us),
                        [&](const std::string& n) { return taken.count(n) > 0; });
}

StoreRetentionResult ApplyStoreRetention(core::ObjectStore& store, const std::string& keep_name,
                                         int keep) {
  StoreRetentionResult result;
  auto fail = [&](const std::string& what, const core::Status& st) {
    result.errors.push_back(what + ": " + st.message());
    core::LogWarn("backup retention stopped [error=" + what + ": " + st.ToString() + "]");
    return result;
  };
  auto backups = ListStoreBackups(store);
  if (!backups.ok()) return fail("could not list the backups in the store", backups.status());
  if (keep > 0) {
    std::vector<const StoreBackup*> others;
    for (const StoreBackup& b : *backups) {
      if (b.name != keep_name) others.push_back(&b);
    }
    const size_t keep_others = static_cast<size_t>(keep - 1);
    for (size_t i = 0; others.size() > keep_others && i < others.size() - keep_others; ++i) {
      core::Status st = store.Delete(StoreManifestKey(others[i]->name));
      if (!st.ok()) return fail("could not delete backup " + others[i]->name, st);
      result.removed.push_back(others[i]->name);
      result.removed_created_us.push_back(others[i]->manifest.created_us);
      core::LogInfo("backup removed by retention [name=" + others[i]->name + "]");
    }
  }
  // The sweep reads the manifests again: what references a blob is what is in the store now.
  auto remaining = ListStoreBackups(store);
  if (!remaining.ok()) return fail("could not list the backups in the store", remaining.status());
  std::set<std::string> referenced;
  for (const StoreBackup& b : *remaining) {
    for (const BackupManifestFile& f : b.manifest.files) {
      referenced.insert(StoreBlobKey(f, b.manifest.created_us));
    }
  }
  auto blobs = core::ListAllObjects(store, kStoreBlobsPrefix);
  if (!blobs.ok()) return fail("could not list the blobs in the store", blobs.status());
  for (const core::ObjectInfo& o : *blobs) {
    if (referenced.count(o.key) > 0) continue;
    core::Status st = store.Delete(o.key);
    if (!st.ok()) return fail("could not delete " + o.key, st);
    result.blobs_deleted++;
  }
  return result;
}

bool IsStoreSource(std::string_view text) {
  return text.rfind("s3::", 0) == 0 || text.rfind("fs::", 0) == 0;
}

// Splits off the `backup=` entry; the rest (`;;` escapes kept as written) is the store setting.
core::Result<StoreRestoreSource> ParseStoreRestoreSource(std::string_view text) {
  const size_t colons = text.find("::");
  if (!IsStoreSource(text) || colons == std::string_view::npos) {
    return core::Status::InvalidArgument("not an object store setting (s3::... or fs::...)");
  }
  std::string rest(text.substr(0, colons + 2));
  StoreRestoreSource out;
  bool has_backup = false;
  size_t i = colons + 2;
  while (i < text.size()) {
    size_t end = i;
    while (end < text.size()) {
      if (text[end] == ';' && end + 1 < text.size() && text[end + 1] == ';') {
        end += 2;
        continue;
      }
      if (text[end] == ';') break;
      ++end;
    }
    std::string_view entry = text.substr(i, end - i);
    if (entry.rfind("backup=", 0) == 0) {
      if (has_backup) return core::Status::InvalidArgument("key 'backup' given twice");
      has_backup = true;
      out.backup = std::string(entry.substr(7));
      if (out.backup == "latest") out.backup.clear();
    } else if (!entry.empty()) {
      rest.append(entry).push_back(';');
    }
    i = end + 1;
  }
  ASSIGN_OR_RETURN(out.config, core::ParseObjectStoreConfig(rest));
  return out;
}

namespace {

std::string Hex(uint32_t v) {
  char hex[16];
  std::snprintf(hex, sizeof(hex), "%08x", v);
  return hex;
}

// NotFound naming the backup when `name` has no manifest; InvalidArgument for a bad name.
core::Result<BackupManifest> FindStoreManifest(core::ObjectStore& store, const std::string& name,
                                               std::string* text) {
  if (name.empty() || name.find('/') != std::string::npos ||
      !core::ValidateObjectKey(StoreManifestKey(name)).ok()) {
    return core::Status::InvalidArgument("bad backup name [backup=" + name + "]");
  }
  auto manifest = ReadStoreManifest(store, name, text);
  if (manifest.status().code() == core::StatusCode::kNotFound) {
    return core::Status::NotFound("backup not found in the store [backup=" + name + ", " +
                                  store.config().Describe() + "]");
  }
  return manifest;
}

}  // namespace

core::Result<std::vector<BackupProblem>> VerifyStoreBackup(core::ObjectStore& store,
                                                           std::string_view name) {
  ASSIGN_OR_RETURN(BackupManifest m, FindStoreManifest(store, std::string(name), nullptr));
  std::vector<BackupProblem> problems;
  for (const BackupManifestFile& f : m.files) {
    uint64_t size = 0;
    uint32_t crc = 0;
    core::Status st = store.Get(StoreBlobKey(f, m.created_us), [&](std::string_view chunk) {
      crc = core::Crc32cExtend(crc, chunk.data(), chunk.size());
      size += chunk.size();
      return core::Status::Ok();
    });
    if (st.code() == core::StatusCode::kNotFound) {
      problems.push_back({f.path, "size " + std::to_string(f.size_bytes), "missing"});
    } else if (!st.ok()) {
      return st;
    } else if (size != f.size_bytes) {
      problems.push_back(
          {f.path, "size " + std::to_string(f.size_bytes), "size " + std::to_string(size)});
    } else if (crc != f.crc32c) {
      problems.push_back({f.path, "crc32c " + Hex(f.crc32c), "crc32c " + Hex(crc)});
    }
  }
  return problems;
}

core::Result<RestoreResult> RestoreBackupFromStore(core::FileSystem& fs, core::ObjectStore& store,
                                                   std::string_view name, const std::string& dir) {
  std::string chosen(name == "latest" ? "" : name);
  if (chosen.empty()) {
    ASSIGN_OR_RETURN(std::vector<StoreBackup> all, ListStoreBackups(store));
    if (all.empty()) {
      return core::Status::NotFound("no complete backup in the store [" +
                                    store.config().Describe() + "]");
    }
    chosen = all.back().name;
  }
  std::string manifest_text;
  auto manifest = FindStoreManifest(store, chosen, &manifest_text);
  RETURN_IF_ERROR(manifest.status());
  ASSIGN_OR_RETURN(std::unique_ptr<RestoreStaging> staging, RestoreStaging::Begin(fs, dir));
  RETURN_IF_ERROR(staging->MakeDir("db"));
  RETURN_IF_ERROR(staging->MakeDir("conf"));
  for (const BackupManifestFile& f : manifest->files) {
    RETURN_IF_ERROR(staging->BeginFile(f.path));
    const std::string key = StoreBlobKey(f, manifest->created_us);
    core::Status st =
        store.Get(key, [&](std::string_view chunk) { return staging->Append(chunk); });
    if (st.code() == core::StatusCode::kNotFound) {
      return core::Status::Corruption("backup " + chosen +
                                      " references a missing object [key=" + key + "]");
    }
    RETURN_IF_ERROR(st);
    staging->EndFile();
  }
  return staging->Finish(manifest_text);
}

namespace {

// The restore a trigger file asks for; see RestoreFromTriggerAtStartup.
core::Status RestoreFromTrigger(core::FileSystem& fs, const std::string& root,
                                const std::string& trigger) {
  ASSIGN_OR_RETURN(std::string text, fs.ReadFile(trigger));
  ASSIGN_OR_RETURN(core::Properties props, core::Properties::Parse(text));
  const std::vector<std::string> known = {"backup.object.store", "backup.restore.name"};
  if (auto unknown = props.UnknownKeys(known); !unknown.empty()) {
    return core::Status::InvalidArgument("unknown key in " + trigger + " [key=" + unknown[0] + "]");
  }
  std::optional<std::string> store_text = props.Get("backup.object.store");
  if (!store_text || store_text->empty()) {
    return core::Status::InvalidArgument(trigger +
                                         " does not name the store: key "
                                         "'backup.object.store' is missing");
  }
  const std::string name = props.Get("backup.restore.name").value_or("");
  const std::string db = core::JoinPath(root, "db");
  if (fs.IsDirectory(db)) {
    ASSIGN_OR_RETURN(std::vector<core::DirEntry> entries, fs.ListDir(db));
    if (!entries.empty()) {
      return core::Status::AlreadyExists(
          "the root already holds tables; a restore needs an empty db/ [path=" + db + "]");
    }
  }
  auto config = core::ParseObjectStoreConfig(*store_text);
  if (!config.ok()) {
    return core::Status::InvalidArgument("invalid value for key 'backup.object.store' in " +
                                         trigger + ": " + config.status().message());
  }
  ASSIGN_OR_RETURN(std::unique_ptr<core::ObjectStore> store, core::OpenObjectStore(*config, fs));
  const std::string tmp = core::JoinPath(root, std::string(kBackupRestoreTrigger) + ".tmp");
  if (fs.Exists(tmp)) RETURN_IF_ERROR(fs.RemoveAll(tmp));  // an earlier attempt's leftover
  ASSIGN_OR_RETURN(RestoreResult restored, RestoreBackupFromStore(fs, *store, name, tmp));
  if (fs.IsDirectory(db)) RETURN_IF_ERROR(fs.RemoveDir(db));
  RETURN_IF_ERROR(fs.Rename(core::JoinPath(tmp, "db"), db));
  const std::string conf = core::JoinPath(root, "conf");
  RETURN_IF_ERROR(fs.CreateDirs(conf));
  ASSIGN_OR_RETURN(std::vector<core::DirEntry> conf_files, fs.ListDir(core::JoinPath(tmp, "conf")));
  for (const core::DirEntry& e : conf_files) {
    const std::string to = core::JoinPath(conf, e.name);
    if (fs.Exists(to)) continue;  // the root's own configuration wins
    RETURN_IF_ERROR(fs.Rename(core::JoinPath(tmp, "conf/" + e.name), to));
  }
  RETURN_IF_ERROR(fs.SyncDir(conf));
  RETURN_IF_ERROR(fs.SyncDir(root));
  RETURN_IF_ERROR(fs.RemoveAll(tmp));
  RETURN_IF_ERROR(fs.RemoveFile(trigger));
  core::LogInfo("restored from the object store [" + config->Describe() +
                ", tables=" + std::to_string(restored.manifest.tables.size()) +
                ", files=" + std::to_string(restored.files) + "]");
  return core::Status::Ok();
}

}  // namespace

core::Result<bool> RestoreFromTriggerAtStartup(core::FileSystem& fs, const std::string& root) {
  const std::string trigger = core::JoinPath(root, kBackupRestoreTrigger);
  const std::string marker = core::JoinPath(root, kRestoreFailedMarker);
  if (!fs.Exists(trigger)) return false;
  core::Status st = RestoreFromTrigger(fs, root, trigger);
  if (!st.ok()) {
    (void)fs.WriteFileAtomic(marker, st.ToString() + "\n");
    return st;
  }
  if (fs.Exists(marker)) RETURN_IF_ERROR(fs.RemoveFile(marker));
  RETURN_IF_ERROR(fs.SyncDir(root));
  return true;
}

}  // namespace sundial::cairo
