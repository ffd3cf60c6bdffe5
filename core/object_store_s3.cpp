// The s3:: object store: path-style requests to an S3-compatible endpoint over plain HTTP,
// signed with AWS Signature Version 4 (core/sigv4.h), the payload hash being the body's SHA-256
// (a file range is hashed in a first streaming pass, then streamed again as the body: memory
// stays at one 64 KiB buffer whatever the size). Files over the multipart threshold, and every
// PutBytesWhole, go up in parts (initiate, one PUT per part, complete; aborted on failure).
// Every request is retried on a 5xx answer or a transport failure with exponential backoff
// (core/object_store.h).
#include <algorithm>
#include <chrono>
#include <mutex>
#include <random>
#include <thread>

#include "core/log.h"
#include "core/object_store_internal.h"
#include "core/sigv4.h"
#include "core/timestamp.h"
#include "core/utf8.h"
#include "core/xml_scan.h"

namespace sundial::core {
namespace {

const std::string kEmptySha256 = Sha256Hex("");

std::string Unquote(std::string_view etag) {
  std::string out;
  for (char c : etag) {
    if (c != '"') out.push_back(c);
  }
  return out;
}

// Decoded text of the first element `name` inside `xml`, "" when absent or undecodable.
std::string TextOf(std::string_view xml, std::string_view name) {
  std::optional<std::string_view> e = XmlFirstElement(xml, name);
  if (!e) return "";
  Result<std::string> t = XmlText(*e);
  return t.ok() ? std::move(t).value() : std::string();
}

// What a multipart upload sends: `length` bytes of `file` from `offset`, or of `bytes`.
struct PartSource {
  File* file = nullptr;
  uint64_t offset = 0;
  std::string_view bytes;
};

struct S3Call {
  std::string method;
  std::string key;  // the full key in the bucket (root included); "" for a bucket request
  std::vector<std::pair<std::string, std::string>> query;
  std::vector<std::pair<std::string, std::string>> headers;  // besides the signed defaults
  std::string_view body;
  File* file = nullptr;
  uint64_t offset = 0;
  uint64_t length = 0;
  std::string payload_sha256 = kEmptySha256;
  std::string shown_key;  // the caller's key, for messages
};

class S3ObjectStore final : public ObjectStore {
 public:
  S3ObjectStore(const ObjectStoreConfig& config, HttpUrl url, const ObjectStoreOptions& options)
      : config_(config), url_(std::move(url)), options_(options) {
    credentials_ = {config_.access_key_id, config_.secret_access_key, config_.region, "s3"};
    const bool v6 = url_.host.find(':') != std::string::npos;
    host_header_ = (v6 ? "[" + url_.host + "]" : url_.host) +
                   (url_.port == 80 ? "" : ":" + std::to_string(url_.port));
  }

  const ObjectStoreConfig& config() const override { return config_; }

  Status PutBytes(std::string_view key, std::string_view data) override {
    RETURN_IF_ERROR(ValidateObjectKey(key));
    S3Call call = ObjectCall("PUT", key);
    call.body = data;
    call.payload_sha256 = Sha256Hex(data);
    return ExpectOk(call);
  }

  // An empty object cannot be cut short, and S3 wants at least one part: a plain PUT.
  Status PutBytesWhole(std::string_view key, std::string_view data) override {
    RETURN_IF_ERROR(ValidateObjectKey(key));
    if (data.empty()) return PutBytes(key, data);
    PartSource source;
    source.bytes = data;
    return PutMultipart(key, source, data.size());
  }

  Status PutFile(std::string_view key, File& file, uint64_t offset, uint64_t length) override {
    RETURN_IF_ERROR(ValidateObjectKey(key));
    ASSIGN_OR_RETURN(uint64_t size, file.Size());
    if (offset > size || size - offset < length) {  // refused before anything is sent
      return Status::IOError("file is shorter than the range to upload [path=" + file.path() +
                             ", size=" + std::to_string(size) + "]");
    }
    if (length > options_.multipart_threshold) {
      PartSource source;
      source.file = &file;
      source.offset = offset;
      return PutMultipart(key, source, length);
    }
    S3Call call = ObjectCall("PUT", key);
    call.file = &file;
    call.offset = offset;
    call.length = length;
    ASSIGN_OR_RETURN(call.payload_sha256, Sha256OfFileRange(file, offset, length));
    return ExpectOk(call);
  }

  Status Get(std::string_view key, const ObjectSink& sink) override {
    RETURN_IF_ERROR(ValidateObjectKey(key));
    // A retry after part of the body was delivered skips what the sink already has (objects
    // are written once; a replaced object is not detected).
    uint64_t delivered = 0;
    uint64_t seen = 0;
    Status sink_error;
    HttpBodySink wrapped = [&](std::string_view chunk) -> Status {
      if (seen < delivered) {
        size_t skip = static_cast<size_t>(std::min<uint64_t>(delivered - seen, chunk.size()));
        seen += skip;
        chunk.remove_prefix(skip);
        if (chunk.empty()) return Status::Ok();
      }
      sink_error = sink(chunk);
      if (!sink_error.ok()) return Status::Cancelled("object sink failed");
      seen += chunk.size();
      delivered = seen;
      return Status::Ok();
    };
    auto before_attempt = [&] { seen = 0; };
    Result<HttpResponse> r = Execute(ObjectCall("GET", key), wrapped, before_attempt);
    if (!sink_error.ok()) return sink_error;
    if (!r.ok()) return r.status();
    if (r->status != 200) return ErrorOf(ObjectCall("GET", key), *r);
    return Status::Ok();
  }

  Result<ObjectInfo> Head(std::string_view key) override {
    RETURN_IF_ERROR(ValidateObjectKey(key));
    S3Call call = ObjectCall("HEAD", key);
    ASSIGN_OR_RETURN(HttpResponse r, Execute(call));
    if (r.status != 200) return ErrorOf(call, r);
    ObjectInfo info{std::string(key), 0, ""};
    const std::string* length = r.Header("content-length");
    if (length == nullptr || length->empty() ||
        length->find_first_not_of("0123456789") != std::string::npos || length->size() > 18) {
      return Status::IOError("object store HEAD answer has no valid Content-Length [key=" +
                             std::string(key) + ", " + config_.Describe() + "]");
    }
    info.size = std::stoull(*length);
    if (const std::string* etag = r.Header("etag")) info.etag = Unquote(*etag);
    return info;
  }

  Result<ObjectListPage> List(std::string_view prefix, std::string_view token,
                              int max_keys) override {
    if (max_keys < 1 || max_keys > 1000) {
      return Status::InvalidArgument("list max_keys must be 1..1000");
    }
    // Keys are UTF-8 and so is the prefix a store takes: a prefix cut inside a character is
    // asked without the cut character and the answer filtered here.
    const std::string_view sent = prefix.substr(0, FirstInvalidUtf8(prefix));
    S3Call call;
    call.method = "GET";
    call.query = {{"list-type", "2"},
                  {"max-keys", std::to_string(max_keys)},
                  {"prefix", FullKey(sent)}};
    if (!token.empty()) call.query.emplace_back("continuation-token", std::string(token));
    call.shown_key = std::string(prefix);
    ASSIGN_OR_RETURN(HttpResponse r, Execute(call));
    if (r.status != 200) return ErrorOf(call, r);
    ASSIGN_OR_RETURN(ObjectListPage page, ParseList(r.body));
    if (sent.size() < prefix.size()) {
      std::erase_if(page.objects, [&](const ObjectInfo& o) {
        return o.key.compare(0, prefix.size(), prefix) != 0;
      });
    }
    return page;
  }

  Status Delete(std::string_view key) override {
    RETURN_IF_ERROR(ValidateObjectKey(key));
    S3Call call = ObjectCall("DELETE", key);
    ASSIGN_OR_RETURN(HttpResponse r, Execute(call));
    if (r.status == 204 || r.status == 200) return Status::Ok();
    Status st = ErrorOf(call, r);
    if (st.code() == StatusCode::kNotFound && TextOf(r.body, "Code") == "NoSuchKey") {
      return Status::Ok();
    }
    return st;
  }

 private:
  std::string FullKey(std::string_view key) const {
    return config_.root.empty() ? std::string(key) : config_.root + "/" + std::string(key);
  }

  S3Call ObjectCall(std::string method, std::string_view key) const {
    S3Call call;
    call.method = std::move(method);
    call.key = FullKey(key);
    call.shown_key = std::string(key);
    return call;
  }

  std::string Where(const S3Call& call) const {
    return " [" + (call.shown_key.empty() ? "" : "key=" + call.shown_key + ", ") +
           config_.Describe() + "]";
  }

  HttpRequest Sign(const S3Call& call) const {
    SigV4Request s;
    s.method = call.method;
    s.path = "/" + UriEncode(config_.bucket, false) +
             (call.key.empty() ? "" : "/" + UriEncode(call.key, true));
    s.query = call.query;
    s.headers = {{"host", host_header_},
                 {"x-amz-date", AmzDate(SystemClock::Instance()->NowMicros())},
                 {"x-amz-content-sha256", call.payload_sha256}};
    for (const auto& h : call.headers) s.headers.push_back(h);
    s.payload_sha256 = call.payload_sha256;
    HttpRequest req;
    req.method = call.method;
    req.target = s.path;
    std::vector<std::pair<std::string, std::string>> query;
    for (const auto& [k, v] : call.query) query.emplace_back(UriEncode(k, false), UriEncode(v, false));
    std::sort(query.begin(), query.end());
    for (size_t i = 0; i < query.size(); ++i) {
      req.target += (i == 0 ? "?" : "&") + query[i].first + "=" + query[i].second;
    }
    const std::string auth = SigV4Authorization(s, credentials_, s.headers[1].second);
    req.headers = std::move(s.headers);
    req.headers.emplace_back("Authorization", auth);
    req.body = call.body;
    req.body_file = call.file;
    req.body_offset = call.offset;
    req.body_length = call.length;
    return req;
  }

  std::unique_ptr<HttpClient> Acquire() {
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_.empty()) return std::make_unique<HttpClient>(url_.host, url_.port, options_.http);
    std::unique_ptr<HttpClient> c = std::move(idle_.back());
    idle_.pop_back();
    return c;
  }

  void Release(std::unique_ptr<HttpClient> c) {
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_.size() < 8) idle_.push_back(std::move(c));
  }

  void Backoff(int* delay_ms) {
    thread_local std::minstd_rand rng(
        static_cast<unsigned>(SystemClock::Instance()->NowMicros() ^
                              std::hash<std::thread::id>{}(std::this_thread::get_id())));
    const int d = std::max(1, *delay_ms);
    std::uniform_int_distribution<int> jitter(d / 2, d);
    std::this_thread::sleep_for(std::chrono::milliseconds(jitter(rng)));
    *delay_ms = std::min(options_.backoff_max_ms, d * 2);
  }

  // Sends `call`, retrying 5xx answers and transport failures. Returns the last answer below
  // 500; a 5xx after the last attempt is its mapped error.
  Result<HttpResponse> Execute(const S3Call& call, const HttpBodySink& sink = nullptr,
                               const std::function<void()>& before_attempt = nullptr) {
    std::unique_ptr<HttpClient> client = Acquire();
    int delay = options_.backoff_initial_ms;
    const int attempts = std::max(1, options_.max_attempts);
    Status last;
    for (int attempt = 1;; ++attempt) {
      if (before_attempt) before_attempt();
      Result<HttpResponse> r = client->Send(Sign(call), sink);
      if (r.ok() && r->status < 500) {
        Release(std::move(client));
        return r;
      }
      if (!r.ok() && r.status().code() != StatusCode::kUnavailable) return r.status();
      last = r.ok() ? ErrorOf(call, *r) : r.status();
      if (attempt >= attempts) break;
      LogWarn("object store request retried [method=" + call.method + ", key=" + call.shown_key +
              ", attempt=" + std::to_string(attempt + 1) + ", error=" + last.message() + "]");
      Backoff(&delay);
    }
    return Status(last.code(), last.message() + " (after " + std::to_string(attempts) +
                                   " attempts)");
  }

  Status ExpectOk(const S3Call& call) {
    ASSIGN_OR_RETURN(HttpResponse r, Execute(call));
    return r.status == 200 ? Status::Ok() : ErrorOf(call, r);
  }

  Status ErrorOf(const S3Call& call, const HttpResponse& r) const;
  Result<ObjectListPage> ParseList(std::string_view body) const;
  Status PutMultipart(std::string_view key, const PartSource& source, uint64_t length);
  Result<std::string> UploadParts(const S3Call& base, const std::string& upload_id,
                                  const PartSource& source, uint64_t length);

  ObjectStoreConfig config_;
  HttpUrl url_;
  ObjectStoreOptions options_;
  SigV4Credentials credentials_;
  std::string host_header_;
  std::mutex mu_;
  std::vector<std::unique_ptr<HttpClient>> idle_;
};

Status S3ObjectStore::ErrorOf(const S3Call& call, const HttpResponse& r) const {
  std::string code, message, region;
  if (std::optional<std::string_view> e = XmlFirstElement(r.body, "Error")) {
    code = TextOf(*e, "Code");
    message = TextOf(*e, "Message").substr(0, 300);
    region = TextOf(*e, "Region");
  }
  if (region.empty()) {
    if (const std::string* h = r.Header("x-amz-bucket-region")) region = *h;
  }
  const std::string what = "status " + std::to_string(r.status) +
                           (code.empty() ? "" : " " + code) +
                           (message.empty() ? "" : ": " + message);
  const std::string where = Where(call);
  if (code == "NoSuchBucket") {
    return Status::NotFound("bucket does not exist [bucket=" + config_.bucket +
                            ", endpoint=" + config_.endpoint + "]");
  }
  if (r.status == 301 || code == "AuthorizationHeaderMalformed" || code == "PermanentRedirect" ||
      code == "IllegalLocationConstraintException" ||
      (r.status == 400 && !region.empty() && region != config_.region)) {
    return Status::InvalidArgument(
        "wrong region for the bucket" +
        (region.empty() ? std::string() : ": the bucket is in " + region) + " (" + what +
        ") [region=" + config_.region + ", bucket=" + config_.bucket +
        ", endpoint=" + config_.endpoint + "]");
  }
  if (r.status == 403) {
    return Status::PermissionDenied("object store refused the request (" + what +
                                    "); check access_key_id and secret_access_key" + where);
  }
  if (r.status == 404) {
    return Status::NotFound("object not found (" + what + ")" + where);
  }
  if (r.status >= 500) {
    return Status::Unavailable("object store server error (" + what + ")" + where);
  }
  return Status::IOError("object store " + call.method + " failed (" + what + ")" + where);
}

Result<ObjectListPage> S3ObjectStore::ParseList(std::string_view body) const {
  std::optional<std::string_view> result = XmlFirstElement(body, "ListBucketResult");
  auto malformed = [&](std::string_view why) {
    return Status::IOError("malformed ListObjectsV2 answer: " + std::string(why) + " [" +
                           config_.Describe() + "]");
  };
  if (!result) return malformed("no ListBucketResult");
  const std::string root_prefix = config_.root.empty() ? "" : config_.root + "/";
  ObjectListPage page;
  for (std::string_view contents : XmlElements(*result, "Contents")) {
    std::optional<std::string_view> key_xml = XmlFirstElement(contents, "Key");
    std::optional<std::string_view> size_xml = XmlFirstElement(contents, "Size");
    if (!key_xml || !size_xml) return malformed("Contents without Key or Size");
    Result<std::string> key = XmlText(*key_xml);
    if (!key.ok()) return malformed(key.status().message());
    std::string_view size_text = *size_xml;
    if (size_text.empty() || size_text.size() > 18 ||
        size_text.find_first_not_of("0123456789") != std::string_view::npos) {
      return malformed("bad Size");
    }
    if (key->compare(0, root_prefix.size(), root_prefix) != 0) continue;
    ObjectInfo info;
    info.key = key->substr(root_prefix.size());
    info.size = std::stoull(std::string(size_text));
    info.etag = Unquote(TextOf(contents, "ETag"));
    page.objects.push_back(std::move(info));
  }
  if (TextOf(*result, "IsTruncated") == "true") {
    page.next_token = TextOf(*result, "NextContinuationToken");
    if (page.next_token.empty()) return malformed("IsTruncated without NextContinuationToken");
  }
  return page;
}

Status S3ObjectStore::PutMultipart(std::string_view key, const PartSource& source,
                                   uint64_t length) {
  S3Call init = ObjectCall("POST", key);
  init.query = {{"uploads", ""}};
  ASSIGN_OR_RETURN(HttpResponse r, Execute(init));
  if (r.status != 200) return ErrorOf(init, r);
  const std::string upload_id = TextOf(r.body, "UploadId");
  if (upload_id.empty()) {
    return Status::IOError("object store answered a multipart upload without UploadId" +
                           Where(init));
  }
  Result<std::string> done = UploadParts(init, upload_id, source, length);
  if (done.ok()) return Status::Ok();
  S3Call abort = ObjectCall("DELETE", key);
  abort.query = {{"uploadId", upload_id}};
  Result<HttpResponse> a = Execute(abort);
  if (!a.ok() || (a->status != 204 && a->status != 200)) {
    LogWarn("object store multipart upload not aborted [key=" + std::string(key) +
            ", error=" + (a.ok() ? ErrorOf(abort, *a).message() : a.status().message()) + "]");
  }
  return done.status();
}

Result<std::string> S3ObjectStore::UploadParts(const S3Call& base, const std::string& upload_id,
                                               const PartSource& source, uint64_t length) {
  const uint64_t part_size =
      std::max<uint64_t>({options_.part_size, (length + 9999) / 10000, 1});
  std::string complete = "<CompleteMultipartUpload>";
  uint64_t done = 0;
  for (int number = 1; done < length; ++number) {
    S3Call part = base;
    part.method = "PUT";
    part.query = {{"partNumber", std::to_string(number)}, {"uploadId", upload_id}};
    const uint64_t n = std::min(part_size, length - done);
    if (source.file != nullptr) {
      part.file = source.file;
      part.offset = source.offset + done;
      part.length = n;
      ASSIGN_OR_RETURN(part.payload_sha256, Sha256OfFileRange(*source.file, part.offset, n));
    } else {
      part.body = source.bytes.substr(static_cast<size_t>(done), static_cast<size_t>(n));
      part.payload_sha256 = Sha256Hex(part.body);
    }
    ASSIGN_OR_RETURN(HttpResponse r, Execute(part));
    if (r.status != 200) return ErrorOf(part, r);
    const std::string* etag = r.Header("etag");
    if (etag == nullptr || etag->empty() || etag->find_first_of("<>&") != std::string::npos) {
      return Status::IOError("object store answered a part without a valid ETag" + Where(part));
    }
    complete += "<Part><PartNumber>" + std::to_string(number) + "</PartNumber><ETag>" + *etag +
                "</ETag></Part>";
    done += n;
  }
  complete += "</CompleteMultipartUpload>";
  S3Call finish = base;
  finish.query = {{"uploadId", upload_id}};
  finish.headers = {{"content-type", "application/xml"}};
  finish.body = complete;
  finish.payload_sha256 = Sha256Hex(complete);
  ASSIGN_OR_RETURN(HttpResponse r, Execute(finish));
  // A completion may fail after a 200 header: the body is then an Error document.
  if (r.status != 200 || XmlFirstElement(r.body, "Error")) {
    HttpResponse as_error = r;
    if (as_error.status == 200) as_error.status = 500;
    return ErrorOf(finish, as_error);
  }
  return upload_id;
}

}  // namespace

std::unique_ptr<ObjectStore> NewS3ObjectStore(const ObjectStoreConfig& config, HttpUrl endpoint,
                                              const ObjectStoreOptions& options) {
  return std::make_unique<S3ObjectStore>(config, std::move(endpoint), options);
}

}  // namespace sundial::core
