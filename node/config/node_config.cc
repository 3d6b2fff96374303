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
