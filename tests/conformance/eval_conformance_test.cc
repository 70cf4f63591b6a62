// Policy evaluation against kube-apiserver's own recorded answers (tests/fixtures/conformance/
// eval: every pNN.yaml over events.jsonl, expected levels in pNN.expected), and against kaudit's
// own hand-checked corpus (tests/fixtures/eval, see its README), through exactly the code
// `kaudit eval` uses: LoadPolicy, CompiledPolicy, EventParser.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "auditlog/event.h"
#include "policy/eval.h"
#include "policy/loader.h"

namespace kaudit {
namespace {

namespace fs = std::filesystem;

std::string SourceDir() {
  const char* dir = std::getenv("KAUDIT_SOURCE_DIR");
  return dir != nullptr ? dir : ".";
}

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream ss(text);
  std::string line;
  while (std::getline(ss, line)) lines.push_back(line);
  return lines;
}

// The output line `kaudit eval` prints for a decision.
std::string Format(const policy::Decision& d, bool explain) {
  std::string s(policy::LevelName(d.level));
  for (std::size_t i = 0; i < policy::kStageNames.size(); ++i) {
    if (d.Omits(static_cast<policy::Stage>(i))) s += " " + std::string(policy::kStageNames[i]);
  }
  if (explain) s += d.rule_index < 0 ? " rule=none" : " rule=" + std::to_string(d.rule_index);
  return s;
}

// Evaluates every non-blank line of events under the policy file; "error: ..." for bad lines.
std::vector<std::string> EvaluateFile(const fs::path& policy_file, const fs::path& events,
                                      bool explain) {
  policy::LoadResult loaded = policy::LoadPolicy(ReadAll(policy_file));
  EXPECT_TRUE(loaded.ok) << policy_file << ": "
                         << (loaded.errors.empty() ? "" : loaded.errors.front());
  if (!loaded.ok) return {};
  StatusOr<policy::CompiledPolicy> compiled = policy::CompiledPolicy::Compile(loaded.policy);
  EXPECT_TRUE(compiled.ok()) << compiled.status().ToString();
  if (!compiled.ok()) return {};
  auditlog::EventParser parser;
  auditlog::ParsedEvent ev;
  std::vector<std::string> out;
  for (const std::string& line : SplitLines(ReadAll(events))) {
    if (auditlog::IsBlankLine(line)) continue;
    Status s = parser.Parse(line, &ev);
    if (!s.ok()) {
      out.push_back("error: " + s.message());
    } else {
      out.push_back(Format(compiled->Evaluate(ev.attrs), explain));
    }
  }
  return out;
}

std::vector<fs::path> PolicyFiles(const fs::path& dir, const std::string& prefix) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (name.starts_with(prefix) && entry.path().extension() == ".yaml") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Compares line by line and names the first few differing events.
void ExpectSameLines(const std::vector<std::string>& got, const std::vector<std::string>& want,
                     const fs::path& expected_file) {
  EXPECT_EQ(got.size(), want.size()) << expected_file;
  int shown = 0;
  for (std::size_t i = 0; i < std::min(got.size(), want.size()); ++i) {
    if (got[i] != want[i] && shown++ < 10) {
      ADD_FAILURE() << expected_file.filename() << " event #" << (i + 1) << ": got \"" << got[i]
                    << "\", upstream/hand-checked \"" << want[i] << "\"";
    }
  }
  EXPECT_EQ(shown, 0) << expected_file << ": " << shown << " events differ";
}

TEST(EvalConformance, EveryRecordedPolicyGivesUpstreamsLevels) {
  const fs::path dir = fs::path(SourceDir()) / "tests/fixtures/conformance/eval";
  std::vector<fs::path> policies = PolicyFiles(dir, "p");
  ASSERT_GE(policies.size(), 14U) << "recorded cases missing from " << dir;
  std::size_t events = 0;
  for (const fs::path& p : policies) {
    SCOPED_TRACE(p.filename().string());
    fs::path expected = p;
    expected.replace_extension(".expected");
    std::vector<std::string> want = SplitLines(ReadAll(expected));
    std::vector<std::string> got = EvaluateFile(p, dir / "events.jsonl", false);
    ExpectSameLines(got, want, expected);
    events += got.size();
  }
  EXPECT_EQ(events, policies.size() * 1200U);  // 1200 non-blank events per policy
}

TEST(EvalConformance, KauditCorpusGivesHandCheckedLevelsAndRules) {
  const fs::path dir = fs::path(SourceDir()) / "tests/fixtures/eval";
  std::vector<fs::path> policies = PolicyFiles(dir, "e");
  ASSERT_GE(policies.size(), 1U) << "no cases in " << dir;
  for (const fs::path& p : policies) {
    SCOPED_TRACE(p.filename().string());
    fs::path expected = p;
    expected.replace_extension(".expected");
    std::vector<std::string> want;
    // Lines starting with '#' document the expectations and are not outputs.
    for (const std::string& l : SplitLines(ReadAll(expected))) {
      if (!l.starts_with("#")) want.push_back(l.substr(0, l.find("  #")));
    }
    ExpectSameLines(EvaluateFile(p, dir / "events.jsonl", true), want, expected);
  }
}

}  // namespace
}  // namespace kaudit
