// The snapshot metadata file and atomic directory removal. See cairo/snapshot.h.
#include <cstring>

#include "cairo/snapshot.h"
#include "core/crc32c.h"

namespace sundial::cairo {
namespace {

constexpr uint32_t kSnapshotMagic = 0x4e534453;  // "SDSN" little-endian

void PutU32(std::string* out, uint32_t v) {
  char b[4];
  std::memcpy(b, &v, 4);  // the project is little-endian only (x86-64, aarch64)
  out->append(b, 4);
}

uint32_t GetU32(std::string_view s, size_t at) {
  uint32_t v;
  std::memcpy(&v, s.data() + at, 4);
  return v;
}

}  // namespace

std::string SerializeSnapshotMeta(std::string_view instance_id) {
  std::string out;
  PutU32(&out, kSnapshotMagic);
  PutU32(&out, kSnapshotFormatVersion);
  PutU32(&out, static_cast<uint32_t>(instance_id.size()));
  out.append(instance_id);
  PutU32(&out, core::Crc32c(out));
  return out;
}

core::Result<std::string> ParseSnapshotMeta(std::string_view bytes, std::string_view what) {
  auto damaged = [&](const char* why) {
    return core::Status::Corruption("snapshot metadata file is damaged [file=" +
                                    std::string(what) + ", reason=" + why + "]");
  };
  if (bytes.size() < 16) return damaged("too short");
  if (GetU32(bytes, 0) != kSnapshotMagic) return damaged("bad magic");
  uint32_t version = GetU32(bytes, 4);
  if (version > kSnapshotFormatVersion) {
    return core::Status::Unsupported(
        "snapshot was written by a newer version of Sundial [file=" + std::string(what) +
        ", format_version=" + std::to_string(version) +
        ", supported=" + std::to_string(kSnapshotFormatVersion) + "]");
  }
  uint32_t len = GetU32(bytes, 8);
  if (len > bytes.size() - 16 || bytes.size() != 16 + static_cast<size_t>(len)) {
    return damaged("bad length");
  }
  if (core::Crc32c(bytes.data(), 12 + len) != GetU32(bytes, 12 + len)) {
    return damaged("checksum mismatch");
  }
  return std::string(bytes.substr(12, len));
}

core::Status RemoveDirAtomically(core::FileSystem& fs, const std::string& path) {
  const std::string doomed = path + ".removing";
  RETURN_IF_ERROR(fs.RemoveAll(doomed));
  if (fs.Exists(path)) {
    RETURN_IF_ERROR(fs.Rename(path, doomed));
    std::string parent(core::DirName(path));
    RETURN_IF_ERROR(fs.SyncDir(parent.empty() ? "." : parent));
  }
  return fs.RemoveAll(doomed);
}

}  // namespace sundial::cairo
