// http/ilp_write.h — one /write request: its body is cut into parts at line ends as it arrives,
// the parts are parsed and staged in parallel (each into its own IlpBatch, on a WorkerPool), and
// once the body is complete they are moved, in order, into one batch and committed together:
// the request stays all-or-nothing, and its first refused line (in body order) is the one
// reported, numbered within the whole body.
//
// A part whose parsing throws (std::bad_alloc) is refused with an Internal error (a 500), and
// the request is rolled back like any refused one.
//
// A refusal found while parsing stops further parsing; the rest of the body is dropped unread
// (refused()). At most `max_parts_in_flight` parts wait or run at once: Take() blocks beyond
// that, so a fast sender cannot queue the whole body in memory.
//
// Two parts parse against the table as it was when each started: a column new to the table
// that two parts give different types is only found at Finish(), before anything is created (a
// 400 naming table and column, without a line number), where a single-part body names the line.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cairo/engine.h"
#include "core/worker_pool.h"
#include "http/http_request.h"
#include "http/ilp_ingest.h"
#include "http/line_protocol.h"

namespace sundial::http {

// Byte buffers kept for reuse (the bodies of /write requests and their parts): a buffer taken
// again keeps its capacity, so its pages are not faulted in anew. Hands out empty buffers of at
// least `min_bytes` capacity; keeps at most `max_buffers` of at most `max_bytes`. Thread-safe.
class BufferPool {
 public:
  BufferPool(size_t max_buffers, size_t min_bytes, size_t max_bytes)
      : max_buffers_(max_buffers), min_bytes_(min_bytes), max_bytes_(max_bytes) {
    free_.reserve(max_buffers);  // Give() never allocates
  }
  std::string Take();
  void Give(std::string&& buffer);

 private:
  std::mutex mu_;
  std::vector<std::string> free_;
  const size_t max_buffers_;
  const size_t min_bytes_;
  const size_t max_bytes_;
};

struct IlpWriteOptions {
  IlpIngestOptions ingest;
  IlpPrecision precision = IlpPrecision::kNanos;
  int64_t now_us = 0;  // the timestamp of lines without one
  size_t max_parts_in_flight = 4;
};

class IlpWriteRequest : public RequestState {
 public:
  // How the request ended: `error` is Ok for a commit; a refused line has `line` > 0.
  struct Outcome {
    core::Status error;
    int64_t line = 0;
    int64_t rows = 0;  // committed (0 on error)
  };

  IlpWriteRequest(cairo::Engine* engine, core::WorkerPool* pool, BufferPool* buffers,
                  IlpWriteOptions options);
  ~IlpWriteRequest() override;

  // Takes the complete lines at the front of `body` and erases them; `at_eof`: the body is all
  // there (its last line needs no terminator, and this part is parsed on the calling thread).
  // The part keeps `body`'s buffer; `body` goes on in one from the BufferPool.
  void Take(std::string* body, bool at_eof);
  // True once some part has a refused line: what is not parsed yet never will be.
  bool refused() const;
  // Waits for every part; then either the first refused line, or the parts moved into one
  // batch and committed (`error` says why not).
  Outcome Finish();

 private:
  struct Part;
  struct Shared;
  // Parses a part and reports it to `shared`; never throws (an exception while parsing, such
  // as std::bad_alloc, refuses the part with an Internal error).
  static void ParsePart(Part* part, const IlpWriteOptions& options, Shared* shared,
                        BufferPool* buffers);
  static void ParseLines(Part* part, const IlpWriteOptions& options, Shared* shared);

  cairo::Engine* engine_;
  core::WorkerPool* pool_;
  BufferPool* buffers_;
  IlpWriteOptions options_;
  std::shared_ptr<Shared> shared_;
  std::vector<std::shared_ptr<Part>> parts_;
};

}  // namespace sundial::http
