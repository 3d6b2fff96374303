#pragma once
// The gateways of every profile on this node: started with their profile
// (first REGISTERs and pings spread over time), rescanned, killed,
// (un)registered by console commands, paused while the node is standby.
// Persists each gateway's runtime state (store/gateway_store.h) on every
// transition and continues a stored registration when it starts one.
//
// SIP thread only (asserted), except where a member says otherwise.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "node/config/node_config.h"
#include "node/events/event_bus.h"
#include "node/gateways/gateway.h"
#include "node/sip/sip_loop.h"

namespace sipedge {

class GatewayStore;
class Profile;

struct GatewayServices {
  std::string node_name;
  std::string cluster_name = "default";
  GatewayStore* store = nullptr;  // null: nothing persisted
  std::int64_t epoch = 0;         // fencing epoch written with each row
  std::function<Profile*(const std::string&)> find_profile;  // SIP thread
};

class GatewayManager {
 public:
  GatewayManager(SipLoop& loop, EventBus& bus, GatewayServices services);
  ~GatewayManager();
  GatewayManager(const GatewayManager&) = delete;
  GatewayManager& operator=(const GatewayManager&) = delete;

  // A profile started: start its configured gateways (those not running yet).
  void profile_started(Profile& profile);
  // A profile stops: `unregister` sends un-REGISTERs first (`sofia profile P
  // stop`); a node shutdown does not (a peer may continue the registrations).
  void profile_stopping(const std::string& profile, bool unregister);
  // `sofia profile P rescan`: starts gateways added to the config, kills
  // those removed from it; running ones are left alone. Returns the changes.
  struct RescanResult {
    std::vector<std::string> added, removed;
  };
  RescanResult rescan(Profile& profile, const ProfileConfig& config);
  // killgw: un-REGISTER, then DOWN and gone (sofia::gateway_delete). false if unknown.
  bool kill(const std::string& profile, const std::string& name);
  std::size_t kill_all(const std::string& profile);
  // startgw: starts a configured gateway that is not running. "" or an error.
  std::string start_gateway(Profile& profile, const ProfileConfig& config, const std::string& name);
  // register/unregister <gw|all>: number of gateways acted upon.
  std::size_t register_now(const std::string& profile, const std::string& name_or_all);
  std::size_t unregister(const std::string& profile, const std::string& name_or_all);

  // HA: while paused (standby) no REGISTER and no ping leaves.
  void set_paused(bool paused);
  bool paused() const { return paused_; }

  Gateway* find(const std::string& name);  // any profile (names are global)
  std::vector<GatewaySnapshot> snapshots(const std::string& profile = "") const;  // name order
  // gwlist: names of the profile's gateways, all or only UP / DOWN ones.
  std::vector<std::string> names(const std::string& profile, std::optional<bool> up) const;
  // An inbound request from a gateway: by the Request-URI user `gw+NAME`, a
  // `gw=NAME` URI parameter, or the source address equal to the gateway's
  // proxy / register-proxy / outbound-proxy address (and port, when that
  // address names one). nullptr when none.
  Gateway* match_inbound(const std::string& profile, const std::string& ruri_user, const std::string& gw_param,
                         const std::string& source_ip, int source_port);

  // Used by Gateway.
  SipLoop& loop() { return loop_; }
  EventBus& bus() { return bus_; }
  const GatewayServices& services() const { return services_; }
  void publish_state(const Gateway& gateway, int code, const std::string& phrase);
  // Writes the gateway's row, then runs `then` on the SIP thread (also when
  // the write failed: the registration never waits for the database).
  void save(const Gateway& gateway, std::function<void()> then = {});
  void remove_row(const Gateway& gateway);
  // A killed gateway finished its un-REGISTER: drop it (later, not inside its callback).
  void finished(Gateway& gateway);

 private:
  std::chrono::milliseconds spread_delay();
  void start_one(Profile& profile, const GatewayConfig& config);
  void drop(const std::string& name);

  SipLoop& loop_;
  EventBus& bus_;
  GatewayServices services_;
  std::map<std::string, std::unique_ptr<Gateway>> gateways_;  // by name
  std::uint64_t next_id_ = 1;
  bool paused_ = false;
  std::size_t starting_ = 0;  // gateways started in the current burst (spreads first REGISTERs)
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sipedge
