#include "recovery/cluster_membership.h"

#include <spdlog/spdlog.h>

#include <stdexcept>

// Threads: start()/stop() on the owner's thread, heartbeat_loop() on timer_,
// store callbacks on the database worker. MembershipState::mutex guards its
// mutable fields; it is held while queueing jobs so that stop() (which sets
// stopped under it) guarantees no later submit through the NodeStore.

namespace sipedge {

namespace detail {

struct MembershipState {
  MembershipState(NodeStore& node_store, NodeIdentityInfo node_identity)
      : store(node_store), identity(std::move(node_identity)) {}

  NodeStore& store;
  const NodeIdentityInfo identity;

  std::mutex submit_mutex;  // held around NodeStore calls; see the top of the file
  mutable std::mutex mutex;
  bool stopped = false;
  bool registering = false;  // a register job is queued; don't queue another
  MembershipStatus status;
  std::string last_logged;  // log each distinct problem once, not every heartbeat

  // Caller holds mutex.
  void log_problem_once(const std::string& problem) {
    if (problem == last_logged) return;
    spdlog::warn("cluster membership: {}", problem);
    last_logged = problem;
  }
};

}  // namespace detail

namespace {

using StatePtr = std::shared_ptr<detail::MembershipState>;

void on_registered(const StatePtr& state, const NodeRegisterOutcome& outcome, std::chrono::milliseconds heartbeat) {
  std::lock_guard lock(state->mutex);
  state->registering = false;
  state->status.registered = true;
  state->status.conflicting_runtime_id.clear();
  state->status.last_error.clear();
  state->last_logged.clear();
  const auto& me = state->identity;
  if (outcome.previous_runtime_id.empty()) {
    spdlog::info("cluster membership: registered new node {} (runtime {})", me.node_name, me.runtime_id);
  } else if (outcome.previous_runtime_id == me.runtime_id) {
    spdlog::info("cluster membership: re-registered node {} after reconnect", me.node_name);
  } else if (outcome.previous_seen_ago < 2 * heartbeat) {
    // Seen moments ago: probably a second live process with our switchname.
    spdlog::warn("cluster membership: node {} took over the row of runtime {} seen {} ms ago; "
                 "is another process running with the same switchname?",
                 me.node_name, outcome.previous_runtime_id, outcome.previous_seen_ago.count());
  } else {
    spdlog::info("cluster membership: registered node {} (previous runtime {} last seen {} s ago)", me.node_name,
                 outcome.previous_runtime_id,
                 std::chrono::duration_cast<std::chrono::seconds>(outcome.previous_seen_ago).count());
  }
}

void queue_register(const StatePtr& state, std::chrono::milliseconds heartbeat) {
  std::lock_guard submit_lock(state->submit_mutex);
  {
    std::lock_guard lock(state->mutex);
    if (state->stopped || state->registering) return;
    state->registering = true;
  }
  NodeRecord record;
  record.node_name = state->identity.node_name;
  record.runtime_id = state->identity.runtime_id;
  record.version = state->identity.version;
  record.hostname = state->identity.hostname;
  state->store.register_node(
      std::move(record),
      [state, heartbeat](NodeRegisterOutcome outcome) { on_registered(state, outcome, heartbeat); },
      [state](const std::string& error) {
        std::lock_guard lock(state->mutex);
        state->registering = false;
        state->status.registered = false;
        state->status.last_error = error;
        state->log_problem_once("cannot register node " + state->identity.node_name + ": " + error);
      });
}

void on_touched(const StatePtr& state, const TouchOutcome& outcome, std::chrono::milliseconds heartbeat) {
  bool reregister = false;
  {
    std::lock_guard lock(state->mutex);
    const auto& me = state->identity;
    switch (outcome.result) {
      case TouchResult::touched:
        ++state->status.heartbeats;
        state->status.conflicting_runtime_id.clear();
        state->status.last_error.clear();
        state->last_logged.clear();
        break;
      case TouchResult::not_registered:
        // Someone deleted our row (an operator cleaning up): put it back.
        state->status.registered = false;
        state->log_problem_once("row of node " + me.node_name + " disappeared; registering again");
        reregister = true;
        break;
      case TouchResult::other_runtime:
        // Never take the row back: two processes would flip it forever.
        state->status.registered = false;
        state->status.conflicting_runtime_id = outcome.current_runtime_id;
        state->status.last_error = "node name " + me.node_name + " is registered by runtime " +
                                   outcome.current_runtime_id;
        state->log_problem_once(state->status.last_error + "; another process uses our switchname");
        break;
    }
  }
  if (reregister) queue_register(state, heartbeat);
}

void queue_touch(const StatePtr& state, std::chrono::milliseconds heartbeat) {
  std::lock_guard submit_lock(state->submit_mutex);
  {
    std::lock_guard lock(state->mutex);
    if (state->stopped) return;
  }
  state->store.touch(
      state->identity.node_name, state->identity.runtime_id,
      [state, heartbeat](TouchOutcome outcome) { on_touched(state, outcome, heartbeat); },
      [state](const std::string& error) {
        std::lock_guard lock(state->mutex);
        state->status.last_error = error;
        state->log_problem_once("heartbeat of node " + state->identity.node_name + " failed: " + error);
      });
}

}  // namespace

ClusterMembership::ClusterMembership(Database& db, NodeStore& store, NodeIdentityInfo identity,
                                     std::chrono::milliseconds heartbeat)
    : db_(db), heartbeat_(heartbeat), state_(std::make_shared<detail::MembershipState>(store, std::move(identity))) {
  if (heartbeat_.count() <= 0) {
    throw std::invalid_argument("cluster membership: heartbeat interval must be positive");
  }
  if (state_->identity.node_name.empty() || state_->identity.runtime_id.empty()) {
    throw std::invalid_argument("cluster membership: node name and runtime id are required");
  }
}

ClusterMembership::~ClusterMembership() { stop(); }

void ClusterMembership::start() {
  if (started_) throw std::logic_error("cluster membership: start() called twice");
  started_ = true;
  const std::weak_ptr<detail::MembershipState> weak = state_;
  const auto heartbeat = heartbeat_;
  // The hook only queues the registration, which then runs after every hook
  // (so after the migrations that create cluster_nodes).
  hook_id_ = db_.add_connect_hook([weak, heartbeat](pqxx::connection&) {
    if (auto state = weak.lock()) {
      {
        std::lock_guard lock(state->mutex);
        state->status.registered = false;
      }
      queue_register(state, heartbeat);
    }
  });
  if (db_.status().connected) queue_register(state_, heartbeat_);
  timer_ = std::thread([this] { heartbeat_loop(); });
}

void ClusterMembership::stop() {
  if (!started_) return;
  db_.remove_connect_hook(hook_id_);
  {
    std::scoped_lock lock(state_->submit_mutex, state_->mutex);
    state_->stopped = true;
  }
  {
    std::lock_guard lock(timer_mutex_);
    stopping_ = true;
  }
  timer_wake_.notify_all();
  if (timer_.joinable()) timer_.join();
}

MembershipStatus ClusterMembership::status() const {
  std::lock_guard lock(state_->mutex);
  return state_->status;
}

const NodeIdentityInfo& ClusterMembership::identity() const { return state_->identity; }

void ClusterMembership::heartbeat_loop() {
  std::unique_lock lock(timer_mutex_);
  while (!timer_wake_.wait_for(lock, heartbeat_, [this] { return stopping_; })) {
    lock.unlock();
    // While disconnected the connect hook registers on reconnect; queueing
    // now would only fail at once.
    if (db_.status().connected) {
      bool registered = false;
      {
        std::lock_guard state_lock(state_->mutex);
        registered = state_->status.registered || !state_->status.conflicting_runtime_id.empty();
      }
      if (registered) {
        queue_touch(state_, heartbeat_);
      } else {
        queue_register(state_, heartbeat_);  // an earlier registration failed
      }
    }
    lock.lock();
  }
}

}  // namespace sipedge
