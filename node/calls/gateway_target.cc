#include "node/calls/gateway_target.h"

#include "node/gateways/proxy_address.h"

namespace sipedge {

DialLeg gateway_target(const DialLeg& leg, const GatewayConfig& gateway, const std::string& contact) {
  DialLeg out = leg;
  out.kind = EndpointKind::sofia_uri;
  out.profile = gateway.profile;
  out.gateway = gateway.name;
  out.scheme = "sip";
  out.user = gateway.destination_prefix + leg.user;
  if (!leg.host.empty()) {
    out.host = leg.host;
    out.port = leg.port;
  } else {
    ProxyAddress proxy = parse_proxy_address(gateway.proxy);
    out.host = proxy.uri_host();
    out.port = proxy.port;
  }
  if (gateway.register_transport != "udp" && out.transport.empty()) {
    out.transport = gateway.register_transport;
    out.params += (out.params.empty() ? "" : ";") + std::string("transport=") + gateway.register_transport;
  }
  if (!gateway.outbound_proxy.empty()) {
    ProxyAddress hop = parse_proxy_address(gateway.outbound_proxy);
    out.fs_path = "sip:" + hop.uri_host() + (hop.port ? ":" + std::to_string(hop.port) : "") +
                  (out.transport.empty() ? "" : ";transport=" + out.transport);
  }
  out.to_host = out.to_host.empty() ? out.host + (out.port ? ":" + std::to_string(out.port) : "") : out.to_host;
  if (!gateway.caller_id_in_from) out.from_user = gateway.from_user;
  // mod_sofia: with caller-id-in-from and no from-domain written, the From
  // host is our own address (the profile's); otherwise from-domain (default: the proxy).
  out.from_host = gateway.caller_id_in_from && !gateway.from_domain_explicit ? "" : gateway.from_domain;
  out.contact = contact;
  // The gateway's outbound variables, unless the dial string set them.
  for (const GatewayVariable* v : gateway.variables_for("outbound")) out.vars.emplace(v->name, v->value);
  // The gateway's credentials are not channel variables: they answer a
  // challenge only when it comes from the gateway (node/gateways/gateway_auth.h).
  out.vars["sip_gateway_name"] = gateway.name;
  return out;
}

}  // namespace sipedge
