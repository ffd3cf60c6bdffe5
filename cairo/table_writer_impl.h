// cairo/table_writer_impl.h — the engine's TableWriter: buffers rows column-wise in memory and
// commits them through CommitJob and TableHandle::Publish. Also performs the structure changes
// the engine runs under the writer lease (drop/rename column, drop partitions, truncate).
//
// Lives inside its TableHandle for the table's lifetime (dictionaries stay loaded between
// leases). Not thread-safe: used by the lease holder only.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cairo/commit_job.h"
#include "cairo/raw_buffer.h"
#include "cairo/symbol_dictionary.h"
#include "cairo/table_writer.h"
#include "cairo/txn_file.h"

namespace sundial::cairo {

class TableHandle;

class TableWriterImpl final : public TableWriter {
 public:
  explicit TableWriterImpl(TableHandle* handle);
  // Loads schema and symbol dictionaries from the handle's current state.
  core::Status Init();

  const std::string& table_name() const override;
  const TableSchema& schema() const override { return schema_; }
  core::Status NewRow(int64_t timestamp_us) override;
  void PutBool(int col, bool v) override;
  void PutLong(int col, int64_t v) override;
  void PutDouble(int col, double v) override;
  void PutChar(int col, uint16_t v) override;
  void PutSymbol(int col, std::string_view v) override;
  void PutVarchar(int col, std::string_view v) override;
  void PutNull(int col) override;
  void PutFixed(int col, const void* bytes) override;
  core::Status EndRow() override;
  void CancelRow() override;
  core::Status AppendBatch(const int64_t* timestamps_us, int64_t row_count,
                           const ColumnBatch* columns, size_t column_count) override;
  core::Result<int32_t> SymbolKey(int col, std::string_view value) override;
  core::Status AddColumn(std::string_view name, ColumnType type) override;
  int64_t pending_row_count() const override { return pending_rows_; }
  core::Result<uint64_t> Commit() override;
  void Rollback() override;
  core::Result<uint64_t> RewriteEntries(EntryRewriter& rewriter) override;

  // Structure changes (lease held, nothing pending). Each publishes one txn.
  core::Status DropColumn(std::string_view name);
  core::Status RenameColumn(std::string_view from, std::string_view to);
  core::Status DropPartitions(const std::vector<int64_t>& partition_starts);
  // Writes every entry of the given partitions compressed (or back uncompressed) as new
  // partition versions in one txn; entries already so are left as they are. NotFound for a
  // partition that does not exist, InvalidArgument for the newest partition (it takes
  // in-order appends) or a table without a designated timestamp; nothing changes then.
  core::Status ConvertPartitions(const std::vector<int64_t>& partition_starts, bool compress);
  // Entries of one partition converted without the lease (cairo/partition_seal.h): `from` is
  // the committed entry as it was read, `staged_dir` (relative to the table) holds the files
  // CommitJob::WriteConvertedFiles wrote from it.
  struct StagedEntry {
    PartitionInfo from;
    std::string staged_dir;
  };
  // Publishes the staged entries as the new versions of their entries, in one txn, if the
  // current record still holds every `from` entry unchanged (directory, rows, compression),
  // the table's column files are still `column_stems` (those the files were written for) and
  // the partition is not the newest. Otherwise *is_current comes back false and nothing
  // changes (the caller removes the staged directories). On an error after a directory was
  // adopted, the adopted ones are removed and the previous txn stays.
  core::Status PublishStagedEntries(const std::vector<StagedEntry>& staged,
                                    const std::vector<std::string>& column_stems, bool compress,
                                    bool* is_current);
  core::Status Truncate();
  void set_table_name(std::string name) { table_name_ = std::move(name); }

 private:
  struct Column {
    ColumnType type = ColumnType::kDouble;
    int width = 0;                           // bytes per value; 8 (index entries) for VARCHAR
    uint64_t null_bits[4] = {};              // the null value's bytes (fixed types, <= 32)
    RawBuffer data;                          // values, or VARCHAR end offsets (bit 63 = null)
    RawBuffer var_bytes;                     // VARCHAR bytes
    std::unique_ptr<SymbolDictionary> dict;  // SYMBOL only
  };
  Column MakeColumn(ColumnType type);
  void AppendNulls(Column& c, int64_t n);
  uint8_t* Slot(int col) { return cols_[col].data.data() + pending_rows_ * cols_[col].width; }
  bool CanPut(int col) const;
  void SetVarchar(int col, std::string_view v, bool is_null);
  core::Status CommitPending(uint64_t* txn);
  core::Status RewritePending(EntryRewriter& rewriter, uint64_t* txn, bool* published);
  // The end of a commit or an UPDATE whose data `job` wrote (`st`: how that went): appends the
  // new dictionary entries, finishes the job and publishes `rec`, or undoes the job when
  // nothing was published. Once published (possibly with an error after the rename), the
  // writer's memory follows disk and *txn is the new txn.
  core::Status PublishJob(CommitJob& job, TxnRecord rec, const std::vector<std::string>& superseded,
                          core::Status st, uint64_t* txn, bool* published);
  // Publishes a record derived from the current one (schema-only changes).
  core::Status PublishChange(TxnRecord record, const std::vector<std::string>& superseded);
  void ClearPending();
  void ResetColumnsFromCommitted();
  void NoteNullSymbolKeys(TxnRecord* rec) const;

  TableHandle* handle_;
  std::string table_name_;
  TableSchema schema_;               // committed columns plus uncommitted added ones
  std::vector<ColumnState> states_;  // parallel to schema_.columns
  size_t committed_columns_ = 0;
  std::vector<Column> cols_;
  int64_t pending_rows_ = 0;
  bool in_row_ = false;
  int64_t row_ts_ = 0;
  bool is_sorted_ = true;
  int64_t min_ts_ = 0, max_ts_ = 0, last_ts_ = 0;
};

}  // namespace sundial::cairo
