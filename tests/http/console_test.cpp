// The web console (GET /, http/console.h) against the real binary: the bytes served are the
// source page's, caching headers and methods; and, in headless Chromium, the page itself
// (tests/http/console/console_test.js, driven by npm's playwright-core): queries and their
// rows, errors, the chart of a SAMPLE BY, paging a 10,000-row result, the tables and backups
// panels, history, logging in to a server with Basic auth, and read-only mode. The browser
// test is skipped, with the reason, without node/npm, chromium or the npm registry.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "core/sha256.h"
#include "tests/http/server_harness.h"

namespace sundial::testing {
namespace {

std::string ReadSourceFile(const std::string& relative) {
  const char* src = std::getenv("SUNDIAL_SOURCE_DIR");
  if (src == nullptr) return "";
  std::ifstream in(std::string(src) + "/" + relative, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs a shell command, returns its exit code and output.
int Shell(const std::string& cmd, std::string* output) {
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return -1;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) output->append(buf, n);
  int rc = ::pclose(p);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

class ConsoleTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new Server();
    ASSERT_TRUE(server_->Start()) << server_->Log();
  }
  static void TearDownTestSuite() {
    EXPECT_EQ(server_->Stop(), 0);
    delete server_;
    server_ = nullptr;
  }
  static int port() { return server_->http_port(); }
  // One raw request on a new connection.
  static HttpResponse Raw(const std::string& request, bool head = false) {
    Client c(port());
    EXPECT_TRUE(c.Send(request));
    return c.Read(head);
  }
  static Server* server_;
};
Server* ConsoleTest::server_ = nullptr;

TEST_F(ConsoleTest, ServesTheSourcePageAtRootAndIndexHtml) {
  const std::string page = ReadSourceFile("http/console/index.html");
  ASSERT_GT(page.size(), 1000u);
  for (const char* path : {"/", "/index.html"}) {
    HttpResponse r = Get(port(), path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.Header("content-type"), "text/html; charset=utf-8");
    EXPECT_TRUE(r.body == page) << path << ": the served page differs from http/console/index.html";
    EXPECT_EQ(r.Header("cache-control"), "no-cache");
    EXPECT_NE(r.Header("content-security-policy").find("default-src 'none'"), std::string::npos);
    EXPECT_EQ(r.Header("x-content-type-options"), "nosniff");
    // The ETag is the first 128 bits of the page's SHA-256, in hex, quoted.
    core::Sha256 sha;
    sha.Update(page);
    std::string hex;
    for (uint8_t b : sha.Finish()) {
      char buf[3];
      std::snprintf(buf, sizeof(buf), "%02x", b);
      hex += buf;
    }
    EXPECT_EQ(r.Header("etag"), "\"" + hex.substr(0, 32) + "\"");
  }
  EXPECT_EQ(Get(port(), "/").Header("etag"), Get(port(), "/index.html").Header("etag"));
  // Nothing else is served as a file.
  EXPECT_EQ(Get(port(), "/index.htm").status, 404);
  EXPECT_EQ(Get(port(), "/console/index.html").status, 404);
}

TEST_F(ConsoleTest, IfNoneMatchRevalidates) {
  const std::string etag = Get(port(), "/").Header("etag");
  ASSERT_FALSE(etag.empty());
  const std::string other = "\"0123456789abcdef0123456789abcdef\"";
  struct Case {
    std::string header;
    int status;
  };
  for (const Case& c :
       {Case{etag, 304}, Case{"W/" + etag, 304}, Case{"*", 304}, Case{other + ", " + etag, 304},
        Case{other + ",\t" + etag + " ", 304}, Case{other, 200}, Case{"", 200},
        Case{etag.substr(1), 200}, Case{",,,", 200}}) {
    HttpResponse r = Get(port(), "/", "If-None-Match: " + c.header + "\r\n");
    EXPECT_EQ(r.status, c.status) << c.header;
    EXPECT_EQ(r.Header("etag"), etag) << c.header;
    if (c.status == 304) {
      EXPECT_TRUE(r.body.empty()) << c.header;
      EXPECT_EQ(r.Header("content-length"), "") << c.header;
    }
  }
}

TEST_F(ConsoleTest, HeadHasNoBodyAndOtherMethodsAre405) {
  const std::string page = ReadSourceFile("http/console/index.html");
  HttpResponse head = Raw("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n", true);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.Header("content-length"), std::to_string(page.size()));
  EXPECT_TRUE(head.body.empty());
  for (const char* method : {"POST", "PUT", "DELETE"}) {
    HttpResponse r =
        Raw(std::string(method) + " / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nab");
    EXPECT_EQ(r.status, 405) << method;
    EXPECT_EQ(r.Header("allow"), "GET, HEAD") << method;
  }
  // The server goes on serving.
  EXPECT_EQ(Get(port(), "/").status, 200);
  EXPECT_EQ(Exec(port(), "SELECT x FROM long_sequence(2)").status, 200);
}

TEST(ConsoleAuthTest, PageIsPublicWhileExecAsksForCredentials) {
  Server s;
  s.SetConf("http.user", "admin");
  s.SetConf("http.password", "quest");
  s.SetConf("line.tcp.enabled", "false");
  ASSERT_TRUE(s.Start()) << s.Log();
  EXPECT_EQ(Get(s.http_port(), "/").status, 200);
  HttpResponse exec = Exec(s.http_port(), "SELECT 1");
  EXPECT_EQ(exec.status, 401);
  EXPECT_NE(exec.Header("www-authenticate").find("Basic"), std::string::npos);
  EXPECT_EQ(s.Stop(), 0);
}

TEST(ConsoleBrowserTest, QueriesChartsPagesTablesBackupsAndLogin) {
  const char* src = std::getenv("SUNDIAL_SOURCE_DIR");
  const char* bin = std::getenv("SUNDIAL_BINARY_DIR");
  ASSERT_NE(src, nullptr);
  ASSERT_NE(bin, nullptr);
  std::string out;
  if (Shell("command -v node && command -v npm", &out) != 0) {
    std::printf("skipping: node/npm not found (Debian: nodejs, npm)\n");
    GTEST_SKIP() << "node/npm not found";
  }
  const char* chromium_env = std::getenv("SUNDIAL_CHROMIUM");
  const std::string chromium = chromium_env != nullptr ? chromium_env : "/usr/bin/chromium";
  if (::access(chromium.c_str(), X_OK) != 0) {
    std::printf("skipping: %s not found (Debian: chromium)\n", chromium.c_str());
    GTEST_SKIP() << chromium << " not found";
  }
  const std::string work = std::string(bin) + "/tests/http/console-run";
  out.clear();
  if (Shell("bash '" + std::string(src) + "/tests/http/console/install.sh' '" + work + "'", &out) !=
      0) {
    std::printf("skipping: npm install of playwright-core failed:\n%s\n", out.c_str());
    GTEST_SKIP() << "npm install failed (registry unreachable?)";
  }
  const std::string artifacts = std::string(bin) + "/tests/http/console-artifacts";
  out.clear();
  ASSERT_EQ(Shell("mkdir -p '" + artifacts + "' && cp '" + src +
                      "/tests/http/console/console_test.js' '" + work + "/'",
                  &out),
            0)
      << out;

  Server open;
  open.SetConf("cairo.sql.backup.root", open.root() + "/backups");
  ASSERT_TRUE(open.Start()) << open.Log();
  Server auth;
  auth.SetConf("http.user", "admin");
  auth.SetConf("http.password", "quest");
  auth.SetConf("http.security.readonly", "true");
  auth.SetConf("cairo.sql.backup.root", auth.root() + "/backups");
  ASSERT_TRUE(auth.Start()) << auth.Log();

  out.clear();
  const std::string cmd =
      "cd '" + work + "' && SUNDIAL_OPEN_PORT=" + std::to_string(open.http_port()) +
      " SUNDIAL_AUTH_PORT=" + std::to_string(auth.http_port()) +
      " SUNDIAL_USER=admin SUNDIAL_PASSWORD=quest SUNDIAL_ARTIFACTS='" + artifacts +
      "' SUNDIAL_CHROMIUM='" + chromium + "' timeout 120 node console_test.js";
  const int rc = Shell(cmd, &out);
  std::printf("%s", out.c_str());
  EXPECT_EQ(rc, 0) << out << "\n--- server log ---\n"
                   << open.Log() << "\n--- auth server log ---\n"
                   << auth.Log();
  EXPECT_EQ(open.Stop(), 0);
  EXPECT_EQ(auth.Stop(), 0);
}

}  // namespace
}  // namespace sundial::testing
