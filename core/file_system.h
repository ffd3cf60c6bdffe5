// core/file_system.h — the I/O seam. Every file operation of cairo/ and sql/ goes through a
// FileSystem passed into constructors, so tests can substitute a fault-injecting one
// (core/fault_file_system.h) that fails chosen calls with ENOSPC, EIO or short writes.
//
// Errors: every call returns a Status built with Status::FromErrno, naming the operation and
// path ("could not open file [path=...] [errno=28, No space left on device]"); ENOSPC becomes
// kResourceExhausted. Thread-safety: a FileSystem is safe to share between threads; one File
// may be used by several threads for ReadAt/WriteAt on disjoint ranges.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sundial::core {

enum class OpenMode {
  kRead,            // existing file, read-only
  kReadWrite,       // existing file, read-write
  kCreate,          // read-write, created if missing, never truncated
  kCreateExclusive, // read-write, must not exist
  kTruncate,        // read-write, created if missing, truncated to 0
};

class File {
 public:
  virtual ~File() = default;
  const std::string& path() const { return path_; }
  // Reads up to n bytes at `offset`; fewer only at end of file.
  virtual Result<size_t> ReadAt(uint64_t offset, void* buf, size_t n) = 0;
  // Writes all n bytes at `offset` (retrying short writes) or fails.
  virtual Status WriteAt(uint64_t offset, const void* buf, size_t n) = 0;
  virtual Status Sync() = 0;  // fdatasync
  virtual Status Truncate(uint64_t size) = 0;
  // Reserves [offset, offset+len) on disk (posix_fallocate), so that later writes and stores
  // through a mapping cannot fail for lack of space (a store into an unbacked mapping is SIGBUS).
  virtual Status Allocate(uint64_t offset, uint64_t len) = 0;
  virtual Result<uint64_t> Size() = 0;
  // The OS descriptor, for mmap and copy_file_range; -1 for files that have none.
  virtual int fd() const = 0;

 protected:
  explicit File(std::string path) : path_(std::move(path)) {}

 private:
  std::string path_;
};

// A read-only mapping of a file range. Unmapped on destruction.
class MappedRegion {
 public:
  MappedRegion(const void* addr, size_t size, void* base, size_t base_size)
      : addr_(addr), size_(size), base_(base), base_size_(base_size) {}
  ~MappedRegion();
  MappedRegion(const MappedRegion&) = delete;
  MappedRegion& operator=(const MappedRegion&) = delete;
  const void* data() const { return addr_; }
  size_t size() const { return size_; }

 private:
  const void* addr_;
  size_t size_;
  void* base_;       // page-aligned address passed to munmap (nullptr: nothing to unmap)
  size_t base_size_;
};

struct DirEntry {
  std::string name;
  bool is_dir = false;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  virtual Result<std::unique_ptr<File>> Open(const std::string& path, OpenMode mode) = 0;
  // Maps [offset, offset+len) of `file` read-only. len 0 gives an empty region.
  virtual Result<std::unique_ptr<MappedRegion>> MapReadOnly(File& file, uint64_t offset,
                                                            size_t len) = 0;
  virtual Status CreateDir(const std::string& path) = 0;  // AlreadyExists if present
  virtual Status RemoveFile(const std::string& path) = 0;
  virtual Status RemoveDir(const std::string& path) = 0;  // empty directory only
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
  // Atomically swaps the names `a` and `b` (both must exist): renameat2(RENAME_EXCHANGE).
  // Unsupported where the file system cannot; NotFound if either is missing.
  virtual Status Exchange(const std::string& a, const std::string& b) {
    (void)a;
    (void)b;
    return Status::Unsupported("rename exchange is not supported");
  }
  virtual Status SyncDir(const std::string& path) = 0;
  // How many directory entries name the file at `path` (st_nlink; incremental backups share
  // files by hard links). Unsupported where the file system cannot tell (then Unshare treats
  // the file as not shared); NotFound if `path` is missing.
  virtual Result<uint64_t> LinkCount(const std::string& path) {
    (void)path;
    return Status::Unsupported("link count is not supported");
  }
  // Makes `to` (must not exist) a second name of the file `from`: link(2). Unsupported where
  // the file system has no hard links (callers copy instead).
  virtual Status Link(const std::string& from, const std::string& to) {
    (void)from;
    (void)to;
    return Status::Unsupported("hard links are not supported");
  }
  virtual bool Exists(const std::string& path) = 0;
  virtual bool IsDirectory(const std::string& path) = 0;
  virtual Result<std::vector<DirEntry>> ListDir(const std::string& path) = 0;
  virtual Result<uint64_t> FileSize(const std::string& path) = 0;
  virtual Result<uint64_t> FreeSpace(const std::string& path) = 0;
  // Copies len bytes from src at src_offset to dst at dst_offset (copy_file_range, falling back
  // to read/write).
  virtual Status CopyRange(File& src, uint64_t src_offset, File& dst, uint64_t dst_offset,
                           uint64_t len) = 0;
  // Whole-filesystem sync (sync(2)); used by SNAPSHOT PREPARE.
  virtual Status SyncAll() = 0;

  // --- helpers built on the calls above (not virtual, so faults injected below apply) ---

  // Creates `path` and any missing parents. OK if it already exists as a directory.
  Status CreateDirs(const std::string& path);
  // Removes a file or a directory tree. OK if it does not exist.
  Status RemoveAll(const std::string& path);
  Result<std::string> ReadFile(const std::string& path);
  // The one durable-replacement path: write `path.tmp`, fsync it, rename over `path`, fsync the
  // directory. With sync=false the fsyncs are skipped (the rename is still atomic).
  Status WriteFileAtomic(const std::string& path, std::string_view data, bool sync = true);
  // The same replacement for a file rewritten while its directory may be copied (a table's
  // `_txn` during SNAPSHOT PREPARE .. COMPLETE): `path.tmp` is written and then *exchanged*
  // with `path`, so both names always exist and `cp -a` never meets a name that vanished;
  // `path.tmp` keeps the previous content until the next replacement. Falls back to a rename
  // where exchange is unsupported (or `path` does not exist yet).
  Status ReplaceFile(const std::string& path, std::string_view data, bool sync = true);
  // The one check before any in-place change of an existing file (write, truncate, extend,
  // fallocate, a truncating open): if another name shares the file (LinkCount > 1, e.g. a
  // partition file an incremental backup hard-linked from an older backup), `path` is first
  // made a file of its own — copied to `path.unshare.tmp`, fsynced, renamed over `path`, the
  // directory fsynced — so the change never reaches the other names. OK (and no change) for a
  // missing or unshared file. Files opened on `path` before the call keep the shared file.
  Status Unshare(const std::string& path);
};

// The real file system. Instance() is created once, in main() or a test fixture.
std::shared_ptr<FileSystem> NewPosixFileSystem();

// Path helpers.
std::string JoinPath(std::string_view a, std::string_view b);
std::string_view DirName(std::string_view path);
std::string_view BaseName(std::string_view path);

}  // namespace sundial::core
