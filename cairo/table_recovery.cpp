#include "cairo/table_recovery.h"

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

core::Status Short(const std::string& path) {
  return core::Status::Corruption("file shorter than committed [path=" + path + "]");
}

// Adds a truncation of `path` to `size` if it is longer; Corruption if shorter.
core::Status CheckSize(core::FileSystem& fs, const std::string& path, uint64_t size,
                       Plan* plan) {
  ASSIGN_OR_RETURN(uint64_t actual, fs.FileSize(path));
  if (actual < size) return Short(path);
  if (actual > size) plan->truncate.emplace_back(path, size);
  return core::Status::Ok();
}

core::Status PlanPartition(core::FileSystem& fs, const std::string& dir, const PartitionInfo& p,
                           const TxnRecord& rec, Plan* plan) {
  std::map<std::string, int, std::less<>> live;
  for (size_t c = 0; c < rec.columns.size(); ++c) live[rec.columns[c].file_stem] = static_cast<int>(c);
  ASSIGN_OR_RETURN(auto entries, fs.ListDir(dir));
  const uint64_t rows = static_cast<uint64_t>(p.row_count);
  for (const auto& e : entries) {
    const std::string path = core::JoinPath(dir, e.name);
    if (e.is_dir) continue;
    if (EndsWith(e.name, ".tmp")) {
      plan->remove.push_back(path);
      continue;
    }
    if (!EndsWith(e.name, ".d") && !EndsWith(e.name, ".i")) continue;
    std::string_view stem = std::string_view(e.name).substr(0, e.name.size() - 2);
    auto it = live.find(stem);
    if (it == live.end()) {  // a dropped column's file
      plan->remove.push_back(path);
      continue;
    }
    ColumnType type = rec.schema.columns[it->second].type;
    bool is_index = EndsWith(e.name, ".i");
    if (!IsVarSize(type)) {
      if (is_index) {
        plan->remove.push_back(path);
      } else {
        RETURN_IF_ERROR(CheckSize(fs, path, rows * ColumnTypeSize(type), plan));
      }
      continue;
    }
    const std::string index_path = core::JoinPath(dir, std::string(stem) + ".i");
    if (is_index) {
      RETURN_IF_ERROR(CheckSize(fs, path, (rows + 1) * 8, plan));
      continue;
    }
    ASSIGN_OR_RETURN(auto index, fs.Open(index_path, core::OpenMode::kRead));
    uint64_t end = 0;
    ASSIGN_OR_RETURN(size_t got, index->ReadAt(rows * 8, &end, 8));
    if (got != 8) return Short(index_path);
    RETURN_IF_ERROR(CheckSize(fs, path, end & ColumnData::kOffsetMask, plan));
  }
  return core::Status::Ok();
}

}  // namespace

core::Status RecoverTableFiles(core::FileSystem& fs, const std::string& table_dir,
                               const TxnRecord& rec) {
  Plan plan;
  std::set<std::string, std::less<>> partition_dirs;
  for (const auto& p : rec.partitions) partition_dirs.insert(p.dir_name);
  std::map<std::string, uint64_t, std::less<>> symbol_files;
  for (size_t c = 0; c < rec.columns.size(); ++c) {
    if (rec.schema.columns[c].type == ColumnType::kSymbol) {
      symbol_files[rec.columns[c].file_stem + ".sym"] = rec.columns[c].symbol_bytes;
    }
  }
  ASSIGN_OR_RETURN(auto entries, fs.ListDir(table_dir));
  for (const auto& e : entries) {
    const std::string path = core::JoinPath(table_dir, e.name);
    if (e.is_dir) {
      if (partition_dirs.count(e.name) == 0) plan.remove.push_back(path);
      continue;
    }
    if (EndsWith(e.name, ".tmp")) {
      plan.remove.push_back(path);
    } else if (EndsWith(e.name, ".sym")) {
      auto it = symbol_files.find(e.name);
      if (it == symbol_files.end()) {
        plan.remove.push_back(path);
      } else {
        RETURN_IF_ERROR(CheckSize(fs, path, it->second, &plan));
      }
    }
  }
  for (const auto& [name, bytes] : symbol_files) {
    if (bytes > 0 && !fs.Exists(core::JoinPath(table_dir, name))) {
      return core::Status::Corruption("symbol file missing [path=" +
                                      core::JoinPath(table_dir, name) + "]");
    }
  }
  for (const auto& p : rec.partitions) {
    const std::string dir = core::JoinPath(table_dir, p.dir_name);
    if (!fs.IsDirectory(dir)) {
      return core::Status::Corruption("partition directory missing [path=" + dir + "]");
    }
    RETURN_IF_ERROR(PlanPartition(fs, dir, p, rec, &plan));
  }

  for (const auto& [path, size] : plan.truncate) {
    ASSIGN_OR_RETURN(auto f, fs.Open(path, core::OpenMode::kReadWrite));
    RETURN_IF_ERROR(f->Truncate(size));
  }
  for (const auto& path : plan.remove) RETURN_IF_ERROR(fs.RemoveAll(path));
  if (!plan.truncate.empty() || !plan.remove.empty()) {
    core::LogInfo("table recovered [dir=" + table_dir + ", truncated=" +
                  std::to_string(plan.truncate.size()) + ", removed=" +
                  std::to_string(plan.remove.size()) + "]");
  }
  return core::Status::Ok();
}

}  // namespace sundial::cairo
