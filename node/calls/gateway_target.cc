#include "node/calls/gateway_target.h"

namespace sipedge {

namespace {

// "sip:host:port;x" | "host:port" | "[v6]:port" -> host (IPv6 in brackets), port (0 = none).
void host_and_port(std::string text, std::string& host, int& port) {
  if (text.rfind("sip:", 0) == 0) text = text.substr(4);
  if (auto at = text.find('@'); at != std::string::npos) text = text.substr(at + 1);
  if (auto semi = text.find(';'); semi != std::string::npos) text = text.substr(0, semi);
  port = 0;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    host = text.substr(0, close + 1);
    if (close != std::string::npos && close + 1 < text.size() && text[close + 1] == ':')
      port = std::atoi(text.c_str() + close + 2);
    return;
  }
  auto colon = text.rfind(':');
  if (colon != std::string::npos && text.find(':') == colon) {
    host = text.substr(0, colon);
    port = std::atoi(text.c_str() + colon + 1);
  } else {
    host = text;
  }
}

}  // namespace

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
    host_and_port(gateway.proxy, out.host, out.port);
  }
  if (gateway.register_transport != "udp" && out.transport.empty()) {
    out.transport = gateway.register_transport;
    out.params += (out.params.empty() ? "" : ";") + std::string("transport=") + gateway.register_transport;
  }
  if (!gateway.outbound_proxy.empty()) {
    std::string host;
    int port = 0;
    host_and_port(gateway.outbound_proxy, host, port);
    out.fs_path = "sip:" + host + (port ? ":" + std::to_string(port) : "") +
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
  if (!gateway.password.empty() || !gateway.auth_username.empty()) {
    out.vars.emplace("sip_auth_username", gateway.auth_username.empty() ? gateway.username : gateway.auth_username);
    out.vars.emplace("sip_auth_password", gateway.password);
  }
  out.vars["sip_gateway_name"] = gateway.name;
  return out;
}

}  // namespace sipedge
