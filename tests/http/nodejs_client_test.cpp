// Runs tests/http/nodejs/client_test.js (QuestDB's Node.js client 4.2.0) against two real
// servers: an open one (HTTP + TCP) and one with Basic auth. `npm install` runs in a copy
// under the build directory; without the npm registry the test is skipped with the reason.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "tests/http/server_harness.h"

namespace sundial::testing {
namespace {

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

TEST(NodejsClientTest, IngestsOverHttpAuthAndTcpAndReadsBackExactly) {
  const char* src = std::getenv("SUNDIAL_SOURCE_DIR");
  const char* bin = std::getenv("SUNDIAL_BINARY_DIR");
  ASSERT_NE(src, nullptr);
  ASSERT_NE(bin, nullptr);
  std::string out;
  if (Shell("command -v node && command -v npm", &out) != 0) GTEST_SKIP() << "node/npm not found";
  std::string work = std::string(bin) + "/tests/http/nodejs-run";
  out.clear();
  ASSERT_EQ(Shell("mkdir -p '" + work + "' && cp '" + src + "/tests/http/nodejs/package.json' '" +
                      src + "/tests/http/nodejs/client_test.js' '" + work + "/'",
                  &out),
            0)
      << out;
  out.clear();
  if (Shell("cd '" + work + "' && (test -d node_modules/@questdb/nodejs-client || timeout 300 npm "
                "install --no-audit --no-fund --loglevel=error)",
            &out) != 0) {
    std::printf("npm install failed, skipping:\n%s\n", out.c_str());
    GTEST_SKIP() << "npm install failed (registry unreachable?)";
  }
  Server open;
  ASSERT_TRUE(open.Start()) << open.Log();
  Server auth;
  auth.SetConf("http.user", "admin");
  auth.SetConf("http.password", "quest");
  auth.SetConf("line.tcp.enabled", "false");
  ASSERT_TRUE(auth.Start()) << auth.Log();
  out.clear();
  std::string cmd = "cd '" + work + "' && SUNDIAL_HTTP_PORT=" + std::to_string(open.http_port()) +
                    " SUNDIAL_TCP_PORT=" + std::to_string(open.tcp_port()) +
                    " SUNDIAL_AUTH_PORT=" + std::to_string(auth.http_port()) +
                    " timeout 120 node client_test.js";
  int rc = Shell(cmd, &out);
  std::printf("%s", out.c_str());
  EXPECT_EQ(rc, 0) << out << "\n--- server log ---\n" << open.Log();
  EXPECT_EQ(open.Stop(), 0);
  EXPECT_EQ(auth.Stop(), 0);
}

}  // namespace
}  // namespace sundial::testing
