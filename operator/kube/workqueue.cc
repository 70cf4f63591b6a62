#include "kube/workqueue.h"

#include <algorithm>
#include <cmath>

namespace kaudit::kube {

WorkQueue::WorkQueue(WorkQueueOptions opts) : opts_(opts), bucket_(opts.qps, opts.burst) {}

void WorkQueue::AddLocked(const std::string& key) {
  if (shutting_down_ || dirty_.count(key)) return;
  dirty_.insert(key);
  if (processing_.count(key)) return;  // Done() queues it again
  queue_.push_back(key);
  cv_.notify_one();
}

void WorkQueue::Add(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  AddLocked(key);
}

void WorkQueue::AddAfter(const std::string& key, std::chrono::milliseconds delay) {
  std::lock_guard<std::mutex> lock(mu_);
  if (shutting_down_) return;
  if (delay.count() <= 0) {
    AddLocked(key);
    return;
  }
  auto at = std::chrono::steady_clock::now() + delay;
  auto it = waiting_.find(key);
  if (it == waiting_.end() || at < it->second) waiting_[key] = at;
  cv_.notify_all();  // a Get() may need to wake earlier
}

std::chrono::milliseconds WorkQueue::When(const std::string& key) {
  int n;
  {
    std::lock_guard<std::mutex> lock(mu_);
    n = failures_[key]++;
  }
  double per_key = static_cast<double>(opts_.base_delay.count()) * std::pow(2.0, n);
  auto item = std::chrono::milliseconds(static_cast<long long>(
      std::min(per_key, static_cast<double>(opts_.max_delay.count()))));
  auto overall = std::chrono::ceil<std::chrono::milliseconds>(bucket_.Reserve());
  return std::max(item, overall);
}

void WorkQueue::AddRateLimited(const std::string& key) { AddAfter(key, When(key)); }

void WorkQueue::Forget(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  failures_.erase(key);
}

int WorkQueue::NumRequeues(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

void WorkQueue::PromoteReadyLocked(std::chrono::steady_clock::time_point now) {
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    if (it->second <= now) {
      AddLocked(it->first);
      it = waiting_.erase(it);
    } else {
      ++it;
    }
  }
}

std::optional<std::string> WorkQueue::Get() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    PromoteReadyLocked(std::chrono::steady_clock::now());
    if (!queue_.empty()) break;
    if (shutting_down_) return std::nullopt;
    if (waiting_.empty()) {
      cv_.wait(lock);
    } else {
      auto next = std::min_element(waiting_.begin(), waiting_.end(), [](const auto& a,
                                                                         const auto& b) {
                    return a.second < b.second;
                  })->second;
      cv_.wait_until(lock, next);
    }
  }
  std::string key = queue_.front();
  queue_.pop_front();
  processing_.insert(key);
  dirty_.erase(key);
  return key;
}

void WorkQueue::Done(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  processing_.erase(key);
  if (dirty_.count(key)) {
    queue_.push_back(key);
    cv_.notify_one();
  }
}

void WorkQueue::ShutDown() {
  std::lock_guard<std::mutex> lock(mu_);
  shutting_down_ = true;
  waiting_.clear();
  cv_.notify_all();
}

bool WorkQueue::shutting_down() const {
  std::lock_guard<std::mutex> lock(mu_);
  return shutting_down_;
}

std::size_t WorkQueue::Len() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

}  // namespace kaudit::kube
