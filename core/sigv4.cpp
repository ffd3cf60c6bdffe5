// AWS Signature Version 4: canonical request, string to sign, signing key (core/sigv4.h).
#include "core/sigv4.h"

#include <algorithm>
#include <cstdio>

#include "core/sha256.h"
#include "core/timestamp.h"

namespace sundial::core {
namespace {

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Trims the ends and collapses every inner run of spaces to one space.
std::string CanonicalHeaderValue(std::string_view v) {
  std::string out;
  bool pending_space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

// Lower-cased names with their values joined in order, sorted by name.
std::vector<std::pair<std::string, std::string>> CanonicalHeaders(const SigV4Request& r) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [name, value] : r.headers) {
    std::string lower(name.size(), '\0');
    std::transform(name.begin(), name.end(), lower.begin(), Lower);
    std::string v = CanonicalHeaderValue(value);
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& h) { return h.first == lower; });
    if (it == out.end()) {
      out.emplace_back(std::move(lower), std::move(v));
    } else {
      it->second += "," + v;
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

std::string SignedHeaders(const std::vector<std::pair<std::string, std::string>>& headers) {
  std::string out;
  for (const auto& h : headers) {
    if (!out.empty()) out += ';';
    out += h.first;
  }
  return out;
}

std::string Scope(const SigV4Credentials& c, std::string_view amz_date) {
  return std::string(amz_date.substr(0, 8)) + "/" + c.region + "/" + c.service + "/aws4_request";
}

std::string_view AsText(const Sha256Digest& d) {
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

}  // namespace

std::string UriEncode(std::string_view s, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
                            c == '~' || (keep_slash && c == '/');
    if (unreserved) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string AmzDate(int64_t unix_micros) {
  const CivilTime t = ToCivil(unix_micros);
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04lld%02d%02dT%02d%02d%02dZ", static_cast<long long>(t.year), t.month, t.day, t.hour,
                t.minute, t.second);
  return buf;
}

std::string Sha256Hex(std::string_view data) { return HexDigest(Sha256Hash(data)); }

std::string SigV4CanonicalRequest(const SigV4Request& r) {
  std::vector<std::pair<std::string, std::string>> query;
  for (const auto& [k, v] : r.query) query.emplace_back(UriEncode(k, false), UriEncode(v, false));
  std::sort(query.begin(), query.end());
  const auto headers = CanonicalHeaders(r);

  std::string out = r.method + "\n" + (r.path.empty() ? "/" : r.path) + "\n";
  for (size_t i = 0; i < query.size(); ++i) {
    if (i > 0) out += '&';
    out += query[i].first + "=" + query[i].second;
  }
  out += '\n';
  for (const auto& [name, value] : headers) out += name + ":" + value + "\n";
  out += "\n" + SignedHeaders(headers) + "\n" + r.payload_sha256;
  return out;
}

std::string SigV4StringToSign(const SigV4Request& r, const SigV4Credentials& c,
                              std::string_view amz_date) {
  return "AWS4-HMAC-SHA256\n" + std::string(amz_date) + "\n" + Scope(c, amz_date) + "\n" +
         Sha256Hex(SigV4CanonicalRequest(r));
}

std::string SigV4Authorization(const SigV4Request& r, const SigV4Credentials& c,
                               std::string_view amz_date) {
  Sha256Digest key = HmacSha256("AWS4" + c.secret_access_key, amz_date.substr(0, 8));
  key = HmacSha256(AsText(key), c.region);
  key = HmacSha256(AsText(key), c.service);
  key = HmacSha256(AsText(key), "aws4_request");
  const std::string signature = HexDigest(HmacSha256(AsText(key), SigV4StringToSign(r, c, amz_date)));
  return "AWS4-HMAC-SHA256 Credential=" + c.access_key_id + "/" + Scope(c, amz_date) +
         ",SignedHeaders=" + SignedHeaders(CanonicalHeaders(r)) + ",Signature=" + signature;
}

}  // namespace sundial::core
