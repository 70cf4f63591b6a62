// ChunkProcessor: replays the lines of one chunk through the candidate policy. Per line: parse
// with auditlog::EventParser (in place, no copy), evaluate with policy::CompiledPolicy (the same
// evaluator `kaudit eval` uses), size the event at the candidate level, and add it to the
// worker's Stats; per request, hand the line to the grouping (grouping.h).
//
// Lines that are not events never stop the run: blank lines are skipped, legacy-format lines
// are counted as unsupported, anything else unparseable is counted as corrupt (as truncated when
// it is the cut-off last line of a file), with the first few kept as samples for the report.
//
// Thread safety: one ChunkProcessor per worker thread. It writes only its own Stats and
// RequestTally; the policy is shared read-only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "auditlog/event.h"
#include "policy/eval.h"
#include "simulate/body_scan.h"
#include "simulate/chunk.h"
#include "simulate/grouping.h"
#include "simulate/sizing.h"
#include "simulate/stats.h"

namespace kaudit::simulate {

struct ProcessOptions {
  // Events to break down by rule for --explain-user / --explain-resource ("" = off).
  std::string explain_user;
  std::string explain_resource;
  bool explain_user_set = false;
  bool explain_resource_set = false;
  // One line per non-blank log line with the candidate's level and omitted stages, in the
  // format `kaudit eval` prints.
  bool record_decisions = false;
};

// What a chunk yields that must be combined in log order.
struct ChunkResult {
  uint64_t seq = 0;
  int file_index = 0;
  bool last_of_file = false;
  uint64_t lines = 0;  // including oversized lines skipped before the chunk's first line
  ChunkGroups groups;
  std::vector<CorruptSample> corrupt;  // line numbers relative to the chunk (1-based)
  std::string decisions;
};

class ChunkProcessor {
 public:
  ChunkProcessor(const policy::CompiledPolicy* policy, const ProcessOptions* options, Stats* stats,
                 RequestTally* tally);
  ChunkResult Process(const Chunk& chunk);

 private:
  void ProcessLine(std::string_view line, uint64_t line_no, bool last_unterminated,
                   ChunkResult* out);
  enum class Reject { kCorrupt, kTruncated, kOversized };
  void RejectLine(std::string_view reason, uint64_t line_no, Reject kind, ChunkResult* out);
  // Fills recorded_ from event_; false (with *why) for a stage this tool does not know.
  // Measures the bodies into spans_ and returns the line to parse (bodies cut out).
  std::string_view MeasureAndCutBodies(std::string_view line);
  bool Describe(std::string_view line, policy::Stage* stage, std::string* why);
  void Account(const policy::Decision& d, policy::Stage stage, ChunkResult* out);
  void AccountBreakdowns(const policy::Decision& d, const SizedEvent& s, int64_t day);
  void AccountBodies(const policy::Decision& d, const SizedEvent& s, policy::Stage stage);
  void AccountExplain(const policy::Decision& d, const SizedEvent& s);
  void AccountRequest(const policy::Decision& d, const SizedEvent& s, policy::Stage stage,
                      int64_t micros);
  void RecordDecision(const policy::Decision& d, ChunkResult* out);

  const policy::CompiledPolicy* policy_;
  const ProcessOptions* options_;
  Stats* stats_;
  RequestTally* tally_;
  auditlog::EventParser parser_;
  auditlog::ParsedEvent event_;
  RecordedEvent recorded_;
  BodySpans spans_;
  ChunkGrouper* grouper_ = nullptr;
  // Scratch keys, reused so steady-state lines allocate nothing.
  std::string resource_key_, kind_key_, class_key_, need_key_;
  int64_t cached_day_ = INT64_MIN;
  BeforeAfter* cached_day_slot_ = nullptr;
};

}  // namespace kaudit::simulate
