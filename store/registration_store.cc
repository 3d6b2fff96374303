#include "store/registration_store.h"

#include <algorithm>
#include <deque>
#include <map>
#include <mutex>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include "store/error_text.h"
#include "store/pg_array.h"
#include "store/registration_batch.h"
#include "store/registration_sql.h"
#include "store/callback_guard.h"

// Threads: apply() and queued() run on any thread and only touch the queue
// (Shared::mutex). Batch jobs, reads and every callback run on the Database
// worker, except an immediate overloaded answer (caller's thread) and the
// failure of a job submitted after Database::stop() (caller's thread too).
//
// Group commit: at most one batch job is scheduled at a time. It takes up to
// max_batch queued changes, runs them in one transaction, answers them after
// COMMIT, and resubmits itself while changes are waiting, so other jobs on the
// worker (reads, heartbeats) interleave between batches.

namespace sipedge {

namespace sql = registration_sql;

namespace {

struct Pending {
  RegisterChange change;
  std::function<void(RegisterOutcome)> done;
};

SystemTime from_epoch_micros(long long micros) {
  return SystemTime(std::chrono::duration_cast<SystemTime::duration>(std::chrono::microseconds(micros)));
}

// Columns of registration_sql.h's SIPEDGE_BINDING_COLUMNS.
Binding parse_binding(const pqxx::row& row) {
  Binding b;
  b.profile_name = row[0].as<std::string>();
  b.sip_user = row[1].as<std::string>();
  b.sip_host = row[2].as<std::string>();
  b.contact = row[3].as<std::string>();
  b.contact_uri = row[4].as<std::string>();
  b.call_id = row[5].as<std::string>();
  b.cseq = static_cast<std::uint32_t>(row[6].as<long long>());
  b.expires_at = from_epoch_micros(row[7].as<long long>());
  b.expires_in = row[8].as<long long>();
  b.network_ip = row[9].as<std::string>();
  b.network_port = row[10].as<int>();
  b.network_transport = row[11].as<std::string>();
  b.nat_detected = row[12].as<bool>();
  b.user_agent = row[13].as<std::string>();
  b.auth_username = row[14].as<std::string>();
  b.auth_realm = row[15].as<std::string>();
  b.status = row[16].as<std::string>();
  b.node_name = row[17].as<std::string>();
  b.registered_at = from_epoch_micros(row[18].as<long long>());
  return b;
}

std::vector<Binding> parse_bindings(const pqxx::result& result) {
  std::vector<Binding> out;
  out.reserve(result.size());
  for (const auto& row : result) out.push_back(parse_binding(row));
  return out;
}

template <typename Callback, typename... Args>
void invoke(const Callback& callback, const char* what, Args&&... args) {
  invoke_callback("registration store", what, callback, std::forward<Args>(args)...);
}

void answer(Pending& pending, RegisterOutcome outcome) { invoke(pending.done, "apply", std::move(outcome)); }

void fail_all(std::vector<Pending>& batch, const std::string& error) {
  for (auto& pending : batch) {
    RegisterOutcome outcome;
    outcome.result = RegisterResult::unavailable;
    outcome.error = error;
    answer(pending, std::move(outcome));
  }
}

// Digest check inside the batch transaction: unknown, disabled or wrong
// credentials all give auth_failed (the 403 never says which). Every user of
// the batch is looked up with ONE statement before any change is decided:
// one round trip per batch, not one per REGISTER (bench/register showed the
// per-change look-ups dominating a batch's time).
class DirectoryCheck {
 public:
  DirectoryCheck(pqxx::work& txn, const std::vector<Pending>& batch) {
    std::vector<std::pair<std::string, std::string>> keys;
    keys.reserve(batch.size());
    for (const auto& pending : batch) {
      const RegisterChange& change = pending.change;
      if (!change.auth_domain.empty()) keys.emplace_back(change.auth_domain, change.auth_user_id);
    }
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    users_ = DirectoryStore::find_many_in(txn, keys);
  }

  bool verify(const RegisterChange& change, std::optional<DirectoryUser>& user_out) const {
    if (change.auth_domain.empty()) return true;  // ACL or blind registration: no directory look-up
    const auto it = users_.find({change.auth_domain, change.auth_user_id});
    if (it == users_.end()) return false;
    const DirectoryUser& user = it->second;
    if (!user.enabled || !change.verify) return false;
    bool ok = false;
    try {
      ok = change.verify(user);
    } catch (const std::exception& e) {
      spdlog::error("registration store: verify for {}@{} threw: {}", change.auth_user_id, change.auth_domain,
                    e.what());
    }
    if (ok) user_out = user;
    return ok;
  }

 private:
  std::map<std::pair<std::string, std::string>, DirectoryUser> users_;
};

void write_upserts(pqxx::work& txn, const std::vector<Binding>& upserts) {
  if (upserts.empty()) return;
  std::vector<std::string> profile, user, host, contact, uri, call_id, ip, transport, agent, auth_user, realm, status,
      node;
  std::vector<std::int64_t> cseq, expires, port;
  std::vector<bool> nat;
  for (const auto& b : upserts) {
    profile.push_back(b.profile_name);
    user.push_back(b.sip_user);
    host.push_back(b.sip_host);
    contact.push_back(b.contact);
    uri.push_back(b.contact_uri);
    call_id.push_back(b.call_id);
    cseq.push_back(b.cseq);
    expires.push_back(b.expires_in);
    ip.push_back(b.network_ip);
    port.push_back(b.network_port);
    transport.push_back(b.network_transport);
    nat.push_back(b.nat_detected);
    agent.push_back(b.user_agent);
    auth_user.push_back(b.auth_username);
    realm.push_back(b.auth_realm);
    status.push_back(b.status);
    node.push_back(b.node_name);
  }
  txn.exec_prepared0(sql::kUpsert, pg_text_array(profile), pg_text_array(user), pg_text_array(host),
                     pg_text_array(contact), pg_text_array(uri), pg_text_array(call_id), pg_int_array(cseq),
                     pg_int_array(expires), pg_text_array(ip), pg_int_array(port), pg_text_array(transport),
                     pg_bool_array(nat), pg_text_array(agent), pg_text_array(auth_user), pg_text_array(realm),
                     pg_text_array(status), pg_text_array(node));
}

void write_deletes(pqxx::work& txn, const std::vector<BindingKey>& deletes) {
  if (deletes.empty()) return;
  std::vector<std::string> user, host, uri;
  for (const auto& key : deletes) {
    user.push_back(key.sip_user);
    host.push_back(key.sip_host);
    uri.push_back(key.contact_uri);
  }
  const auto removed =
      txn.exec_prepared0(sql::kDelete, pg_text_array(user), pg_text_array(host), pg_text_array(uri)).affected_rows();
  if (removed != deletes.size()) {
    // The rows were locked FOR UPDATE in this transaction; anything else is a bug.
    throw std::logic_error("registration batch deleted " + std::to_string(removed) + " rows, expected " +
                           std::to_string(deletes.size()));
  }
}

// One transaction for the whole batch; returns one outcome per change, in
// order. Throws (nothing committed) when the database fails.
std::vector<RegisterOutcome> run_batch_transaction(pqxx::connection& conn, std::vector<Pending>& batch,
                                                   const WriteFence* fence) {
  pqxx::work txn(conn, "registration_batch");
  if (fence) fence->check(txn);  // a node without the lease writes nothing

  std::vector<BatchChange> changes;
  std::vector<std::optional<DirectoryUser>> users(batch.size());
  changes.reserve(batch.size());
  const DirectoryCheck directory(txn, batch);
  std::vector<std::string> aor_users, aor_hosts;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const RegisterChange& change = batch[i].change;
    const bool authorized = directory.verify(change, users[i]);
    changes.push_back({&change, authorized});
    if (authorized) {
      aor_users.push_back(change.sip_user);
      aor_hosts.push_back(change.sip_host);
    }
  }

  const std::string users_array = pg_text_array(aor_users);
  const std::string hosts_array = pg_text_array(aor_hosts);
  const pqxx::row locked = txn.exec_prepared1(sql::kLockAors, users_array, hosts_array);
  const SystemTime db_now = from_epoch_micros(locked[0].as<long long>());
  std::vector<Binding> stored;
  if (!aor_users.empty()) stored = parse_bindings(txn.exec_prepared(sql::kLoad, users_array, hosts_array));

  BatchPlan plan = plan_registration_batch(changes, stored, db_now);
  write_deletes(txn, plan.deletes);
  write_upserts(txn, plan.upserts);
  txn.commit();

  for (std::size_t i = 0; i < plan.outcomes.size(); ++i) {
    if (plan.outcomes[i].result == RegisterResult::ok) plan.outcomes[i].user = std::move(users[i]);
  }
  return std::move(plan.outcomes);
}

}  // namespace

// Lives as long as the longest of the store and its queued jobs.
struct RegistrationQueue : std::enable_shared_from_this<RegistrationQueue> {
  RegistrationQueue(Database& database, RegistrationStore::Options opts) : db(database), options(opts) {}

  Database& db;
  const RegistrationStore::Options options;
  mutable std::mutex mutex;  // guards pending and scheduled
  std::deque<Pending> pending;
  bool scheduled = false;  // a batch job is queued or running on the worker
  RegistrationStore::Stats stats;  // guarded by mutex

  void schedule() {
    auto self = shared_from_this();
    auto ran = std::make_shared<bool>(false);
    db.submit([self, ran](pqxx::connection& conn) { *ran = true; self->run_batch(conn); },
              [self, ran](const std::string& error) {
                // After run_batch threw, its batch is already answered and
                // the next one rescheduled. Otherwise the job never ran
                // (database down or stopped): everything waiting fails now.
                if (!*ran) self->fail_waiting(error);
              });
  }

  std::vector<Pending> take_batch() {
    std::lock_guard lock(mutex);
    const std::size_t n = std::min(pending.size(), std::max<std::size_t>(options.max_batch, 1));
    std::vector<Pending> batch;
    batch.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      batch.push_back(std::move(pending.front()));
      pending.pop_front();
    }
    return batch;
  }

  void reschedule_or_idle() {
    {
      std::lock_guard lock(mutex);
      if (pending.empty()) {
        scheduled = false;
        return;
      }
    }
    schedule();
  }

  void fail_waiting(const std::string& error) {
    std::vector<Pending> failed;
    {
      std::lock_guard lock(mutex);
      failed.assign(std::make_move_iterator(pending.begin()), std::make_move_iterator(pending.end()));
      pending.clear();
      scheduled = false;
      if (!failed.empty()) ++stats.failed_batches;
    }
    fail_all(failed, error);
  }

  void run_batch(pqxx::connection& conn) {
    std::vector<Pending> batch = take_batch();
    std::vector<RegisterOutcome> outcomes;
    try {
      outcomes = run_batch_transaction(conn, batch, options.fence);
    } catch (const std::exception& e) {
      // Rolled back: nothing of the batch is written.
      std::string error = one_line(e.what());
      if (!conn.is_open()) error = "database unavailable: " + error;
      spdlog::warn("registration store: batch of {} changes failed: {}", batch.size(), error);
      {
        std::lock_guard lock(mutex);
        ++stats.failed_batches;
      }
      fail_all(batch, error);
      reschedule_or_idle();
      throw;  // the Database notices a broken connection and reconnects
    }
    {
      std::lock_guard lock(mutex);
      ++stats.batches;
      stats.changes += batch.size();
      stats.largest_batch = std::max(stats.largest_batch, batch.size());
    }
    for (std::size_t i = 0; i < batch.size(); ++i) answer(batch[i], std::move(outcomes[i]));
    reschedule_or_idle();
  }
};

struct RegistrationStore::Impl {
  std::shared_ptr<RegistrationQueue> queue;
};

RegistrationStore::RegistrationStore(Database& db, Options options)
    : impl_(std::make_unique<Impl>(Impl{std::make_shared<RegistrationQueue>(db, options)})) {
  DirectoryStore::prepare_statements(db);
  db.prepare(sql::kLockAors, sql::kLockAorsSql);
  db.prepare(sql::kLoad, sql::kLoadSql);
  db.prepare(sql::kUpsert, sql::kUpsertSql);
  db.prepare(sql::kDelete, sql::kDeleteSql);
  db.prepare(sql::kList, sql::kListSql);
  db.prepare(sql::kCount, sql::kCountSql);
  db.prepare(sql::kRemove, sql::kRemoveSql);
  db.prepare(sql::kExpireDue, sql::kExpireDueSql);
}

// Queued changes are still answered: their jobs hold the queue, not the store.
RegistrationStore::~RegistrationStore() = default;

void RegistrationStore::apply(RegisterChange change, std::function<void(RegisterOutcome)> done) {
  auto& queue = *impl_->queue;
  bool accepted = false;
  bool start_job = false;
  {
    std::lock_guard lock(queue.mutex);
    if (queue.pending.size() < queue.options.max_queue) {
      queue.pending.push_back(Pending{std::move(change), std::move(done)});
      accepted = true;
      start_job = !queue.scheduled;
      queue.scheduled = true;
    } else {
      ++queue.stats.overloaded;
    }
  }
  if (!accepted) {
    // Shed load at once (the registrar answers 503) instead of queueing without bound.
    RegisterOutcome outcome;
    outcome.result = RegisterResult::overloaded;
    outcome.error = "registration queue full (" + std::to_string(queue.options.max_queue) + " changes waiting)";
    invoke(done, "apply", std::move(outcome));
    return;
  }
  if (start_job) queue.schedule();
}

std::size_t RegistrationStore::queued() const {
  std::lock_guard lock(impl_->queue->mutex);
  return impl_->queue->pending.size();
}

RegistrationStore::Stats RegistrationStore::stats() const {
  std::lock_guard lock(impl_->queue->mutex);
  return impl_->queue->stats;
}

void RegistrationStore::list(BindingFilter filter, std::function<void(std::vector<Binding>)> on_done,
                             Database::ErrorHandler on_error) {
  impl_->queue->db.submit(
      [filter = std::move(filter), on_done = std::move(on_done)](pqxx::connection& conn) {
        std::vector<Binding> bindings;
        {
          pqxx::read_transaction txn(conn, "registrations_list");
          bindings = parse_bindings(txn.exec_prepared(sql::kList, filter.profile_name, filter.call_id,
                                                      filter.sip_user, filter.sip_host, filter.text));
        }
        invoke(on_done, "list", std::move(bindings));
      },
      std::move(on_error));
}

void RegistrationStore::count(std::string profile_name, std::function<void(std::int64_t)> on_done,
                              Database::ErrorHandler on_error) {
  impl_->queue->db.submit(
      [profile_name = std::move(profile_name), on_done = std::move(on_done)](pqxx::connection& conn) {
        std::int64_t n = 0;
        {
          pqxx::read_transaction txn(conn, "registrations_count");
          n = txn.exec_prepared1(sql::kCount, profile_name)[0].as<long long>();
        }
        invoke(on_done, "count", n);
      },
      std::move(on_error));
}

void RegistrationStore::remove(BindingFilter filter, std::function<void(std::vector<Binding>)> on_done,
                               Database::ErrorHandler on_error) {
  impl_->queue->db.submit(
      [filter = std::move(filter), on_done = std::move(on_done), fence = impl_->queue->options.fence](pqxx::connection& conn) {
        std::vector<Binding> removed;
        {
          pqxx::work txn(conn, "registrations_remove");
          if (fence) fence->check(txn);
          removed = parse_bindings(txn.exec_prepared(sql::kRemove, filter.profile_name, filter.call_id,
                                                     filter.sip_user, filter.sip_host, filter.text));
          txn.commit();
        }
        invoke(on_done, "remove", std::move(removed));
      },
      std::move(on_error));
}

void RegistrationStore::expire_due(std::size_t limit, std::function<void(std::vector<Binding>)> on_done,
                                   Database::ErrorHandler on_error) {
  impl_->queue->db.submit(
      [limit, on_done = std::move(on_done), fence = impl_->queue->options.fence](pqxx::connection& conn) {
        std::vector<Binding> expired;
        {
          pqxx::work txn(conn, "registrations_expire_due");
          if (fence) fence->check(txn);
          expired = parse_bindings(txn.exec_prepared(sql::kExpireDue, static_cast<long long>(limit)));
          txn.commit();
        }
        invoke(on_done, "expire_due", std::move(expired));
      },
      std::move(on_error));
}

}  // namespace sipedge
