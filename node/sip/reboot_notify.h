#pragma once
// The NOTIFY that makes a phone re-read its configuration or reboot
// (`sofia profile P flush_inbound_reg ... reboot`, `check_sync`), as
// mod_sofia's sofia_reg_send_reboot / sofia_glue_send_notify build it.
#include <string>
#include <string_view>

#include "store/registration_store.h"

extern "C" {
#include <sofia-sip/nta.h>
}

namespace sipedge {

struct RebootNotifyContent {
  std::string event;         // Event header value
  std::string content_type;  // Content-Type header value
  std::string body;          // "" except for the Cisco service-control NOTIFY
};

// What to send to a phone with this User-Agent. FreeSWITCH's order, each a
// case-insensitive substring test, first match wins: snom|yealink
// "check-sync;reboot=true"; "Linksys/SPA8000" "check-sync"; linksys
// "reboot_now"; spa "reboot"; Cisco-CP7960G|Cisco-CP7940G "check-sync"; cisco
// "service-control" (text/plain body naming the Call-ID); else "check-sync".
// Pure; any thread.
RebootNotifyContent reboot_notify_content(std::string_view user_agent, std::string_view call_id);

// The next hop of the NOTIFY: where the REGISTER came from (network_ip,
// network_port, network_transport), never an address from the Contact.
// "" when the binding holds no numeric address and port.
std::string reboot_notify_next_hop(const Binding& binding);

// Sends the NOTIFY for one binding from the profile's agent: Request-URI =
// the stored contact's URI (without fs_* parameters), next hop =
// reboot_notify_next_hop(), Call-ID = the binding's, From = To =
// <sip:user@host> (From with a fresh tag), Contact = local_contact,
// `Subscription-State: terminated;reason=noresource`. The response is only
// logged; the transaction is destroyed when it completes (or with the agent).
// SIP thread only. Returns false (and logs why) when nothing was sent.
bool send_reboot_notify(nta_agent_t* agent, const std::string& local_contact, const Binding& binding);

}  // namespace sipedge
