// The `backup.object.store` parser, the object key rule and the XML scanner: examples, then
// random and truncated input (no crash, a clear error, never a secret in a message).
#include <gtest/gtest.h>

#include <random>

#include "core/object_store.h"
#include "core/xml_scan.h"

namespace sundial::core {
namespace {

constexpr std::string_view kS3 =
    "s3::bucket=backups;root=prod/db1;region=eu-west-1;endpoint=http://minio:9000;"
    "access_key_id=AKIDEXAMPLE;secret_access_key=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY;";
constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

TEST(ObjectStoreConfigTest, ParsesQuestDbEnterpriseForms) {
  auto c = ParseObjectStoreConfig(kS3);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->kind, ObjectStoreKind::kS3);
  EXPECT_EQ(c->bucket, "backups");
  EXPECT_EQ(c->root, "prod/db1");
  EXPECT_EQ(c->region, "eu-west-1");
  EXPECT_EQ(c->endpoint, "http://minio:9000");
  EXPECT_EQ(c->access_key_id, "AKIDEXAMPLE");
  EXPECT_EQ(c->secret_access_key, kSecret);
  EXPECT_EQ(c->Describe(), "store=s3, endpoint=http://minio:9000, bucket=backups, root=prod/db1");

  c = ParseObjectStoreConfig("fs::root=/mnt/nfs/backups;");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->kind, ObjectStoreKind::kFs);
  EXPECT_EQ(c->root, "/mnt/nfs/backups");
  // No trailing ';', ";;" inside a value, root slashes trimmed for s3.
  c = ParseObjectStoreConfig(
      "s3::bucket=b;region=us-east-1;endpoint=http://127.0.0.1:9000/;access_key_id=a;"
      "secret_access_key=x;;y;root=/p/");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->secret_access_key, "x;y");
  EXPECT_EQ(c->root, "p");
}

TEST(ObjectStoreConfigTest, ClearErrorsWithoutSecrets) {
  struct Case {
    std::string text;
    StatusCode code;
    std::string says;
  };
  const std::string base =
      "bucket=b;region=us-east-1;endpoint=http://h:9000;access_key_id=a;secret_access_key=" +
      std::string(kSecret) + ";";
  const std::vector<Case> cases = {
      {"", StatusCode::kInvalidArgument, "kind::key=value"},
      {"root=/x", StatusCode::kInvalidArgument, "kind::key=value"},
      {"gcs::bucket=b;", StatusCode::kUnsupported, "kind 'gcs' is not supported"},
      {"fs::", StatusCode::kInvalidArgument, "fs needs 'root'"},
      {"fs::root=;", StatusCode::kInvalidArgument, "'root' is empty"},
      {"fs::root=/a;bucket=b;", StatusCode::kInvalidArgument, "unknown key 'bucket' for fs"},
      {"fs::root=/a;root=/b;", StatusCode::kInvalidArgument, "given twice"},
      {"fs::root", StatusCode::kInvalidArgument, "has no '='"},
      {"s3::" + base + "colour=red;", StatusCode::kInvalidArgument, "unknown key 'colour'"},
      {"s3::bucket=b;region=r;endpoint=http://h:1;access_key_id=a;", StatusCode::kInvalidArgument,
       "s3 needs 'secret_access_key'"},
      {"s3::" + base.substr(9), StatusCode::kInvalidArgument, "s3 needs 'bucket'"},
      {"s3::" + base + "root=../x;", StatusCode::kInvalidArgument, "root must be"},
      {"s3::bucket=b;region=us-east-1;endpoint=https://s3.amazonaws.com;access_key_id=a;"
       "secret_access_key=" + std::string(kSecret),
       StatusCode::kUnsupported, "stunnel"},
      {"s3::bucket=b;region=us-east-1;endpoint=http://h:9000/path;access_key_id=a;"
       "secret_access_key=" + std::string(kSecret),
       StatusCode::kInvalidArgument, "without a path"},
      {"s3::bucket=b/c;region=us-east-1;endpoint=http://h:9000;access_key_id=a;"
       "secret_access_key=" + std::string(kSecret),
       StatusCode::kInvalidArgument, "bucket must be"},
      // A mistyped entry that glues the secret to its key name does not echo it.
      {"s3::bucket=b;region=r;endpoint=http://h:1;access_key_id=a;secret_access_key" +
           std::string(kSecret) + "=;",
       StatusCode::kInvalidArgument, "an unknown key"},
  };
  for (const Case& c : cases) {
    auto r = ParseObjectStoreConfig(c.text);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.status().code(), c.code) << c.text << " -> " << r.status().ToString();
    EXPECT_NE(r.status().message().find(c.says), std::string::npos)
        << c.text << " -> " << r.status().message();
    EXPECT_EQ(r.status().message().find(kSecret), std::string::npos) << r.status().message();
  }
}

TEST(ObjectStoreConfigTest, RandomMutationsNeverCrashNorLeakTheSecret) {
  std::mt19937 rng(20261202);
  const std::string alphabet = "s3f:;=/_abkz.";
  for (int i = 0; i < 20000; ++i) {
    std::string text(kS3);
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      size_t at = rng() % (text.size() + 1);
      switch (rng() % 4) {
        case 0: text.erase(at, 1 + rng() % 8); break;
        case 1: text.insert(at, 1, alphabet[rng() % alphabet.size()]); break;
        case 2: if (at < text.size()) text[at] = static_cast<char>(rng()); break;
        default: text.resize(at); break;  // truncated
      }
    }
    auto r = ParseObjectStoreConfig(text);
    if (!r.ok()) {
      EXPECT_FALSE(r.status().message().empty());
      EXPECT_EQ(r.status().message().find(kSecret), std::string::npos)
          << text << " -> " << r.status().message();
    }
  }
}

TEST(ObjectKeyTest, OneRuleForBothStores) {
  for (const char* good : {"a", "db/t/2026-01-01/x.d", "backup.manifest", "a b/c+d=e&f%g~h",
                           "tmp/x", "x/.tmp/y", "\xc3\xa9t\xc3\xa9"}) {
    EXPECT_TRUE(ValidateObjectKey(good).ok()) << good;
  }
  for (const char* bad : {"", "/a", "a/", "a//b", "./a", "a/../b", "..", ".tmp", ".tmp/x",
                          "a\nb", "a\x7f", "a\xff", "\xc3"}) {
    Status st = ValidateObjectKey(bad);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(st.message().find("invalid object key"), std::string::npos);
  }
  EXPECT_FALSE(ValidateObjectKey(std::string(1025, 'a')).ok());
  EXPECT_FALSE(ValidateObjectKey(std::string(256, 'a')).ok());  // a component over 255 bytes
}

constexpr std::string_view kListXml =
    R"(<?xml version="1.0" encoding="UTF-8"?>
<!-- a comment with <Contents> inside -->
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>b</Name><IsTruncated>true</IsTruncated>
  <Contents><Key>a&amp;b &lt;c&gt; &#233;&#x4E2D;</Key><Size>12</Size><ETag>&quot;e1&quot;</ETag></Contents>
  <Contents><Key><![CDATA[x<y>]]></Key><Size>0</Size></Contents>
  <s3:Contents><s3:Key>ns</s3:Key></s3:Contents>
  <NextContinuationToken>tok/1==</NextContinuationToken>
  <Empty/>
</ListBucketResult>)";

TEST(XmlScanTest, FindsElementsAndDecodesText) {
  auto result = XmlFirstElement(kListXml, "ListBucketResult");
  ASSERT_TRUE(result.has_value());
  auto contents = XmlElements(*result, "Contents");
  ASSERT_EQ(contents.size(), 3u);
  EXPECT_EQ(XmlText(*XmlFirstElement(contents[0], "Key")).value(),
            "a&b <c> \xc3\xa9\xe4\xb8\xad");
  EXPECT_EQ(XmlText(*XmlFirstElement(contents[0], "ETag")).value(), "\"e1\"");
  EXPECT_EQ(XmlText(*XmlFirstElement(contents[1], "Key")).value(), "x<y>");
  EXPECT_EQ(*XmlFirstElement(contents[2], "Key"), "ns");
  EXPECT_EQ(*XmlFirstElement(kListXml, "NextContinuationToken"), "tok/1==");
  EXPECT_EQ(*XmlFirstElement(kListXml, "Empty"), "");
  EXPECT_FALSE(XmlFirstElement(kListXml, "Missing").has_value());
  EXPECT_EQ(XmlElements("<A><A>in</A></A><A>2</A>", "A"),
            (std::vector<std::string_view>{"<A>in</A>", "2"}));
  for (const char* bad : {"&bogus;", "&amp", "&#;", "&#x110000;", "&#xD800;", "&#0;",
                          "<![CDATA[x"}) {
    auto t = XmlText(bad);
    EXPECT_EQ(t.status().code(), StatusCode::kCorruption) << bad;
  }
}

TEST(XmlScanTest, TruncatedAndRandomInputNeverCrashes) {
  const std::string doc(kListXml);
  // Every prefix: complete elements are found, a cut one is not reported.
  for (size_t n = 0; n <= doc.size(); ++n) {
    std::string_view cut(doc.data(), n);
    auto all = XmlElements(cut, "Contents");
    EXPECT_LE(all.size(), 3u);
    for (auto e : all) {
      EXPECT_GE(e.data(), cut.data());
      EXPECT_LE(e.data() + e.size(), cut.data() + cut.size());
      (void)XmlText(e);
    }
    if (n < doc.size() - 1) {
      EXPECT_FALSE(XmlFirstElement(cut, "ListBucketResult").has_value());
    }
  }
  std::mt19937 rng(5);
  const std::string pieces[] = {"<", ">", "/", "</Key>", "<Key>", "<Contents>", "</Contents>",
                                "&", ";", "&#x", "<!--", "-->", "<![CDATA[", "]]>", "<?", "?>",
                                "a", " ", "<Key/>", "<s3:Key>"};
  for (int i = 0; i < 20000; ++i) {
    std::string s;
    const int n = static_cast<int>(rng() % 24);
    for (int k = 0; k < n; ++k) s += pieces[rng() % std::size(pieces)];
    for (auto e : XmlElements(s, "Key")) {
      EXPECT_GE(e.data(), s.data());
      EXPECT_LE(e.data() + e.size(), s.data() + s.size());
      (void)XmlText(e);
    }
    (void)XmlElements(s, "Contents");
    (void)XmlText(s);
  }
}

}  // namespace
}  // namespace sundial::core
