// Paced copy and checksum of a backup's source files; see cairo/backup_pace.h.
#include "cairo/backup_pace.h"

#include <algorithm>
#include <string>

#include "core/crc32c.h"

namespace sundial::cairo {
namespace {

// Extends `crc` over [offset, offset + n) of `file`, read in 128 KiB pieces (as FileCrc32c).
core::Result<uint32_t> ExtendCrc(core::File& file, uint64_t offset, uint64_t n, uint32_t crc,
                                 uint64_t size_bytes, std::string* buf) {
  constexpr uint64_t kPiece = 128 << 10;
  buf->resize(static_cast<size_t>(std::min(n, kPiece)));
  for (uint64_t done = 0; done < n;) {
    const size_t want = static_cast<size_t>(std::min(n - done, kPiece));
    ASSIGN_OR_RETURN(size_t got, file.ReadAt(offset + done, buf->data(), want));
    if (got != want) {
      return core::Status::IOError("file shorter than expected [path=" + file.path() +
                                   ", expected=" + std::to_string(size_bytes) + "]");
    }
    crc = core::Crc32cExtend(crc, buf->data(), want);
    done += want;
  }
  return crc;
}

// The one chunk loop: waits on the limiter, copies (dst non-null) and/or checksums (crc
// non-null) each chunk.
core::Status ChunkLoop(core::FileSystem* fs, core::File& src, core::File* dst, uint64_t size,
                       core::RateLimiter& limiter, uint64_t chunk, uint32_t* crc) {
  chunk = std::max<uint64_t>(chunk, 1);
  std::string buf;
  for (uint64_t offset = 0; offset < size;) {
    const uint64_t n = std::min(size - offset, chunk);
    limiter.Acquire(n);
    if (dst != nullptr) RETURN_IF_ERROR(fs->CopyRange(src, offset, *dst, offset, n));
    if (crc != nullptr) {
      ASSIGN_OR_RETURN(*crc, ExtendCrc(src, offset, n, *crc, size, &buf));
    }
    offset += n;
  }
  return core::Status::Ok();
}

}  // namespace

core::Result<uint32_t> PacedCopyWithCrc(core::FileSystem& fs, core::File& src, core::File& dst,
                                        uint64_t size, core::RateLimiter& limiter,
                                        uint64_t chunk) {
  uint32_t crc = 0;
  RETURN_IF_ERROR(ChunkLoop(&fs, src, &dst, size, limiter, chunk, &crc));
  return crc;
}

core::Status PacedCopy(core::FileSystem& fs, core::File& src, core::File& dst, uint64_t size,
                       core::RateLimiter& limiter, uint64_t chunk) {
  return ChunkLoop(&fs, src, &dst, size, limiter, chunk, nullptr);
}

core::Result<uint32_t> PacedCrc32c(core::File& src, uint64_t size, core::RateLimiter& limiter,
                                   uint64_t chunk) {
  uint32_t crc = 0;
  RETURN_IF_ERROR(ChunkLoop(nullptr, src, nullptr, size, limiter, chunk, &crc));
  return crc;
}

}  // namespace sundial::cairo
