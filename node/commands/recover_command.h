#pragma once
#include <string>

#include "node/commands/command_registry.h"
#include "node/commands/node_services.h"

namespace sipedge {

// `sofia recover` (profile "" = every profile) and `sofia profile P recover`:
// rebuilds the cluster's confirmed calls from the database on this node.
// Replies FreeSWITCH's `Recovered N call(s)` / `No calls to recover.` and
// fires sofia::recovery_recovered. SIP thread; the reply comes later.
void recover_calls(NodeServices& node, const std::string& profile, Reply reply);

}  // namespace sipedge
