#pragma once
// The node's internal event bus. Every capability publishes here; the event
// socket and the log subscribe. Thread-safe: publish from any thread; handlers
// run on the publishing thread and must not block (post elsewhere instead).
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "node/events/event.h"

namespace sipedge {

struct NodeIdentity {
  std::string switchname;  // node name (switch.conf.xml switchname)
  std::string hostname;    // gethostname()
  std::string core_uuid;   // random per process start
};

class EventBus {
 public:
  using Handler = std::function<void(const EventPtr&)>;
  using SubscriptionId = std::uint64_t;

  explicit EventBus(NodeIdentity identity);

  SubscriptionId subscribe(Handler handler);
  void unsubscribe(SubscriptionId id);

  // Stamps the standard headers (Event-Name, Core-UUID, FreeSWITCH-Hostname,
  // FreeSWITCH-Switchname, Event-Date-Local/GMT/Timestamp, Event-Sequence, and
  // Event-Subclass for CUSTOM) in front of the producer's headers, then
  // delivers to every subscriber.
  void publish(Event event);

  const NodeIdentity& identity() const { return identity_; }

 private:
  NodeIdentity identity_;
  std::atomic<std::uint64_t> sequence_{0};
  std::mutex subscribers_mutex_;  // guards subscribers_ and next_id_
  std::map<SubscriptionId, std::shared_ptr<Handler>> subscribers_;
  SubscriptionId next_id_ = 1;
};

}  // namespace sipedge
