#pragma once
// `cluster status`: this node's place in its active/standby pair, one
// `key: value` per line (role, epoch, lease-holder, lease-expires-in-ms, vip,
// node, cluster, accepting, ...), for operators' scripts (keepalived checks).
#include "node/commands/command_registry.h"
#include "node/commands/node_services.h"

namespace sipedge {

void register_cluster_commands(CommandRegistry& registry, NodeServices& node);
// The text of `cluster status` (also used by tests of the layout).
std::string format_cluster_status(const struct ClusterStatus& status);

}  // namespace sipedge
