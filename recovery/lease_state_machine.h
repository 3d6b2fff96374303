#pragma once
// The role state machine of the leadership lease (docs/cluster.md), with no
// thread and no clock of its own: LeaseKeeper feeds it the time (steady
// clock) and the store's answers, and carries out the actions tick()
// returns. Unit tests drive it with a fake clock and fake answers.
//
//   standby --acquired--> active --renewal overdue / refused--> demoted --one hold-off--> standby
//   active --forced standby / stop--> standby (releasing the lease)
//
// Rules:
//   - standby: try to acquire every renew interval (sooner when the holder's
//     lease runs out before that); never while forced to standby.
//   - active: renew every renew interval, one request at a time. The LOCAL
//     deadline is the steady-clock instant the last successful renewal (or
//     the acquisition) was SENT + TTL - margin; the database's expiry is at
//     least TTL after that send, so the node stops acting before the database
//     lets anyone else in. Past the deadline the node demotes itself even if
//     the renewal is still hanging; a renewal answered after the deadline
//     does not count. A renewal the database refuses demotes at once.
//   - a demotion emits `demote` BEFORE releasing (the node stops acting,
//     then the lease ends) and abandons a renewal in flight. Demoted, the
//     node does not try to acquire for the hold-off (default one TTL), which
//     gives the other node the first chance; later it may only acquire
//     through the normal path, with a new epoch.
//   - stop(): an active node demotes ("stopping") and releases; the machine
//     is finished when the release (or an acquisition in flight) is answered,
//     or after one TTL at the latest.
//
// Threads: none; not thread-safe (LeaseKeeper guards it with its mutex).
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "store/lease_store.h"

namespace sipedge {

enum class LeaseRole { standby, active, demoted };

const char* to_string(LeaseRole role);

struct LeaseTiming {
  std::chrono::milliseconds renew_interval{200};  // cluster-lease-renew
  std::chrono::milliseconds ttl{1000};            // cluster-lease-ttl
  std::chrono::milliseconds margin{100};          // local deadline = last good renewal sent + ttl - margin
  std::chrono::milliseconds holdoff{1000};        // demoted: no acquisition attempt for this long
};

// renew and ttl as configured; margin ttl / 10 (at least 1 ms), hold-off one TTL.
LeaseTiming make_lease_timing(std::chrono::milliseconds renew_interval, std::chrono::milliseconds ttl);
// Throws std::invalid_argument when the timing cannot work (a renewal could
// never be due before the local deadline).
void validate(const LeaseTiming& timing);

// What `cluster status` shows about this node's lease.
struct LeaseKeeperStatus {
  LeaseRole role = LeaseRole::standby;
  std::int64_t epoch = 0;             // our epoch while active, else 0
  std::string lease_holder;           // last known holder of the lease ("" unknown or none)
  std::int64_t lease_epoch = 0;       // last known epoch of the lease
  std::int64_t lease_expires_in_ms = -1;  // estimate (active: lower bound); -1 unknown
  std::int64_t deadline_in_ms = -1;   // active: time left before self-demotion; else -1
  bool forced_standby = false;
  std::string last_demotion;          // reason of the last demotion ("" none)
  std::string last_error;             // last failed database operation ("" after a success)
  std::uint64_t promotions = 0;
  std::uint64_t demotions = 0;
  std::uint64_t renewals = 0;         // successful renewals since start
};

struct LeaseAction {
  enum class Kind { acquire, renew, release, promote, demote };
  Kind kind = Kind::acquire;
  std::uint64_t op = 0;    // acquire/renew/release: pass back with the answer
  std::int64_t epoch = 0;  // renew/release: whose lease; promote: the new epoch
  std::string text;        // promote: previous holder ("" none); demote: the reason
};

class LeaseStateMachine {
 public:
  using Clock = std::chrono::steady_clock;
  using TimePoint = Clock::time_point;

  LeaseStateMachine(LeaseTiming timing, TimePoint now);

  // Actions due at `now`, in the order to carry them out.
  std::vector<LeaseAction> tick(TimePoint now);
  // When tick() has something to do next (TimePoint::min(): at once;
  // TimePoint::max(): only after an answer or a call below).
  TimePoint next_wakeup() const;

  // Answers to acquire/renew/release actions (received at `now`). Answers to
  // abandoned operations are ignored (an acquisition granted to an
  // abandoned one is released).
  void acquired(std::uint64_t op, TimePoint now, const LeaseAcquireOutcome& outcome);
  void renewed(std::uint64_t op, TimePoint now, const LeaseRenewOutcome& outcome);
  void released(std::uint64_t op, TimePoint now, bool released);
  void failed(std::uint64_t op, TimePoint now, const std::string& error);

  void set_forced_standby(bool forced, TimePoint now);
  void stop(TimePoint now);
  bool finished() const { return finished_; }

  LeaseKeeperStatus status(TimePoint now) const;
  const LeaseTiming& timing() const { return timing_; }

 private:
  struct Op {
    std::uint64_t id = 0;
    LeaseAction::Kind kind = LeaseAction::Kind::acquire;
    TimePoint sent{};
    std::int64_t epoch = 0;
  };

  bool is_current(std::uint64_t op) const { return op_ && op_->id == op; }
  LeaseAction start_op(LeaseAction::Kind kind, std::int64_t epoch, TimePoint now);
  void demote(TimePoint now, std::string reason, bool release, LeaseRole to);

  LeaseTiming timing_;
  LeaseRole role_ = LeaseRole::standby;
  std::int64_t epoch_ = 0;          // while active
  TimePoint deadline_{};            // active: local deadline
  TimePoint last_good_sent_{};      // active: sent time of the last good renewal/acquisition
  TimePoint next_attempt_{};        // next acquisition (standby) or renewal (active)
  TimePoint holdoff_until_{};       // demoted
  std::optional<Op> op_;            // the one operation whose answer we wait for
  std::optional<std::int64_t> release_epoch_;  // a release still to send
  std::deque<LeaseAction> events_;  // promote/demote for the next tick()
  std::uint64_t next_op_ = 1;
  bool forced_ = false;
  bool stopping_ = false;
  bool finished_ = false;
  TimePoint stop_deadline_{};

  // What we know of the lease, for status().
  std::string lease_holder_;
  std::int64_t lease_epoch_ = 0;
  std::optional<TimePoint> lease_expiry_;
  std::string last_demotion_;
  std::string last_error_;
  std::uint64_t promotions_ = 0;
  std::uint64_t demotions_ = 0;
  std::uint64_t renewals_ = 0;
};

}  // namespace sipedge
