// One suite for both object stores: fs:: (the model) and s3:: against npm's s3rver, a real S3
// server started on loopback (tests/core/s3rver_process.h). Round trips of random sizes (0,
// 64 KiB boundaries, multipart), file ranges, listing with continuation over >1000 keys, and
// a random operation sequence checked against a std::map.
#include "core/object_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <random>
#include <thread>

#include "tests/core/object_store_test_util.h"
#include "tests/testutil/temp_dir.h"

namespace sundial::core {
namespace {

using testing::S3rverEnvironment;

constexpr uint64_t kThreshold = 300 * 1024;  // multipart above this in the s3 suite
constexpr uint64_t kPart = 128 * 1024;

std::string RandomBytes(std::mt19937_64& rng, size_t n) {
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

class ObjectStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    fs_ = NewPosixFileSystem();
    ObjectStoreOptions options;
    options.multipart_threshold = kThreshold;
    options.part_size = kPart;
    options.backoff_initial_ms = 10;
    std::string text;
    if (GetParam() == "fs") {
      text = "fs::root=" + dir_.Sub("store") + ";";
    } else {
      S3rverEnvironment* env = S3rverEnvironment::Get();
      if (env->skip()) GTEST_SKIP() << env->why();
      ASSERT_NE(env->server(), nullptr) << env->why();
      static std::atomic<int> n{0};
      text = env->server()->Config(S3rverEnvironment::kBucket,
                                   "suite/" + std::to_string(n++) + "-" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    }
    auto config = ParseObjectStoreConfig(text);
    ASSERT_TRUE(config.ok()) << config.status().ToString();
    auto store = OpenObjectStore(*config, *fs_, options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }

  Result<std::string> Fetch(const std::string& key) {
    std::string out;
    Status st = store_->Get(key, [&](std::string_view c) {
      out.append(c);
      return Status::Ok();
    });
    if (!st.ok()) return st;
    return out;
  }

  std::unique_ptr<File> WriteFile(const std::string& name, const std::string& data) {
    auto f = fs_->Open(dir_.Sub(name), OpenMode::kTruncate);
    EXPECT_TRUE(f.ok());
    if (!data.empty()) {
      EXPECT_TRUE((*f)->WriteAt(0, data.data(), data.size()).ok());
    }
    return std::move(f).value();
  }

  std::vector<std::string> Keys(const std::string& prefix) {
    auto all = ListAllObjects(*store_, prefix);
    EXPECT_TRUE(all.ok()) << all.status().ToString();
    std::vector<std::string> keys;
    if (all.ok()) {
      for (const auto& o : *all) keys.push_back(o.key);
    }
    return keys;
  }

  testutil::TempDir dir_;
  std::shared_ptr<FileSystem> fs_;
  std::unique_ptr<ObjectStore> store_;
};

TEST_P(ObjectStoreTest, RoundTripsOfRandomSizesIncludingEmptyAndMultipart) {
  std::mt19937_64 rng(42);
  std::vector<size_t> sizes = {0,      1,          2,           1000,        65535,
                               65536,  65537,      kThreshold,  kThreshold + 1,
                               3 * kPart, 1'048'583};
  for (int i = 0; i < 4; ++i) sizes.push_back(rng() % (3 * kThreshold));
  std::map<std::string, std::string> model;
  for (size_t i = 0; i < sizes.size(); ++i) {
    const std::string key = "obj/" + std::to_string(i) + "-" + std::to_string(sizes[i]);
    const std::string data = RandomBytes(rng, sizes[i]);
    if (i % 2 == 0) {
      ASSERT_TRUE(store_->PutBytes(key, data).ok()) << key;
    } else {
      auto file = WriteFile("f" + std::to_string(i), data);
      Status st = store_->PutFile(key, *file, 0, data.size());
      ASSERT_TRUE(st.ok()) << key << ": " << st.ToString();
    }
    model[key] = data;
  }
  for (const auto& [key, data] : model) {
    auto got = Fetch(key);
    ASSERT_TRUE(got.ok()) << key << ": " << got.status().ToString();
    EXPECT_TRUE(*got == data) << key << " differs (" << got->size() << " bytes)";
    auto head = store_->Head(key);
    ASSERT_TRUE(head.ok()) << head.status().ToString();
    EXPECT_EQ(head->size, data.size()) << key;
  }
  auto listed = ListAllObjects(*store_, "obj/");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), model.size());
  auto it = model.begin();
  for (const ObjectInfo& o : *listed) {
    EXPECT_EQ(o.key, it->first);
    EXPECT_EQ(o.size, it->second.size());
    ++it;
  }
  for (const auto& [key, data] : model) ASSERT_TRUE(store_->Delete(key).ok()) << key;
  for (const auto& [key, data] : model) {
    EXPECT_EQ(store_->Head(key).status().code(), StatusCode::kNotFound) << key;
    EXPECT_EQ(Fetch(key).status().code(), StatusCode::kNotFound) << key;
  }
  EXPECT_TRUE(Keys("").empty());
}

TEST_P(ObjectStoreTest, FileRangeUploadHoldsExactlyTheRangesBytes) {
  std::mt19937_64 rng(7);
  const std::string data = RandomBytes(rng, 1'000'003);
  auto file = WriteFile("src", data);
  const std::vector<std::pair<uint64_t, uint64_t>> ranges = {
      {0, data.size()}, {7, 400'000}, {123'456, kPart}, {data.size() - 1, 1}, {data.size(), 0}};
  for (size_t i = 0; i < ranges.size(); ++i) {
    const auto [offset, length] = ranges[i];
    const std::string key = "range/" + std::to_string(i);
    Status st = store_->PutFile(key, *file, offset, length);
    ASSERT_TRUE(st.ok()) << st.ToString();
    auto got = Fetch(key);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_TRUE(*got == data.substr(offset, length)) << offset << "+" << length;
  }
  // A range past the end of the file is an error and stores nothing.
  for (uint64_t length : {uint64_t{11}, kThreshold + 10}) {
    Status st = store_->PutFile("range/past-end", *file, data.size() - 10, length);
    EXPECT_EQ(st.code(), StatusCode::kIOError) << st.ToString();
    EXPECT_EQ(store_->Head("range/past-end").status().code(), StatusCode::kNotFound);
  }
}

TEST_P(ObjectStoreTest, ListingPagesThroughMoreThanAThousandKeys) {
  std::map<std::string, std::string> model;
  for (int i = 0; i < 1010; ++i) {
    char name[32];
    std::snprintf(name, sizeof(name), "%04d", i);
    const std::string key = std::string("many/") + (i % 3 == 0 ? "deep/" : "") + name;
    const std::string value = std::to_string(i);
    ASSERT_TRUE(store_->PutBytes(key, value).ok()) << key;
    model[key] = value;
  }
  ASSERT_TRUE(store_->PutBytes("many-other", "x").ok());
  ASSERT_TRUE(store_->PutBytes("man", "y").ok());
  auto first = store_->List("many/", "", 1000);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->objects.size(), 1000u);
  EXPECT_FALSE(first->next_token.empty());
  std::vector<std::string> expected;
  for (const auto& kv : model) expected.push_back(kv.first);
  EXPECT_EQ(Keys("many/"), expected);
  // Small pages, a prefix that is not a directory boundary.
  std::vector<std::string> small;
  std::string token;
  int pages = 0;
  do {
    auto page = store_->List("many/deep/00", token, 7);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    EXPECT_LE(page->objects.size(), 7u);
    for (const auto& o : page->objects) small.push_back(o.key);
    token = page->next_token;
    ++pages;
  } while (!token.empty());
  std::vector<std::string> want;
  for (const auto& k : expected) {
    if (k.rfind("many/deep/00", 0) == 0) want.push_back(k);
  }
  EXPECT_EQ(small, want);
  EXPECT_GE(pages, 5);
  EXPECT_EQ(Keys("many-"), (std::vector<std::string>{"many-other"}));
  EXPECT_EQ(Keys("man."), (std::vector<std::string>{}));
  EXPECT_EQ(Keys("many/deep/0999"), (std::vector<std::string>{"many/deep/0999"}));
  EXPECT_TRUE(Keys("nothing/").empty());
  EXPECT_EQ(store_->List("", "", 0).status().code(), StatusCode::kInvalidArgument);
}

// Random puts (overwrites included), deletes, gets, heads and lists against a std::map.
TEST_P(ObjectStoreTest, RandomOperationsMatchAMapModel) {
  std::mt19937_64 rng(GetParam() == "fs" ? 1 : 2);
  const std::vector<std::string> keys = {
      "a", "b/c", "b/d/e", "b/d/f", "sp ace/\xc3\xa9+&=%~.txt", "q?x/y#z", "z/1", "z/10", "z/2"};
  std::map<std::string, std::string> model;
  for (int op = 0; op < 300; ++op) {
    const std::string& key = keys[rng() % keys.size()];
    switch (rng() % 6) {
      case 0:
      case 1: {
        std::string data = RandomBytes(rng, rng() % 3 == 0 ? 0 : rng() % 5000);
        ASSERT_TRUE(store_->PutBytes(key, data).ok()) << key;
        model[key] = data;
        break;
      }
      case 2:
        ASSERT_TRUE(store_->Delete(key).ok()) << key;
        model.erase(key);
        break;
      case 3: {
        auto got = Fetch(key);
        if (model.count(key) != 0) {
          ASSERT_TRUE(got.ok()) << key << ": " << got.status().ToString();
          EXPECT_TRUE(*got == model[key]) << key;
        } else {
          EXPECT_EQ(got.status().code(), StatusCode::kNotFound) << key;
        }
        auto head = store_->Head(key);
        if (model.count(key) != 0) {
          ASSERT_TRUE(head.ok());
          EXPECT_EQ(head->size, model[key].size());
        } else {
          EXPECT_EQ(head.status().code(), StatusCode::kNotFound);
        }
        break;
      }
      case 4: {  // the whole-or-nothing put (multipart on s3) replaces like PutBytes
        std::string data = RandomBytes(rng, rng() % 3 == 0 ? 0 : rng() % 5000);
        ASSERT_TRUE(store_->PutBytesWhole(key, data).ok()) << key;
        model[key] = data;
        break;
      }
      default: {
        const std::string prefix = key.substr(0, rng() % (key.size() + 1));
        std::vector<std::string> want;
        for (const auto& kv : model) {
          if (kv.first.rfind(prefix, 0) == 0) want.push_back(kv.first);
        }
        EXPECT_EQ(Keys(prefix), want) << "prefix=" << prefix;
      }
    }
  }
}

// PutBytesWhole stores exactly the bytes, over several parts too (s3: part size kPart), and
// replaces an object of another size; the s3 log shows it went up as a multipart upload.
TEST_P(ObjectStoreTest, WholePutRoundTripsAtEverySizeAndReplaces) {
  std::mt19937_64 rng(7);
  for (size_t n : {size_t{0}, size_t{1}, size_t{4096}, size_t{kPart}, size_t{kPart + 1},
                   size_t{2 * kPart + 17}}) {
    const std::string key = "whole/" + std::to_string(n);
    ASSERT_TRUE(store_->PutBytes(key, RandomBytes(rng, 100)).ok());
    const std::string data = RandomBytes(rng, n);
    Status st = store_->PutBytesWhole(key, data);
    ASSERT_TRUE(st.ok()) << n << ": " << st.ToString();
    auto got = Fetch(key);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_TRUE(*got == data) << n;
    auto head = store_->Head(key);
    ASSERT_TRUE(head.ok());
    EXPECT_EQ(head->size, n);
  }
  EXPECT_EQ(store_->PutBytesWhole("../up", "x").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Keys("whole/").size(), 6u);
}

TEST_P(ObjectStoreTest, BadKeysAreRefusedAndChangeNothing) {
  for (const char* bad : {"", "/abs", "a//b", "../up", "a/./b", ".tmp/x", "dir/", "a\nb"}) {
    Status st = store_->PutBytes(bad, "x");
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << bad << ": " << st.ToString();
    EXPECT_EQ(store_->Head(bad).status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(store_->Delete(bad).code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_TRUE(Keys("").empty());
  // Deleting a missing key is fine (as on S3); a failing sink stops Get with its error.
  EXPECT_TRUE(store_->Delete("never/there").ok());
  ASSERT_TRUE(store_->PutBytes("file", "f").ok());  // "file/below" is no object
  EXPECT_EQ(store_->Head("file/below").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Fetch("file/below").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_->Delete("file/below").ok());
  ASSERT_TRUE(store_->Delete("file").ok());
  ASSERT_TRUE(store_->PutBytes("k", std::string(200'000, 'k')).ok());
  Status st = store_->Get("k", [](std::string_view) { return Status::Cancelled("sink full"); });
  EXPECT_EQ(st.code(), StatusCode::kCancelled);
  EXPECT_EQ(st.message(), "sink full");
}

TEST_P(ObjectStoreTest, UsableFromSeveralThreadsAtOnce) {
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(100 + t);
      for (int i = 0; i < 15; ++i) {
        // fs: shared directories, where a Delete removing an emptied directory races other
        // Puts. s3: a directory per thread, as s3rver's own file store fails (500, then the
        // process dies) on a delete racing a put in one directory.
        const std::string dir = GetParam() == "fs" ? "" : "t" + std::to_string(t) + "/";
        const std::string key = dir + "dir" + std::to_string(i % 2) + "/sub/t" +
                                std::to_string(t) + "-" + std::to_string(i);
        const std::string data = RandomBytes(rng, rng() % 100'000);
        std::string got;
        Status st = store_->PutBytes(key, data);
        if (st.ok()) {
          st = store_->Get(key, [&](std::string_view c) {
            got.append(c);
            return Status::Ok();
          });
        }
        if (st.ok() && got != data) st = Status::Corruption("bytes differ");
        if (st.ok()) st = store_->Delete(key);
        if (!st.ok()) {
          ++failures;
          ADD_FAILURE() << key << ": " << st.ToString();
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_TRUE(Keys("").empty());
}

INSTANTIATE_TEST_SUITE_P(Stores, ObjectStoreTest, ::testing::Values("fs", "s3"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace sundial::core
