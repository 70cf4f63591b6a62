#include "simulate/text_table.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace kaudit::simulate {

TextTable::TextTable(std::vector<std::string> headers) {
  for (std::string& h : headers) {
    bool right = !h.empty() && h.front() == '>';
    right_.push_back(right);
    headers_.push_back(right ? h.substr(1) : h);
  }
}

void TextTable::AddRow(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

namespace {

std::string MarkdownCell(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|')
      out += "\\|";
    else if (c == '\n')
      out += ' ';
    else
      out += c;
  }
  return out;
}

}  // namespace

void TextTable::Write(std::ostream& out, bool markdown) const {
  if (markdown) {
    out << '|';
    for (const std::string& h : headers_) out << ' ' << MarkdownCell(h) << " |";
    out << "\n|";
    for (bool r : right_) out << (r ? "---:|" : "---|");
    out << '\n';
    for (const auto& row : rows_) {
      out << '|';
      for (const std::string& c : row) out << ' ' << MarkdownCell(c) << " |";
      out << '\n';
    }
    return;
  }
  std::vector<std::size_t> width(headers_.size());
  for (std::size_t i = 0; i < headers_.size(); ++i) width[i] = headers_[i].size();
  for (const auto& row : rows_) {
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string s = " ";
    for (std::size_t i = 0; i < cells.size(); ++i) {
      std::string pad(width[i] - cells[i].size(), ' ');
      s += ' ';
      // The last column (often a name or a rule) is never padded on the right.
      s += right_[i] ? pad + cells[i] : (i + 1 == cells.size() ? cells[i] : cells[i] + pad);
      if (i + 1 < cells.size()) s += ' ';
    }
    while (!s.empty() && s.back() == ' ') s.pop_back();
    out << s << '\n';
  };
  line(headers_);
  for (const auto& row : rows_) line(row);
}

std::string Count(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string Bytes(uint64_t n) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  if (n < 1024) return std::to_string(n) + " B";
  double v = static_cast<double>(n);
  int unit = 0;
  while (v >= 1024 && unit < 5) {
    v /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf,
                v < 10    ? "%.2f %s"
                : v < 100 ? "%.1f %s"
                          : "%.0f %s",
                v, kUnits[unit]);
  return buf;
}

std::string Change(uint64_t before, uint64_t after) {
  if (before == 0) return after == 0 ? "0%" : "new";
  double pct = (static_cast<double>(after) - static_cast<double>(before)) * 100.0 /
               static_cast<double>(before);
  if (std::fabs(pct) < 0.05) return "0%";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%+.1f%%", pct);
  return buf;
}

std::string Hours(double h) {
  if (std::isinf(h)) return "unlimited";
  char buf[32];
  if (h > 48) {
    std::snprintf(buf, sizeof buf, "%.1f d", h / 24);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f h", h);
  }
  return buf;
}

}  // namespace kaudit::simulate
