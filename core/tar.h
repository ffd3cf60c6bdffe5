// core/tar.h — POSIX tar archives (ustar, with pax extended headers where ustar's fields are too
// small): a writer of headers for a streamed archive, and a strict streaming reader.
//
// Writer: pure functions that return header bytes; the caller writes each member as
// TarHeader(entry), then exactly entry.size data bytes, then TarPadding(entry.size) zero bytes,
// and ends the archive with TarEnd(). A path longer than ustar's name/prefix fields, or a size
// of 8 GiB and more, gets a pax extended header ('x') before the member's ustar header. GNU tar
// and bsdtar read the result.
//
// Reader: pulls bytes through a callback and yields regular files and directories only.
// Accepted: ustar and pax headers, GNU tar's default format (magic "ustar  ", long names 'L',
// base-256 sizes); a leading "./" is dropped and the "." entry skipped. Refused, with a clear
// error and before any of the member's data is handed out: a path that is absolute, holds
// ".." or an empty component (core::IsConfinedPath) — InvalidArgument; hard or symbolic links,
// devices, FIFOs and any other type — InvalidArgument; a damaged header (checksum, a field that
// is not a number, unknown magic, a malformed pax record) or input that ends before the
// end-of-archive marker — Corruption naming the byte offset. A read error of the callback is
// returned as it is. Not thread-safe (one reader per stream); the writer functions are.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace sundial::core {

inline constexpr size_t kTarBlockSize = 512;

enum class TarEntryType { kFile, kDirectory };

struct TarEntry {
  std::string path;  // relative, '/'-separated, no trailing '/'
  TarEntryType type = TarEntryType::kFile;
  uint64_t size = 0;     // data bytes (0 for a directory)
  uint32_t mode = 0644;  // permission bits
  int64_t mtime = 0;     // seconds since the epoch
};

// The header block(s) of `entry` (a multiple of kTarBlockSize bytes).
std::string TarHeader(const TarEntry& entry);
// How many zero bytes follow `size` data bytes to fill the member's last block.
inline size_t TarPadding(uint64_t size) {
  return static_cast<size_t>((kTarBlockSize - size % kTarBlockSize) % kTarBlockSize);
}
// The end-of-archive marker: two zero blocks.
std::string TarEnd();

class TarReader {
 public:
  // Reads up to n bytes into buf; 0 only at the end of the input.
  using ReadFn = std::function<Result<size_t>(char* buf, size_t n)>;
  explicit TarReader(ReadFn read) : read_(std::move(read)) {}

  // The next member into *entry and true, or false after the end-of-archive marker. What is
  // left of the previous member's data is skipped.
  Result<bool> Next(TarEntry* entry);
  // Up to n bytes of the current member's data; 0 once it is all read.
  Result<size_t> ReadData(char* buf, size_t n);
  // Bytes of the archive consumed so far.
  uint64_t offset() const { return offset_; }

 private:
  Status ReadExact(char* buf, size_t n, std::string_view what);
  Status Skip(uint64_t n);
  Result<std::string> ReadMemberText(uint64_t size, size_t limit, std::string_view what);

  ReadFn read_;
  uint64_t offset_ = 0;
  uint64_t data_left_ = 0;  // of the current member
  size_t pad_left_ = 0;     // zero bytes after it
  bool ended_ = false;
};

}  // namespace sundial::core
