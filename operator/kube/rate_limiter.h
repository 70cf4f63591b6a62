// A token bucket (client-go's flowcontrol.NewTokenBucketRateLimiter): qps tokens per second up
// to burst; Wait() blocks until a token is free.
//
// Thread safety: safe for concurrent use.
#pragma once

#include <chrono>
#include <mutex>

#include "kube/cancel.h"

namespace kaudit::kube {

class TokenBucket {
 public:
  // qps <= 0 disables limiting.
  TokenBucket(double qps, int burst);

  // Takes a token, waiting for it if needed; false when cancelled first.
  bool Wait(Canceller* cancel = nullptr);
  // Takes a token if one is free now.
  bool TryAccept();
  // How long until a token would be free (0 if one is free now); takes it (reserves).
  std::chrono::nanoseconds Reserve();

 private:
  const double qps_;
  const double burst_;
  std::mutex mu_;
  double tokens_;                                 // guarded by mu_
  std::chrono::steady_clock::time_point last_;   // guarded by mu_
};

}  // namespace kaudit::kube
