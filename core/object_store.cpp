// The `backup.object.store` parser, the key rule and OpenObjectStore (core/object_store.h).
#include "core/object_store.h"

#include <memory>

#include "core/confined_path.h"
#include "core/object_store_internal.h"
#include "core/sha256.h"
#include "core/utf8.h"

namespace sundial::core {
namespace {

constexpr std::string_view kFsKeys[] = {"root"};
constexpr std::string_view kS3Keys[] = {"bucket",        "root",
                                        "region",        "endpoint",
                                        "access_key_id", "secret_access_key"};

Status ConfigError(std::string message) {
  return Status::InvalidArgument("invalid object store setting: " + message);
}

// A key name is shown in a message only when it looks like one (a mistyped entry may hold a
// secret).
std::string ShownKey(std::string_view key) {
  if (key.empty() || key.size() > 32) return "an unknown key";
  for (char c : key) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-')) {
      return "an unknown key";
    }
  }
  return "unknown key '" + std::string(key) + "'";
}

std::string KeyList(ObjectStoreKind kind) {
  std::string out;
  auto add = [&](std::string_view k) { out += (out.empty() ? "" : ", ") + std::string(k); };
  if (kind == ObjectStoreKind::kFs) {
    for (auto k : kFsKeys) add(k);
  } else {
    for (auto k : kS3Keys) add(k);
  }
  return out;
}

std::string* Field(ObjectStoreConfig* c, std::string_view key) {
  if (key == "root") return &c->root;
  if (c->kind == ObjectStoreKind::kFs) return nullptr;
  if (key == "bucket") return &c->bucket;
  if (key == "region") return &c->region;
  if (key == "endpoint") return &c->endpoint;
  if (key == "access_key_id") return &c->access_key_id;
  if (key == "secret_access_key") return &c->secret_access_key;
  return nullptr;
}

bool AllOf(std::string_view s, bool (*ok)(char)) {
  for (char c : s) {
    if (!ok(c)) return false;
  }
  return true;
}

Status CheckS3Values(ObjectStoreConfig* c) {
  for (std::string_view key : kS3Keys) {
    if (key != "root" && Field(c, key)->empty()) {
      return ConfigError("s3 needs '" + std::string(key) + "' (keys: " +
                         KeyList(ObjectStoreKind::kS3) + ")");
    }
  }
  if (c->bucket.size() > 255 || !AllOf(c->bucket, [](char ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
               ch == '.' || ch == '-' || ch == '_';
      })) {
    return ConfigError("bucket must be letters, digits, '.', '-' or '_' [bucket=" + c->bucket +
                       "]");
  }
  if (c->region.size() > 64 || !AllOf(c->region, [](char ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-';
      })) {
    return ConfigError("region must be lower-case letters, digits or '-' [region=" + c->region +
                       "]");
  }
  while (!c->root.empty() && c->root.front() == '/') c->root.erase(0, 1);
  while (!c->root.empty() && c->root.back() == '/') c->root.pop_back();
  if (!c->root.empty() && !ValidateObjectKey(c->root).ok()) {
    return ConfigError("s3 root must be a relative key prefix [root=" + c->root + "]");
  }
  Result<HttpUrl> url = ParseHttpUrl(c->endpoint);
  if (!url.ok()) {
    return Status(url.status().code(), "invalid object store setting: endpoint: " +
                                           url.status().message());
  }
  if (!url->path.empty() && url->path != "/") {
    return ConfigError("endpoint must be http://host[:port] without a path (requests are "
                       "path-style: endpoint/bucket/key) [endpoint=" + c->endpoint + "]");
  }
  return Status::Ok();
}

}  // namespace

std::string ObjectStoreConfig::Describe() const {
  if (kind == ObjectStoreKind::kFs) return "store=fs, root=" + root;
  return "store=s3, endpoint=" + endpoint + ", bucket=" + bucket + ", root=" + root;
}

Result<ObjectStoreConfig> ParseObjectStoreConfig(std::string_view text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\n' || text.back() == '\r' ||
                           text.back() == '\t')) {
    text.remove_suffix(1);
  }
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  size_t sep = text.find("::");
  if (sep == std::string_view::npos) {
    return ConfigError("expected kind::key=value;... with kind fs or s3");
  }
  std::string_view kind = text.substr(0, sep);
  ObjectStoreConfig config;
  if (kind == "fs") {
    config.kind = ObjectStoreKind::kFs;
  } else if (kind == "s3") {
    config.kind = ObjectStoreKind::kS3;
  } else {
    bool plain = kind.size() <= 16 && AllOf(kind, [](char c) { return c >= 'a' && c <= 'z'; });
    return Status::Unsupported("invalid object store setting: kind " +
                               (plain ? "'" + std::string(kind) + "' " : std::string()) +
                               "is not supported (fs, s3)");
  }
  std::vector<std::string> seen;
  size_t i = sep + 2;
  while (i < text.size()) {
    size_t eq = text.find('=', i);
    size_t semi = text.find(';', i);
    if (eq == std::string_view::npos || (semi != std::string_view::npos && semi < eq)) {
      return ConfigError("entry " + std::to_string(seen.size() + 1) + " has no '='");
    }
    std::string key(text.substr(i, eq - i));
    std::string value;
    size_t j = eq + 1;
    for (; j < text.size(); ++j) {  // ";;" is a ';' inside the value
      if (text[j] != ';') {
        value.push_back(text[j]);
      } else if (j + 1 < text.size() && text[j + 1] == ';') {
        value.push_back(';');
        ++j;
      } else {
        break;
      }
    }
    i = j + 1;
    std::string* field = Field(&config, key);
    if (field == nullptr) {
      return ConfigError(ShownKey(key) + " for " + std::string(kind) + " (keys: " +
                         KeyList(config.kind) + ")");
    }
    for (const auto& s : seen) {
      if (s == key) return ConfigError("key '" + key + "' is given twice");
    }
    seen.push_back(key);
    if (value.empty()) return ConfigError("key '" + key + "' is empty");
    *field = std::move(value);
  }
  if (config.kind == ObjectStoreKind::kFs) {
    if (config.root.empty()) return ConfigError("fs needs 'root' (the directory)");
    return config;
  }
  RETURN_IF_ERROR(CheckS3Values(&config));
  return config;
}

Status ValidateObjectKey(std::string_view key) {
  auto bad = [&](std::string_view why) {
    std::string shown(key.substr(0, 200));
    for (char& c : shown) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    }
    return Status::InvalidArgument("invalid object key: " + std::string(why) + " [key=" + shown +
                                   "]");
  };
  if (key.size() > 1024) return bad("longer than 1024 bytes");
  for (char c : key) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return bad("control byte");
  }
  if (!IsValidUtf8(key)) return bad("not UTF-8");
  if (!IsConfinedPath(key)) {
    return bad("must be a relative path without empty, '.' or '..' components");
  }
  if (key == ".tmp" || key.substr(0, 5) == ".tmp/") return bad("'.tmp/' is reserved");
  return Status::Ok();
}

Result<std::unique_ptr<ObjectStore>> OpenObjectStore(const ObjectStoreConfig& config,
                                                     FileSystem& fs,
                                                     const ObjectStoreOptions& options) {
  if (config.kind == ObjectStoreKind::kFs) {
    if (config.root.empty()) return ConfigError("fs needs 'root' (the directory)");
    if (!fs.IsDirectory(config.root)) {
      Status st = fs.CreateDir(config.root);
      if (!st.ok() && st.code() != StatusCode::kAlreadyExists) {
        return Status(st.code(), "object store root cannot be created: " + st.message());
      }
    }
    return NewFsObjectStore(config, fs);
  }
  ObjectStoreConfig checked = config;
  RETURN_IF_ERROR(CheckS3Values(&checked));
  ASSIGN_OR_RETURN(HttpUrl url, ParseHttpUrl(checked.endpoint));
  return NewS3ObjectStore(checked, std::move(url), options);
}

Result<std::vector<ObjectInfo>> ListAllObjects(ObjectStore& store, std::string_view prefix) {
  std::vector<ObjectInfo> out;
  std::string token;
  do {
    ASSIGN_OR_RETURN(ObjectListPage page, store.List(prefix, token));
    for (auto& o : page.objects) out.push_back(std::move(o));
    if (!page.next_token.empty() && page.next_token == token) {
      return Status::IOError("object store list does not advance [" + store.config().Describe() +
                             "]");
    }
    token = std::move(page.next_token);
  } while (!token.empty());
  return out;
}

Result<std::string> Sha256OfFileRange(File& file, uint64_t offset, uint64_t length) {
  Sha256 hash;
  std::unique_ptr<char[]> buf(new char[64 * 1024]);
  uint64_t done = 0;
  while (done < length) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(64 * 1024, length - done));
    ASSIGN_OR_RETURN(size_t got, file.ReadAt(offset + done, buf.get(), want));
    if (got == 0) {
      return Status::IOError("file is shorter than the range to upload [path=" + file.path() +
                             ", offset=" + std::to_string(offset + done) + "]");
    }
    hash.Update(buf.get(), got);
    done += got;
  }
  return HexDigest(hash.Finish());
}

}  // namespace sundial::core
