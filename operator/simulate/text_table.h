// Column-aligned text tables and human-readable numbers for the table and markdown reports.
// Thread safety: plain data and pure functions.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace kaudit::simulate {

class TextTable {
 public:
  // A header starting with '>' is right-aligned (numbers); the '>' is not printed.
  explicit TextTable(std::vector<std::string> headers);
  void AddRow(std::vector<std::string> cells);
  bool empty() const { return rows_.empty(); }
  // Plain: two-space indent, aligned columns. Markdown: a GitHub table.
  void Write(std::ostream& out, bool markdown) const;

 private:
  std::vector<std::string> headers_;
  std::vector<bool> right_;
  std::vector<std::vector<std::string>> rows_;
};

// "1,234,567".
std::string Count(uint64_t n);
// "512 B", "1.5 KiB", "23.4 MiB", "1.20 GiB".
std::string Bytes(uint64_t n);
// "-66.7%", "+12.0%", "0%", or "new" when before is 0 and after is not.
std::string Change(uint64_t before, uint64_t after);
// "12.5 h", "3.2 d" above 48 hours, "unlimited" for infinity.
std::string Hours(double h);

}  // namespace kaudit::simulate
