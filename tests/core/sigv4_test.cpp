// SigV4 and HMAC-SHA256 against published vectors: RFC 4231 for HMAC, AWS's Signature Version 4
// test suite (get-vanilla, get-vanilla-query-order-key-case) and the worked examples of the S3
// API reference (GET object with Range, PUT object, list objects). Each expected value is the
// published one, not ours.
#include "core/sigv4.h"

#include <gtest/gtest.h>

#include <string>

#include "core/sha256.h"
#include "core/timestamp.h"

namespace sundial::core {
namespace {

std::string SignatureOf(const std::string& authorization) {
  return authorization.substr(authorization.rfind('=') + 1);
}

TEST(HmacSha256Test, Rfc4231Vectors) {
  EXPECT_EQ(HexDigest(HmacSha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(HexDigest(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(HexDigest(HmacSha256(std::string(20, '\xaa'), std::string(50, '\xdd'))),
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
  // Keys longer than the 64-byte block are hashed first.
  EXPECT_EQ(HexDigest(HmacSha256(std::string(131, '\xaa'),
                                 "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  EXPECT_EQ(HexDigest(HmacSha256(
                std::string(131, '\xaa'),
                "This is a test using a larger than block-size key and a larger than block-size "
                "data. The key needs to be hashed before being used by the HMAC algorithm.")),
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

// AWS SigV4 test suite credentials (documented examples; they grant nothing).
SigV4Credentials SuiteCredentials() {
  return {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "us-east-1", "service"};
}

TEST(SigV4Test, SuiteGetVanilla) {
  SigV4Request r;
  r.method = "GET";
  r.path = "/";
  r.headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}};
  r.payload_sha256 = Sha256Hex("");
  EXPECT_EQ(SigV4CanonicalRequest(r),
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "host;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(SigV4StringToSign(r, SuiteCredentials(), "20150830T123600Z"),
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
  EXPECT_EQ(SigV4Authorization(r, SuiteCredentials(), "20150830T123600Z"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request,"
            "SignedHeaders=host;x-amz-date,"
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(SigV4Test, SuiteQueryIsSortedWhateverTheOrderGiven) {
  SigV4Request r;
  r.method = "GET";
  r.path = "/";
  r.query = {{"Param2", "value2"}, {"Param1", "value1"}};
  r.headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}};
  r.payload_sha256 = Sha256Hex("");
  EXPECT_EQ(SignatureOf(SigV4Authorization(r, SuiteCredentials(), "20150830T123600Z")),
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
}

// The S3 API reference's examples (bucket "examplebucket", 2013-05-24).
SigV4Credentials S3Credentials() {
  return {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1", "s3"};
}

SigV4Request S3Request(std::string method, std::string path, std::string payload_sha256) {
  SigV4Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.payload_sha256 = payload_sha256;
  r.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
               {"x-amz-date", "20130524T000000Z"},
               {"x-amz-content-sha256", payload_sha256}};
  return r;
}

TEST(SigV4Test, S3GetObjectWithRange) {
  SigV4Request r = S3Request("GET", "/test.txt", Sha256Hex(""));
  r.headers.push_back({"Range", "bytes=0-9"});
  EXPECT_EQ(Sha256Hex(SigV4CanonicalRequest(r)),
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(SigV4Authorization(r, S3Credentials(), "20130524T000000Z"),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4Test, S3PutObjectWithAnEncodedKey) {
  const std::string body = "Welcome to Amazon S3.";
  ASSERT_EQ(Sha256Hex(body), "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  SigV4Request r = S3Request("PUT", "/" + UriEncode("test$file.text", true), Sha256Hex(body));
  EXPECT_EQ(r.path, "/test%24file.text");
  r.headers.push_back({"Date", "Fri, 24 May 2013 00:00:00 GMT"});
  r.headers.push_back({"x-amz-storage-class", "REDUCED_REDUNDANCY"});
  EXPECT_EQ(Sha256Hex(SigV4CanonicalRequest(r)),
            "9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d");
  const std::string auth = SigV4Authorization(r, S3Credentials(), "20130524T000000Z");
  EXPECT_NE(auth.find("SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,"),
            std::string::npos);
  EXPECT_EQ(SignatureOf(auth), "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(SigV4Test, S3ListObjects) {
  SigV4Request r = S3Request("GET", "/", Sha256Hex(""));
  r.query = {{"max-keys", "2"}, {"prefix", "J"}};
  EXPECT_EQ(SignatureOf(SigV4Authorization(r, S3Credentials(), "20130524T000000Z")),
            "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4Test, EverySignedPartChangesTheSignature) {
  const SigV4Request base = S3Request("GET", "/test.txt", Sha256Hex(""));
  const std::string sig = SigV4Authorization(base, S3Credentials(), "20130524T000000Z");
  auto differs = [&](SigV4Request r, SigV4Credentials c, std::string date) {
    return SigV4Authorization(r, c, date) != sig;
  };
  SigV4Request r = base;
  r.method = "HEAD";
  EXPECT_TRUE(differs(r, S3Credentials(), "20130524T000000Z"));
  r = base;
  r.path = "/test.txu";
  EXPECT_TRUE(differs(r, S3Credentials(), "20130524T000000Z"));
  r = base;
  r.query = {{"a", ""}};
  EXPECT_TRUE(differs(r, S3Credentials(), "20130524T000000Z"));
  r = base;
  r.headers[0].second = "otherbucket.s3.amazonaws.com";
  EXPECT_TRUE(differs(r, S3Credentials(), "20130524T000000Z"));
  r = base;
  r.payload_sha256 = Sha256Hex("x");
  EXPECT_TRUE(differs(r, S3Credentials(), "20130524T000000Z"));
  SigV4Credentials c = S3Credentials();
  c.secret_access_key += "x";
  EXPECT_TRUE(differs(base, c, "20130524T000000Z"));
  c = S3Credentials();
  c.region = "eu-west-1";
  EXPECT_TRUE(differs(base, c, "20130524T000000Z"));
  EXPECT_TRUE(differs(base, S3Credentials(), "20130525T000000Z"));
}

TEST(SigV4Test, HeaderValuesAreTrimmedCollapsedAndRepeatsJoined) {
  SigV4Request r;
  r.method = "GET";
  r.path = "";
  r.headers = {{"My-Header1", "  value1  "},
               {"My-Header2", "\"a   b   c\""},
               {"my-header1", "value2"}};
  r.payload_sha256 = "UNSIGNED-PAYLOAD";
  EXPECT_EQ(SigV4CanonicalRequest(r),
            "GET\n/\n\nmy-header1:value1,value2\nmy-header2:\"a b c\"\n\n"
            "my-header1;my-header2\nUNSIGNED-PAYLOAD");
}

TEST(SigV4Test, UriEncodeKeepsOnlyUnreservedBytes) {
  EXPECT_EQ(UriEncode("A-z_0.9~", false), "A-z_0.9~");
  EXPECT_EQ(UriEncode("a b+c=d&e", false), "a%20b%2Bc%3Dd%26e");
  EXPECT_EQ(UriEncode("db/cpu/2026-12-02/ts.d", true), "db/cpu/2026-12-02/ts.d");
  EXPECT_EQ(UriEncode("a/b", false), "a%2Fb");
  EXPECT_EQ(UriEncode("\xc3\xa4%", true), "%C3%A4%25");
}

TEST(SigV4Test, AmzDateIsCompactUtc) {
  EXPECT_EQ(AmzDate(0), "19700101T000000Z");
  ASSERT_TRUE(ParseTimestamp("2013-05-24T00:00:00.999999Z").ok());
  EXPECT_EQ(AmzDate(*ParseTimestamp("2013-05-24T00:00:00.999999Z")), "20130524T000000Z");
  EXPECT_EQ(AmzDate(*ParseTimestamp("2026-12-31T23:59:59Z")), "20261231T235959Z");
}

}  // namespace
}  // namespace sundial::core
