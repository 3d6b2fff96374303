#pragma once
// What a profile needs from the rest of the node, handed over at start.
#include <atomic>
#include <memory>
#include <string>

extern "C" {
#include <sofia-sip/nta.h>
}

namespace sipedge {

class AclMatcher;
class Profile;
class RegistrationStore;

// Takes the out-of-dialog INVITEs of every profile (the call code, node/calls/).
// Returns the status nta answers with now, or 0 when the answer comes later.
class InviteHandler {
 public:
  virtual ~InviteHandler() = default;
  virtual int on_invite(Profile& profile, nta_incoming_t* irq, sip_t const* sip) = 0;
  // A 2xx to INVITE that matched no live client transaction (a retransmission
  // after our ACK): true when it belonged to a call and was ACKed again.
  virtual bool on_stray_2xx(nta_agent_t* agent, sip_t const* sip) = 0;
};

struct ProfileServices {
  std::string node_name;                    // switchname: stored with every binding
  std::string auth_master_key;              // signs digest nonces; the same on every node of a cluster
  RegistrationStore* registrations = nullptr;  // null: REGISTER is not served (405)
  std::shared_ptr<const AclMatcher> acl;    // network lists of acl.conf.xml
  InviteHandler* calls = nullptr;           // null: INVITE is not served (405)
  // False while the node is standby: new out-of-dialog requests get
  // 503 System Paused (FreeSWITCH standby). Null: always accepting.
  std::shared_ptr<const std::atomic<bool>> accepting;
};

}  // namespace sipedge
