#include "simulate/process.h"

#include <cstring>

#include "simulate/body_scan.h"
#include "simulate/classify.h"
#include "simulate/timestamp.h"

namespace kaudit::simulate {

using policy::Decision;
using policy::Level;
using policy::Stage;

namespace {

constexpr std::size_t kSlot = 1;  // rule index -1 (no match) lives in slot 0

template <typename V>
V& CappedSlot(StringMap<V>& m, std::string_view key) {
  if (m.size() >= kMaxKeys && m.find(key) == m.end()) return Slot(m, kOtherKey);
  return Slot(m, key);
}

void AppendUint(std::string* s, uint64_t v) {
  char buf[24];
  int n = 0;
  do {
    buf[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0) s->push_back(buf[--n]);
}

void AppendRule(std::string* s, int rule) {
  if (rule < 0) {
    s->push_back('-');
    AppendUint(s, static_cast<uint64_t>(-static_cast<int64_t>(rule)));
  } else {
    AppendUint(s, static_cast<uint64_t>(rule));
  }
}

}  // namespace

ChunkProcessor::ChunkProcessor(const policy::CompiledPolicy* policy, const ProcessOptions* options,
                               Stats* stats, RequestTally* tally)
    : policy_(policy),
      options_(options),
      stats_(stats),
      tally_(tally),
      // Bodies are measured here (body_scan.h), much faster than the parser's scalar pass.
      parser_(auditlog::EventParserOptions{.measure_bodies = false}) {}

ChunkResult ChunkProcessor::Process(const Chunk& chunk) {
  ChunkResult out;
  out.seq = chunk.seq;
  out.file_index = chunk.file_index;
  out.last_of_file = chunk.last_of_file;
  out.lines = chunk.oversized_lines;
  stats_->lines += chunk.oversized_lines;
  for (uint64_t i = 0; i < chunk.oversized_lines; ++i) {
    RejectLine("line is longer than the line limit (--max-line-bytes): skipped", i + 1,
               Reject::kOversized, &out);
  }
  ChunkGrouper grouper(tally_, &out.groups);
  grouper_ = &grouper;
  // Lines are edited in place (CutBodies), so the chunk's buffer is used as writable memory.
  std::string_view text(chunk.buffer->data(), chunk.size);
  std::size_t pos = 0;
  while (pos < text.size()) {
    const char* nl =
        static_cast<const char*>(std::memchr(text.data() + pos, '\n', text.size() - pos));
    std::size_t end = nl == nullptr ? text.size() : static_cast<std::size_t>(nl - text.data());
    ++out.lines;
    bool unterminated = nl == nullptr && chunk.unterminated_tail;
    ProcessLine(text.substr(pos, end - pos), out.lines, unterminated, &out);
    pos = end + 1;
  }
  grouper.EndChunk();
  grouper_ = nullptr;
  return out;
}

void ChunkProcessor::RejectLine(std::string_view reason, uint64_t line_no, Reject kind,
                                ChunkResult* out) {
  switch (kind) {
    case Reject::kCorrupt:
      ++stats_->corrupt_lines;
      break;
    case Reject::kTruncated:
      ++stats_->truncated_lines;
      break;
    case Reject::kOversized:
      ++stats_->oversized_lines;
      break;
  }
  if (out->corrupt.size() < kMaxCorruptSamples) {
    out->corrupt.push_back(CorruptSample{out->file_index, line_no, std::string(reason)});
  }
  if (options_->record_decisions) {
    out->decisions.append("error\n");  // as `kaudit eval` prints a line that is not an event
  }
}

void ChunkProcessor::ProcessLine(std::string_view line, uint64_t line_no, bool last_unterminated,
                                 ChunkResult* out) {
  ++stats_->lines;
  if (auditlog::IsBlankLine(line)) {
    ++stats_->blank_lines;
    return;
  }
  const std::string_view parsed = MeasureAndCutBodies(line);
  // Chunk buffers keep kBufferPadding spare bytes after their data, so every line can be
  // parsed in place.
  static_assert(kBufferPadding >= auditlog::EventParser::kPadding);
  Status s = parser_.ParsePadded(parsed, &event_);
  if (!s.ok()) {
    std::string why = s.message();
    if (last_unterminated) why = "the file ends in the middle of this line: " + why;
    RejectLine(why, line_no, last_unterminated ? Reject::kTruncated : Reject::kCorrupt, out);
    return;
  }
  if (event_.is_legacy_format) {
    ++stats_->legacy_lines;
    if (options_->record_decisions) out->decisions.append("error\n");
    return;
  }
  Stage stage;
  std::string why;
  if (!Describe(line, &stage, &why)) {
    RejectLine(why, line_no, Reject::kCorrupt, out);
    return;
  }
  Decision d = policy_->Evaluate(event_.attrs);
  Account(d, stage, out);
  if (options_->record_decisions) RecordDecision(d, out);
}

// Bodies are measured by body_scan.h and then cut out of the line before it is parsed: the
// parser needs none of their content, and building simdjson's tape for them was most of the
// parse time. The price: the inside of a body is checked for balanced brackets and strings,
// not fully validated as JSON (everything else on the line still is).
std::string_view ChunkProcessor::MeasureAndCutBodies(std::string_view line) {
  spans_ = BodySpans{};
  const std::string_view level = PeekLevel(line);
  if (level == "Metadata" || level == "None") return line;  // no bodies at these levels
  static_assert(kBufferPadding >= kBodyScanPadding);
  BodySpans spans = ScanBodies(line);
  if (!spans.balanced) return line;  // let the parser say what is wrong
  spans_ = spans;
  if (spans.request_bytes <= 2 && spans.response_bytes <= 2) return line;
  // The chunk buffer is ours and writable (see Process).
  char* data = const_cast<char*>(line.data());
  return {data, CutBodies(data, line.size(), spans)};
}

bool ChunkProcessor::Describe(std::string_view line, Stage* stage, std::string* why) {
  std::optional<Stage> st = policy::ParseStage(event_.stage);
  if (!st) {
    *why = "stage: \"" + std::string(event_.stage) + "\" is not an audit stage";
    return false;
  }
  *stage = *st;
  RecordedEvent& r = recorded_;
  r = RecordedEvent{};
  r.bytes = line.size() + 1;  // the line as recorded, before its bodies were cut out
  r.level_text = event_.level;
  std::optional<Level> level = policy::ParseLevel(event_.level);
  if (!level || *level == Level::kNone) ++stats_->unknown_level_events;
  r.level = level && *level != Level::kNone ? *level : Level::kMetadata;
  r.is_resource_request = event_.attrs.is_resource_request;
  SetBodyExpectations(event_.verb, *stage, &r);
  // Only events recorded at Request or RequestResponse hold bodies.
  if (r.is_resource_request && r.level >= Level::kRequest) {
    r.request_object_bytes = spans_.request_bytes;
    r.response_object_bytes = spans_.response_bytes;
    r.request_managed_bytes = spans_.request_managed_bytes;
    r.response_managed_bytes = spans_.response_managed_bytes;
  }
  const policy::RequestAttributes& a = event_.attrs;
  ResourceKey(a.is_resource_request, a.api_group, a.resource, a.subresource, a.path,
              &resource_key_);
  kind_key_.assign(resource_key_);
  kind_key_.push_back('\t');
  kind_key_.append(event_.verb);
  return true;
}

void ChunkProcessor::Account(const Decision& d, Stage stage, ChunkResult* out) {
  const SizedEvent s = SizeUnder(recorded_, d, stage);
  stats_->before.Add(recorded_.bytes);
  if (s.kept) stats_->after.Add(s.bytes);
  const Level to = s.kept ? d.level : Level::kNone;
  ++stats_->transitions[static_cast<int>(recorded_.level)][static_cast<int>(to)];
  if (d.level != Level::kNone && !s.kept) ++stats_->omitted_stage_events;
  std::optional<int64_t> micros = ParseMicros(event_.stage_timestamp);
  if (!micros) micros = ParseMicros(event_.request_received_timestamp);
  int64_t day = INT64_MIN;  // no usable timestamp
  if (micros) {
    stats_->NoteTime(*micros);
    day = DayOf(*micros);
    if (*micros > out->groups.max_us) out->groups.max_us = *micros;
  }
  AccountBreakdowns(d, s, day);
  AccountBodies(d, s, stage);
  if (options_->explain_user_set || options_->explain_resource_set) AccountExplain(d, s);
  AccountRequest(d, s, stage, micros.value_or(0));
}

void ChunkProcessor::AccountBreakdowns(const Decision& d, const SizedEvent& s, int64_t day) {
  if (day != cached_day_) {
    cached_day_ = day;
    cached_day_slot_ = &stats_->days[day];
  }
  auto add = [&](BeforeAfter& v) {
    v.before.Add(recorded_.bytes);
    if (s.kept) v.after.Add(s.bytes);
  };
  add(*cached_day_slot_);
  add(CappedSlot(stats_->users, event_.username));
  add(CappedSlot(stats_->namespaces, event_.attrs.namespace_));
  KindStats& kind = CappedSlot(stats_->kinds, kind_key_);
  add(kind.volume);
  if (s.drops_body) ++kind.bodies_dropped;
  RuleStats& rule = stats_->rules[static_cast<std::size_t>(d.rule_index) + kSlot];
  ++rule.events;
  rule.bytes_before += recorded_.bytes;
  if (s.kept) rule.after.Add(s.bytes);
}

void ChunkProcessor::AccountBodies(const Decision& d, const SizedEvent& s, Stage stage) {
  const RecordedEvent& r = recorded_;
  const bool observes = r.is_resource_request && r.level >= Level::kRequest;
  if (!observes && !s.needs_request_body && !s.needs_response_body) return;
  class_key_.assign(kind_key_);
  class_key_.push_back('\t');
  class_key_.append(policy::StageName(stage));
  if (observes) {
    BodyObservation& o = CappedSlot(stats_->observed, class_key_);
    ++o.request_events;
    o.request_bytes +=
        r.request_object_bytes == 0 ? 0 : r.request_object_bytes + kRequestObjectOverhead;
    o.request_managed_bytes +=
        r.request_managed_bytes == 0 ? 0 : r.request_managed_bytes + kManagedFieldsOverhead;
    if (r.level >= Level::kRequestResponse) {
      ++o.response_events;
      o.response_bytes +=
          r.response_object_bytes == 0 ? 0 : r.response_object_bytes + kResponseObjectOverhead;
      o.response_managed_bytes +=
          r.response_managed_bytes == 0 ? 0 : r.response_managed_bytes + kManagedFieldsOverhead;
    }
  }
  if (!s.needs_request_body && !s.needs_response_body) return;
  need_key_.assign(class_key_);
  need_key_.push_back('\t');
  AppendRule(&need_key_, d.rule_index);
  need_key_.push_back('\t');
  need_key_.push_back(d.omit_managed_fields ? '1' : '0');
  BodyNeed& n = CappedSlot(stats_->needs, need_key_);
  if (s.needs_request_body) ++n.request_events;
  if (s.needs_response_body) ++n.response_events;
}

void ChunkProcessor::AccountExplain(const Decision& d, const SizedEvent& s) {
  bool match = (options_->explain_user_set && event_.username == options_->explain_user) ||
               (options_->explain_resource_set && resource_key_ == options_->explain_resource);
  if (!match) return;
  std::string key;
  AppendRule(&key, d.rule_index);
  key.push_back('\t');
  key.append(event_.verb);
  key.push_back('\t');
  key.append(resource_key_);
  key.push_back('\t');
  key.append(policy::LevelName(recorded_.level));
  key.push_back('\t');
  key.append(policy::LevelName(s.kept ? d.level : Level::kNone));
  ExplainRow& row = CappedSlot(stats_->explain, key);
  row.volume.before.Add(recorded_.bytes);
  if (s.kept) row.volume.after.Add(s.bytes);
}

void ChunkProcessor::AccountRequest(const Decision& d, const SizedEvent& s, Stage stage,
                                    int64_t micros) {
  RequestState line;
  line.last_us = micros;
  line.rule = d.rule_index;
  line.received_estimate_bytes =
      static_cast<uint32_t>(std::min<uint64_t>(s.metadata_bytes, UINT32_MAX));
  line.stages = static_cast<uint8_t>(1U << static_cast<int>(stage));
  line.omit = d.omit_stages;
  line.level = static_cast<uint8_t>(d.level);
  if (event_.audit_id.empty()) {
    // Nothing to group by: the line is a request of its own.
    tally_->Finish(line, (line.stages & kFinalStageBits) != 0);
    return;
  }
  line.key = HashAuditId(event_.audit_id.data(), event_.audit_id.size());
  grouper_->Add(line);
}

void ChunkProcessor::RecordDecision(const Decision& d, ChunkResult* out) {
  out->decisions.append(policy::LevelName(d.level));
  for (int i = 0; i < 4; ++i) {
    if (d.Omits(static_cast<Stage>(i))) {
      out->decisions.push_back(' ');
      out->decisions.append(policy::kStageNames[static_cast<std::size_t>(i)]);
    }
  }
  out->decisions.push_back('\n');
}

}  // namespace kaudit::simulate
