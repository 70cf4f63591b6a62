// Cancellation shared between the thread that stops work (shutdown, lost leadership) and the
// threads doing it (a watch blocked on a socket, a backoff wait).
//
// Thread safety: all methods are safe from any thread. Callbacks run on the thread that calls
// Cancel() (or at once, in OnCancel, when already cancelled); they must not block.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>

namespace kaudit::kube {

class Canceller {
 public:
  void Cancel();
  bool cancelled() const;
  // Waits up to d; returns true when cancelled (early), false when the time ran out.
  bool WaitFor(std::chrono::milliseconds d) const;
  // Registers fn to run on cancellation; returns an id for Remove().
  uint64_t OnCancel(std::function<void()> fn);
  void Remove(uint64_t id);

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  bool cancelled_ = false;                              // guarded by mu_
  uint64_t next_id_ = 1;                                // guarded by mu_
  std::map<uint64_t, std::function<void()>> callbacks_;  // guarded by mu_
};

// Registers a callback for the lifetime of a scope.
class CancelRegistration {
 public:
  CancelRegistration(Canceller* c, std::function<void()> fn)
      : c_(c), id_(c ? c->OnCancel(std::move(fn)) : 0) {}
  ~CancelRegistration() {
    if (c_) c_->Remove(id_);
  }
  CancelRegistration(const CancelRegistration&) = delete;
  CancelRegistration& operator=(const CancelRegistration&) = delete;

 private:
  Canceller* c_;
  uint64_t id_;
};

}  // namespace kaudit::kube
