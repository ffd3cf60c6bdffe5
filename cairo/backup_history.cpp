// Backup history records: binary layout (FORMAT.md, "Backup history"), the store in
// `<root>/_history/`, and start-up recovery of records the server died during.
#include "cairo/backup_history.h"

#include <algorithm>
#include <cstring>
#include <set>

#include "core/crc32c.h"
#include "core/log.h"

namespace sundial::cairo {
namespace {

constexpr char kMagic[8] = {'S', 'D', 'B', 'K', 'H', 'I', 'S', 'T'};
constexpr uint32_t kHistoryFormatVersion = 1;
constexpr size_t kHeaderSize = 16;  // magic, version, payload length
constexpr uint32_t kMaxPayload = 16u << 20;
constexpr char kRecordSuffix[] = ".rec";
constexpr char kTmpSuffix[] = ".tmp";

void PutU32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void PutU64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void PutStr(std::string* out, std::string_view s) {
  PutU32(out, static_cast<uint32_t>(s.size()));
  out->append(s);
}

// Reads little-endian fields from a payload; any overrun sets failed().
class Reader {
 public:
  explicit Reader(std::string_view b) : b_(b) {}
  uint64_t U(size_t n) {
    if (b_.size() - pos_ < n) {
      bad_ = true;
      return 0;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= uint64_t(static_cast<unsigned char>(b_[pos_ + i])) << (8 * i);
    pos_ += n;
    return v;
  }
  int64_t I64() { return static_cast<int64_t>(U(8)); }
  std::string Str() {
    uint64_t n = U(4);
    if (bad_ || b_.size() - pos_ < n) {
      bad_ = true;
      return {};
    }
    std::string s(b_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  bool failed() const { return bad_; }
  bool at_end() const { return pos_ == b_.size(); }

 private:
  std::string_view b_;
  size_t pos_ = 0;
  bool bad_ = false;
};

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// "1764700000000000.rec" -> 1764700000000000; -1 when the name is not a record's.
int64_t IdOfName(std::string_view name) {
  if (!EndsWith(name, kRecordSuffix)) return -1;
  std::string_view digits = name.substr(0, name.size() - std::strlen(kRecordSuffix));
  if (digits.empty() || digits.size() > 18) return -1;
  int64_t v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace

std::string_view BackupStatusName(BackupStatus status) {
  switch (status) {
    case BackupStatus::kBackupInProgress: return "backup in progress";
    case BackupStatus::kBackupComplete: return "backup complete";
    case BackupStatus::kBackupFailed: return "backup failed";
    case BackupStatus::kCleanupInProgress: return "cleanup in progress";
    case BackupStatus::kCleanupComplete: return "cleanup complete";
    case BackupStatus::kCleanupFailed: return "cleanup failed";
  }
  return "backup failed";
}

std::string_view BackupKindName(const BackupHistoryEntry& e) {
  return e.is_database ? "database" : "table list";
}

std::string SerializeHistoryRecord(const BackupHistoryEntry& e) {
  std::string p;
  PutU64(&p, static_cast<uint64_t>(e.id));
  PutU64(&p, static_cast<uint64_t>(e.start_us));
  PutU64(&p, static_cast<uint64_t>(e.end_us));
  PutU64(&p, static_cast<uint64_t>(e.duration_us));
  PutU64(&p, static_cast<uint64_t>(e.rows));
  PutU64(&p, e.bytes_copied);
  PutU64(&p, e.bytes_linked);
  PutU64(&p, static_cast<uint64_t>(e.removed_us));
  p.push_back(static_cast<char>(e.status));
  p.push_back(static_cast<char>(e.is_database ? 0 : 1));
  p.push_back(static_cast<char>(std::clamp(e.progress_percent, 0, 100)));
  PutStr(&p, e.name);
  PutU32(&p, static_cast<uint32_t>(e.tables.size()));
  for (const auto& t : e.tables) PutStr(&p, t);
  PutStr(&p, e.backup_error);
  PutStr(&p, e.cleanup_error);
  std::string out(kMagic, sizeof kMagic);
  PutU32(&out, kHistoryFormatVersion);
  PutU32(&out, static_cast<uint32_t>(p.size()));
  out += p;
  PutU32(&out, core::Crc32c(out));
  return out;
}

core::Result<BackupHistoryEntry> ParseHistoryRecord(std::string_view bytes) {
  if (bytes.size() < kHeaderSize + 4) {
    return core::Status::Corruption("truncated (" + std::to_string(bytes.size()) + " bytes)");
  }
  if (std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    return core::Status::Corruption("not a backup history record (bad magic)");
  }
  Reader h(bytes.substr(8, 8));
  const uint32_t version = static_cast<uint32_t>(h.U(4));
  const uint32_t length = static_cast<uint32_t>(h.U(4));
  if (version > kHistoryFormatVersion) {
    return core::Status::Unsupported("written by a newer Sundial (format " +
                                     std::to_string(version) + ")");
  }
  if (version == 0 || length > kMaxPayload || bytes.size() != kHeaderSize + length + 4) {
    return core::Status::Corruption("bad header (version " + std::to_string(version) + ", length " +
                                    std::to_string(length) + ", file " +
                                    std::to_string(bytes.size()) + " bytes)");
  }
  Reader crc_reader(bytes.substr(kHeaderSize + length));
  if (static_cast<uint32_t>(crc_reader.U(4)) != core::Crc32c(bytes.substr(0, kHeaderSize + length))) {
    return core::Status::Corruption("checksum mismatch");
  }
  Reader r(bytes.substr(kHeaderSize, length));
  BackupHistoryEntry e;
  e.id = r.I64();
  e.start_us = r.I64();
  e.end_us = r.I64();
  e.duration_us = r.I64();
  e.rows = r.I64();
  e.bytes_copied = r.U(8);
  e.bytes_linked = r.U(8);
  e.removed_us = r.I64();
  const uint64_t status = r.U(1), kind = r.U(1), progress = r.U(1);
  e.name = r.Str();
  const uint64_t n_tables = r.U(4);
  for (uint64_t i = 0; i < n_tables && !r.failed(); ++i) e.tables.push_back(r.Str());
  e.backup_error = r.Str();
  e.cleanup_error = r.Str();
  if (r.failed() || !r.at_end() || status > 5 || kind > 1 || progress > 100) {
    return core::Status::Corruption("malformed payload");
  }
  e.status = static_cast<BackupStatus>(status);
  e.is_database = kind == 0;
  e.progress_percent = static_cast<int>(progress);
  return e;
}

BackupHistory::BackupHistory(core::FileSystem& fs, std::string backup_root)
    : fs_(fs), root_(std::move(backup_root)), dir_(core::JoinPath(root_, kBackupHistoryDirName)) {}

BackupHistory::BackupHistory(core::FileSystem& fs, core::ObjectStore& store)
    : fs_(fs), store_(&store), dir_(kStoreHistoryPrefix) {}

std::string BackupHistory::PathOf(int64_t id) const {
  if (store_ != nullptr) return kStoreHistoryPrefix + std::to_string(id) + kRecordSuffix;
  return core::JoinPath(dir_, std::to_string(id) + kRecordSuffix);
}

core::Status BackupHistory::Write(const BackupHistoryEntry& e) {
  // Whole or nothing: a kill while the record is replaced leaves the previous status, which
  // start-up recovery then resolves (FORMAT.md "Backups in an object store", History).
  if (store_ != nullptr) return store_->PutBytesWhole(PathOf(e.id), SerializeHistoryRecord(e));
  if (!fs_.IsDirectory(dir_)) {
    RETURN_IF_ERROR(fs_.CreateDirs(dir_));
    RETURN_IF_ERROR(fs_.SyncDir(root_));
  }
  return fs_.WriteFileAtomic(PathOf(e.id), SerializeHistoryRecord(e));
}

bool BackupHistory::Has(int64_t id) {
  if (store_ != nullptr) return store_->Head(PathOf(id)).ok();
  return fs_.Exists(PathOf(id));
}

namespace {

// The entry ReadAll returns for a record it could not read or parse.
BackupHistoryEntry Unreadable(int64_t id, const std::string& where, const core::Status& why) {
  BackupHistoryEntry bad;
  bad.id = std::max<int64_t>(id, 0);
  bad.start_us = bad.id;
  bad.status = BackupStatus::kBackupFailed;
  bad.backup_error = "history record unreadable: " + where + ": " + why.message();
  bad.unreadable = true;
  return bad;
}

// The record in `bytes` (or the read error) as the entry of record name `id`.
core::Result<BackupHistoryEntry> ParseNamedRecord(const core::Result<std::string>& bytes,
                                                  int64_t id) {
  core::Result<BackupHistoryEntry> e =
      bytes.ok() ? ParseHistoryRecord(*bytes) : core::Result<BackupHistoryEntry>(bytes.status());
  if (e.ok() && id >= 0 && e->id != id) {
    e = core::Status::Corruption("holds the record of " + std::to_string(e->id));
  } else if (e.ok() && id < 0) {
    e = core::Status::Corruption("not a record name");
  }
  return e;
}

void SortNewestFirst(std::vector<BackupHistoryEntry>* out) {
  std::sort(out->begin(), out->end(),
            [](const BackupHistoryEntry& a, const BackupHistoryEntry& b) { return a.id > b.id; });
}

}  // namespace

// A listing that fails is an error; a record that cannot be fetched is an unreadable entry.
core::Result<std::vector<BackupHistoryEntry>> BackupHistory::ReadAllFromStore() {
  auto objects = core::ListAllObjects(*store_, kStoreHistoryPrefix);
  if (!objects.ok()) {
    return core::Status(objects.status().code(),
                        "could not read the backup history: " + objects.status().message());
  }
  std::vector<BackupHistoryEntry> out;
  for (const core::ObjectInfo& o : *objects) {
    const std::string name = o.key.substr(std::strlen(kStoreHistoryPrefix));
    const int64_t id = IdOfName(name);
    std::string bytes;
    core::Status got = o.size > kMaxPayload + kHeaderSize + 64
                           ? core::Status::Corruption("too large")
                           : store_->Get(o.key, [&](std::string_view c) {
                               bytes.append(c);
                               return core::Status::Ok();
                             });
    auto e = ParseNamedRecord(got.ok() ? core::Result<std::string>(std::move(bytes))
                                       : core::Result<std::string>(got),
                              id);
    out.push_back(e.ok() ? std::move(*e) : Unreadable(id, o.key, e.status()));
  }
  SortNewestFirst(&out);
  return out;
}

core::Result<std::vector<BackupHistoryEntry>> BackupHistory::ReadAll() {
  if (store_ != nullptr) return ReadAllFromStore();
  std::vector<BackupHistoryEntry> out;
  if (!fs_.Exists(dir_)) return out;
  auto entries = fs_.ListDir(dir_);
  if (!entries.ok()) {
    return core::Status(entries.status().code(),
                        "could not read the backup history: " + entries.status().message());
  }
  for (const auto& d : *entries) {
    if (EndsWith(d.name, kTmpSuffix)) continue;  // an interrupted Write; the old record stands
    const std::string path = core::JoinPath(dir_, d.name);
    const int64_t id = IdOfName(d.name);
    auto bytes = d.is_dir ? core::Result<std::string>(core::Status::Corruption("a directory"))
                          : fs_.ReadFile(path);
    auto e = ParseNamedRecord(bytes, id);
    out.push_back(e.ok() ? std::move(*e) : Unreadable(id, path, e.status()));
  }
  SortNewestFirst(&out);
  return out;
}

core::Status BackupHistory::Recover(const std::map<int64_t, std::string>& published,
                                    int64_t now_us) {
  if (store_ == nullptr && !fs_.Exists(dir_)) return core::Status::Ok();
  core::Status first;
  auto keep_first = [&first](const core::Status& st) {
    if (!st.ok() && first.ok()) first = st;
  };
  std::set<std::string> published_names;
  for (const auto& [id, name] : published) published_names.insert(name);
  auto is_gone = [&](const std::string& name) {
    if (store_ != nullptr) return published_names.count(name) == 0;
    return !fs_.IsDirectory(core::JoinPath(root_, name));
  };
  if (auto entries = store_ != nullptr ? core::Result<std::vector<core::DirEntry>>(
                                             std::vector<core::DirEntry>{})
                                       : fs_.ListDir(dir_);
      entries.ok()) {
    for (const auto& d : *entries) {
      if (!EndsWith(d.name, kTmpSuffix)) continue;
      keep_first(fs_.RemoveFile(core::JoinPath(dir_, d.name)));
    }
  }
  ASSIGN_OR_RETURN(std::vector<BackupHistoryEntry> all, ReadAll());
  for (BackupHistoryEntry& e : all) {
    if (e.unreadable) continue;
    BackupHistoryEntry before = e;
    auto found = published.find(e.id);
    if (e.status == BackupStatus::kBackupInProgress && found != published.end()) {
      e.status = BackupStatus::kBackupComplete;  // renamed into place before the stop
      e.name = found->second;
      e.progress_percent = 100;
    } else if (e.status == BackupStatus::kBackupInProgress) {
      e.status = BackupStatus::kBackupFailed;
      e.backup_error = kInterruptedBackup;
    } else if (e.status == BackupStatus::kCleanupInProgress) {
      e.status = BackupStatus::kCleanupFailed;
      e.cleanup_error = kInterruptedCleanup;
    }
    if (!e.name.empty() && e.removed_us == 0 && e.status != BackupStatus::kBackupFailed &&
        is_gone(e.name)) {
      e.removed_us = now_us;  // removed by a cleanup that stopped before saying so, or by hand
    }
    if (e.status == before.status && e.name == before.name && e.removed_us == before.removed_us) {
      continue;
    }
    core::LogInfo("backup history recovered [id=" + std::to_string(e.id) + ", status=" +
                  std::string(BackupStatusName(e.status)) + "]");
    keep_first(Write(e));
  }
  return first;
}

}  // namespace sundial::cairo
