#include <gtest/gtest.h>

#include <random>

#include "http/http_request.h"

namespace sundial::http {
namespace {

using State = RequestParser::State;

State FeedAll(RequestParser& p, std::string_view data, size_t* consumed_total) {
  size_t consumed = 0;
  State s = p.Feed(data.data(), data.size(), &consumed);
  *consumed_total = consumed;
  return s;
}

TEST(RequestParserTest, ParsesGetWithQueryParameters) {
  RequestParser p({});
  std::string req =
      "GET /exec?query=select%201+from+t&limit=1,2&nm=true HTTP/1.1\r\nHost: x\r\n"
      "Authorization: Basic YWRtaW46cXVlc3Q=\r\n\r\n";
  size_t consumed;
  ASSERT_EQ(FeedAll(p, req, &consumed), State::kComplete);
  EXPECT_EQ(consumed, req.size());
  auto& r = p.request();
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.path, "/exec");
  EXPECT_EQ(*r.Param("query"), "select 1 from t");
  EXPECT_EQ(*r.Param("limit"), "1,2");
  EXPECT_EQ(*r.Header("authorization"), "Basic YWRtaW46cXVlc3Q=");
  EXPECT_TRUE(r.keep_alive);
}

TEST(RequestParserTest, ByteByByteContentLengthBodyAndPipelinedRest) {
  std::string one = "POST /write HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello";
  std::string two = "GET /ping HTTP/1.0\r\n\r\n";
  std::string all = one + two;
  RequestParser p({});
  size_t pos = 0;
  State s = State::kNeedMore;
  while (pos < all.size()) {
    size_t consumed = 0;
    s = p.Feed(all.data() + pos, 1, &consumed);
    pos += consumed;
    if (s == State::kComplete) break;
    ASSERT_EQ(consumed, 1u);
  }
  ASSERT_EQ(s, State::kComplete);
  EXPECT_EQ(pos, one.size());
  EXPECT_EQ(p.request().body, "hello");
  p.Reset();
  size_t consumed = 0;
  ASSERT_EQ(p.Feed(all.data() + pos, all.size() - pos, &consumed), State::kComplete);
  EXPECT_EQ(p.request().path, "/ping");
  EXPECT_FALSE(p.request().keep_alive);  // HTTP/1.0 without keep-alive
}

TEST(RequestParserTest, ChunkedBodyWithExtensionsAndTrailers) {
  std::string req =
      "POST /write HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: y\r\n\r\nNEXT";
  for (size_t split = 1; split < req.size(); ++split) {
    RequestParser p({});
    size_t c1 = 0, c2 = 0;
    State s = p.Feed(req.data(), split, &c1);
    if (s != State::kComplete) {
      ASSERT_EQ(s, State::kNeedMore) << split;
      ASSERT_EQ(c1, split);
      s = p.Feed(req.data() + split, req.size() - split, &c2);
    }
    ASSERT_EQ(s, State::kComplete) << split;
    EXPECT_EQ(c1 + c2, req.size() - 4) << split;
    EXPECT_EQ(p.request().body, "hello world");
  }
}

TEST(RequestParserTest, LimitsGive431And413) {
  RequestLimits limits;
  limits.max_header_bytes = 1024;
  limits.max_body_bytes = 100;
  {
    RequestParser p(limits);
    std::string req = "GET /x HTTP/1.1\r\nX: " + std::string(2000, 'a') + "\r\n\r\n";
    size_t c;
    EXPECT_EQ(FeedAll(p, req, &c), State::kError);
    EXPECT_EQ(p.error_status(), 431);
  }
  {
    RequestParser p(limits);
    size_t c;
    EXPECT_EQ(FeedAll(p, "POST /x HTTP/1.1\r\nContent-Length: 101\r\n\r\n", &c), State::kError);
    EXPECT_EQ(p.error_status(), 413);
  }
  {
    RequestParser p(limits);
    size_t c;
    EXPECT_EQ(FeedAll(p, "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n65\r\n", &c),
              State::kError);
    EXPECT_EQ(p.error_status(), 413);
  }
}

TEST(RequestParserTest, MalformedInputIs400) {
  for (const char* bad : {"\x01\x02garbage\r\n\r\n", "GET\r\n\r\n", "GET /x HTTP/1.1\r\nNoColon\r\n\r\n",
                          "GET /x HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
                          "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"}) {
    RequestParser p({});
    size_t c;
    EXPECT_EQ(FeedAll(p, bad, &c), State::kError) << bad;
    EXPECT_EQ(p.error_status(), 400) << bad;
  }
  RequestParser p({});
  size_t c;
  EXPECT_EQ(FeedAll(p, "GET /x HTTP/2.0\r\n\r\n", &c), State::kError);
  EXPECT_EQ(p.error_status(), 505);
}

TEST(RequestParserTest, ExpectContinueIsReported) {
  RequestParser p({});
  size_t c;
  ASSERT_EQ(FeedAll(p, "POST /imp HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n", &c),
            State::kNeedMore);
  EXPECT_TRUE(p.wants_continue());
  p.MarkContinueSent();
  EXPECT_FALSE(p.wants_continue());
}

// A streamed request: the body may be taken (erased) between feeds, discarding drops the
// rest, body_complete flips at the end, the chunked 413 limit counts every byte received.
TEST(RequestParserTest, StreamedBodiesAreTakenInParts) {
  RequestLimits limits;
  limits.max_body_bytes = 20;
  for (bool chunked : {false, true}) {
    SCOPED_TRACE(chunked ? "chunked" : "content-length");
    RequestParser p(limits);
    p.set_stream_if([](const HttpRequest& r) { return r.path == "/write"; });
    std::string head = chunked ? "POST /write HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                               : "POST /write HTTP/1.1\r\nContent-Length: 18\r\n\r\n";
    std::string body = chunked ? "6\r\nabcdef\r\n6\r\nghijkl\r\n6\r\nmnopqr\r\n0\r\n\r\n"
                               : "abcdefghijklmnopqr";
    std::string all = head + body + "GET /ping HTTP/1.1\r\n\r\n";
    size_t pos = 0, consumed = 0;
    std::string taken;
    State s = State::kNeedMore;
    while (s == State::kNeedMore) {
      size_t n = std::min<size_t>(7, all.size() - pos);
      s = p.Feed(all.data() + pos, n, &consumed);
      pos += consumed;
      HttpRequest& r = p.request();
      if (p.head_complete()) {
        EXPECT_TRUE(r.streamed);
      }
      if (s == State::kNeedMore && p.head_complete()) {
        EXPECT_FALSE(r.body_complete);
      }
      taken += r.body;  // the handler takes what arrived
      r.body.clear();
      if (taken.size() >= 12) r.discard_body = true;
    }
    ASSERT_EQ(s, State::kComplete);
    EXPECT_TRUE(p.request().body_complete);
    EXPECT_EQ(taken.substr(0, 12), "abcdefghijkl");
    EXPECT_LT(taken.size(), 18u);  // the rest was dropped
    p.Reset();
    ASSERT_EQ(p.Feed(all.data() + pos, all.size() - pos, &consumed), State::kComplete);
    EXPECT_EQ(p.request().path, "/ping");
    EXPECT_FALSE(p.request().streamed);
  }
  // A chunked body over the limit is refused even when its parts were taken.
  RequestParser p(limits);
  p.set_stream_if([](const HttpRequest&) { return true; });
  std::string over = "POST /write HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "a\r\n0123456789\r\na\r\n0123456789\r\n1\r\nx\r\n0\r\n\r\n";
  size_t pos = 0, consumed = 0;
  State s = State::kNeedMore;
  while (s == State::kNeedMore && pos < over.size()) {
    s = p.Feed(over.data() + pos, std::min<size_t>(5, over.size() - pos), &consumed);
    pos += consumed;
    p.request().body.clear();
  }
  EXPECT_EQ(s, State::kError);
  EXPECT_EQ(p.error_status(), 413);
}

TEST(RequestParserFuzzTest, RandomBytesNeverCrash) {
  uint32_t seed = 12345;
  std::mt19937 rng(seed);
  const std::string seeds[] = {"GET /exec?query=x HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc",
                               "POST /w HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"};
  for (int iter = 0; iter < 20000; ++iter) {
    std::string s = seeds[iter % 2];
    int mutations = 1 + static_cast<int>(rng() % 8);
    for (int m = 0; m < mutations; ++m) {
      size_t pos = rng() % s.size();
      switch (rng() % 3) {
        case 0: s[pos] = static_cast<char>(rng()); break;
        case 1: s.erase(pos, 1); break;
        default: s.insert(pos, 1, static_cast<char>(rng())); break;
      }
      if (s.empty()) s = "x";
    }
    RequestLimits limits;
    limits.max_header_bytes = 256;
    limits.max_body_bytes = 64;
    RequestParser p(limits);
    size_t pos = 0;
    while (pos < s.size()) {
      size_t consumed = 0;
      size_t n = 1 + rng() % 7;
      n = std::min(n, s.size() - pos);
      State st = p.Feed(s.data() + pos, n, &consumed);
      ASSERT_LE(consumed, n) << "seed " << seed;
      pos += consumed;
      if (st != State::kNeedMore) break;
    }
  }
}

TEST(PercentDecodeTest, DecodesAndKeepsInvalidEscapes) {
  EXPECT_EQ(PercentDecode("a%20b+c%zz%", true), "a b c%zz%");
  EXPECT_EQ(PercentDecode("a+b", false), "a+b");
}

}  // namespace
}  // namespace sundial::http
