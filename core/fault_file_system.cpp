#include "core/fault_file_system.h"

#include <map>

namespace sundial::core {

struct FaultFileSystem::State {
  struct Active {
    FaultRule rule;
    int64_t seen = 0;
  };
  mutable std::mutex mu;
  std::vector<Active> rules;
  std::map<FaultOp, int64_t> calls;
  int64_t total_calls = 0;
  int64_t injected = 0;
};

namespace {

const char* OpName(FaultOp op) {
  switch (op) {
    case FaultOp::kAny: return "any";
    case FaultOp::kOpen: return "open file";
    case FaultOp::kRead: return "read file";
    case FaultOp::kWrite: return "write file";
    case FaultOp::kSync: return "sync file";
    case FaultOp::kTruncate: return "truncate file";
    case FaultOp::kAllocate: return "reserve space in file";
    case FaultOp::kMap: return "map file";
    case FaultOp::kCreateDir: return "create directory";
    case FaultOp::kRemoveFile: return "remove file";
    case FaultOp::kRemoveDir: return "remove directory";
    case FaultOp::kRename: return "rename";
    case FaultOp::kSyncDir: return "sync directory";
    case FaultOp::kListDir: return "list directory";
    case FaultOp::kCopyRange: return "copy file range";
    case FaultOp::kLink: return "link";
  }
  return "?";
}

class FaultFile final : public File {
 public:
  FaultFile(FaultFileSystem* fs, std::unique_ptr<File> base)
      : File(base->path()), fs_(fs), base_(std::move(base)) {}

  Result<size_t> ReadAt(uint64_t offset, void* buf, size_t n) override {
    RETURN_IF_ERROR(fs_->Check(FaultOp::kRead, path()));
    return base_->ReadAt(offset, buf, n);
  }
  Status WriteAt(uint64_t offset, const void* buf, size_t n) override {
    bool short_write = false;
    Status st = fs_->Check(FaultOp::kWrite, path(), &short_write);
    if (!st.ok()) {
      if (short_write && n > 1) (void)base_->WriteAt(offset, buf, n / 2);
      return st;
    }
    return base_->WriteAt(offset, buf, n);
  }
  Status Sync() override {
    RETURN_IF_ERROR(fs_->Check(FaultOp::kSync, path()));
    return base_->Sync();
  }
  Status Truncate(uint64_t size) override {
    RETURN_IF_ERROR(fs_->Check(FaultOp::kTruncate, path()));
    return base_->Truncate(size);
  }
  Status Allocate(uint64_t offset, uint64_t len) override {
    RETURN_IF_ERROR(fs_->Check(FaultOp::kAllocate, path()));
    return base_->Allocate(offset, len);
  }
  Result<uint64_t> Size() override { return base_->Size(); }
  int fd() const override { return base_->fd(); }
  File& base() { return *base_; }

 private:
  FaultFileSystem* fs_;
  std::unique_ptr<File> base_;
};

File& Unwrap(File& f) {
  auto* ff = dynamic_cast<FaultFile*>(&f);
  return ff != nullptr ? ff->base() : f;
}

}  // namespace

FaultFileSystem::FaultFileSystem(std::shared_ptr<FileSystem> base)
    : base_(std::move(base)), state_(std::make_shared<State>()) {}

FaultFileSystem::~FaultFileSystem() = default;

void FaultFileSystem::AddRule(FaultRule rule) {
  std::lock_guard lk(state_->mu);
  state_->rules.push_back({std::move(rule), 0});
}

void FaultFileSystem::ClearRules() {
  std::lock_guard lk(state_->mu);
  state_->rules.clear();
}

int64_t FaultFileSystem::CallCount(FaultOp op) const {
  std::lock_guard lk(state_->mu);
  if (op == FaultOp::kAny) return state_->total_calls;
  auto it = state_->calls.find(op);
  return it == state_->calls.end() ? 0 : it->second;
}

int64_t FaultFileSystem::FaultsInjected() const {
  std::lock_guard lk(state_->mu);
  return state_->injected;
}

void FaultFileSystem::ResetCounts() {
  std::lock_guard lk(state_->mu);
  state_->calls.clear();
  state_->total_calls = 0;
  state_->injected = 0;
}

Status FaultFileSystem::Check(FaultOp op, const std::string& path, bool* short_write) {
  std::lock_guard lk(state_->mu);
  ++state_->calls[op];
  ++state_->total_calls;
  for (auto& a : state_->rules) {
    const FaultRule& r = a.rule;
    if (r.op != FaultOp::kAny && r.op != op) continue;
    if (!r.path_substring.empty() && path.find(r.path_substring) == std::string::npos) continue;
    int64_t n = a.seen++;
    if (n < r.skip) continue;
    if (r.count >= 0 && n >= r.skip + r.count) continue;
    ++state_->injected;
    if (short_write != nullptr) *short_write = r.short_write;
    return Status::FromErrno(r.err, std::string("could not ") + OpName(op) +
                                        " [path=" + path + "] (injected fault)");
  }
  return Status::Ok();
}

Result<std::unique_ptr<File>> FaultFileSystem::Open(const std::string& path, OpenMode mode) {
  RETURN_IF_ERROR(Check(FaultOp::kOpen, path));
  ASSIGN_OR_RETURN(auto f, base_->Open(path, mode));
  return std::unique_ptr<File>(new FaultFile(this, std::move(f)));
}

Result<std::unique_ptr<MappedRegion>> FaultFileSystem::MapReadOnly(File& file, uint64_t offset,
                                                                   size_t len) {
  RETURN_IF_ERROR(Check(FaultOp::kMap, file.path()));
  return base_->MapReadOnly(Unwrap(file), offset, len);
}

Status FaultFileSystem::CreateDir(const std::string& path) {
  RETURN_IF_ERROR(Check(FaultOp::kCreateDir, path));
  return base_->CreateDir(path);
}

Status FaultFileSystem::RemoveFile(const std::string& path) {
  RETURN_IF_ERROR(Check(FaultOp::kRemoveFile, path));
  return base_->RemoveFile(path);
}

Status FaultFileSystem::RemoveDir(const std::string& path) {
  RETURN_IF_ERROR(Check(FaultOp::kRemoveDir, path));
  return base_->RemoveDir(path);
}

Status FaultFileSystem::Rename(const std::string& from, const std::string& to) {
  RETURN_IF_ERROR(Check(FaultOp::kRename, from + " -> " + to));
  return base_->Rename(from, to);
}

Status FaultFileSystem::Exchange(const std::string& a, const std::string& b) {
  RETURN_IF_ERROR(Check(FaultOp::kRename, a + " <-> " + b));
  return base_->Exchange(a, b);
}

Status FaultFileSystem::SyncDir(const std::string& path) {
  RETURN_IF_ERROR(Check(FaultOp::kSyncDir, path));
  return base_->SyncDir(path);
}

Status FaultFileSystem::Link(const std::string& from, const std::string& to) {
  RETURN_IF_ERROR(Check(FaultOp::kLink, from + " -> " + to));
  return base_->Link(from, to);
}

Result<std::vector<DirEntry>> FaultFileSystem::ListDir(const std::string& path) {
  RETURN_IF_ERROR(Check(FaultOp::kListDir, path));
  return base_->ListDir(path);
}

Status FaultFileSystem::CopyRange(File& src, uint64_t src_offset, File& dst, uint64_t dst_offset,
                                  uint64_t len) {
  RETURN_IF_ERROR(Check(FaultOp::kCopyRange, dst.path()));
  return base_->CopyRange(Unwrap(src), src_offset, Unwrap(dst), dst_offset, len);
}

}  // namespace sundial::core
