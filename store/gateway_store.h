#pragma once
// Runtime state of upstream gateways (migrations/0005_gateways.sql): one row
// per (cluster, profile, gateway), written on every state transition, so a
// node that takes a gateway over continues the same registration (same
// Call-ID, CSeq + 1, no un-REGISTER first). Plain structs: the gateway code
// turns its state into these.
//
// Threads: callbacks run on the Database worker thread (post to your own
// thread), exactly once, in submission order; a call made after
// Database::stop() fails on the caller's thread.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "store/database.h"
#include "store/write_fence.h"

namespace sipedge {

struct GatewayRecord {
  std::string cluster_name = "default";
  std::string profile_name;
  std::string gateway_name;
  std::string node_name;          // the node that runs it now
  std::int64_t owner_epoch = 0;   // fencing epoch of that node (0 until the HA issue)
  std::string state;              // UNREGED, TRYING, REGISTER, REGED, ... (mod_sofia names)
  std::string status;             // "UP" | "DOWN"
  std::string register_call_id;   // the Call-ID every REGISTER of this registration uses
  std::uint32_t register_cseq = 0;  // highest CSeq sent (the next REGISTER uses + 1)
  std::string register_contact;   // our Contact as registered
  // When the upstream's registration runs out (granted expiry): an absolute
  // UTC time, written and read back as is (microseconds). nullopt = none.
  std::optional<std::chrono::system_clock::time_point> expires_at;
  int failures = 0;               // consecutive failed registrations
  int ping_count = 0;             // between ping-min and ping-max semantics (mod_sofia ping_count)
  std::optional<std::chrono::system_clock::time_point> last_ping_at;
  int last_ping_status = 0;       // SIP status of the last OPTIONS reply (408 when none came)
  int last_response_code = 0;     // last final response to REGISTER
  std::string last_response_phrase;
  std::string register_network_ip;  // where the REGISTERs went (Register-Network-IP)
  int register_network_port = 0;
  std::optional<std::chrono::system_clock::time_point> updated_at;  // database clock, read only
};

enum class GatewayWriteResult { committed, fenced, failed };

struct GatewayWriteOutcome {
  GatewayWriteResult result = GatewayWriteResult::failed;
  std::string error;
  bool ok() const { return result == GatewayWriteResult::committed; }
};

class GatewayStore {
 public:
  using WriteCallback = std::function<void(GatewayWriteOutcome)>;

  // Declares the prepared statements on db; db must outlive the store. With
  // a fence, save() and remove() first pass sipedge_fence() in their
  // transaction and a refused write comes back `fenced`.
  explicit GatewayStore(Database& db, const WriteFence* fence = nullptr);

  // Insert or update the row of (cluster, profile, gateway), one statement.
  // updated_at becomes now() on the database clock. register_cseq never goes
  // down while register_call_id stays the same. A record the schema refuses
  // (state/status names, ranges) answers failed with PostgreSQL's message.
  void save(GatewayRecord record, WriteCallback done);
  // Deletes the row (killgw, a gateway removed from the config); no row is
  // not an error (committed).
  void remove(std::string cluster_name, std::string profile_name, std::string gateway_name, WriteCallback done);
  // One row, or nullopt. Exactly one of on_done/on_error runs, on the worker.
  void find(std::string cluster_name, std::string profile_name, std::string gateway_name,
            std::function<void(std::optional<GatewayRecord>)> on_done, Database::ErrorHandler on_error);
  // Every row of a cluster ("" profile = all profiles), ordered by profile and name.
  void list(std::string cluster_name, std::string profile_name,
            std::function<void(std::vector<GatewayRecord>)> on_done, Database::ErrorHandler on_error);

 private:
  Database& db_;
  const WriteFence* fence_ = nullptr;
};

}  // namespace sipedge
