#include "core/process_memory.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <memory>

namespace sundial::core {
namespace {

constexpr char kSample[] =
    "Name:\tsundial\nVmPeak:\t  900 kB\nVmHWM:\t    5000 kB\nVmRSS:\t    4000 kB\n"
    "RssAnon:\t    3000 kB\nRssFile:\t     900 kB\nRssShmem:\t     100 kB\nThreads:\t4\n";

TEST(ProcessMemoryTest, ParsesTheFiveFieldsInBytes) {
  auto m = ParseProcStatus(kSample);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->rss_bytes, 4000u * 1024);
  EXPECT_EQ(m->rss_anon_bytes, 3000u * 1024);
  EXPECT_EQ(m->rss_file_bytes, 900u * 1024);
  EXPECT_EQ(m->rss_shmem_bytes, 100u * 1024);
  EXPECT_EQ(m->vm_hwm_bytes, 5000u * 1024);
}

TEST(ProcessMemoryTest, MissingOrMalformedFieldIsAnError) {
  std::string text = kSample;
  for (const char* key : {"VmRSS:", "RssAnon:", "RssFile:", "RssShmem:", "VmHWM:"}) {
    std::string without = text;
    without.replace(without.find(key), 1, "X");  // the key no longer matches
    EXPECT_FALSE(ParseProcStatus(without).ok()) << key;
  }
  for (const char* bad : {"RssAnon:\t3000 MB\n", "RssAnon:\t kB\n", "RssAnon:\t-1 kB\n",
                          "RssAnon:\t99999999999999999999 kB\n"}) {
    std::string broken = text;
    broken.replace(broken.find("RssAnon:"), std::strlen("RssAnon:\t    3000 kB\n"), bad);
    EXPECT_EQ(ParseProcStatus(broken).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

// The live process: allocating and touching 64 MiB shows in RssAnon, not in RssFile.
TEST(ProcessMemoryTest, HeapGrowthShowsAsAnonymous) {
  auto before = ReadProcessMemory();
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  constexpr size_t kBytes = 64u << 20;
  std::unique_ptr<char[]> block(new char[kBytes]);
  std::memset(block.get(), 1, kBytes);
  auto after = ReadProcessMemory();
  ASSERT_TRUE(after.ok());
  EXPECT_GE(after->rss_anon_bytes, before->rss_anon_bytes + kBytes / 2);
  EXPECT_LT(after->rss_file_bytes, before->rss_file_bytes + kBytes / 2);
  volatile char sink = block[kBytes - 1];
  (void)sink;
}

}  // namespace
}  // namespace sundial::core
