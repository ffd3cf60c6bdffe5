// Runs tests/http/nodejs/client_test.js (QuestDB's Node.js client 4.2.0) against three real
// servers: an open one (HTTP + TCP), one with Basic auth, and one with Basic auth and a TCP key
// file (line.tcp.auth.db.path) the client authenticates against. `npm install` runs in a copy
// under the build directory; without the npm registry the test is skipped with the reason.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include <sys/stat.h>

#include <fstream>

#include "tests/http/server_harness.h"
#include "tests/http/tcp_auth_test_util.h"

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
  const TestKey key = TestKey::FromSeed("nodejs_writer", "nodejs writer seed");
  const TestKey wrong = TestKey::FromSeed("nodejs_writer", "another seed");
  Server keys;
  ::mkdir(keys.root().c_str(), 0755);
  ::mkdir((keys.root() + "/conf").c_str(), 0755);
  std::ofstream(keys.root() + "/conf/auth.txt") << "# test key\n" << key.AuthLine() << "\n";
  keys.SetConf("http.user", "admin");
  keys.SetConf("http.password", "quest");
  keys.SetConf("line.tcp.auth.db.path", "conf/auth.txt");
  keys.SetConf("line.tcp.commit.interval.default", "200");
  ASSERT_TRUE(keys.Start()) << keys.Log();
  ASSERT_GT(keys.tcp_port(), 0) << keys.Log();
  out.clear();
  std::string cmd = "cd '" + work + "' && SUNDIAL_HTTP_PORT=" + std::to_string(open.http_port()) +
                    " SUNDIAL_TCP_PORT=" + std::to_string(open.tcp_port()) +
                    " SUNDIAL_AUTH_PORT=" + std::to_string(auth.http_port()) +
                    " SUNDIAL_KEYS_HTTP_PORT=" + std::to_string(keys.http_port()) +
                    " SUNDIAL_KEYS_TCP_PORT=" + std::to_string(keys.tcp_port()) +
                    " SUNDIAL_KEY_ID=" + key.id + " SUNDIAL_KEY_TOKEN=" + key.Token() +
                    " SUNDIAL_WRONG_TOKEN=" + wrong.Token() +
                    " timeout 120 node client_test.js";
  int rc = Shell(cmd, &out);
  std::printf("%s", out.c_str());
  EXPECT_EQ(rc, 0) << out << "\n--- server log ---\n" << open.Log() << "\n--- keys server log ---\n"
                   << keys.Log();
  EXPECT_EQ(open.Stop(), 0);
  EXPECT_EQ(auth.Stop(), 0);
  const std::string keys_log = keys.Log();
  EXPECT_NE(keys_log.find("line tcp connection authenticated"), std::string::npos) << keys_log;
  EXPECT_NE(keys_log.find("reason=signature does not verify"), std::string::npos) << keys_log;
  EXPECT_EQ(keys.Stop(), 0);
}

}  // namespace
}  // namespace sundial::testing
