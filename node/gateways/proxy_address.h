#pragma once
// The address parts of a gateway's proxy / register-proxy / outbound-proxy
// value as mod_sofia accepts it: "host", "host:port", "[v6]:port", or a URI
// "sip:[user@]host[:port][;params]". Pure functions, one parser for the
// gateway code and the call code.
#include <string>

namespace sipedge {

// "host:port" (or "host", "[v6]:port") as written, scheme, user and params dropped.
std::string host_part(const std::string& uri);

struct ProxyAddress {
  std::string host;  // IPv6 without brackets
  int port = 0;      // 0 = not written
  // host as it goes into a URI (IPv6 in brackets).
  std::string uri_host() const { return host.find(':') != std::string::npos ? "[" + host + "]" : host; }
};

ProxyAddress parse_proxy_address(const std::string& uri);

}  // namespace sipedge
