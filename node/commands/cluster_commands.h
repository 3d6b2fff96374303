#pragma once
#include <cstddef>
#include <optional>
// `cluster status`: this node's place in its active/standby pair, one
// `key: value` per line (role, epoch, lease-holder, lease-expires-in-ms, vip,
// node, cluster, accepting, ...), for operators' scripts (keepalived checks).
#include "node/commands/command_registry.h"
#include "node/commands/node_services.h"

namespace sipedge {

void register_cluster_commands(CommandRegistry& registry, NodeServices& node);
// The text of `cluster status` (also used by tests of the layout).
// `warm_calls`: live calls this node heard of on the cluster's recovery
// channel (sofia::recovery_recv); the line is left out when unknown.
std::string format_cluster_status(const struct ClusterStatus& status,
                                  std::optional<std::size_t> warm_calls = std::nullopt);

}  // namespace sipedge
