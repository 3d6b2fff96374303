#pragma once
#include "node/commands/command_registry.h"
#include "node/commands/node_services.h"

namespace sipedge {

// Registers `sofia` (status, xmlstatus, profile, loglevel, tracelevel, global, help).
void register_sofia_command(CommandRegistry& registry, NodeServices& node);

}  // namespace sipedge
