#include "recovery/lease_keeper.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <stdexcept>

// Threads: run() and execute() on thread_; store callbacks on the Database
// worker (or, after Database::stop(), inline in the store call on thread_).
// LeaseKeeperShared::mutex guards the machine and `poked`; it is never held
// while calling the store or the user's callbacks, so a store that answers
// inline cannot deadlock.

namespace sipedge {

namespace detail {

struct LeaseKeeperShared {
  LeaseKeeperShared(LeaseTiming timing, LeaseStateMachine::TimePoint now) : machine(timing, now) {}

  mutable std::mutex mutex;
  std::condition_variable wake;
  LeaseStateMachine machine;
  bool poked = false;           // something changed: run tick() now
  std::string last_logged_error;  // log each distinct failure once

  // Caller holds mutex.
  void poke() {
    poked = true;
    wake.notify_all();
  }
};

}  // namespace detail

namespace {

using Clock = LeaseStateMachine::Clock;
using SharedPtr = std::shared_ptr<detail::LeaseKeeperShared>;

LeaseTiming timing_of(const LeaseKeeperConfig& c) {
  LeaseTiming t = make_lease_timing(c.renew_interval, c.ttl);
  if (c.margin.count() >= 0) t.margin = c.margin;
  if (c.holdoff.count() >= 0) t.holdoff = c.holdoff;
  return t;
}

const char* op_name(LeaseAction::Kind kind) {
  switch (kind) {
    case LeaseAction::Kind::acquire: return "acquisition";
    case LeaseAction::Kind::renew: return "renewal";
    case LeaseAction::Kind::release: return "release";
    default: return "operation";
  }
}

Database::ErrorHandler on_failure(const SharedPtr& shared, std::uint64_t op, LeaseAction::Kind kind,
                                  std::string cluster) {
  return [shared, op, kind, cluster = std::move(cluster)](const std::string& error) {
    std::lock_guard lock(shared->mutex);
    shared->machine.failed(op, Clock::now(), error);
    if (error != shared->last_logged_error) {
      spdlog::warn("cluster lease {}: {} failed: {}", cluster, op_name(kind), error);
      shared->last_logged_error = error;
    }
    shared->poke();
  };
}

template <typename Callback, typename... Args>
void call_user(const char* what, const Callback& callback, Args&&... args) {
  if (!callback) return;
  try {
    callback(std::forward<Args>(args)...);
  } catch (const std::exception& e) {
    spdlog::error("cluster lease: {} callback threw: {}", what, e.what());
  } catch (...) {
    spdlog::error("cluster lease: {} callback threw a non-standard exception", what);
  }
}

}  // namespace

LeaseKeeper::LeaseKeeper(LeaseOperations& store, LeaseKeeperConfig config, PromoteCallback on_promote,
                         DemoteCallback on_demote)
    : store_(store),
      config_(std::move(config)),
      on_promote_(std::move(on_promote)),
      on_demote_(std::move(on_demote)) {
  if (config_.cluster_name.empty() || config_.node_name.empty() || config_.runtime_id.empty()) {
    throw std::invalid_argument("cluster lease: cluster name, node name and runtime id are required");
  }
  shared_ = std::make_shared<detail::LeaseKeeperShared>(timing_of(config_), Clock::now());
}

LeaseKeeper::~LeaseKeeper() { stop(); }

void LeaseKeeper::start() {
  if (started_) throw std::logic_error("cluster lease: start() called twice");
  started_ = true;
  spdlog::info("cluster lease {}: node {} starts as standby (renew every {} ms, TTL {} ms)", config_.cluster_name,
               config_.node_name, config_.renew_interval.count(), config_.ttl.count());
  thread_ = std::thread([this] { run(); });
}

void LeaseKeeper::stop() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  {
    std::lock_guard lock(shared_->mutex);
    shared_->machine.stop(Clock::now());
    shared_->poke();
  }
  if (thread_.joinable()) thread_.join();
}

void LeaseKeeper::set_standby_forced(bool forced) {
  std::lock_guard lock(shared_->mutex);
  shared_->machine.set_forced_standby(forced, Clock::now());
  shared_->poke();
}

LeaseKeeperStatus LeaseKeeper::status() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->machine.status(Clock::now());
}

void LeaseKeeper::run() {
  auto& shared = *shared_;
  std::unique_lock lock(shared.mutex);
  for (;;) {
    shared.poked = false;
    const std::vector<LeaseAction> actions = shared.machine.tick(Clock::now());
    const bool finished = shared.machine.finished();
    lock.unlock();
    for (const auto& action : actions) execute(action);
    lock.lock();
    if (finished) break;
    // Bounded so that a far (or max) wake-up never overflows the wait.
    const auto now = Clock::now();
    const auto wake = std::clamp(shared.machine.next_wakeup(), now, now + std::chrono::seconds(1));
    shared.wake.wait_until(lock, wake, [&shared] { return shared.poked; });
  }
}

void LeaseKeeper::execute(const LeaseAction& action) {
  const SharedPtr shared = shared_;
  const std::uint64_t op = action.op;
  switch (action.kind) {
    case LeaseAction::Kind::acquire:
      store_.try_acquire(
          config_.cluster_name, config_.node_name, config_.runtime_id, config_.ttl,
          [shared, op](LeaseAcquireOutcome outcome) {
            std::lock_guard lock(shared->mutex);
            shared->machine.acquired(op, Clock::now(), outcome);
            shared->last_logged_error.clear();
            shared->poke();
          },
          on_failure(shared, op, action.kind, config_.cluster_name));
      break;
    case LeaseAction::Kind::renew:
      store_.renew(
          config_.cluster_name, config_.node_name, config_.runtime_id, action.epoch, config_.ttl,
          [shared, op](LeaseRenewOutcome outcome) {
            std::lock_guard lock(shared->mutex);
            shared->machine.renewed(op, Clock::now(), outcome);
            shared->last_logged_error.clear();
            shared->poke();
          },
          on_failure(shared, op, action.kind, config_.cluster_name));
      break;
    case LeaseAction::Kind::release: {
      spdlog::info("cluster lease {}: node {} releases epoch {}", config_.cluster_name, config_.node_name,
                   action.epoch);
      store_.release(
          config_.cluster_name, action.epoch, config_.runtime_id,
          [shared, op](bool released) {
            std::lock_guard lock(shared->mutex);
            shared->machine.released(op, Clock::now(), released);
            shared->poke();
          },
          on_failure(shared, op, action.kind, config_.cluster_name));
      break;
    }
    case LeaseAction::Kind::promote:
      spdlog::info("cluster lease {}: node {} is ACTIVE with epoch {} (previous holder: {})", config_.cluster_name,
                   config_.node_name, action.epoch, action.text.empty() ? "none" : action.text);
      call_user("on_promote", on_promote_, action.epoch, action.text);
      break;
    case LeaseAction::Kind::demote:
      spdlog::warn("cluster lease {}: node {} leaves the active role (epoch {}): {}", config_.cluster_name,
                   config_.node_name, action.epoch, action.text);
      call_user("on_demote", on_demote_, action.text);
      break;
  }
}

}  // namespace sipedge
