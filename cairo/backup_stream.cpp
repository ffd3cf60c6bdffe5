// BackupStream: a pinned point-in-time backup sent as a tar archive. See backup_stream.h.
// The member list and the manifest's records follow BackupServiceImpl (backup.cpp): the same
// pins, the same committed files, `_txn` as pinned, conf/, the manifest last.
#include "cairo/backup_stream.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "cairo/snapshot.h"
#include "cairo/table_state.h"
#include "cairo/txn_file.h"
#include "core/confined_path.h"
#include "core/crc32c.h"
#include "core/tar.h"

namespace sundial::cairo {
namespace {

std::atomic<size_t> g_open_streams{0};

}  // namespace

// Where an entry's bytes come from: a committed file of a pinned table, or bytes in memory
// (`_txn` as pinned, conf/ files read at Open).
struct BackupStream::Source {
  int view = -1;         // index into views_, or -1
  std::string relative;  // within the table directory
  std::string data;      // when view < 0
};

size_t OpenBackupStreamCount() { return g_open_streams.load(); }

BackupStream::BackupStream(int64_t created_us) : mtime_s_(created_us / 1'000'000) {
  manifest_.created_us = created_us;
  g_open_streams.fetch_add(1);
}

BackupStream::~BackupStream() { g_open_streams.fetch_sub(1); }

core::Result<std::unique_ptr<BackupStream>> BackupStream::Open(
    const Engine& engine, core::FileSystem& fs, const std::string& server_root,
    const std::vector<std::string>& tables, int64_t created_us) {
  std::vector<std::string> names;  // each table once (names are case-insensitive)
  std::set<std::string> seen;
  for (const auto& t : tables) {
    if (!engine.HasTable(t))
      return core::Status::NotFound("table does not exist [table=" + t + "]");
    std::string key = t;
    for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (seen.insert(key).second) names.push_back(t);
  }
  std::unique_ptr<BackupStream> s(new BackupStream(created_us));
  s->manifest_.is_database = tables.empty();
  ASSIGN_OR_RETURN(s->views_, PinTablesAtOneInstant(engine, names));
  s->entries_.push_back({"db", true, 0});
  s->sources_.emplace_back();
  for (size_t i = 0; i < s->views_.size(); ++i) RETURN_IF_ERROR(s->AddTable(s->views_[i]));
  s->entries_.push_back({"conf", true, 0});
  s->sources_.emplace_back();
  const std::string conf = core::JoinPath(server_root, "conf");
  if (!server_root.empty() && fs.IsDirectory(conf)) RETURN_IF_ERROR(s->AddConf(fs, conf, "conf"));
  for (const auto& e : s->entries_) s->file_bytes_ += e.size;
  return s;
}

core::Status BackupStream::AddTable(const TableView& view) {
  const int index = static_cast<int>(&view - views_.data());
  const std::string dir = "db/" + view.table_name();
  entries_.push_back({dir, true, 0});
  sources_.emplace_back();
  std::set<std::string> made;
  ASSIGN_OR_RETURN(std::vector<CommittedFile> files, view.CommittedFiles());
  for (const CommittedFile& f : files) {
    if (!core::IsConfinedPath(f.relative_path)) {
      return core::Status::Internal("unexpected file path in table [table=" + view.table_name() +
                                    ", path=" + f.relative_path + "]");
    }
    std::string parent(core::DirName(f.relative_path));
    if (!parent.empty() && made.insert(parent).second) {
      entries_.push_back({dir + "/" + parent, true, 0});
      sources_.emplace_back();
    }
    entries_.push_back({dir + "/" + f.relative_path, false, f.committed_size});
    sources_.push_back({index, f.relative_path, {}});
  }
  std::string txn = view.SerializedTxn();
  entries_.push_back({dir + "/" + kTxnFileName, false, txn.size()});
  sources_.push_back({-1, {}, std::move(txn)});
  manifest_.tables.push_back({view.table_name(), view.txn(), view.row_count()});
  return core::Status::Ok();
}

// conf/ is small: read whole now, so the archive holds it as it was at Open.
core::Status BackupStream::AddConf(core::FileSystem& fs, const std::string& dir,
                                   const std::string& relative) {
  ASSIGN_OR_RETURN(auto listing, fs.ListDir(dir));
  std::sort(listing.begin(), listing.end(),
            [](const core::DirEntry& a, const core::DirEntry& b) { return a.name < b.name; });
  for (const auto& e : listing) {
    const std::string src = core::JoinPath(dir, e.name);
    const std::string dst = relative + "/" + e.name;
    if (e.is_dir) {
      entries_.push_back({dst, true, 0});
      sources_.emplace_back();
      RETURN_IF_ERROR(AddConf(fs, src, dst));
      continue;
    }
    ASSIGN_OR_RETURN(std::string data, fs.ReadFile(src));
    entries_.push_back({dst, false, data.size()});
    sources_.push_back({-1, {}, std::move(data)});
  }
  return core::Status::Ok();
}

// Appends up to `max_bytes` of the current file's data, extending its CRC.
core::Status BackupStream::AppendData(std::string* out, size_t max_bytes) {
  const BackupStreamEntry& e = entries_[at_];
  const Source& src = sources_[at_];
  const size_t k = static_cast<size_t>(std::min<uint64_t>(e.size - sent_, max_bytes));
  const size_t old = out->size();
  if (src.view < 0) {
    out->append(src.data, static_cast<size_t>(sent_), k);
  } else {
    if (file_ == nullptr) {
      // Through the pinned state: it follows the table directory across RENAME and DROP.
      ASSIGN_OR_RETURN(file_, views_[static_cast<size_t>(src.view)].state()->files->Open(
                                  src.relative, core::OpenMode::kRead));
    }
    out->resize(old + k);
    ASSIGN_OR_RETURN(size_t n, file_->ReadAt(sent_, out->data() + old, k));
    if (n < k) {
      out->resize(old);
      return core::Status::Corruption("file is shorter than committed [path=" + e.path +
                                      ", committed=" + std::to_string(e.size) +
                                      ", read=" + std::to_string(sent_ + n) + "]");
    }
  }
  crc_ = core::Crc32cExtend(crc_, out->data() + old, k);
  sent_ += k;
  return core::Status::Ok();
}

core::Result<bool> BackupStream::Next(std::string* out, size_t max_bytes) {
  if (done_) return false;
  const size_t start = out->size();
  max_bytes = std::max<size_t>(max_bytes, 1);
  while (out->size() - start < max_bytes) {
    if (at_ == entries_.size()) {
      // Every file is out with its CRC: the manifest goes last, then the end marker.
      const std::string text = SerializeManifest(manifest_);
      core::TarEntry m;
      m.path = kBackupManifestName;
      m.size = text.size();
      m.mtime = mtime_s_;
      out->append(core::TarHeader(m));
      out->append(text);
      out->append(core::TarPadding(text.size()), '\0');
      out->append(core::TarEnd());
      done_ = true;
      return true;
    }
    const BackupStreamEntry& e = entries_[at_];
    if (!header_sent_) {
      core::TarEntry h;
      h.path = e.path;
      h.type = e.is_dir ? core::TarEntryType::kDirectory : core::TarEntryType::kFile;
      h.size = e.size;
      h.mode = e.is_dir ? 0755 : 0644;
      h.mtime = mtime_s_;
      out->append(core::TarHeader(h));
      header_sent_ = true;
      sent_ = 0;
      crc_ = 0;
    }
    if (!e.is_dir && sent_ < e.size) {
      RETURN_IF_ERROR(AppendData(out, max_bytes - (out->size() - start)));
      if (sent_ < e.size) continue;
    }
    if (!e.is_dir) {
      out->append(core::TarPadding(e.size), '\0');
      manifest_.files.push_back({e.path, e.size, crc_});
    }
    file_.reset();
    header_sent_ = false;
    ++at_;
  }
  return true;
}

}  // namespace sundial::cairo
