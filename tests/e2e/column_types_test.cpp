// End-to-end test of the IPv4, UUID, LONG256, LONG128, GEOHASH and BINARY column types through
// the real binary: CREATE TABLE and INSERT over /exec, /imp CSV, line protocol string fields on
// /write, /exec's JSON (type names and values), /exp's CSV, a backup that VERIFY passes, and
// `sundial -d` on the backup answering the same.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/e2e/restored_server.h"
#include "tests/http/server_harness.h"

namespace sundial::testing {
namespace {

namespace fs = std::filesystem;

constexpr char kQuery[] = "SELECT ts, ip, id, l, k FROM t ORDER BY ts";

HttpResponse Import(int port, const std::string& params, const std::string& csv) {
  const std::string body =
      "--XyZ\r\nContent-Disposition: form-data; name=\"data\"; filename=\"t.csv\"\r\n"
      "Content-Type: text/csv\r\n\r\n" +
      csv + "\r\n--XyZ--\r\n";
  return Post(port, "/imp?" + params, body, "Content-Type: multipart/form-data; boundary=XyZ\r\n");
}

TEST(ColumnTypesEndToEndTest, EveryPathStoresAndPrintsTheValuesAndABackupKeepsThem) {
  Server server;
  const std::string backup_root = fs::path(server.root()).parent_path() / "backups";
  server.SetConf("cairo.sql.backup.root", backup_root);
  ASSERT_TRUE(server.Start()) << server.Log();
  const int port = server.http_port();

  HttpResponse r = Exec(port,
                        "CREATE TABLE t (ts TIMESTAMP, ip IPv4, id UUID, l LONG256, "
                        "k LONG128) TIMESTAMP(ts) PARTITION BY DAY");
  ASSERT_EQ(r.status, 200) << r.body;
  r = Exec(port,
           "INSERT INTO t VALUES ('2024-01-01T00:00:00.000000Z', '192.168.0.1', "
           "'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', '0x01ab', "
           "'00000000-0000-0001-0000-000000000002')");
  ASSERT_EQ(r.status, 200) << r.body;

  // Line protocol: string fields into the existing typed columns; a bad one rejects its line.
  r = Post(port, "/write",
           "t ip=\"10.0.0.7\",id=\"11111111-2222-3333-4444-555555555555\",l=\"0xff\" "
           "1704153600000000000\n");
  ASSERT_EQ(r.status, 204) << r.body;
  r = Post(port, "/write", "t ip=\"10.0.0.300\" 1704240000000000000\n");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("IPv4"), std::string::npos) << r.body;

  // CSV import into the existing table.
  r = Import(port, "name=t&timestamp=ts&fmt=json",
             "ts,ip,id,l,k\r\n2024-01-03T00:00:00.000000Z,1.2.3.4,"
             "ffffffff-ffff-ffff-ffff-ffffffffffff,0x10,,\r\n");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"rowsImported\":1"), std::string::npos) << r.body;

  const std::string expected_rows =
      "[[\"2024-01-01T00:00:00.000000Z\",\"192.168.0.1\",\"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\","
      "\"0x1ab\",\"00000000-0000-0001-0000-000000000002\"],"
      "[\"2024-01-02T00:00:00.000000Z\",\"10.0.0.7\",\"11111111-2222-3333-4444-555555555555\","
      "\"0xff\",null],"
      "[\"2024-01-03T00:00:00.000000Z\",\"1.2.3.4\",\"ffffffff-ffff-ffff-ffff-ffffffffffff\","
      "\"0x10\",null]]";
  r = Exec(port, kQuery);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(
      r.body.find("{\"name\":\"ip\",\"type\":\"IPv4\"},{\"name\":\"id\",\"type\":\"UUID\"},"
                  "{\"name\":\"l\",\"type\":\"LONG256\"},{\"name\":\"k\",\"type\":\"LONG128\"}"),
      std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find(expected_rows), std::string::npos) << r.body;

  r = Get(port, "/exp?query=" + UrlEncode(kQuery));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"2024-01-01T00:00:00.000000Z\",192.168.0.1,"
                        "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11,0x1ab,"
                        "00000000-0000-0001-0000-000000000002\r\n"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("\"2024-01-02T00:00:00.000000Z\",10.0.0.7,"
                        "11111111-2222-3333-4444-555555555555,0xff,\r\n"),
            std::string::npos)
      << r.body;

  // Filters and GROUP BY keys over the server.
  r = Exec(port,
           "SELECT count() FROM t WHERE ip << '10.0.0.0/8' OR id = "
           "'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF'");
  EXPECT_NE(r.body.find("\"dataset\":[[2]]"), std::string::npos) << r.body;

  // A backup holds them; VERIFY passes; a server started on it answers the same.
  r = Exec(port, "BACKUP DATABASE");
  ASSERT_EQ(r.status, 200) << r.body;
  std::string name;
  for (const auto& e : fs::directory_iterator(backup_root)) {
    const std::string n = e.path().filename();
    if (e.is_directory() && n != "tmp" && n != "_history") name = n;
  }
  ASSERT_FALSE(name.empty());
  r = Exec(port, "VERIFY BACKUP '" + name + "'");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"dataset\":[]"), std::string::npos) << r.body;
  server.Stop();

  RestoredServer restored(backup_root + "/" + name);
  ASSERT_TRUE(restored.Start()) << restored.Log();
  r = Exec(restored.port(), kQuery);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(expected_rows), std::string::npos) << r.body;
}

TEST(ColumnTypesEndToEndTest, GeoHashThroughEveryPathAndABackup) {
  Server server;
  const std::string backup_root = fs::path(server.root()).parent_path() / "backups";
  server.SetConf("cairo.sql.backup.root", backup_root);
  ASSERT_TRUE(server.Start()) << server.Log();
  const int port = server.http_port();
  const std::string query = "SELECT ts, g, b FROM tracking ORDER BY ts";

  HttpResponse r = Exec(port,
                        "CREATE TABLE tracking (ts TIMESTAMP, g GEOHASH(8c), b GEOHASH(13b)) "
                        "TIMESTAMP(ts) PARTITION BY DAY");
  ASSERT_EQ(r.status, 200) << r.body;
  r = Exec(port,
           "INSERT INTO tracking VALUES ('2024-01-01T00:00:00.000000Z', #u33d8b12, "
           "##0110100001100)");
  ASSERT_EQ(r.status, 200) << r.body;

  // Line protocol: string fields; a longer geohash is cut to the column's precision (QuestDB's
  // docs: 46swgj10r88k into 8c is 46swgj10); one too short or not base32 rejects its line.
  r = Post(port, "/write", "tracking g=\"46swgj10r88k\",b=\"46sw\" 1704153600000000000\n");
  ASSERT_EQ(r.status, 204) << r.body;
  r = Post(port, "/write", "tracking g=\"46sw\" 1704240000000000000\n");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("GEOHASH(8c)"), std::string::npos) << r.body;
  r = Post(port, "/write", "tracking g=\"46swgj1a\" 1704240000000000000\n");
  EXPECT_EQ(r.status, 400) << r.body;

  // CSV import: base32 text, an empty field is null.
  r = Import(port, "name=tracking&timestamp=ts&fmt=json",
             "ts,g,b\r\n2024-01-03T00:00:00.000000Z,ezzn5kxbzz,\r\n");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"rowsImported\":1"), std::string::npos) << r.body;

  const std::string expected_rows =
      "[[\"2024-01-01T00:00:00.000000Z\",\"u33d8b12\",\"0110100001100\"],"
      "[\"2024-01-02T00:00:00.000000Z\",\"46swgj10\",\"0010000110110\"],"
      "[\"2024-01-03T00:00:00.000000Z\",\"ezzn5kxb\",null]]";
  r = Exec(port, query);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("{\"name\":\"g\",\"type\":\"GEOHASH(8c)\"},"
                        "{\"name\":\"b\",\"type\":\"GEOHASH(13b)\"}"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find(expected_rows), std::string::npos) << r.body;

  r = Get(port, "/exp?query=" + UrlEncode(query));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"2024-01-01T00:00:00.000000Z\",u33d8b12,0110100001100\r\n"
                        "\"2024-01-02T00:00:00.000000Z\",46swgj10,0010000110110\r\n"
                        "\"2024-01-03T00:00:00.000000Z\",ezzn5kxb,\r\n"),
            std::string::npos)
      << r.body;

  r = Exec(port, "SELECT count() FROM tracking WHERE g WITHIN (#46sw, #ezz)");
  EXPECT_NE(r.body.find("\"dataset\":[[2]]"), std::string::npos) << r.body;

  r = Exec(port, "BACKUP DATABASE");
  ASSERT_EQ(r.status, 200) << r.body;
  std::string name;
  for (const auto& e : fs::directory_iterator(backup_root)) {
    const std::string n = e.path().filename();
    if (e.is_directory() && n != "tmp" && n != "_history") name = n;
  }
  ASSERT_FALSE(name.empty());
  r = Exec(port, "VERIFY BACKUP '" + name + "'");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"dataset\":[]"), std::string::npos) << r.body;
  server.Stop();

  RestoredServer restored(backup_root + "/" + name);
  ASSERT_TRUE(restored.Start()) << restored.Log();
  r = Exec(restored.port(), query);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(expected_rows), std::string::npos) << r.body;
}

// BINARY over HTTP, as QuestDB: /exec names the type and prints every value as [], /exp writes
// an empty field; the bytes are kept (length() over /exec).
TEST(ColumnTypesEndToEndTest, BinaryPrintsAsQuestDbDoes) {
  Server server;
  ASSERT_TRUE(server.Start()) << server.Log();
  const int port = server.http_port();
  HttpResponse r = Exec(port, "CREATE TABLE blobs (n LONG, b BINARY)");
  ASSERT_EQ(r.status, 200) << r.body;
  r = Exec(port, "INSERT INTO blobs SELECT x, rnd_bin(5, 5, 0) FROM long_sequence(2)");
  ASSERT_EQ(r.status, 200) << r.body;
  r = Exec(port, "INSERT INTO blobs (n) VALUES (3)");
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string query = "SELECT n, b, length(b) l FROM blobs ORDER BY n";
  r = Exec(port, query);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("{\"name\":\"b\",\"type\":\"BINARY\"}"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"dataset\":[[1,[],5],[2,[],5],[3,[],-1]]"), std::string::npos) << r.body;
  r = Get(port, "/exp?query=" + UrlEncode(query));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("1,,5\r\n2,,5\r\n3,,-1\r\n"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace sundial::testing
