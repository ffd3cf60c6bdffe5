// cairo/backup_naming.h — names of backup directories: `cairo.sql.backup.dir.datetime.format`
// patterns (QuestDB/Java style) formatted from the UTC clock, and `.1`, `.2`, ... on collision.
// Pure functions except PickBackupDirName, which looks at the file system. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/file_system.h"

namespace sundial::cairo {

// Formats `now_us` (UTC) with a Java-style date pattern. Pattern letters: yyyy (yy: two digits),
// MM (M: no padding, MMM: "Nov", MMMM: "November"), dd, HH, mm, ss, SSS (milliseconds), U
// (microseconds, 6 digits), EEE ("Sun"). Text in single quotes is literal ('' is a quote);
// other characters are copied. The result is made safe as one directory name: '/', '\\' and
// control characters become '-', and an empty or dot-only result becomes "backup".
std::string FormatBackupDirName(std::string_view pattern, int64_t now_us);

// The first of `base`, `base.1`, `base.2`, ... that does not exist in `root` and is not
// `reserved` (the staging directory's name). Only meaningful under the caller's lock: the
// rename that follows must still refuse to replace a directory that appeared meanwhile.
std::string PickBackupDirName(core::FileSystem& fs, const std::string& root,
                              const std::string& base, std::string_view reserved);
// The same rule over any namespace (an object store's `backups/`): the first of `base`,
// `base.1`, ... for which `is_taken` answers false.
std::string PickBackupName(const std::string& base,
                           const std::function<bool(const std::string&)>& is_taken);

}  // namespace sundial::cairo
