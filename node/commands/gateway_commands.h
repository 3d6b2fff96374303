#pragma once
// Gateway console commands, with mod_sofia's replies (reference §4):
//   sofia profile P killgw <name|_all_>      +OK gateway marked for deletion. | -ERR no such gateway.
//   sofia profile P gwlist [up|down]         names separated by spaces
//   sofia profile P register|unregister <gw|all>
//   sofia profile P startgw <name>
//   sofia status gateway [NAME]              summary table | detail block | Invalid Gateway!
//   sofia_gateway_data <gw> ivar|ovar|var <name>
// The sofia ones run on the SIP thread (called from sofia_command.cc).
#include <optional>
#include <string>
#include <vector>

#include "node/commands/command_registry.h"
#include "node/commands/node_services.h"

namespace sipedge {

// `sofia profile <name> <action> ...` for the gateway actions; nullopt when
// `action` is not one of them.
std::optional<std::string> gateway_profile_command(NodeServices& node, const std::string& profile,
                                                   const std::string& action, const std::vector<std::string>& args);
// `sofia status gateway [NAME]` (text) or `sofia xmlstatus gateway [NAME]`
// (mod_sofia's XML): every gateway or one; "Invalid Gateway!" when unknown.
std::string gateway_status_command(NodeServices& node, const std::vector<std::string>& args, bool xml = false);
void register_gateway_data_command(CommandRegistry& registry, NodeServices& node);

}  // namespace sipedge
