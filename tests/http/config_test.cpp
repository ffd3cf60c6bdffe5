#include <gtest/gtest.h>

#include <cstring>
#include <map>

#include "core/config.h"
#include "http/server_config.h"

namespace sundial {
namespace {

using core::Properties;

TEST(PropertiesTest, ParsesKeyValueLinesAndComments) {
  auto p = Properties::Parse("# comment\n\n  http.bind.to = 127.0.0.1:9100 \n!x\na=b=c\n");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(*p->Get("http.bind.to"), "127.0.0.1:9100");
  EXPECT_EQ(*p->Get("a"), "b=c");
  EXPECT_FALSE(p->Get("x").has_value());
}

TEST(PropertiesTest, LineWithoutEqualsIsAnErrorWithLineNumber) {
  auto p = Properties::Parse("a=1\nbogus line\n");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("line 2"), std::string::npos);
}

std::map<std::string, std::string>* g_env;
const char* FakeGetenv(const char* name) {
  auto it = g_env->find(name);
  return it == g_env->end() ? nullptr : it->second.c_str();
}

TEST(PropertiesTest, EnvironmentOverridesWithQdbAndSundialPrefixes) {
  std::map<std::string, std::string> env = {{"QDB_CAIRO_SQL_BACKUP_ROOT", "/backups"},
                                            {"SUNDIAL_HTTP_BIND_TO", "1.2.3.4:1"}};
  g_env = &env;
  auto p = Properties::Parse("cairo.sql.backup.root=/other\n");
  ASSERT_TRUE(p.ok());
  auto over = p->ApplyEnv(http::KnownConfigKeys(), &FakeGetenv);
  EXPECT_EQ(over.size(), 2u);
  EXPECT_EQ(*p->Get("cairo.sql.backup.root"), "/backups");
  EXPECT_EQ(*p->Get("http.bind.to"), "1.2.3.4:1");
  EXPECT_EQ(Properties::EnvName("QDB_", "cairo.sql.backup.root"), "QDB_CAIRO_SQL_BACKUP_ROOT");
}

TEST(PropertiesTest, TypedGettersValidate) {
  auto p = Properties::Parse("b=yes\ni=12x\ns=64K\nd=5s\nm=2m\nbig=99999999999\n");
  ASSERT_TRUE(p.ok());
  auto b = p->GetBool("b", false);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("'b'"), std::string::npos);
  EXPECT_FALSE(p->GetInt("i", 0, 0, 100).ok());
  EXPECT_EQ(*p->GetSize("s", 0, 0, 1 << 30), 65536);
  EXPECT_EQ(*p->GetDurationMs("d", 0, 0, 1'000'000), 5000);
  EXPECT_EQ(*p->GetDurationMs("m", 0, 0, 1'000'000), 120000);
  auto days = Properties::Parse("d=2d\nneg=-1d\nweird=1w\n");
  ASSERT_TRUE(days.ok());
  EXPECT_EQ(*days->GetDurationMs("d", 0, 0, INT64_MAX), 2 * 86'400'000LL);
  EXPECT_FALSE(days->GetDurationMs("neg", 0, 0, INT64_MAX).ok());
  EXPECT_FALSE(days->GetDurationMs("weird", 0, 0, INT64_MAX).ok());
  EXPECT_FALSE(p->GetInt("big", 0, 0, 1000).ok());
  EXPECT_EQ(*p->GetInt("missing", 7, 0, 10), 7);
}

TEST(ServerConfigTest, DefaultsAndValues) {
  auto p = Properties::Parse(
      "http.bind.to=127.0.0.1:0\nhttp.security.readonly=true\nhttp.user=admin\n"
      "http.password=quest\ncairo.commit.mode=SYNC\nline.default.partition.by=hour\n"
      "no.such.key=1\n");
  ASSERT_TRUE(p.ok());
  std::vector<std::string> warnings;
  auto c = http::ReadServerConfig(*p, &warnings);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->http_bind.host, "127.0.0.1");
  EXPECT_EQ(c->http_bind.port, 0);
  EXPECT_TRUE(c->http_readonly);
  EXPECT_EQ(c->http_user, "admin");
  EXPECT_EQ(c->commit_mode, "sync");
  EXPECT_EQ(c->line_default_partition_by, "HOUR");
  EXPECT_EQ(c->http_max_request_bytes, 100LL << 20);
  EXPECT_EQ(c->line_tcp_bind.port, 9009);
  EXPECT_EQ(c->http_max_response_rows, INT64_MAX);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("no.such.key"), std::string::npos);
}

// cairo.partition.compress.after: a duration (default 1d), 0, or off; anything else stops
// start-up naming the key.
TEST(ServerConfigTest, PartitionCompressAfter) {
  auto read = [](const std::string& text) {
    auto p = Properties::Parse(text);
    EXPECT_TRUE(p.ok());
    return http::ReadServerConfig(*p, nullptr);
  };
  auto def = read("");
  ASSERT_TRUE(def.ok());
  EXPECT_EQ(def->partition_compress_after_ms, 86'400'000);
  EXPECT_EQ(def->partition_compress_check_interval_ms, 60'000);
  struct Case {
    const char* value;
    int64_t ms;
  };
  for (const Case& c : {Case{"off", -1}, Case{"OFF", -1}, Case{"0", 0}, Case{"12h", 43'200'000},
                        Case{"7d", 7 * 86'400'000LL}, Case{"90s", 90'000}}) {
    auto r = read(std::string("cairo.partition.compress.after=") + c.value);
    ASSERT_TRUE(r.ok()) << c.value << ": " << r.status().ToString();
    EXPECT_EQ(r->partition_compress_after_ms, c.ms) << c.value;
  }
  for (const char* bad : {"-1d", "soon", "1w", "on", "", "1.5d"}) {
    auto r = read(std::string("cairo.partition.compress.after=") + bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("'cairo.partition.compress.after'"), std::string::npos)
        << r.status().message();
    EXPECT_NE(r.status().message().find("or off"), std::string::npos) << r.status().message();
  }
  auto interval = read("cairo.partition.compress.check.interval=250ms");
  ASSERT_TRUE(interval.ok());
  EXPECT_EQ(interval->partition_compress_check_interval_ms, 250);
  EXPECT_FALSE(read("cairo.partition.compress.check.interval=1").ok());  // below 10 ms
}

TEST(ServerConfigTest, BadValueNamesTheKey) {
  for (const char* text : {"http.bind.to=nonsense", "cairo.commit.mode=fast",
                           "http.net.connection.limit=-1", "line.default.partition.by=DECADE",
                           "http.security.readonly=maybe", "http.user=a",
                           "http.security.max.response.rows=0"}) {
    auto p = Properties::Parse(text);
    ASSERT_TRUE(p.ok());
    auto c = http::ReadServerConfig(*p, nullptr);
    ASSERT_FALSE(c.ok()) << text;
    std::string key(text, std::strchr(text, '=') - text);
    EXPECT_NE(c.status().message().find(key), std::string::npos) << c.status().message();
  }
}

TEST(ServerConfigTest, EveryKnownKeyIsDocumentedInDefaultConf) {
  const char* src = std::getenv("SUNDIAL_SOURCE_DIR");
  if (src == nullptr) GTEST_SKIP() << "SUNDIAL_SOURCE_DIR not set";
  FILE* f = std::fopen((std::string(src) + "/conf/server.conf").c_str(), "r");
  ASSERT_NE(f, nullptr);
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) text.append(buf, n);
  std::fclose(f);
  for (const std::string& key : http::KnownConfigKeys()) {
    EXPECT_NE(text.find(key + "="), std::string::npos) << key;
  }
  // The default file itself parses (all lines commented) and yields the defaults.
  auto p = Properties::Parse(text);
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(http::ReadServerConfig(*p, nullptr).ok());
}

}  // namespace
}  // namespace sundial
