// The simulate report: the figures of a SimulationResult, ranked, joined with the candidate
// policy's rules, with estimates computed and kept apart from measurements. Every output format
// (report_json.cc, report_text.cc) renders this one model, so they never disagree.
//
// Measured vs estimated: "after" figures are measured from the recorded lines (bodies removed,
// level string changed, managed fields removed). What the log cannot show is estimated and only
// ever reported under "estimated": bodies of events the candidate would log at a higher level
// than recorded (from the average body of the same resource, verb and stage among events that
// were recorded at that level) and RequestReceived lines the source never wrote (each the size of
// its request's line at Metadata level, an upper bound).
//
// Thread safety: plain data and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "policy/policy.h"
#include "simulate/simulator.h"

namespace kaudit::simulate {

struct ReportOptions {
  std::string policy_source;  // what to call the candidate: a file name or "profiles a.yaml, ..."
  std::size_t top = 10;       // rows in each top list
  std::optional<uint64_t> disk_budget_bytes;
  std::string explain_user, explain_resource;  // as given (for the heading)
  bool explain_user_set = false, explain_resource_set = false;
};

struct NamedVolume {
  std::string name;
  BeforeAfter volume;
};

struct RuleRow {
  int index = -1;  // 0-based; -1 = requests no rule matches (not logged)
  std::string level;
  std::string summary;
  uint64_t requests = 0, requests_kept = 0;
  uint64_t events = 0, bytes_before = 0;
  Volume after;
  uint64_t estimated_added_bytes = 0;
};

struct KindRow {
  std::string resource, verb, category;  // category: classify.h, "" = none
  BeforeAfter volume;
  uint64_t bodies_dropped = 0;
};

struct EstimateRow {
  std::string resource, verb, stage;
  uint64_t events = 0;  // events needing a body the log does not hold
  uint64_t bytes = 0;   // estimated bytes those bodies add
  bool has_basis = true;
};

struct Estimates {
  uint64_t body_events = 0, body_bytes = 0, body_events_without_basis = 0;
  uint64_t received_events = 0, received_bytes = 0;
  uint64_t total_bytes() const { return body_bytes + received_bytes; }
  std::vector<EstimateRow> rows;  // largest first
};

struct Rate {
  bool known = false;  // false when the log spans less than a minute
  double bytes_per_hour = 0;
  double retention_hours = 0;  // budget / rate
};

struct DiskBudget {
  uint64_t bytes = 0;
  Rate before, after;  // after = measured + estimated
  int max_size_mb = 0, max_backups = 0;
  // Hours of history the rotation settings keep right after a rotation (the minimum).
  double rotation_retention_hours = 0;
  std::string note;  // why figures are missing, if they are
};

struct ExplainLine {
  int rule = -1;
  std::string rule_summary, rule_level;
  std::string verb, resource, recorded_level, candidate_level;
  BeforeAfter volume;
};

struct Report {
  std::string policy_source;
  std::size_t rule_count = 0;
  std::vector<FileSummary> files;
  uint64_t lines = 0, blank_lines = 0, corrupt_lines = 0, truncated_lines = 0, legacy_lines = 0,
           oversized_lines = 0, unknown_level_events = 0;
  std::vector<CorruptSample> corrupt_samples;
  int64_t first_us = 0, last_us = 0;
  bool has_time = false;

  Volume before, after;
  uint64_t requests = 0, requests_kept = 0, requests_never_finished = 0;
  uint64_t omitted_stage_events = 0;
  std::array<std::array<uint64_t, 4>, 4> transitions{};
  Estimates estimated;

  std::vector<std::pair<std::string, BeforeAfter>> days;  // "2024-05-01" or "unknown"
  std::vector<NamedVolume> top_users, top_resources, top_namespaces, top_verbs;
  std::vector<RuleRow> rules;
  std::vector<KindRow> lost;     // recorded kinds the candidate no longer logs at all
  std::vector<KindRow> reduced;  // security-relevant kinds logged less (fewer events or bodies)
  std::optional<DiskBudget> budget;

  bool explain = false;
  std::string explain_subject;  // `user "alice"` or `resource "secrets"`
  std::vector<ExplainLine> explain_lines;
};

Report BuildReport(const SimulationResult& result, const policy::Policy& policy,
                   const ReportOptions& options);

// A one-line description of a rule: "Metadata: verbs=get,list; resources=secrets".
std::string RuleSummary(const policy::PolicyRule& rule);

// Parses a size such as "10GiB", "500Mi", "2G", "1.5TB", "1048576". Binary units: Ki, Mi, Gi,
// Ti (with or without a trailing B); decimal: K, M, G, T, KB, MB, GB, TB. kInvalidArgument for
// anything else.
StatusOr<uint64_t> ParseSize(std::string_view text);

// kube-apiserver --audit-log-maxsize/--audit-log-maxbackup that keep the log within budget:
// the current file plus maxBackups rotated ones, each at most maxSizeMB MiB (lumberjack).
DiskBudget PlanDiskBudget(uint64_t budget_bytes, double hours, uint64_t bytes_before,
                          uint64_t bytes_after);

}  // namespace kaudit::simulate
