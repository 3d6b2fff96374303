#include "node/gateways/gateway_auth.h"

#include "node/config/acl_matcher.h"
#include "node/config/ip_network.h"
#include "node/events/event.h"
#include "node/gateways/proxy_address.h"

extern "C" {
#include <sofia-sip/msg_addr.h>
#include <sofia-sip/su.h>
}

namespace sipedge {

namespace {

std::string address_of(msg_t* msg) {
  std::string ip;
  if (!msg) return ip;
  if (su_addrinfo_t* ai = msg_addrinfo(msg); ai && ai->ai_addr) {
    char buf[64] = {};
    auto* sa = reinterpret_cast<su_sockaddr_t*>(ai->ai_addr);
    if (su_inet_ntop(sa->su_family, SU_ADDR(sa), buf, sizeof buf)) ip = buf;
  }
  msg_destroy(msg);
  return ip;
}

// Both sides as IpAddress (IPv4-mapped IPv6 is IPv4): equal addresses.
bool same_ip(const std::string& a, const std::string& b) {
  auto x = IpAddress::parse(a), y = IpAddress::parse(b);
  return x && y && x->family == y->family && x->bytes == y->bytes;
}

}  // namespace

std::string response_source_ip(nta_outgoing_t* orq) { return orq ? address_of(nta_outgoing_getresponse(orq)) : ""; }

std::string request_destination_ip(nta_outgoing_t* orq) {
  return orq ? address_of(nta_outgoing_getrequest(orq)) : "";
}

bool legitimate_challenger(const GatewayConfig& gateway, const std::string& source_ip, const std::string& sent_to_ip,
                           const AclMatcher* acl) {
  if (source_ip.empty()) return false;
  // "gw-auth-acl" supersedes everything (mod_sofia).
  if (!gateway.gw_auth_acl.empty()) return acl && acl->allows(gateway.gw_auth_acl, source_ip);
  for (const std::string* proxy : {&gateway.proxy, &gateway.register_proxy, &gateway.outbound_proxy}) {
    if (proxy->empty()) continue;
    std::string host = parse_proxy_address(*proxy).host;
    if (IpAddress::parse(host)) {
      if (same_ip(host, source_ip)) return true;
    } else if (same_ip(sent_to_ip, source_ip)) {
      return true;  // a host name: the address it resolved to for this request
    }
  }
  return false;
}

GatewayCredentials gateway_credentials(const GatewayConfig& gateway) {
  return {gateway.auth_username.empty() ? gateway.username : gateway.auth_username, gateway.password};
}

Event invalid_digest_request_event(const GatewayConfig& gateway, const std::string& realm) {
  Event e = Event::custom("sofia::gateway_invalid_digest_req");
  e.add_header("Gateway", gateway.name).add_header("profile-name", gateway.profile).add_header("realm", realm);
  return e;
}

}  // namespace sipedge
