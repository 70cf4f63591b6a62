// The json rendering of a Report (format.h). The shape is a contract with scripts, documented in
// docs/simulate.md ("The json report"): members keep their names and meaning; new members may be
// added. Sizes are bytes (integers), rates are numbers rounded to 2 decimals, an unknown or
// unlimited figure is null.
#include <cmath>
#include <nlohmann/json.hpp>

#include "simulate/format.h"
#include "simulate/timestamp.h"

namespace kaudit::simulate {
namespace {

using Json = nlohmann::ordered_json;

Json Round(double v) {
  if (!std::isfinite(v)) return nullptr;
  return std::round(v * 100) / 100;
}

Json VolumeJson(const Volume& v) { return Json{{"events", v.events}, {"bytes", v.bytes}}; }

Json BeforeAfterJson(const BeforeAfter& v) {
  return Json{{"before", VolumeJson(v.before)}, {"after", VolumeJson(v.after)}};
}

Json NamedList(const std::vector<NamedVolume>& rows) {
  Json a = Json::array();
  for (const NamedVolume& n : rows) {
    Json row{{"name", n.name}};
    row.update(BeforeAfterJson(n.volume));
    a.push_back(std::move(row));
  }
  return a;
}

Json InputJson(const Report& r) {
  Json files = Json::array();
  for (const FileSummary& f : r.files) {
    Json j{{"path", f.path},
           {"compressed", f.compressed},
           {"bytes", f.raw_bytes},
           {"decodedBytes", f.decoded_bytes}};
    if (!f.warning.empty()) j["warning"] = f.warning;
    files.push_back(std::move(j));
  }
  Json samples = Json::array();
  for (const CorruptSample& s : r.corrupt_samples) {
    std::string path = static_cast<std::size_t>(s.file_index) < r.files.size()
                           ? r.files[static_cast<std::size_t>(s.file_index)].path
                           : "";
    samples.push_back(Json{{"file", path}, {"line", s.line}, {"reason", s.reason}});
  }
  Json j{{"files", files},
         {"lines", r.lines},
         {"events", r.before.events},
         {"blankLines", r.blank_lines},
         {"corruptLines", r.corrupt_lines},
         {"truncatedLines", r.truncated_lines},
         {"legacyLines", r.legacy_lines},
         {"oversizedLines", r.oversized_lines},
         {"unknownLevelEvents", r.unknown_level_events},
         {"corruptSamples", samples}};
  j["from"] = r.has_time ? Json(FormatMicros(r.first_us)) : Json(nullptr);
  j["to"] = r.has_time ? Json(FormatMicros(r.last_us)) : Json(nullptr);
  j["hours"] =
      r.has_time ? Round(static_cast<double>(r.last_us - r.first_us) / 3.6e9) : Json(nullptr);
  return j;
}

Json TotalsJson(const Report& r) {
  const Estimates& e = r.estimated;
  return Json{
      {"before",
       {{"events", r.before.events}, {"requests", r.requests}, {"bytes", r.before.bytes}}},
      {"after",
       {{"events", r.after.events}, {"requests", r.requests_kept}, {"bytes", r.after.bytes}}},
      {"estimated",
       {{"addedBytes", e.total_bytes()},
        {"bodyEvents", e.body_events},
        {"bodyBytes", e.body_bytes},
        {"bodyEventsWithoutBasis", e.body_events_without_basis},
        {"addedRequestReceivedEvents", e.received_events},
        {"addedRequestReceivedBytes", e.received_bytes}}},
      {"requestsWithoutFinalStage", r.requests_never_finished},
      {"omittedStageEvents", r.omitted_stage_events}};
}

Json LevelsJson(const Report& r) {
  Json a = Json::array();
  for (std::size_t from = 0; from < 4; ++from) {
    for (std::size_t to = 0; to < 4; ++to) {
      uint64_t n = r.transitions[from][to];
      if (n == 0) continue;
      a.push_back(Json{{"recorded", policy::kLevelNames[from]},
                       {"candidate", policy::kLevelNames[to]},
                       {"events", n}});
    }
  }
  return a;
}

Json RulesJson(const Report& r) {
  Json a = Json::array();
  for (const RuleRow& row : r.rules) {
    a.push_back(Json{{"index", row.index},
                     {"level", row.level},
                     {"summary", row.summary},
                     {"requests", row.requests},
                     {"requestsKept", row.requests_kept},
                     {"events", row.events},
                     {"bytesBefore", row.bytes_before},
                     {"after", VolumeJson(row.after)},
                     {"estimatedAddedBytes", row.estimated_added_bytes}});
  }
  return a;
}

Json KindsJson(const std::vector<KindRow>& rows) {
  Json a = Json::array();
  for (const KindRow& k : rows) {
    Json j{{"resource", k.resource}, {"verb", k.verb}, {"category", k.category}};
    j.update(BeforeAfterJson(k.volume));
    j["bodiesDropped"] = k.bodies_dropped;
    a.push_back(std::move(j));
  }
  return a;
}

Json EstimatesJson(const Report& r) {
  Json a = Json::array();
  for (const EstimateRow& e : r.estimated.rows) {
    a.push_back(Json{{"resource", e.resource},
                     {"verb", e.verb},
                     {"stage", e.stage},
                     {"events", e.events},
                     {"bytes", e.bytes},
                     {"basis", e.has_basis}});
  }
  return a;
}

Json RateJson(const Rate& rate) {
  if (!rate.known) return Json{{"bytesPerHour", nullptr}, {"retentionHours", nullptr}};
  return Json{{"bytesPerHour", Round(rate.bytes_per_hour)},
              {"retentionHours", Round(rate.retention_hours)}};
}

Json BudgetJson(const DiskBudget& b) {
  Json j{{"bytes", b.bytes}, {"before", RateJson(b.before)}, {"after", RateJson(b.after)}};
  j["maxSizeMB"] = b.max_size_mb > 0 ? Json(b.max_size_mb) : Json(nullptr);
  j["maxBackups"] = b.max_size_mb > 0 ? Json(b.max_backups) : Json(nullptr);
  j["rotationRetentionHours"] =
      b.max_size_mb > 0 && b.after.known ? Round(b.rotation_retention_hours) : Json(nullptr);
  if (!b.note.empty()) j["note"] = b.note;
  return j;
}

Json ExplainJson(const Report& r) {
  Json rows = Json::array();
  for (const ExplainLine& l : r.explain_lines) {
    Json j{{"rule", l.rule},
           {"ruleLevel", l.rule_level},
           {"ruleSummary", l.rule_summary},
           {"verb", l.verb},
           {"resource", l.resource},
           {"recordedLevel", l.recorded_level},
           {"candidateLevel", l.candidate_level}};
    j.update(BeforeAfterJson(l.volume));
    rows.push_back(std::move(j));
  }
  return Json{{"subject", r.explain_subject}, {"rows", rows}};
}

}  // namespace

void WriteJson(const Report& r, std::ostream& out) {
  Json j{{"apiVersion", "kaudit.io/v1alpha1"}, {"kind", "SimulationReport"}};
  j["policy"] = Json{{"source", r.policy_source}, {"rules", r.rule_count}};
  j["input"] = InputJson(r);
  j["totals"] = TotalsJson(r);
  j["levels"] = LevelsJson(r);
  Json days = Json::array();
  for (const auto& [day, v] : r.days) {
    Json d{{"date", day}};
    d.update(BeforeAfterJson(v));
    days.push_back(std::move(d));
  }
  j["days"] = days;
  j["top"] = Json{{"users", NamedList(r.top_users)},
                  {"resources", NamedList(r.top_resources)},
                  {"namespaces", NamedList(r.top_namespaces)},
                  {"verbs", NamedList(r.top_verbs)}};
  j["rules"] = RulesJson(r);
  j["noLongerLogged"] = KindsJson(r.lost);
  j["securityLoggedLess"] = KindsJson(r.reduced);
  j["estimates"] = EstimatesJson(r);
  if (r.budget) j["diskBudget"] = BudgetJson(*r.budget);
  if (r.explain) j["explain"] = ExplainJson(r);
  // Invalid UTF-8 in a log (user names are not validated upstream) must not abort the report.
  out << j.dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
}

}  // namespace kaudit::simulate
