#pragma once
// Removes bindings whose expiry has passed, cluster-wide, and fires
// sofia::expire for each on this node. Every node sweeps; the store's
// DELETE ... RETURNING hands each expired row to exactly one of them.
// Its own thread: a sweep is only a database job and an event per row.
#include <atomic>
#include <chrono>
#include <memory>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "node/events/event_bus.h"
#include "store/registration_store.h"

namespace sipedge {

class RegistrationExpiry {
 public:
  RegistrationExpiry(RegistrationStore& store, EventBus& bus, std::chrono::milliseconds interval);
  ~RegistrationExpiry();  // stop()
  void start();
  void stop();
  // Only sweep while *flag is true (the active node of a pair; a standby
  // does not sweep, as FreeSWITCH's standby mode). Before start().
  void set_active_flag(std::shared_ptr<const std::atomic<bool>> flag) { active_ = std::move(flag); }

 private:
  void run();

  RegistrationStore& store_;
  EventBus& bus_;
  std::chrono::milliseconds interval_;
  std::mutex mutex_;  // guards stopping_, in_flight_ and again_
  std::condition_variable wake_;
  bool stopping_ = false;
  bool in_flight_ = false;  // one sweep at a time
  bool again_ = false;      // the last sweep was full
  std::shared_ptr<const std::atomic<bool>> active_;
  std::thread thread_;
};

}  // namespace sipedge
