// store/ and recovery/ against a real PostgreSQL: migrator, Database worker
// (reconnects), NodeStore, ClusterMembership, `sipedge migrate`.
//
// Needs the test PostgreSQL: SIPEDGE_TEST_PG_ADMIN_DSN (a superuser libpq
// DSN, e.g. "host=127.0.0.1 port=55432 user=postgres dbname=postgres") or
// ctest's pg fixture (tests/support test_pg_admin_dsn()). Without one every
// test fails, saying so. Each test creates its own uniquely named database
// (tests/support TestDatabase) and drops it afterwards, so tests are
// independent of each other and of their order.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <pqxx/pqxx>
#include <set>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>
#include <thread>

#include "recovery/cluster_membership.h"
#include "store/database.h"
#include "store/migrate_command.h"
#include "store/migrator.h"
#include "store/node_store.h"
#include "tests/support/test_database.h"

namespace sipedge {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr auto kWait = 15s;  // generous: CI machines are slow, success is usually instant

const char* kNodeRuntime = "0b5e8c1e-7d1f-4c8a-9a55-0f4f1f6e2a01";
const char* kOtherRuntime = "6f1d2a7c-3b4e-4f5a-8c9d-1e2f3a4b5c6d";

std::string shipped_migrations_dir() { return std::string(SIPEDGE_SOURCE_DIR) + "/migrations"; }

// Polls until pred() holds or kWait passes.
template <typename Pred>
bool eventually(Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return pred();
}

// Runs fn on the database worker and waits: "" on success, else the error
// message handed to on_error.
std::string run_on_worker(Database& db, std::function<void(pqxx::connection&)> fn) {
  auto done = std::make_shared<std::promise<std::string>>();
  auto result = done->get_future();
  db.submit(
      [fn = std::move(fn), done](pqxx::connection& conn) {
        fn(conn);
        done->set_value("");
      },
      [done](const std::string& error) { done->set_value(error.empty() ? "(empty error message)" : error); });
  if (result.wait_for(kWait) != std::future_status::ready) return "timed out waiting for the job";
  return result.get();
}

template <typename T>
T wait_value(std::future<T>& future) {
  if (future.wait_for(kWait) != std::future_status::ready) {
    throw std::runtime_error("timed out waiting for a store callback");
  }
  return future.get();
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    try {
      database_ = std::make_unique<test::TestDatabase>(std::string("store_") + info->name());
    } catch (const std::exception& e) {
      FAIL() << "cannot create the test database: " << e.what();
    }
    admin_ = database_->admin_dsn();
    dsn_ = database_->dsn();
    db_name_ = database_->name();
    dir_ = fs::temp_directory_path() / ("sipedge-" + db_name_);
    fs::create_directories(dir_);
  }

  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
    database_.reset();  // drops the database WITH (FORCE)
  }

  void write_migration(const std::string& file, const std::string& sql) { std::ofstream(dir_ / file) << sql; }

  // A value from the test database, read on a fresh connection.
  template <typename T>
  T query_value(const std::string& sql) {
    pqxx::connection conn(dsn_);
    pqxx::read_transaction txn(conn);
    return txn.exec1(sql)[0].as<T>();
  }

  bool table_exists(const std::string& table) {
    pqxx::connection conn(dsn_);
    pqxx::read_transaction txn(conn);
    return !txn.exec_params1("select to_regclass($1)", table)[0].is_null();
  }

  long long advisory_locks_held() {
    return query_value<long long>("select count(*) from pg_locks where locktype = 'advisory'");
  }

  void terminate_backend(int pid) {
    pqxx::connection admin(admin_);
    pqxx::nontransaction txn(admin);
    ASSERT_TRUE(txn.exec_params1("select pg_terminate_backend($1)", pid)[0].as<bool>());
  }

  void migrate_shipped() {
    pqxx::connection conn(dsn_);
    apply_migrations(conn, load_migrations(shipped_migrations_dir()));
  }

  std::unique_ptr<test::TestDatabase> database_;
  std::string admin_;
  std::string db_name_;
  std::string dsn_;
  fs::path dir_;
};

// ---------------------------------------------------------------- migrator

TEST_F(StoreTest, MigrationsApplyInOrderAndRecordRows) {
  // 0002 and 0003 only work after the ones before them.
  write_migration("0003_add_index.sql", "create index things_label_idx on things (label);");
  write_migration("0001_create_things.sql", "create table things (id int primary key);");
  write_migration("0002_add_label.sql", "alter table things add column label text;");

  pqxx::connection conn(dsn_);
  std::vector<std::string> printed;
  MigrationOptions options;
  options.applied_by = "store test";
  options.on_applied = [&printed](const Migration& m) { printed.push_back(m.file); };
  EXPECT_EQ(apply_migrations(conn, load_migrations(dir_.string()), options), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(printed, (std::vector<std::string>{"0001_create_things.sql", "0002_add_label.sql",
                                               "0003_add_index.sql"}));

  EXPECT_EQ(query_value<std::string>("select string_agg(version || ':' || name || ':' || applied_by, ',' "
                                     "order by version) from schema_migrations"),
            "1:create_things:store test,2:add_label:store test,3:add_index:store test");
  EXPECT_EQ(query_value<long long>("select count(*) from schema_migrations where applied_at <= now()"), 3);
  EXPECT_EQ(schema_version(conn), 3);
  EXPECT_EQ(advisory_locks_held(), 0) << "the migration lock must be released";

  // Second run: nothing to do.
  EXPECT_TRUE(apply_migrations(conn, load_migrations(dir_.string())).empty());
  EXPECT_EQ(query_value<long long>("select count(*) from schema_migrations"), 3);
}

TEST_F(StoreTest, ShippedMigrationsCreateDocumentedTables) {
  migrate_shipped();
  EXPECT_TRUE(table_exists("cluster_nodes"));
  const auto comment = query_value<std::string>("select obj_description('cluster_nodes'::regclass, 'pg_class')");
  EXPECT_NE(comment.find("Owner"), std::string::npos) << comment;
  EXPECT_FALSE(query_value<std::string>("select obj_description('schema_migrations'::regclass, 'pg_class')").empty());
}

TEST_F(StoreTest, ConcurrentMigrationsApplyEachMigrationExactlyOnce) {
  // The sleep widens the window in which the second node would race.
  write_migration("0001_slow.sql", "select pg_sleep(0.3); create table slow (id int);");
  write_migration("0002_second.sql", "create table second (id int);");
  write_migration("0003_third.sql", "insert into second values (1);");
  const auto migrations = load_migrations(dir_.string());

  std::promise<void> go;
  std::shared_future<void> start = go.get_future().share();
  auto migrate = [&] {
    pqxx::connection conn(dsn_);  // each "node" has its own session
    start.wait();
    return apply_migrations(conn, migrations);
  };
  auto first = std::async(std::launch::async, migrate);
  auto second = std::async(std::launch::async, migrate);
  go.set_value();
  const std::vector<int> a = first.get();  // rethrows any error
  const std::vector<int> b = second.get();

  std::multiset<int> all(a.begin(), a.end());
  all.insert(b.begin(), b.end());
  EXPECT_EQ(all, (std::multiset<int>{1, 2, 3})) << "each migration exactly once across both nodes";
  EXPECT_EQ(query_value<long long>("select count(*) from schema_migrations"), 3);
  EXPECT_EQ(query_value<long long>("select count(*) from second"), 1) << "0003 ran once";
  EXPECT_EQ(advisory_locks_held(), 0);
}

TEST_F(StoreTest, FailingMigrationRollsBackWholeAndNamesTheFile) {
  write_migration("0001_ok.sql", "create table ok_table (id int);");
  // First statement is fine, the second one is a syntax error.
  write_migration("0002_broken.sql", "create table half_done (id int);\ncreate tabel broken (id int);\n");
  write_migration("0003_never.sql", "create table never (id int);");

  pqxx::connection conn(dsn_);
  try {
    apply_migrations(conn, load_migrations(dir_.string()));
    FAIL() << "expected MigrationError";
  } catch (const MigrationError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind("migration 0002_broken.sql failed: ", 0), 0u) << message;
    EXPECT_NE(message.find("syntax error"), std::string::npos) << message;
  }
  EXPECT_TRUE(table_exists("ok_table"));
  EXPECT_FALSE(table_exists("half_done")) << "the failed migration's first statement must be rolled back";
  EXPECT_FALSE(table_exists("never"));
  EXPECT_EQ(query_value<std::string>("select string_agg(version::text, ',') from schema_migrations"), "1");
  EXPECT_EQ(advisory_locks_held(), 0) << "the lock is released on failure too";
  EXPECT_EQ(schema_version(conn), 1) << "the connection is still usable";
}

TEST_F(StoreTest, RenamedAppliedMigrationIsRejected) {
  write_migration("0001_original.sql", "create table t (id int);");
  pqxx::connection conn(dsn_);
  apply_migrations(conn, load_migrations(dir_.string()));
  fs::remove(dir_ / "0001_original.sql");
  write_migration("0001_renamed.sql", "create table t (id int);");
  EXPECT_THROW(apply_migrations(conn, load_migrations(dir_.string())), MigrationError);
  EXPECT_EQ(advisory_locks_held(), 0);
}

TEST_F(StoreTest, MigrateCommandPrintsWhatItAppliedThenUpToDate) {
  testing::internal::CaptureStdout();
  EXPECT_EQ(run_migrate_command(dsn_, shipped_migrations_dir()), 0);
  EXPECT_NE(testing::internal::GetCapturedStdout().find("applied 0001_cluster_nodes.sql"), std::string::npos);

  testing::internal::CaptureStdout();
  EXPECT_EQ(run_migrate_command(dsn_, shipped_migrations_dir()), 0);
  const int version = load_migrations(shipped_migrations_dir()).back().version;
  EXPECT_EQ(testing::internal::GetCapturedStdout(),
            "schema is up to date (version " + std::to_string(version) + ")\n");
}

TEST_F(StoreTest, MigrateCommandReturns3OnFailure) {
  write_migration("0001_broken.sql", "create tabel x ();");
  testing::internal::CaptureStderr();
  EXPECT_EQ(run_migrate_command(dsn_, dir_.string()), 3);
  EXPECT_NE(testing::internal::GetCapturedStderr().find("migration 0001_broken.sql failed"), std::string::npos);

  testing::internal::CaptureStderr();
  EXPECT_EQ(run_migrate_command(dsn_, (dir_ / "missing").string()), 3);
  EXPECT_NE(testing::internal::GetCapturedStderr().find("does not exist"), std::string::npos);
}

// ---------------------------------------------------------------- Database

TEST_F(StoreTest, DatabaseReconnectsAfterBackendIsKilled) {
  Database db(dsn_, "test");
  db.prepare("add_one", "select $1::int + 1");
  std::atomic<int> connects{0};
  db.on_connect([&connects](pqxx::connection&) { ++connects; });
  db.start();
  ASSERT_TRUE(eventually([&] { return db.status().connected; })) << db.status().last_error;
  EXPECT_NE(db.status().server.find(db_name_), std::string::npos) << db.status().server;

  int pid = 0;
  ASSERT_EQ(run_on_worker(db, [&pid](pqxx::connection& conn) { pid = conn.backendpid(); }), "");
  terminate_backend(pid);

  // The contract: the next job either fails with "database unavailable: ..."
  // (the worker noticed the broken socket) or succeeds (already reconnected).
  const std::string next = run_on_worker(db, [](pqxx::connection& conn) {
    pqxx::work txn(conn);
    txn.exec1("select 1");
  });
  if (!next.empty()) {
    EXPECT_EQ(next.rfind("database unavailable: ", 0), 0u) << next;
  }

  int new_pid = 0;
  int two = 0;
  ASSERT_TRUE(eventually([&] {
    return run_on_worker(db, [&](pqxx::connection& conn) {
             pqxx::work txn(conn);
             two = txn.exec_prepared1("add_one", 1)[0].as<int>();  // re-prepared on the new connection
             new_pid = conn.backendpid();
           }) == "";
  }));
  EXPECT_EQ(two, 2);
  EXPECT_NE(new_pid, pid);
  const DatabaseStatus status = db.status();
  EXPECT_TRUE(status.connected);
  EXPECT_EQ(status.reconnects, 1u);
  EXPECT_EQ(connects.load(), 2) << "the connect hook runs on every connect";
  db.stop();
  EXPECT_FALSE(db.status().connected);
}

TEST_F(StoreTest, SqlErrorFailsOnlyThatJob) {
  Database db(dsn_, "test");
  db.start();
  ASSERT_TRUE(eventually([&] { return db.status().connected; }));
  const std::string error = run_on_worker(db, [](pqxx::connection& conn) {
    pqxx::work txn(conn);
    txn.exec0("select * from no_such_table");
  });
  EXPECT_NE(error.find("no_such_table"), std::string::npos) << error;
  EXPECT_EQ(error.find("database unavailable"), std::string::npos) << error;
  EXPECT_EQ(run_on_worker(db, [](pqxx::connection& conn) { pqxx::work(conn).exec1("select 1"); }), "");
  EXPECT_EQ(db.status().reconnects, 0u);
}

TEST_F(StoreTest, JobsFailAtOnceWhileTheDatabaseIsUnreachable) {
  // Port 1 on loopback: nothing listens, connect is refused immediately.
  Database db("host=127.0.0.1 port=1 dbname=nothing user=nobody", "unreachable");
  std::atomic<bool> ran{false};
  db.start();
  ASSERT_TRUE(eventually([&] { return !db.status().last_error.empty(); }));
  const auto started = std::chrono::steady_clock::now();
  const std::string error = run_on_worker(db, [&ran](pqxx::connection&) { ran = true; });
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s) << "must not wait for the backoff";
  EXPECT_EQ(error.rfind("database unavailable: ", 0), 0u) << error;
  EXPECT_FALSE(ran.load());
  EXPECT_FALSE(db.status().connected);
  db.stop();
  EXPECT_EQ(run_on_worker(db, [](pqxx::connection&) {}).rfind("database unavailable: ", 0), 0u);
}

TEST_F(StoreTest, RepeatedConnectFailuresAreLoggedOnce) {
  auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(100);
  auto previous = spdlog::default_logger();
  auto capture = std::make_shared<spdlog::logger>("capture", sink);
  capture->set_level(spdlog::level::debug);  // retries log at debug; only warnings count
  spdlog::set_default_logger(capture);
  {
    Database db("host=127.0.0.1 port=1 dbname=nothing user=nobody", "unreachable");
    db.start();
    // Backoff 100, 200, 400, 800 ms (minus jitter): at least 4 attempts.
    std::this_thread::sleep_for(1500ms);
    db.stop();
  }
  spdlog::set_default_logger(previous);
  int warnings = 0;
  int retries = 0;
  for (const auto& message : sink->last_raw()) {
    const std::string text(message.payload.begin(), message.payload.end());
    if (text.find("cannot connect") == std::string::npos) continue;
    if (message.level >= spdlog::level::warn) ++warnings;
    ++retries;
  }
  EXPECT_GE(retries, 4);
  EXPECT_EQ(warnings, 1) << "one warning per distinct failure, not one per retry";
}

TEST_F(StoreTest, FatalErrorFromConnectHookGoesToOnFatalAndStopsRetrying) {
  Database db(dsn_, "test");
  std::promise<std::string> fatal;
  auto fatal_message = fatal.get_future();
  std::atomic<int> attempts{0};
  db.on_connect([&attempts](pqxx::connection&) {
    ++attempts;
    throw FatalDatabaseError("migration 0002_x.sql failed: boom");
  });
  db.on_fatal([&fatal](const std::string& message) { fatal.set_value(message); });
  db.start();
  EXPECT_EQ(wait_value(fatal_message), "migration 0002_x.sql failed: boom");
  EXPECT_TRUE(db.status().failed);
  EXPECT_EQ(run_on_worker(db, [](pqxx::connection&) {}),
            "database unavailable: migration 0002_x.sql failed: boom");
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(attempts.load(), 1) << "no reconnect after a fatal error";
}

// ---------------------------------------------------------------- NodeStore

class NodeStoreTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (HasFatalFailure()) return;
    migrate_shipped();
    db_ = std::make_unique<Database>(dsn_, "nodes");
    store_ = std::make_unique<NodeStore>(*db_);
    db_->start();
    ASSERT_TRUE(eventually([&] { return db_->status().connected; }));
  }
  void TearDown() override {
    if (db_) db_->stop();
    StoreTest::TearDown();
  }

  NodeRegisterOutcome register_node(const std::string& name, const std::string& runtime) {
    std::promise<NodeRegisterOutcome> done;
    auto result = done.get_future();
    store_->register_node(NodeRecord{name, runtime, "0.1.0", "host-a"},
                          [&done](NodeRegisterOutcome outcome) { done.set_value(outcome); },
                          [&done](const std::string& error) {
                            done.set_exception(std::make_exception_ptr(std::runtime_error(error)));
                          });
    return wait_value(result);
  }

  TouchOutcome touch(const std::string& name, const std::string& runtime) {
    std::promise<TouchOutcome> done;
    auto result = done.get_future();
    store_->touch(name, runtime, [&done](TouchOutcome outcome) { done.set_value(outcome); },
                  [&done](const std::string& error) {
                    done.set_exception(std::make_exception_ptr(std::runtime_error(error)));
                  });
    return wait_value(result);
  }

  std::vector<NodeRecord> list() {
    std::promise<std::vector<NodeRecord>> done;
    auto result = done.get_future();
    store_->list_nodes([&done](std::vector<NodeRecord> nodes) { done.set_value(std::move(nodes)); },
                       [&done](const std::string& error) {
                         done.set_exception(std::make_exception_ptr(std::runtime_error(error)));
                       });
    return wait_value(result);
  }

  std::unique_ptr<Database> db_;
  std::unique_ptr<NodeStore> store_;
};

TEST_F(NodeStoreTest, RegisterTouchAndList) {
  EXPECT_TRUE(register_node("node-b", kOtherRuntime).previous_runtime_id.empty());
  EXPECT_TRUE(register_node("node-a", kNodeRuntime).previous_runtime_id.empty());

  auto nodes = list();
  ASSERT_EQ(nodes.size(), 2u);
  EXPECT_EQ(nodes[0].node_name, "node-a");  // ordered by name
  EXPECT_EQ(nodes[0].runtime_id, kNodeRuntime);
  EXPECT_EQ(nodes[0].version, "0.1.0");
  EXPECT_EQ(nodes[0].hostname, "host-a");
  EXPECT_EQ(nodes[0].started_at, nodes[0].last_seen_at);
  EXPECT_LT(std::chrono::abs(std::chrono::system_clock::now() - nodes[0].last_seen_at), 60s);
  EXPECT_GE(nodes[0].since_last_seen.count(), 0);
  const auto first_seen = nodes[0].last_seen_at;

  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(touch("node-a", kNodeRuntime).result, TouchResult::touched);
  nodes = list();
  EXPECT_GT(nodes[0].last_seen_at, first_seen);
  EXPECT_EQ(nodes[0].started_at, first_seen) << "a heartbeat does not move started_at";

  const TouchOutcome stolen = touch("node-a", kOtherRuntime);
  EXPECT_EQ(stolen.result, TouchResult::other_runtime);
  EXPECT_EQ(stolen.current_runtime_id, kNodeRuntime);
  EXPECT_EQ(touch("node-z", kNodeRuntime).result, TouchResult::not_registered);
}

TEST_F(NodeStoreTest, ReRegisterKeepsStartTimeOnlyForTheSameRuntime) {
  register_node("node-a", kNodeRuntime);
  const auto started = list()[0].started_at;
  std::this_thread::sleep_for(20ms);

  const NodeRegisterOutcome again = register_node("node-a", kNodeRuntime);  // reconnect
  EXPECT_EQ(again.previous_runtime_id, kNodeRuntime);
  EXPECT_EQ(list()[0].started_at, started);

  const NodeRegisterOutcome restarted = register_node("node-a", kOtherRuntime);  // process restart
  EXPECT_EQ(restarted.previous_runtime_id, kNodeRuntime);
  EXPECT_GE(restarted.previous_seen_ago.count(), 0);
  const auto nodes = list();
  ASSERT_EQ(nodes.size(), 1u);
  EXPECT_EQ(nodes[0].runtime_id, kOtherRuntime);
  EXPECT_GT(nodes[0].started_at, started);
}

TEST_F(NodeStoreTest, BadRuntimeIdIsAnErrorNotACrash) {
  EXPECT_THROW(register_node("node-a", "not-a-uuid"), std::runtime_error);
  EXPECT_TRUE(db_->status().connected);
}

// ---------------------------------------------------------- ClusterMembership

TEST_F(NodeStoreTest, MembershipRegistersHeartbeatsAndSurvivesReconnect) {
  ClusterMembership membership(*db_, *store_, NodeIdentityInfo{"node-a", kNodeRuntime, "0.1.0", "host-a"}, 50ms);
  membership.start();
  ASSERT_TRUE(eventually([&] { return membership.status().registered && membership.status().heartbeats >= 2; }))
      << membership.status().last_error;

  int pid = 0;
  ASSERT_EQ(run_on_worker(*db_, [&pid](pqxx::connection& conn) { pid = conn.backendpid(); }), "");
  terminate_backend(pid);
  ASSERT_TRUE(eventually([&] { return db_->status().reconnects >= 1; }));
  const auto after_reconnect = membership.status().heartbeats;
  ASSERT_TRUE(eventually([&] { return membership.status().heartbeats >= after_reconnect + 2; }))
      << membership.status().last_error;
  EXPECT_TRUE(membership.status().registered);

  membership.stop();
  const auto nodes = list();
  ASSERT_EQ(nodes.size(), 1u) << "membership never deletes rows, not even on stop";
  EXPECT_EQ(nodes[0].runtime_id, kNodeRuntime);
}

TEST_F(NodeStoreTest, MembershipDoesNotStealAnotherRuntimesRow) {
  ClusterMembership membership(*db_, *store_, NodeIdentityInfo{"node-a", kNodeRuntime, "0.1.0", "host-a"}, 50ms);
  membership.start();
  ASSERT_TRUE(eventually([&] { return membership.status().registered; }));
  register_node("node-a", kOtherRuntime);  // a second process took our name
  ASSERT_TRUE(eventually([&] { return membership.status().conflicting_runtime_id == kOtherRuntime; }));
  EXPECT_FALSE(membership.status().registered);
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(list()[0].runtime_id, kOtherRuntime);
  membership.stop();
}

}  // namespace
}  // namespace sipedge
