#pragma once
// The registrar of one profile: REGISTER with digest auth (or an ACL pass,
// or accept-blind-reg), bindings per RFC 3261 10.3 committed to PostgreSQL
// before the 200 OK leaves, and the sofia::* registration events.
//
// SIP thread only. A REGISTER that needs the database is kept pending (the
// leg callback returns 0) until the store's answer is posted back; the
// answer of a request whose profile stopped meanwhile is dropped.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "node/config/node_config.h"
#include "node/events/event_bus.h"
#include "node/sip/digest_auth.h"
#include "node/sip/profile_services.h"
#include "node/sip/register_events.h"
#include "node/sip/sip_loop.h"

extern "C" {
#include <sofia-sip/nta.h>
}

namespace sipedge {

struct RegistrarSettings {
  std::string challenge_realm = "auto_to";  // auto_to | auto_from | literal realm
  std::string force_register_domain;        // directory domain for every REGISTER
  std::string force_register_db_domain;     // domain stored in the binding
  bool accept_blind_reg = false;
  std::vector<std::string> register_acls;   // every list must allow the source
  bool received_in_nat_contact = false;     // NDLB-received-in-nat-reg-contact
  bool aggressive_nat = false;              // aggressive-nat-detection
  int default_expires = 3600;               // when the REGISTER names none
  int min_expires = 0;                      // register-min-expires: below → 423 (0 = off)
  int max_expires = 0;                      // register-max-expires: above → shortened (0 = off)
  int force_expires_min = 0, force_expires_max = 0, force_expires = 0;  // FreeSWITCH's sip-force-expires*
  unsigned nonce_ttl = 60;

  static RegistrarSettings from(const ProfileConfig& config);
};

class Registrar {
 public:
  Registrar(SipLoop& loop, EventBus& bus, const ProfileConfig& config, const ProfileServices& services);
  ~Registrar();
  Registrar(const Registrar&) = delete;
  Registrar& operator=(const Registrar&) = delete;

  // Returns the status nta answers with now (after our own treply when the
  // answer carries headers), or 0 when the answer comes later.
  int handle(nta_incoming_t* irq, sip_t const* sip);
  void apply(const ProfileConfig& config);  // rescan
  std::size_t pending() const;

 private:
  struct State;
  struct Request;
  int reply_error(nta_incoming_t* irq, int status, const char* phrase);

  SipLoop& loop_;
  EventBus& bus_;
  std::string profile_name_;
  ProfileServices services_;
  RegistrarSettings settings_;
  std::unique_ptr<DigestAuth> auth_;
  std::shared_ptr<State> state_;  // pending requests; completions hold a weak_ptr
};

}  // namespace sipedge
