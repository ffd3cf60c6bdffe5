// CrashFileSystem: power loss for tests. See core/crash_file_system.h for the model.
#include "core/crash_file_system.h"

#include <sys/stat.h>

#include <cstring>
#include <random>
#include <set>

namespace sundial::core {

namespace {

struct Change {
  enum Kind { kWrite, kTruncate, kAllocate } kind = kWrite;
  uint64_t offset = 0;  // kTruncate: the new size
  uint64_t len = 0;     // kAllocate
  std::string bytes;    // kWrite
};

struct Node {
  bool is_dir = false;
  std::string durable;                      // file: content at the last sync
  std::vector<Change> changes;              // file: since then
  std::map<std::string, uint64_t> entries;  // directory: entries at the last sync
};

Status PowerOff() { return Status::IOError("simulated power loss: the machine is off"); }

void Apply(std::string* content, const Change& c, size_t keep_bytes) {
  switch (c.kind) {
    case Change::kWrite: {
      const size_t n = std::min(keep_bytes, c.bytes.size());
      if (content->size() < c.offset + n) content->resize(c.offset + n, '\0');
      std::memcpy(content->data() + c.offset, c.bytes.data(), n);
      break;
    }
    case Change::kTruncate: content->resize(c.offset, '\0'); break;
    case Change::kAllocate:
      if (content->size() < c.offset + c.len) content->resize(c.offset + c.len, '\0');
      break;
  }
}

// What a disk holds of a file after power loss: the synced content plus none, all, a torn
// prefix, or random pages of the changes since.
std::string Tear(const Node& n, std::mt19937_64& rng) {
  std::string out = n.durable;
  if (n.changes.empty()) return out;
  switch (rng() % 4) {
    case 0: break;  // nothing reached the disk
    case 1:         // everything did
      for (const Change& c : n.changes) Apply(&out, c, SIZE_MAX);
      break;
    case 2: {  // in order up to a point, the change at that point torn
      const size_t k = rng() % (n.changes.size() + 1);
      for (size_t i = 0; i < k; ++i) Apply(&out, n.changes[i], SIZE_MAX);
      if (k < n.changes.size()) {
        const Change& c = n.changes[k];
        if (c.kind == Change::kWrite) Apply(&out, c, rng() % (c.bytes.size() + 1));
      }
      break;
    }
    default: {  // write-back in any order: each page of each change on its own
      constexpr uint64_t kPage = 4096;
      for (const Change& c : n.changes) {
        if (c.kind != Change::kWrite) {
          if (rng() % 2 == 0) Apply(&out, c, SIZE_MAX);
          continue;
        }
        uint64_t at = c.offset;
        const uint64_t end = c.offset + c.bytes.size();
        while (at < end) {
          const uint64_t next = std::min(end, (at / kPage + 1) * kPage);
          if (rng() % 2 == 0) {
            Change piece;
            piece.offset = at;
            piece.bytes = c.bytes.substr(at - c.offset, next - at);
            Apply(&out, piece, SIZE_MAX);
          }
          at = next;
        }
      }
    }
  }
  return out;
}

}  // namespace

struct CrashFileSystem::State {
  std::shared_ptr<FileSystem> base;
  std::string root;
  std::mutex mu;
  std::map<ino_t, uint64_t> id_of;  // the current file or directory of an inode
  std::map<uint64_t, Node> nodes;
  uint64_t next_id = 1;
  uint64_t root_id = 0;
  int64_t countdown = -1;
  bool crashed = false;
  int64_t mutations = 0;

  // Counts a mutating call; fails it once the machine is off.
  Status Mutate() {
    ++mutations;
    if (crashed) return PowerOff();
    if (countdown > 0 && --countdown == 0) {
      crashed = true;
      return PowerOff();
    }
    return Status::Ok();
  }
  uint64_t NewId(ino_t ino, bool is_dir) {
    const uint64_t id = next_id++;
    id_of[ino] = id;
    nodes[id].is_dir = is_dir;
    return id;
  }
  Result<uint64_t> IdOf(const std::string& path) {
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) return Status::FromErrno(errno, "stat [path=" + path + "]");
    auto it = id_of.find(st.st_ino);
    if (it != id_of.end()) return it->second;
    return NewId(st.st_ino, S_ISDIR(st.st_mode));
  }
  Result<std::map<std::string, uint64_t>> CurrentEntries(const std::string& dir) {
    ASSIGN_OR_RETURN(auto list, base->ListDir(dir));
    std::map<std::string, uint64_t> out;
    for (const auto& e : list) {
      ASSIGN_OR_RETURN(out[e.name], IdOf(JoinPath(dir, e.name)));
    }
    return out;
  }
  Status ReadWhole(File& f, std::string* out) {
    ASSIGN_OR_RETURN(uint64_t size, f.Size());
    out->assign(size, '\0');
    ASSIGN_OR_RETURN(size_t got, f.ReadAt(0, out->data(), out->size()));
    out->resize(got);
    return Status::Ok();
  }
  // Makes everything under `path` durable as it is now.
  Status Scan(const std::string& path) {
    ASSIGN_OR_RETURN(uint64_t id, IdOf(path));
    Node& n = nodes[id];
    if (n.is_dir) {
      ASSIGN_OR_RETURN(n.entries, CurrentEntries(path));
      ASSIGN_OR_RETURN(auto list, base->ListDir(path));
      for (const auto& e : list) RETURN_IF_ERROR(Scan(JoinPath(path, e.name)));
      return Status::Ok();
    }
    ASSIGN_OR_RETURN(auto f, base->Open(path, OpenMode::kRead));
    Node& file = nodes[id];
    file.changes.clear();
    return ReadWhole(*f, &file.durable);
  }
  Status Track() {
    id_of.clear();
    nodes.clear();
    RETURN_IF_ERROR(Scan(root));
    ASSIGN_OR_RETURN(root_id, IdOf(root));
    return Status::Ok();
  }
  void Record(uint64_t id, Change c) { nodes[id].changes.push_back(std::move(c)); }
};

namespace {

class CrashFile final : public File {
 public:
  CrashFile(std::shared_ptr<CrashFileSystem::State> state, uint64_t id, std::unique_ptr<File> base)
      : File(base->path()), state_(std::move(state)), id_(id), base_(std::move(base)) {}

  Result<size_t> ReadAt(uint64_t offset, void* buf, size_t n) override {
    return base_->ReadAt(offset, buf, n);
  }
  Status WriteAt(uint64_t offset, const void* buf, size_t n) override {
    std::lock_guard lk(state_->mu);
    RETURN_IF_ERROR(state_->Mutate());
    return WriteLocked(offset, buf, n);
  }
  // Writes and records the change; the caller holds the lock and counted the call.
  Status WriteLocked(uint64_t offset, const void* buf, size_t n) {
    RETURN_IF_ERROR(base_->WriteAt(offset, buf, n));
    Change c;
    c.kind = Change::kWrite;
    c.offset = offset;
    c.bytes.assign(static_cast<const char*>(buf), n);
    state_->Record(id_, std::move(c));
    return Status::Ok();
  }
  Status Sync() override {
    std::lock_guard lk(state_->mu);
    RETURN_IF_ERROR(state_->Mutate());
    Node& n = state_->nodes[id_];
    RETURN_IF_ERROR(state_->ReadWhole(*base_, &n.durable));
    n.changes.clear();
    return Status::Ok();
  }
  Status Truncate(uint64_t size) override {
    std::lock_guard lk(state_->mu);
    RETURN_IF_ERROR(state_->Mutate());
    RETURN_IF_ERROR(base_->Truncate(size));
    Change c;
    c.kind = Change::kTruncate;
    c.offset = size;
    state_->Record(id_, std::move(c));
    return Status::Ok();
  }
  Status Allocate(uint64_t offset, uint64_t len) override {
    std::lock_guard lk(state_->mu);
    RETURN_IF_ERROR(state_->Mutate());
    RETURN_IF_ERROR(base_->Allocate(offset, len));
    Change c;
    c.kind = Change::kAllocate;
    c.offset = offset;
    c.len = len;
    state_->Record(id_, std::move(c));
    return Status::Ok();
  }
  Result<uint64_t> Size() override { return base_->Size(); }
  int fd() const override { return base_->fd(); }
  File& base() { return *base_; }

 private:
  std::shared_ptr<CrashFileSystem::State> state_;
  uint64_t id_;
  std::unique_ptr<File> base_;
};

File& Unwrap(File& f) {
  auto* c = dynamic_cast<CrashFile*>(&f);
  return c != nullptr ? c->base() : f;
}

}  // namespace

CrashFileSystem::CrashFileSystem(std::shared_ptr<FileSystem> base, std::string root)
    : base_(std::move(base)), state_(std::make_shared<State>()) {
  state_->base = base_;
  state_->root = std::move(root);
  (void)state_->Track();
}

CrashFileSystem::~CrashFileSystem() = default;

void CrashFileSystem::CrashAfter(int64_t n) {
  std::lock_guard lk(state_->mu);
  state_->countdown = n;
}

bool CrashFileSystem::crashed() const {
  std::lock_guard lk(state_->mu);
  return state_->crashed;
}

int64_t CrashFileSystem::mutation_count() const {
  std::lock_guard lk(state_->mu);
  return state_->mutations;
}

Result<std::unique_ptr<File>> CrashFileSystem::Open(const std::string& path, OpenMode mode) {
  std::lock_guard lk(state_->mu);
  const bool mutating = mode == OpenMode::kCreate || mode == OpenMode::kCreateExclusive ||
                        mode == OpenMode::kTruncate;
  if (mutating) RETURN_IF_ERROR(state_->Mutate());
  const bool existed = base_->Exists(path);
  ASSIGN_OR_RETURN(auto f, base_->Open(path, mode));
  struct stat st;
  if (::fstat(f->fd(), &st) != 0) return Status::FromErrno(errno, "stat [path=" + path + "]");
  uint64_t id;
  if (!existed) {
    id = state_->NewId(st.st_ino, false);  // never synced: empty on disk
  } else {
    auto it = state_->id_of.find(st.st_ino);
    id = it != state_->id_of.end() ? it->second : state_->NewId(st.st_ino, false);
    if (mode == OpenMode::kTruncate) {
      Change c;
      c.kind = Change::kTruncate;
      c.offset = 0;
      state_->Record(id, std::move(c));
    }
  }
  return std::unique_ptr<File>(new CrashFile(state_, id, std::move(f)));
}

Result<std::unique_ptr<MappedRegion>> CrashFileSystem::MapReadOnly(File& file, uint64_t offset,
                                                                   size_t len) {
  return base_->MapReadOnly(Unwrap(file), offset, len);
}

Status CrashFileSystem::CreateDir(const std::string& path) {
  std::lock_guard lk(state_->mu);
  RETURN_IF_ERROR(state_->Mutate());
  RETURN_IF_ERROR(base_->CreateDir(path));
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return Status::FromErrno(errno, "stat [path=" + path + "]");
  state_->NewId(st.st_ino, true);  // no entries on disk yet
  return Status::Ok();
}

Status CrashFileSystem::RemoveFile(const std::string& path) {
  std::lock_guard lk(state_->mu);
  RETURN_IF_ERROR(state_->Mutate());
  return base_->RemoveFile(path);
}

Status CrashFileSystem::RemoveDir(const std::string& path) {
  std::lock_guard lk(state_->mu);
  RETURN_IF_ERROR(state_->Mutate());
  return base_->RemoveDir(path);
}

Status CrashFileSystem::Rename(const std::string& from, const std::string& to) {
  std::lock_guard lk(state_->mu);
  RETURN_IF_ERROR(state_->Mutate());
  return base_->Rename(from, to);
}

Status CrashFileSystem::Exchange(const std::string& a, const std::string& b) {
  std::lock_guard lk(state_->mu);
  RETURN_IF_ERROR(state_->Mutate());
  return base_->Exchange(a, b);
}

Status CrashFileSystem::Link(const std::string& from, const std::string& to) {
  std::lock_guard lk(state_->mu);
  RETURN_IF_ERROR(state_->Mutate());
  return base_->Link(from, to);
}

Status CrashFileSystem::SyncDir(const std::string& path) {
  std::lock_guard lk(state_->mu);
  RETURN_IF_ERROR(state_->Mutate());
  ASSIGN_OR_RETURN(uint64_t id, state_->IdOf(path));
  ASSIGN_OR_RETURN(state_->nodes[id].entries, state_->CurrentEntries(path));
  return Status::Ok();
}

Status CrashFileSystem::CopyRange(File& src, uint64_t src_offset, File& dst, uint64_t dst_offset,
                                  uint64_t len) {
  std::lock_guard lk(state_->mu);
  RETURN_IF_ERROR(state_->Mutate());
  auto* out = dynamic_cast<CrashFile*>(&dst);
  if (out == nullptr) return Status::Internal("copy into a file not opened through CrashFileSystem");
  std::string buf;
  while (len > 0) {
    buf.resize(static_cast<size_t>(std::min<uint64_t>(len, 1 << 20)));
    ASSIGN_OR_RETURN(size_t got, Unwrap(src).ReadAt(src_offset, buf.data(), buf.size()));
    if (got == 0) return Status::IOError("copy file range (source too short) [path=" + src.path() + "]");
    RETURN_IF_ERROR(out->WriteLocked(dst_offset, buf.data(), got));
    src_offset += got;
    dst_offset += got;
    len -= got;
  }
  return Status::Ok();
}

Status CrashFileSystem::SyncAll() {
  std::lock_guard lk(state_->mu);
  RETURN_IF_ERROR(state_->Mutate());
  return state_->Scan(state_->root);
}

Status CrashFileSystem::PowerLoss(uint64_t seed) {
  std::lock_guard lk(state_->mu);
  State& s = *state_;
  std::mt19937_64 rng(seed);
  // The current entries of every directory still reachable: a directory whose entries changed
  // since its sync holds, at random, the synced or the current ones.
  std::map<uint64_t, std::map<std::string, uint64_t>> current;
  std::vector<std::string> todo = {s.root};
  while (!todo.empty()) {
    std::string dir = std::move(todo.back());
    todo.pop_back();
    ASSIGN_OR_RETURN(uint64_t id, s.IdOf(dir));
    ASSIGN_OR_RETURN(auto entries, s.CurrentEntries(dir));
    for (const auto& [name, child] : entries) {
      if (s.nodes[child].is_dir) todo.push_back(JoinPath(dir, name));
    }
    current[id] = std::move(entries);
  }
  // Wipe the tree and build it as the disk holds it.
  ASSIGN_OR_RETURN(auto top, base_->ListDir(s.root));
  for (const auto& e : top) RETURN_IF_ERROR(base_->RemoveAll(JoinPath(s.root, e.name)));
  std::map<uint64_t, std::string> made;  // identity -> first path made (files: linked again)
  std::set<uint64_t> dirs_made = {s.root_id};
  std::vector<std::pair<uint64_t, std::string>> build = {{s.root_id, s.root}};
  while (!build.empty()) {
    auto [id, path] = std::move(build.back());
    build.pop_back();
    const Node& dir = s.nodes[id];
    const std::map<std::string, uint64_t>* entries = &dir.entries;
    auto cur = current.find(id);
    if (cur != current.end() && cur->second != dir.entries && rng() % 2 == 0) {
      entries = &cur->second;
    }
    for (const auto& [name, child] : *entries) {
      auto it = s.nodes.find(child);
      if (it == s.nodes.end()) continue;
      const std::string target = JoinPath(path, name);
      if (it->second.is_dir) {
        if (!dirs_made.insert(child).second) continue;  // no directory hard links
        RETURN_IF_ERROR(base_->CreateDir(target));
        build.emplace_back(child, target);
        continue;
      }
      auto m = made.find(child);
      if (m != made.end()) {
        RETURN_IF_ERROR(base_->Link(m->second, target));
        continue;
      }
      const std::string content = Tear(it->second, rng);
      ASSIGN_OR_RETURN(auto f, base_->Open(target, OpenMode::kCreateExclusive));
      RETURN_IF_ERROR(f->WriteAt(0, content.data(), content.size()));
      made[child] = target;
    }
  }
  s.crashed = false;
  s.countdown = -1;
  s.mutations = 0;
  return s.Track();
}

}  // namespace sundial::core
