// The fs:: object store: one file per key under a root directory (core/object_store.h).
// Put writes `<root>/.tmp/<unique>`, fsyncs it, renames it to `<root>/<key>` and fsyncs the
// directory, so a key names a whole file or nothing. Delete removes the file and then the
// parent directories it leaves empty; a Put racing that removal re-creates its directories.
#include <algorithm>
#include <atomic>
#include <memory>

#include <unistd.h>

#include "core/object_store_internal.h"
#include "core/timestamp.h"

namespace sundial::core {
namespace {

constexpr size_t kPiece = 64 * 1024;

std::string ParentOf(const std::string& key) {
  size_t slash = key.rfind('/');
  return slash == std::string::npos ? std::string() : key.substr(0, slash);
}

class FsObjectStore final : public ObjectStore {
 public:
  FsObjectStore(const ObjectStoreConfig& config, FileSystem& fs) : config_(config), fs_(fs) {
    while (config_.root.size() > 1 && config_.root.back() == '/') config_.root.pop_back();
  }

  const ObjectStoreConfig& config() const override { return config_; }

  Status PutBytes(std::string_view key, std::string_view data) override {
    return Put(key, [&](File& out) {
      return data.empty() ? Status::Ok() : out.WriteAt(0, data.data(), data.size());
    });
  }

  Status PutBytesWhole(std::string_view key, std::string_view data) override {
    return PutBytes(key, data);  // temp file + rename: always whole or nothing
  }

  Status PutFile(std::string_view key, File& file, uint64_t offset, uint64_t length) override {
    return Put(key, [&](File& out) -> Status {
      if (length == 0) return Status::Ok();
      ASSIGN_OR_RETURN(uint64_t size, file.Size());
      if (offset > size || size - offset < length) {
        return Status::IOError("file is shorter than the range to upload [path=" + file.path() +
                               "]");
      }
      return fs_.CopyRange(file, offset, out, 0, length);
    });
  }

  Status Get(std::string_view key, const ObjectSink& sink) override {
    RETURN_IF_ERROR(ValidateObjectKey(key));
    const std::string path = Path(key);
    if (fs_.IsDirectory(path)) return Missing(key);
    Result<std::unique_ptr<File>> file = fs_.Open(path, OpenMode::kRead);
    if (!file.ok()) return Absent(key, file.status()) ? Missing(key) : file.status();
    std::unique_ptr<char[]> buf(new char[kPiece]);
    for (uint64_t offset = 0;;) {
      ASSIGN_OR_RETURN(size_t got, (*file)->ReadAt(offset, buf.get(), kPiece));
      if (got == 0) return Status::Ok();
      RETURN_IF_ERROR(sink(std::string_view(buf.get(), got)));
      offset += got;
    }
  }

  Result<ObjectInfo> Head(std::string_view key) override {
    RETURN_IF_ERROR(ValidateObjectKey(key));
    const std::string path = Path(key);
    if (fs_.IsDirectory(path)) return Missing(key);
    Result<uint64_t> size = fs_.FileSize(path);
    if (!size.ok()) return Absent(key, size.status()) ? Missing(key) : size.status();
    return ObjectInfo{std::string(key), *size, ""};
  }

  Result<ObjectListPage> List(std::string_view prefix, std::string_view token,
                              int max_keys) override {
    if (max_keys < 1 || max_keys > 1000) {
      return Status::InvalidArgument("list max_keys must be 1..1000");
    }
    // Walk only the deepest directory the prefix names in full.
    std::string dir = ParentOf(std::string(prefix));
    if (!dir.empty() && !ValidateObjectKey(dir).ok()) return ObjectListPage{};
    std::vector<ObjectInfo> all;
    if (fs_.IsDirectory(dir.empty() ? config_.root : Path(dir))) RETURN_IF_ERROR(Walk(dir, prefix, token, &all));
    std::sort(all.begin(), all.end(),
              [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
    ObjectListPage page;
    if (all.size() > static_cast<size_t>(max_keys)) {
      all.resize(static_cast<size_t>(max_keys));
      page.next_token = all.back().key;
    }
    page.objects = std::move(all);
    return page;
  }

  Status Delete(std::string_view key) override {
    RETURN_IF_ERROR(ValidateObjectKey(key));
    const std::string path = Path(key);
    if (fs_.IsDirectory(path)) return Status::Ok();  // no object of that name
    Status st = fs_.RemoveFile(path);
    if (!st.ok() && Absent(key, st)) return Status::Ok();
    RETURN_IF_ERROR(st);
    std::string parent = ParentOf(std::string(key));
    // The directory may be gone already: another Delete removed it once it was empty.
    Status synced = fs_.SyncDir(parent.empty() ? config_.root : Path(parent));
    if (!synced.ok() && synced.code() != StatusCode::kNotFound) return synced;
    // Directories left empty go too (a failure means another key lives there: stop).
    while (!parent.empty() && fs_.RemoveDir(Path(parent)).ok()) parent = ParentOf(parent);
    return Status::Ok();
  }

 private:
  std::string Path(std::string_view key) const { return config_.root + "/" + std::string(key); }

  Status Missing(std::string_view key) const {
    return Status::NotFound("object not found [key=" + std::string(key) + ", " +
                            config_.Describe() + "]");
  }

  // Whether `error` (of a call on the key's path) means there is no such object: the path is
  // missing, or a component above it is a file (ENOTDIR: "a" is an object, "a/b" is not).
  bool Absent(std::string_view key, const Status& error) {
    if (error.code() == StatusCode::kNotFound) return true;
    for (std::string dir = ParentOf(std::string(key)); !dir.empty(); dir = ParentOf(dir)) {
      if (fs_.Exists(Path(dir)) && !fs_.IsDirectory(Path(dir))) return true;
    }
    return false;
  }

  // Creates root/<dir> and the directories above it.
  Status MakeDirs(const std::string& dir) {
    if (dir.empty()) return Status::Ok();
    if (fs_.IsDirectory(Path(dir))) return Status::Ok();
    RETURN_IF_ERROR(MakeDirs(ParentOf(dir)));
    Status st = fs_.CreateDir(Path(dir));
    return st.code() == StatusCode::kAlreadyExists ? Status::Ok() : st;
  }

  std::string TempPath() {
    static std::atomic<uint64_t> counter{0};
    return config_.root + "/.tmp/" + std::to_string(::getpid()) + "-" +
           std::to_string(SystemClock::Instance()->NowMicros()) + "-" +
           std::to_string(counter.fetch_add(1)) + ".tmp";
  }

  template <typename WriteFn>
  Status Put(std::string_view key, WriteFn write) {
    RETURN_IF_ERROR(ValidateObjectKey(key));
    RETURN_IF_ERROR(MakeDirs(".tmp"));
    const std::string tmp = TempPath();
    Status st = WriteTemp(tmp, write);
    if (st.ok()) st = MoveIntoPlace(tmp, std::string(key));
    if (!st.ok()) (void)fs_.RemoveFile(tmp);
    return st;
  }

  template <typename WriteFn>
  Status WriteTemp(const std::string& tmp, WriteFn write) {
    ASSIGN_OR_RETURN(std::unique_ptr<File> out, fs_.Open(tmp, OpenMode::kCreateExclusive));
    RETURN_IF_ERROR(write(*out));
    return out->Sync();
  }

  Status MoveIntoPlace(const std::string& tmp, const std::string& key) {
    const std::string parent = ParentOf(key);
    Status st;
    for (int attempt = 0; attempt < 5; ++attempt) {  // a Delete may remove the parent meanwhile
      st = MakeDirs(parent);
      if (st.ok()) st = fs_.Rename(tmp, Path(key));
      if (st.code() != StatusCode::kNotFound) break;
    }
    RETURN_IF_ERROR(st);
    return fs_.SyncDir(parent.empty() ? config_.root : Path(parent));
  }

  Status Walk(const std::string& dir, std::string_view prefix, std::string_view token,
              std::vector<ObjectInfo>* out) {
    const std::string path = dir.empty() ? config_.root : Path(dir);
    Result<std::vector<DirEntry>> entries = fs_.ListDir(path);
    if (!entries.ok()) {
      // Removed by a concurrent Delete: nothing there.
      return entries.status().code() == StatusCode::kNotFound ? Status::Ok() : entries.status();
    }
    for (const DirEntry& e : *entries) {
      std::string key = dir.empty() ? e.name : dir + "/" + e.name;
      if (dir.empty() && e.name == ".tmp") continue;
      if (e.is_dir) {
        // Only directories whose keys can still match the prefix.
        std::string as_prefix = key + "/";
        size_t n = std::min(as_prefix.size(), prefix.size());
        if (as_prefix.compare(0, n, prefix.substr(0, n)) == 0) {
          RETURN_IF_ERROR(Walk(key, prefix, token, out));
        }
        continue;
      }
      if (key.compare(0, prefix.size(), prefix) != 0 || key <= token) continue;
      Result<uint64_t> size = fs_.FileSize(Path(key));
      if (!size.ok()) {
        if (size.status().code() == StatusCode::kNotFound) continue;
        return size.status();
      }
      out->push_back(ObjectInfo{std::move(key), *size, ""});
    }
    return Status::Ok();
  }

  ObjectStoreConfig config_;
  FileSystem& fs_;
};

}  // namespace

std::unique_ptr<ObjectStore> NewFsObjectStore(const ObjectStoreConfig& config, FileSystem& fs) {
  return std::make_unique<FsObjectStore>(config, fs);
}

}  // namespace sundial::core
