#pragma once
// A PostgreSQL connection owned by one database worker thread. Callers submit
// jobs; each job runs on the worker with the live connection. Nobody else ever
// touches the connection (and the SIP thread never waits on it).
// Reconnects with exponential backoff; prepared statements are (re)declared on
// every new connection. Knows nothing about SIP: callers pass plain values.
//
// Threads: every Job, ErrorHandler, connect hook and the fatal handler runs on
// the worker thread, except that submit() after stop() fails the job on the
// caller's thread (there is no worker any more). Callbacks must not block on
// other threads that wait for the database; post results to their owner.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

// libpqxx 6.4: pqxx::connection is an alias of a class template, so it cannot
// be forward-declared.
#include <pqxx/connection>

namespace sipedge {

struct DatabaseStatus {
  bool connected = false;
  std::string last_error;       // "" when none
  std::uint64_t reconnects = 0; // successful connections after the first
  std::string server;           // "host:port/dbname" once connected
  bool failed = false;          // a FatalDatabaseError stopped reconnecting for good
};

class Database {
 public:
  using Job = std::function<void(pqxx::connection&)>;
  // Called on the worker when a job could not run or threw (database down,
  // SQL error). The message is what the caller should log/answer with.
  using ErrorHandler = std::function<void(const std::string& message)>;
  using ConnectHook = std::function<void(pqxx::connection&)>;
  using HookId = std::uint64_t;

  Database(std::string dsn, std::string name);
  ~Database();  // stop()
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Declares a prepared statement, also on the live connection if there is
  // one; prepared again on every (re)connect. Thread-safe, any time. libpqxx
  // sends the PREPARE on first use, so statements may name tables that a
  // connect hook (the migrator) creates.
  void prepare(std::string statement_name, std::string sql);
  // Adds a hook run on the worker after each successful connect (after
  // prepares), before any queued job. Hooks run in the order they were added.
  // An exception from a hook drops the connection and retries, unless it is a
  // FatalDatabaseError, which goes to on_fatal and ends reconnecting.
  void on_connect(ConnectHook hook) { add_connect_hook(std::move(hook)); }
  HookId add_connect_hook(ConnectHook hook);
  // After it returns, the hook is not started again (one already running on
  // the worker finishes).
  void remove_connect_hook(HookId id);
  void on_fatal(std::function<void(const std::string&)> handler);

  void start();
  void stop();  // finishes the job in progress, fails queued ones; joins

  // Queue a job. While disconnected, the job fails at once via on_error with
  // "database unavailable: <last error>". Jobs run in submission order. A job
  // that throws fails via on_error with the exception's message; if the
  // connection broke, the worker then reconnects. on_error may be empty (the
  // failure is then logged).
  void submit(Job job, ErrorHandler on_error);

  DatabaseStatus status() const;
  const std::string& dsn() const { return dsn_; }
  const std::string& name() const { return name_; }

 private:
  struct QueuedJob {
    Job job;
    ErrorHandler on_error;
  };

  void run();
  bool connect_once();
  void run_job(QueuedJob& queued);
  void fail_queued(const std::string& message);
  void mark_disconnected(const std::string& error);
  void note_connect_failure(const std::string& error);
  void sleep_before_retry(std::chrono::milliseconds delay);
  void declare_new_statements();

  std::string dsn_;
  std::string name_;

  mutable std::mutex mutex_;  // guards everything from here to worker_
  std::vector<std::pair<std::string, std::string>> prepared_;
  std::vector<std::pair<HookId, ConnectHook>> hooks_;
  HookId next_hook_id_ = 1;
  std::function<void(const std::string&)> on_fatal_;
  std::condition_variable wake_;
  std::deque<QueuedJob> queue_;
  DatabaseStatus status_;
  bool started_ = false;
  bool stopping_ = false;

  // Worker thread only.
  std::unique_ptr<pqxx::connection> conn_;
  std::size_t statements_declared_ = 0;  // prefix of prepared_ declared on conn_
  bool ever_connected_ = false;
  std::string last_logged_error_;  // log each distinct failure once, not every retry

  std::thread worker_;
};

// Thrown from an on_connect hook when retrying cannot help (a failing migration).
class FatalDatabaseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace sipedge
