#include "simulate/simulator.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

namespace kaudit::simulate {
namespace {

// Chunks waiting for a worker. Unbounded here; the buffer pool bounds how many exist.
class ChunkQueue {
 public:
  void Push(Chunk c) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      chunks_.push_back(std::move(c));
    }
    cv_.notify_one();
  }
  void Close() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      closed_ = true;
    }
    cv_.notify_all();
  }
  // False once closed and drained.
  bool Pop(Chunk* out) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return closed_ || !chunks_.empty(); });
    if (chunks_.empty()) return false;
    *out = std::move(chunks_.front());
    chunks_.pop_front();
    return true;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Chunk> chunks_;
  bool closed_ = false;
};

// Applies chunk results in log order, whichever order workers finish them in.
class OrderedMerge {
 public:
  OrderedMerge(std::size_t rules, std::ostream* decisions)
      : merger_(rules), decisions_(decisions) {}

  void Submit(ChunkResult r) {
    std::lock_guard<std::mutex> lock(mu_);
    uint64_t seq = r.seq;
    pending_.emplace(seq, std::move(r));
    for (auto it = pending_.find(next_); it != pending_.end(); it = pending_.find(next_)) {
      Apply(it->second);
      pending_.erase(it);
      ++next_;
    }
  }

  void Finish() { merger_.Finish(); }
  const RequestTally& tally() const { return merger_.tally(); }
  std::vector<CorruptSample> TakeSamples() { return std::move(samples_); }

 private:
  void Apply(const ChunkResult& r) {
    merger_.Apply(r.groups);
    if (file_lines_.size() <= static_cast<std::size_t>(r.file_index)) {
      file_lines_.resize(static_cast<std::size_t>(r.file_index) + 1);
    }
    uint64_t& lines = file_lines_[static_cast<std::size_t>(r.file_index)];
    for (const CorruptSample& s : r.corrupt) {
      if (samples_.size() >= kMaxCorruptSamples) break;
      samples_.push_back(CorruptSample{s.file_index, lines + s.line, s.reason});
    }
    lines += r.lines;
    if (decisions_ != nullptr && !r.decisions.empty()) {
      decisions_->write(r.decisions.data(), static_cast<std::streamsize>(r.decisions.size()));
    }
  }

  std::mutex mu_;
  std::map<uint64_t, ChunkResult> pending_;
  uint64_t next_ = 0;
  Merger merger_;
  std::vector<uint64_t> file_lines_;
  std::vector<CorruptSample> samples_;
  std::ostream* decisions_;
};

int WorkerCount(int requested) {
  if (requested > 0) return requested;
  return static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
}

}  // namespace

StatusOr<SimulationResult> Simulate(const policy::CompiledPolicy& policy,
                                    const SimulateOptions& options) {
  const std::size_t rules = policy.rule_count();
  const int threads = WorkerCount(options.threads);
  BufferPool pool(static_cast<std::size_t>(threads) * 2 + 2, options.chunk_bytes);
  ChunkReader reader(options.logs, &pool, options.max_line_bytes);
  ChunkQueue queue;
  OrderedMerge merge(rules, options.process.record_decisions ? options.decisions : nullptr);
  std::vector<Stats> stats(static_cast<std::size_t>(threads), Stats(rules));
  std::vector<RequestTally> tallies(static_cast<std::size_t>(threads), RequestTally(rules));

  std::vector<std::thread> workers;
  for (int i = 0; i < threads; ++i) {
    workers.emplace_back([&, i] {
      const auto w = static_cast<std::size_t>(i);
      ChunkProcessor processor(&policy, &options.process, &stats[w], &tallies[w]);
      Chunk c;
      while (queue.Pop(&c)) {
        ChunkResult r = processor.Process(c);
        pool.Release(std::move(c.buffer));
        merge.Submit(std::move(r));
      }
    });
  }
  Status read_status;
  for (;;) {
    StatusOr<Chunk> c = reader.Next();
    if (!c.ok()) {
      read_status = c.status();
      break;
    }
    if (c->buffer == nullptr) break;
    queue.Push(std::move(c.value()));
  }
  queue.Close();
  for (std::thread& t : workers) t.join();
  if (!read_status.ok()) return read_status;

  merge.Finish();
  SimulationResult result(rules);
  result.threads = threads;
  for (std::size_t i = 0; i < stats.size(); ++i) {
    result.stats.Add(stats[i]);
    result.requests.Add(tallies[i]);
  }
  result.requests.Add(merge.tally());
  result.stats.corrupt_samples = merge.TakeSamples();
  result.files = reader.files();
  return result;
}

}  // namespace kaudit::simulate
