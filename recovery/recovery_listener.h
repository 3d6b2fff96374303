#pragma once
// The standby's ear on the active node (docs/cluster.md, "Recovery events"):
// LISTEN on the PostgreSQL channel "sipedge_recovery", where the active's
// call store announces every call-state change in the same transaction as the
// change (pg_notify: only committed changes arrive). Each announcement of
// another node of our cluster becomes a CUSTOM sofia::recovery_recv event
// (call-uuid, operation, epoch, node) and updates a warm index of the live
// calls. Recovery itself still reads the database (a standby that started
// late has received nothing); the index only tells how warm we are.
//
// Threads: its own thread with its own connection (reconnects with backoff).
// start()/stop() from the owner's thread; warm_calls() from any thread.
#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "node/events/event_bus.h"

namespace sipedge {

struct RecoveryAnnouncement {
  std::string cluster, node, uuid, operation;
  long long epoch = 0;
};

// Parses the JSON payload the call store sends; nullopt-like (empty uuid) when malformed.
RecoveryAnnouncement parse_recovery_payload(const std::string& payload);

class RecoveryListener {
 public:
  RecoveryListener(std::string dsn, std::string cluster, std::string node_name, EventBus& bus,
                   std::shared_ptr<const std::atomic<bool>> active);
  ~RecoveryListener();  // stop()
  void start();
  void stop();
  std::size_t warm_calls() const;
  std::uint64_t received() const { return received_.load(); }

 private:
  void run();
  void on_payload(const std::string& payload);

  std::string dsn_, cluster_, node_;
  EventBus& bus_;
  std::shared_ptr<const std::atomic<bool>> active_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> received_{0};
  mutable std::mutex mutex_;
  std::set<std::string> warm_;  // call uuids announced confirmed and not finished
  std::thread thread_;
};

}  // namespace sipedge
