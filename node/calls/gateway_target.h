#pragma once
// `sofia/gateway/GW/number[@host][;params]` as mod_sofia dials it (reference
// §4): Request-URI sip:<destination-prefix><number>@<host or proxy>[;params]
// (;transport=tcp when the gateway registers over TCP), From
// <sip:from-user@from-domain> (the caller's number with caller-id-in-from),
// the outbound-proxy as next hop, the gateway's Contact, its outbound
// variables, and its credentials as sip_auth_username/password so a 401/407
// from the carrier is answered. Pure: the caller checks the gateway exists
// and is UP.
#include <string>

#include "node/calls/dial_string.h"
#include "node/config/node_config.h"

namespace sipedge {

// `leg` is a parsed gateway leg (EndpointKind::gateway); `contact` our
// Contact URI for this gateway (Gateway::contact_uri()). Returns a sofia_uri
// leg on the gateway's profile.
DialLeg gateway_target(const DialLeg& leg, const GatewayConfig& gateway, const std::string& contact);

}  // namespace sipedge
