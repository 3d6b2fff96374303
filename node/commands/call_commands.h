#pragma once
#include "node/commands/command_registry.h"
#include "node/commands/node_services.h"

namespace sipedge {

// Registers `show calls|channels [count]`, `uuid_kill <uuid> [cause]`, `hupall [cause]`.
void register_call_commands(CommandRegistry& registry, NodeServices& node);

}  // namespace sipedge
