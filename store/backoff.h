#pragma once
// Reconnect delay schedule for the database worker: exponential backoff with
// jitter, so a restarted PostgreSQL is not hit by every node at the same
// instant. Pure logic, no clock: the caller sleeps.
#include <chrono>
#include <functional>

namespace sipedge {

class Backoff {
 public:
  // Returns a number in [0, 1); injectable so tests are deterministic.
  using UnitRandom = std::function<double()>;

  // Delays grow initial, 2*initial, 4*initial ... capped at max; each one is
  // then scaled by a random factor in [1 - jitter, 1] ("equal jitter" keeps
  // the delay from collapsing to zero).
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, double jitter,
          UnitRandom random = {});

  // The delay to wait before the next attempt; advances the schedule.
  std::chrono::milliseconds next();
  // After a success: the next failure starts again from initial.
  void reset() { attempt_ = 0; }
  int attempts() const { return attempt_; }

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  double jitter_;
  UnitRandom random_;
  int attempt_ = 0;
};

}  // namespace sipedge
