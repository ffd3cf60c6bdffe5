// core/sigv4.h — AWS Signature Version 4 (the "AWS4-HMAC-SHA256" Authorization header), with
// which S3-compatible object stores authenticate each request.
//
// The algorithm, as implemented here:
//   canonical request = METHOD \n PATH \n QUERY \n HEADERS \n \n SIGNED \n PAYLOAD_HASH
//     PATH    the path as sent on the wire, already percent-encoded once (S3 keys: UriEncode
//             with keep_slash = true); "/" when empty;
//     QUERY   name=value pairs, each side UriEncode'd (slash encoded too), sorted by name then
//             value, joined with '&'; a name without a value is "name=";
//     HEADERS "name:value\n" per header, names lower-cased, values trimmed and inner runs of
//             spaces collapsed to one, sorted by name; a repeated name's values are joined by
//             ',' in the order given;
//     SIGNED  the header names, lower-cased, sorted, joined with ';'.
//   scope          = YYYYMMDD / region / service / "aws4_request"
//   string to sign = "AWS4-HMAC-SHA256" \n AMZ_DATE \n scope \n hex(SHA256(canonical request))
//   signing key    = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, YYYYMMDD), region), service),
//                    "aws4_request")
//   signature      = hex(HMAC(signing key, string to sign))
// Every header in SigV4Request::headers is signed; the caller includes `host`, `x-amz-date`
// (equal to `amz_date`) and, for S3, `x-amz-content-sha256`. Pure functions: thread-safe,
// nothing fails (a malformed amz_date yields a signature the store will refuse).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sundial::core {

struct SigV4Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string region;   // e.g. "us-east-1"
  std::string service;  // "s3" for object stores
};

struct SigV4Request {
  std::string method;  // "GET", "PUT", ...
  std::string path;    // percent-encoded once, e.g. "/bucket/test%24file.text"
  std::vector<std::pair<std::string, std::string>> query;    // not encoded
  std::vector<std::pair<std::string, std::string>> headers;  // all signed
  std::string payload_sha256;  // lower-case hex of the body's SHA-256, or "UNSIGNED-PAYLOAD"
};

// RFC 3986 percent-encoding as SigV4 wants it: A-Z a-z 0-9 - _ . ~ stay, '/' stays when
// `keep_slash`, every other byte becomes %XX (upper-case hex).
std::string UriEncode(std::string_view s, bool keep_slash);

// "YYYYMMDDTHHMMSSZ" (x-amz-date) of a UTC instant in microseconds since the epoch.
std::string AmzDate(int64_t unix_micros);

// Lower-case hex SHA-256 of `data`: the payload hash of a body held in memory.
std::string Sha256Hex(std::string_view data);

std::string SigV4CanonicalRequest(const SigV4Request& request);
std::string SigV4StringToSign(const SigV4Request& request, const SigV4Credentials& credentials,
                              std::string_view amz_date);
// The value of the Authorization header:
// "AWS4-HMAC-SHA256 Credential=<key id>/<scope>,SignedHeaders=<signed>,Signature=<hex>".
std::string SigV4Authorization(const SigV4Request& request, const SigV4Credentials& credentials,
                               std::string_view amz_date);

}  // namespace sundial::core
