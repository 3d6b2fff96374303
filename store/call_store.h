#pragma once
// Calls of the B2BUA, persisted for recovery (migrations/0004_calls.sql): a
// row per call (active_calls) and per leg (call_legs) holding every dialog
// field nta_leg_tcreate needs to rebuild the leg on another node. Plain
// structs: the SIP layer turns its legs into these.
//
// When the SIP layer writes (docs/sql.md "Calls"):
//   - save_confirmed: the call is confirmed, BEFORE the 200 OK is relayed to
//     the caller (relay it from the callback, only when ok()).
//   - update_leg: on every re-INVITE/UPDATE that changes SDP, and BEFORE an
//     in-dialog request leaves with a new CSeq (send it from the callback).
//   - set_state: terminating when a BYE starts; finish: when the call ends.
//
// Every write is ONE SQL statement (one implicit transaction, one round trip,
// one commit), a prepared statement. The CSeq update is a single-row UPDATE
// of call_legs that touches no indexed column (a HOT update).
//
// Threads: callbacks run on the Database worker thread (post to your own
// thread), exactly once, in submission order. The one exception is a call
// made after Database::stop(): it fails on the caller's thread. Callbacks
// must not block on a thread that waits for the database.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/database.h"
#include "store/write_fence.h"

namespace sipedge {

using SystemTime = std::chrono::system_clock::time_point;

// One dialog. Times: a default-constructed SystemTime{} written means "now()
// on the database clock"; read back it is the stored value (answered_at is
// SystemTime{} when null).
struct LegRecord {
  std::string uuid;        // the channel's uuid (FreeSWITCH Unique-ID); a UUID
  std::string call_uuid;   // filled in from CallRecord::uuid when empty
  std::string direction;   // "inbound" (from the caller) | "outbound" (to the callee)
  std::string profile_name;
  std::string state = "confirmed";  // "early" | "confirmed" | "terminating"
  // The dialog exactly as nta_leg_tcreate takes it back:
  //   SIPTAG_CALL_ID_STR(call_id), SIPTAG_FROM_STR("<local_uri>;tag=local_tag"),
  //   SIPTAG_TO_STR("<remote_uri>;tag=remote_tag"), SIPTAG_CSEQ_STR("<local_cseq> ..."),
  //   NTATAG_REMOTE_CSEQ(remote_cseq), then nta_leg_server_route(route_set, remote_target).
  std::string call_id;
  std::string local_uri, local_tag;    // our side (From of our requests), URI without tag
  std::string remote_uri, remote_tag;  // the peer (To of our requests), URI without tag
  std::uint32_t local_cseq = 0;        // highest CSeq we used (or are about to use)
  std::uint32_t remote_cseq = 0;       // highest CSeq the peer used
  std::string remote_target;           // the peer's Contact URI
  std::vector<std::string> route_set;  // Route values in the order nta sends them (nta_leg_get_route)
  std::string contact;                 // our Contact on this leg
  std::string transport;               // "udp" | "tcp" | "tls" | "ws" | "wss"
  std::string network_ip;              // the peer's address as seen: next hop after a failover
  int network_port = 0;
  std::string local_sdp, remote_sdp;   // current offer/answer each way ("" when none)
  std::vector<std::pair<std::string, std::string>> variables;  // channel variables, in order
  SystemTime created_at{}, answered_at{}, updated_at{};        // updated_at: database clock, read only
};

struct CallRecord {
  std::string uuid;       // the call's uuid (often the A leg's); a UUID
  std::string cluster_name = "default";  // the active/standby pair that owns it
  std::string node_name;  // owning node (switchname)
  std::int64_t owner_epoch = 0;  // the owner's fencing epoch (0 until the HA issue)
  std::string profile_name;      // profile of the A leg
  std::string state = "confirmed";  // "early" | "confirmed" | "terminating"
  std::string caller_id_name, caller_id_number, destination_number;
  LegRecord a_leg;  // towards the caller (inbound)
  LegRecord b_leg;  // towards the callee (outbound)
  SystemTime created_at{}, answered_at{}, updated_at{};
};

// Fields a leg may change during the call; what is empty stays as stored.
// CSeqs never go down: the stored value is the greater of old and new (a
// rebuilt leg must not reuse a CSeq, nor accept an old one).
struct LegUpdate {
  std::string uuid;  // the leg
  std::optional<std::uint32_t> local_cseq;
  std::optional<std::uint32_t> remote_cseq;
  std::optional<std::string> local_sdp;
  std::optional<std::string> remote_sdp;
  std::optional<std::string> remote_target;  // target refresh (RFC 3261 12.2)
  std::optional<std::vector<std::string>> route_set;
  std::optional<std::vector<std::pair<std::string, std::string>>> variables;  // replaces the whole list
  std::optional<std::string> state;
};

// The call_history row finish() wrote.
struct CallSummary {
  std::string uuid, node_name, profile_name;
  std::string a_leg_uuid, b_leg_uuid, a_call_id, b_call_id;  // "" when the leg was missing
  std::string caller_id_name, caller_id_number, destination_number;
  std::string caller_uri, callee_uri;  // remote URIs of the A and B legs
  SystemTime created_at{}, answered_at{}, ended_at{};  // answered_at SystemTime{} when never answered
  std::string hangup_cause;
  std::int64_t duration = 0;  // seconds, created..ended
  std::int64_t billsec = 0;   // seconds, answered..ended
};

enum class CallWriteResult {
  committed,  // durable
  not_found,  // no such call/leg (already finished, or never saved): nothing written
  rejected,   // the record is invalid or clashes with stored rows (duplicate uuid): nothing written
  failed,     // the database is down or the statement failed: nothing written (or, if the
              // connection broke during the commit, unknown: error says "database unavailable")
};

struct CallWriteOutcome {
  CallWriteResult result = CallWriteResult::failed;
  std::string error;                   // "" when committed
  std::optional<CallSummary> summary;  // finish(): the history row
  bool ok() const { return result == CallWriteResult::committed; }
};

// Filters for list(); "" matches anything.
struct CallFilter {
  std::string profile_name;
  std::string node_name;
  std::string state;
  std::string cluster_name;
};

class CallStore {
 public:
  using WriteCallback = std::function<void(CallWriteOutcome)>;
  using CallsCallback = std::function<void(std::vector<CallRecord>)>;

  // What every committed write announces to the cluster (pg_notify on
  // channel "sipedge_recovery", in the write's transaction) and to this node
  // (the hook, on the worker): the call (or leg) uuid, the operation
  // (confirmed, updated, terminating, finished) and the epoch it carried.
  using PublishHook = std::function<void(const std::string& uuid, const std::string& operation, std::int64_t epoch)>;

  // Declares the prepared statements on db. The store keeps a reference:
  // db must outlive it. With a fence, every write runs in a transaction that
  // first checks sipedge_fence() (store/write_fence.h) and loads are limited
  // to the fence's cluster; a fenced write fails ("fenced: ...").
  explicit CallStore(Database& db, const WriteFence* fence = nullptr);
  // The node name in the notifications, and the local hook. Before use.
  void publish_to(std::string node_name, PublishHook hook);

  // Inserts the call and both legs, state confirmed, in one statement.
  // record.state must be "confirmed" (or ""); leg call_uuid "" or the call's.
  void save_confirmed(CallRecord record, WriteCallback done);
  void update_leg(LegUpdate update, WriteCallback done);
  // Sets the call's state and both legs' state.
  void set_state(std::string call_uuid, std::string state, WriteCallback done);
  // Deletes the call and its legs and inserts the call_history row, in one
  // statement; the outcome carries the summary. hangup_cause: FreeSWITCH
  // name (NORMAL_CLEARING, ...), not empty.
  void finish(std::string call_uuid, std::string hangup_cause, WriteCallback done);

  // Reads; exactly one of on_done/on_error runs, on the worker.
  // Every confirmed call of the cluster (any node), of one profile or all
  // (""), oldest first: what a node recovers at takeover.
  void load_confirmed(std::string profile_name, CallsCallback on_done, Database::ErrorHandler on_error);
  // show calls / show channels: every matching call in any state, oldest first.
  void list(CallFilter filter, CallsCallback on_done, Database::ErrorHandler on_error);
  // One call, or nullopt.
  void find(std::string call_uuid, std::function<void(std::optional<CallRecord>)> on_done,
            Database::ErrorHandler on_error);
  // Recovery: the calls now belong to `node_name` with `epoch` (fenced), and
  // every leg's local CSeq goes up by `cseq_margin` (the rebuilt legs' margin),
  // in one statement whatever the number of calls.
  void take_over(std::vector<std::string> call_uuids, std::string node_name, std::int64_t epoch,
                 std::uint32_t cseq_margin, WriteCallback done);
  // Active calls (any state) of one node, or of the cluster ("").
  void count(std::string node_name, std::function<void(std::int64_t)> on_done, Database::ErrorHandler on_error);

 private:
  struct Publisher {
    const WriteFence* fence = nullptr;
    std::string node_name;
    PublishHook hook;
  };
  Database& db_;
  std::shared_ptr<Publisher> publisher_;
};

const char* to_string(CallWriteResult result);

}  // namespace sipedge
