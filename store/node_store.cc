#include "store/node_store.h"
#include "store/callback_guard.h"

#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

// Jobs run on the Database worker; callbacks are invoked there after commit.

namespace sipedge {

namespace {

constexpr const char* kRegister = "node_store_register";
constexpr const char* kTouch = "node_store_touch";
constexpr const char* kOwner = "node_store_owner";
constexpr const char* kList = "node_store_list";

// The CTE reads the row as it was before the upsert (same snapshot), so the
// caller can tell a restart from a name clash.
constexpr const char* kRegisterSql = R"sql(
with previous as (
    select runtime_id, last_seen_at from cluster_nodes where node_name = $1
)
insert into cluster_nodes as node (node_name, runtime_id, version, hostname, started_at, last_seen_at)
values ($1, $2::uuid, $3, nullif($4, ''), now(), now())
on conflict (node_name) do update
    set runtime_id   = excluded.runtime_id,
        version      = excluded.version,
        hostname     = excluded.hostname,
        started_at   = case when node.runtime_id = excluded.runtime_id then node.started_at else now() end,
        last_seen_at = now()
returning (select runtime_id::text from previous),
          (select (extract(epoch from now() - last_seen_at) * 1000)::bigint from previous)
)sql";

constexpr const char* kTouchSql = R"sql(
update cluster_nodes set last_seen_at = now()
 where node_name = $1 and runtime_id = $2::uuid
)sql";

constexpr const char* kOwnerSql = R"sql(
select runtime_id::text from cluster_nodes where node_name = $1
)sql";

constexpr const char* kListSql = R"sql(
select node_name, runtime_id::text, version, coalesce(hostname, ''),
       (extract(epoch from started_at) * 1000000)::bigint,
       (extract(epoch from last_seen_at) * 1000000)::bigint,
       (extract(epoch from now() - last_seen_at) * 1000)::bigint
  from cluster_nodes
 order by node_name
)sql";

std::chrono::system_clock::time_point from_epoch_micros(long long micros) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::microseconds(micros)));
}

template <typename Callback, typename... Args>
void invoke(const Callback& callback, const char* what, Args&&... args) {
  invoke_callback("node store", what, callback, std::forward<Args>(args)...);
}

}  // namespace

NodeStore::NodeStore(Database& db) : db_(db) {
  db_.prepare(kRegister, kRegisterSql);
  db_.prepare(kTouch, kTouchSql);
  db_.prepare(kOwner, kOwnerSql);
  db_.prepare(kList, kListSql);
}

void NodeStore::register_node(NodeRecord node, std::function<void(NodeRegisterOutcome)> on_done,
                              ErrorCallback on_error) {
  db_.submit(
      [node = std::move(node), on_done = std::move(on_done)](pqxx::connection& conn) {
        NodeRegisterOutcome outcome;
        {
          pqxx::work txn(conn, "register node");
          const pqxx::row row =
              txn.exec_prepared1(kRegister, node.node_name, node.runtime_id, node.version, node.hostname);
          if (!row[0].is_null()) {
            outcome.previous_runtime_id = row[0].as<std::string>();
            outcome.previous_seen_ago = std::chrono::milliseconds(row[1].as<long long>());
          }
          txn.commit();
        }
        invoke(on_done, "register_node", std::move(outcome));
      },
      std::move(on_error));
}

void NodeStore::touch(std::string node_name, std::string runtime_id, std::function<void(TouchOutcome)> on_done,
                      ErrorCallback on_error) {
  db_.submit(
      [node_name = std::move(node_name), runtime_id = std::move(runtime_id),
       on_done = std::move(on_done)](pqxx::connection& conn) {
        TouchOutcome outcome;
        {
          pqxx::work txn(conn, "touch node");
          if (txn.exec_prepared0(kTouch, node_name, runtime_id).affected_rows() == 0) {
            const pqxx::result owner = txn.exec_prepared(kOwner, node_name);
            if (owner.empty()) {
              outcome.result = TouchResult::not_registered;
            } else {
              outcome.result = TouchResult::other_runtime;
              outcome.current_runtime_id = owner[0][0].as<std::string>();
            }
          }
          txn.commit();
        }
        invoke(on_done, "touch", std::move(outcome));
      },
      std::move(on_error));
}

void NodeStore::list_nodes(std::function<void(std::vector<NodeRecord>)> on_done, ErrorCallback on_error) {
  db_.submit(
      [on_done = std::move(on_done)](pqxx::connection& conn) {
        std::vector<NodeRecord> nodes;
        {
          pqxx::read_transaction txn(conn, "list nodes");
          for (const auto& row : txn.exec_prepared(kList)) {
            NodeRecord node;
            node.node_name = row[0].as<std::string>();
            node.runtime_id = row[1].as<std::string>();
            node.version = row[2].as<std::string>();
            node.hostname = row[3].as<std::string>();
            node.started_at = from_epoch_micros(row[4].as<long long>());
            node.last_seen_at = from_epoch_micros(row[5].as<long long>());
            node.since_last_seen = std::chrono::milliseconds(row[6].as<long long>());
            nodes.push_back(std::move(node));
          }
        }
        invoke(on_done, "list_nodes", std::move(nodes));
      },
      std::move(on_error));
}

}  // namespace sipedge
