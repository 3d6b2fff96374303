#pragma once
// Whose digest challenge a gateway's credentials answer (mod_sofia's
// is_legitimate_gateway): a 401/407 to a REGISTER or a call through the
// gateway is answered with the gateway's username and password only when it
// comes from the gateway. With `gw-auth-acl` the ACL alone decides; without
// it the challenge must come from the address of the gateway's proxy,
// register-proxy or outbound-proxy (an IP literal), or — for a proxy written
// as a host name, which sipedge does not resolve here — from the address the
// request was sent to. Anyone else gets no answer and
// sofia::gateway_invalid_digest_req is fired. Pure functions plus nta
// look-ups; SIP thread.
#include <string>

extern "C" {
#include <sofia-sip/nta.h>
}

#include "node/config/node_config.h"

namespace sipedge {

class AclMatcher;
struct Event;

// The source IP of the response nta holds for `orq` ("" when none).
std::string response_source_ip(nta_outgoing_t* orq);
// The IP the request of `orq` was sent to ("" when unknown).
std::string request_destination_ip(nta_outgoing_t* orq);

// `source_ip` may be answered with `gateway`'s credentials. `acl` may be null
// only when the gateway has no gw-auth-acl (with one and no matcher: false).
bool legitimate_challenger(const GatewayConfig& gateway, const std::string& source_ip, const std::string& sent_to_ip,
                           const AclMatcher* acl);

struct GatewayCredentials {
  std::string username;  // auth-username, else username
  std::string password;
  bool usable() const { return !password.empty() || !username.empty(); }
};
GatewayCredentials gateway_credentials(const GatewayConfig& gateway);

// sofia::gateway_invalid_digest_req (mod_sofia's headers: Gateway, profile-name, realm).
Event invalid_digest_request_event(const GatewayConfig& gateway, const std::string& realm);

}  // namespace sipedge
