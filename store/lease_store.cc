#include "store/lease_store.h"

#include <pqxx/pqxx>
#include <stdexcept>

#include "store/callback_guard.h"
#include "store/lease_sql.h"

// Threads: public functions only submit jobs; jobs and callbacks run on the
// Database worker. Each operation is one statement in a nontransaction (the
// statement is its own transaction: no BEGIN/COMMIT round trips). Argument
// errors and SQL errors throw out of the job, so the Database answers them
// through on_error.

namespace sipedge {

namespace sql = lease_sql;

namespace {

template <typename Callback, typename... Args>
void invoke(const Callback& callback, const char* what, Args&&... args) {
  invoke_callback("lease store", what, callback, std::forward<Args>(args)...);
}

void check_cluster(const std::string& cluster) {
  if (cluster.empty()) throw std::invalid_argument("lease: empty cluster name");
}

void check_holder(const std::string& node, const std::string& runtime_id) {
  if (node.empty()) throw std::invalid_argument("lease: empty node name");
  if (runtime_id.empty()) throw std::invalid_argument("lease: empty runtime id");
}

std::string ttl_ms(std::chrono::milliseconds ttl) {
  if (ttl.count() <= 0 || ttl.count() > 24 * 3600 * 1000LL) {
    throw std::invalid_argument("lease: TTL must be between 1 ms and a day");
  }
  return std::to_string(ttl.count());
}

void set_statement_timeout(pqxx::connection& conn, long long ms) {
  pqxx::nontransaction txn(conn, "lease statement timeout");
  txn.exec0("set statement_timeout = " + std::to_string(ms));
}

}  // namespace

bool is_fence_violation(const std::exception& e) {
  const auto* sql_error = dynamic_cast<const pqxx::sql_error*>(&e);
  return sql_error != nullptr && sql_error->sqlstate() == kFenceSqlState;
}

LeaseStore::LeaseStore(Database& db, std::chrono::milliseconds statement_timeout) : db_(db) {
  db_.prepare(sql::kAcquire, sql::kAcquireSql);
  db_.prepare(sql::kRenew, sql::kRenewSql);
  db_.prepare(sql::kRelease, sql::kReleaseSql);
  db_.prepare(sql::kRead, sql::kReadSql);
  if (statement_timeout.count() > 0) {
    const long long ms = statement_timeout.count();
    timeout_hook_ = db_.add_connect_hook([ms](pqxx::connection& conn) { set_statement_timeout(conn, ms); });
    // Already connected: the hook only runs on the next connect.
    if (db_.status().connected) {
      db_.submit([ms](pqxx::connection& conn) { set_statement_timeout(conn, ms); }, {});
    }
  }
}

LeaseStore::~LeaseStore() {
  if (timeout_hook_ != 0) db_.remove_connect_hook(timeout_hook_);
}

void LeaseStore::try_acquire(std::string cluster, std::string node, std::string runtime_id,
                             std::chrono::milliseconds ttl, AcquireCallback on_done, ErrorCallback on_error) {
  db_.submit(
      [cluster = std::move(cluster), node = std::move(node), runtime_id = std::move(runtime_id), ttl,
       on_done = std::move(on_done)](pqxx::connection& conn) {
        check_cluster(cluster);
        check_holder(node, runtime_id);
        const std::string ttl_text = ttl_ms(ttl);
        LeaseAcquireOutcome o;
        {
          pqxx::nontransaction txn(conn, sql::kAcquire);
          const pqxx::row row = txn.exec_prepared1(sql::kAcquire, cluster, node, runtime_id, ttl_text);
          o.acquired = row[0].as<bool>();
          o.epoch = row[1].as<long long>();
          o.holder_node = row[2].as<std::string>();
          o.holder_runtime_id = row[3].as<std::string>();
          o.expires_in_ms = row[4].as<long long>();
          o.previous_node = row[5].as<std::string>();
          o.previous_released = row[6].as<bool>();
        }
        invoke(on_done, "try_acquire", std::move(o));
      },
      std::move(on_error));
}

void LeaseStore::renew(std::string cluster, std::string node, std::string runtime_id, std::int64_t epoch,
                       std::chrono::milliseconds ttl, RenewCallback on_done, ErrorCallback on_error) {
  db_.submit(
      [cluster = std::move(cluster), node = std::move(node), runtime_id = std::move(runtime_id), epoch, ttl,
       on_done = std::move(on_done)](pqxx::connection& conn) {
        check_cluster(cluster);
        check_holder(node, runtime_id);
        const std::string ttl_text = ttl_ms(ttl);
        LeaseRenewOutcome o;
        {
          pqxx::nontransaction txn(conn, sql::kRenew);
          const pqxx::row row =
              txn.exec_prepared1(sql::kRenew, cluster, node, runtime_id, std::to_string(epoch), ttl_text);
          o.renewed = row[0].as<bool>();
          o.epoch = row[1].as<long long>();
          o.holder_node = row[2].as<std::string>();
          o.expires_in_ms = row[3].as<long long>();
        }
        invoke(on_done, "renew", std::move(o));
      },
      std::move(on_error));
}

void LeaseStore::release(std::string cluster, std::int64_t epoch, std::string runtime_id, ReleaseCallback on_done,
                         ErrorCallback on_error) {
  db_.submit(
      [cluster = std::move(cluster), epoch, runtime_id = std::move(runtime_id),
       on_done = std::move(on_done)](pqxx::connection& conn) {
        check_cluster(cluster);
        if (runtime_id.empty()) throw std::invalid_argument("lease: empty runtime id");
        bool released = false;
        {
          pqxx::nontransaction txn(conn, sql::kRelease);
          released = txn.exec_prepared1(sql::kRelease, cluster, std::to_string(epoch), runtime_id)[0].as<bool>();
        }
        invoke(on_done, "release", released);
      },
      std::move(on_error));
}

void LeaseStore::read(std::string cluster, std::function<void(std::optional<LeaseInfo>)> on_done,
                      ErrorCallback on_error) {
  db_.submit(
      [cluster = std::move(cluster), on_done = std::move(on_done)](pqxx::connection& conn) {
        std::optional<LeaseInfo> info;
        {
          pqxx::nontransaction txn(conn, sql::kRead);
          const pqxx::result result = txn.exec_prepared(sql::kRead, cluster);
          if (!result.empty()) {
            const pqxx::row& row = result[0];
            LeaseInfo i;
            i.state = row[0].as<std::string>();
            i.active_node = row[1].as<std::string>();
            i.epoch = row[2].as<long long>();
            i.holder_node = row[3].as<std::string>();
            i.holder_runtime_id = row[4].as<std::string>();
            i.expires_in_ms = row[5].as<long long>();
            i.previous_node = row[6].as<std::string>();
            i.previous_released = row[7].as<bool>();
            info = std::move(i);
          }
        }
        invoke(on_done, "read", std::move(info));
      },
      std::move(on_error));
}

}  // namespace sipedge
