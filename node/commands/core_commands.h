#pragma once
#include "node/commands/command_registry.h"
#include "node/commands/node_services.h"

namespace sipedge {

// Registers `status`, `version`, `reloadxml`, `console`, `help`.
void register_core_commands(CommandRegistry& registry, NodeServices& node);

}  // namespace sipedge
