// Lookups on the plain config structs of node_config.h.
#include "node/config/node_config.h"

#include "node/config/config_values.h"

namespace sipedge {

const Param* ProfileConfig::param(const std::string& name) const {
  // The last occurrence wins, as mod_sofia applies params in order.
  const Param* found = nullptr;
  for (const Param& p : params) {
    if (iequals(p.name, name)) found = &p;
  }
  return found;
}

const GatewayConfig* ProfileConfig::gateway(const std::string& name) const {
  for (const GatewayConfig& g : gateways) {
    if (g.name == name) return &g;
  }
  return nullptr;
}

std::vector<const GatewayVariable*> GatewayConfig::variables_for(const std::string& direction) const {
  std::vector<const GatewayVariable*> found;
  for (const GatewayVariable& v : variables) {
    if (v.direction.empty() || v.direction == direction) found.push_back(&v);
  }
  return found;
}

const GatewayConfig* SofiaConfig::gateway(const std::string& name) const {
  for (const ProfileConfig& p : profiles) {
    if (const GatewayConfig* g = p.gateway(name)) return g;
  }
  return nullptr;
}

const ProfileConfig* SofiaConfig::profile(const std::string& name) const {
  for (const ProfileConfig& p : profiles) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

const AclList* AclConfig::list(const std::string& name) const {
  for (const AclList& l : lists) {
    if (l.name == name) return &l;
  }
  return nullptr;
}

}  // namespace sipedge
