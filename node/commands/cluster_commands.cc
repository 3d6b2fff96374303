#include "node/commands/cluster_commands.h"

#include "recovery/cluster_role.h"

namespace sipedge {

std::string format_cluster_status(const ClusterStatus& s, std::optional<std::size_t> warm_calls) {
  std::string out;
  auto line = [&out](const char* key, const std::string& value) { out += std::string(key) + ": " + value + "\n"; };
  line("role", to_string(s.lease.role));
  line("epoch", std::to_string(s.lease.role == LeaseRole::active ? s.lease.epoch : s.lease.lease_epoch));
  line("lease-holder", s.lease.lease_holder);
  line("lease-expires-in-ms", std::to_string(s.lease.lease_expires_in_ms));
  line("vip", s.vip);
  line("node", s.node);
  line("cluster", s.cluster_name);
  line("accepting", s.accepting ? "true" : "false");
  line("forced-standby", s.lease.forced_standby ? "true" : "false");
  line("promotions", std::to_string(s.lease.promotions));
  line("demotions", std::to_string(s.lease.demotions));
  line("last-demotion", s.lease.last_demotion);
  line("last-error", s.lease.last_error);
  if (warm_calls) line("warm-calls", std::to_string(*warm_calls));
  return out;
}

void register_cluster_commands(CommandRegistry& registry, NodeServices& node) {
  registry.add("cluster", "status", "Active/standby role of this node", [&node](const CommandArgs& args, Reply reply) {
    if (args.words.empty() || args.words[0] != "status") return reply("-ERR Usage: cluster status\n");
    ClusterRole* role = node.cluster();
    if (!role) return reply("-ERR this node runs no cluster lease\n");
    reply(format_cluster_status(role->status(), node.warm_calls()));
  });
}

}  // namespace sipedge
