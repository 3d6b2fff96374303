#include "node/config/cluster_settings.h"

#include "node/config/config_values.h"
#include "node/config/ip_network.h"

namespace sipedge {

ClusterSettings cluster_settings(const SwitchConfig& config) {
  ClusterSettings s;
  const Param* ttl = nullptr;
  const Param* renew = nullptr;
  const Param* vip = nullptr;
  for (const Param& p : config.params) {
    if (p.name == "cluster-name") {
      s.cluster_name = non_empty_value(p);
    } else if (p.name == "cluster-lease-ttl") {
      s.lease_ttl = milliseconds_value(p, 100, 600000);
      ttl = &p;
    } else if (p.name == "cluster-lease-renew") {
      s.lease_renew = milliseconds_value(p, 10, 600000);
      renew = &p;
    } else if (p.name == "cluster-vip") {
      vip = &p;
      s.vip = p.value;
      auto slash = p.value.find('/');
      s.vip_address = p.value.substr(0, slash);
      auto address = IpAddress::parse(s.vip_address);
      bool prefix_ok = slash == std::string::npos ||
                       (slash + 1 < p.value.size() && p.value.size() - slash <= 4 &&
                        p.value.find_first_not_of("0123456789", slash + 1) == std::string::npos &&
                        address && std::stoi(p.value.substr(slash + 1)) <= address->max_prefix());
      if (!s.vip.empty() && (!address || !prefix_ok))
        throw ConfigError(p.where, "param cluster-vip: \"" + p.value + "\" is not an address/prefix (10.0.0.100/24)");
      if (!s.vip.empty() && slash == std::string::npos)
        s.vip += IpAddress::parse(s.vip_address)->family == 6 ? "/128" : "/32";
    } else if (p.name == "cluster-vip-interface") {
      s.vip_interface = p.value;
    } else if (p.name == "cluster-takeover-command") {
      s.takeover_command = p.value;
    } else if (p.name == "cluster-release-command") {
      s.release_command = p.value;
    } else if (p.name == "cluster-auto-recover") {
      s.auto_recover = bool_value(p);
    }
  }
  // The renewals must come well inside the TTL (the keeper demotes at TTL - TTL/10).
  if (s.lease_renew * 10 >= s.lease_ttl * 9)
    throw ConfigError(renew ? renew->where : ttl ? ttl->where : config.where,
                      "cluster-lease-renew (" + std::to_string(s.lease_renew.count()) +
                          " ms) must be shorter than 90% of cluster-lease-ttl (" +
                          std::to_string(s.lease_ttl.count()) + " ms)");
  if (!s.vip.empty() && s.vip_interface.empty())
    throw ConfigError(vip->where, "param cluster-vip needs cluster-vip-interface (the interface that carries it)");
  return s;
}

}  // namespace sipedge
