#include "simulate/report.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "simulate/classify.h"
#include "simulate/timestamp.h"

namespace kaudit::simulate {
namespace {

std::vector<std::string_view> SplitTabs(std::string_view s) {
  std::vector<std::string_view> parts;
  for (;;) {
    std::size_t tab = s.find('\t');
    parts.push_back(s.substr(0, tab));
    if (tab == std::string_view::npos) return parts;
    s.remove_prefix(tab + 1);
  }
}

int ParseRule(std::string_view s) {
  int v = -1;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

uint64_t Rank(const BeforeAfter& v) { return std::max(v.before.bytes, v.after.bytes); }

// The n largest by the larger of before/after bytes, ties by name (stable across runs).
std::vector<NamedVolume> Top(const StringMap<BeforeAfter>& m, std::size_t n) {
  std::vector<NamedVolume> rows;
  rows.reserve(m.size());
  for (const auto& [k, v] : m) rows.push_back(NamedVolume{k, v});
  auto by_rank = [](const NamedVolume& a, const NamedVolume& b) {
    if (Rank(a.volume) != Rank(b.volume)) return Rank(a.volume) > Rank(b.volume);
    return a.name < b.name;
  };
  std::size_t keep = std::min(n, rows.size());
  std::partial_sort(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(keep), rows.end(),
                    by_rank);
  rows.resize(keep);
  return rows;
}

void FillTops(const Stats& s, std::size_t n, Report* r) {
  StringMap<BeforeAfter> resources, verbs;
  for (const auto& [key, kind] : s.kinds) {
    std::vector<std::string_view> parts = SplitTabs(key);
    std::string_view verb = parts.size() > 1 ? parts[1] : std::string_view();
    Slot(resources, parts[0]).Add(kind.volume);
    Slot(verbs, verb).Add(kind.volume);
  }
  r->top_users = Top(s.users, n);
  r->top_namespaces = Top(s.namespaces, n);
  r->top_resources = Top(resources, n);
  r->top_verbs = Top(verbs, n);
}

void FillKinds(const Stats& s, Report* r) {
  for (const auto& [key, kind] : s.kinds) {
    std::vector<std::string_view> parts = SplitTabs(key);
    KindRow row;
    row.resource = std::string(parts[0]);
    row.verb = parts.size() > 1 ? std::string(parts[1]) : "";
    row.category = std::string(SecurityCategory(row.resource, row.verb));
    row.volume = kind.volume;
    row.bodies_dropped = kind.bodies_dropped;
    if (row.volume.before.events > 0 && row.volume.after.events == 0) {
      r->lost.push_back(row);
    } else if (!row.category.empty() &&
               (row.volume.after.events < row.volume.before.events || row.bodies_dropped > 0)) {
      r->reduced.push_back(row);
    }
  }
  // Security-relevant kinds first, then by bytes, then by name.
  auto order = [](const KindRow& a, const KindRow& b) {
    if (a.category.empty() != b.category.empty()) return !a.category.empty();
    if (a.volume.before.bytes != b.volume.before.bytes) {
      return a.volume.before.bytes > b.volume.before.bytes;
    }
    return std::tie(a.resource, a.verb) < std::tie(b.resource, b.verb);
  };
  std::sort(r->lost.begin(), r->lost.end(), order);
  std::sort(r->reduced.begin(), r->reduced.end(), order);
}

double AverageBody(const BodyObservation& o, bool request, bool omit_managed, bool* basis) {
  uint64_t events = request ? o.request_events : o.response_events;
  uint64_t bytes = request ? o.request_bytes : o.response_bytes;
  uint64_t managed = request ? o.request_managed_bytes : o.response_managed_bytes;
  *basis = events > 0;
  if (events == 0) return 0;
  if (omit_managed) bytes -= std::min(bytes, managed);
  return static_cast<double>(bytes) / static_cast<double>(events);
}

// Estimated body bytes for one need key (class, rule, omitManagedFields); adds to *row.
double EstimateNeed(const Stats& s, std::string_view class_key, bool omit_managed,
                    const BodyNeed& need, EstimateRow* row) {
  BodyObservation none;
  auto it = s.observed.find(class_key);
  const BodyObservation& o = it == s.observed.end() ? none : it->second;
  double total = 0;
  for (bool request : {true, false}) {
    uint64_t events = request ? need.request_events : need.response_events;
    if (events == 0) continue;
    bool basis = false;
    double avg = AverageBody(o, request, omit_managed, &basis);
    row->events += events;
    if (!basis) row->has_basis = false;
    total += avg * static_cast<double>(events);
  }
  return total;
}

void FillEstimates(const Stats& s, const RequestTally& t, Report* r) {
  StringMap<EstimateRow> by_class;
  StringMap<double> class_bytes;
  for (const auto& [key, need] : s.needs) {
    std::vector<std::string_view> p = SplitTabs(key);  // resource verb stage rule omf
    if (p.size() != 5) continue;
    std::string class_key = std::string(p[0]) + '\t' + std::string(p[1]) + '\t' + std::string(p[2]);
    EstimateRow& row = Slot(by_class, class_key);
    row.resource = std::string(p[0]);
    row.verb = std::string(p[1]);
    row.stage = std::string(p[2]);
    EstimateRow probe;
    double bytes = EstimateNeed(s, class_key, p[4] == "1", need, &probe);
    row.events += probe.events;
    row.has_basis = row.has_basis && probe.has_basis;
    Slot(class_bytes, class_key) += bytes;
    int rule = ParseRule(p[3]);
    for (RuleRow& rr : r->rules) {
      if (rr.index == rule) rr.estimated_added_bytes += static_cast<uint64_t>(std::llround(bytes));
    }
    r->estimated.body_events += probe.events;
    if (!probe.has_basis) r->estimated.body_events_without_basis += probe.events;
  }
  double total = 0;
  for (auto& [key, row] : by_class) {
    double b = class_bytes[key];
    row.bytes = static_cast<uint64_t>(std::llround(b));
    total += b;
    r->estimated.rows.push_back(row);
  }
  r->estimated.body_bytes = static_cast<uint64_t>(std::llround(total));
  std::sort(r->estimated.rows.begin(), r->estimated.rows.end(),
            [](const EstimateRow& a, const EstimateRow& b) {
              if (a.bytes != b.bytes) return a.bytes > b.bytes;
              if (a.events != b.events) return a.events > b.events;
              return std::tie(a.resource, a.verb, a.stage) < std::tie(b.resource, b.verb, b.stage);
            });
  r->estimated.received_events = t.added_received_events;
  r->estimated.received_bytes = t.added_received_bytes;
}

void FillRules(const SimulationResult& res, const policy::Policy& policy, Report* r) {
  const Stats& s = res.stats;
  const RequestTally& t = res.requests;
  auto row_for = [&](int index) {
    RuleRow row;
    row.index = index;
    const std::size_t slot = static_cast<std::size_t>(index + 1);
    if (index >= 0) {
      const policy::PolicyRule& rule = policy.rules[static_cast<std::size_t>(index)];
      row.level = rule.level;
      row.summary = RuleSummary(rule);
    } else {
      row.level = "None";
      row.summary = "no rule matches: not logged";
    }
    if (slot < s.rules.size()) {
      row.events = s.rules[slot].events;
      row.bytes_before = s.rules[slot].bytes_before;
      row.after = s.rules[slot].after;
    }
    if (slot < t.rule_requests.size()) {
      row.requests = t.rule_requests[slot];
      row.requests_kept = t.rule_requests_kept[slot];
      row.estimated_added_bytes = t.rule_added_received_bytes[slot];
    }
    return row;
  };
  for (std::size_t i = 0; i < policy.rules.size(); ++i) {
    r->rules.push_back(row_for(static_cast<int>(i)));
  }
  r->rules.push_back(row_for(-1));
}

void FillExplain(const Stats& s, const policy::Policy& policy, const ReportOptions& o, Report* r) {
  r->explain = o.explain_user_set || o.explain_resource_set;
  if (!r->explain) return;
  if (o.explain_user_set) r->explain_subject = "user \"" + o.explain_user + "\"";
  if (o.explain_resource_set) {
    if (!r->explain_subject.empty()) r->explain_subject += " or ";
    r->explain_subject += "resource \"" + o.explain_resource + "\"";
  }
  for (const auto& [key, row] : s.explain) {
    std::vector<std::string_view> p = SplitTabs(key);  // rule verb resource recorded candidate
    if (p.size() != 5) continue;
    ExplainLine line;
    line.rule = ParseRule(p[0]);
    if (line.rule >= 0 && static_cast<std::size_t>(line.rule) < policy.rules.size()) {
      line.rule_summary = RuleSummary(policy.rules[static_cast<std::size_t>(line.rule)]);
      line.rule_level = policy.rules[static_cast<std::size_t>(line.rule)].level;
    } else {
      line.rule_summary = "no rule matches: not logged";
      line.rule_level = "None";
    }
    line.verb = std::string(p[1]);
    line.resource = std::string(p[2]);
    line.recorded_level = std::string(p[3]);
    line.candidate_level = std::string(p[4]);
    line.volume = row.volume;
    r->explain_lines.push_back(std::move(line));
  }
  std::sort(r->explain_lines.begin(), r->explain_lines.end(),
            [](const ExplainLine& a, const ExplainLine& b) {
              if (a.rule != b.rule)
                return (a.rule < 0 ? INT32_MAX : a.rule) < (b.rule < 0 ? INT32_MAX : b.rule);
              if (a.volume.before.events != b.volume.before.events) {
                return a.volume.before.events > b.volume.before.events;
              }
              // "None" sorts after the levels that keep the event.
              bool a_none = a.candidate_level == "None", b_none = b.candidate_level == "None";
              return std::tie(a.resource, a.verb, a.recorded_level, a_none, a.candidate_level) <
                     std::tie(b.resource, b.verb, b.recorded_level, b_none, b.candidate_level);
            });
}

void FillInput(const SimulationResult& res, Report* r) {
  const Stats& s = res.stats;
  r->files = res.files;
  r->lines = s.lines;
  r->blank_lines = s.blank_lines;
  r->corrupt_lines = s.corrupt_lines;
  r->truncated_lines = s.truncated_lines;
  r->legacy_lines = s.legacy_lines;
  r->oversized_lines = s.oversized_lines;
  r->unknown_level_events = s.unknown_level_events;
  r->corrupt_samples = s.corrupt_samples;
  r->has_time = s.first_us != 0 || s.last_us != 0;
  r->first_us = s.first_us;
  r->last_us = s.last_us;
  for (const auto& [day, v] : s.days) {
    r->days.emplace_back(day == INT64_MIN ? "unknown" : FormatDay(day), v);
  }
}

}  // namespace

Report BuildReport(const SimulationResult& res, const policy::Policy& policy,
                   const ReportOptions& options) {
  Report r;
  const Stats& s = res.stats;
  r.policy_source = options.policy_source;
  r.rule_count = policy.rules.size();
  FillInput(res, &r);
  r.before = s.before;
  r.after = s.after;
  r.requests = res.requests.requests;
  r.requests_kept = res.requests.requests_kept;
  r.requests_never_finished = res.requests.never_finished;
  r.omitted_stage_events = s.omitted_stage_events;
  r.transitions = s.transitions;
  FillTops(s, options.top, &r);
  FillRules(res, policy, &r);
  FillEstimates(s, res.requests, &r);
  FillKinds(s, &r);
  FillExplain(s, policy, options, &r);
  if (options.disk_budget_bytes) {
    double hours = r.has_time ? static_cast<double>(r.last_us - r.first_us) / 3.6e9 : 0;
    if (hours < 1.0 / 60) hours = 0;
    r.budget = PlanDiskBudget(*options.disk_budget_bytes, hours, r.before.bytes,
                              r.after.bytes + r.estimated.total_bytes());
  }
  return r;
}

}  // namespace kaudit::simulate
