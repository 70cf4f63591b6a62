// kaudit eval POLICY EVENTS [--explain]: the level (and omitted stages) kube-apiserver would give
// each audit event under POLICY. See docs/eval.md.
//
// Output: exactly one stdout line per non-blank input line, in input order:
//   LEVEL[ STAGE...][ rule=N|rule=none]
// A line that is not a valid event prints `error` there (so line N of the output still belongs
// to the N-th event) and a message naming the line on stderr; evaluation carries on, so one run
// shows every bad line, and the exit code is 1 at the end. Memory stays constant: events are
// streamed line by line.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>

#include "auditlog/event.h"
#include "auditlog/line_reader.h"
#include "cli/commands.h"
#include "common/file.h"
#include "policy/eval.h"
#include "policy/loader.h"

namespace kaudit::cli {
namespace {

struct EvalOptions {
  std::string policy;
  std::string events;
  bool explain = false;
};

// Past this many, bad lines are only counted: a wrong file (say, a gzip) must not flood stderr.
constexpr std::size_t kMaxReportedErrors = 20;
constexpr std::size_t kFlushBytes = 1 << 16;

void AppendDecision(const policy::Decision& d, bool explain, std::string* out) {
  out->append(policy::LevelName(d.level));
  for (std::size_t i = 0; i < policy::kStageNames.size(); ++i) {
    if (d.Omits(static_cast<policy::Stage>(i))) {
      out->push_back(' ');
      out->append(policy::kStageNames[i]);
    }
  }
  if (explain) {
    out->append(d.rule_index < 0 ? " rule=none" : " rule=" + std::to_string(d.rule_index));
  }
  out->push_back('\n');
}

bool Flush(std::string* out) {
  if (!out->empty() && std::fwrite(out->data(), 1, out->size(), stdout) != out->size()) {
    return false;
  }
  out->clear();
  return true;
}

// Loads and compiles POLICY as kube-apiserver would; null (after printing why) when it would not
// start with it.
std::unique_ptr<policy::CompiledPolicy> LoadCompiled(const std::string& path) {
  StatusOr<std::string> data = ReadFileLimited(path);
  if (!data.ok()) {
    std::cerr << "kaudit eval: " << path << ": " << data.status().message() << "\n";
    return nullptr;
  }
  policy::LoadResult loaded = policy::LoadPolicy(*data);
  for (const std::string& w : loaded.warnings) std::cerr << path << ": warning: " << w << "\n";
  if (!loaded.ok) {
    for (const std::string& e : loaded.errors) std::cerr << path << ": " << e << "\n";
    std::cerr << "kaudit eval: " << path << ": kube-apiserver would not load this policy\n";
    return nullptr;
  }
  StatusOr<policy::CompiledPolicy> compiled = policy::CompiledPolicy::Compile(loaded.policy);
  if (!compiled.ok()) {
    std::cerr << "kaudit eval: " << path << ": " << compiled.status().message() << "\n";
    return nullptr;
  }
  return std::make_unique<policy::CompiledPolicy>(std::move(*compiled));
}

struct StreamResult {
  bool read_ok = true;
  std::size_t events = 0;
  std::size_t bad = 0;
};

void ReportBadLine(const std::string& name, std::size_t line, const std::string& why,
                   StreamResult* result) {
  if (++result->bad <= kMaxReportedErrors) {
    std::cerr << name << ":" << line << ": " << why << "\n";
  }
}

std::string LineError(const auditlog::Line& line, const Status& parsed) {
  if (line.too_long) {
    return "line longer than " + std::to_string(auditlog::LineReader::kDefaultMaxLineBytes >> 20) +
           " MiB; skipped";
  }
  if (!parsed.ok()) return parsed.message();
  return "legacy-format line (--audit-log-format=legacy has no objectRef, so it cannot be "
         "evaluated; use --audit-log-format=json)";
}

StreamResult EvalStream(int fd, const std::string& name, const policy::CompiledPolicy& compiled,
                        bool explain) {
  auditlog::FdSource source(fd);
  auditlog::LineReader reader(&source);
  auditlog::EventParser parser({.measure_bodies = false});  // eval needs no byte counts
  auditlog::ParsedEvent ev;
  auditlog::Line line;
  StreamResult result;
  std::string out;
  out.reserve(kFlushBytes + 256);
  while (reader.Next(&line)) {
    if (!line.too_long && auditlog::IsBlankLine(line.text)) continue;
    ++result.events;
    Status parsed = line.too_long ? Status::Ok() : parser.ParsePadded(line.text, &ev);
    if (line.too_long || !parsed.ok() || ev.is_legacy_format) {
      ReportBadLine(name, line.number, LineError(line, parsed), &result);
      out.append("error\n");
    } else {
      AppendDecision(compiled.Evaluate(ev.attrs), explain, &out);
    }
    if (out.size() >= kFlushBytes && !Flush(&out)) break;
  }
  if (!reader.status().ok()) {
    std::cerr << "kaudit eval: " << name << ": " << reader.status().message() << "\n";
    result.read_ok = false;
  }
  if (!Flush(&out) || std::fflush(stdout) != 0) {
    std::cerr << "kaudit eval: writing the output: " << std::strerror(errno) << "\n";
    result.read_ok = false;
  }
  return result;
}

int RunEval(const EvalOptions& opts) {
  if (opts.policy == "-" && opts.events == "-") {
    std::cerr << "kaudit eval: POLICY and EVENTS cannot both be standard input\n";
    return kExitUsage;
  }
  std::unique_ptr<policy::CompiledPolicy> compiled = LoadCompiled(opts.policy);
  if (!compiled) return kExitInvalid;
  int fd = 0;
  if (opts.events != "-") {
    fd = ::open(opts.events.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      std::cerr << "kaudit eval: " << opts.events << ": " << std::strerror(errno) << "\n";
      return kExitInvalid;
    }
  }
  const std::string name = opts.events == "-" ? "<stdin>" : opts.events;
  StreamResult r = EvalStream(fd, name, *compiled, opts.explain);
  if (fd != 0) ::close(fd);
  if (r.bad > kMaxReportedErrors) {
    std::cerr << name << ": " << (r.bad - kMaxReportedErrors) << " more bad lines not shown\n";
  }
  if (r.bad > 0) {
    std::cerr << "kaudit eval: " << r.bad << " of " << r.events
              << " lines are not valid audit events (printed as `error`)\n";
  }
  return r.read_ok && r.bad == 0 ? kExitOk : kExitInvalid;
}

}  // namespace

void RegisterEval(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<EvalOptions>();
  CLI::App* cmd = app.add_subcommand(
      "eval",
      "Print the audit level (and omitted stages) kube-apiserver would give each event.\n"
      "One output line per non-blank event line: LEVEL[ STAGE...], stages in the order\n"
      "RequestReceived ResponseStarted ResponseComplete Panic. A line that is not a valid\n"
      "event prints `error` (reason on stderr) and the exit code is 1.");
  cmd->add_option("POLICY", opts->policy, "audit.k8s.io/v1 Policy file (YAML or JSON); - for stdin")
      ->required();
  cmd->add_option("EVENTS", opts->events,
                  "audit.k8s.io/v1 Event JSON lines, e.g. an audit log; - for stdin")
      ->required();
  cmd->add_flag("--explain", opts->explain,
                "append ` rule=N` (0-based index of the matching rule) or ` rule=none`");
  cmd->callback([opts, &ctx] { ctx.exit_code = RunEval(*opts); });
}

}  // namespace kaudit::cli
