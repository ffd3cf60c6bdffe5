#include "cairo/table_recovery.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>

#include "core/log.h"

namespace sundial::cairo {
namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

struct Plan {
  std::vector<std::pair<std::string, uint64_t>> truncate;  // path, committed size
  std::vector<std::string> remove;
};

// Sizes the files of a table hold for its records, by path: `keep` is the largest size any
// record needs (a file of no record goes), `strict` what the table's own txn needs (a file
// shorter than that is Corruption). kWhole: keep the file as it is.
struct Needs {
  std::map<std::string, uint64_t, std::less<>> keep;
  std::map<std::string, uint64_t, std::less<>> strict;
  void Add(const std::string& path, uint64_t size, bool is_strict) {
    auto [it, added] = keep.emplace(path, size);
    if (!added) it->second = std::max(it->second, size);
    if (is_strict) strict[path] = size;
  }
};
constexpr uint64_t kWhole = UINT64_MAX;

core::Status Short(const std::string& path) {
  return core::Status::Corruption("file shorter than committed [path=" + path + "]");
}

// Adds what partition `p` of `rec` needs of the column files in `dir`: those the entry holds
// by the record (version 2 `_txn`), or else those that exist (a column added after the
// partition was written has none). `is_strict`: `rec` is the table's own txn, and a missing
// file the record lists or a missing index entry is Corruption; otherwise the file is kept
// whole.
core::Status AddPartitionNeeds(core::FileSystem& fs, const std::string& dir, const PartitionInfo& p,
                               const TxnRecord& rec, bool is_strict, Needs* needs) {
  const uint64_t rows = static_cast<uint64_t>(p.row_count);
  for (size_t c = 0; c < rec.columns.size() && c < rec.schema.columns.size(); ++c) {
    const ColumnType type = rec.schema.columns[c].type;
    const std::string stem = core::JoinPath(dir, rec.columns[c].file_stem);
    const std::string data_path = stem + ".d";
    if (p.is_compressed) {
      // Written whole before its txn was published and never appended to: kept as it is
      // (a damaged one is Corruption when first read).
      if (p.column_files[c] && is_strict && !fs.Exists(stem + ".z")) {
        return core::Status::Corruption("column file missing [path=" + stem + ".z]");
      }
      continue;
    }
    if (p.knows_column_files()) {
      if (!p.column_files[c]) continue;  // none in this entry: a leftover file goes
      if (is_strict && !fs.Exists(data_path)) {
        return core::Status::Corruption("column file missing [path=" + data_path + "]");
      }
    }
    if (!IsVarSize(type)) {
      if (fs.Exists(data_path)) needs->Add(data_path, rows * ColumnTypeSize(type), is_strict);
      continue;
    }
    const std::string index_path = stem + ".i";
    if (!fs.Exists(index_path)) {
      if (!fs.Exists(data_path)) continue;
      if (is_strict)
        return core::Status::Corruption("index file missing [path=" + index_path + "]");
      needs->Add(data_path, kWhole, false);
      continue;
    }
    needs->Add(index_path, (rows + 1) * 8, is_strict);
    if (!fs.Exists(data_path)) continue;
    // The last two entries (or entry 0 alone): the end offset decides how much of the data
    // file is committed, so a damaged one (below the entry before it) must not truncate it.
    uint64_t last[2] = {0, 0};
    const uint64_t from = rows == 0 ? 0 : rows - 1;
    const size_t want = rows == 0 ? 8 : 16;
    size_t got = 0;
    auto index = fs.Open(index_path, core::OpenMode::kRead);
    if (index.ok()) {
      auto r = (*index)->ReadAt(from * 8, rows == 0 ? &last[1] : &last[0], want);
      if (r.ok()) got = *r;
    }
    const uint64_t end = last[1] & ColumnData::kOffsetMask;
    if (got == want && end < (last[0] & ColumnData::kOffsetMask)) {
      if (is_strict) {
        return core::Status::Corruption("column index offsets not ascending [path=" + index_path +
                                        "]");
      }
      needs->Add(data_path, kWhole, false);
    } else if (got == want) {
      needs->Add(data_path, end, is_strict);
    } else if (is_strict) {
      return Short(index_path);
    } else {
      needs->Add(data_path, kWhole, false);
    }
  }
  return core::Status::Ok();
}

// Keeps a needed file at the largest size a record needs; anything else goes.
core::Status PlanFile(core::FileSystem& fs, const Needs& needs, const std::string& path,
                      Plan* plan) {
  auto it = needs.keep.find(path);
  if (it == needs.keep.end()) {
    plan->remove.push_back(path);
    return core::Status::Ok();
  }
  ASSIGN_OR_RETURN(uint64_t actual, fs.FileSize(path));
  auto s = needs.strict.find(path);
  if (s != needs.strict.end() && actual < s->second) return Short(path);
  if (it->second != kWhole && actual > it->second) plan->truncate.emplace_back(path, it->second);
  return core::Status::Ok();
}

// The files of one partition entry's directory: temp files go, column files as PlanFile says.
core::Status PlanEntryFiles(core::FileSystem& fs, const std::string& dir, const Needs& needs,
                            Plan* plan) {
  ASSIGN_OR_RETURN(auto files, fs.ListDir(dir));
  for (const auto& e : files) {
    if (e.is_dir) continue;
    const std::string path = core::JoinPath(dir, e.name);
    if (EndsWith(e.name, ".tmp")) {
      plan->remove.push_back(path);
    } else if (EndsWith(e.name, ".d") || EndsWith(e.name, ".i")) {
      RETURN_IF_ERROR(PlanFile(fs, needs, path, plan));
    }
  }
  return core::Status::Ok();
}

core::Status ApplyPlan(core::FileSystem& fs, const std::string& dir, const Plan& plan) {
  for (const auto& [path, size] : plan.truncate) {
    RETURN_IF_ERROR(fs.Unshare(path));  // another backup may share the file (a hard link)
    ASSIGN_OR_RETURN(auto f, fs.Open(path, core::OpenMode::kReadWrite));
    RETURN_IF_ERROR(f->Truncate(size));
  }
  for (const auto& path : plan.remove) RETURN_IF_ERROR(fs.RemoveAll(path));
  if (!plan.truncate.empty() || !plan.remove.empty()) {
    core::LogInfo("table recovered [dir=" + dir +
                  ", truncated=" + std::to_string(plan.truncate.size()) +
                  ", removed=" + std::to_string(plan.remove.size()) + "]");
  }
  return core::Status::Ok();
}

}  // namespace

core::Status RecoverTableFiles(core::FileSystem& fs, const std::string& table_dir,
                               const TxnRecord& record, const TxnRecord* keep,
                               RecoveryScope scope) {
  std::vector<std::pair<const TxnRecord*, bool>> records = {{&record, true}};
  if (keep != nullptr) {
    records.emplace_back(keep, false);
    scope = RecoveryScope::kAll;
  }
  Plan plan;
  Needs needs;
  // Directories the records name, and those whose files are looked into (`scope`).
  std::set<std::string, std::less<>> partition_dirs, examined_dirs;
  for (const auto& [rec, is_strict] : records) {
    for (size_t c = 0; c < rec->columns.size() && c < rec->schema.columns.size(); ++c) {
      if (rec->schema.columns[c].type != ColumnType::kSymbol) continue;
      const std::string path = core::JoinPath(table_dir, rec->columns[c].file_stem + ".sym");
      const uint64_t bytes = rec->columns[c].symbol_bytes;
      if (is_strict && bytes > 0 && !fs.Exists(path)) {
        return core::Status::Corruption("symbol file missing [path=" + path + "]");
      }
      needs.Add(path, bytes, is_strict);
    }
    for (size_t i = 0; i < rec->partitions.size(); ++i) {
      const PartitionInfo& p = rec->partitions[i];
      const bool is_examined = scope == RecoveryScope::kAll || i + 1 == rec->partitions.size();
      const std::string dir = core::JoinPath(table_dir, p.dir_name);
      // The table's own entries are checked against the listing below (one call for all).
      if (!is_strict && !fs.IsDirectory(dir)) continue;
      partition_dirs.insert(p.dir_name);
      if (!is_examined) continue;
      if (is_strict && !fs.IsDirectory(dir)) {
        return core::Status::Corruption("partition directory missing [path=" + dir + "]");
      }
      examined_dirs.insert(p.dir_name);
      RETURN_IF_ERROR(AddPartitionNeeds(fs, dir, p, *rec, is_strict, &needs));
    }
  }
  ASSIGN_OR_RETURN(auto entries, fs.ListDir(table_dir));
  std::set<std::string_view> present_dirs;
  for (const auto& e : entries) {
    const std::string path = core::JoinPath(table_dir, e.name);
    if (e.is_dir) {
      present_dirs.insert(e.name);
      if (partition_dirs.count(e.name) == 0) plan.remove.push_back(path);
      continue;
    }
    if (EndsWith(e.name, ".tmp")) {
      plan.remove.push_back(path);
    } else if (EndsWith(e.name, ".sym")) {
      RETURN_IF_ERROR(PlanFile(fs, needs, path, &plan));
    }
  }
  // Every entry of the table's own txn has its directory (one listing, whatever the scope).
  for (const auto& p : record.partitions) {
    if (present_dirs.count(p.dir_name) == 0) {
      return core::Status::Corruption(
          "partition directory missing [path=" + core::JoinPath(table_dir, p.dir_name) + "]");
    }
  }
  for (const std::string& name : examined_dirs) {
    RETURN_IF_ERROR(PlanEntryFiles(fs, core::JoinPath(table_dir, name), needs, &plan));
  }
  return ApplyPlan(fs, table_dir, plan);
}

core::Status TidyEntry(core::FileSystem& fs, const std::string& table_dir, const TxnRecord& record,
                       size_t entry) {
  if (entry >= record.partitions.size()) {
    return core::Status::InvalidArgument("no such partition entry [dir=" + table_dir + "]");
  }
  const PartitionInfo& p = record.partitions[entry];
  const std::string dir = core::JoinPath(table_dir, p.dir_name);
  if (!fs.IsDirectory(dir)) {
    return core::Status::Corruption("partition directory missing [path=" + dir + "]");
  }
  Needs needs;
  RETURN_IF_ERROR(AddPartitionNeeds(fs, dir, p, record, true, &needs));
  Plan plan;
  RETURN_IF_ERROR(PlanEntryFiles(fs, dir, needs, &plan));
  return ApplyPlan(fs, dir, plan);
}

}  // namespace sundial::cairo
