// cairo/backup_store.h — backups in an object store (core/object_store.h; QuestDB Enterprise's
// `backup.enabled=true` + `backup.object.store=...`). The layout is FORMAT.md's "Backups in an
// object store"; in short, relative to the store's root:
//   backups/<name>/backup.manifest   the manifest a local backup of the same content would
//                                    hold, written LAST: its presence makes backup <name> whole
//   blobs/<path>/<size>-<crc32c hex> the bytes of backup file <path> with that size and CRC32C,
//                                    content-addressed: a later backup of an identical file
//                                    references the object and uploads nothing
//   history/<id>.rec                 the backup history records (cairo/backup_history.h)
//
// Everything here relies on Put being whole or nothing (a present object is complete) and on the
// caller's one-backup-at-a-time lock: the retention sweep deletes blobs no manifest references,
// which would include the blobs of a backup being uploaded beside it. Every read error is
// returned as an error; nothing is deleted on a listing or manifest that could not be read.
// Thread-compatible.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cairo/backup_manifest.h"
#include "cairo/backup_sink.h"
#include "cairo/backup_unpack.h"
#include "cairo/backup_verify.h"
#include "core/file_system.h"
#include "core/object_store.h"
#include "core/rate_limiter.h"
#include "core/status.h"

namespace sundial::cairo {

inline constexpr char kStoreBackupsPrefix[] = "backups/";
inline constexpr char kStoreBlobsPrefix[] = "blobs/";

std::string StoreManifestKey(std::string_view name);  // backups/<name>/backup.manifest
// blobs/<path>/<size>-<crc32c>, or, for a file whose CRC32C is the CRC32C residue (every file
// that ends with the CRC32C of the bytes before it, such as a `_txn`, has that same CRC32C
// whatever its content, so size and CRC32C do not tell two of them apart),
// blobs/<path>/<size>-<crc32c>-<created_us of the backup's manifest>: such files are stored
// per backup, never shared.
std::string StoreBlobKey(const BackupManifestFile& file, int64_t created_us);
bool IsCrc32cResidue(uint32_t crc32c);

// The names of the complete backups (those with a manifest object), in byte order; one listing.
core::Result<std::vector<std::string>> ListStoreBackupNames(core::ObjectStore& store);
// Fetches and parses backups/<name>/backup.manifest; NotFound when it is absent.
core::Result<BackupManifest> ReadStoreManifest(core::ObjectStore& store, std::string_view name,
                                               std::string* text = nullptr);

struct StoreBackup {
  std::string name;
  BackupManifest manifest;
};
// Every complete backup with its manifest, oldest first (created_us, then name). An unreadable
// or damaged manifest is an error naming it.
core::Result<std::vector<StoreBackup>> ListStoreBackups(core::ObjectStore& store);

// The sink a backup into the store writes through (cairo/backup_sink.h). Each file is
// checksummed (paced by `pace`), then uploaded to its blob key unless `existing` (a listing of
// blobs/ made at the start) holds that key already: then it is only referenced (counted as
// linked bytes). Publish puts the manifest, last, whole or not at all.
class StoreBackupSink final : public BackupSink {
 public:
  // Lists blobs/ once. Errors of the listing are returned (403, missing bucket, ...).
  static core::Result<std::unique_ptr<StoreBackupSink>> Create(core::ObjectStore& store,
                                                               core::RateLimiter& pace,
                                                               BackupProgress* progress);
  core::Status MakeDir(const std::string& relative) override { return core::Status::Ok(); }
  core::Status WriteFile(const std::string& relative, std::string_view data) override;
  core::Status Publish(std::string_view name);
  uint64_t uploaded_objects() const { return uploaded_objects_; }

 private:
  StoreBackupSink(core::ObjectStore& store, core::RateLimiter& pace, BackupProgress* progress)
      : BackupSink(progress), store_(store), pace_(pace) {}
  core::Status StoreFile(core::File& src, uint64_t size, const std::string& relative,
                         const TableView* view) override;

  core::ObjectStore& store_;
  core::RateLimiter& pace_;
  std::map<std::string, uint64_t> existing_;  // blob key -> size
  uint64_t uploaded_objects_ = 0;
};

// The name a new backup made at `created_us` gets (cairo/backup_naming.h: the date pattern,
// `.1`, `.2`, ... when a manifest of that name exists).
core::Result<std::string> PickStoreBackupName(core::ObjectStore& store,
                                              std::string_view dir_datetime_format,
                                              int64_t created_us);

struct StoreRetentionResult {
  std::vector<std::string> removed;         // backup names whose manifests were deleted
  std::vector<int64_t> removed_created_us;  // their created_us, same order
  uint64_t blobs_deleted = 0;
  std::vector<std::string> errors;
};
// cairo.sql.backup.keep.latest.n on a store: deletes the manifests of the complete backups
// beyond the newest `keep` (never `keep_name`, the backup just made), then sweeps: deletes every
// blob that no remaining manifest references (also the blobs of interrupted uploads). `keep` 0
// deletes no manifest but still sweeps. A manifest or listing that cannot be read stops it
// before anything more is deleted (reported in errors).
StoreRetentionResult ApplyStoreRetention(core::ObjectStore& store, const std::string& keep_name,
                                         int keep);

// `sundial restore 's3::...;backup=NAME' -d DIR`: the store setting with an extra `backup=` key
// (absent or `latest`: the newest complete backup).
struct StoreRestoreSource {
  core::ObjectStoreConfig config;
  std::string backup;  // "" = the newest
};
bool IsStoreSource(std::string_view text);  // starts with `s3::` or `fs::`
core::Result<StoreRestoreSource> ParseStoreRestoreSource(std::string_view text);

// Builds the new root `dir` from backup `name` ("" or "latest": the newest complete one) of
// `store`, through RestoreStaging (cairo/backup_unpack.h): the manifest, then every file from
// its blob, each checked against the manifest before the rename into place.
core::Result<RestoreResult> RestoreBackupFromStore(core::FileSystem& fs, core::ObjectStore& store,
                                                   std::string_view name, const std::string& dir);

// VERIFY BACKUP 'name' on a store: downloads every file of backup `name` from its blob and
// checks size and CRC32C against the manifest; one BackupProblem (cairo/backup_verify.h) per
// difference, a missing blob is "missing". InvalidArgument for a bad name, NotFound for no such
// backup; any other store error (the store unreachable, 403) is returned as the error.
core::Result<std::vector<BackupProblem>> VerifyStoreBackup(core::ObjectStore& store,
                                                           std::string_view name);

// QuestDB Enterprise's trigger file: `<root>/_backup_restore`, a `key=value` properties file
// with `backup.object.store=...` and optionally `backup.restore.name=<name>` (absent: the
// newest complete backup). Run at start-up, before the engine opens: when the trigger exists
// and `<root>/db/` holds nothing, the backup is restored (RestoreBackupFromStore into
// `<root>/_backup_restore.tmp`, verified), its `db/` renamed into place, its conf/ files copied
// where the root has none, then the trigger (and a `_restore_failed` of an earlier attempt)
// removed. Returns whether a restore was made. On failure the trigger stays, `_restore_failed`
// holds the error, and the error is returned: the server refuses to start.
inline constexpr char kBackupRestoreTrigger[] = "_backup_restore";
inline constexpr char kRestoreFailedMarker[] = "_restore_failed";
core::Result<bool> RestoreFromTriggerAtStartup(core::FileSystem& fs, const std::string& root);

}  // namespace sundial::cairo
