#pragma once
// The running profiles of this node, by name. SIP thread only.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "node/sip/profile.h"

namespace sipedge {

class ProfileManager {
 public:
  ProfileManager(SipLoop& loop, EventBus& bus, ProfileServices services)
      : loop_(loop), bus_(bus), services_(std::move(services)) {}
  ~ProfileManager();

  // Starts every profile of the config; returns one error line per profile
  // that could not start (the others keep running).
  std::vector<std::string> start_all(const SofiaConfig& sofia);
  // Starts one profile (replacing a stopped one of that name). Throws std::runtime_error.
  void start(const ProfileConfig& config);
  bool stop(const std::string& name);  // false if unknown
  void stop_all();

  Profile* find(const std::string& name);
  std::vector<ProfileStatus> statuses() const;  // in name order
  void set_global_siptrace(bool on);
  // Used by profiles started from now on (e.g. the ACLs after reloadxml).
  void set_services(ProfileServices services) { services_ = std::move(services); }
  // Told after a profile started and before one stops (its gateways follow it).
  struct Listener {
    std::function<void(Profile&)> started;
    std::function<void(const std::string&)> stopping;
  };
  void set_listener(Listener listener) { listener_ = std::move(listener); }

 private:
  SipLoop& loop_;
  EventBus& bus_;
  ProfileServices services_;
  std::map<std::string, ProfilePtr> profiles_;
  Listener listener_;
};

}  // namespace sipedge
