#include "http/ilp_write.h"

#include <strings.h>

#include <algorithm>
#include <limits>
#include <map>

namespace sundial::http {
namespace {

// Orders (table, column) names ignoring ASCII case, as the engine matches them.
struct NoCaseLess {
  bool operator()(const std::pair<std::string, std::string>& a,
                  const std::pair<std::string, std::string>& b) const {
    int c = strcasecmp(a.first.c_str(), b.first.c_str());
    return c != 0 ? c < 0 : strcasecmp(a.second.c_str(), b.second.c_str()) < 0;
  }
};

}  // namespace

std::string BufferPool::Take() {
  {
    std::lock_guard lock(mu_);
    if (!free_.empty()) {
      std::string b = std::move(free_.back());
      free_.pop_back();
      return b;
    }
  }
  std::string b;
  b.reserve(min_bytes_);
  return b;
}

void BufferPool::Give(std::string&& buffer) {
  if (buffer.capacity() > max_bytes_) return;
  buffer.clear();
  std::lock_guard lock(mu_);
  if (free_.size() < max_buffers_) free_.push_back(std::move(buffer));
}

// One part of the body: whole lines, parsed into a batch of its own.
struct IlpWriteRequest::Part {
  size_t index = 0;
  std::string bytes;
  std::unique_ptr<IlpBatch> batch;
  int64_t lines = 0;     // lines parsed; when refused, the refused line's number in the part
  bool refused = false;
  core::Status error;    // why (InvalidArgument for the line's text or values, or the engine's)
};

// What the parsing jobs share with the request (they may outlive it: a client that hangs up).
struct IlpWriteRequest::Shared {
  std::mutex mu;
  std::condition_variable cv;
  size_t running = 0;                                         // parts queued or parsing
  size_t first_refused = std::numeric_limits<size_t>::max();  // index of the first refused part
};

IlpWriteRequest::IlpWriteRequest(cairo::Engine* engine, core::WorkerPool* pool, BufferPool* buffers,
                                 IlpWriteOptions options)
    : engine_(engine),
      pool_(pool),
      buffers_(buffers),
      options_(options),
      shared_(std::make_shared<Shared>()) {
  // Part batches only stage; rows reach a writer in Finish().
  options_.ingest.flush_rows = std::numeric_limits<int64_t>::max();
}

IlpWriteRequest::~IlpWriteRequest() = default;

bool IlpWriteRequest::refused() const {
  std::lock_guard lock(shared_->mu);
  return shared_->first_refused != std::numeric_limits<size_t>::max();
}

void IlpWriteRequest::ParseLines(Part* part, const IlpWriteOptions& options, Shared* shared) {
  {
    std::lock_guard lock(shared->mu);
    if (shared->first_refused < part->index) return;  // an earlier part is refused already
  }
  LineParser parser;
  IlpLine line;
  char* p = part->bytes.data();
  char* const end = p + part->bytes.size();
  auto refuse = [&](core::Status st) {
    part->refused = true;
    part->error = std::move(st);
    part->batch->ReleaseAll();
  };
  while (p < end) {
    char* next = end;
    core::Status fast;
    if (part->batch->AppendLikeLast(p, end, options.precision, options.now_us, &next, &fast)) {
      ++part->lines;
      if (!fast.ok()) {
        refuse(std::move(fast));
        return;
      }
      p = next;
      continue;
    }
    auto outcome = parser.Parse(p, end, /*at_eof=*/true, &line, &next);
    ++part->lines;
    if (outcome == LineParser::Outcome::kError) {
      refuse(core::Status::InvalidArgument(parser.error()));
      return;
    }
    p = next;
    if (outcome != LineParser::Outcome::kLine) continue;
    int64_t ts_us = options.now_us;
    if (line.has_timestamp && !IlpTimestampToMicros(line.timestamp, options.precision, &ts_us)) {
      refuse(core::Status::InvalidArgument(
          "timestamp out of range for its precision [timestamp=" +
          std::to_string(line.timestamp) + "]"));
      return;
    }
    core::Status st = part->batch->Append(line, ts_us);
    if (!st.ok()) {
      refuse(std::move(st));
      return;
    }
  }
}

void IlpWriteRequest::ParsePart(Part* part, const IlpWriteOptions& options, Shared* shared,
                                BufferPool* buffers) {
  core::Status failed = core::RunGuarded("ilp", [&] { ParseLines(part, options, shared); });
  if (!failed.ok()) {
    part->refused = true;
    part->error = std::move(failed);
    (void)core::RunGuarded("ilp", [&] { part->batch->ReleaseAll(); });
  }
  buffers->Give(std::move(part->bytes));
  part->bytes = std::string();
  std::lock_guard lock(shared->mu);
  if (part->refused) shared->first_refused = std::min(shared->first_refused, part->index);
  --shared->running;
  shared->cv.notify_all();
}

void IlpWriteRequest::Take(std::string* body, bool at_eof) {
  if (refused()) {
    body->clear();
    return;
  }
  char* const b = body->data();
  char* const e = b + body->size();
  char* const cut = at_eof ? e : EndOfCompleteLines(b, e);
  if (cut == b) return;
  if (!at_eof) {  // Bounded: past max_parts_in_flight, the sender waits for parsing.
    std::unique_lock lock(shared_->mu);
    shared_->cv.wait(lock, [&] { return shared_->running < options_.max_parts_in_flight; });
  }
  // What may fail to allocate (and throw) comes before the part is counted as running, so a
  // throw leaves the request as it was (the server answers it with a 500).
  const size_t taken = static_cast<size_t>(cut - b);
  auto part = std::make_shared<Part>();
  part->index = parts_.size();
  part->batch = std::make_unique<IlpBatch>(engine_, options_.ingest);
  // The part takes the body's buffer (no copy of its lines); the unfinished line after `cut`
  // moves to a buffer from the pool, in which the body goes on.
  std::string rest;
  if (!at_eof) {
    rest = buffers_->Take();
    rest.append(cut, static_cast<size_t>(e - cut));
  }
  parts_.reserve(parts_.size() + 1);
  std::function<void()> job;
  if (!at_eof) {
    job = [part, options = options_, shared = shared_, buffers = buffers_] {
      ParsePart(part.get(), options, shared.get(), buffers);
    };
  }
  part->bytes.swap(*body);  // `body` is left empty
  if (!at_eof) {
    part->bytes.resize(taken);
    body->swap(rest);
  }
  parts_.push_back(part);
  {
    std::lock_guard lock(shared_->mu);
    ++shared_->running;
  }
  if (at_eof) {
    ParsePart(part.get(), options_, shared_.get(), buffers_);
    return;
  }
  core::Status queued = core::RunGuarded("ilp", [&] { pool_->Submit(std::move(job)); });
  if (!queued.ok()) ParsePart(part.get(), options_, shared_.get(), buffers_);  // here, then
}

IlpWriteRequest::Outcome IlpWriteRequest::Finish() {
  {
    std::unique_lock lock(shared_->mu);
    shared_->cv.wait(lock, [&] { return shared_->running == 0; });
  }
  Outcome out;
  int64_t base = 0;  // lines in the parts before
  for (const auto& part : parts_) {
    if (part->refused) {
      out.error = part->error;
      out.line = base + part->lines;
      return out;
    }
    base += part->lines;
  }
  // Parts were checked against the table as it was; a column new to the table that two parts
  // give different types is refused here, before anything is created.
  std::map<std::pair<std::string, std::string>, cairo::ColumnType, NoCaseLess> types;
  for (const auto& part : parts_) {
    for (const auto& c : part->batch->StagedColumns()) {
      auto [it, first] = types.emplace(std::make_pair(c.table, c.column), c.target);
      if (!first && !IlpTypeFits(c.type, it->second)) {
        out.error = IlpCastError(c.type, c.column, it->second, c.table);
        return out;
      }
    }
  }
  IlpBatch all(engine_, options_.ingest);
  for (auto& part : parts_) {
    core::Status st = part->batch->MoveInto(&all);
    part->batch.reset();
    if (!st.ok()) {
      all.ReleaseAll();
      out.error = st;
      return out;
    }
  }
  out.error = all.CommitAll();
  if (out.error.ok()) out.rows = all.committed_rows();
  all.ReleaseAll();
  return out;
}

}  // namespace sundial::http
