#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "node/commands/command_registry.h"
#include "node/commands/node_services.h"

namespace sipedge {

// Why recovery runs: by hand, or right after this node took the lease over.
struct RecoverContext {
  std::int64_t epoch = 0;           // the epoch the calls are taken over with (0: the fence's)
  std::string previous_holder;      // the node that held the lease before
  std::optional<std::chrono::steady_clock::time_point> promoted_at;  // takeover: when the lease was won
};

// `sofia recover` (profile "" = every profile) and `sofia profile P recover`:
// rebuilds the cluster's confirmed calls from the database on this node and
// takes their rows over (node, epoch). Replies FreeSWITCH's
// `Recovered N call(s)` / `No calls to recover.` and fires
// sofia::recovery_recovered. A standby node refuses (the active one serves
// the calls). SIP thread; the reply comes later.
void recover_calls(NodeServices& node, const std::string& profile, Reply reply, RecoverContext context = {});

// `sofia recover flush` / `sofia profile P recover flush`: ends, in the
// database, the confirmed calls of the cluster that this (active) node does
// not hold (those whose recovery failed, or whose far ends are gone): they go
// to call_history with MANAGER_REQUEST. Live calls held here are never
// touched. Replies FreeSWITCH's "Flushing recovery database." (+ the count).
void flush_recovery(NodeServices& node, const std::string& profile, Reply reply);

}  // namespace sipedge
