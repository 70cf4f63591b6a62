// The table and markdown renderings of a Report (format.h): the same sections in the same
// order, so a reviewer reading the pull request sees what the author saw in the terminal.
#include <cmath>
#include <cstdio>

#include "simulate/format.h"
#include "simulate/text_table.h"
#include "simulate/timestamp.h"

namespace kaudit::simulate {
namespace {

// Rows shown in the longer lists (every row is in the json report).
constexpr std::size_t kMaxListRows = 20;

class TextWriter {
 public:
  TextWriter(const Report& r, bool md, std::ostream& out) : r_(r), md_(md), out_(out) {}
  void Write();

 private:
  void Heading(const std::string& title);
  void Table(const TextTable& t) {
    t.Write(out_, md_);
    out_ << '\n';
  }
  void Note(const std::string& text) { out_ << (md_ ? "" : "  ") << text << (md_ ? "\n\n" : "\n"); }
  void Summary();
  void InputProblems();
  void Totals();
  void EstimatedNotes();
  void Days();
  void Top(const std::string& title, const std::vector<NamedVolume>& rows,
           const std::string& empty_name);
  void Rules();
  void Lost();
  void Reduced();
  void EstimateRows();
  void Budget();
  void Explain();
  std::string Name(const std::string& s, const std::string& empty_name) const {
    std::string n = s.empty() ? empty_name : s;
    return md_ ? "`" + n + "`" : n;
  }

  const Report& r_;
  bool md_;
  std::ostream& out_;
};

void TextWriter::Heading(const std::string& title) {
  out_ << (md_ ? "### " : "== ") << title << (md_ ? "\n\n" : "\n");
}

void TextWriter::Summary() {
  std::string head = "Audit volume under " +
                     (md_ ? "`" + r_.policy_source + "`" : r_.policy_source) + " (" +
                     std::to_string(r_.rule_count) + " rules)";
  out_ << (md_ ? "## " : "") << head << "\n\n";
  std::string range =
      r_.has_time ? FormatMicros(r_.first_us) + " to " + FormatMicros(r_.last_us) : "no timestamps";
  Note("Log: " + std::to_string(r_.files.size()) + " file(s), " + Count(r_.lines) + " lines, " +
       Count(r_.before.events) + " events, " + range + ".");
  InputProblems();
}

void TextWriter::InputProblems() {
  std::string skipped;
  auto add = [&](uint64_t n, const std::string& what) {
    if (n == 0) return;
    skipped += (skipped.empty() ? "" : ", ") + Count(n) + " " + what;
  };
  add(r_.corrupt_lines, "corrupt");
  add(r_.truncated_lines, "cut off at the end of a file");
  add(r_.legacy_lines, "in the legacy format (unsupported: it records no level or objectRef)");
  add(r_.oversized_lines, "longer than the line limit");
  if (!skipped.empty()) Note("Skipped lines: " + skipped + ".");
  for (const CorruptSample& s : r_.corrupt_samples) {
    std::string file = static_cast<std::size_t>(s.file_index) < r_.files.size()
                           ? r_.files[static_cast<std::size_t>(s.file_index)].path
                           : "?";
    Note("  " + file + ":" + std::to_string(s.line) + ": " + s.reason);
  }
  for (const FileSummary& f : r_.files) {
    if (!f.warning.empty()) Note("Warning: " + f.path + ": " + f.warning + ".");
  }
  if (r_.unknown_level_events > 0) {
    Note("Note: " + Count(r_.unknown_level_events) +
         " events carry no known level; they were read as Metadata.");
  }
}

void TextWriter::Totals() {
  Heading("Totals");
  TextTable t({"", ">before", ">after (measured)", ">change"});
  t.AddRow({"events", Count(r_.before.events), Count(r_.after.events),
            Change(r_.before.events, r_.after.events)});
  t.AddRow({"requests", Count(r_.requests), Count(r_.requests_kept),
            Change(r_.requests, r_.requests_kept)});
  t.AddRow({"bytes", Bytes(r_.before.bytes), Bytes(r_.after.bytes),
            Change(r_.before.bytes, r_.after.bytes)});
  Table(t);
  EstimatedNotes();
}

void TextWriter::EstimatedNotes() {
  const Estimates& e = r_.estimated;
  if (e.body_events == 0 && e.received_events == 0) return;
  Note("Estimated, not measured (the log cannot show these; not included above):");
  if (e.body_events > 0) {
    std::string basis = e.body_events_without_basis == 0
                            ? ""
                            : " (" + Count(e.body_events_without_basis) +
                                  " of them with no recorded example, counted as 0)";
    Note("+ ~" + Bytes(e.body_bytes) + " of request/response bodies for " + Count(e.body_events) +
         " events the candidate logs at a higher level than recorded" + basis + ".");
  }
  if (e.received_events > 0) {
    Note("+ ~" + Bytes(e.received_bytes) + " for " + Count(e.received_events) +
         " RequestReceived events the candidate logs but the log does not hold (upper bound).");
  }
  Note("= ~" + Bytes(r_.after.bytes + e.total_bytes()) + " in all under the candidate (" +
       Change(r_.before.bytes, r_.after.bytes + e.total_bytes()) + ").");
  if (!md_) out_ << '\n';
}

void TextWriter::Days() {
  if (r_.days.empty()) return;
  Heading("Per day (UTC, by stageTimestamp)");
  TextTable t(
      {"date", ">events before", ">bytes before", ">events after", ">bytes after", ">change"});
  for (const auto& [day, v] : r_.days) {
    t.AddRow({day, Count(v.before.events), Bytes(v.before.bytes), Count(v.after.events),
              Bytes(v.after.bytes), Change(v.before.bytes, v.after.bytes)});
  }
  Table(t);
}

void TextWriter::Top(const std::string& title, const std::vector<NamedVolume>& rows,
                     const std::string& empty_name) {
  if (rows.empty()) return;
  Heading(title);
  TextTable t(
      {">events before", ">bytes before", ">events after", ">bytes after", ">change", "name"});
  for (const NamedVolume& n : rows) {
    const BeforeAfter& v = n.volume;
    t.AddRow({Count(v.before.events), Bytes(v.before.bytes), Count(v.after.events),
              Bytes(v.after.bytes), Change(v.before.bytes, v.after.bytes),
              Name(n.name, empty_name)});
  }
  Table(t);
}

void TextWriter::Rules() {
  Heading("Rules of the candidate policy (first match wins)");
  TextTable t(
      {">#", ">requests", ">events", ">bytes before", ">bytes after", ">est. added", "rule"});
  for (const RuleRow& row : r_.rules) {
    if (row.index < 0 && row.events == 0) continue;
    t.AddRow({row.index < 0 ? "-" : std::to_string(row.index + 1), Count(row.requests),
              Count(row.events), Bytes(row.bytes_before), Bytes(row.after.bytes),
              row.estimated_added_bytes == 0 ? "" : "~" + Bytes(row.estimated_added_bytes),
              md_ ? "`" + row.summary + "`" : row.summary});
  }
  Table(t);
  std::size_t unused = 0;
  for (const RuleRow& row : r_.rules) unused += row.index >= 0 && row.events == 0;
  if (unused > 0) {
    Note(std::to_string(unused) + " rule(s) matched no event of this log.");
    if (!md_) out_ << '\n';
  }
}

void TextWriter::Lost() {
  if (r_.lost.empty()) return;
  Heading("No longer logged (security-relevant first)");
  TextTable t({"category", ">events before", ">bytes before", "verb", "resource"});
  std::size_t shown = 0;
  for (const KindRow& k : r_.lost) {
    // Every security-relevant row is shown; the rest up to the list limit.
    if (k.category.empty() && shown >= kMaxListRows) break;
    t.AddRow({k.category.empty() ? "" : (md_ ? "**" + k.category + "**" : k.category),
              Count(k.volume.before.events), Bytes(k.volume.before.bytes), k.verb,
              Name(k.resource, "")});
    ++shown;
  }
  Table(t);
  if (shown < r_.lost.size()) {
    Note("... and " + Count(r_.lost.size() - shown) + " more kinds (all in --format json).");
  }
}

void TextWriter::Reduced() {
  if (r_.reduced.empty()) return;
  Heading("Security-relevant requests logged less");
  TextTable t(
      {"category", ">events before", ">events after", ">bodies dropped", "verb", "resource"});
  for (const KindRow& k : r_.reduced) {
    t.AddRow({k.category, Count(k.volume.before.events), Count(k.volume.after.events),
              Count(k.bodies_dropped), k.verb, Name(k.resource, "")});
  }
  Table(t);
}

void TextWriter::EstimateRows() {
  bool any = false;
  for (const EstimateRow& e : r_.estimated.rows) any = any || !e.has_basis || e.bytes > 0;
  if (!any) return;
  Heading("Estimated bodies by kind (not in the log)");
  TextTable t({">events", ">est. bytes", "stage", "verb", "resource"});
  std::size_t shown = 0;
  for (const EstimateRow& e : r_.estimated.rows) {
    if (e.has_basis && e.bytes == 0) continue;  // known to add nothing (json lists them)
    if (shown++ >= kMaxListRows) break;
    t.AddRow({Count(e.events), e.has_basis ? "~" + Bytes(e.bytes) : "no example", e.stage, e.verb,
              Name(e.resource, "")});
  }
  Table(t);
}

void TextWriter::Budget() {
  if (!r_.budget) return;
  const DiskBudget& b = *r_.budget;
  Heading("Disk budget " + Bytes(b.bytes));
  if (!b.note.empty()) Note("Note: " + b.note + ".");
  if (b.before.known) {
    TextTable t({"", ">per hour", ">per day", ">retention"});
    auto row = [&](const std::string& name, const Rate& rate) {
      t.AddRow({name, Bytes(static_cast<uint64_t>(rate.bytes_per_hour)),
                Bytes(static_cast<uint64_t>(rate.bytes_per_hour * 24)),
                Hours(rate.retention_hours)});
    };
    row("recorded", b.before);
    row("candidate (measured + estimated)", b.after);
    Table(t);
  }
  if (b.max_size_mb > 0) {
    std::string keeps = b.after.known ? ", which keeps at least " +
                                            Hours(b.rotation_retention_hours) + " of history"
                                      : "";
    Note("Fits with maxSizeMB: " + std::to_string(b.max_size_mb) + ", maxBackups: " +
         std::to_string(b.max_backups) + " (--audit-log-maxsize=" + std::to_string(b.max_size_mb) +
         " --audit-log-maxbackup=" + std::to_string(b.max_backups) + ", uncompressed)" + keeps +
         ".");
    if (!md_) out_ << '\n';
  }
}

void TextWriter::Explain() {
  if (!r_.explain) return;
  Heading("Why " + r_.explain_subject + " gets its levels");
  if (r_.explain_lines.empty()) {
    Note("No event of this log matches.");
    return;
  }
  TextTable t({">#", "rule level", ">events", "recorded", "candidate", "verb", "resource"});
  for (const ExplainLine& l : r_.explain_lines) {
    t.AddRow({l.rule < 0 ? "-" : std::to_string(l.rule + 1), l.rule_level,
              Count(l.volume.before.events), l.recorded_level, l.candidate_level, l.verb,
              Name(l.resource, "")});
  }
  Table(t);
  Heading("Rules involved");
  int last_rule = -2;
  for (const ExplainLine& l : r_.explain_lines) {
    if (l.rule == last_rule) continue;
    last_rule = l.rule;
    std::string n = l.rule < 0 ? "-" : std::to_string(l.rule + 1);
    Note((md_ ? "- " : "") + n + ". " + (md_ ? "`" + l.rule_summary + "`" : l.rule_summary));
  }
  if (md_) out_ << '\n';
}

void TextWriter::Write() {
  Summary();
  if (!md_) out_ << '\n';
  Totals();
  Days();
  Top("Top users by bytes", r_.top_users, "(no user)");
  Top("Top resources by bytes", r_.top_resources, "(none)");
  Top("Top namespaces by bytes", r_.top_namespaces, "(cluster-scoped)");
  Top("Top verbs by bytes", r_.top_verbs, "(none)");
  Rules();
  Lost();
  Reduced();
  EstimateRows();
  Budget();
  Explain();
}

}  // namespace

void WriteText(const Report& report, bool markdown, std::ostream& out) {
  TextWriter(report, markdown, out).Write();
}

std::optional<Format> ParseFormat(std::string_view name) {
  if (name == "table") return Format::kTable;
  if (name == "json") return Format::kJson;
  if (name == "markdown") return Format::kMarkdown;
  return std::nullopt;
}

void WriteReport(const Report& report, Format format, std::ostream& out) {
  switch (format) {
    case Format::kJson:
      WriteJson(report, out);
      return;
    case Format::kMarkdown:
      WriteText(report, true, out);
      return;
    case Format::kTable:
      WriteText(report, false, out);
      return;
  }
}

}  // namespace kaudit::simulate
