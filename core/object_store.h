// core/object_store.h — where off-machine backups go: a flat space of keys holding immutable
// byte strings, with two implementations chosen by QuestDB Enterprise's `backup.object.store`
// setting:
//   fs::root=/mnt/nfs/backups;     a directory (a mounted file system); each key is a file
//   s3::bucket=B;root=PREFIX;region=R;endpoint=http://host:port;access_key_id=..;
//       secret_access_key=..;      an S3-compatible store over plain HTTP (path-style requests
//                                  `endpoint/bucket/PREFIX/key`, AWS Signature Version 4)
//
// Keys (ValidateObjectKey, the one rule for both stores): a relative '/'-separated path of
// confined components (core/confined_path.h), UTF-8, at most 1024 bytes, no control bytes, not
// under `.tmp/` (the fs store's staging directory). A key never names both an object and a
// "directory" of other keys on fs, so callers keep those apart on every store.
//
// Contract (the fs store is the model, the s3 store behaves the same):
//   Put*    whole or nothing: a reader sees the old object or the new one, never a part (fs:
//           temp file + fsync + rename + fsync of the directory; s3: one PUT, or a multipart
//           upload completed at the end and aborted on failure). Replaces an existing object.
//   Get     the bytes, in order, to a sink; NotFound for a missing key. A sink's error stops
//           the transfer and is returned.
//   Head    size (and the store's ETag on s3, "" on fs); NotFound for a missing key.
//   List    keys starting with `prefix` (a plain string prefix), in byte order, at most
//           `max_keys` (1..1000) per page; pass the page's `next_token` to get the next one
//           ("" means this was the last page).
//   Delete  removes the object; a missing key is not an error (as on S3).
// Errors are Status values naming the store ("[store=s3, endpoint=.., bucket=..]") and the
// key, never a secret. The s3 store retries 5xx answers and transport failures with
// exponential backoff; 403 is kPermissionDenied, a missing bucket kNotFound ("bucket does not
// exist [bucket=B]"), a wrong region kInvalidArgument naming the bucket's region when the store
// tells it.
//
// Thread safety: an ObjectStore may be used from several threads at once (the s3 store keeps a
// small pool of connections).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/file_system.h"
#include "core/http_client.h"
#include "core/status.h"

namespace sundial::core {

enum class ObjectStoreKind { kFs, kS3 };

// A parsed `backup.object.store` value. `kind::key=value;key=value;` — the kind is `fs` or `s3`;
// a value holding ';' writes it as ';;'; every key at most once; the trailing ';' is optional.
//   fs keys: root (required, the directory)
//   s3 keys: bucket, region, endpoint (http://host[:port]), access_key_id, secret_access_key
//            (all required), root (optional: a key prefix inside the bucket)
// Unknown or repeated keys, missing or empty required values, a bad endpoint (https:// is
// kUnsupported: no TLS in the process) are kInvalidArgument with a message naming the key and
// never a secret value.
struct ObjectStoreConfig {
  ObjectStoreKind kind = ObjectStoreKind::kFs;
  std::string root;  // fs: the directory; s3: the prefix, without leading or trailing '/'
  std::string bucket;
  std::string region;
  std::string endpoint;  // "http://host:port" as given
  std::string access_key_id;
  std::string secret_access_key;

  // "store=fs, root=/mnt/b" or "store=s3, endpoint=http://h:9000, bucket=b, root=p": for
  // messages and logs (no secret).
  std::string Describe() const;
};
Result<ObjectStoreConfig> ParseObjectStoreConfig(std::string_view text);

// InvalidArgument naming the key when it breaks the key rule above.
Status ValidateObjectKey(std::string_view key);

struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
  std::string etag;  // s3: the store's ETag without quotes; fs: ""
};

struct ObjectListPage {
  std::vector<ObjectInfo> objects;
  std::string next_token;  // "" on the last page
};

using ObjectSink = std::function<Status(std::string_view chunk)>;

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;
  virtual const ObjectStoreConfig& config() const = 0;

  virtual Status PutBytes(std::string_view key, std::string_view data) = 0;
  // PutBytes that is whole or nothing even on a server that keeps what arrived of a PUT body
  // whose sender died (S3 itself does not; some S3-compatible servers do, npm's s3rver among
  // them). For an object whose presence means "complete". s3: a multipart upload, which the
  // server assembles only once the completion request has arrived whole; fs: PutBytes.
  virtual Status PutBytesWhole(std::string_view key, std::string_view data) = 0;
  // Uploads [offset, offset + length) of `file`, streamed (memory use does not grow with it).
  virtual Status PutFile(std::string_view key, File& file, uint64_t offset, uint64_t length) = 0;
  virtual Status Get(std::string_view key, const ObjectSink& sink) = 0;
  virtual Result<ObjectInfo> Head(std::string_view key) = 0;
  virtual Result<ObjectListPage> List(std::string_view prefix, std::string_view token,
                                      int max_keys = 1000) = 0;
  virtual Status Delete(std::string_view key) = 0;
};

struct ObjectStoreOptions {
  HttpClientOptions http;
  // s3: a PutFile longer than this is a multipart upload of parts of `part_size` bytes (at
  // least 5 MiB on AWS; raised so that no upload needs more than 10,000 parts).
  uint64_t multipart_threshold = 64u << 20;
  uint64_t part_size = 16u << 20;
  // s3: attempts per request (1 = no retry) and the backoff before the 2nd, doubling up to the
  // cap, each wait drawn in [d/2, d].
  int max_attempts = 5;
  int backoff_initial_ms = 200;
  int backoff_max_ms = 10'000;
};

// Opens the store `config` names. fs: `fs` does the file work, the root directory is created if
// missing; s3: nothing is sent until the first call.
Result<std::unique_ptr<ObjectStore>> OpenObjectStore(const ObjectStoreConfig& config,
                                                     FileSystem& fs,
                                                     const ObjectStoreOptions& options = {});

// Every object under `prefix`, all pages.
Result<std::vector<ObjectInfo>> ListAllObjects(ObjectStore& store, std::string_view prefix);

// The lower-case hex SHA-256 of [offset, offset + length) of `file`, read in 64 KiB pieces.
Result<std::string> Sha256OfFileRange(File& file, uint64_t offset, uint64_t length);

}  // namespace sundial::core
