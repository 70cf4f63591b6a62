// Grouping events into requests by auditID, in memory that does not grow with the log.
//
// Every stage of a request is one line, and all lines of a request carry the same request
// attributes, so the candidate policy's decision is the same for each of them. What grouping
// adds is per-request facts: how many requests there were and how many the candidate still
// logs, and whether the source log recorded the request's RequestReceived stage (when it did
// not, but the candidate would, the candidate adds an event the log cannot show; that is an
// estimate and reported as one).
//
// Chunks are processed in parallel, each with its own RequestTable: a request whose first line
// in the chunk is RequestReceived is tracked locally and finished when its last stage
// (ResponseComplete or Panic) arrives. Any other first line may continue a request from an
// earlier chunk, so it goes, in order, to the Merger ("orphans"), as do requests still open at the
// end of the chunk ("leftovers"). The Merger replays chunks in log order against the requests
// carried over from earlier chunks. Requests that never finish (a log cut off mid-request, a
// source policy that omits ResponseComplete) are finished when they are older than
// kCarryWindowMicros in log time, or at the end of the input.
//
// Thread safety: RequestTable and ChunkGroups belong to one worker; Merger is used by one thread
// at a time (the caller serialises).
#pragma once

#include <cstdint>
#include <vector>

namespace kaudit::simulate {

// Stage bits, in policy::Stage order.
inline constexpr uint8_t kStageReceivedBit = 1U << 0;
inline constexpr uint8_t kStageStartedBit = 1U << 1;
inline constexpr uint8_t kStageCompleteBit = 1U << 2;
inline constexpr uint8_t kStagePanicBit = 1U << 3;
inline constexpr uint8_t kFinalStageBits = kStageCompleteBit | kStagePanicBit;

// Longest a request may stay open in log time before it is counted as never finished: longer
// than kube-apiserver's longest watch (--min-request-timeout 1800s, randomised up to 2x).
inline constexpr int64_t kCarryWindowMicros = 2LL * 3600 * 1000 * 1000;

struct RequestState {
  uint64_t key = 0;                      // hash of the auditID; 0 = empty slot
  int64_t last_us = 0;                   // stageTimestamp of the latest line seen
  int32_t rule = -1;                     // candidate rule index, -1 = no rule matched
  uint32_t received_estimate_bytes = 0;  // size of a RequestReceived line, if one were added
  uint8_t stages = 0;                    // stage bits recorded in the log
  uint8_t omit = 0;                      // candidate omitStages bits
  uint8_t level = 0;                     // candidate level (policy::Level)
};

// What finished requests add up to. Additive, so per-worker tallies can be summed.
struct RequestTally {
  uint64_t requests = 0;               // distinct requests in the log
  uint64_t requests_kept = 0;          // ... of which the candidate logs at least one stage
  uint64_t never_finished = 0;         // no ResponseComplete/Panic line in the log
  uint64_t added_received_events = 0;  // RequestReceived lines the candidate would add
  uint64_t added_received_bytes = 0;   // their estimated size
  // Indexed by rule + 1 (slot 0 = no rule matched).
  std::vector<uint64_t> rule_requests;
  std::vector<uint64_t> rule_requests_kept;
  std::vector<uint64_t> rule_added_received_bytes;

  explicit RequestTally(std::size_t rules = 0);
  void Finish(const RequestState& r, bool finished);
  void Add(const RequestTally& other);
};

// Open addressing, linear probing, backward-shift deletion: no allocation per request.
class RequestTable {
 public:
  RequestTable();
  RequestState* Find(uint64_t key);
  RequestState* Insert(uint64_t key);  // key must not be present
  void Erase(RequestState* slot);
  std::size_t size() const { return size_; }
  void Clear();
  template <typename F>
  void ForEach(F&& f) const {
    for (const RequestState& s : slots_) {
      if (s.key != 0) f(s);
    }
  }

 private:
  void Rehash(std::size_t slots);
  std::vector<RequestState> slots_;
  std::size_t size_ = 0;
  std::size_t mask_ = 0;
};

struct Orphan {
  RequestState state;  // stages holds the single stage bit of this line
};

// What one chunk hands to the Merger.
struct ChunkGroups {
  std::vector<Orphan> orphans;          // in line order
  std::vector<RequestState> leftovers;  // still open at the end of the chunk
  int64_t max_us = 0;                   // latest stageTimestamp in the chunk
};

class Merger {
 public:
  explicit Merger(std::size_t rules);
  void Apply(const ChunkGroups& chunk);
  // Ends the input: every request still open is counted as never finished.
  void Finish();
  const RequestTally& tally() const { return tally_; }

 private:
  void EvictOlderThan(int64_t cutoff_us);
  RequestTable carry_;
  RequestTally tally_;
  int64_t max_us_ = 0;
  std::size_t evict_check_at_ = 1024;
};

// Tracks one chunk's requests (see the file comment).
class ChunkGrouper {
 public:
  ChunkGrouper(RequestTally* local_tally, ChunkGroups* out) : tally_(local_tally), out_(out) {}
  // state.stages holds the line's stage bit; state.key the auditID hash.
  void Add(const RequestState& line);
  // Moves the open requests to out->leftovers and resets the table.
  void EndChunk();

 private:
  RequestTable table_;
  RequestTally* tally_;
  ChunkGroups* out_;
};

uint64_t HashAuditId(const char* data, std::size_t n);

}  // namespace kaudit::simulate
