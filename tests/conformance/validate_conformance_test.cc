// Every policy file recorded from kube-apiserver's own loader (tests/fixtures/conformance/
// validate, see its README) must get the same verdict from policy::LoadPolicy, and the same
// message wherever upstream's wording is reproducible.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/file.h"
#include "policy/loader.h"

namespace kaudit {
namespace {

struct Verdict {
  std::string file;
  bool ok;
  std::string message;  // first 200 characters of upstream's message, TSV-escaped
};

std::string Unescape(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      char n = s[++i];
      out.push_back(n == 't' ? '\t' : n == 'n' ? '\n' : n);
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::vector<Verdict> ReadVerdicts(const std::string& dir) {
  std::ifstream in(dir + "/verdicts.tsv");
  std::vector<Verdict> out;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    auto t1 = line.find('\t');
    auto t2 = line.find('\t', t1 + 1);
    out.push_back({line.substr(0, t1), line.substr(t1 + 1, t2 - t1 - 1) == "OK",
                   Unescape(line.substr(t2 + 1))});
  }
  return out;
}

// Upstream's message as kube-apiserver prints it: several errors are aggregated as
// "[a, b]", each file's message ends with ": from file <name>". Ours is one error per line.
std::string UpstreamStyle(const policy::LoadResult& r, const std::string& file) {
  std::string joined;
  for (std::size_t i = 0; i < r.errors.size(); ++i) joined += (i ? ", " : "") + r.errors[i];
  if (r.errors.size() > 1) joined = "[" + joined + "]";
  return joined + ": from file " + file;
}

TEST(ValidateConformance, MatchesRecordedVerdicts) {
  const std::string dir = "tests/fixtures/conformance/validate";
  std::vector<Verdict> verdicts = ReadVerdicts(dir);
  ASSERT_GT(verdicts.size(), 50u) << "run from the source root; verdicts.tsv missing?";
  int checked = 0;
  for (const Verdict& v : verdicts) {
    auto data = ReadFileLimited(dir + "/" + v.file);
    ASSERT_TRUE(data.ok()) << v.file;
    policy::LoadResult r = policy::LoadPolicy(*data);
    EXPECT_EQ(r.ok, v.ok) << v.file << ": upstream says " << v.message << "\nwe say "
                          << UpstreamStyle(r, v.file);
    if (!v.ok && !r.ok) {
      std::string ours = UpstreamStyle(r, v.file).substr(0, 200);
      EXPECT_EQ(ours, v.message.substr(0, 200)) << v.file;
    }
    ++checked;
  }
  EXPECT_EQ(checked, static_cast<int>(verdicts.size()));
}

}  // namespace
}  // namespace kaudit
