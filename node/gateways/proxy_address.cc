#include "node/gateways/proxy_address.h"

#include <cstdlib>

namespace sipedge {

std::string host_part(const std::string& uri) {
  std::string s = uri;
  if (s.rfind("sip:", 0) == 0) s = s.substr(4);
  else if (s.rfind("sips:", 0) == 0) s = s.substr(5);
  if (auto semi = s.find(';'); semi != std::string::npos) s = s.substr(0, semi);
  if (auto at = s.find('@'); at != std::string::npos) s = s.substr(at + 1);
  return s;
}

ProxyAddress parse_proxy_address(const std::string& uri) {
  const std::string hp = host_part(uri);
  ProxyAddress a;
  if (!hp.empty() && hp.front() == '[') {
    auto close = hp.find(']');
    a.host = hp.substr(1, close == std::string::npos ? std::string::npos : close - 1);
    if (close != std::string::npos && close + 1 < hp.size() && hp[close + 1] == ':') a.port = std::atoi(hp.c_str() + close + 2);
    return a;
  }
  auto colon = hp.rfind(':');
  if (colon != std::string::npos && hp.find(':') == colon) {
    a.host = hp.substr(0, colon);
    a.port = std::atoi(hp.c_str() + colon + 1);
  } else {
    a.host = hp;
  }
  return a;
}

}  // namespace sipedge
