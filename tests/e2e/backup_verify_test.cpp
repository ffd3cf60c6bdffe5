// End-to-end tests of backup verification and retention through the real binary: VERIFY BACKUP
// over /exec, `sundial verify DIR`, the start-time check of `sundial -d <backup>`, and
// cairo.sql.backup.keep.latest.n.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "tests/e2e/restored_server.h"
#include "tests/http/server_harness.h"

namespace sundial::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// `sundial verify DIR`: exit code and stdout+stderr.
std::pair<int, std::string> RunVerify(const std::string& dir) {
  std::string cmd = Server::BinaryPath() + " verify '" + dir + "' 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int st = ::pclose(p);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

// Every regular file under `dir`, relative, sorted.
std::vector<std::string> FilesUnder(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) out.push_back(fs::relative(e.path(), dir).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

void FlipByte(const std::string& path, uint64_t offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0xff);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(&c, 1);
}

class BackupVerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    backup_root_ = fs::path(server_.root()).parent_path() / "backups";
    server_.SetConf("cairo.sql.backup.root", backup_root_);
  }
  int port() const { return server_.http_port(); }

  void CreateAndFill() {
    ASSERT_EQ(Exec(port(), "CREATE TABLE t (ts TIMESTAMP, s SYMBOL, v DOUBLE, name VARCHAR) "
                           "TIMESTAMP(ts) PARTITION BY DAY").status, 200);
    std::string body;
    for (int i = 0; i < 3000; ++i) {
      body += "t,s=k" + std::to_string(i % 5) + " v=" + std::to_string(i) + ".25,name=\"n" +
              std::to_string(i) + "\" " + std::to_string(1'700'000'000'000'000'000 +
                                                         int64_t{i} * 60'000'000'000) + "\n";
    }
    ASSERT_EQ(Post(port(), "/write", body).status, 204);
  }

  // BACKUP DATABASE; returns the new backup's directory name.
  std::string Backup() {
    std::vector<std::string> before = Names();
    HttpResponse r = Exec(port(), "BACKUP DATABASE");
    EXPECT_EQ(r.status, 200) << r.body;
    for (const auto& n : Names()) {
      if (std::find(before.begin(), before.end(), n) == before.end()) return n;
    }
    ADD_FAILURE() << "no new backup";
    return "";
  }
  std::vector<std::string> Names() const {
    std::vector<std::string> out;
    if (!fs::exists(backup_root_)) return out;
    for (const auto& e : fs::directory_iterator(backup_root_)) {
      if (e.is_directory() && e.path().filename() != "tmp" && e.path().filename() != "_history") {
        out.push_back(e.path().filename());
      }
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  HttpResponse Verify(const std::string& name) {
    return Exec(port(), "VERIFY BACKUP '" + name + "'");
  }

  Server server_;
  std::string backup_root_;
};

TEST_F(BackupVerifyTest, CleanBackupHasNoProblemsAndEveryFlippedByteIsReported) {
  ASSERT_TRUE(server_.Start()) << server_.Log();
  CreateAndFill();
  const std::string name = Backup();
  const std::string dir = backup_root_ + "/" + name;
  HttpResponse clean = Verify(name);
  ASSERT_EQ(clean.status, 200) << clean.body;
  EXPECT_NE(clean.body.find("\"name\":\"file\""), std::string::npos) << clean.body;
  EXPECT_NE(clean.body.find("\"dataset\":[]"), std::string::npos) << clean.body;
  EXPECT_EQ(RunVerify(dir).first, 0) << RunVerify(dir).second;

  std::vector<std::string> files = FilesUnder(dir);
  bool saw_txn = false, saw_sym = false, saw_manifest = false, saw_conf = false, saw_col = false;
  for (const std::string& f : files) {
    saw_txn |= f.find("/_txn") != std::string::npos;
    saw_sym |= f.find(".sym") != std::string::npos;
    saw_manifest |= f == "backup.manifest";
    saw_conf |= f.rfind("conf/", 0) == 0;
    saw_col |= f.find("/v.d") != std::string::npos;
    const std::string path = dir + "/" + f;
    const uint64_t size = fs::file_size(path);
    if (size == 0) continue;
    FlipByte(path, size / 2);
    HttpResponse r = Verify(name);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_NE(r.body.find("[\"" + f + "\""), std::string::npos) << f << ": " << r.body;
    auto [code, out] = RunVerify(dir);
    EXPECT_EQ(code, 1) << f << ": " << out;
    EXPECT_NE(out.find(f + ": expected"), std::string::npos) << f << ": " << out;
    FlipByte(path, size / 2);
  }
  EXPECT_TRUE(saw_txn && saw_sym && saw_manifest && saw_conf && saw_col);
  EXPECT_EQ(RunVerify(dir).first, 0);
  EXPECT_NE(Verify(name).body.find("\"dataset\":[]"), std::string::npos);

  // Truncated, extended, missing and foreign files.
  const std::string col = dir + "/" + *std::find_if(files.begin(), files.end(), [](auto& f) {
    return f.find("/v.d") != std::string::npos;
  });
  const uint64_t col_size = fs::file_size(col);
  fs::resize_file(col, col_size - 1);
  HttpResponse r = Verify(name);
  EXPECT_NE(r.body.find("\"size " + std::to_string(col_size) + "\",\"size " +
                        std::to_string(col_size - 1) + "\""),
            std::string::npos)
      << r.body;
  fs::resize_file(col, col_size);  // zero byte at the end: same size, other CRC
  EXPECT_NE(Verify(name).body.find("crc32c "), std::string::npos);
  std::ofstream(dir + "/db/stray.bin") << "x";
  r = Verify(name);
  EXPECT_NE(r.body.find("[\"db/stray.bin\",\"absent\",\"not in manifest\"]"), std::string::npos)
      << r.body;
  fs::remove(col);
  r = Verify(name);
  EXPECT_NE(r.body.find("\"missing\"]"), std::string::npos) << r.body;
}

TEST_F(BackupVerifyTest, NamesOutsideTheRootAreRefusedAndVerifyIsAReadInReadOnlyMode) {
  ASSERT_TRUE(server_.Start()) << server_.Log();
  CreateAndFill();
  const std::string name = Backup();
  const std::string outside = fs::path(backup_root_).parent_path() / "outside";
  fs::create_directories(outside);
  fs::create_symlink(outside, backup_root_ + "/link");
  for (const std::string& bad :
       std::vector<std::string>{"..", ".", "/etc", name + "/db", "../backups/" + name, "link", ""}) {
    HttpResponse r = Verify(bad);
    EXPECT_EQ(r.status, 400) << bad << ": " << r.body;
    EXPECT_NE(r.body.find("backup"), std::string::npos) << bad << ": " << r.body;
  }
  HttpResponse missing = Verify("no-such-backup");
  EXPECT_EQ(missing.status, 400) << missing.body;
  EXPECT_NE(missing.body.find("backup does not exist"), std::string::npos) << missing.body;
  // A symlink to a sibling backup inside the root is that backup.
  fs::create_symlink(backup_root_ + "/" + name, backup_root_ + "/alias");
  EXPECT_NE(Verify("alias").body.find("\"dataset\":[]"), std::string::npos);
  // A directory without a manifest is not a backup.
  fs::create_directories(backup_root_ + "/foreign");
  HttpResponse foreign = Verify("foreign");
  EXPECT_EQ(foreign.status, 400) << foreign.body;
  EXPECT_EQ(RunVerify(backup_root_ + "/foreign").first, 2);
  EXPECT_EQ(RunVerify(backup_root_ + "/nothing-here").first, 2);

  // Read-only server over the same backup root: VERIFY is allowed, BACKUP is not.
  Server ro;
  ro.SetConf("cairo.sql.backup.root", backup_root_);
  ro.SetConf("http.security.readonly", "true");
  ASSERT_TRUE(ro.Start()) << ro.Log();
  HttpResponse v = Exec(ro.http_port(), "VERIFY BACKUP '" + name + "'");
  EXPECT_EQ(v.status, 200) << v.body;
  EXPECT_NE(v.body.find("\"dataset\":[]"), std::string::npos) << v.body;
  EXPECT_NE(Exec(ro.http_port(), "BACKUP DATABASE").status, 200);

  // No backup root: the usual refusal.
  Server none;
  ASSERT_TRUE(none.Start()) << none.Log();
  HttpResponse d = Exec(none.http_port(), "VERIFY BACKUP '" + name + "'");
  EXPECT_NE(d.body.find("backup is disabled"), std::string::npos) << d.body;
}

TEST_F(BackupVerifyTest, StartOnATruncatedOrExtendedBackupIsRefused) {
  ASSERT_TRUE(server_.Start()) << server_.Log();
  CreateAndFill();
  const std::string dir = backup_root_ + "/" + Backup();
  std::vector<std::string> files = FilesUnder(dir);
  const std::string rel = *std::find_if(files.begin(), files.end(), [](auto& f) {
    return f.find("/v.d") != std::string::npos;
  });
  const std::string col = dir + "/" + rel;
  const uint64_t size = fs::file_size(col);
  const std::string original = ReadAll(col);
  for (uint64_t bad : {size - 1, size + 8}) {
    fs::resize_file(col, bad);
    RestoredServer r(dir);
    EXPECT_FALSE(r.Start());
    EXPECT_EQ(r.exit_code(), 1) << r.Log();
    EXPECT_NE(r.Log().find(rel), std::string::npos) << r.Log();
    RestoredServer skip(dir, {{"QDB_CAIRO_BACKUP_VERIFY_ON_START", "none"}});
    EXPECT_TRUE(skip.Start()) << skip.Log();
  }
  std::ofstream(col, std::ios::binary | std::ios::trunc) << original;
  ASSERT_EQ(fs::file_size(col), size);
  // Same size, one flipped byte: only the full check sees it.
  FlipByte(col, size / 2);
  {
    RestoredServer sized(dir);
    EXPECT_TRUE(sized.Start()) << sized.Log();
  }
  {
    RestoredServer full(dir, {{"QDB_CAIRO_BACKUP_VERIFY_ON_START", "full"}});
    EXPECT_FALSE(full.Start());
    EXPECT_EQ(full.exit_code(), 1) << full.Log();
    EXPECT_NE(full.Log().find(rel), std::string::npos) << full.Log();
  }
  FlipByte(col, size / 2);
  // A server started on the backup writes to it: the table moves on, and the root still starts
  // with the full check although its files no longer match the manifest.
  {
    RestoredServer r(dir, {{"QDB_CAIRO_BACKUP_VERIFY_ON_START", "full"}});
    ASSERT_TRUE(r.Start()) << r.Log();
    std::string more;
    for (int i = 0; i < 100; ++i) {
      more += "t,s=z v=1.5,name=\"m\" " +
              std::to_string(1'700'000'000'000'000'000 + int64_t{i} * 1'000'000) + "\n";
    }
    ASSERT_EQ(Post(r.port(), "/write", more).status, 204);
  }
  EXPECT_EQ(RunVerify(dir).first, 1);  // no longer the backup it was
  RestoredServer again(dir, {{"QDB_CAIRO_BACKUP_VERIFY_ON_START", "full"}});
  EXPECT_TRUE(again.Start()) << again.Log();
}

TEST_F(BackupVerifyTest, RetentionKeepsTheNewestAndNeverDamagesALinkedBackup) {
  server_.SetConf("cairo.sql.backup.keep.latest.n", "1");
  ASSERT_TRUE(server_.Start()) << server_.Log();
  CreateAndFill();
  // Foreign things in the root are never removed, nor counted.
  fs::create_directories(backup_root_ + "/foreign/db");
  fs::create_directories(backup_root_ + "/tmp/backup-leftover");
  std::ofstream(backup_root_ + "/notes.txt") << "mine";
  const std::string first = Backup();
  ASSERT_FALSE(first.empty());
  EXPECT_TRUE(fs::exists(backup_root_ + "/" + first));
  // Ingest into one partition only: the second backup hard-links the other partitions' files.
  ASSERT_EQ(Post(port(), "/write", "t,s=k1 v=9.5,name=\"late\" 1700000000000000000\n").status,
            204);
  const std::string second = Backup();
  ASSERT_FALSE(second.empty());
  const std::string dir2 = backup_root_ + "/" + second;
  // The second backup hard-linked files of the first (the log says how many bytes).
  const std::string log = server_.Log();
  const size_t at = log.find("backup complete [dir=" + dir2);
  ASSERT_NE(at, std::string::npos) << log;
  const size_t linked = log.find("linked_bytes=", at);
  ASSERT_NE(linked, std::string::npos);
  EXPECT_NE(log.substr(linked, 15), "linked_bytes=0,") << log.substr(at, 300);
  EXPECT_FALSE(fs::exists(backup_root_ + "/" + first)) << server_.Log();
  EXPECT_TRUE(fs::exists(backup_root_ + "/foreign/db"));
  EXPECT_TRUE(fs::exists(backup_root_ + "/notes.txt"));
  EXPECT_TRUE(fs::exists(backup_root_ + "/tmp"));
  auto [code, out] = RunVerify(dir2);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(Verify(second).body.find("\"dataset\":[]"), std::string::npos);
  RestoredServer r(dir2, {{"QDB_CAIRO_BACKUP_VERIFY_ON_START", "full"}});
  ASSERT_TRUE(r.Start()) << r.Log();
  HttpResponse c = Exec(r.port(), "SELECT count() FROM t");
  EXPECT_NE(c.body.find("[[3001]]"), std::string::npos) << c.body;
}

}  // namespace
}  // namespace sundial::testing
