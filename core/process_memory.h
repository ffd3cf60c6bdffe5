// core/process_memory.h — this process's resident memory, split into heap (anonymous pages)
// and mapped file pages, as the kernel reports it in /proc/self/status.
//
// RssAnon is what the process allocated (heap, stacks, anonymous mappings): what grows when
// the server holds state. RssFile is the pages of mapped files in memory (column files read
// through mmap): the kernel's page cache, shared and dropped under memory pressure, so it
// grows with the data queried without being memory the process holds on to. Linux only;
// thread-safe (no state).
#pragma once

#include <cstdint>
#include <string_view>

#include "core/status.h"

namespace sundial::core {

struct ProcessMemory {
  uint64_t rss_bytes = 0;        // VmRSS: resident now (all kinds)
  uint64_t rss_anon_bytes = 0;   // RssAnon
  uint64_t rss_file_bytes = 0;   // RssFile
  uint64_t rss_shmem_bytes = 0;  // RssShmem
  uint64_t vm_hwm_bytes = 0;     // VmHWM: peak resident set (all kinds)
};

// Parses the text of /proc/<pid>/status ("Key:  123 kB" lines). InvalidArgument when one of
// the five fields is missing or not a number followed by "kB".
Result<ProcessMemory> ParseProcStatus(std::string_view text);
// Reads /proc/self/status; IOError when it cannot be read.
Result<ProcessMemory> ReadProcessMemory();

}  // namespace sundial::core
