#include "recovery/lease_state_machine.h"

#include <algorithm>
#include <stdexcept>

// Single-threaded: every member runs under LeaseKeeper's mutex.

namespace sipedge {

namespace {

using std::chrono::milliseconds;

long long ms_between(LeaseStateMachine::TimePoint from, LeaseStateMachine::TimePoint to) {
  return std::chrono::duration_cast<milliseconds>(to - from).count();
}

}  // namespace

const char* to_string(LeaseRole role) {
  switch (role) {
    case LeaseRole::standby: return "standby";
    case LeaseRole::active: return "active";
    case LeaseRole::demoted: return "demoted";
  }
  return "unknown";
}

LeaseTiming make_lease_timing(milliseconds renew_interval, milliseconds ttl) {
  LeaseTiming t;
  t.renew_interval = renew_interval;
  t.ttl = ttl;
  t.margin = std::max(milliseconds(1), ttl / 10);
  t.holdoff = ttl;
  return t;
}

void validate(const LeaseTiming& t) {
  if (t.renew_interval.count() <= 0) throw std::invalid_argument("cluster lease: the renew interval must be positive");
  if (t.ttl.count() <= 0) throw std::invalid_argument("cluster lease: the TTL must be positive");
  if (t.margin.count() < 0 || t.holdoff.count() < 0) {
    throw std::invalid_argument("cluster lease: margin and hold-off cannot be negative");
  }
  if (t.renew_interval >= t.ttl - t.margin) {
    throw std::invalid_argument("cluster lease: the renew interval (" + std::to_string(t.renew_interval.count()) +
                                " ms) must be shorter than the TTL minus the margin (" +
                                std::to_string((t.ttl - t.margin).count()) + " ms)");
  }
}

LeaseStateMachine::LeaseStateMachine(LeaseTiming timing, TimePoint now) : timing_(timing), next_attempt_(now) {
  validate(timing_);
}

LeaseAction LeaseStateMachine::start_op(LeaseAction::Kind kind, std::int64_t epoch, TimePoint now) {
  Op op;
  op.id = next_op_++;
  op.kind = kind;
  op.sent = now;
  op.epoch = epoch;
  op_ = op;
  LeaseAction action;
  action.kind = kind;
  action.op = op.id;
  action.epoch = epoch;
  return action;
}

void LeaseStateMachine::demote(TimePoint now, std::string reason, bool release, LeaseRole to) {
  LeaseAction event;
  event.kind = LeaseAction::Kind::demote;
  event.epoch = epoch_;
  event.text = reason;
  events_.push_back(std::move(event));
  ++demotions_;
  last_demotion_ = std::move(reason);
  if (release) release_epoch_ = epoch_;
  // A renewal in flight no longer matters: the release queued behind it on
  // the same connection settles the lease whatever it did.
  if (op_ && op_->kind == LeaseAction::Kind::renew) op_.reset();
  role_ = to;
  epoch_ = 0;
  if (to == LeaseRole::demoted) {
    holdoff_until_ = now + timing_.holdoff;
    next_attempt_ = holdoff_until_;
  } else {
    next_attempt_ = now;
  }
}

std::vector<LeaseAction> LeaseStateMachine::tick(TimePoint now) {
  std::vector<LeaseAction> out;
  if (finished_) return out;

  if (role_ == LeaseRole::active && now >= deadline_) {
    demote(now,
           "no successful lease renewal for " + std::to_string(ms_between(last_good_sent_, now)) +
               " ms: local deadline (TTL " + std::to_string(timing_.ttl.count()) + " ms - margin " +
               std::to_string(timing_.margin.count()) + " ms) passed",
           true, LeaseRole::demoted);
  }
  if (role_ == LeaseRole::demoted && now >= holdoff_until_) role_ = LeaseRole::standby;

  while (!events_.empty()) {
    out.push_back(std::move(events_.front()));
    events_.pop_front();
  }

  if (!op_) {
    if (release_epoch_) {
      out.push_back(start_op(LeaseAction::Kind::release, *release_epoch_, now));
      release_epoch_.reset();
    } else if (!stopping_) {
      if (role_ == LeaseRole::active && now >= next_attempt_) {
        out.push_back(start_op(LeaseAction::Kind::renew, epoch_, now));
        next_attempt_ = now + timing_.renew_interval;
      } else if (role_ == LeaseRole::standby && !forced_ && now >= next_attempt_) {
        out.push_back(start_op(LeaseAction::Kind::acquire, 0, now));
        next_attempt_ = now + timing_.renew_interval;
      }
    }
  }

  if (stopping_ && ((!op_ && !release_epoch_) || now >= stop_deadline_)) finished_ = true;
  return out;
}

LeaseStateMachine::TimePoint LeaseStateMachine::next_wakeup() const {
  if (finished_) return TimePoint::max();
  if (!events_.empty()) return TimePoint::min();
  TimePoint wake = TimePoint::max();
  if (role_ == LeaseRole::active) wake = std::min(wake, deadline_);
  if (role_ == LeaseRole::demoted) wake = std::min(wake, holdoff_until_);
  if (stopping_) wake = std::min(wake, stop_deadline_);
  if (!op_) {
    if (release_epoch_ || stopping_) return TimePoint::min();
    if (role_ == LeaseRole::active || (role_ == LeaseRole::standby && !forced_)) {
      wake = std::min(wake, next_attempt_);
    }
  }
  return wake;
}

void LeaseStateMachine::acquired(std::uint64_t op, TimePoint now, const LeaseAcquireOutcome& o) {
  if (!is_current(op)) {
    // Only an abandoned acquisition can get here; never keep a lease we do not track.
    if (o.acquired && !finished_) release_epoch_ = o.epoch;
    return;
  }
  const Op mine = *op_;
  op_.reset();
  last_error_.clear();
  lease_holder_ = o.holder_node;
  lease_epoch_ = o.epoch;

  if (!o.acquired) {
    lease_expiry_ = now + milliseconds(o.expires_in_ms);
    // Poll again at the regular interval, or as soon as the holder's lease
    // runs out if that is sooner.
    const TimePoint at_expiry = now + std::max(milliseconds(5), milliseconds(o.expires_in_ms + 1));
    next_attempt_ = std::min(mine.sent + timing_.renew_interval, at_expiry);
    return;
  }

  const TimePoint deadline = mine.sent + timing_.ttl - timing_.margin;
  if (forced_ || stopping_ || role_ != LeaseRole::standby || now >= deadline) {
    if (now >= deadline) last_error_ = "the acquisition was answered after its own local deadline";
    release_epoch_ = o.epoch;
    lease_expiry_ = mine.sent + timing_.ttl;
    return;
  }
  role_ = LeaseRole::active;
  epoch_ = o.epoch;
  deadline_ = deadline;
  last_good_sent_ = mine.sent;
  next_attempt_ = mine.sent + timing_.renew_interval;
  lease_expiry_ = mine.sent + timing_.ttl;
  ++promotions_;
  LeaseAction event;
  event.kind = LeaseAction::Kind::promote;
  event.epoch = o.epoch;
  event.text = o.previous_node;
  events_.push_back(std::move(event));
}

void LeaseStateMachine::renewed(std::uint64_t op, TimePoint now, const LeaseRenewOutcome& o) {
  if (!is_current(op)) return;
  const Op mine = *op_;
  op_.reset();
  if (role_ != LeaseRole::active || mine.epoch != epoch_) return;
  last_error_.clear();
  lease_holder_ = o.holder_node;
  lease_epoch_ = o.epoch;

  if (o.renewed) {
    // Too late counts as not renewed: tick() demotes, the deadline is past.
    if (now >= deadline_) return;
    deadline_ = std::max(deadline_, mine.sent + timing_.ttl - timing_.margin);
    last_good_sent_ = mine.sent;
    lease_expiry_ = mine.sent + timing_.ttl;
    ++renewals_;
    return;
  }

  lease_expiry_ = now + milliseconds(o.expires_in_ms);
  std::string reason = "the database refused the lease renewal: ";
  if (o.epoch != mine.epoch) {
    reason += "epoch " + std::to_string(o.epoch) + " belongs to " + (o.holder_node.empty() ? "nobody" : o.holder_node);
  } else {
    reason += "our lease (epoch " + std::to_string(mine.epoch) + ") expired or was released";
  }
  // Nothing of ours left to release.
  demote(now, std::move(reason), false, LeaseRole::demoted);
}

void LeaseStateMachine::released(std::uint64_t op, TimePoint now, bool released) {
  if (!is_current(op)) return;
  op_.reset();
  last_error_.clear();
  if (released) lease_expiry_ = now;
}

void LeaseStateMachine::failed(std::uint64_t op, TimePoint /*now*/, const std::string& error) {
  if (!is_current(op)) return;
  // Acquisition and renewal are tried again at next_attempt_ (already due
  // if the failure took longer than the interval); the deadline still rules
  // the active. A failed release is not retried: the lease expires anyway.
  op_.reset();
  last_error_ = error;
}

void LeaseStateMachine::set_forced_standby(bool forced, TimePoint now) {
  if (forced == forced_) return;
  forced_ = forced;
  if (forced && role_ == LeaseRole::active) {
    demote(now, "forced to standby", true, LeaseRole::standby);
  } else if (!forced && role_ == LeaseRole::standby) {
    next_attempt_ = now;
  }
}

void LeaseStateMachine::stop(TimePoint now) {
  if (stopping_) return;
  stopping_ = true;
  stop_deadline_ = now + timing_.ttl;
  if (role_ == LeaseRole::active) demote(now, "stopping", true, LeaseRole::standby);
}

LeaseKeeperStatus LeaseStateMachine::status(TimePoint now) const {
  LeaseKeeperStatus s;
  s.role = role_;
  s.epoch = role_ == LeaseRole::active ? epoch_ : 0;
  s.lease_holder = lease_holder_;
  s.lease_epoch = lease_epoch_;
  if (lease_expiry_) s.lease_expires_in_ms = std::max(0LL, ms_between(now, *lease_expiry_));
  if (role_ == LeaseRole::active) s.deadline_in_ms = std::max(0LL, ms_between(now, deadline_));
  s.forced_standby = forced_;
  s.last_demotion = last_demotion_;
  s.last_error = last_error_;
  s.promotions = promotions_;
  s.demotions = demotions_;
  s.renewals = renewals_;
  return s;
}

}  // namespace sipedge
