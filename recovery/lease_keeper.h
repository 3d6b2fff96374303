#pragma once
// The leadership lease of this node's cluster (docs/cluster.md): keeps the
// node standby or active. A standby tries to acquire the lease every renew
// interval and, when it gets it (a new fencing epoch), becomes active:
// on_promote(epoch, previous_holder). The active renews every renew
// interval; if no renewal succeeds before its LOCAL deadline (the steady-clock
// instant the last good renewal was sent + TTL - margin), or the database
// refuses one, it demotes itself: on_demote(reason), then it is `demoted`
// (no acquisition attempt for one TTL) and then standby again; it can only
// become active again through a new acquisition, with a new epoch. The
// epoch is what every state-changing write carries to sipedge_fence().
//
// set_standby_forced(true) (`sofia global standby on`): an active node
// demotes and releases the lease at once (the other node takes over at its
// next poll); a forced node never acquires. stop(): an active node calls
// on_demote("stopping") and releases, waiting up to one TTL for the answer.
//
// Give the LeaseStore a Database of its own (constructed with
// statement_timeout = TTL): lease requests then never queue behind other
// work, and a request that hangs ends on the server's side.
//
// Threads: the keeper runs on its own thread (std::thread + condition
// variable). It never waits for the database: requests go to the store's
// Database worker and their answers wake the keeper thread, whose timer
// enforces the local deadline even while a request hangs. on_promote and
// on_demote are called ON THE KEEPER THREAD, one at a time, in order; keep
// them short (post to your own thread) and do not call stop() from them.
// status() and set_standby_forced() are thread-safe. start()/stop() from
// the owner's thread.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "recovery/lease_state_machine.h"
#include "store/lease_store.h"

namespace sipedge {

namespace detail {
struct LeaseKeeperShared;  // lease_keeper.cc
}

struct LeaseKeeperConfig {
  std::string cluster_name;  // nodes of one active/standby pair share it
  std::string node_name;     // switchname
  std::string runtime_id;    // UUID of this process (the Core-UUID)
  std::chrono::milliseconds renew_interval{200};  // cluster-lease-renew
  std::chrono::milliseconds ttl{1000};            // cluster-lease-ttl
  // Negative: the defaults of make_lease_timing() (TTL / 10, one TTL).
  std::chrono::milliseconds margin{-1};
  std::chrono::milliseconds holdoff{-1};
};

class LeaseKeeper {
 public:
  using PromoteCallback = std::function<void(std::int64_t epoch, const std::string& previous_holder)>;
  using DemoteCallback = std::function<void(const std::string& reason)>;

  // Throws std::invalid_argument for a bad config (empty names, a renew
  // interval not shorter than TTL - margin). store must outlive the keeper.
  LeaseKeeper(LeaseOperations& store, LeaseKeeperConfig config, PromoteCallback on_promote,
              DemoteCallback on_demote);
  ~LeaseKeeper();  // stop()
  LeaseKeeper(const LeaseKeeper&) = delete;
  LeaseKeeper& operator=(const LeaseKeeper&) = delete;

  void start();
  // Demotes (on_demote("stopping")) and releases if active, then joins the
  // keeper thread: returns within about one TTL even if the database hangs.
  void stop();
  // May be called before start().
  void set_standby_forced(bool forced);

  LeaseKeeperStatus status() const;
  bool is_active() const { return status().role == LeaseRole::active; }
  const LeaseKeeperConfig& config() const { return config_; }

 private:
  void run();
  void execute(const LeaseAction& action);

  LeaseOperations& store_;
  LeaseKeeperConfig config_;
  PromoteCallback on_promote_;
  DemoteCallback on_demote_;
  std::shared_ptr<detail::LeaseKeeperShared> shared_;  // shared with store callbacks that may outlive us
  bool started_ = false;
  bool stopped_ = false;
  std::thread thread_;
};

}  // namespace sipedge
