#pragma once
// Cluster membership: this node's row in cluster_nodes. Registers the node
// every time the database (re)connects, then heartbeats (touches
// last_seen_at) every `heartbeat`. Never deletes anything, never takes over
// another runtime's row: if another live process registered the same node
// name, it logs the clash and reports it in status().
//
// Threads: the heartbeat runs on its own thread (std::thread + condition
// variable; its only work is queueing Database jobs, so it needs no
// io_context). Store callbacks run on the database worker. status() is
// thread-safe. Construct and start/stop from the owner's thread.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "store/database.h"
#include "store/node_store.h"

namespace sipedge {

namespace detail {
struct MembershipState;  // cluster_membership.cc
}

struct NodeIdentityInfo {
  std::string node_name;   // switch.conf.xml switchname
  std::string runtime_id;  // UUID, random per process start (the Core-UUID)
  std::string version;     // SIPEDGE_VERSION
  std::string hostname;    // gethostname()
};

struct MembershipStatus {
  bool registered = false;        // our row exists with our runtime_id
  std::uint64_t heartbeats = 0;   // successful touches since start()
  std::string conflicting_runtime_id;  // set while another runtime owns our node name
  std::string last_error;         // "" when the last operation succeeded
};

class ClusterMembership {
 public:
  ClusterMembership(Database& db, NodeStore& store, NodeIdentityInfo identity,
                    std::chrono::milliseconds heartbeat);
  ~ClusterMembership();  // stop()
  ClusterMembership(const ClusterMembership&) = delete;
  ClusterMembership& operator=(const ClusterMembership&) = delete;

  // Adds the Database connect hook, registers now if already connected and
  // starts the heartbeat thread.
  void start();
  // Removes the hook and joins the heartbeat thread; afterwards no callback
  // queues further work (jobs already queued still run).
  void stop();

  MembershipStatus status() const;
  const NodeIdentityInfo& identity() const;

 private:
  void heartbeat_loop();

  Database& db_;
  std::chrono::milliseconds heartbeat_;
  std::shared_ptr<detail::MembershipState> state_;  // shared with callbacks that may outlive us
  Database::HookId hook_id_ = 0;
  bool started_ = false;

  std::mutex timer_mutex_;  // guards stopping_
  std::condition_variable timer_wake_;
  bool stopping_ = false;
  std::thread timer_;
};

}  // namespace sipedge
