#pragma once
// This node's role in its active/standby pair (docs/cluster.md): a lease
// keeper on a database connection of its own, the write fence every store
// checks, the VIP takeover/release hooks, and whether the node accepts new
// out-of-dialog requests (only while active).
//
// Promotion (keeper thread -> hook thread, in order): fence epoch set, the
// takeover hook (VIP), accepting = true, then `promoted(epoch, previous,
// started)`. Demotion: accepting = false and fence epoch 0 AT ONCE (before
// anything else can happen), then the release hook, then `demoted(reason)`.
// The callbacks run on the hook thread: post to your own thread.
//
// Threads: start()/stop() from the owner's thread; accepting(), status(),
// set_standby_forced() from any thread.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "node/config/cluster_settings.h"
#include "recovery/lease_keeper.h"
#include "store/database.h"
#include "store/lease_store.h"
#include "store/write_fence.h"

namespace sipedge {

struct ClusterStatus {
  LeaseKeeperStatus lease;
  std::string cluster_name;
  std::string vip;
  std::string node;
  bool accepting = false;
};

class ClusterRole {
 public:
  struct Callbacks {
    // epoch, previous holder, when the keeper promoted us (for the takeover time).
    std::function<void(std::int64_t, const std::string&, std::chrono::steady_clock::time_point)> promoted;
    std::function<void(const std::string&)> demoted;
  };

  ClusterRole(ClusterSettings settings, std::string node_name, std::string runtime_id, const std::string& dsn,
              WriteFence& fence, Callbacks callbacks);
  ~ClusterRole();  // stop()
  ClusterRole(const ClusterRole&) = delete;
  ClusterRole& operator=(const ClusterRole&) = delete;

  // The lease's own connection (add connect hooks before start()).
  Database& database() { return *db_; }
  // With a VIP: lets this network namespace bind it before owning it
  // (net.ipv4.ip_nonlocal_bind). Before the profiles start.
  void prepare_vip_binding() const;
  void start();
  // Releases the lease (an active node demotes first) and runs the release hook.
  void stop();

  bool accepting() const { return accepting_->load(); }
  // For profiles: shared so the SIP thread reads it without a reference to us.
  std::shared_ptr<const std::atomic<bool>> accepting_flag() const { return accepting_; }
  void set_standby_forced(bool forced);
  ClusterStatus status() const;
  const ClusterSettings& settings() const { return settings_; }

 private:
  void post(std::function<void()> job);
  void run_hooks();

  ClusterSettings settings_;
  std::string node_name_;
  WriteFence& fence_;
  Callbacks callbacks_;
  std::shared_ptr<std::atomic<bool>> accepting_ = std::make_shared<std::atomic<bool>>(false);
  std::unique_ptr<Database> db_;
  std::unique_ptr<LeaseStore> store_;
  std::unique_ptr<LeaseKeeper> keeper_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::thread hook_thread_;
  pid_t arping_pid_ = -1;  // the last gratuitous ARP (hook thread)
};

}  // namespace sipedge
