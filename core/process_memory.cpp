#include "core/process_memory.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace sundial::core {
namespace {

// "   123 kB" -> 123 * 1024; false when it is anything else (or would overflow).
bool ParseKilobytes(std::string_view v, uint64_t* bytes) {
  size_t i = 0;
  while (i < v.size() && (v[i] == ' ' || v[i] == '\t')) ++i;
  uint64_t kb = 0;
  const size_t digits_from = i;
  for (; i < v.size() && v[i] >= '0' && v[i] <= '9'; ++i) {
    if (kb > (UINT64_MAX / 1024 - 9) / 10) return false;
    kb = kb * 10 + static_cast<uint64_t>(v[i] - '0');
  }
  if (i == digits_from || v.substr(i) != " kB") return false;
  *bytes = kb * 1024;
  return true;
}

}  // namespace

Result<ProcessMemory> ParseProcStatus(std::string_view text) {
  struct Field {
    std::string_view key;
    uint64_t ProcessMemory::*member;
    bool found = false;
  };
  Field fields[] = {{"VmRSS", &ProcessMemory::rss_bytes},
                    {"RssAnon", &ProcessMemory::rss_anon_bytes},
                    {"RssFile", &ProcessMemory::rss_file_bytes},
                    {"RssShmem", &ProcessMemory::rss_shmem_bytes},
                    {"VmHWM", &ProcessMemory::vm_hwm_bytes}};
  ProcessMemory out;
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    for (Field& f : fields) {
      if (f.found || line.substr(0, colon) != f.key) continue;
      if (!ParseKilobytes(line.substr(colon + 1), &(out.*f.member))) {
        return Status::InvalidArgument("bad /proc status line [line=" + std::string(line) + "]");
      }
      f.found = true;
    }
  }
  for (const Field& f : fields) {
    if (!f.found) {
      return Status::InvalidArgument("/proc status lacks a field [field=" + std::string(f.key) +
                                     "]");
    }
  }
  return out;
}

Result<ProcessMemory> ReadProcessMemory() {
  const int fd = ::open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Status::IOError(std::string("cannot open /proc/self/status: ") + std::strerror(errno));
  }
  std::string text;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return Status::IOError(std::string("cannot read /proc/self/status: ") + std::strerror(err));
    }
    if (n == 0 || text.size() > (1 << 20)) break;
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return ParseProcStatus(text);
}

}  // namespace sundial::core
