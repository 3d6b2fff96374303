#include "store/call_store.h"

#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include "store/call_sql.h"
#include "store/lease_store.h"
#include "store/error_text.h"
#include "store/pg_array.h"
#include "store/callback_guard.h"

// Threads: every public function only submits a job; jobs and callbacks run
// on the Database worker (in submission order, so a CSeq update submitted
// after save_confirmed is applied after it).
//
// Writes use pqxx::nontransaction: each is a single statement, which
// PostgreSQL runs as its own transaction, so "BEGIN"/"COMMIT" round trips
// would only add latency. An SQL error in the data (constraint, bad uuid)
// answers `rejected` here; anything else (connection lost) propagates to the
// Database, whose on_error answers `failed`.

namespace sipedge {

namespace sql = call_sql;

namespace {

SystemTime from_micros(long long micros) {
  return SystemTime(std::chrono::duration_cast<SystemTime::duration>(std::chrono::microseconds(micros)));
}

long long to_micros(SystemTime t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

template <typename Callback, typename... Args>
void invoke(const Callback& callback, const char* what, Args&&... args) {
  invoke_callback("call store", what, callback, std::forward<Args>(args)...);
}

CallWriteOutcome outcome(CallWriteResult result, std::string error = {}) {
  CallWriteOutcome o;
  o.result = result;
  o.error = std::move(error);
  return o;
}

bool valid_state(const std::string& state) {
  return state == "early" || state == "confirmed" || state == "terminating";
}

// kLegColumns columns starting at `first` (call_sql.h leg_columns()).
LegRecord parse_leg(const pqxx::row& row, int first) {
  auto col = [&row, first](int i) { return row[first + i]; };
  LegRecord l;
  l.uuid = col(0).as<std::string>();
  l.direction = col(1).as<std::string>();
  l.profile_name = col(2).as<std::string>();
  l.state = col(3).as<std::string>();
  l.call_id = col(4).as<std::string>();
  l.local_uri = col(5).as<std::string>();
  l.local_tag = col(6).as<std::string>();
  l.remote_uri = col(7).as<std::string>();
  l.remote_tag = col(8).as<std::string>();
  l.local_cseq = static_cast<std::uint32_t>(col(9).as<long long>());
  l.remote_cseq = static_cast<std::uint32_t>(col(10).as<long long>());
  l.remote_target = col(11).as<std::string>();
  l.route_set = parse_netstrings(col(12).as<std::string>(), "call leg " + l.uuid + " route set");
  l.contact = col(13).as<std::string>();
  l.transport = col(14).as<std::string>();
  l.network_ip = col(15).as<std::string>();
  l.network_port = col(16).as<int>();
  l.local_sdp = col(17).as<std::string>();
  l.remote_sdp = col(18).as<std::string>();
  l.variables = parse_netstring_pairs(col(19).as<std::string>(), "call leg " + l.uuid + " variables");
  l.created_at = from_micros(col(20).as<long long>());
  l.answered_at = from_micros(col(21).as<long long>());
  l.updated_at = from_micros(col(22).as<long long>());
  l.call_uuid = col(23).as<std::string>();
  return l;
}

CallRecord parse_call(const pqxx::row& row) {
  CallRecord c;
  c.uuid = row[0].as<std::string>();
  c.node_name = row[1].as<std::string>();
  c.owner_epoch = row[2].as<long long>();
  c.profile_name = row[3].as<std::string>();
  c.state = row[4].as<std::string>();
  c.caller_id_name = row[5].as<std::string>();
  c.caller_id_number = row[6].as<std::string>();
  c.destination_number = row[7].as<std::string>();
  c.created_at = from_micros(row[8].as<long long>());
  c.answered_at = from_micros(row[9].as<long long>());
  c.updated_at = from_micros(row[10].as<long long>());
  c.a_leg = parse_leg(row, sql::kCallColumns);
  c.b_leg = parse_leg(row, sql::kCallColumns + sql::kLegColumns);
  return c;
}

std::vector<CallRecord> parse_calls(const pqxx::result& result) {
  std::vector<CallRecord> out;
  out.reserve(result.size());
  for (const auto& row : result) out.push_back(parse_call(row));
  return out;
}

// kFinishSql's RETURNING columns.
CallSummary parse_summary(const pqxx::row& row) {
  CallSummary s;
  s.uuid = row[0].as<std::string>();
  s.node_name = row[1].as<std::string>();
  s.profile_name = row[2].as<std::string>();
  s.a_leg_uuid = row[3].as<std::string>();
  s.b_leg_uuid = row[4].as<std::string>();
  s.a_call_id = row[5].as<std::string>();
  s.b_call_id = row[6].as<std::string>();
  s.caller_id_name = row[7].as<std::string>();
  s.caller_id_number = row[8].as<std::string>();
  s.destination_number = row[9].as<std::string>();
  s.caller_uri = row[10].as<std::string>();
  s.callee_uri = row[11].as<std::string>();
  s.created_at = from_micros(row[12].as<long long>());
  s.answered_at = from_micros(row[13].as<long long>());
  s.ended_at = from_micros(row[14].as<long long>());
  s.hangup_cause = row[15].as<std::string>();
  s.duration = row[16].as<long long>();
  s.billsec = row[17].as<long long>();
  return s;
}

std::string check_variables(const std::string& who, const std::vector<std::pair<std::string, std::string>>& vars) {
  for (const auto& [name, value] : vars) {
    if (name.empty()) return who + ": variable with an empty name";
  }
  return {};
}

// Checks the database would make less readable ("invalid input syntax for
// type uuid: """) or cannot make at all (leg sides). "" when fine.
std::string check_leg(const LegRecord& leg, const char* side, const std::string& call_uuid) {
  const std::string who = std::string(side) + " leg of call " + call_uuid;
  if (leg.uuid.empty()) return who + ": empty uuid";
  if (!leg.call_uuid.empty() && leg.call_uuid != call_uuid) {
    return who + ": belongs to call " + leg.call_uuid;
  }
  if (leg.direction != "inbound" && leg.direction != "outbound") {
    return who + ": direction must be inbound or outbound, not '" + leg.direction + "'";
  }
  if (!valid_state(leg.state)) return who + ": state must be early, confirmed or terminating";
  if (leg.call_id.empty()) return who + ": empty Call-ID";
  if (leg.local_tag.empty() || leg.remote_tag.empty()) return who + ": a confirmed dialog has both tags";
  if (leg.network_port < 0 || leg.network_port > 65535) return who + ": network port out of range";
  return check_variables(who, leg.variables);
}

std::string check_call(const CallRecord& record) {
  if (record.uuid.empty()) return "call: empty uuid";
  if (!record.state.empty() && record.state != "confirmed") {
    return "call " + record.uuid + ": save_confirmed needs state confirmed, not '" + record.state + "'";
  }
  if (record.node_name.empty()) return "call " + record.uuid + ": empty node name";
  if (record.a_leg.uuid == record.b_leg.uuid && !record.a_leg.uuid.empty()) {
    return "call " + record.uuid + ": both legs have uuid " + record.a_leg.uuid;
  }
  if (auto error = check_leg(record.a_leg, "A", record.uuid); !error.empty()) return error;
  return check_leg(record.b_leg, "B", record.uuid);
}

void split_variables(const std::vector<std::pair<std::string, std::string>>& vars, std::vector<std::string>& names,
                     std::vector<std::string>& values) {
  for (const auto& [name, value] : vars) {
    names.push_back(name);
    values.push_back(value);
  }
}

std::string bigint(long long n) { return std::to_string(n); }

// kLegParams parameters of kSave for one leg (call_sql.h leg_values_row()), as text.
void add_leg(std::vector<std::string>& p, const LegRecord& l) {
  std::vector<std::string> names, values;
  split_variables(l.variables, names, values);
  p.push_back(l.uuid);
  p.push_back(l.direction);
  p.push_back(l.profile_name);
  p.push_back(l.state);
  p.push_back(l.call_id);
  p.push_back(l.local_uri);
  p.push_back(l.local_tag);
  p.push_back(l.remote_uri);
  p.push_back(l.remote_tag);
  p.push_back(bigint(l.local_cseq));
  p.push_back(bigint(l.remote_cseq));
  p.push_back(l.remote_target);
  p.push_back(pg_text_array(l.route_set));
  p.push_back(l.contact);
  p.push_back(l.transport);
  p.push_back(l.network_ip);
  p.push_back(bigint(l.network_port));
  p.push_back(l.local_sdp);
  p.push_back(l.remote_sdp);
  p.push_back(pg_text_array(names));
  p.push_back(pg_text_array(values));
  p.push_back(bigint(to_micros(l.created_at)));
  p.push_back(bigint(to_micros(l.answered_at)));
}

std::vector<std::string> save_params(const CallRecord& r) {
  std::vector<std::string> p;
  p.reserve(sql::kCallParams + 2 * sql::kLegParams);
  p.push_back(r.uuid);
  p.push_back(r.node_name);
  p.push_back(bigint(r.owner_epoch));
  p.push_back(r.profile_name);
  p.push_back(r.caller_id_name);
  p.push_back(r.caller_id_number);
  p.push_back(r.destination_number);
  p.push_back(bigint(to_micros(r.created_at)));
  p.push_back(bigint(to_micros(r.answered_at)));
  p.push_back(r.cluster_name.empty() ? "default" : r.cluster_name);
  add_leg(p, r.a_leg);
  add_leg(p, r.b_leg);
  return p;
}

// The data was refused (constraint, malformed uuid/array): retrying cannot help.
bool is_data_error(const pqxx::sql_error& e) {
  return dynamic_cast<const pqxx::integrity_constraint_violation*>(&e) != nullptr ||
         dynamic_cast<const pqxx::data_exception*>(&e) != nullptr;
}

// What a committed write announces (see CallStore::PublishHook).
struct Announcement {
  std::string uuid;
  std::string operation;
};

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out + "\"";
}

// The fence parameters of one write: cluster, epoch and the announcement
// payload (all NULL without a fence: tools and benches).
struct FenceArgs {
  std::optional<std::string> cluster, epoch, payload;
  std::int64_t epoch_value = 0;
  const char* c() const { return cluster ? cluster->c_str() : nullptr; }
  const char* e() const { return epoch ? epoch->c_str() : nullptr; }
  const char* p() const { return payload ? payload->c_str() : nullptr; }
};

// Runs one write statement (one implicit transaction; the statement itself
// checks sipedge_fence() and announces the change, call_sql.h); answers
// rejected for data errors and failed for a fenced write, rethrows the rest
// (the Database answers them through on_error as failed).
template <typename Publisher, typename Statement>
void run_write(pqxx::connection& conn, const char* name, const CallStore::WriteCallback& done,
               const Publisher* publisher, const Announcement& announce, Statement statement) {
  CallWriteOutcome result;
  FenceArgs fence;
  if (publisher && publisher->fence) {
    fence.epoch_value = publisher->fence->epoch();
    fence.cluster = publisher->fence->cluster();
    fence.epoch = std::to_string(fence.epoch_value);
    if (!announce.uuid.empty()) {
      fence.payload = "{\"cluster\":" + json_string(publisher->fence->cluster()) +
                      ",\"node\":" + json_string(publisher->node_name) + ",\"uuid\":" + json_string(announce.uuid) +
                      ",\"operation\":" + json_string(announce.operation) +
                      ",\"epoch\":" + std::to_string(fence.epoch_value) + "}";
    }
  }
  try {
    if (publisher && publisher->fence && fence.epoch_value <= 0) {
      result = outcome(CallWriteResult::failed, "fenced: this node holds no lease of cluster " + *fence.cluster);
    } else {
      pqxx::nontransaction txn(conn, name);
      result = statement(txn, fence);
    }
  } catch (const pqxx::sql_error& e) {
    if (e.sqlstate() == kFenceSqlState) {
      result = outcome(CallWriteResult::failed, "fenced: epoch " + fence.epoch.value_or("0") +
                                                    " no longer holds the lease of cluster " + fence.cluster.value_or(""));
    } else {
      if (!is_data_error(e) || !conn.is_open()) throw;
      result = outcome(CallWriteResult::rejected, one_line(e.what()));
    }
  }
  if (result.ok() && publisher && publisher->hook && !announce.uuid.empty())
    publisher->hook(announce.uuid, announce.operation, fence.epoch_value);
  invoke(done, name, std::move(result));
}

Database::ErrorHandler write_failed(CallStore::WriteCallback done, const char* what) {
  return [done = std::move(done), what](const std::string& error) {
    invoke(done, what, outcome(CallWriteResult::failed, error));
  };
}

}  // namespace

const char* to_string(CallWriteResult result) {
  switch (result) {
    case CallWriteResult::committed: return "committed";
    case CallWriteResult::not_found: return "not_found";
    case CallWriteResult::rejected: return "rejected";
    case CallWriteResult::failed: return "failed";
  }
  return "unknown";
}

CallStore::CallStore(Database& db, const WriteFence* fence) : db_(db), publisher_(std::make_shared<Publisher>()) {
  publisher_->fence = fence;
  db_.prepare(sql::kTakeOver, sql::take_over_sql());
  db_.prepare(sql::kSave, sql::save_sql());
  db_.prepare(sql::kUpdateLeg, sql::update_leg_sql());
  db_.prepare(sql::kSetState, sql::set_state_sql());
  db_.prepare(sql::kFinish, sql::finish_sql());
  db_.prepare(sql::kList, sql::list_sql());
  db_.prepare(sql::kFind, sql::find_sql());
  db_.prepare(sql::kCount, sql::kCountSql);
}

void CallStore::publish_to(std::string node_name, PublishHook hook) {
  publisher_->node_name = std::move(node_name);
  publisher_->hook = std::move(hook);
}

void CallStore::save_confirmed(CallRecord record, WriteCallback done) {
  auto on_error = write_failed(done, "save_confirmed");
  if (publisher_->fence) record.cluster_name = publisher_->fence->cluster();
  db_.submit(
      [record = std::move(record), done = std::move(done), publisher = publisher_](pqxx::connection& conn) {
        if (auto error = check_call(record); !error.empty()) {
          invoke(done, "save_confirmed", outcome(CallWriteResult::rejected, error));
          return;
        }
        const std::vector<std::string> params = save_params(record);
        run_write(conn, sql::kSave, done, publisher.get(), Announcement{record.uuid, "confirmed"},
                  [&](pqxx::transaction_base& txn, const FenceArgs& fence) {
          // The row carries the epoch sipedge_fence() returns (call_sql.h save_sql()).
          std::vector<const char*> args;  // nullptr = SQL NULL (no fence)
          args.reserve(params.size() + 3);
          for (const std::string& v : params) args.push_back(v.c_str());
          for (const char* v : {fence.c(), fence.e(), fence.p()}) args.push_back(v);
          txn.exec_prepared(sql::kSave, pqxx::prepare::make_dynamic_params(args));
          return outcome(CallWriteResult::committed);
        });
      },
      std::move(on_error));
}

void CallStore::update_leg(LegUpdate update, WriteCallback done) {
  auto on_error = write_failed(done, "update_leg");
  db_.submit(
      [update = std::move(update), done = std::move(done), publisher = publisher_](pqxx::connection& conn) {
        std::string error;
        if (update.uuid.empty()) error = "leg update: empty uuid";
        if (update.state && !valid_state(*update.state)) {
          error = "leg " + update.uuid + ": state must be early, confirmed or terminating";
        }
        if (update.variables && error.empty()) error = check_variables("leg " + update.uuid, *update.variables);
        if (!error.empty()) {
          invoke(done, "update_leg", outcome(CallWriteResult::rejected, error));
          return;
        }
        // Absent fields are NULL parameters (pqxx sends a null const char*
        // as SQL NULL): the statement keeps the stored value for them.
        std::optional<std::string> local_cseq, remote_cseq, route_set, names, values;
        if (update.local_cseq) local_cseq = bigint(*update.local_cseq);
        if (update.remote_cseq) remote_cseq = bigint(*update.remote_cseq);
        if (update.route_set) route_set = pg_text_array(*update.route_set);
        if (update.variables) {
          std::vector<std::string> n, v;
          split_variables(*update.variables, n, v);
          names = pg_text_array(n);
          values = pg_text_array(v);
        }
        auto arg = [](const std::optional<std::string>& s) { return s ? s->c_str() : nullptr; };
        run_write(conn, sql::kUpdateLeg, done, publisher.get(), Announcement{update.uuid, "updated"},
                  [&](pqxx::transaction_base& txn, const FenceArgs& fence) {
          const auto result = txn.exec_prepared(sql::kUpdateLeg, update.uuid, arg(local_cseq), arg(remote_cseq),
                                                arg(update.local_sdp), arg(update.remote_sdp),
                                                arg(update.remote_target), arg(route_set), arg(names), arg(values),
                                                arg(update.state), fence.c(), fence.e(), fence.p());
          if (result.affected_rows() == 0) return outcome(CallWriteResult::not_found, "no leg " + update.uuid);
          return outcome(CallWriteResult::committed);
        });
      },
      std::move(on_error));
}

void CallStore::set_state(std::string call_uuid, std::string state, WriteCallback done) {
  auto on_error = write_failed(done, "set_state");
  db_.submit(
      [call_uuid = std::move(call_uuid), state = std::move(state), done = std::move(done),
       publisher = publisher_](pqxx::connection& conn) {
        if (call_uuid.empty() || !valid_state(state)) {
          invoke(done, "set_state",
                 outcome(CallWriteResult::rejected, "call '" + call_uuid + "': state must be early, confirmed or "
                                                    "terminating, not '" + state + "'"));
          return;
        }
        run_write(conn, sql::kSetState, done, publisher.get(), Announcement{call_uuid, state},
                  [&](pqxx::transaction_base& txn, const FenceArgs& fence) {
          const pqxx::row row = txn.exec_prepared1(sql::kSetState, call_uuid, state, fence.c(), fence.e(), fence.p());
          if (row[0].as<long long>() == 0) return outcome(CallWriteResult::not_found, "no call " + call_uuid);
          return outcome(CallWriteResult::committed);
        });
      },
      std::move(on_error));
}

void CallStore::finish(std::string call_uuid, std::string hangup_cause, WriteCallback done) {
  auto on_error = write_failed(done, "finish");
  db_.submit(
      [call_uuid = std::move(call_uuid), cause = std::move(hangup_cause), done = std::move(done),
       publisher = publisher_](pqxx::connection& conn) {
        if (call_uuid.empty() || cause.empty()) {
          invoke(done, "finish", outcome(CallWriteResult::rejected, "finish needs a call uuid and a hangup cause"));
          return;
        }
        run_write(conn, sql::kFinish, done, publisher.get(), Announcement{call_uuid, "finished"},
                  [&](pqxx::transaction_base& txn, const FenceArgs& fence) {
          const pqxx::result result = txn.exec_prepared(sql::kFinish, call_uuid, cause, fence.c(), fence.e(), fence.p());
          if (result.empty()) return outcome(CallWriteResult::not_found, "no call " + call_uuid);
          CallWriteOutcome o = outcome(CallWriteResult::committed);
          o.summary = parse_summary(result[0]);
          return o;
        });
      },
      std::move(on_error));
}

void CallStore::take_over(std::vector<std::string> call_uuids, std::string node_name, std::int64_t epoch,
                          std::uint32_t cseq_margin, WriteCallback done) {
  auto on_error = write_failed(done, "take_over");
  db_.submit(
      [uuids = std::move(call_uuids), node_name = std::move(node_name), epoch, cseq_margin, done = std::move(done),
       publisher = publisher_](pqxx::connection& conn) {
        const std::string array = pg_text_array(uuids);
        run_write(conn, sql::kTakeOver, done, publisher.get(), Announcement{}, [&](pqxx::transaction_base& txn, const FenceArgs& fence) {
          txn.exec_prepared0(sql::kTakeOver, node_name, static_cast<long long>(epoch), array, fence.c(), fence.e(),
                             static_cast<long long>(cseq_margin));
          return outcome(CallWriteResult::committed);
        });
      },
      std::move(on_error));
}

void CallStore::load_confirmed(std::string profile_name, CallsCallback on_done, Database::ErrorHandler on_error) {
  list(CallFilter{std::move(profile_name), "", "confirmed", publisher_->fence ? publisher_->fence->cluster() : ""},
       std::move(on_done), std::move(on_error));
}

void CallStore::list(CallFilter filter, CallsCallback on_done, Database::ErrorHandler on_error) {
  db_.submit(
      [filter = std::move(filter), on_done = std::move(on_done)](pqxx::connection& conn) {
        std::vector<CallRecord> calls;
        {
          pqxx::read_transaction txn(conn, "calls_list");
          calls = parse_calls(txn.exec_prepared(sql::kList, filter.profile_name, filter.node_name, filter.state, filter.cluster_name));
        }
        invoke(on_done, "list", std::move(calls));
      },
      std::move(on_error));
}

void CallStore::find(std::string call_uuid, std::function<void(std::optional<CallRecord>)> on_done,
                     Database::ErrorHandler on_error) {
  db_.submit(
      [call_uuid = std::move(call_uuid), on_done = std::move(on_done)](pqxx::connection& conn) {
        std::optional<CallRecord> call;
        {
          pqxx::read_transaction txn(conn, "calls_find");
          const pqxx::result result = txn.exec_prepared(sql::kFind, call_uuid);
          if (!result.empty()) call = parse_call(result[0]);
        }
        invoke(on_done, "find", std::move(call));
      },
      std::move(on_error));
}

void CallStore::count(std::string node_name, std::function<void(std::int64_t)> on_done,
                      Database::ErrorHandler on_error) {
  db_.submit(
      [node_name = std::move(node_name), on_done = std::move(on_done)](pqxx::connection& conn) {
        std::int64_t n = 0;
        {
          pqxx::read_transaction txn(conn, "calls_count");
          n = txn.exec_prepared1(sql::kCount, node_name)[0].as<long long>();
        }
        invoke(on_done, "count", n);
      },
      std::move(on_error));
}

}  // namespace sipedge
