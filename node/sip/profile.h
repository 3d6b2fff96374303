#pragma once
// A SIP profile: one nta agent listening on sip-ip:sip-port over UDP and TCP,
// with a default leg that receives every out-of-dialog request.
// SIP thread only: every member function asserts loop.in_thread().
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "node/config/node_config.h"
#include "node/events/event_bus.h"
#include "node/sip/profile_services.h"
#include "node/sip/sip_loop.h"

extern "C" {
#include <sofia-sip/nta.h>
}

namespace sipedge {

class Registrar;

// What `sofia status` shows of a profile; a copy, safe to hand to other threads.
struct ProfileStatus {
  std::string name;
  std::string url;       // sip:mod_sofia@IP:PORT (ext-sip-ip when set), as FreeSWITCH
  std::string bind_url;  // url, plus ;maddr=sip-ip when ext-sip-ip is set
  std::string sip_ip;
  std::string ext_sip_ip;
  int port = 0;          // the bound port (useful when sip-port is 0)
  bool running = false;
  bool siptrace = false;
  std::string context;
  std::string dialplan;
  std::string challenge_realm;  // "auto_to" unless set
  std::string domain_name;      // "N/A" unless set
  bool aggressive_nat = false;
  unsigned inuse = 0;           // calls in use
  unsigned calls_in = 0, failed_calls_in = 0, calls_out = 0, failed_calls_out = 0;
  unsigned long registrations = 0;
  std::uint64_t requests_received = 0;
  std::map<std::string, std::string> params;  // the profile's <param>s, last one wins
};

class Profile {
 public:
  Profile(SipLoop& loop, EventBus& bus, ProfileConfig config, ProfileServices services);
  ~Profile();
  Profile(const Profile&) = delete;
  Profile& operator=(const Profile&) = delete;

  // Binds and starts answering. Throws std::runtime_error naming the address on failure.
  void start();
  void stop();
  bool running() const { return agent_ != nullptr; }

  // Applies settings that need no rebind (context, dialplan, sip-trace, ...).
  // Returns the names of changed settings that only take effect on restart.
  std::vector<std::string> apply(const ProfileConfig& config);
  void set_siptrace(bool on);
  void set_timers(const SipTimers& timers);

  const std::string& name() const { return config_.name; }
  const ProfileServices& services() const { return services_; }

  // Call counters of `sofia status` (CALLS-IN, FAILED-CALLS-IN, ..., RUNNING (inuse)).
  struct CallCounters {
    unsigned calls_in = 0, failed_calls_in = 0, calls_out = 0, failed_calls_out = 0;
    int inuse = 0;
  };
  CallCounters& counters() { return counters_; }
  const ProfileConfig& config() const { return config_; }
  ProfileStatus status() const;
  // The profile's nta agent (null while stopped), for requests the node
  // originates from this profile (reboot NOTIFY). SIP thread only.
  nta_agent_t* agent() const { return agent_; }

 private:
  static int on_request(nta_leg_magic_t* magic, nta_leg_t* leg, nta_incoming_t* irq, sip_t const* sip);
  static int on_stray_message(nta_agent_magic_t* magic, nta_agent_t* agent, msg_t* msg, sip_t* sip);
  int handle_out_of_dialog(nta_incoming_t* irq, sip_t const* sip);

  SipLoop& loop_;
  EventBus& bus_;
  ProfileConfig config_;
  ProfileServices services_;
  std::unique_ptr<Registrar> registrar_;  // while running
  std::string user_agent_;  // User-Agent of our responses (user-agent-string)
  nta_agent_t* agent_ = nullptr;
  nta_leg_t* default_leg_ = nullptr;
  int bound_port_ = 0;
  bool siptrace_ = false;
  std::uint64_t requests_received_ = 0;
  CallCounters counters_;
};

using ProfilePtr = std::unique_ptr<Profile>;

}  // namespace sipedge
