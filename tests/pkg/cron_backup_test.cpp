// pkg/cron/sundial-backup against the real server: quiet and 0 when the backup is made, the
// server's error on stderr and non-zero when it is not (so cron mails it).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/http/server_harness.h"
#include "tests/pkg/shell.h"
#include "tests/testutil/temp_dir.h"

namespace sundial::testing {
namespace {

namespace fs = std::filesystem;

std::string Script() {
  const char* src = std::getenv("SUNDIAL_SOURCE_DIR");
  return std::string(src ? src : ".") + "/pkg/cron/sundial-backup";
}

ShellResult RunBackupScript(const std::string& env) {
  return RunShell(env + " sh " + ShellQuote(Script()));
}

std::string UrlOf(const Server& s) { return "http://127.0.0.1:" + std::to_string(s.http_port()); }

// The backup directories under `root` (its staging and history directories excluded).
std::vector<std::string> Backups(const std::string& root) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root, ec)) {
    const std::string name = e.path().filename();
    if (e.is_directory() && name != "tmp" && name != "_history") out.push_back(e.path());
  }
  return out;
}

void Ingest(const Server& s, int rows) {
  std::string lines;
  for (int i = 0; i < rows; ++i) {
    lines += "trades,sym=s" + std::to_string(i % 5) + " px=" + std::to_string(i) + ".25 " +
             std::to_string(1'700'000'000'000'000'000 + int64_t{i} * 60'000'000'000) + "\n";
  }
  ASSERT_EQ(Post(s.http_port(), "/write", lines).status, 204);
}

TEST(CronBackupScriptTest, MakesABackupQuietly) {
  testutil::TempDir backups("sundial-cron");
  Server server;
  server.SetConf("cairo.sql.backup.root", backups.path());
  ASSERT_TRUE(server.Start()) << server.Log();
  Ingest(server, 300);
  ShellResult r = RunBackupScript("SUNDIAL_URL=" + UrlOf(server));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "");
  std::vector<std::string> made = Backups(backups.path());
  ASSERT_EQ(made.size(), 1u);
  // The backup is whole: the offline check passes and it holds the table.
  ShellResult verify =
      RunShell(ShellQuote(Server::BinaryPath()) + " verify " + ShellQuote(made[0]));
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  EXPECT_TRUE(fs::is_directory(made[0] + "/db/trades"));
}

TEST(CronBackupScriptTest, AnUnwritableBackupRootFailsWithTheServersError) {
  testutil::TempDir dir("sundial-cron");
  // A regular file where the backup root should be: unwritable even for root.
  RunShell("echo not a directory > " + ShellQuote(dir.Sub("backups")));
  Server server;
  server.SetConf("cairo.sql.backup.root", dir.Sub("backups"));
  ASSERT_TRUE(server.Start()) << server.Log();
  Ingest(server, 10);
  ShellResult r = RunBackupScript("SUNDIAL_URL=" + UrlOf(server));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("BACKUP DATABASE on " + UrlOf(server) + " failed: HTTP 400"),
            std::string::npos)
      << r.output;
  // The server's own message is passed on.
  const HttpResponse direct = Exec(server.http_port(), "BACKUP DATABASE;");
  ASSERT_EQ(direct.status, 400) << direct.body;
  const size_t e = direct.body.find("\"error\":");
  ASSERT_NE(e, std::string::npos) << direct.body;
  const std::string error = direct.body.substr(e, direct.body.find('"', e + 9) - e);
  EXPECT_NE(r.output.find(error), std::string::npos) << r.output << "\nexpected: " << error;
}

TEST(CronBackupScriptTest, DisabledBackupIsAFailure) {
  Server server;  // no cairo.sql.backup.root
  ASSERT_TRUE(server.Start()) << server.Log();
  ShellResult r = RunBackupScript("SUNDIAL_URL=" + UrlOf(server) + "/");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("backup is disabled"), std::string::npos) << r.output;
}

TEST(CronBackupScriptTest, UsesBasicAuthCredentialsFromTheEnvironment) {
  testutil::TempDir backups("sundial-cron");
  Server server;
  server.SetConf("cairo.sql.backup.root", backups.path());
  server.SetConf("http.user", "admin");
  server.SetConf("http.password", "se\"cr\\et pw");
  ASSERT_TRUE(server.Start()) << server.Log();
  ShellResult anonymous = RunBackupScript("SUNDIAL_URL=" + UrlOf(server));
  EXPECT_EQ(anonymous.exit_code, 1) << anonymous.output;
  EXPECT_NE(anonymous.output.find("HTTP 401"), std::string::npos) << anonymous.output;
  EXPECT_TRUE(Backups(backups.path()).empty());
  ShellResult wrong = RunBackupScript("SUNDIAL_URL=" + UrlOf(server) +
                                      " SUNDIAL_USER=admin SUNDIAL_PASSWORD=wrong");
  EXPECT_EQ(wrong.exit_code, 1) << wrong.output;
  ShellResult ok = RunBackupScript("SUNDIAL_URL=" + UrlOf(server) + " SUNDIAL_USER=admin " +
                                   "SUNDIAL_PASSWORD=" + ShellQuote("se\"cr\\et pw"));
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_EQ(ok.output, "");
  EXPECT_EQ(Backups(backups.path()).size(), 1u);
}

TEST(CronBackupScriptTest, AServerThatDoesNotAnswerIsAFailureWithCurlsReason) {
  Server server;
  ASSERT_TRUE(server.Start()) << server.Log();
  const std::string url = UrlOf(server);
  ASSERT_EQ(server.Stop(), 0);
  ShellResult r = RunBackupScript("SUNDIAL_URL=" + url);
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("curl"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("failed"), std::string::npos) << r.output;
  ShellResult usage = RunShell("sh " + ShellQuote(Script()) + " extra-argument");
  EXPECT_EQ(usage.exit_code, 2) << usage.output;
  ShellResult bad_timeout = RunBackupScript("SUNDIAL_URL=" + url + " SUNDIAL_TIMEOUT=soon");
  EXPECT_EQ(bad_timeout.exit_code, 2) << bad_timeout.output;
}

}  // namespace
}  // namespace sundial::testing
