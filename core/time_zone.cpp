#include "core/time_zone.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <optional>
#include <vector>

#include "core/posix_tz.h"
#include "core/timestamp.h"

namespace sundial::core {

struct TimeZone::Data {
  std::string name;
  std::vector<int64_t> transitions;     // UTC seconds, strictly ascending
  std::vector<uint8_t> transition_types;
  std::vector<int32_t> type_offsets;    // seconds east of UTC, per time type
  std::vector<uint8_t> type_is_dst;     // per time type
  std::optional<PosixTz> footer;        // rule after the last transition
  std::vector<int32_t> offsets;         // every distinct offset (types and footer)
};

namespace {

constexpr size_t kMaxZoneFileBytes = 1 << 20;
constexpr int32_t kMinOffset = -25 * 3600;  // RFC 8536 bounds (-89999 .. 93599)
constexpr int32_t kMaxOffset = 26 * 3600;

const std::shared_ptr<const TimeZone::Data>& UtcData() {
  static const auto* data = [] {
    auto d = std::make_shared<TimeZone::Data>();
    d->name = "UTC";
    d->type_offsets = {0};
    d->offsets = {0};
    return new std::shared_ptr<const TimeZone::Data>(std::move(d));
  }();
  return *data;
}

class Reader {
 public:
  explicit Reader(std::string_view b) : b_(b) {}
  bool Has(size_t n) const { return b_.size() - pos_ >= n; }
  size_t pos() const { return pos_; }
  std::string_view Take(size_t n) {
    std::string_view s = b_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  uint32_t U32() {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(b_[pos_++]);
    return v;
  }
  int64_t I64() {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(b_[pos_++]);
    return static_cast<int64_t>(v);
  }
  uint8_t U8() { return static_cast<uint8_t>(b_[pos_++]); }
  size_t left() const { return b_.size() - pos_; }

 private:
  std::string_view b_;
  size_t pos_ = 0;
};

struct Header {
  char version = 0;
  uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

bool ReadHeader(Reader& r, Header* h) {
  if (!r.Has(44)) return false;
  if (r.Take(4) != "TZif") return false;
  h->version = static_cast<char>(r.U8());
  r.Take(15);
  h->isutcnt = r.U32();
  h->isstdcnt = r.U32();
  h->leapcnt = r.U32();
  h->timecnt = r.U32();
  h->typecnt = r.U32();
  h->charcnt = r.U32();
  return true;
}

uint64_t BlockSize(const Header& h, int time_size) {
  return uint64_t{h.timecnt} * time_size + h.timecnt + uint64_t{h.typecnt} * 6 + h.charcnt +
         uint64_t{h.leapcnt} * (time_size + 4) + h.isstdcnt + h.isutcnt;
}

// Reads one data block (32- or 64-bit times) into `d`; `why` gets the fault.
bool ReadBlock(Reader& r, const Header& h, int time_size, TimeZone::Data* d, std::string* why) {
  if (h.typecnt == 0 || h.typecnt > 256 || h.charcnt == 0 ||
      (h.isutcnt != 0 && h.isutcnt != h.typecnt) || (h.isstdcnt != 0 && h.isstdcnt != h.typecnt)) {
    *why = "inconsistent header counts";
    return false;
  }
  if (h.leapcnt != 0) {
    *why = "leap-second zones are not supported";
    return false;
  }
  if (!r.Has(BlockSize(h, time_size))) {
    *why = "file is shorter than its header says";
    return false;
  }
  d->transitions.resize(h.timecnt);
  for (uint32_t i = 0; i < h.timecnt; ++i) {
    d->transitions[i] = time_size == 8 ? r.I64() : static_cast<int32_t>(r.U32());
    if (i > 0 && d->transitions[i] <= d->transitions[i - 1]) {
      *why = "transition times are not ascending";
      return false;
    }
  }
  d->transition_types.resize(h.timecnt);
  for (uint32_t i = 0; i < h.timecnt; ++i) {
    d->transition_types[i] = r.U8();
    if (d->transition_types[i] >= h.typecnt) {
      *why = "transition type index out of range";
      return false;
    }
  }
  d->type_offsets.resize(h.typecnt);
  d->type_is_dst.resize(h.typecnt);
  for (uint32_t i = 0; i < h.typecnt; ++i) {
    int32_t off = static_cast<int32_t>(r.U32());
    uint8_t isdst = r.U8(), desig = r.U8();
    if (off < kMinOffset || off > kMaxOffset || isdst > 1 || desig >= h.charcnt) {
      *why = "bad local time type record";
      return false;
    }
    d->type_offsets[i] = off;
    d->type_is_dst[i] = isdst;
  }
  std::string_view chars = r.Take(h.charcnt);
  if (chars.back() != '\0') {
    *why = "time zone designations are not terminated";
    return false;
  }
  for (uint32_t i = 0; i < h.isstdcnt + h.isutcnt; ++i) {
    if (r.U8() > 1) {
      *why = "bad standard/UT indicator";
      return false;
    }
  }
  return true;
}

bool ValidZoneName(std::string_view name) {
  if (name.empty() || name.size() > 255 || name.front() == '/') return false;
  size_t start = 0;
  while (start <= name.size()) {
    size_t slash = name.find('/', start);
    std::string_view part = name.substr(start, slash == name.npos ? name.npos : slash - start);
    if (part.empty() || part == "." || part == "..") return false;
    for (char c : part) {
      bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                c == '_' || c == '+' || c == '-';
      if (!ok) return false;
    }
    if (slash == name.npos) break;
    start = slash + 1;
  }
  return true;
}

Result<std::string> ReadZoneFile(const std::string& path, std::string_view name) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT || err == ENOTDIR) {
      return Status::NotFound("unknown time zone '" + std::string(name) + "' [path=" + path + "]");
    }
    return Status::FromErrno(err, "could not open time zone file [path=" + path + "]");
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::NotFound("unknown time zone '" + std::string(name) + "' [path=" + path +
                            ", reason=not a zone file]");
  }
  if (static_cast<uint64_t>(st.st_size) > kMaxZoneFileBytes) {
    ::close(fd);
    return Status::Corruption("time zone file is too large [path=" + path + "]");
  }
  std::string bytes(static_cast<size_t>(st.st_size), '\0');
  size_t got = 0;
  while (got < bytes.size()) {
    ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = n < 0 ? errno : EIO;
      ::close(fd);
      return Status::FromErrno(err, "could not read time zone file [path=" + path + "]");
    }
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  return bytes;
}

}  // namespace

TimeZone::TimeZone() : data_(UtcData()) {}
TimeZone::TimeZone(std::shared_ptr<const Data> data) : data_(std::move(data)) {}

const std::string& TimeZone::name() const { return data_->name; }

std::string TimeZone::ZoneDir() {
  const char* dir = std::getenv("TZDIR");
  return dir != nullptr && *dir != '\0' ? dir : "/usr/share/zoneinfo";
}

Result<TimeZone> TimeZone::Load(std::string_view name) { return LoadFrom(ZoneDir(), name); }

Result<TimeZone> TimeZone::LoadFrom(std::string_view dir, std::string_view name) {
  if (name == "UTC") return TimeZone();
  if (!ValidZoneName(name)) {
    return Status::InvalidArgument("invalid time zone name '" + std::string(name) +
                                   "' (expected an IANA name such as Europe/Berlin)");
  }
  std::string path = std::string(dir) + "/" + std::string(name);
  ASSIGN_OR_RETURN(std::string bytes, ReadZoneFile(path, name));
  auto zone = FromTzif(std::string(name), bytes);
  if (!zone.ok()) {
    return Status(zone.status().code(), zone.status().message() + " [path=" + path + "]");
  }
  return zone;
}

Result<TimeZone> TimeZone::FromTzif(std::string name, std::string_view bytes) {
  auto data = std::make_shared<Data>();
  data->name = name;
  auto bad = [&](const std::string& why) {
    StatusCode code = why.find("not supported") != std::string::npos ? StatusCode::kUnsupported
                                                                     : StatusCode::kCorruption;
    return Status(code, "damaged time zone file for '" + name + "': " + why);
  };
  Reader r(bytes);
  Header h{};
  if (!ReadHeader(r, &h)) return bad("not a TZif file");
  if (h.version != '\0' && (h.version < '2' || h.version > '4')) {
    return bad("unknown TZif version");
  }
  std::string why;
  if (h.version == '\0') {
    if (!ReadBlock(r, h, 4, data.get(), &why)) return bad(why);
    if (r.left() != 0) return bad("trailing bytes after the data");
  } else {
    // Skip the 32-bit block; the 64-bit one follows with its own header.
    if (!r.Has(BlockSize(h, 4))) return bad("file is shorter than its header says");
    r.Take(BlockSize(h, 4));
    Header h2{};
    if (!ReadHeader(r, &h2) || h2.version != h.version) return bad("missing 64-bit header");
    if (!ReadBlock(r, h2, 8, data.get(), &why)) return bad(why);
    if (!r.Has(1) || r.U8() != '\n') return bad("missing TZ string footer");
    std::string_view rest = r.Take(r.left());
    size_t nl = rest.find('\n');
    if (nl == std::string_view::npos) return bad("unterminated TZ string footer");
    if (nl + 1 != rest.size()) return bad("trailing bytes after the footer");
    std::string_view footer = rest.substr(0, nl);
    if (!footer.empty()) {
      auto tz = ParsePosixTz(footer);
      if (!tz.ok()) return bad("TZ string footer '" + std::string(footer) + "': " +
                               tz.status().message());
      data->footer = *tz;
    }
  }
  for (int32_t o : data->type_offsets) data->offsets.push_back(o);
  if (data->footer) {
    data->offsets.push_back(data->footer->std_offset);
    if (data->footer->has_dst) data->offsets.push_back(data->footer->dst_offset);
  }
  std::sort(data->offsets.begin(), data->offsets.end());
  data->offsets.erase(std::unique(data->offsets.begin(), data->offsets.end()),
                      data->offsets.end());
  return TimeZone(std::move(data));
}

namespace {

int64_t OffsetAtSeconds(const TimeZone::Data& d, int64_t t) {
  const auto& tr = d.transitions;
  if (tr.empty()) return d.footer ? PosixTzOffsetAt(*d.footer, t) : d.type_offsets[0];
  if (t < tr.front()) return d.type_offsets[0];
  if (t >= tr.back() && d.footer) return PosixTzOffsetAt(*d.footer, t);
  size_t i = static_cast<size_t>(std::upper_bound(tr.begin(), tr.end(), t) - tr.begin()) - 1;
  return d.type_offsets[d.transition_types[i]];
}

}  // namespace

int64_t TimeZone::OffsetSecondsAt(int64_t utc_us) const {
  return OffsetAtSeconds(*data_, FloorDiv(utc_us, kMicrosPerSecond));
}

int64_t TimeZone::StandardOffsetSeconds() const {
  const Data& d = *data_;
  if (d.footer) return d.footer->std_offset;
  for (size_t i = d.transition_types.size(); i-- > 0;) {
    uint8_t t = d.transition_types[i];
    if (t < d.type_is_dst.size() && !d.type_is_dst[t]) return d.type_offsets[t];
  }
  for (size_t t = 0; t < d.type_offsets.size(); ++t) {
    if (t >= d.type_is_dst.size() || !d.type_is_dst[t]) return d.type_offsets[t];
  }
  return d.type_offsets.empty() ? 0 : d.type_offsets[0];
}

int64_t TimeZone::UtcToLocal(int64_t utc_us) const {
  return utc_us + OffsetSecondsAt(utc_us) * kMicrosPerSecond;
}

LocalTimeResolution TimeZone::Resolve(int64_t local_us) const {
  const Data& d = *data_;
  const int64_t local = FloorDiv(local_us, kMicrosPerSecond);
  const int64_t frac = local_us - local * kMicrosPerSecond;
  LocalTimeResolution r;
  // Every offset the zone ever uses is a candidate: u = local - o is an answer iff the offset
  // at u is o.
  std::vector<int64_t> valid;
  int64_t below = INT64_MIN, above = INT64_MAX;  // candidates whose wall time is < / > local
  for (int32_t o : d.offsets) {
    const int64_t u = local - o;
    const int64_t wall = u + OffsetAtSeconds(d, u);
    if (wall == local) {
      valid.push_back(u);
    } else if (wall < local) {
      below = std::max(below, u);
    } else {
      above = std::min(above, u);
    }
  }
  if (!valid.empty()) {
    std::sort(valid.begin(), valid.end());
    r.kind = valid.size() == 1 ? LocalTimeKind::kUnique : LocalTimeKind::kOverlap;
    r.earlier_utc_us = valid.front() * kMicrosPerSecond + frac;
    r.later_utc_us = valid.back() * kMicrosPerSecond + frac;
    return r;
  }
  // A gap: wall time jumps over `local` between `below` and `above`; find the jump.
  r.kind = LocalTimeKind::kGap;
  if (below == INT64_MIN || above == INT64_MAX || below >= above) {
    // Cannot happen for a consistent zone; answer deterministically.
    below = local - d.offsets.back();
    above = below + 1;
  }
  int64_t lo = below, hi = above;
  while (hi - lo > 1) {
    int64_t mid = lo + (hi - lo) / 2;
    if (mid + OffsetAtSeconds(d, mid) < local) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  r.transition_utc_us = hi * kMicrosPerSecond;
  r.gap_utc_us = (local - OffsetAtSeconds(d, lo)) * kMicrosPerSecond + frac;
  r.earlier_utc_us = r.later_utc_us = r.gap_utc_us;
  return r;
}

int64_t TimeZone::LocalToUtc(int64_t local_us) const {
  LocalTimeResolution r = Resolve(local_us);
  return r.kind == LocalTimeKind::kGap ? r.gap_utc_us : r.earlier_utc_us;
}

}  // namespace sundial::core
