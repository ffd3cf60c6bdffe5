// core/time_zone.h and core/posix_tz.h: names confined to the zone directory, damaged files
// refused, and offsets / local→UTC compared with glibc's own conversion (localtime_r and mktime
// with TZ set, in a child process) over many instants for a dozen zones.
#include "core/time_zone.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "core/posix_tz.h"
#include "core/timestamp.h"

namespace sundial::core {
namespace {

const char* const kZones[] = {
    "Europe/Berlin",       "America/New_York",   "Australia/Lord_Howe", "Asia/Kolkata",
    "Pacific/Chatham",     "America/Sao_Paulo",  "Europe/London",       "Australia/Sydney",
    "America/Santiago",    "Africa/Casablanca",  "Pacific/Apia",        "Asia/Tehran",
    "America/St_Johns",    "Europe/Dublin",      "Etc/GMT+5",           "Asia/Kathmandu",
};

bool HaveTzdata() { return TimeZone::Load("Europe/Berlin").ok(); }

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// glibc's answers, computed in a child process with TZ=<zone>: the UTC offset of each instant
// (localtime_r's tm_gmtoff) and mktime(tm_isdst = -1) of each local wall time (seconds).
struct GlibcAnswers {
  std::vector<int64_t> offsets;
  std::vector<int64_t> mktimes;
};

bool WriteAll(int fd, const void* p, size_t n) {
  const char* c = static_cast<const char*>(p);
  while (n > 0) {
    ssize_t w = ::write(fd, c, n);
    if (w <= 0) return false;
    c += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

GlibcAnswers AskGlibc(const std::string& zone, const std::vector<int64_t>& instants,
                      const std::vector<int64_t>& locals) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    ::setenv("TZ", zone.c_str(), 1);
    ::tzset();
    for (int64_t t : instants) {
      time_t tt = static_cast<time_t>(t);
      struct tm tm {};
      int64_t off = localtime_r(&tt, &tm) ? tm.tm_gmtoff : INT64_MIN;
      if (!WriteAll(fds[1], &off, sizeof off)) ::_exit(2);
    }
    for (int64_t l : locals) {
      CivilTime c = ToCivil(l * kMicrosPerSecond);
      struct tm tm {};
      tm.tm_year = static_cast<int>(c.year - 1900);
      tm.tm_mon = c.month - 1;
      tm.tm_mday = c.day;
      tm.tm_hour = c.hour;
      tm.tm_min = c.minute;
      tm.tm_sec = c.second;
      tm.tm_isdst = -1;
      int64_t u = static_cast<int64_t>(mktime(&tm));
      if (!WriteAll(fds[1], &u, sizeof u)) ::_exit(2);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  GlibcAnswers a;
  std::vector<int64_t> all(instants.size() + locals.size());
  size_t want = all.size() * sizeof(int64_t), got = 0;
  char* buf = reinterpret_cast<char*>(all.data());
  while (got < want) {
    ssize_t n = ::read(fds[0], buf + got, want - got);
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_EQ(got, want);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  a.offsets.assign(all.begin(), all.begin() + static_cast<long>(instants.size()));
  a.mktimes.assign(all.begin() + static_cast<long>(instants.size()), all.end());
  return a;
}

TEST(TimeZoneTest, MatchesGlibcForManyInstants) {
  if (!HaveTzdata()) GTEST_SKIP() << "no tzdata in " << TimeZone::ZoneDir();
  std::mt19937_64 rng(42);
  const int64_t y1901 = -2177452800, y2200 = 7258118400;
  const int64_t y2000 = 946684800, y2045 = 2366841600;
  for (const char* name : kZones) {
    SCOPED_TRACE(name);
    auto zone = TimeZone::Load(name);
    ASSERT_TRUE(zone.ok()) << zone.status().ToString();
    std::vector<int64_t> instants;
    for (int i = 0; i < 6000; ++i) {
      instants.push_back(std::uniform_int_distribution<int64_t>(y1901, y2200)(rng));
    }
    // Near likely transition instants: quarter hours ± 1 s, recent and future years.
    for (int i = 0; i < 12000; ++i) {
      int64_t q = std::uniform_int_distribution<int64_t>(y2000, y2045)(rng) / 900 * 900;
      instants.push_back(q + std::uniform_int_distribution<int64_t>(-1, 0)(rng));
    }
    std::vector<int64_t> locals;
    for (int i = 0; i < 6000; ++i) {
      locals.push_back(std::uniform_int_distribution<int64_t>(y2000, y2045)(rng) / 60 * 60);
    }
    GlibcAnswers g = AskGlibc(name, instants, locals);
    ASSERT_EQ(g.offsets.size(), instants.size());
    int mismatches = 0;
    for (size_t i = 0; i < instants.size() && mismatches < 5; ++i) {
      int64_t ours = zone->OffsetSecondsAt(instants[i] * kMicrosPerSecond);
      if (ours != g.offsets[i]) {
        ++mismatches;
        ADD_FAILURE() << "offset at " << FormatTimestamp(instants[i] * kMicrosPerSecond)
                      << ": ours " << ours << ", glibc " << g.offsets[i];
      }
    }
    // Local → UTC: where the wall time is unique, glibc's mktime must agree; everywhere, each
    // instant we give maps back to the wall time (gaps: shifted forward by the gap).
    int unique = 0, overlaps = 0, gaps = 0;
    for (size_t i = 0; i < locals.size() && mismatches < 5; ++i) {
      const int64_t local_us = locals[i] * kMicrosPerSecond;
      LocalTimeResolution r = zone->Resolve(local_us);
      if (r.kind == LocalTimeKind::kUnique) {
        ++unique;
        if (r.earlier_utc_us != g.mktimes[i] * kMicrosPerSecond) {
          ++mismatches;
          ADD_FAILURE() << "local " << FormatTimestamp(local_us) << ": ours "
                        << FormatTimestamp(r.earlier_utc_us) << ", glibc mktime "
                        << FormatTimestamp(g.mktimes[i] * kMicrosPerSecond);
        }
        EXPECT_EQ(zone->UtcToLocal(r.earlier_utc_us), local_us);
      } else if (r.kind == LocalTimeKind::kOverlap) {
        ++overlaps;
        EXPECT_LT(r.earlier_utc_us, r.later_utc_us);
        EXPECT_EQ(zone->UtcToLocal(r.earlier_utc_us), local_us);
        EXPECT_EQ(zone->UtcToLocal(r.later_utc_us), local_us);
        EXPECT_EQ(zone->LocalToUtc(local_us), r.earlier_utc_us);
      } else {
        ++gaps;
        const int64_t t = r.transition_utc_us;
        const int64_t before = zone->OffsetSecondsAt(t - 1), after = zone->OffsetSecondsAt(t);
        EXPECT_LT(before, after);
        // The wall time lies in [t + before, t + after): skipped.
        EXPECT_GE(local_us, t + before * kMicrosPerSecond);
        EXPECT_LT(local_us, t + after * kMicrosPerSecond);
        EXPECT_EQ(zone->UtcToLocal(zone->LocalToUtc(local_us)),
                  local_us + (after - before) * kMicrosPerSecond);
      }
    }
    EXPECT_GT(unique, 0);
    (void)overlaps;
    (void)gaps;
  }
}

TEST(TimeZoneTest, GapsAndOverlapsFollowTheDocumentedRule) {
  if (!HaveTzdata()) GTEST_SKIP() << "no tzdata";
  auto at = [](const char* s) { return *ParseTimestamp(s); };
  auto berlin = *TimeZone::Load("Europe/Berlin");
  // Spring forward 2026-03-29 02:00 CET → 03:00 CEST: 02:30 is shifted to 03:30 CEST.
  LocalTimeResolution gap = berlin.Resolve(at("2026-03-29T02:30:00"));
  EXPECT_EQ(gap.kind, LocalTimeKind::kGap);
  EXPECT_EQ(FormatTimestamp(gap.transition_utc_us), "2026-03-29T01:00:00.000000Z");
  EXPECT_EQ(FormatTimestamp(berlin.LocalToUtc(at("2026-03-29T02:30:00.25"))),
            "2026-03-29T01:30:00.250000Z");
  // Fall back 2026-10-25 03:00 CEST → 02:00 CET: 02:30 happens twice; the earlier is taken.
  LocalTimeResolution both = berlin.Resolve(at("2026-10-25T02:30:00"));
  EXPECT_EQ(both.kind, LocalTimeKind::kOverlap);
  EXPECT_EQ(FormatTimestamp(both.earlier_utc_us), "2026-10-25T00:30:00.000000Z");
  EXPECT_EQ(FormatTimestamp(both.later_utc_us), "2026-10-25T01:30:00.000000Z");
  EXPECT_EQ(berlin.LocalToUtc(at("2026-10-25T02:30:00")), both.earlier_utc_us);
  // Lord Howe: 30-minute DST (UTC+10:30 / +11).
  auto howe = *TimeZone::Load("Australia/Lord_Howe");
  EXPECT_EQ(howe.OffsetSecondsAt(at("2026-07-01T00:00:00Z")), 10 * 3600 + 1800);
  EXPECT_EQ(howe.OffsetSecondsAt(at("2027-01-01T00:00:00Z")), 11 * 3600);
  // Samoa skipped 2011-12-30 entirely (−10 → +14): the whole day is one gap.
  auto apia = *TimeZone::Load("Pacific/Apia");
  LocalTimeResolution skipped = apia.Resolve(at("2011-12-30T12:00:00"));
  EXPECT_EQ(skipped.kind, LocalTimeKind::kGap);
  EXPECT_EQ(FormatTimestamp(skipped.transition_utc_us), "2011-12-30T10:00:00.000000Z");
  // Sao Paulo abolished DST in 2019: no more gaps.
  auto sp = *TimeZone::Load("America/Sao_Paulo");
  EXPECT_EQ(sp.Resolve(at("2030-11-03T00:30:00")).kind, LocalTimeKind::kUnique);
  EXPECT_EQ(sp.OffsetSecondsAt(at("2030-01-15T00:00:00Z")), -3 * 3600);
  // Fixed offsets: Etc/GMT+5 is UTC−5 (POSIX sign), UTC is built in.
  EXPECT_EQ(TimeZone::Load("Etc/GMT+5")->OffsetSecondsAt(at("2026-07-01T00:00:00Z")), -5 * 3600);
  EXPECT_EQ(TimeZone().OffsetSecondsAt(at("2026-07-01T00:00:00Z")), 0);
}

TEST(TimeZoneTest, StandardOffsetIsTheNewestNonDstOffset) {
  if (!HaveTzdata()) GTEST_SKIP() << "no tzdata";
  // The same in summer and winter: the zone's standard time, not the offset in force.
  EXPECT_EQ(TimeZone::Load("Europe/Berlin")->StandardOffsetSeconds(), 3600);
  EXPECT_EQ(TimeZone::Load("America/New_York")->StandardOffsetSeconds(), -5 * 3600);
  EXPECT_EQ(TimeZone::Load("Australia/Lord_Howe")->StandardOffsetSeconds(), 10 * 3600 + 1800);
  EXPECT_EQ(TimeZone::Load("Pacific/Chatham")->StandardOffsetSeconds(), 12 * 3600 + 45 * 60);
  EXPECT_EQ(TimeZone::Load("Asia/Kolkata")->StandardOffsetSeconds(), 5 * 3600 + 1800);
  // Sao Paulo's newest rule has no DST; Moscow's standard time changed in 2014 (+4 → +3).
  EXPECT_EQ(TimeZone::Load("America/Sao_Paulo")->StandardOffsetSeconds(), -3 * 3600);
  EXPECT_EQ(TimeZone::Load("Europe/Moscow")->StandardOffsetSeconds(), 3 * 3600);
  EXPECT_EQ(TimeZone::Load("Etc/GMT+5")->StandardOffsetSeconds(), -5 * 3600);
  EXPECT_EQ(TimeZone().StandardOffsetSeconds(), 0);
}

TEST(TimeZoneTest, NamesStayInsideTheZoneDirectory) {
  for (const char* bad : {"", "/etc/passwd", "../etc/passwd", "Europe/../../etc/passwd",
                          "Europe//Berlin", "Europe/Berlin/", "./UTC", "Europe/Ber lin",
                          "Europe/Berlin\n", "Europe\\Berlin"}) {
    auto z = TimeZone::Load(bad);
    ASSERT_FALSE(z.ok()) << bad;
    EXPECT_EQ(z.status().code(), StatusCode::kInvalidArgument) << bad;
  }
  auto missing = TimeZone::Load("Mars/Olympus_Mons");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("unknown time zone 'Mars/Olympus_Mons'"),
            std::string::npos);
  if (HaveTzdata()) {
    auto dir = TimeZone::Load("Europe");  // a directory, not a zone
    ASSERT_FALSE(dir.ok());
    EXPECT_EQ(dir.status().code(), StatusCode::kNotFound);
  }
}

TEST(TimeZoneTest, TzdirOverridesTheZoneDirectory) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("sundial_tzdir_" + std::to_string(::getpid()));
  fs::create_directories(dir / "Test");
  const char* old = std::getenv("TZDIR");
  std::string saved = old ? old : "";
  ::setenv("TZDIR", dir.c_str(), 1);
  EXPECT_EQ(TimeZone::ZoneDir(), dir.string());
  EXPECT_EQ(TimeZone::Load("Europe/Berlin").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(TimeZone::Load("UTC").ok());  // built in, no file needed
  if (fs::exists("/usr/share/zoneinfo/Asia/Kolkata")) {
    fs::copy_file("/usr/share/zoneinfo/Asia/Kolkata", dir / "Test" / "Zone");
    auto z = TimeZone::Load("Test/Zone");
    ASSERT_TRUE(z.ok()) << z.status().ToString();
    EXPECT_EQ(z->name(), "Test/Zone");
    EXPECT_EQ(z->OffsetSecondsAt(0), 5 * 3600 + 1800);
  }
  if (old) {
    ::setenv("TZDIR", saved.c_str(), 1);
  } else {
    ::unsetenv("TZDIR");
  }
  fs::remove_all(dir);
}

TEST(TimeZoneTest, DamagedFilesAreErrorsNeverGuesses) {
  if (!HaveTzdata()) GTEST_SKIP() << "no tzdata";
  const std::string good = ReadBytes(TimeZone::ZoneDir() + "/Europe/Berlin");
  ASSERT_TRUE(TimeZone::FromTzif("Europe/Berlin", good).ok());
  // Every truncation is refused.
  for (size_t n = 0; n < good.size(); ++n) {
    auto z = TimeZone::FromTzif("t", std::string_view(good).substr(0, n));
    ASSERT_FALSE(z.ok()) << "truncated to " << n << " of " << good.size();
    EXPECT_TRUE(z.status().code() == StatusCode::kCorruption) << z.status().ToString();
    EXPECT_NE(z.status().message().find("damaged time zone file for 't'"), std::string::npos);
  }
  // Extra bytes, bad magic, unknown version, a broken footer.
  EXPECT_FALSE(TimeZone::FromTzif("t", good + "x").ok());
  std::string bad = good;
  bad[0] = 'X';
  EXPECT_FALSE(TimeZone::FromTzif("t", bad).ok());
  bad = good;
  bad[4] = '9';
  EXPECT_FALSE(TimeZone::FromTzif("t", bad).ok());
  const size_t footer = good.rfind('\n', good.size() - 2);
  ASSERT_NE(footer, std::string::npos);
  bad = good.substr(0, footer + 1) + "CET-1CEST,M3.5.0\n";
  auto z = TimeZone::FromTzif("t", bad);
  ASSERT_FALSE(z.ok());
  EXPECT_NE(z.status().message().find("TZ string footer"), std::string::npos);
  // Random byte flips: an error or a zone, never a crash (ASan/UBSan build checks the reads).
  std::mt19937_64 rng(7);
  for (int i = 0; i < 3000; ++i) {
    std::string m = good;
    m[std::uniform_int_distribution<size_t>(0, m.size() - 1)(rng)] ^=
        static_cast<char>(1 << std::uniform_int_distribution<int>(0, 7)(rng));
    auto r = TimeZone::FromTzif("t", m);
    if (r.ok()) (void)r->OffsetSecondsAt(std::uniform_int_distribution<int64_t>(-1e17, 1e17)(rng));
  }
  // Leap-second zones are refused, not misread.
  const std::string right = ReadBytes(TimeZone::ZoneDir() + "/right/UTC");
  if (!right.empty()) {
    auto r = TimeZone::FromTzif("right/UTC", right);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kUnsupported);
  }
}

// A version 1 file (32-bit data, no footer), written by hand: UTC+1, then UTC+2 from 2000.
TEST(TimeZoneTest, ReadsVersionOneFiles) {
  std::string f = "TZif";
  f += '\0';
  f += std::string(15, '\0');
  auto be32 = [&](uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) f += static_cast<char>((v >> s) & 0xff);
  };
  for (uint32_t count : {0u, 0u, 0u, 1u, 2u, 8u}) be32(count);  // isut isstd leap time type char
  be32(946684800);                                               // 2000-01-01T00:00:00Z
  f += '\1';
  be32(3600);
  f += '\0';
  f += '\0';
  be32(7200);
  f += '\0';
  f += '\4';
  f += std::string("AAA\0BBB\0", 8);
  auto z = TimeZone::FromTzif("v1", f);
  ASSERT_TRUE(z.ok()) << z.status().ToString();
  EXPECT_EQ(z->OffsetSecondsAt(0), 3600);
  EXPECT_EQ(z->OffsetSecondsAt(946684799LL * kMicrosPerSecond), 3600);
  EXPECT_EQ(z->OffsetSecondsAt(946684800LL * kMicrosPerSecond), 7200);
  EXPECT_EQ(z->OffsetSecondsAt(4102444800LL * kMicrosPerSecond), 7200);
  std::string idx = f;
  idx[44 + 4] = '\2';  // type index out of range
  EXPECT_FALSE(TimeZone::FromTzif("v1", idx).ok());
}

TEST(PosixTzTest, ParsesFootersAndRefusesBadOnes) {
  auto cet = ParsePosixTz("CET-1CEST,M3.5.0,M10.5.0/3");
  ASSERT_TRUE(cet.ok());
  EXPECT_EQ(cet->std_offset, 3600);
  EXPECT_EQ(cet->dst_offset, 7200);
  EXPECT_EQ(cet->end.time, 3 * 3600);
  // 2030-03-31 01:00 UTC is the last Sunday of March, 02:00 CET.
  auto at = [](const char* s) { return *ParseTimestamp(s) / kMicrosPerSecond; };
  EXPECT_EQ(PosixTzOffsetAt(*cet, at("2030-03-31T00:59:59Z")), 3600);
  EXPECT_EQ(PosixTzOffsetAt(*cet, at("2030-03-31T01:00:00Z")), 7200);
  EXPECT_EQ(PosixTzOffsetAt(*cet, at("2030-10-27T00:59:59Z")), 7200);
  EXPECT_EQ(PosixTzOffsetAt(*cet, at("2030-10-27T01:00:00Z")), 3600);
  // Southern hemisphere (DST across the new year) and a half-hour offset.
  auto howe = ParsePosixTz("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0");
  ASSERT_TRUE(howe.ok());
  EXPECT_EQ(PosixTzOffsetAt(*howe, at("2031-01-01T00:00:00Z")), 11 * 3600);
  EXPECT_EQ(PosixTzOffsetAt(*howe, at("2031-07-01T00:00:00Z")), 10 * 3600 + 1800);
  // Version 3: DST all year.
  auto always = ParsePosixTz("EST5EDT,0/0,J365/25");
  ASSERT_TRUE(always.ok());
  for (const char* s : {"2031-01-01T00:00:00Z", "2031-06-01T00:00:00Z", "2031-12-31T23:59:59Z",
                        "2032-01-01T05:00:00Z"}) {
    EXPECT_EQ(PosixTzOffsetAt(*always, at(s)), -4 * 3600) << s;
  }
  auto fixed = ParsePosixTz("<-03>3");
  ASSERT_TRUE(fixed.ok());
  EXPECT_FALSE(fixed->has_dst);
  EXPECT_EQ(fixed->std_offset, -3 * 3600);
  for (const char* bad : {"", "C-1", "CET", "CET-1CEST", "CET-1CEST,M3.5.0", "CET-1CEST,M13.5.0,M10.5.0",
                          "CET-1CEST,M3.6.0,M10.5.0", "CET-1CEST,M3.5.7,M10.5.0", "CET-25",
                          "CET-1CEST,J0,J365", "CET-1CEST,366,J1", "<AB>1", "CET-1CEST,M3.5.0/168,M10.5.0",
                          "CET-1CEST,M3.5.0,M10.5.0x"}) {
    EXPECT_FALSE(ParsePosixTz(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace sundial::core
