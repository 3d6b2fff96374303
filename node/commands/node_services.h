#pragma once
// What the console commands may ask of the node. Implemented by node/app/node.cc;
// commands never reach into the node's members directly.
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "node/config/node_config.h"
#include "node/events/event_bus.h"
#include "node/sip/profile_manager.h"
#include "node/sip/sip_loop.h"
#include "store/database.h"
#include "store/registration_store.h"

namespace sipedge {

class CallManager;
class CallStore;
class ClusterRole;
class GatewayManager;

class NodeServices {
 public:
  virtual ~NodeServices() = default;

  virtual SipLoop& sip_loop() = 0;
  virtual ProfileManager& profiles() = 0;  // SIP thread only
  virtual EventBus& event_bus() = 0;
  virtual std::shared_ptr<const NodeConfig> config() const = 0;  // any thread
  // Re-reads the conf directory; on success it becomes the current config.
  // Returns "" or the error (file:line: message). Any thread.
  virtual std::string reload_config() = 0;
  virtual DatabaseStatus database_status() const = 0;
  // The database as `sofia status profile` shows it (DBName), without password.
  virtual std::string database_name() const = 0;
  virtual std::chrono::system_clock::time_point started_at() const = 0;
  // The cluster's registrations (null before the database side is set up).
  // Its callbacks run on the database worker. Any thread.
  virtual RegistrationStore* registrations() = 0;
  virtual CallManager* calls() = 0;  // SIP thread only; null when calls are not served
  virtual CallStore* call_store() = 0;
  virtual GatewayManager* gateways() = 0;  // SIP thread only; null before profiles start
  virtual ClusterRole* cluster() = 0;      // any thread; null when the node runs no lease (tools)
  // Live calls of the cluster heard on its recovery channel (the standby's
  // warm index); nullopt when the node does not listen. Any thread.
  virtual std::optional<std::size_t> warm_calls() const = 0;
  // Console log level: debug, info, notice, warning, err, crit, alert, console (0-7 too).
  // false for an unknown level.
  virtual bool set_console_loglevel(const std::string& level) = 0;
  virtual std::string console_loglevel() const = 0;
};

}  // namespace sipedge
