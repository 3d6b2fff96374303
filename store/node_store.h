#pragma once
// The cluster_nodes table (migrations/0001_cluster_nodes.sql): which nodes
// exist and when each was last seen. Each node writes only its own row.
//
// Threads: every call only queues a job on the Database worker and returns.
// on_done / on_error run later ON THE DATABASE WORKER THREAD: keep them short
// and post to your own thread. Exactly one of the two is called per request.
// Construct the NodeStore before or after Database::start(): it declares its
// prepared statements either way.
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "store/database.h"

namespace sipedge {

struct NodeRecord {
  std::string node_name;   // switch.conf.xml switchname
  std::string runtime_id;  // UUID text, random per process start
  std::string version;
  std::string hostname;    // "" is stored as NULL
  // Read back by list_nodes (database clock); ignored by register_node.
  std::chrono::system_clock::time_point started_at{};
  std::chrono::system_clock::time_point last_seen_at{};
  std::chrono::milliseconds since_last_seen{0};  // now() - last_seen_at on the database
};

struct NodeRegisterOutcome {
  // The runtime that owned the row before ("" for a new node name), and how
  // long before this registration it was last seen. A different runtime seen
  // moments ago means two live processes share one node name.
  std::string previous_runtime_id;
  std::chrono::milliseconds previous_seen_ago{0};
};

enum class TouchResult {
  touched,         // last_seen_at updated
  not_registered,  // no row for this node name (an operator deleted it)
  other_runtime,   // the row belongs to another runtime_id (another process took the name)
};

struct TouchOutcome {
  TouchResult result = TouchResult::touched;
  std::string current_runtime_id;  // set for other_runtime
};

class NodeStore {
 public:
  using ErrorCallback = Database::ErrorHandler;

  explicit NodeStore(Database& db);

  // Upsert on node_name: sets runtime_id, version, hostname, last_seen_at =
  // now(); started_at = now() unless the row already has this runtime_id
  // (re-registering after a reconnect keeps the process's start time).
  void register_node(NodeRecord node, std::function<void(NodeRegisterOutcome)> on_done, ErrorCallback on_error);

  // Heartbeat: last_seen_at = now() where node_name and runtime_id match.
  void touch(std::string node_name, std::string runtime_id, std::function<void(TouchOutcome)> on_done,
             ErrorCallback on_error);

  // Every node, ordered by node_name.
  void list_nodes(std::function<void(std::vector<NodeRecord>)> on_done, ErrorCallback on_error);

 private:
  Database& db_;
};

}  // namespace sipedge
