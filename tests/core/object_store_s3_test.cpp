// What only the s3:: store has: errors of a real S3 server (s3rver: wrong secret, missing
// bucket), and, against a scripted server (tests/core/fake_http_server.h), signing, retries
// of 5xx answers and broken connections, a Get resumed after a cut body, the wrong-region
// message and the abort of a failed multipart upload.
#include <gtest/gtest.h>

#include "core/object_store.h"
#include "core/sigv4.h"
#include "tests/core/fake_http_server.h"
#include "tests/core/object_store_test_util.h"
#include "tests/testutil/temp_dir.h"

namespace sundial::core {
namespace {

using testing::FakeHttpServer;
using testing::FakeRequest;
using testing::S3rverEnvironment;

std::unique_ptr<ObjectStore> Open(const std::string& text, ObjectStoreOptions options = {}) {
  auto config = ParseObjectStoreConfig(text);
  EXPECT_TRUE(config.ok()) << config.status().ToString();
  static std::shared_ptr<FileSystem> fs = NewPosixFileSystem();
  auto store = OpenObjectStore(*config, *fs, options);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return std::move(store).value();
}

std::string FakeConfig(const FakeHttpServer& server, const std::string& secret = "s3cr3t") {
  return "s3::bucket=bkt;root=pre;region=us-east-1;endpoint=" + server.endpoint() +
         ";access_key_id=AKID;secret_access_key=" + secret + ";";
}

ObjectStoreOptions Quick(int attempts = 4) {
  ObjectStoreOptions o;
  o.max_attempts = attempts;
  o.backoff_initial_ms = 5;
  o.backoff_max_ms = 20;
  o.http.io_timeout_ms = 2000;
  return o;
}

Result<std::string> Fetch(ObjectStore& store, const std::string& key) {
  std::string out;
  Status st = store.Get(key, [&](std::string_view c) {
    out.append(c);
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return out;
}

std::string HeaderOf(const FakeRequest& r, const std::string& name) {
  size_t at = r.head.find("\r\n" + name + ": ");
  if (at == std::string::npos) return "";
  at += name.size() + 4;
  return r.head.substr(at, r.head.find("\r\n", at) - at);
}

TEST(S3StoreTest, UnknownAccessKeyIdIsPermissionDeniedNamingEndpointAndBucket) {
  S3rverEnvironment* env = S3rverEnvironment::Get();
  if (env->skip()) GTEST_SKIP() << env->why();
  ASSERT_NE(env->server(), nullptr) << env->why();
  std::string text = env->server()->Config(S3rverEnvironment::kBucket, "wrong", "secret-4711");
  text.replace(text.find("access_key_id=S3RVER"), 20, "access_key_id=NOBODY");
  auto store = Open(text, Quick());
  for (const Status& st : {store->PutBytes("k", "v"), store->Head("k").status(),
                           store->List("", "").status(), Fetch(*store, "k").status(),
                           store->Delete("k")}) {
    EXPECT_EQ(st.code(), StatusCode::kPermissionDenied) << st.ToString();
    EXPECT_NE(st.message().find("endpoint=" + env->server()->endpoint()), std::string::npos)
        << st.message();
    EXPECT_NE(st.message().find("bucket=sundial-test"), std::string::npos) << st.message();
    EXPECT_EQ(st.message().find("secret-4711"), std::string::npos) << st.message();
  }
  EXPECT_NE(store->PutBytes("k", "v").message().find("InvalidAccessKeyId"), std::string::npos);
}

// s3rver does not check V4 signatures: this server does, with the secret it knows.
TEST(S3StoreTest, WrongSecretIsPermissionDenied) {
  FakeHttpServer server([&](int fd, int) {
    FakeRequest req;
    while (server.ReadRequest(fd, &req)) {
      SigV4Request s;
      s.method = req.Method();
      s.path = req.Target().substr(0, req.Target().find('?'));
      for (const char* h : {"host", "x-amz-date", "x-amz-content-sha256"}) {
        s.headers.emplace_back(h, HeaderOf(req, h));
      }
      s.payload_sha256 = HeaderOf(req, "x-amz-content-sha256");
      const std::string want = SigV4Authorization(
          s, {"AKID", "right-secret", "us-east-1", "s3"}, HeaderOf(req, "x-amz-date"));
      const bool good = HeaderOf(req, "Authorization") == want &&
                        s.payload_sha256 == Sha256Hex(req.body);
      FakeHttpServer::WriteAll(
          fd, good ? FakeHttpServer::Answer(200, "")
                   : FakeHttpServer::Answer(403, "<Error><Code>SignatureDoesNotMatch</Code>"
                                                 "<Message>The request signature we calculated "
                                                 "does not match</Message></Error>"));
    }
  });
  EXPECT_TRUE(Open(FakeConfig(server, "right-secret"), Quick())->PutBytes("k", "v").ok());
  Status st = Open(FakeConfig(server, "wrong-secret"), Quick())->PutBytes("k", "v");
  EXPECT_EQ(st.code(), StatusCode::kPermissionDenied) << st.ToString();
  EXPECT_NE(st.message().find("SignatureDoesNotMatch"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("check access_key_id and secret_access_key"), std::string::npos);
  EXPECT_NE(st.message().find("endpoint=" + server.endpoint() + ", bucket=bkt"),
            std::string::npos)
      << st.message();
  EXPECT_EQ(st.message().find("wrong-secret"), std::string::npos);
}

TEST(S3StoreTest, MissingBucketIsNotFound) {
  S3rverEnvironment* env = S3rverEnvironment::Get();
  if (env->skip()) GTEST_SKIP() << env->why();
  ASSERT_NE(env->server(), nullptr) << env->why();
  auto store = Open(env->server()->Config("no-such-bucket", ""), Quick());
  for (const Status& st : {store->PutBytes("k", "v"), store->List("", "").status(),
                           Fetch(*store, "k").status()}) {
    EXPECT_EQ(st.code(), StatusCode::kNotFound) << st.ToString();
    EXPECT_NE(st.message().find("bucket does not exist [bucket=no-such-bucket"),
              std::string::npos)
        << st.message();
  }
}

TEST(S3StoreTest, RequestsArePathStyleAndSignedOverTheBody) {
  FakeHttpServer server([&](int fd, int) {
    FakeRequest req;
    while (server.ReadRequest(fd, &req)) {
      FakeHttpServer::WriteAll(fd, FakeHttpServer::Answer(200, ""));
    }
  });
  auto store = Open(FakeConfig(server), Quick());
  ASSERT_TRUE(store->PutBytes("a b/c+d", "body!").ok());
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].Method(), "PUT");
  EXPECT_EQ(reqs[0].Target(), "/bkt/pre/a%20b/c%2Bd");
  EXPECT_EQ(reqs[0].body, "body!");
  EXPECT_EQ(HeaderOf(reqs[0], "x-amz-content-sha256"), Sha256Hex("body!"));
  EXPECT_EQ(HeaderOf(reqs[0], "host"), "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(HeaderOf(reqs[0], "Authorization").rfind("AWS4-HMAC-SHA256 Credential=AKID/", 0), 0u)
      << reqs[0].head;
  EXPECT_EQ(reqs[0].head.find("s3cr3t"), std::string::npos);
}

TEST(S3StoreTest, ClosedConnectionAnd500AreRetried) {
  // 1st connection: the request is read and the connection closed without an answer;
  // 2nd: a 500, then a 200 on the same connection.
  FakeHttpServer server([&](int fd, int connection) {
    FakeRequest req;
    if (!server.ReadRequest(fd, &req) || connection == 0) return;
    FakeHttpServer::WriteAll(fd, FakeHttpServer::Answer(
                                     500, "<Error><Code>InternalError</Code></Error>"));
    if (server.ReadRequest(fd, &req)) FakeHttpServer::WriteAll(fd, FakeHttpServer::Answer(200, ""));
  });
  auto store = Open(FakeConfig(server), Quick());
  Status st = store->PutBytes("k", "payload");
  ASSERT_TRUE(st.ok()) << st.ToString();
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 3u);
  for (const auto& r : reqs) EXPECT_EQ(r.body, "payload");
}

TEST(S3StoreTest, GetCutMidBodyIsRetriedAndDeliveredOnce) {
  const std::string body = "0123456789abcdefghij";
  FakeHttpServer server([&](int fd, int connection) {
    FakeRequest req;
    if (!server.ReadRequest(fd, &req)) return;
    std::string answer = FakeHttpServer::Answer(200, body);
    if (connection == 0) answer.resize(answer.size() - 12);  // 8 body bytes, then close
    FakeHttpServer::WriteAll(fd, answer);
  });
  auto store = Open(FakeConfig(server), Quick());
  auto got = Fetch(*store, "k");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, body);
  EXPECT_EQ(server.requests().size(), 2u);
}

TEST(S3StoreTest, PersistentFailuresEndWithAClearErrorAfterTheLastAttempt) {
  FakeHttpServer server([&](int fd, int) {
    FakeRequest req;
    while (server.ReadRequest(fd, &req)) {
      if (req.Target().find("/deny") != std::string::npos) {
        FakeHttpServer::WriteAll(fd, FakeHttpServer::Answer(
            403, "<Error><Code>InvalidAccessKeyId</Code><Message>no such key id</Message></Error>"));
      } else if (req.Target().find("/region") != std::string::npos) {
        FakeHttpServer::WriteAll(fd, FakeHttpServer::Answer(
            400, "<Error><Code>AuthorizationHeaderMalformed</Code><Message>the region "
                 "'us-east-1' is wrong; expecting 'eu-west-1'</Message><Region>eu-west-1"
                 "</Region></Error>"));
      } else {
        FakeHttpServer::WriteAll(fd, FakeHttpServer::Answer(
            503, "<Error><Code>SlowDown</Code><Message>reduce your rate</Message></Error>"));
      }
    }
  });
  auto store = Open(FakeConfig(server), Quick(3));
  Status st = store->PutBytes("busy", "x");
  EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st.ToString();
  EXPECT_NE(st.message().find("SlowDown: reduce your rate"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("after 3 attempts"), std::string::npos) << st.message();
  EXPECT_EQ(server.requests().size(), 3u);

  st = store->PutBytes("deny", "x");  // 4xx: not retried
  EXPECT_EQ(st.code(), StatusCode::kPermissionDenied) << st.ToString();
  EXPECT_NE(st.message().find("InvalidAccessKeyId"), std::string::npos) << st.message();
  EXPECT_EQ(server.requests().size(), 4u);

  st = store->PutBytes("region", "x");
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.ToString();
  EXPECT_NE(st.message().find("wrong region for the bucket: the bucket is in eu-west-1"),
            std::string::npos)
      << st.message();

  int closed_port;
  {
    FakeHttpServer gone([](int, int) {});
    closed_port = gone.port();
  }
  auto refused = Open("s3::bucket=b;region=us-east-1;endpoint=http://127.0.0.1:" +
                          std::to_string(closed_port) + ";access_key_id=a;secret_access_key=s;",
                      Quick(2));
  st = refused->PutBytes("k", "v");
  EXPECT_EQ(st.code(), StatusCode::kUnavailable);
  EXPECT_NE(st.message().find("http connection refused"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("after 2 attempts"), std::string::npos) << st.message();
}

TEST(S3StoreTest, FailedMultipartUploadIsAborted) {
  FakeHttpServer server([&](int fd, int) {
    FakeRequest req;
    while (server.ReadRequest(fd, &req)) {
      const std::string t = req.Target();
      if (req.Method() == "POST" && t.find("uploads=") != std::string::npos) {
        FakeHttpServer::WriteAll(fd, FakeHttpServer::Answer(
            200, "<InitiateMultipartUploadResult><UploadId>up-1</UploadId>"
                 "</InitiateMultipartUploadResult>"));
      } else if (req.Method() == "PUT" && t.find("partNumber=1&") != std::string::npos) {
        FakeHttpServer::WriteAll(fd, FakeHttpServer::Answer(200, "", "ETag: \"e1\"\r\n"));
      } else if (req.Method() == "PUT") {
        FakeHttpServer::WriteAll(fd, FakeHttpServer::Answer(403, "<Error><Code>AccessDenied</Code></Error>"));
      } else {
        FakeHttpServer::WriteAll(fd, "HTTP/1.1 204 No Content\r\n\r\n");
      }
    }
  });
  ObjectStoreOptions o = Quick();
  o.multipart_threshold = 1000;
  o.part_size = 600;
  auto store = Open(FakeConfig(server), o);
  testutil::TempDir dir;
  auto fs = NewPosixFileSystem();
  auto file = fs->Open(dir.Sub("f"), OpenMode::kTruncate);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->WriteAt(0, std::string(1500, 'x').data(), 1500).ok());
  Status st = store->PutFile("big", **file, 0, 1500);
  EXPECT_EQ(st.code(), StatusCode::kPermissionDenied) << st.ToString();
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 4u);
  EXPECT_EQ(reqs[1].body, std::string(600, 'x'));
  EXPECT_EQ(HeaderOf(reqs[1], "x-amz-content-sha256"), Sha256Hex(std::string(600, 'x')));
  EXPECT_EQ(reqs[3].Method(), "DELETE");
  EXPECT_EQ(reqs[3].Target(), "/bkt/pre/big?uploadId=up-1");
}

// PutBytesWhole is a multipart upload even for a few bytes: nothing is at the key until the
// completion, so a sender killed while the body travels leaves no object (s3rver keeps what
// arrived of a plain PUT). The part carries the bytes and their SHA-256; the completion names it.
TEST(S3StoreTest, WholePutIsAMultipartUploadCompletedLast) {
  FakeHttpServer server([&](int fd, int) {
    FakeRequest req;
    while (server.ReadRequest(fd, &req)) {
      const std::string t = req.Target();
      if (req.Method() == "POST" && t.find("uploads=") != std::string::npos) {
        FakeHttpServer::WriteAll(fd, FakeHttpServer::Answer(
            200, "<InitiateMultipartUploadResult><UploadId>up-7</UploadId>"
                 "</InitiateMultipartUploadResult>"));
      } else if (req.Method() == "PUT") {
        FakeHttpServer::WriteAll(fd, FakeHttpServer::Answer(200, "", "ETag: \"e1\"\r\n"));
      } else {
        FakeHttpServer::WriteAll(fd, FakeHttpServer::Answer(200, "<CompleteMultipartUploadResult/>"));
      }
    }
  });
  auto store = Open(FakeConfig(server), Quick());
  const std::string manifest = "sundial backup manifest\nformat_version 1\n";
  ASSERT_TRUE(store->PutBytesWhole("backups/x/backup.manifest", manifest).ok());
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[0].Method(), "POST");
  EXPECT_EQ(reqs[0].Target(), "/bkt/pre/backups/x/backup.manifest?uploads=");
  EXPECT_EQ(reqs[1].Method(), "PUT");
  EXPECT_EQ(reqs[1].Target(), "/bkt/pre/backups/x/backup.manifest?partNumber=1&uploadId=up-7");
  EXPECT_EQ(reqs[1].body, manifest);
  EXPECT_EQ(HeaderOf(reqs[1], "x-amz-content-sha256"), Sha256Hex(manifest));
  EXPECT_EQ(reqs[2].Method(), "POST");
  EXPECT_EQ(reqs[2].Target(), "/bkt/pre/backups/x/backup.manifest?uploadId=up-7");
  EXPECT_NE(reqs[2].body.find("<PartNumber>1</PartNumber><ETag>\"e1\"</ETag>"), std::string::npos)
      << reqs[2].body;
}

}  // namespace
}  // namespace sundial::core
