#include "store/gateway_store.h"

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <pqxx/pqxx>

#include "store/callback_guard.h"
#include "store/gateway_sql.h"

// Threads: every public function only submits a job; jobs and callbacks run
// on the Database worker, in submission order (so the last save submitted is
// the one the row keeps).
//
// Writes run in a transaction (the fence check, then one statement); without a fence: a single statement, which
// PostgreSQL runs as its own transaction. The database checks the record
// (state and status names, ranges, non-empty keys); any error, refused data
// or a lost connection, propagates to the Database, whose on_error answers
// `failed` with the one-line PostgreSQL message ("database unavailable: ..."
// when the connection is gone).

namespace sipedge {

namespace sql = gateway_sql;

namespace {

using TimePoint = std::chrono::system_clock::time_point;

template <typename Callback, typename... Args>
void invoke(const Callback& callback, const char* what, Args&&... args) {
  invoke_callback("gateway store", what, callback, std::forward<Args>(args)...);
}

GatewayWriteOutcome outcome(GatewayWriteResult result, std::string error = {}) {
  GatewayWriteOutcome o;
  o.result = result;
  o.error = std::move(error);
  return o;
}

std::optional<std::string> micros_param(const std::optional<TimePoint>& t) {
  if (!t) return std::nullopt;
  return std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(t->time_since_epoch()).count());
}

std::optional<TimePoint> time_column(const pqxx::field& field) {
  if (field.is_null()) return std::nullopt;
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::microseconds(field.as<long long>())));
}

// The columns of gateway_sql.h SIPEDGE_GATEWAY_COLUMNS, in order.
GatewayRecord parse_gateway(const pqxx::row& row) {
  GatewayRecord g;
  g.cluster_name = row[0].as<std::string>();
  g.profile_name = row[1].as<std::string>();
  g.gateway_name = row[2].as<std::string>();
  g.node_name = row[3].as<std::string>();
  g.owner_epoch = row[4].as<long long>();
  g.state = row[5].as<std::string>();
  g.status = row[6].as<std::string>();
  g.register_call_id = row[7].as<std::string>();
  g.register_cseq = static_cast<std::uint32_t>(row[8].as<long long>());
  g.register_contact = row[9].as<std::string>();
  g.expires_at = time_column(row[10]);
  g.failures = row[11].as<int>();
  g.ping_count = row[12].as<int>();
  g.last_ping_at = time_column(row[13]);
  g.last_ping_status = row[14].as<int>();
  g.last_response_code = row[15].as<int>();
  g.last_response_phrase = row[16].as<std::string>();
  g.register_network_ip = row[17].as<std::string>();
  g.register_network_port = row[18].as<int>();
  g.updated_at = time_column(row[19]);
  return g;
}

Database::ErrorHandler write_failed(GatewayStore::WriteCallback done, const char* what) {
  return [done = std::move(done), what](const std::string& error) {
    invoke(done, what, outcome(GatewayWriteResult::failed, error));
  };
}

}  // namespace

GatewayStore::GatewayStore(Database& db, const WriteFence* fence) : db_(db), fence_(fence) {
  db_.prepare(sql::kSave, sql::kSaveSql);
  db_.prepare(sql::kRemove, sql::kRemoveSql);
  db_.prepare(sql::kFind, sql::kFindSql);
  db_.prepare(sql::kList, sql::kListSql);
}

void GatewayStore::save(GatewayRecord record, WriteCallback done) {
  auto on_error = write_failed(done, "save");
  db_.submit(
      [r = std::move(record), done = std::move(done), fence = fence_](pqxx::connection& conn) {
        // Absent times are NULL parameters (pqxx sends a null const char* as SQL NULL).
        const auto expires_at = micros_param(r.expires_at);
        const auto last_ping_at = micros_param(r.last_ping_at);
        auto arg = [](const std::optional<std::string>& s) { return s ? s->c_str() : nullptr; };
        try {
          pqxx::work txn(conn, sql::kSave);
          const std::int64_t epoch = fence ? fence->check(txn) : r.owner_epoch;
          txn.exec_prepared0(sql::kSave, r.cluster_name, r.profile_name, r.gateway_name, r.node_name,
                             std::to_string(epoch), r.state, r.status, r.register_call_id,
                             std::to_string(r.register_cseq), r.register_contact, arg(expires_at),
                             std::to_string(r.failures), std::to_string(r.ping_count), arg(last_ping_at),
                             std::to_string(r.last_ping_status), std::to_string(r.last_response_code),
                             r.last_response_phrase, r.register_network_ip, std::to_string(r.register_network_port));
          txn.commit();
        } catch (const FencedWrite& e) {
          invoke(done, "save", outcome(GatewayWriteResult::fenced, e.what()));
          return;
        }
        invoke(done, "save", outcome(GatewayWriteResult::committed));
      },
      std::move(on_error));
}

void GatewayStore::remove(std::string cluster_name, std::string profile_name, std::string gateway_name,
                          WriteCallback done) {
  auto on_error = write_failed(done, "remove");
  db_.submit(
      [cluster = std::move(cluster_name), profile = std::move(profile_name), gateway = std::move(gateway_name),
       done = std::move(done), fence = fence_](pqxx::connection& conn) {
        try {
          // No row is not an error: the gateway is gone either way.
          pqxx::work txn(conn, sql::kRemove);
          if (fence) fence->check(txn);
          txn.exec_prepared0(sql::kRemove, cluster, profile, gateway);
          txn.commit();
        } catch (const FencedWrite& e) {
          invoke(done, "remove", outcome(GatewayWriteResult::fenced, e.what()));
          return;
        }
        invoke(done, "remove", outcome(GatewayWriteResult::committed));
      },
      std::move(on_error));
}

void GatewayStore::find(std::string cluster_name, std::string profile_name, std::string gateway_name,
                        std::function<void(std::optional<GatewayRecord>)> on_done, Database::ErrorHandler on_error) {
  db_.submit(
      [cluster = std::move(cluster_name), profile = std::move(profile_name), gateway = std::move(gateway_name),
       on_done = std::move(on_done)](pqxx::connection& conn) {
        std::optional<GatewayRecord> found;
        {
          pqxx::read_transaction txn(conn, sql::kFind);
          const pqxx::result result = txn.exec_prepared(sql::kFind, cluster, profile, gateway);
          if (!result.empty()) found = parse_gateway(result[0]);
        }
        invoke(on_done, "find", std::move(found));
      },
      std::move(on_error));
}

void GatewayStore::list(std::string cluster_name, std::string profile_name,
                        std::function<void(std::vector<GatewayRecord>)> on_done, Database::ErrorHandler on_error) {
  db_.submit(
      [cluster = std::move(cluster_name), profile = std::move(profile_name),
       on_done = std::move(on_done)](pqxx::connection& conn) {
        std::vector<GatewayRecord> gateways;
        {
          pqxx::read_transaction txn(conn, sql::kList);
          const pqxx::result result = txn.exec_prepared(sql::kList, cluster, profile);
          gateways.reserve(result.size());
          for (const auto& row : result) gateways.push_back(parse_gateway(row));
        }
        invoke(on_done, "list", std::move(gateways));
      },
      std::move(on_error));
}

}  // namespace sipedge
