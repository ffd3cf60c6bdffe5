// Tests of core/tar: our writer read by GNU tar (and bsdtar when installed), GNU tar's archives
// (gnu, pax, ustar formats) read by our reader, and damaged or unsafe archives refused.
#include "core/tar.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "tests/testutil/temp_dir.h"

namespace sundial::core {
namespace {

using testutil::TempDir;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteAll(const std::string& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

int Sh(const std::string& cmd) { return std::system(cmd.c_str()); }

bool HaveCommand(const std::string& name) {
  return Sh("command -v " + name + " >/dev/null 2>&1") == 0;
}

// path -> contents ("/" suffix marks a directory, with empty contents).
using Tree = std::map<std::string, std::string>;

std::string WriteArchive(const Tree& tree) {
  std::string out;
  for (const auto& [path, data] : tree) {
    TarEntry e;
    if (!path.empty() && path.back() == '/') {
      e.path = path.substr(0, path.size() - 1);
      e.type = TarEntryType::kDirectory;
      e.mode = 0755;
    } else {
      e.path = path;
      e.size = data.size();
    }
    e.mtime = 1764633600;
    out += TarHeader(e);
    out += data;
    out.append(TarPadding(data.size()), '\0');
  }
  return out + TarEnd();
}

TarReader::ReadFn FromString(const std::string& s, size_t max_piece = SIZE_MAX) {
  auto pos = std::make_shared<size_t>(0);
  return [&s, pos, max_piece](char* buf, size_t n) -> Result<size_t> {
    const size_t k = std::min({n, s.size() - *pos, max_piece});
    std::memcpy(buf, s.data() + *pos, k);
    *pos += k;
    return k;
  };
}

Result<Tree> ReadArchive(const std::string& bytes, size_t max_piece = SIZE_MAX) {
  TarReader r(FromString(bytes, max_piece));
  Tree tree;
  TarEntry e;
  for (;;) {
    ASSIGN_OR_RETURN(bool more, r.Next(&e));
    if (!more) return tree;
    if (e.type == TarEntryType::kDirectory) {
      tree[e.path + "/"] = "";
      continue;
    }
    std::string data;
    char buf[777];
    for (;;) {
      ASSIGN_OR_RETURN(size_t n, r.ReadData(buf, sizeof(buf)));
      if (n == 0) break;
      data.append(buf, n);
    }
    EXPECT_EQ(data.size(), e.size) << e.path;
    tree[e.path] = std::move(data);
  }
}

// The tree under `root` as files and directories, relative paths.
Tree ReadTree(const std::string& root) {
  Tree tree;
  FILE* p = popen(("cd '" + root +
                   "' && find . -mindepth 1 \\( -type d -printf '%P/\\n' \\) -o "
                   "\\( -type f -printf '%P\\n' \\)")
                      .c_str(),
                  "r");
  char line[8192];
  while (p != nullptr && fgets(line, sizeof(line), p) != nullptr) {
    std::string path(line);
    path.pop_back();
    tree[path] = path.back() == '/' ? "" : ReadAll(root + "/" + path);
  }
  if (p != nullptr) pclose(p);
  return tree;
}

void MakeTree(const std::string& root, const Tree& tree) {
  for (const auto& [path, data] : tree) {
    if (path.back() == '/') {
      ASSERT_EQ(Sh("mkdir -p '" + root + "/" + path + "'"), 0);
    } else {
      WriteAll(root + "/" + path, data);
    }
  }
}

// Directories, empty and binary files, block-sized files, a path that needs ustar's prefix
// field, one that needs a pax header (a 150-byte component), and a deep one past 255 bytes.
Tree SampleTree() {
  std::mt19937_64 rng(7);
  auto bytes = [&rng](size_t n) {
    std::string s(n, '\0');
    for (char& c : s) c = static_cast<char>(rng());
    return s;
  };
  Tree t;
  t["db/"] = "";
  t["db/t/"] = "";
  t["db/t/_txn"] = bytes(333);
  t["db/t/2026-12-01/"] = "";
  t["db/t/2026-12-01/empty.d"] = "";
  t["db/t/2026-12-01/block.d"] = bytes(512);
  t["db/t/2026-12-01/big.d"] = bytes(200'000);
  const std::string mid = "db/" + std::string(60, 'm') + "/";
  t[mid] = "";
  t[mid + std::string(90, 'n') + ".d"] = bytes(10);  // 154 bytes: prefix + name
  const std::string lone = "db/" + std::string(150, 'l');
  t[lone + "/"] = "";
  t[lone + "/x"] = "pax path";
  std::string deep = "conf";
  t["conf/"] = "";
  for (int i = 0; i < 6; ++i) {
    deep += "/" + std::string(50, static_cast<char>('a' + i));
    t[deep + "/"] = "";
  }
  t[deep + "/server.conf"] = "http.bind.to=0.0.0.0:9000\n";
  return t;
}

TEST(TarTest, OwnArchiveRoundTrips) {
  const Tree tree = SampleTree();
  const std::string bytes = WriteArchive(tree);
  EXPECT_EQ(bytes.size() % kTarBlockSize, 0u);
  auto back = ReadArchive(bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, tree);
  // The same bytes handed over in odd pieces.
  auto pieces = ReadArchive(bytes, 7);
  ASSERT_TRUE(pieces.ok()) << pieces.status().ToString();
  EXPECT_EQ(*pieces, tree);
}

TEST(TarTest, GnuTarExtractsOurArchive) {
  TempDir dir;
  const Tree tree = SampleTree();
  WriteAll(dir.Sub("a.tar"), WriteArchive(tree));
  ASSERT_EQ(
      Sh("mkdir " + dir.Sub("out") + " && tar -xf " + dir.Sub("a.tar") + " -C " + dir.Sub("out")),
      0);
  EXPECT_EQ(ReadTree(dir.Sub("out")), tree);
  if (HaveCommand("bsdtar")) {
    ASSERT_EQ(Sh("mkdir " + dir.Sub("bsd") + " && bsdtar -xf " + dir.Sub("a.tar") + " -C " +
                 dir.Sub("bsd")),
              0);
    EXPECT_EQ(ReadTree(dir.Sub("bsd")), tree);
  }
}

TEST(TarTest, ReadsGnuTarArchivesInEveryFormat) {
  TempDir dir;
  const Tree tree = SampleTree();
  MakeTree(dir.Sub("src"), tree);
  for (const std::string format : {"gnu", "pax", "posix", "oldgnu"}) {
    SCOPED_TRACE(format);
    const std::string tar = dir.Sub(format + ".tar");
    ASSERT_EQ(Sh("tar --format=" + format + " -cf " + tar + " -C " + dir.Sub("src") + " ."), 0);
    auto back = ReadArchive(ReadAll(tar));
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*back, tree);
  }
  // ustar holds paths of at most 255 bytes (split at a '/'): a tree of short paths.
  Tree short_tree;
  for (const auto& [p, d] : tree) {
    if (p.size() < 99) short_tree[p] = d;
  }
  MakeTree(dir.Sub("usrc"), short_tree);
  ASSERT_EQ(Sh("tar --format=ustar -cf " + dir.Sub("u.tar") + " -C " + dir.Sub("usrc") + " ."), 0);
  auto back = ReadArchive(ReadAll(dir.Sub("u.tar")));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, short_tree);
  if (HaveCommand("bsdtar")) {
    ASSERT_EQ(Sh("bsdtar -cf " + dir.Sub("b.tar") + " -C " + dir.Sub("src") + " ."), 0);
    auto b = ReadArchive(ReadAll(dir.Sub("b.tar")));
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    EXPECT_EQ(*b, tree);
  }
}

TEST(TarTest, SizeAbove8GiBTravelsInAPaxHeader) {
  TarEntry e;
  e.path = "db/t/huge.d";
  e.size = (10ull << 30) + 3;
  const std::string header = TarHeader(e);
  EXPECT_EQ(header.size(), 3 * kTarBlockSize);  // pax header + its data + ustar header
  EXPECT_EQ(header[156], 'x');
  TarReader r(FromString(header));
  TarEntry got;
  auto more = r.Next(&got);
  ASSERT_TRUE(more.ok()) << more.status().ToString();
  EXPECT_EQ(got.path, e.path);
  EXPECT_EQ(got.size, e.size);
  char buf[64];
  auto n = r.ReadData(buf, sizeof(buf));  // the data is missing
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.status().code(), StatusCode::kCorruption);
  EXPECT_NE(n.status().message().find("truncated"), std::string::npos);
  // GNU tar lists the member with the pax size.
  TempDir dir;
  WriteAll(dir.Sub("h.tar"), header);
  FILE* p = popen(("tar -tvf " + dir.Sub("h.tar") + " 2>/dev/null").c_str(), "r");
  char line[512] = {0};
  ASSERT_NE(fgets(line, sizeof(line), p), nullptr);
  pclose(p);
  EXPECT_NE(std::string(line).find(std::to_string(e.size)), std::string::npos) << line;
}

// Rewrites a header block's checksum after a test changed it.
void Rechecksum(std::string* archive, size_t at) {
  char* h = archive->data() + at;
  std::memset(h + 148, ' ', 8);
  unsigned sum = 0;
  for (size_t i = 0; i < kTarBlockSize; ++i) sum += static_cast<unsigned char>(h[i]);
  std::snprintf(h + 148, 8, "%06o", sum);
}

std::string OneFile(const std::string& path, char type = '0') {
  TarEntry e;
  e.path = "placeholder";
  e.size = 4;
  std::string a = TarHeader(e) + "data" + std::string(508, '\0') + TarEnd();
  std::memset(a.data(), 0, 100);
  std::memcpy(a.data(), path.data(), std::min<size_t>(path.size(), 100));
  a[156] = type;
  Rechecksum(&a, 0);
  return a;
}

Status ReadStatus(const std::string& bytes) {
  auto r = ReadArchive(bytes);
  return r.ok() ? Status::Ok() : r.status();
}

TEST(TarTest, RefusesUnsafeMembers) {
  ASSERT_TRUE(ReadStatus(OneFile("db/ok")).ok());
  for (const std::string path : {"/etc/passwd", "../x", "db/../../x", "db//x", "db/./../x", ".."}) {
    SCOPED_TRACE(path);
    Status st = ReadStatus(OneFile(path));
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.ToString();
    EXPECT_NE(st.message().find("unsafe path"), std::string::npos) << st.ToString();
  }
  for (char type : {'1', '2', '3', '4', '6', 'S', 'V', 'K'}) {
    SCOPED_TRACE(type);
    Status st = ReadStatus(OneFile("db/x", type));
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.ToString();
    EXPECT_NE(st.message().find("only files and directories"), std::string::npos) << st.ToString();
  }
  // A pax path that escapes, and a symbolic link made by GNU tar.
  {
    std::string a = OneFile("db/x");
    TarEntry pe;
    pe.path = std::string(120, 'p');
    std::string pax = TarHeader(pe).substr(0, 2 * kTarBlockSize);  // pax header + its data
    const size_t at = pax.find("path=");
    ASSERT_NE(at, std::string::npos);
    std::memcpy(pax.data() + at + 5, "../../../", 9);
    Status st = ReadStatus(pax + a);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.ToString();
  }
  TempDir dir;
  ASSERT_EQ(Sh("cd " + dir.path() + " && mkdir s && ln -s /etc/passwd s/link && tar -cf l.tar s"),
            0);
  Status st = ReadStatus(ReadAll(dir.Sub("l.tar")));
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.ToString();
  EXPECT_NE(st.message().find("a link"), std::string::npos) << st.ToString();
}

// Any one byte of any header changed is refused (the checksum, or the field it broke).
TEST(TarTest, EveryDamagedHeaderByteIsRefused) {
  const std::string good = WriteArchive(SampleTree());
  // Header offsets: walk the archive.
  std::vector<size_t> headers;
  {
    TarReader r(FromString(good));
    TarEntry e;
    uint64_t prev_end = 0;  // where the previous member's data and padding end
    for (;;) {
      auto more = r.Next(&e);
      ASSERT_TRUE(more.ok());
      if (!*more) break;
      // The member's own header is the block just before its data; a pax header precedes it.
      headers.push_back(static_cast<size_t>(r.offset()) - kTarBlockSize);
      if (r.offset() - prev_end > kTarBlockSize) headers.push_back(static_cast<size_t>(prev_end));
      prev_end = r.offset() + e.size + TarPadding(e.size);
    }
  }
  ASSERT_GT(headers.size(), 10u);
  for (size_t h : headers) {
    for (size_t i = 0; i < kTarBlockSize; ++i) {
      std::string bad = good;
      bad[h + i] = static_cast<char>(bad[h + i] ^ 0xff);
      Status st = ReadStatus(bad);
      ASSERT_FALSE(st.ok()) << "header " << h << " byte " << i;
      EXPECT_TRUE(st.code() == StatusCode::kCorruption || st.code() == StatusCode::kInvalidArgument)
          << st.ToString();
    }
  }
}

TEST(TarTest, EveryCutBeforeTheEndMarkerIsRefused) {
  const std::string good = WriteArchive(SampleTree());
  const size_t end = good.size() - 2 * kTarBlockSize;
  for (size_t cut = 0; cut < end; cut += (cut < 4096 ? 1 : 509)) {
    Status st = ReadStatus(good.substr(0, cut));
    ASSERT_EQ(st.code(), StatusCode::kCorruption) << "cut at " << cut << ": " << st.ToString();
    EXPECT_NE(st.message().find("truncated"), std::string::npos) << st.ToString();
  }
  // One zero block then the end of the input is accepted (GNU tar does too).
  EXPECT_TRUE(ReadStatus(good.substr(0, end + kTarBlockSize)).ok());
}

TEST(TarTest, ReadErrorIsReturned) {
  TarReader r([](char*, size_t) -> Result<size_t> { return Status::IOError("boom"); });
  TarEntry e;
  auto more = r.Next(&e);
  ASSERT_FALSE(more.ok());
  EXPECT_EQ(more.status().code(), StatusCode::kIOError);
}

TEST(TarTest, RandomBytesNeverCrash) {
  std::mt19937_64 rng(11);
  const std::string good = WriteArchive(SampleTree());
  for (int i = 0; i < 2000; ++i) {
    std::string bad = good;
    const int flips = 1 + static_cast<int>(rng() % 8);
    for (int f = 0; f < flips; ++f) bad[rng() % bad.size()] = static_cast<char>(rng());
    (void)ReadStatus(bad.substr(0, rng() % (bad.size() + 1)));
  }
}

}  // namespace
}  // namespace sundial::core
