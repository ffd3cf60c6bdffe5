// cairo/backup_pace.h — how a backup moves bytes without starving the writers it runs beside:
// the copy and the checksum reads go in chunks, each waiting first on a core::RateLimiter
// (cairo.sql.backup.max.bytes.per.sec; unlimited by default).
//
// Every function reads `src` [0, size), a range that must not change meanwhile (a backup reads
// only committed, pinned bytes: INVARIANTS.md 2 and 3). A short source is an IOError naming
// the file, never a shorter copy or a CRC of fewer bytes. Failures of `fs` are returned as they
// are. Thread-safe as far as the arguments are (one limiter per backup run).
#pragma once

#include <cstdint>

#include "core/file_system.h"
#include "core/rate_limiter.h"
#include "core/status.h"

namespace sundial::cairo {

// Bytes per chunk: each waits on the limiter once, and is copied and then checksummed while
// its pages are hot in the page cache.
inline constexpr uint64_t kBackupPaceChunk = 8 << 20;

// Copies [0, size) of `src` to `dst` through fs.CopyRange, chunk by chunk, and returns the
// CRC32C of the copied source bytes (one pass: each chunk is copied, then checksummed).
core::Result<uint32_t> PacedCopyWithCrc(core::FileSystem& fs, core::File& src, core::File& dst,
                                        uint64_t size, core::RateLimiter& limiter,
                                        uint64_t chunk = kBackupPaceChunk);

// Copies [0, size) of `src` to `dst` through fs.CopyRange, chunk by chunk.
core::Status PacedCopy(core::FileSystem& fs, core::File& src, core::File& dst, uint64_t size,
                       core::RateLimiter& limiter, uint64_t chunk = kBackupPaceChunk);

// The CRC32C of [0, size) of `src` (the same value as FileCrc32c), read chunk by chunk.
core::Result<uint32_t> PacedCrc32c(core::File& src, uint64_t size, core::RateLimiter& limiter,
                                   uint64_t chunk = kBackupPaceChunk);

}  // namespace sundial::cairo
