#include "store/database.h"

#include <algorithm>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include "store/backoff.h"
#include "store/dsn.h"
#include "store/error_text.h"

// Threading: the worker thread (run()) owns conn_, statements_declared_,
// ever_connected_ and last_logged_error_; everything else is guarded by mutex_.
// User callbacks are always called with mutex_ released.

namespace sipedge {

namespace {

constexpr auto kInitialRetryDelay = std::chrono::milliseconds(100);
constexpr auto kMaxRetryDelay = std::chrono::seconds(5);
constexpr double kRetryJitter = 0.5;
constexpr int kConnectTimeoutSeconds = 5;

std::string describe_server(pqxx::connection& conn) {
  auto text = [](const char* s) { return std::string(s ? s : ""); };
  return text(conn.hostname()) + ":" + text(conn.port()) + "/" + text(conn.dbname());
}

void deliver_error(const Database::ErrorHandler& on_error, const std::string& db_name,
                   const std::string& message) {
  if (!on_error) {
    spdlog::warn("database {}: job failed: {}", db_name, message);
    return;
  }
  try {
    on_error(message);
  } catch (const std::exception& e) {
    spdlog::error("database {}: error handler threw: {}", db_name, e.what());
  } catch (...) {
    spdlog::error("database {}: error handler threw a non-standard exception", db_name);
  }
}

}  // namespace

Database::Database(std::string dsn, std::string name) : dsn_(std::move(dsn)), name_(std::move(name)) {}

Database::~Database() { stop(); }

void Database::prepare(std::string statement_name, std::string sql) {
  std::lock_guard lock(mutex_);
  for (const auto& [existing_name, existing_sql] : prepared_) {
    if (existing_name == statement_name) {
      if (existing_sql != sql) {
        throw std::invalid_argument("prepared statement '" + statement_name +
                                    "' declared twice with different SQL");
      }
      return;
    }
  }
  prepared_.emplace_back(std::move(statement_name), std::move(sql));
}

Database::HookId Database::add_connect_hook(ConnectHook hook) {
  std::lock_guard lock(mutex_);
  const HookId id = next_hook_id_++;
  hooks_.emplace_back(id, std::move(hook));
  return id;
}

void Database::remove_connect_hook(HookId id) {
  std::lock_guard lock(mutex_);
  std::erase_if(hooks_, [id](const auto& entry) { return entry.first == id; });
}

void Database::on_fatal(std::function<void(const std::string&)> handler) {
  std::lock_guard lock(mutex_);
  on_fatal_ = std::move(handler);
}

void Database::start() {
  std::lock_guard lock(mutex_);
  if (started_) {
    throw std::logic_error("database " + name_ + ": start() called twice");
  }
  started_ = true;
  worker_ = std::thread([this] { run(); });
}

void Database::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  // stop() from a callback on the worker cannot join itself; the owner's
  // destructor joins later.
  if (worker_.joinable() && worker_.get_id() != std::this_thread::get_id()) {
    worker_.join();
  }
}

void Database::submit(Job job, ErrorHandler on_error) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      // Queued even while disconnected: the worker fails it (on the worker
      // thread) as soon as it is not busy with a connect attempt.
      queue_.push_back(QueuedJob{std::move(job), std::move(on_error)});
      wake_.notify_all();
      return;
    }
  }
  deliver_error(on_error, name_, "database unavailable: database " + name_ + " is stopped");
}

DatabaseStatus Database::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

void Database::run() {
  Backoff backoff(kInitialRetryDelay, kMaxRetryDelay, kRetryJitter);
  for (;;) {
    if (!conn_) {
      bool failed = false;
      {
        std::lock_guard lock(mutex_);
        if (stopping_) break;
        failed = status_.failed;
      }
      if (failed) {
        // Fatal (migration failed): no more connects; keep failing jobs until stop().
        sleep_before_retry(std::chrono::hours(24));
        continue;
      }
      if (connect_once()) {
        backoff.reset();
      } else if (!status().failed) {
        sleep_before_retry(backoff.next());
      }
      continue;
    }

    QueuedJob queued;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) break;
      queued = std::move(queue_.front());
      queue_.pop_front();
    }
    run_job(queued);
  }

  fail_queued("database unavailable: database " + name_ + " is stopped");
  conn_.reset();
  std::lock_guard lock(mutex_);
  status_.connected = false;
}

bool Database::connect_once() {
  try {
    auto conn = std::make_unique<pqxx::connection>(dsn_with_connect_timeout(dsn_, kConnectTimeoutSeconds));
    // We reconnect ourselves (hooks, prepares, status); libpqxx's silent
    // reactivation would bypass all of that.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    conn->inhibit_reactivation(true);
#pragma GCC diagnostic pop
    // Operators (and tests) tell the node's connections apart in pg_stat_activity.
    {
      pqxx::nontransaction txn(*conn);
      txn.exec("set application_name = " + txn.quote("sipedge " + name_));
    }
    conn_ = std::move(conn);
    statements_declared_ = 0;
    declare_new_statements();

    const std::string server = describe_server(*conn_);
    {
      // Connected from here on, so jobs submitted by the hooks queue up and
      // run after them instead of failing.
      std::lock_guard lock(mutex_);
      status_.connected = true;
      status_.server = server;
    }

    std::vector<std::pair<HookId, ConnectHook>> hooks;
    {
      std::lock_guard lock(mutex_);
      hooks = hooks_;
    }
    for (auto& [id, hook] : hooks) {
      {
        std::lock_guard lock(mutex_);
        const bool still_registered =
            std::any_of(hooks_.begin(), hooks_.end(), [id = id](const auto& entry) { return entry.first == id; });
        if (!still_registered) continue;
      }
      hook(*conn_);
    }

    {
      std::lock_guard lock(mutex_);
      status_.last_error.clear();
      if (ever_connected_) ++status_.reconnects;
    }
    spdlog::info("database {}: connected to {}", name_, server);
    ever_connected_ = true;
    last_logged_error_.clear();
    return true;
  } catch (const FatalDatabaseError& e) {
    const std::string message = one_line(e.what());
    conn_.reset();
    std::function<void(const std::string&)> on_fatal;
    {
      std::lock_guard lock(mutex_);
      status_.connected = false;
      status_.failed = true;
      status_.last_error = message;
      on_fatal = on_fatal_;
    }
    spdlog::critical("database {}: {}", name_, message);
    fail_queued("database unavailable: " + message);
    if (on_fatal) on_fatal(message);
    return false;
  } catch (const std::exception& e) {
    note_connect_failure(one_line(e.what()));
    return false;
  }
}

void Database::run_job(QueuedJob& queued) {
  declare_new_statements();
  std::string error;
  bool broken = false;
  try {
    queued.job(*conn_);
    return;
  } catch (const pqxx::broken_connection& e) {
    error = one_line(e.what());
    broken = true;
  } catch (const std::exception& e) {
    // A terminated backend can surface as an sql_error ("terminating
    // connection due to administrator command"); the socket state tells.
    error = one_line(e.what());
    broken = !conn_->is_open();
  } catch (...) {
    error = "job threw a non-standard exception";
    broken = !conn_->is_open();
  }
  if (broken) {
    mark_disconnected(error);
    deliver_error(queued.on_error, name_, "database unavailable: " + error);
  } else {
    deliver_error(queued.on_error, name_, error);
  }
}

void Database::fail_queued(const std::string& message) {
  std::deque<QueuedJob> failed;
  {
    std::lock_guard lock(mutex_);
    failed.swap(queue_);
  }
  for (auto& queued : failed) {
    deliver_error(queued.on_error, name_, message);
  }
}

void Database::mark_disconnected(const std::string& error) {
  conn_.reset();
  std::string server;
  {
    std::lock_guard lock(mutex_);
    status_.connected = false;
    status_.last_error = error;
    server = status_.server;
  }
  spdlog::warn("database {}: connection to {} lost: {}; reconnecting", name_, server, error);
  last_logged_error_ = error;
}

void Database::note_connect_failure(const std::string& error) {
  conn_.reset();
  {
    std::lock_guard lock(mutex_);
    status_.connected = false;
    status_.last_error = error;
  }
  // One line per distinct failure, not one per retry every 5 s.
  if (error != last_logged_error_) {
    spdlog::warn("database {}: cannot connect: {} (retrying every {} s at most)", name_, error,
                 std::chrono::duration_cast<std::chrono::seconds>(kMaxRetryDelay).count());
    last_logged_error_ = error;
  } else {
    spdlog::debug("database {}: still cannot connect: {}", name_, error);
  }
  // Jobs that waited for this attempt learn its outcome now.
  fail_queued("database unavailable: " + error);
}

void Database::sleep_before_retry(std::chrono::milliseconds delay) {
  const auto deadline = std::chrono::steady_clock::now() + delay;
  std::unique_lock lock(mutex_);
  for (;;) {
    const bool woken = wake_.wait_until(lock, deadline, [this] { return stopping_ || !queue_.empty(); });
    if (!woken || stopping_) return;
    // Jobs submitted while disconnected fail at once instead of waiting.
    std::deque<QueuedJob> failed;
    failed.swap(queue_);
    const std::string message = "database unavailable: " + status_.last_error;
    lock.unlock();
    for (auto& queued : failed) {
      deliver_error(queued.on_error, name_, message);
    }
    lock.lock();
  }
}

void Database::declare_new_statements() {
  std::vector<std::pair<std::string, std::string>> fresh;
  {
    std::lock_guard lock(mutex_);
    if (statements_declared_ >= prepared_.size()) return;
    fresh.assign(prepared_.begin() + static_cast<std::ptrdiff_t>(statements_declared_), prepared_.end());
  }
  for (const auto& [statement_name, sql] : fresh) {
    conn_->prepare(statement_name, sql);  // lazy: PREPARE goes out on first use
  }
  statements_declared_ += fresh.size();
}

}  // namespace sipedge
