#pragma once
// The active/standby settings of switch.conf.xml <settings> (docs/cluster.md):
// cluster-name, cluster-lease-ttl, cluster-lease-renew, cluster-vip,
// cluster-vip-interface, cluster-takeover-command, cluster-release-command,
// cluster-auto-recover. Checked here: a bad value is a ConfigError naming
// the file and line.
#include <chrono>
#include <string>

#include "node/config/node_config.h"

namespace sipedge {

struct ClusterSettings {
  std::string cluster_name = "default";
  std::chrono::milliseconds lease_ttl{1000};
  std::chrono::milliseconds lease_renew{200};
  std::string vip;            // "10.77.0.100/24" ("" = the node does not manage an address)
  std::string vip_address;    // "10.77.0.100"
  std::string vip_interface;  // required with vip
  std::string takeover_command;  // "" = built-in: ip addr add + arping -U
  std::string release_command;   // "" = built-in: ip addr del
  bool auto_recover = true;
};

// Throws ConfigError.
ClusterSettings cluster_settings(const SwitchConfig& config);

}  // namespace sipedge
