// The real FileSystem over POSIX calls.
#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/file_system.h"

namespace sundial::core {
namespace {

Status Err(const char* what, const std::string& path, int err = errno) {
  return Status::FromErrno(err, std::string("could not ") + what + " [path=" + path + "]");
}

class PosixFile final : public File {
 public:
  PosixFile(std::string path, int fd) : File(std::move(path)), fd_(fd) {}
  ~PosixFile() override { ::close(fd_); }

  Result<size_t> ReadAt(uint64_t offset, void* buf, size_t n) override {
    size_t done = 0;
    while (done < n) {
      ssize_t r = ::pread(fd_, static_cast<char*>(buf) + done, n - done,
                          static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return Err("read file", path());
      }
      if (r == 0) break;
      done += static_cast<size_t>(r);
    }
    return done;
  }

  Status WriteAt(uint64_t offset, const void* buf, size_t n) override {
    size_t done = 0;
    while (done < n) {
      ssize_t r = ::pwrite(fd_, static_cast<const char*>(buf) + done, n - done,
                           static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return Err("write file", path());
      }
      if (r == 0) return Err("write file", path(), EIO);
      done += static_cast<size_t>(r);
    }
    return Status::Ok();
  }

  Status Sync() override {
    if (::fdatasync(fd_) != 0) return Err("sync file", path());
    return Status::Ok();
  }

  Status Truncate(uint64_t size) override {
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) return Err("truncate file", path());
    return Status::Ok();
  }

  Status Allocate(uint64_t offset, uint64_t len) override {
    if (len == 0) return Status::Ok();
    int rc = ::posix_fallocate(fd_, static_cast<off_t>(offset), static_cast<off_t>(len));
    if (rc == EOPNOTSUPP || rc == EINVAL) return Status::Ok();  // fs without fallocate
    if (rc != 0) return Err("reserve space in file", path(), rc);
    return Status::Ok();
  }

  Result<uint64_t> Size() override {
    struct stat st;
    if (::fstat(fd_, &st) != 0) return Err("stat file", path());
    return static_cast<uint64_t>(st.st_size);
  }

  int fd() const override { return fd_; }

 private:
  int fd_;
};

class PosixFileSystem final : public FileSystem {
 public:
  Result<std::unique_ptr<File>> Open(const std::string& path, OpenMode mode) override {
    int flags = O_CLOEXEC;
    switch (mode) {
      case OpenMode::kRead: flags |= O_RDONLY; break;
      case OpenMode::kReadWrite: flags |= O_RDWR; break;
      case OpenMode::kCreate: flags |= O_RDWR | O_CREAT; break;
      case OpenMode::kCreateExclusive: flags |= O_RDWR | O_CREAT | O_EXCL; break;
      case OpenMode::kTruncate: flags |= O_RDWR | O_CREAT | O_TRUNC; break;
    }
    int fd;
    do {
      fd = ::open(path.c_str(), flags, 0644);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) return Err("open file", path);
    return std::unique_ptr<File>(new PosixFile(path, fd));
  }

  Result<std::unique_ptr<MappedRegion>> MapReadOnly(File& file, uint64_t offset,
                                                    size_t len) override {
    if (len == 0) return std::make_unique<MappedRegion>(nullptr, 0, nullptr, 0);
    static const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
    uint64_t base_off = offset - offset % page;
    size_t base_len = static_cast<size_t>(len + (offset - base_off));
    void* p = ::mmap(nullptr, base_len, PROT_READ, MAP_SHARED, file.fd(),
                     static_cast<off_t>(base_off));
    if (p == MAP_FAILED) return Err("map file", file.path());
    return std::make_unique<MappedRegion>(static_cast<char*>(p) + (offset - base_off), len, p,
                                          base_len);
  }

  Status CreateDir(const std::string& path) override {
    if (::mkdir(path.c_str(), 0755) != 0) return Err("create directory", path);
    return Status::Ok();
  }
  Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return Err("remove file", path);
    return Status::Ok();
  }
  Status RemoveDir(const std::string& path) override {
    if (::rmdir(path.c_str()) != 0) return Err("remove directory", path);
    return Status::Ok();
  }
  Status Rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return Err("rename", from + ", to=" + to);
    }
    return Status::Ok();
  }
  Status Exchange(const std::string& a, const std::string& b) override {
    if (::renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE) != 0) {
      if (errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP) {
        return Status::Unsupported("rename exchange is not supported [path=" + a + "]");
      }
      return Err("exchange", a + ", with=" + b);
    }
    return Status::Ok();
  }
  Status SyncDir(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return Err("open directory", path);
    int rc = ::fsync(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0) return Err("sync directory", path, err);
    return Status::Ok();
  }
  Result<uint64_t> LinkCount(const std::string& path) override {
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) return Err("stat file", path);
    return static_cast<uint64_t>(st.st_nlink);
  }
  Status Link(const std::string& from, const std::string& to) override {
    if (::link(from.c_str(), to.c_str()) != 0) return Err("link", from + ", to=" + to);
    return Status::Ok();
  }
  bool Exists(const std::string& path) override {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0;
  }
  bool IsDirectory(const std::string& path) override {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  }
  Result<std::vector<DirEntry>> ListDir(const std::string& path) override {
    DIR* d = ::opendir(path.c_str());
    if (!d) return Err("list directory", path);
    std::vector<DirEntry> out;
    while (dirent* e = ::readdir(d)) {
      if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
      DirEntry de;
      de.name = e->d_name;
      if (e->d_type == DT_DIR) {
        de.is_dir = true;
      } else if (e->d_type == DT_UNKNOWN) {
        de.is_dir = IsDirectory(JoinPath(path, de.name));
      }
      out.push_back(std::move(de));
    }
    ::closedir(d);
    return out;
  }
  Result<uint64_t> FileSize(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return Err("stat file", path);
    return static_cast<uint64_t>(st.st_size);
  }
  Result<uint64_t> FreeSpace(const std::string& path) override {
    struct statvfs st;
    if (::statvfs(path.c_str(), &st) != 0) return Err("stat file system", path);
    return static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
  }
  Status CopyRange(File& src, uint64_t src_offset, File& dst, uint64_t dst_offset,
                   uint64_t len) override {
    loff_t in = static_cast<loff_t>(src_offset), out = static_cast<loff_t>(dst_offset);
    uint64_t left = len;
    bool fallback = false;
    while (left > 0 && !fallback) {
      ssize_t n = ::copy_file_range(src.fd(), &in, dst.fd(), &out, left, 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EXDEV || errno == ENOSYS || errno == EOPNOTSUPP || errno == EINVAL) {
          fallback = true;
          break;
        }
        return Err("copy file range", src.path() + ", to=" + dst.path());
      }
      if (n == 0) return Err("copy file range (source too short)", src.path(), EIO);
      left -= static_cast<uint64_t>(n);
    }
    if (left == 0) return Status::Ok();
    std::vector<char> buf(1 << 20);
    uint64_t s = static_cast<uint64_t>(in), d = static_cast<uint64_t>(out);
    while (left > 0) {
      size_t chunk = left < buf.size() ? static_cast<size_t>(left) : buf.size();
      ASSIGN_OR_RETURN(size_t got, src.ReadAt(s, buf.data(), chunk));
      if (got == 0) return Err("copy file range (source too short)", src.path(), EIO);
      RETURN_IF_ERROR(dst.WriteAt(d, buf.data(), got));
      s += got;
      d += got;
      left -= got;
    }
    return Status::Ok();
  }
  Status SyncAll() override {
    ::sync();
    return Status::Ok();
  }
};

}  // namespace

MappedRegion::~MappedRegion() {
  if (base_) ::munmap(base_, base_size_);
}

std::shared_ptr<FileSystem> NewPosixFileSystem() { return std::make_shared<PosixFileSystem>(); }

Status FileSystem::CreateDirs(const std::string& path) {
  if (path.empty() || IsDirectory(path)) return Status::Ok();
  std::string parent(DirName(path));
  if (!parent.empty() && parent != path) RETURN_IF_ERROR(CreateDirs(parent));
  Status st = CreateDir(path);
  if (st.code() == StatusCode::kAlreadyExists && IsDirectory(path)) return Status::Ok();
  return st;
}

Status FileSystem::RemoveAll(const std::string& path) {
  if (!Exists(path)) return Status::Ok();
  if (!IsDirectory(path)) {
    Status st = RemoveFile(path);
    return st.code() == StatusCode::kNotFound ? Status::Ok() : st;
  }
  ASSIGN_OR_RETURN(auto entries, ListDir(path));
  for (const auto& e : entries) RETURN_IF_ERROR(RemoveAll(JoinPath(path, e.name)));
  Status st = RemoveDir(path);
  return st.code() == StatusCode::kNotFound ? Status::Ok() : st;
}

Result<std::string> FileSystem::ReadFile(const std::string& path) {
  ASSIGN_OR_RETURN(auto f, Open(path, OpenMode::kRead));
  ASSIGN_OR_RETURN(uint64_t size, f->Size());
  std::string data(size, '\0');
  ASSIGN_OR_RETURN(size_t got, f->ReadAt(0, data.data(), data.size()));
  data.resize(got);
  return data;
}

Status FileSystem::WriteFileAtomic(const std::string& path, std::string_view data, bool sync) {
  std::string tmp = path + ".tmp";
  RETURN_IF_ERROR(Unshare(tmp));
  {
    ASSIGN_OR_RETURN(auto f, Open(tmp, OpenMode::kTruncate));
    Status st = f->WriteAt(0, data.data(), data.size());
    if (st.ok() && sync) st = f->Sync();
    if (!st.ok()) {
      (void)RemoveFile(tmp);
      return st;
    }
  }
  Status st = Rename(tmp, path);
  if (!st.ok()) {
    (void)RemoveFile(tmp);
    return st;
  }
  if (sync) {
    std::string dir(DirName(path));
    RETURN_IF_ERROR(SyncDir(dir.empty() ? "." : dir));
  }
  return Status::Ok();
}

Status FileSystem::ReplaceFile(const std::string& path, std::string_view data, bool sync) {
  std::string tmp = path + ".tmp";
  RETURN_IF_ERROR(Unshare(tmp));
  {
    ASSIGN_OR_RETURN(auto f, Open(tmp, OpenMode::kTruncate));
    Status st = f->WriteAt(0, data.data(), data.size());
    if (st.ok() && sync) st = f->Sync();
    if (!st.ok()) return st;  // `path` is untouched
  }
  Status st = Exchange(tmp, path);
  if (st.code() == StatusCode::kUnsupported || st.code() == StatusCode::kNotFound) {
    st = Rename(tmp, path);
  }
  if (!st.ok()) return st;
  if (sync) {
    std::string dir(DirName(path));
    RETURN_IF_ERROR(SyncDir(dir.empty() ? "." : dir));
  }
  return Status::Ok();
}

Status FileSystem::Unshare(const std::string& path) {
  Result<uint64_t> links = LinkCount(path);
  if (!links.ok()) {
    const StatusCode code = links.status().code();
    if (code == StatusCode::kNotFound || code == StatusCode::kUnsupported) return Status::Ok();
    return links.status();
  }
  if (*links <= 1) return Status::Ok();
  const std::string tmp = path + ".unshare.tmp";
  Status st = [&]() -> Status {
    ASSIGN_OR_RETURN(auto src, Open(path, OpenMode::kRead));
    ASSIGN_OR_RETURN(uint64_t size, src->Size());
    ASSIGN_OR_RETURN(auto dst, Open(tmp, OpenMode::kTruncate));
    if (size > 0) RETURN_IF_ERROR(CopyRange(*src, 0, *dst, 0, size));
    RETURN_IF_ERROR(dst->Sync());
    return Rename(tmp, path);
  }();
  if (!st.ok()) {
    (void)RemoveFile(tmp);
    return st;
  }
  std::string dir(DirName(path));
  return SyncDir(dir.empty() ? "." : dir);
}

std::string JoinPath(std::string_view a, std::string_view b) {
  if (a.empty()) return std::string(b);
  std::string s(a);
  if (s.back() != '/') s.push_back('/');
  s.append(b);
  return s;
}

std::string_view DirName(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  size_t p = path.rfind('/');
  if (p == std::string_view::npos) return {};
  if (p == 0) return "/";
  return path.substr(0, p);
}

std::string_view BaseName(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  size_t p = path.rfind('/');
  return p == std::string_view::npos ? path : path.substr(p + 1);
}

}  // namespace sundial::core
