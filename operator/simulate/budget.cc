#include <cctype>
#include <cmath>
#include <cstdlib>

#include "simulate/report.h"

namespace kaudit::simulate {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;
// kube-apiserver's own default for --audit-log-maxsize (lumberjack): a sensible file size.
constexpr int kDefaultMaxSizeMB = 100;
// Aim for at least this many files, so one rotation never discards much history at once.
constexpr int kMinFiles = 11;

struct Unit {
  std::string_view suffix;
  double factor;
};

constexpr Unit kUnits[] = {
    {"KiB", 1024.0}, {"MiB", kMiB}, {"GiB", kMiB * 1024}, {"TiB", kMiB * 1024 * 1024},
    {"Ki", 1024.0},  {"Mi", kMiB},  {"Gi", kMiB * 1024},  {"Ti", kMiB * 1024 * 1024},
    {"KB", 1e3},     {"MB", 1e6},   {"GB", 1e9},          {"TB", 1e12},
    {"K", 1e3},      {"M", 1e6},    {"G", 1e9},           {"T", 1e12},
    {"B", 1.0},
};

Rate RateFor(uint64_t bytes, double hours, uint64_t budget) {
  Rate r;
  if (hours <= 0) return r;
  r.known = true;
  r.bytes_per_hour = static_cast<double>(bytes) / hours;
  r.retention_hours =
      r.bytes_per_hour > 0 ? static_cast<double>(budget) / r.bytes_per_hour : INFINITY;
  return r;
}

}  // namespace

StatusOr<uint64_t> ParseSize(std::string_view text) {
  std::string_view number = text;
  double factor = 1.0;
  for (const Unit& u : kUnits) {
    if (text.size() > u.suffix.size() && text.ends_with(u.suffix)) {
      number = text.substr(0, text.size() - u.suffix.size());
      factor = u.factor;
      break;
    }
  }
  std::string n(number);
  char* end = nullptr;
  double v = n.empty() || !std::isdigit(static_cast<unsigned char>(n[0]))
                 ? -1
                 : std::strtod(n.c_str(), &end);
  if (v < 0 || end == nullptr || *end != '\0' || !std::isfinite(v)) {
    return Status::InvalidArgument("--disk-budget: \"" + std::string(text) +
                                   "\" is not a size (examples: 50GiB, 500Mi, 2G, 1048576)");
  }
  double bytes = v * factor;
  if (bytes < 1 || bytes > 9.0e18) {
    return Status::InvalidArgument("--disk-budget: \"" + std::string(text) + "\" is out of range");
  }
  return static_cast<uint64_t>(bytes);
}

DiskBudget PlanDiskBudget(uint64_t budget_bytes, double hours, uint64_t bytes_before,
                          uint64_t bytes_after) {
  DiskBudget b;
  b.bytes = budget_bytes;
  const auto budget_mib = static_cast<int64_t>(static_cast<double>(budget_bytes) / kMiB);
  if (budget_mib < 2) {
    b.note =
        "the budget is below 2 MiB: kube-apiserver's log rotation works in whole MiB and "
        "needs the current file plus one backup";
  } else {
    int64_t size =
        std::min<int64_t>(kDefaultMaxSizeMB, std::max<int64_t>(1, budget_mib / kMinFiles));
    b.max_size_mb = static_cast<int>(size);
    b.max_backups = static_cast<int>(std::min<int64_t>(budget_mib / size - 1, 1000000));
  }
  if (hours <= 0) {
    if (b.note.empty()) b.note = "the log spans less than a minute: no rate to project from";
    return b;
  }
  b.before = RateFor(bytes_before, hours, budget_bytes);
  b.after = RateFor(bytes_after, hours, budget_bytes);
  if (b.max_size_mb > 0 && b.after.bytes_per_hour > 0) {
    b.rotation_retention_hours =
        static_cast<double>(b.max_backups) * b.max_size_mb * kMiB / b.after.bytes_per_hour;
  } else if (b.max_size_mb > 0) {
    b.rotation_retention_hours = INFINITY;
  }
  return b;
}

}  // namespace kaudit::simulate
