// Simulate: replay audit logs through a candidate policy, using every core.
//
// One reader thread turns the input files into chunks (chunk.h: large reads, gzip inflated,
// whole lines); `threads` workers parse and evaluate chunks in parallel (process.h), each into
// its own Stats; an ordered merge, run by whichever worker finishes a chunk, puts the per-chunk
// results that depend on log order back in order (request grouping across chunk boundaries,
// line numbers of corrupt lines, the per-event decisions stream). Memory is bounded by the
// buffer pool, about (2 x threads + 2) x chunk_bytes (512 KiB by default), and by the number of
// distinct users, namespaces and kinds (stats.h), not by the size of the log.
//
// The result does not depend on the number of threads or the chunk size (tests check this).
//
// Thread safety: Simulate() may be called from any thread; the policy must outlive the call.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

#include "common/status.h"
#include "policy/eval.h"
#include "simulate/chunk.h"
#include "simulate/grouping.h"
#include "simulate/process.h"
#include "simulate/stats.h"

namespace kaudit::simulate {

struct SimulateOptions {
  std::vector<std::string> logs;  // in log order; "-" = standard input
  ProcessOptions process;
  int threads = 0;  // workers; 0 = one per core
  // Small enough that a chunk read by one thread is still in cache when a worker parses it.
  std::size_t chunk_bytes = 512u << 10;
  std::size_t max_line_bytes = 256u << 20;
  // With process.record_decisions: where the per-line decisions go, in log order.
  std::ostream* decisions = nullptr;
};

struct SimulationResult {
  Stats stats;
  RequestTally requests;
  std::vector<FileSummary> files;
  int threads = 0;
  explicit SimulationResult(std::size_t rules) : stats(rules), requests(rules) {}
};

// Errors: a file that cannot be opened or read (kNotFound, kPermissionDenied, ...). Anything
// wrong inside the log is counted in the result, never an error.
StatusOr<SimulationResult> Simulate(const policy::CompiledPolicy& policy,
                                    const SimulateOptions& options);

}  // namespace kaudit::simulate
