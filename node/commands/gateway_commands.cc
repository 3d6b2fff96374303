#include "node/commands/gateway_commands.h"

#include <cassert>

#include <spdlog/spdlog.h>

#include "node/commands/gateway_status_format.h"
#include "node/gateways/gateway_manager.h"

namespace sipedge {

std::optional<std::string> gateway_profile_command(NodeServices& node, const std::string& profile,
                                                   const std::string& action, const std::vector<std::string>& args) {
  assert(node.sip_loop().in_thread());
  GatewayManager* gateways = node.gateways();
  if (action != "killgw" && action != "gwlist" && action != "register" && action != "unregister" &&
      action != "startgw")
    return std::nullopt;
  if (!gateways) return "-ERR gateways are not running\n";
  if (action == "killgw") {
    if (args.empty()) return "-ERR missing gw name\n";
    if (args[0] == "_all_") {
      gateways->kill_all(profile);
      return "+OK every gateway marked for deletion.\n";
    }
    return gateways->kill(profile, args[0]) ? "+OK gateway marked for deletion.\n" : "-ERR no such gateway.\n";
  }
  if (action == "gwlist") {
    // mod_sofia: UP gateways unless "down" is asked; names separated by spaces, nothing else.
    bool up = !(!args.empty() && args[0] == "down");
    std::string out;
    for (const std::string& n : gateways->names(profile, up)) out += (out.empty() ? "" : " ") + n;
    return out;
  }
  if (action == "register" || action == "unregister") {
    if (args.empty()) return "-ERR missing gateway name (or all)\n";
    std::size_t n = action == "register" ? gateways->register_now(profile, args[0]) : gateways->unregister(profile, args[0]);
    if (n == 0 && args[0] != "all") return "Invalid gateway!\n";
    return "+OK\n";
  }
  // startgw: mod_sofia reloads the XML first, then starts what is new.
  if (args.empty()) return "-ERR missing gateway name\n";
  Profile* p = node.profiles().find(profile);
  if (!p) return "Invalid Profile [" + profile + "]";
  std::string error = node.reload_config();
  std::string out = "Reload XML [" + (error.empty() ? std::string("Success") : error) + "]\n";
  auto config = node.config();
  const ProfileConfig* pc = config->sofia.profile(profile);
  if (pc) {
    std::string started = gateways->start_gateway(*p, *pc, args[0]);
    if (!started.empty()) spdlog::info("startgw {}: {}", args[0], started);
  }
  return out + "+OK start gateway " + args[0] + " complete\n";
}

std::string gateway_status_command(NodeServices& node, const std::vector<std::string>& args, bool xml) {
  GatewayManager* gateways = node.gateways();
  if (args.empty()) {
    auto all = gateways ? gateways->snapshots() : std::vector<GatewaySnapshot>{};
    return xml ? format_gateways_xmlstatus(all) : format_gateway_summary(all);
  }
  Gateway* gw = gateways ? gateways->find(args[0]) : nullptr;
  if (!gw) return "Invalid Gateway!\n";
  return xml ? format_gateway_xmlstatus(gw->snapshot()) : format_gateway_detail(gw->snapshot());
}

void register_gateway_data_command(CommandRegistry& registry, NodeServices& node) {
  registry.add("sofia_gateway_data", "<gateway_name> [ivar|ovar|var] <name>", "Get data from a sofia gateway",
               [&node](const CommandArgs& args, Reply reply) {
                 node.sip_loop().post([&node, words = args.words, reply = std::move(reply)] {
                   if (words.size() < 3) return reply("-ERR Usage: sofia_gateway_data <gateway_name> [ivar|ovar|var] <name>\n");
                   GatewayManager* gateways = node.gateways();
                   Gateway* gw = gateways ? gateways->find(words[0]) : nullptr;
                   if (!gw) return reply("-ERR no such gateway.\n");
                   const std::string& kind = words[1];
                   const std::string& name = words[2];
                   auto lookup = [&](const std::string& direction) -> const GatewayVariable* {
                     for (const GatewayVariable* v : gw->config().variables_for(direction))
                       if (v->name == name) return v;
                     return nullptr;
                   };
                   const GatewayVariable* v = nullptr;
                   if (kind == "ivar") v = lookup("inbound");
                   else if (kind == "ovar") v = lookup("outbound");
                   else if (kind == "var") v = lookup("inbound") ? lookup("inbound") : lookup("outbound");
                   else return reply("-ERR Usage: sofia_gateway_data <gateway_name> [ivar|ovar|var] <name>\n");
                   reply(v ? v->value : "");
                 });
               });
}

}  // namespace sipedge
