#include "simulate/stats.h"

#include <algorithm>

namespace kaudit::simulate {

void BodyObservation::Add(const BodyObservation& o) {
  request_events += o.request_events;
  request_bytes += o.request_bytes;
  request_managed_bytes += o.request_managed_bytes;
  response_events += o.response_events;
  response_bytes += o.response_bytes;
  response_managed_bytes += o.response_managed_bytes;
}

void Stats::NoteTime(int64_t us) {
  if (first_us == 0 && last_us == 0) {
    first_us = last_us = us;
    return;
  }
  first_us = std::min(first_us, us);
  last_us = std::max(last_us, us);
}

void Stats::Add(const Stats& o) {
  lines += o.lines;
  blank_lines += o.blank_lines;
  corrupt_lines += o.corrupt_lines;
  truncated_lines += o.truncated_lines;
  legacy_lines += o.legacy_lines;
  oversized_lines += o.oversized_lines;
  unknown_level_events += o.unknown_level_events;
  before.Add(o.before);
  after.Add(o.after);
  if (o.first_us != 0 || o.last_us != 0) {
    NoteTime(o.first_us);
    NoteTime(o.last_us);
  }
  for (std::size_t i = 0; i < transitions.size(); ++i) {
    for (std::size_t j = 0; j < transitions[i].size(); ++j) {
      transitions[i][j] += o.transitions[i][j];
    }
  }
  omitted_stage_events += o.omitted_stage_events;
  for (const auto& [day, v] : o.days) days[day].Add(v);
  AddMap(users, o.users);
  AddMap(namespaces, o.namespaces);
  AddMap(kinds, o.kinds);
  if (rules.size() < o.rules.size()) rules.resize(o.rules.size());
  for (std::size_t i = 0; i < o.rules.size(); ++i) rules[i].Add(o.rules[i]);
  AddMap(observed, o.observed);
  AddMap(needs, o.needs);
  AddMap(explain, o.explain);
  corrupt_samples.insert(corrupt_samples.end(), o.corrupt_samples.begin(), o.corrupt_samples.end());
}

}  // namespace kaudit::simulate
