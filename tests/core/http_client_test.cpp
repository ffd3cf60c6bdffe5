// core::HttpClient against a scripted loopback server (tests/core/fake_http_server.h): body
// framings, keep-alive and its stale-connection retry, file-range bodies, sinks, limits, and
// the transport errors (refused, reset, timeout, early answer).
#include "core/http_client.h"

#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <random>

#include "tests/core/fake_http_server.h"
#include "tests/testutil/temp_dir.h"

namespace sundial::core {
namespace {

using testing::FakeHttpServer;
using testing::FakeRequest;

HttpRequest Get(std::string target) {
  HttpRequest r;
  r.method = "GET";
  r.target = std::move(target);
  return r;
}

TEST(HttpUrlTest, ParsesHostPortAndRefusesOthers) {
  auto u = ParseHttpUrl("http://minio.local:9000");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->host, "minio.local");
  EXPECT_EQ(u->port, 9000);
  EXPECT_EQ(u->path, "");
  u = ParseHttpUrl("http://[::1]:81/x");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 81);
  EXPECT_EQ(u->path, "/x");
  EXPECT_EQ(ParseHttpUrl("http://h").value().port, 80);
  EXPECT_EQ(ParseHttpUrl("https://s3.amazonaws.com").status().code(), StatusCode::kUnsupported);
  for (const char* bad : {"ftp://h", "http://", "http://:80", "http://h:", "http://h:0",
                          "http://h:65536", "http://h:8x", "http://[::1", "http://u@h:1"}) {
    EXPECT_EQ(ParseHttpUrl(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(HttpClientTest, ContentLengthChunkedAndCloseDelimitedBodies) {
  FakeHttpServer server([&](int fd, int) {
    FakeRequest req;
    while (server.ReadRequest(fd, &req)) {
      if (req.Target() == "/cl") {
        FakeHttpServer::WriteAll(fd, FakeHttpServer::Answer(200, "hello"));
      } else if (req.Target() == "/chunked") {
        FakeHttpServer::WriteAll(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                     "3;ext=1\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nX-T: 1\r\n\r\n");
      } else {
        FakeHttpServer::WriteAll(fd, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil close");
        return;
      }
    }
  });
  HttpClient client("127.0.0.1", server.port());
  auto r = client.Send(Get("/cl"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello");
  r = client.Send(Get("/chunked"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "abc0123456789abcdef");
  r = client.Send(Get("/close"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "until close");
  EXPECT_EQ(server.connections(), 1);  // keep-alive held until the server closed
  r = client.Send(Get("/cl"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(server.connections(), 2);
}

TEST(HttpClientTest, StaleKeepAliveConnectionIsReplacedOnce) {
  // The server answers one request per connection without saying Connection: close.
  FakeHttpServer server([&](int fd, int) {
    FakeRequest req;
    if (server.ReadRequest(fd, &req)) FakeHttpServer::WriteAll(fd, FakeHttpServer::Answer(200, "ok"));
  });
  HttpClient client("127.0.0.1", server.port());
  for (int i = 0; i < 3; ++i) {
    auto r = client.Send(Get("/x"));
    ASSERT_TRUE(r.ok()) << i << ": " << r.status().ToString();
    EXPECT_EQ(r->body, "ok");
  }
  EXPECT_EQ(server.connections(), 3);
}

TEST(HttpClientTest, FileRangeBodyIsStreamedExactly) {
  testutil::TempDir dir;
  std::string data(1'000'003, '\0');
  std::mt19937 rng(7);
  for (char& c : data) c = static_cast<char>(rng());
  auto fs = NewPosixFileSystem();
  auto file = fs->Open(dir.Sub("f"), OpenMode::kTruncate);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->WriteAt(0, data.data(), data.size()).ok());
  std::string received;
  FakeHttpServer server([&](int fd, int) {
    FakeRequest req;
    while (server.ReadRequest(fd, &req)) {
      received = req.body;
      FakeHttpServer::WriteAll(fd, FakeHttpServer::Answer(200, ""));
    }
  });
  HttpClient client("127.0.0.1", server.port());
  for (auto [offset, length] : {std::pair<uint64_t, uint64_t>{0, data.size()}, {12345, 700'001},
                                {data.size(), 0}, {1, 1}}) {
    HttpRequest req;
    req.method = "PUT";
    req.target = "/f";
    req.body_file = file->get();
    req.body_offset = offset;
    req.body_length = length;
    auto r = client.Send(req);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(received == data.substr(offset, length)) << offset << "+" << length;
  }
  // A range past the end of the file is an error, not a short body.
  HttpRequest req;
  req.method = "PUT";
  req.target = "/f";
  req.body_file = file->get();
  req.body_offset = data.size() - 10;
  req.body_length = 11;
  auto r = client.Send(req);
  EXPECT_EQ(r.status().code(), StatusCode::kIOError) << r.status().ToString();
}

TEST(HttpClientTest, SinkGetsSuccessBodiesAndErrorsAreCollected) {
  FakeHttpServer server([&](int fd, int) {
    FakeRequest req;
    while (server.ReadRequest(fd, &req)) {
      if (req.Target() == "/ok") {
        FakeHttpServer::WriteAll(fd, FakeHttpServer::Answer(200, std::string(200'000, 'z')));
      } else {
        FakeHttpServer::WriteAll(fd, FakeHttpServer::Answer(404, "<Error/>"));
      }
    }
  });
  HttpClient client("127.0.0.1", server.port());
  std::string sunk;
  HttpBodySink sink = [&](std::string_view c) {
    sunk.append(c);
    return Status::Ok();
  };
  auto r = client.Send(Get("/ok"), sink);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(sunk, std::string(200'000, 'z'));
  EXPECT_TRUE(r->body.empty());
  sunk.clear();
  r = client.Send(Get("/missing"), sink);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->body, "<Error/>");
  EXPECT_TRUE(sunk.empty());
  // A sink's error stops the transfer and is returned.
  r = client.Send(Get("/ok"), [](std::string_view) { return Status::Cancelled("enough"); });
  EXPECT_EQ(r.status().code(), StatusCode::kCancelled);
  // The collected-body limit.
  HttpClientOptions small;
  small.max_body_bytes = 1000;
  HttpClient limited("127.0.0.1", server.port(), small);
  r = limited.Send(Get("/ok"));
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted) << r.status().ToString();
}

TEST(HttpClientTest, RefusedResetTimeoutAndTruncatedAreClearUnavailableErrors) {
  int closed_port;
  {
    FakeHttpServer gone([](int, int) {});
    closed_port = gone.port();
  }
  HttpClient refused("127.0.0.1", closed_port);
  auto r = refused.Send(Get("/"));
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("connection refused"), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("port=" + std::to_string(closed_port)), std::string::npos);

  FakeHttpServer truncating([&](int fd, int) {
    FakeRequest req;
    if (truncating.ReadRequest(fd, &req)) {
      FakeHttpServer::WriteAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
    }
  });
  HttpClient t("127.0.0.1", truncating.port());
  r = t.Send(Get("/"));
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("closed before the response was complete"),
            std::string::npos)
      << r.status().message();

  FakeHttpServer silent([&](int fd, int) {
    FakeRequest req;
    silent.ReadRequest(fd, &req);
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
  });
  HttpClientOptions quick;
  quick.io_timeout_ms = 150;
  HttpClient s("127.0.0.1", silent.port(), quick);
  auto start = std::chrono::steady_clock::now();
  r = s.Send(Get("/"));
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("timed out after 150 ms"), std::string::npos)
      << r.status().message();
  EXPECT_LT(took, std::chrono::milliseconds(550));

  FakeHttpServer resetting([&](int fd, int) {
    FakeRequest req;
    if (!resetting.ReadRequest(fd, &req)) return;
    linger hard{1, 0};  // close() sends RST
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof(hard));
  });
  HttpClient reset("127.0.0.1", resetting.port());
  r = reset.Send(Get("/"));
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("connection reset by peer"), std::string::npos)
      << r.status().message();

  FakeHttpServer garbage([&](int fd, int) {
    FakeRequest req;
    if (garbage.ReadRequest(fd, &req)) FakeHttpServer::WriteAll(fd, "SSH-2.0-OpenSSH\r\n\r\n");
  });
  HttpClient g("127.0.0.1", garbage.port());
  r = g.Send(Get("/"));
  EXPECT_EQ(r.status().code(), StatusCode::kIOError);
  EXPECT_NE(r.status().message().find("malformed http response"), std::string::npos);
}

TEST(HttpClientTest, EarlyAnswerToALargeUploadIsReturned) {
  // The server refuses after the head, without reading the 8 MB body, and closes.
  FakeHttpServer server([&](int fd, int) {
    char buf[4096];
    std::string head;
    while (head.find("\r\n\r\n") == std::string::npos) {
      ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) return;
      head.append(buf, static_cast<size_t>(n));
    }
    FakeHttpServer::WriteAll(fd, FakeHttpServer::Answer(403, "<Error><Code>AccessDenied</Code></Error>",
                                                        "Connection: close\r\n"));
    ::shutdown(fd, SHUT_WR);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  });
  std::string big(8 << 20, 'b');
  HttpRequest req;
  req.method = "PUT";
  req.target = "/big";
  req.body = big;
  HttpClient client("127.0.0.1", server.port());
  auto r = client.Send(req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 403);
  EXPECT_NE(r->body.find("AccessDenied"), std::string::npos);
}

// Mutated and truncated answers (then the server closes): every Send returns, ok or with a
// clear error, and a body is never longer than what was sent.
TEST(HttpClientTest, HostileAnswersNeverCrashOrHang) {
  const std::vector<std::string> seeds = {
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x\r\nde\r\n0\r\n\r\n",
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 NF\r\nContent-Length: 3\r\n\r\nnot",
      "HTTP/1.0 200 OK\r\n\r\nuntil close"};
  std::mt19937 rng(99);
  // The client may return (a complete answer, or an error) while the server thread is still
  // writing: it sends its own copy, taken under the lock, while the loop makes the next one.
  std::mutex mu;
  std::string answer, next;
  FakeHttpServer server([&](int fd, int) {
    FakeRequest req;
    if (!server.ReadRequest(fd, &req)) return;
    std::string copy;
    {
      std::lock_guard lk(mu);
      copy = answer;
    }
    FakeHttpServer::WriteAll(fd, copy);
  });
  HttpClientOptions quick;
  quick.io_timeout_ms = 2000;
  for (int i = 0; i < 300; ++i) {
    next = seeds[rng() % seeds.size()];
    for (int e = 1 + static_cast<int>(rng() % 3); e > 0; --e) {
      size_t at = rng() % (next.size() + 1);
      switch (rng() % 4) {
        case 0: next.resize(at); break;
        case 1: next.insert(at, 1, "0123456789abcdefxX:;\r\n -"[rng() % 24]); break;
        case 2: if (at < next.size()) next[at] = static_cast<char>(rng()); break;
        default: next.erase(at, 1 + rng() % 4); break;
      }
    }
    {
      std::lock_guard lk(mu);
      answer = next;
    }
    HttpClient client("127.0.0.1", server.port(), quick);
    auto r = client.Send(Get("/"));
    if (r.ok()) {
      EXPECT_LE(r->body.size(), next.size()) << next;
    } else {
      EXPECT_FALSE(r.status().message().empty());
      EXPECT_EQ(r.status().message().find("timed out"), std::string::npos) << next;
    }
  }
}

}  // namespace
}  // namespace sundial::core
