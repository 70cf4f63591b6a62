// Metrics: counters, gauges and histograms with labels, kept in a Registry and encoded in the
// Prometheus text exposition format 0.0.4 (what /metrics serves).
//
// A metric family is created on first use with its help text and type; asking again for the
// same name and labels returns the same object, so call sites may look metrics up each time or
// keep the reference (references stay valid for the Registry's lifetime). Families are encoded
// in name order and series in label order, so the output is stable.
//
// Thread safety: every method of Registry, Counter, Gauge and Histogram is safe from any thread.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace kaudit::observability {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void Inc(double delta = 1);
  double value() const { return value_.load(); }

 private:
  std::atomic<double> value_{0};
};

class Gauge {
 public:
  void Set(double v) { value_.store(v); }
  void Add(double delta);
  double value() const { return value_.load(); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void Observe(double v);
  // Cumulative counts per bound (the last one is +Inf), sum and count.
  struct Snapshot {
    std::vector<double> bounds;
    std::vector<uint64_t> cumulative;
    double sum = 0;
    uint64_t count = 0;
  };
  Snapshot snapshot() const;

 private:
  const std::vector<double> bounds_;
  mutable std::mutex mu_;
  std::vector<uint64_t> counts_;  // guarded by mu_; one per bound plus +Inf
  double sum_ = 0;                // guarded by mu_
  uint64_t count_ = 0;            // guarded by mu_
};

// controller-runtime's reconcile_time_seconds buckets.
std::vector<double> DefaultBuckets();

class Registry {
 public:
  Counter& GetCounter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge& GetGauge(const std::string& name, const std::string& help, const Labels& labels = {});
  Histogram& GetHistogram(const std::string& name, const std::string& help,
                          const Labels& labels = {}, std::vector<double> buckets = DefaultBuckets());
  // Drops every series of a gauge family (e.g. before re-setting per-node gauges).
  void ResetGauges(const std::string& name);
  // Runs before each Encode(), to refresh gauges computed on demand (process metrics).
  void AddCollector(std::function<void(Registry&)> fn);

  std::string Encode();

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Family {
    Type type;
    std::string help;
    std::map<Labels, std::unique_ptr<Counter>> counters;
    std::map<Labels, std::unique_ptr<Gauge>> gauges;
    std::map<Labels, std::unique_ptr<Histogram>> histograms;
  };
  Family& FamilyLocked(const std::string& name, const std::string& help, Type type);

  std::mutex mu_;
  std::map<std::string, Family> families_;                 // guarded by mu_
  std::vector<std::function<void(Registry&)>> collectors_;  // guarded by mu_
};

// process_resident_memory_bytes, process_virtual_memory_bytes, process_cpu_seconds_total,
// process_open_fds, process_start_time_seconds (from /proc/self), as client_golang exports.
void AddProcessCollector(Registry& r);

// Go's strconv.FormatFloat(v, 'g', -1, 64) as Prometheus clients print values (+Inf, NaN).
std::string FormatValue(double v);
// A label value escaped for the text format (\\, \", \n).
std::string EscapeLabelValue(const std::string& v);

}  // namespace kaudit::observability
