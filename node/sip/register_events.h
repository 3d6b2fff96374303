#pragma once
// The sofia::* registration events with mod_sofia's header names
// (reference §2). FreeSWITCH quirk kept: from-user/from-host carry the To
// URI (the AOR), to-user/to-host the From URI; for REGISTER they are equal.
#include <string>

#include "node/events/event.h"
#include "store/registration_store.h"

namespace sipedge {

// What a REGISTER said, for its events.
struct RegisterEventData {
  std::string profile_name;
  std::string aor_user, aor_host;    // To
  std::string from_user, from_host;  // From
  std::string contact;               // first Contact as received
  std::string call_id;
  std::string user_agent;
  std::string network_ip;
  int network_port = 0;
  std::string expires;               // requested/granted expires, as text
  std::string username, realm;       // digest username/realm ("" without auth)
  std::string status;                // Registered(UDP) ...
};

Event pre_register_event(const RegisterEventData& d);
// auth_result: SUCCESS | RENEWED | STALE | FORBIDDEN
Event register_attempt_event(const RegisterEventData& d, const std::string& auth_result);
Event register_failure_event(const RegisterEventData& d);
Event register_event(const RegisterEventData& d, const Binding& binding);
Event unregister_event(const RegisterEventData& d, const Binding& binding);
Event expire_event(const Binding& binding);

}  // namespace sipedge
