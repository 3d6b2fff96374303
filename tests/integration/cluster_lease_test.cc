// The cluster lease and fencing against a real PostgreSQL (migration 0006):
// LeaseStore's grant/renew/release rules by the database clock; two
// LeaseKeepers as an active/standby pair (one active with epoch 1, the
// other standby; a killed active replaced after the TTL, a clean release or
// a forced standby handed over without waiting for it; self-demotion when
// the database stops answering, while the renewal still hangs); and the
// fence: writes of an old epoch fail after a takeover, and a takeover and a
// fenced write serialise on the lease row (driven step by step on explicit
// transactions, waiting for the lock waits in pg_stat_activity).
// Slow: several tests wait for a TTL of one second.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <pqxx/pqxx>
#include <string>
#include <thread>
#include <vector>

#include "recovery/lease_keeper.h"
#include "store/database.h"
#include "store/lease_store.h"
#include "store/migrator.h"
#include "tests/support/test_database.h"

namespace sipedge {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr auto kWait = 15s;
constexpr auto kTtl = 1000ms;
constexpr auto kRenew = 200ms;
const std::string kCluster = "pair-1";
const std::string kRuntimeA = "00000000-0000-4000-8000-00000000000a";
const std::string kRuntimeB = "00000000-0000-4000-8000-00000000000b";

std::string shipped_migrations_dir() { return std::string(SIPEDGE_SOURCE_DIR) + "/migrations"; }

long long ms_since(Clock::time_point t) { return std::chrono::duration_cast<milliseconds>(Clock::now() - t).count(); }

long long ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration_cast<milliseconds>(b - a).count();
}

// Polls a condition (every 10 ms) until it holds or `timeout` passes.
bool eventually(const std::function<bool()>& condition, Clock::duration timeout = kWait) {
  const auto deadline = Clock::now() + timeout;
  while (!condition()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

template <typename T>
T wait_value(std::future<T>& future) {
  if (future.wait_for(kWait) != std::future_status::ready) throw std::runtime_error("timed out waiting for the store");
  return future.get();
}

// LeaseStore made synchronous: each call waits for its answer; an error
// answer throws std::runtime_error with its message.
class Client {
 public:
  explicit Client(LeaseStore& store) : store_(store) {}

  LeaseAcquireOutcome acquire(const std::string& node, const std::string& runtime, milliseconds ttl = kTtl) {
    return call<LeaseAcquireOutcome>([&](auto done, auto fail) {
      store_.try_acquire(kCluster, node, runtime, ttl, std::move(done), std::move(fail));
    });
  }
  LeaseRenewOutcome renew(const std::string& node, const std::string& runtime, std::int64_t epoch,
                          milliseconds ttl = kTtl) {
    return call<LeaseRenewOutcome>([&](auto done, auto fail) {
      store_.renew(kCluster, node, runtime, epoch, ttl, std::move(done), std::move(fail));
    });
  }
  bool release(std::int64_t epoch, const std::string& runtime) {
    return call<bool>([&](auto done, auto fail) {
      store_.release(kCluster, epoch, runtime, std::move(done), std::move(fail));
    });
  }
  std::optional<LeaseInfo> read() {
    return call<std::optional<LeaseInfo>>(
        [&](auto done, auto fail) { store_.read(kCluster, std::move(done), std::move(fail)); });
  }

 private:
  template <typename T, typename Submit>
  T call(Submit submit) {
    auto promise = std::make_shared<std::promise<T>>();
    auto future = promise->get_future();
    submit([promise](T value) { promise->set_value(std::move(value)); },
           [promise](const std::string& error) { promise->set_exception(std::make_exception_ptr(std::runtime_error(error))); });
    return wait_value(future);
  }

  LeaseStore& store_;
};

// The keeper's callbacks, with the instant each came.
struct Events {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::pair<std::int64_t, std::string>> promotions;
  std::vector<Clock::time_point> promoted_at;
  std::vector<std::string> demotions;
  std::vector<Clock::time_point> demoted_at;
  std::function<void()> on_demote_hook;  // runs inside on_demote (test checks at that instant)

  bool wait_promotions(std::size_t n, Clock::duration timeout = kWait) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, timeout, [&] { return promotions.size() >= n; });
  }
  bool wait_demotions(std::size_t n, Clock::duration timeout = kWait) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, timeout, [&] { return demotions.size() >= n; });
  }
  std::size_t promotion_count() {
    std::lock_guard lock(mutex);
    return promotions.size();
  }
};

// One node of the pair: its own Database (connection), LeaseStore and LeaseKeeper.
struct Node {
  Node(const std::string& dsn, const std::string& name, const std::string& runtime,
       milliseconds statement_timeout = kTtl)
      : db(dsn, "lease-" + name), store(db, statement_timeout) {
    db.start();
    LeaseKeeperConfig c;
    c.cluster_name = kCluster;
    c.node_name = name;
    c.runtime_id = runtime;
    c.renew_interval = kRenew;
    c.ttl = kTtl;
    keeper = std::make_unique<LeaseKeeper>(
        store, c,
        [this](std::int64_t epoch, const std::string& previous) {
          std::lock_guard lock(events.mutex);
          events.promotions.emplace_back(epoch, previous);
          events.promoted_at.push_back(Clock::now());
          events.changed.notify_all();
        },
        [this](const std::string& reason) {
          if (events.on_demote_hook) events.on_demote_hook();
          std::lock_guard lock(events.mutex);
          events.demotions.push_back(reason);
          events.demoted_at.push_back(Clock::now());
          events.changed.notify_all();
        });
  }
  ~Node() {
    keeper->stop();
    db.stop();
  }

  Database db;
  LeaseStore store;
  Events events;
  std::unique_ptr<LeaseKeeper> keeper;
};

class ClusterLeaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    try {
      database_ = std::make_unique<test::TestDatabase>(std::string("lease_") + info->name());
      pqxx::connection conn(database_->dsn());
      apply_migrations(conn, load_migrations(shipped_migrations_dir()));
      pqxx::work txn(conn);
      txn.exec0("create table scratch (id integer primary key, note text not null, epoch bigint not null)");
      txn.commit();
    } catch (const std::exception& e) {
      FAIL() << "cannot set up the test database: " << e.what();
    }
    db_ = std::make_unique<Database>(database_->dsn(), "test");
    store_ = std::make_unique<LeaseStore>(*db_, 5000ms);
    client_ = std::make_unique<Client>(*store_);
    db_->start();
  }

  void TearDown() override {
    client_.reset();
    store_.reset();
    if (db_) db_->stop();
    db_.reset();
    database_.reset();
  }

  std::unique_ptr<Node> node(const std::string& name, const std::string& runtime,
                             milliseconds statement_timeout = kTtl) {
    auto n = std::make_unique<Node>(database_->dsn(), name, runtime, statement_timeout);
    n->keeper->start();
    return n;
  }

  template <typename T>
  T query_value(const std::string& sql) {
    pqxx::connection conn(database_->dsn());
    pqxx::nontransaction txn(conn);
    return txn.exec1(sql)[0].as<T>();
  }

  long long scratch_rows(const std::string& where = "true") {
    return query_value<long long>("select count(*) from scratch where " + where);
  }

  // Runs `sql` in its own transaction on a new connection; "" when it
  // committed, else the SQLSTATE (or the message when there is none).
  std::string try_write(const std::string& sql) {
    pqxx::connection conn(database_->dsn());
    try {
      pqxx::work txn(conn);
      txn.exec(sql);
      txn.commit();
      return "";
    } catch (const pqxx::sql_error& e) {
      return e.sqlstate().empty() ? std::string(e.what()) : e.sqlstate();
    }
  }

  // True once backend `pid` waits for a lock (pg_stat_activity).
  bool waits_for_lock(int pid) {
    return eventually([&] {
      return query_value<long long>("select count(*) from pg_stat_activity where pid = " + std::to_string(pid) +
                                    " and wait_event_type = 'Lock'") == 1;
    });
  }

  // Grants epoch 1 to node-a for `ttl` and waits until it has expired by
  // the database clock.
  void grant_and_expire(milliseconds ttl) {
    ASSERT_TRUE(client().acquire("node-a", kRuntimeA, ttl).acquired);
    ASSERT_TRUE(eventually([&] { return client().read()->state == "expired"; }));
  }

  Client& client() { return *client_; }

  std::unique_ptr<test::TestDatabase> database_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<LeaseStore> store_;
  std::unique_ptr<Client> client_;
};

std::string acquire_sql(const std::string& node, const std::string& runtime, long long ttl_ms = 1000) {
  return "select acquired, epoch from sipedge_lease_acquire('" + kCluster + "', '" + node + "', '" + runtime +
         "', " + std::to_string(ttl_ms) + ")";
}

std::string fence(std::int64_t epoch) {
  return "sipedge_fence('" + kCluster + "', " + std::to_string(epoch) + ")";
}

// ---------------------------------------------------------------- the store

TEST_F(ClusterLeaseTest, StoreGrantsTheLeaseToOneHolderAtATime) {
  EXPECT_FALSE(client().read().has_value()) << "no row before the first acquisition";

  const auto a = client().acquire("node-a", kRuntimeA);
  EXPECT_TRUE(a.acquired);
  EXPECT_EQ(a.epoch, 1);
  EXPECT_EQ(a.holder_node, "node-a");
  EXPECT_EQ(a.holder_runtime_id, kRuntimeA);
  EXPECT_EQ(a.previous_node, "");
  EXPECT_GT(a.expires_in_ms, 900);
  EXPECT_LE(a.expires_in_ms, 1000);

  const auto b = client().acquire("node-b", kRuntimeB);
  EXPECT_FALSE(b.acquired);
  EXPECT_EQ(b.epoch, 1);
  EXPECT_EQ(b.holder_node, "node-a");
  EXPECT_GT(b.expires_in_ms, 0);

  EXPECT_FALSE(client().acquire("node-a", kRuntimeA).acquired) << "not even the holder: acquisition needs expiry";
  EXPECT_TRUE(client().renew("node-a", kRuntimeA, 1).renewed);
  EXPECT_FALSE(client().renew("node-a", kRuntimeA, 2).renewed) << "wrong epoch";
  EXPECT_FALSE(client().renew("node-a", kRuntimeB, 1).renewed) << "another runtime of the same node";
  const auto refused = client().renew("node-b", kRuntimeB, 1);
  EXPECT_FALSE(refused.renewed);
  EXPECT_EQ(refused.holder_node, "node-a");
  EXPECT_EQ(refused.epoch, 1);

  auto info = client().read();
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->state, "held");
  EXPECT_EQ(info->active_node, "node-a");
  EXPECT_EQ(info->epoch, 1);
  EXPECT_GT(info->expires_in_ms, 0);

  EXPECT_FALSE(client().release(1, kRuntimeB)) << "only the holder releases";
  EXPECT_TRUE(client().release(1, kRuntimeA));
  EXPECT_FALSE(client().release(1, kRuntimeA)) << "released once";
  info = client().read();
  EXPECT_EQ(info->state, "released");
  EXPECT_EQ(info->active_node, "");
  EXPECT_EQ(info->expires_in_ms, 0);
  EXPECT_FALSE(client().renew("node-a", kRuntimeA, 1).renewed) << "a released lease is not renewed";

  const auto taken = client().acquire("node-b", kRuntimeB);
  EXPECT_TRUE(taken.acquired) << "released: no need to wait for the TTL";
  EXPECT_EQ(taken.epoch, 2);
  EXPECT_EQ(taken.previous_node, "node-a");
  EXPECT_TRUE(taken.previous_released);
  info = client().read();
  EXPECT_EQ(info->active_node, "node-b");
  EXPECT_EQ(info->previous_node, "node-a");
}

TEST_F(ClusterLeaseTest, ExpiredLeaseIsNeverRenewedOnlyAcquiredAgainWithANewEpoch) {
  grant_and_expire(50ms);
  EXPECT_FALSE(client().renew("node-a", kRuntimeA, 1).renewed);
  const auto again = client().acquire("node-a", kRuntimeA);
  EXPECT_TRUE(again.acquired);
  EXPECT_EQ(again.epoch, 2);
  EXPECT_EQ(again.previous_node, "node-a");
  EXPECT_FALSE(again.previous_released) << "it expired";
}

TEST_F(ClusterLeaseTest, StoreSetsTheStatementTimeoutAndRejectsBadArguments) {
  std::promise<std::string> shown;
  auto future = shown.get_future();
  db_->submit(
      [&shown](pqxx::connection& conn) {
        pqxx::nontransaction txn(conn);
        shown.set_value(txn.exec1("show statement_timeout")[0].as<std::string>());
      },
      [&shown](const std::string& error) { shown.set_value("error: " + error); });
  EXPECT_EQ(wait_value(future), "5s");
  EXPECT_THROW(client().acquire("", kRuntimeA), std::runtime_error);
  EXPECT_THROW(client().acquire("node-a", "not-a-uuid"), std::runtime_error);
  EXPECT_THROW(client().acquire("node-a", kRuntimeA, 0ms), std::runtime_error);
  EXPECT_FALSE(client().read().has_value()) << "nothing was written";
}

// ---------------------------------------------------------------- fencing

TEST_F(ClusterLeaseTest, WritesFencedWithTheOldEpochFailAfterATakeover) {
  ASSERT_TRUE(client().acquire("node-a", kRuntimeA).acquired);
  // The three ways to fence a write (docs/cluster.md), with the holder's epoch.
  EXPECT_EQ(try_write("select " + fence(1) + "; insert into scratch values (1, 'txn', 1)"), "");
  EXPECT_EQ(try_write("insert into scratch values (2, 'value', " + fence(1) + ")"), "");
  EXPECT_EQ(try_write("update scratch set note = 'updated' where id = 2 and (select " + fence(1) + ") is not null"),
            "");
  EXPECT_EQ(scratch_rows("note = 'updated'"), 1);
  EXPECT_TRUE(query_value<bool>("select sipedge_epoch_holds('" + kCluster + "', 1)"));
  EXPECT_FALSE(query_value<bool>("select sipedge_epoch_holds('" + kCluster + "', 2)"));

  // node-a is paused; its lease lapses and node-b takes over with epoch 2.
  ASSERT_TRUE(client().release(1, kRuntimeA));
  const auto taken = client().acquire("node-b", kRuntimeB);
  ASSERT_TRUE(taken.acquired);
  ASSERT_EQ(taken.epoch, 2);

  EXPECT_EQ(try_write("select " + fence(1) + "; insert into scratch values (3, 'late', 1)"), kFenceSqlState);
  EXPECT_EQ(try_write("insert into scratch values (4, 'late', " + fence(1) + ")"), kFenceSqlState);
  EXPECT_EQ(try_write("update scratch set note = 'late' where id = 2 and (select " + fence(1) + ") is not null"),
            kFenceSqlState);
  EXPECT_EQ(try_write("update scratch set note = 'late' where id = 99 and (select " + fence(1) + ") is not null"),
            kFenceSqlState)
      << "the sub-select is a one-time filter: the fence fails even when no row matches";
  EXPECT_EQ(try_write("insert into scratch values (5, 'other cluster', sipedge_fence('no-such-cluster', 2))"),
            kFenceSqlState);
  EXPECT_EQ(scratch_rows("id >= 3 or note = 'late'"), 0) << "no write of epoch 1 after the takeover";
  EXPECT_FALSE(query_value<bool>("select sipedge_epoch_holds('" + kCluster + "', 1)"));

  EXPECT_EQ(try_write("insert into scratch values (6, 'new active', " + fence(2) + ")"), "");
  EXPECT_EQ(scratch_rows("id = 6 and epoch = 2"), 1);

  // The error a node sees: SQLSTATE SEF01, with the reason in DETAIL.
  pqxx::connection conn(database_->dsn());
  pqxx::work txn(conn);
  try {
    txn.exec("select " + fence(1));
    ADD_FAILURE() << "the fence passed";
  } catch (const pqxx::sql_error& e) {
    EXPECT_TRUE(is_fence_violation(e));
    EXPECT_NE(std::string(e.what()).find("epoch 1 does not hold the lease of cluster pair-1"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("the lease is at epoch 2, held by node-b"), std::string::npos) << e.what();
  }
}

TEST_F(ClusterLeaseTest, ExpiredLeaseFencesItsHolderEvenBeforeATakeover) {
  grant_and_expire(50ms);
  EXPECT_EQ(try_write("insert into scratch values (1, 'expired', " + fence(1) + ")"), kFenceSqlState);
  EXPECT_EQ(scratch_rows(), 0);
}

// The old active passed the fence and is still writing when the lease
// expires. The standby's acquisition waits for that transaction, so the
// write commits BEFORE epoch 2 exists; nothing of epoch 1 can follow.
TEST_F(ClusterLeaseTest, TakeoverWaitsForAFencedWriteInFlight) {
  ASSERT_TRUE(client().acquire("node-a", kRuntimeA, 300ms).acquired);
  pqxx::connection writer(database_->dsn());
  pqxx::work write(writer);
  write.exec("select " + fence(1));
  write.exec("insert into scratch values (1, 'in flight', 1)");
  ASSERT_TRUE(eventually([&] { return client().read()->state == "expired"; }));

  pqxx::connection taker(database_->dsn());
  const int taker_pid = taker.backendpid();
  auto takeover = std::async(std::launch::async, [&] {
    pqxx::nontransaction txn(taker);
    const auto row = txn.exec1(acquire_sql("node-b", kRuntimeB));
    return std::make_pair(row[0].as<bool>(), row[1].as<long long>());
  });
  ASSERT_TRUE(waits_for_lock(taker_pid)) << "the acquisition must wait for the fenced writer";
  EXPECT_EQ(takeover.wait_for(0ms), std::future_status::timeout);
  EXPECT_EQ(client().read()->epoch, 1);

  write.commit();  // the old epoch's write lands, before the grant
  ASSERT_EQ(takeover.wait_for(kWait), std::future_status::ready);
  const auto [acquired, epoch] = takeover.get();
  EXPECT_TRUE(acquired);
  EXPECT_EQ(epoch, 2);
  EXPECT_EQ(scratch_rows("id = 1"), 1);
  EXPECT_EQ(try_write("insert into scratch values (2, 'after', " + fence(1) + ")"), kFenceSqlState);
}

// The reverse order: the takeover holds the row; a fence of the old epoch
// waits for it, then sees the NEW row (epoch 2) and fails.
TEST_F(ClusterLeaseTest, FenceWaitsForATakeoverInFlightThenFails) {
  grant_and_expire(50ms);
  pqxx::connection taker(database_->dsn());
  pqxx::work take(taker);
  const auto row = take.exec1(acquire_sql("node-b", kRuntimeB));
  ASSERT_TRUE(row[0].as<bool>());
  ASSERT_EQ(row[1].as<long long>(), 2);

  pqxx::connection writer(database_->dsn());
  const int writer_pid = writer.backendpid();
  auto write = std::async(std::launch::async, [&]() -> std::string {
    try {
      pqxx::work txn(writer);
      txn.exec("insert into scratch values (1, 'late', " + fence(1) + ")");
      txn.commit();
      return "committed";
    } catch (const pqxx::sql_error& e) {
      return e.sqlstate() + " " + e.what();
    }
  });
  ASSERT_TRUE(waits_for_lock(writer_pid)) << "the fence must wait for the takeover";
  take.commit();
  ASSERT_EQ(write.wait_for(kWait), std::future_status::ready);
  const std::string result = write.get();
  EXPECT_EQ(result.substr(0, 5), kFenceSqlState) << result;
  EXPECT_NE(result.find("the lease is at epoch 2"), std::string::npos)
      << "it judged the row the takeover committed, not the one it first saw: " << result;
  EXPECT_EQ(scratch_rows(), 0);
}

// Renewals are plain updates (FOR NO KEY UPDATE), which fenced writers'
// FOR KEY SHARE does not block: a long write never delays the active's
// renewal, nor the other way round.
TEST_F(ClusterLeaseTest, RenewalsDoNotWaitForFencedWrites) {
  ASSERT_TRUE(client().acquire("node-a", kRuntimeA).acquired);
  pqxx::connection writer(database_->dsn());
  pqxx::work write(writer);
  write.exec("select " + fence(1));
  write.exec("insert into scratch values (1, 'long write', 1)");

  pqxx::connection renewer(database_->dsn());
  pqxx::nontransaction renew(renewer);
  renew.exec0("set statement_timeout = 2000");
  const auto started = Clock::now();
  const auto row = renew.exec1("select renewed from sipedge_lease_renew('" + kCluster + "', 'node-a', '" + kRuntimeA +
                               "', 1, 1000)");
  EXPECT_TRUE(row[0].as<bool>());
  EXPECT_LT(ms_since(started), 500);
  write.exec("insert into scratch values (2, 'still fenced', " + fence(1) + ")");
  write.commit();
  EXPECT_EQ(scratch_rows(), 2);
}

// ---------------------------------------------------------------- the keepers

TEST_F(ClusterLeaseTest, FirstKeeperBecomesActiveTheSecondStaysStandby) {
  auto a = node("node-a", kRuntimeA);
  ASSERT_TRUE(a->events.wait_promotions(1));
  EXPECT_EQ(a->events.promotions[0].first, 1);
  EXPECT_EQ(a->events.promotions[0].second, "");
  auto b = node("node-b", kRuntimeB);
  ASSERT_TRUE(eventually([&] { return b->keeper->status().lease_holder == "node-a"; }));
  // A few more polls and renewals.
  ASSERT_TRUE(eventually([&] { return a->keeper->status().renewals >= 5; }));
  const auto sa = a->keeper->status();
  const auto sb = b->keeper->status();
  EXPECT_EQ(sa.role, LeaseRole::active);
  EXPECT_EQ(sa.epoch, 1);
  EXPECT_GT(sa.lease_expires_in_ms, 0);
  EXPECT_EQ(sb.role, LeaseRole::standby);
  EXPECT_EQ(sb.lease_epoch, 1);
  EXPECT_EQ(b->events.promotion_count(), 0u);

  // What the operator sees (docs/cluster.md).
  EXPECT_EQ(query_value<std::string>("select active_node from cluster_lease_status where cluster_name = 'pair-1'"),
            "node-a");
  EXPECT_EQ(query_value<std::string>("select state || ' ' || epoch from cluster_lease_status"), "held 1");
}

TEST_F(ClusterLeaseTest, KilledActiveIsReplacedAfterTheTtlAndDemotesItselfFirst) {
  auto a = node("node-a", kRuntimeA);
  ASSERT_TRUE(a->events.wait_promotions(1));
  auto b = node("node-b", kRuntimeB);
  ASSERT_TRUE(eventually([&] { return b->keeper->status().lease_holder == "node-a"; }));

  // Kill node-a's database side: no renewal and no release reach PostgreSQL.
  const auto killed = Clock::now();
  a->db.stop();
  ASSERT_TRUE(b->events.wait_promotions(1));
  const auto b_promoted = b->events.promoted_at[0];
  EXPECT_EQ(b->events.promotions[0].first, 2);
  EXPECT_EQ(b->events.promotions[0].second, "node-a");
  // The lease ran a full TTL from node-a's last renewal (at most one renew
  // interval before the kill) before node-b could take it.
  EXPECT_GE(ms_between(killed, b_promoted), (kTtl - kRenew).count() - 20);
  EXPECT_LT(ms_between(killed, b_promoted), (kTtl + 2 * kRenew).count() + 200);

  ASSERT_TRUE(a->events.wait_demotions(1));
  EXPECT_NE(a->events.demotions[0].find("local deadline"), std::string::npos) << a->events.demotions[0];
  EXPECT_LT(a->events.demoted_at[0], b_promoted) << "the old active stops acting before the new one starts";
  EXPECT_LE(ms_between(killed, a->events.demoted_at[0]), kTtl.count());
  EXPECT_EQ(a->keeper->status().role, LeaseRole::demoted);
  EXPECT_FALSE(query_value<bool>("select previous_released from cluster_lease_status"));
}

TEST_F(ClusterLeaseTest, CleanReleaseHandsOverWithoutWaitingForTheTtl) {
  auto a = node("node-a", kRuntimeA);
  ASSERT_TRUE(a->events.wait_promotions(1));
  auto b = node("node-b", kRuntimeB);
  ASSERT_TRUE(eventually([&] { return b->keeper->status().lease_holder == "node-a"; }));

  const auto stopping = Clock::now();
  a->keeper->stop();
  ASSERT_EQ(a->events.demotions.size(), 1u);
  EXPECT_EQ(a->events.demotions[0], "stopping");
  ASSERT_TRUE(b->events.wait_promotions(1));
  const long long handover = ms_between(stopping, b->events.promoted_at[0]);
  EXPECT_LT(handover, kTtl.count()) << "takeover after a release took " << handover << " ms";
  EXPECT_EQ(b->events.promotions[0].first, 2);
  EXPECT_EQ(b->events.promotions[0].second, "node-a");
  EXPECT_TRUE(query_value<bool>("select previous_released from cluster_lease_status"));
}

TEST_F(ClusterLeaseTest, ForcedStandbyHandsOverAtOnceAndStaysStandby) {
  auto a = node("node-a", kRuntimeA);
  ASSERT_TRUE(a->events.wait_promotions(1));
  auto b = node("node-b", kRuntimeB);
  ASSERT_TRUE(eventually([&] { return b->keeper->status().lease_holder == "node-a"; }));

  const auto forced = Clock::now();
  a->keeper->set_standby_forced(true);
  ASSERT_TRUE(a->events.wait_demotions(1));
  EXPECT_EQ(a->events.demotions[0], "forced to standby");
  ASSERT_TRUE(b->events.wait_promotions(1));
  EXPECT_LT(ms_between(forced, b->events.promoted_at[0]), kTtl.count());
  EXPECT_EQ(b->events.promotions[0].first, 2);

  a->keeper->set_standby_forced(false);
  ASSERT_TRUE(eventually([&] { return a->keeper->status().lease_holder == "node-b"; }));
  EXPECT_EQ(a->keeper->status().role, LeaseRole::standby);
  EXPECT_EQ(a->events.promotion_count(), 1u);
}

// A lock on the lease row makes node-a's renewal hang (the database stops
// answering); node-a must demote within the TTL while the renewal is still
// waiting, then come back through a new acquisition once the row is free.
TEST_F(ClusterLeaseTest, ActiveDemotesWhileItsRenewalHangs) {
  auto a = node("node-a", kRuntimeA, 10s);  // a long statement timeout: the renewal really hangs
  ASSERT_TRUE(a->events.wait_promotions(1));
  std::string renewal_at_demotion;
  a->events.on_demote_hook = [&] {
    renewal_at_demotion = query_value<std::string>(
        "select coalesce(string_agg(wait_event_type, ','), 'none') from pg_stat_activity "
        "where query like '%sipedge_lease_renew%' and state = 'active' and pid <> pg_backend_pid()");
  };

  pqxx::connection blocker(database_->dsn());
  pqxx::work block(blocker);
  block.exec("select * from cluster_leases where cluster_name = 'pair-1' for update");
  const auto blocked = Clock::now();
  ASSERT_TRUE(a->events.wait_demotions(1));
  EXPECT_LT(ms_between(blocked, a->events.demoted_at[0]), kTtl.count());
  EXPECT_NE(a->events.demotions[0].find("local deadline"), std::string::npos) << a->events.demotions[0];
  EXPECT_EQ(renewal_at_demotion, "Lock") << "the renewal was still waiting when the node demoted";
  EXPECT_EQ(a->keeper->status().role, LeaseRole::demoted);
  block.abort();

  ASSERT_TRUE(a->events.wait_promotions(2));
  EXPECT_EQ(a->events.promotions[1].first, 2) << "back only with a new epoch";
  EXPECT_EQ(a->events.promotions[1].second, "node-a");
  EXPECT_GE(ms_between(a->events.demoted_at[0], a->events.promoted_at[1]), kTtl.count() - 20)
      << "a demoted node holds off one TTL";
}

// node-a's connection is killed and the database refuses new ones: every
// renewal fails; node-a demotes within the TTL, and becomes active again
// (new epoch) once the database accepts connections.
TEST_F(ClusterLeaseTest, ActiveDemotesWhenItsDatabaseIsUnreachable) {
  auto a = node("node-a", kRuntimeA);
  ASSERT_TRUE(a->events.wait_promotions(1));
  ASSERT_TRUE(eventually([&] { return a->keeper->status().renewals >= 1; }));

  pqxx::connection admin(database_->admin_dsn());
  pqxx::nontransaction sql(admin);
  const std::string db = admin.quote_name(database_->name());
  sql.exec0("alter database " + db + " allow_connections false");
  const auto cut = Clock::now();
  sql.exec_params("select pg_terminate_backend(pid) from pg_stat_activity where datname = $1", database_->name());
  const bool demoted = a->events.wait_demotions(1);
  sql.exec0("alter database " + db + " allow_connections true");
  ASSERT_TRUE(demoted);
  EXPECT_LE(ms_between(cut, a->events.demoted_at[0]), kTtl.count());
  EXPECT_NE(a->events.demotions[0].find("local deadline"), std::string::npos) << a->events.demotions[0];
  EXPECT_NE(a->keeper->status().last_error, "");

  ASSERT_TRUE(a->events.wait_promotions(2));
  EXPECT_EQ(a->events.promotions[1].first, 2);
}

}  // namespace
}  // namespace sipedge
