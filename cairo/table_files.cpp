#include "cairo/table_files.h"

namespace sundial::cairo {

std::string TableFiles::dir() const {
  std::lock_guard lk(mu_);
  return dir_;
}

std::string TableFiles::Path(std::string_view relative) const {
  std::lock_guard lk(mu_);
  return core::JoinPath(dir_, relative);
}

core::Result<std::unique_ptr<core::File>> TableFiles::Open(std::string_view relative,
                                                           core::OpenMode mode) const {
  std::lock_guard lk(mu_);
  return fs_->Open(core::JoinPath(dir_, relative), mode);
}

core::Result<std::unique_ptr<core::File>> TableFiles::OpenForWrite(std::string_view relative,
                                                                   core::OpenMode mode) const {
  std::lock_guard lk(mu_);
  const std::string path = core::JoinPath(dir_, relative);
  RETURN_IF_ERROR(fs_->Unshare(path));
  return fs_->Open(path, mode);
}

bool TableFiles::Exists(std::string_view relative) const {
  std::lock_guard lk(mu_);
  return fs_->Exists(core::JoinPath(dir_, relative));
}

core::Status TableFiles::MoveTo(const std::string& new_dir) {
  std::lock_guard lk(mu_);
  RETURN_IF_ERROR(fs_->Rename(dir_, new_dir));
  dir_ = new_dir;
  return core::Status::Ok();
}

core::Status TableFiles::ExchangeWith(const std::string& other) {
  std::lock_guard lk(mu_);
  RETURN_IF_ERROR(fs_->Exchange(dir_, other));
  dir_ = other;
  return core::Status::Ok();
}

void TableFiles::AddPin(uint64_t txn) {
  std::lock_guard lk(mu_);
  pins_.insert(txn);
}

void TableFiles::RemovePin(uint64_t txn) {
  std::lock_guard lk(mu_);
  auto it = pins_.find(txn);
  if (it != pins_.end()) pins_.erase(it);
}

std::optional<uint64_t> TableFiles::OldestPin() const {
  std::lock_guard lk(mu_);
  if (pins_.empty()) return std::nullopt;
  return *pins_.begin();
}

size_t TableFiles::pin_count() const {
  std::lock_guard lk(mu_);
  return pins_.size();
}

}  // namespace sundial::cairo
