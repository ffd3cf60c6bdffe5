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

JobPool::JobPool(int threads) {
  for (int i = 0; i < std::max(1, threads); ++i) {
    threads_.emplace_back([this] {
      for (;;) {
        std::function<void()> job;
        {
          std::unique_lock lock(mu_);
          cv_.wait(lock, [&] { return stop_ || !jobs_.empty(); });
          if (jobs_.empty()) return;
          job = std::move(jobs_.front());
          jobs_.pop_front();
        }
        job();
      }
    });
  }
}

JobPool::~JobPool() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void JobPool::Submit(std::function<void()> job) {
  {
    std::lock_guard lock(mu_);
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
}

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

IlpWriteRequest::IlpWriteRequest(cairo::Engine* engine, JobPool* pool, BufferPool* buffers,
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

void IlpWriteRequest::ParsePart(Part* part, const IlpWriteOptions& options, Shared* shared,
                                BufferPool* buffers) {
  bool skip;
  {
    std::lock_guard lock(shared->mu);
    skip = shared->first_refused < part->index;  // an earlier part is refused already
  }
  if (!skip) {
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
          break;
        }
        p = next;
        continue;
      }
      auto outcome = parser.Parse(p, end, /*at_eof=*/true, &line, &next);
      ++part->lines;
      if (outcome == LineParser::Outcome::kError) {
        refuse(core::Status::InvalidArgument(parser.error()));
        break;
      }
      p = next;
      if (outcome != LineParser::Outcome::kLine) continue;
      int64_t ts_us = options.now_us;
      if (line.has_timestamp && !IlpTimestampToMicros(line.timestamp, options.precision, &ts_us)) {
        refuse(core::Status::InvalidArgument("timestamp out of range"));
        break;
      }
      core::Status st = part->batch->Append(line, ts_us);
      if (!st.ok()) {
        refuse(std::move(st));
        break;
      }
    }
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
  auto part = std::make_shared<Part>();
  part->index = parts_.size();
  part->batch = std::make_unique<IlpBatch>(engine_, options_.ingest);
  {
    std::unique_lock lock(shared_->mu);
    // Bounded: past max_parts_in_flight, the sender waits for parsing.
    if (!at_eof) {
      shared_->cv.wait(lock, [&] { return shared_->running < options_.max_parts_in_flight; });
    }
    ++shared_->running;
  }
  // The part takes the body's buffer (no copy of its lines); the unfinished line after `cut`
  // moves to a buffer from the pool, in which the body goes on.
  const size_t taken = static_cast<size_t>(cut - b);
  part->bytes.swap(*body);  // `body` is left empty
  if (!at_eof) {
    std::string rest = buffers_->Take();
    rest.append(part->bytes, taken);
    part->bytes.resize(taken);
    body->swap(rest);
  }
  parts_.push_back(part);
  if (at_eof) {
    ParsePart(part.get(), options_, shared_.get(), buffers_);
    return;
  }
  pool_->Submit([part, options = options_, shared = shared_, buffers = buffers_] {
    ParsePart(part.get(), options, shared.get(), buffers);
  });
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
  all.ReleaseAll();
  return out;
}

}  // namespace sundial::http
