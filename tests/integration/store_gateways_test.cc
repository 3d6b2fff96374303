// GatewayStore against a real PostgreSQL (migrations 0001..0005): every field
// survives a save/find round trip, save() upserts, the REGISTER CSeq never
// goes down on one Call-ID and restarts with a new one, remove, list order
// and profile filter, the schema's checks turning bad records into failed
// writes, a database that is down, the sip_gateways view, and 0005 applying
// on a database that already has 0001..0004.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <pqxx/pqxx>

#include "store/database.h"
#include "store/gateway_store.h"
#include "store/migrator.h"
#include "tests/support/free_port.h"
#include "tests/support/test_database.h"

namespace sipedge {
namespace {

using namespace std::chrono_literals;
using TimePoint = std::chrono::system_clock::time_point;

constexpr auto kWait = 15s;

std::string shipped_migrations_dir() { return std::string(SIPEDGE_SOURCE_DIR) + "/migrations"; }

template <typename T>
T wait_value(std::future<T>& future) {
  if (future.wait_for(kWait) != std::future_status::ready) throw std::runtime_error("timed out waiting for the store");
  return future.get();
}

// A time with microseconds, as the node's clock would give.
TimePoint at(long long micros) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::microseconds(micros)));
}

GatewayRecord make_gateway(const std::string& name, const std::string& profile = "external") {
  GatewayRecord g;
  g.profile_name = profile;
  g.gateway_name = name;
  g.node_name = "edge-1";
  g.owner_epoch = 7;
  g.state = "REGED";
  g.status = "UP";
  g.register_call_id = "reg-" + name + "@127.0.0.1";
  g.register_cseq = 4'000'000'000u;  // above 2^31: the column must hold any uint32
  g.register_contact = "<sip:gw+" + name + "@127.0.0.1:5080;transport=udp;gw=" + name + ">";
  g.expires_at = at(1'700'003'600'123'456LL);  // 2023-11-14 23:13:20.123456 UTC
  g.failures = 2;
  g.ping_count = 3;
  g.last_ping_at = at(1'700'000'000'654'321LL);  // 2023-11-14 22:13:20.654321 UTC
  g.last_ping_status = 200;
  g.last_response_code = 200;
  g.last_response_phrase = "OK \"quoted\" Zo\u00eb";
  g.register_network_ip = "127.0.0.2";
  g.register_network_port = 5060;
  return g;
}

void expect_same(const GatewayRecord& got, const GatewayRecord& want) {
  EXPECT_EQ(got.cluster_name, want.cluster_name);
  EXPECT_EQ(got.profile_name, want.profile_name);
  EXPECT_EQ(got.gateway_name, want.gateway_name);
  EXPECT_EQ(got.node_name, want.node_name);
  EXPECT_EQ(got.owner_epoch, want.owner_epoch);
  EXPECT_EQ(got.state, want.state);
  EXPECT_EQ(got.status, want.status);
  EXPECT_EQ(got.register_call_id, want.register_call_id);
  EXPECT_EQ(got.register_cseq, want.register_cseq);
  EXPECT_EQ(got.register_contact, want.register_contact);
  EXPECT_EQ(got.expires_at, want.expires_at);
  EXPECT_EQ(got.failures, want.failures);
  EXPECT_EQ(got.ping_count, want.ping_count);
  EXPECT_EQ(got.last_ping_at, want.last_ping_at);
  EXPECT_EQ(got.last_ping_status, want.last_ping_status);
  EXPECT_EQ(got.last_response_code, want.last_response_code);
  EXPECT_EQ(got.last_response_phrase, want.last_response_phrase);
  EXPECT_EQ(got.register_network_ip, want.register_network_ip);
  EXPECT_EQ(got.register_network_port, want.register_network_port);
}

std::vector<std::string> names(const std::vector<GatewayRecord>& gateways) {
  std::vector<std::string> out;
  for (const auto& g : gateways) out.push_back(g.profile_name + "/" + g.gateway_name);
  return out;
}

// Async calls of one store, made synchronous for the test.
class Client {
 public:
  explicit Client(GatewayStore& store) : store_(store) {}

  GatewayWriteOutcome save(GatewayRecord record) {
    return write([&](auto done) { store_.save(std::move(record), std::move(done)); });
  }
  GatewayWriteOutcome remove(const std::string& profile, const std::string& name,
                             const std::string& cluster = "default") {
    return write([&](auto done) { store_.remove(cluster, profile, name, std::move(done)); });
  }
  std::optional<GatewayRecord> find(const std::string& profile, const std::string& name,
                                    const std::string& cluster = "default") {
    return read<std::optional<GatewayRecord>>(
        [&](auto ok, auto err) { store_.find(cluster, profile, name, ok, err); });
  }
  std::vector<GatewayRecord> list(const std::string& profile = "", const std::string& cluster = "default") {
    return read<std::vector<GatewayRecord>>([&](auto ok, auto err) { store_.list(cluster, profile, ok, err); });
  }

 private:
  template <typename Start>
  GatewayWriteOutcome write(Start start) {
    auto promise = std::make_shared<std::promise<GatewayWriteOutcome>>();
    auto future = promise->get_future();
    start(GatewayStore::WriteCallback([promise](GatewayWriteOutcome o) { promise->set_value(std::move(o)); }));
    return wait_value(future);
  }
  template <typename T, typename Start>
  T read(Start start) {
    auto promise = std::make_shared<std::promise<T>>();
    auto future = promise->get_future();
    start(std::function<void(T)>([promise](T value) { promise->set_value(std::move(value)); }),
          Database::ErrorHandler([promise](const std::string& e) {
            promise->set_exception(std::make_exception_ptr(std::runtime_error(e)));
          }));
    return wait_value(future);
  }

  GatewayStore& store_;
};

class GatewayStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    try {
      database_ = std::make_unique<test::TestDatabase>(std::string("gw_") + info->name());
      pqxx::connection conn(database_->dsn());
      apply_migrations(conn, load_migrations(shipped_migrations_dir()));
      ASSERT_GE(schema_version(conn), 5);
    } catch (const std::exception& e) {
      FAIL() << "cannot set up the test database: " << e.what();
    }
    db_ = std::make_unique<Database>(database_->dsn(), "test");
    store_ = std::make_unique<GatewayStore>(*db_);
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

  // Rows as PostgreSQL has them, on a fresh connection (not the store's).
  long long rows(const std::string& where = "true", const std::string& table = "gateways") {
    pqxx::connection conn(database_->dsn());
    pqxx::read_transaction txn(conn);
    return txn.exec1("select count(*) from " + table + " where " + where)[0].as<long long>();
  }

  Client& client() { return *client_; }

  std::unique_ptr<test::TestDatabase> database_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<GatewayStore> store_;
  std::unique_ptr<Client> client_;
};

// ---------------------------------------------------------------- round trip

TEST_F(GatewayStoreTest, EveryFieldSurvivesSaveAndFind) {
  const GatewayRecord gw = make_gateway("carrier1");
  const auto before = std::chrono::system_clock::now() - 60s;
  auto saved = client().save(gw);
  ASSERT_TRUE(saved.ok()) << saved.error;
  EXPECT_TRUE(saved.error.empty());

  const auto found = client().find("external", "carrier1");
  ASSERT_TRUE(found.has_value());
  expect_same(*found, gw);
  ASSERT_TRUE(found->updated_at.has_value());
  EXPECT_GT(*found->updated_at, before) << "updated_at is the database's now()";
  EXPECT_LT(*found->updated_at, std::chrono::system_clock::now() + 60s);

  EXPECT_FALSE(client().find("external", "nope").has_value());
  EXPECT_FALSE(client().find("internal", "carrier1").has_value());
  EXPECT_FALSE(client().find("external", "carrier1", "other-cluster").has_value());

  // As stored: columns read naturally in SQL, times absolute.
  EXPECT_EQ(rows("cluster_name = 'default' and profile_name = 'external' and gateway_name = 'carrier1' "
                 "and state = 'REGED' and status = 'UP' and register_cseq = 4000000000 and owner_epoch = 7 "
                 "and node_name = 'edge-1' and register_network_ip = '127.0.0.2' and register_network_port = 5060 "
                 "and expires_at = '2023-11-14 23:13:20.123456+00' and last_ping_at = '2023-11-14 22:13:20.654321+00' "
                 "and last_response_phrase like 'OK \"quoted\"%'"),
            1);
}

TEST_F(GatewayStoreTest, UnsetTimesAreNull) {
  GatewayRecord gw = make_gateway("noreg");
  gw.state = "NOREG";
  gw.expires_at.reset();
  gw.last_ping_at.reset();
  gw.register_call_id.clear();
  gw.register_cseq = 0;
  ASSERT_TRUE(client().save(gw).ok());
  const auto found = client().find("external", "noreg");
  ASSERT_TRUE(found.has_value());
  expect_same(*found, gw);
  EXPECT_FALSE(found->expires_at.has_value());
  EXPECT_FALSE(found->last_ping_at.has_value());
  EXPECT_EQ(rows("expires_at is null and last_ping_at is null"), 1);
}

// ---------------------------------------------------------------- upsert

TEST_F(GatewayStoreTest, SaveUpdatesTheExistingRow) {
  GatewayRecord gw = make_gateway("carrier1");
  ASSERT_TRUE(client().save(gw).ok());
  const auto first = client().find("external", "carrier1");
  ASSERT_TRUE(first.has_value());

  // Another node took it over and the registration failed.
  gw.node_name = "edge-2";
  gw.owner_epoch = 8;
  gw.state = "FAIL_WAIT";
  gw.status = "DOWN";
  gw.register_cseq += 1;
  gw.register_contact = "<sip:gw+carrier1@127.0.0.3:5080>";
  gw.expires_at.reset();
  gw.failures = 3;
  gw.ping_count = 0;
  gw.last_ping_at = at(1'700'000'100'000'001LL);
  gw.last_ping_status = 408;
  gw.last_response_code = 403;
  gw.last_response_phrase = "Forbidden";
  gw.register_network_ip = "::1";
  gw.register_network_port = 5061;
  auto saved = client().save(gw);
  ASSERT_TRUE(saved.ok()) << saved.error;

  const auto now = client().find("external", "carrier1");
  ASSERT_TRUE(now.has_value());
  expect_same(*now, gw);
  ASSERT_TRUE(now->updated_at && first->updated_at);
  EXPECT_GE(*now->updated_at, *first->updated_at);
  EXPECT_EQ(rows(), 1);
}

TEST_F(GatewayStoreTest, LastSaveSubmittedWins) {
  GatewayRecord gw = make_gateway("carrier1");
  const char* states[] = {"UNREGED", "TRYING", "REGISTER", "REGED", "UNREGISTER", "FAILED",
                          "FAIL_WAIT", "EXPIRED", "NOREG", "DOWN", "TIMEOUT", "TRYING"};
  std::vector<std::future<GatewayWriteOutcome>> outcomes;
  for (const char* state : states) {
    gw.state = state;
    ++gw.failures;
    auto promise = std::make_shared<std::promise<GatewayWriteOutcome>>();
    outcomes.push_back(promise->get_future());
    store_->save(gw, [promise](GatewayWriteOutcome o) { promise->set_value(std::move(o)); });
  }
  for (auto& f : outcomes) {
    const auto o = wait_value(f);
    EXPECT_TRUE(o.ok()) << o.error;  // every mod_sofia state name is accepted
  }
  const auto found = client().find("external", "carrier1");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->state, "TRYING");
  EXPECT_EQ(found->failures, 2 + 12);
}

// ---------------------------------------------------------------- CSeq

TEST_F(GatewayStoreTest, CSeqNeverGoesDownOnTheSameCallIdAndRestartsWithANewOne) {
  GatewayRecord gw = make_gateway("carrier1");
  gw.register_call_id = "first@127.0.0.1";
  gw.register_cseq = 10;
  ASSERT_TRUE(client().save(gw).ok());

  // A late write with an older CSeq of the same registration keeps 10.
  gw.register_cseq = 5;
  gw.state = "TRYING";
  ASSERT_TRUE(client().save(gw).ok());
  auto found = client().find("external", "carrier1");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->register_cseq, 10u);
  EXPECT_EQ(found->state, "TRYING") << "the rest of the row is still written";

  gw.register_cseq = 11;
  ASSERT_TRUE(client().save(gw).ok());
  found = client().find("external", "carrier1");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->register_cseq, 11u);

  // A new registration (new Call-ID) starts its own CSeq space, lower or not.
  gw.register_call_id = "second@127.0.0.1";
  gw.register_cseq = 1;
  ASSERT_TRUE(client().save(gw).ok());
  found = client().find("external", "carrier1");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->register_call_id, "second@127.0.0.1");
  EXPECT_EQ(found->register_cseq, 1u);

  // ... and from there it only goes up again.
  gw.register_cseq = 0;
  ASSERT_TRUE(client().save(gw).ok());
  found = client().find("external", "carrier1");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->register_cseq, 1u);

  // Up to the top of the uint32 range.
  gw.register_cseq = 4'294'967'295u;
  ASSERT_TRUE(client().save(gw).ok());
  found = client().find("external", "carrier1");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->register_cseq, 4'294'967'295u);
}

// ---------------------------------------------------------------- remove, list

TEST_F(GatewayStoreTest, RemoveDeletesOnlyThatGateway) {
  ASSERT_TRUE(client().save(make_gateway("carrier1")).ok());
  ASSERT_TRUE(client().save(make_gateway("carrier2")).ok());
  ASSERT_TRUE(client().save(make_gateway("carrier1", "internal")).ok());

  auto removed = client().remove("external", "carrier1");
  ASSERT_TRUE(removed.ok()) << removed.error;
  EXPECT_FALSE(client().find("external", "carrier1").has_value());
  EXPECT_TRUE(client().find("external", "carrier2").has_value());
  EXPECT_TRUE(client().find("internal", "carrier1").has_value());
  EXPECT_EQ(rows(), 2);

  // Removing what is not there is not an error: the gateway is gone either way.
  EXPECT_TRUE(client().remove("external", "carrier1").ok());
  EXPECT_TRUE(client().remove("external", "carrier2", "other-cluster").ok());
  EXPECT_EQ(rows(), 2);
}

TEST_F(GatewayStoreTest, ListIsOrderedByProfileAndNameAndFilters) {
  for (const auto& [profile, name] : std::vector<std::pair<std::string, std::string>>{
           {"internal", "charlie"}, {"external", "charlie"}, {"internal", "alpha"}, {"external", "bravo"},
           {"external", "alpha"}}) {
    ASSERT_TRUE(client().save(make_gateway(name, profile)).ok());
  }
  GatewayRecord elsewhere = make_gateway("alpha");
  elsewhere.cluster_name = "other";
  elsewhere.node_name = "edge-9";
  ASSERT_TRUE(client().save(elsewhere).ok());

  EXPECT_EQ(names(client().list()), (std::vector<std::string>{"external/alpha", "external/bravo", "external/charlie",
                                                              "internal/alpha", "internal/charlie"}));
  EXPECT_EQ(names(client().list("internal")), (std::vector<std::string>{"internal/alpha", "internal/charlie"}));
  EXPECT_TRUE(client().list("nosuch").empty());

  const auto other = client().list("", "other");
  ASSERT_EQ(other.size(), 1u);
  expect_same(other[0], elsewhere);
  const auto full = client().list("external");
  ASSERT_EQ(full.size(), 3u);
  expect_same(full[1], make_gateway("bravo"));
  EXPECT_TRUE(full[1].updated_at.has_value());
}

// ---------------------------------------------------------------- bad records, failures

TEST_F(GatewayStoreTest, TheSchemaRejectsBadRecordsAsFailedWrites) {
  auto expect_rejected = [this](GatewayRecord gw, const std::string& constraint) {
    const auto o = client().save(std::move(gw));
    EXPECT_EQ(o.result, GatewayWriteResult::failed);
    EXPECT_FALSE(o.ok());
    EXPECT_NE(o.error.find(constraint), std::string::npos) << o.error;
    EXPECT_EQ(o.error.find('\n'), std::string::npos) << "one line: " << o.error;
  };
  GatewayRecord gw = make_gateway("carrier1");
  gw.state = "REGISTERED";
  expect_rejected(gw, "gateways_state_check");
  gw = make_gateway("carrier1");
  gw.state = "reged";  // mod_sofia's names are upper case
  expect_rejected(gw, "gateways_state_check");
  gw = make_gateway("carrier1");
  gw.status = "up";
  expect_rejected(gw, "gateways_status_check");
  gw = make_gateway("carrier1");
  gw.status = "";
  expect_rejected(gw, "gateways_status_check");
  gw = make_gateway("");
  expect_rejected(gw, "gateways_gateway_name_check");
  gw = make_gateway("carrier1", "");
  expect_rejected(gw, "gateways_profile_name_check");
  gw = make_gateway("carrier1");
  gw.register_network_port = 70000;
  expect_rejected(gw, "gateways_register_network_port_check");
  gw = make_gateway("carrier1");
  gw.failures = -1;
  expect_rejected(gw, "gateways_failures_check");
  EXPECT_EQ(rows(), 0);

  // A refused update leaves the stored row as it was, and the store carries on.
  ASSERT_TRUE(client().save(make_gateway("carrier1")).ok());
  gw = make_gateway("carrier1");
  gw.state = "BOGUS";
  gw.node_name = "edge-2";
  expect_rejected(gw, "gateways_state_check");
  const auto found = client().find("external", "carrier1");
  ASSERT_TRUE(found.has_value());
  expect_same(*found, make_gateway("carrier1"));
}

TEST_F(GatewayStoreTest, DatabaseDownAnswersEveryCallWithAnError) {
  Database down("host=127.0.0.1 port=" + std::to_string(test::free_port(false)) + " dbname=none user=none", "down");
  GatewayStore store(down);
  Client c(store);
  down.start();

  const auto saved = c.save(make_gateway("carrier1"));
  EXPECT_EQ(saved.result, GatewayWriteResult::failed);
  EXPECT_NE(saved.error.find("database unavailable"), std::string::npos) << saved.error;
  EXPECT_EQ(c.remove("external", "carrier1").result, GatewayWriteResult::failed);
  EXPECT_THROW(c.find("external", "carrier1"), std::runtime_error);
  EXPECT_THROW(c.list(), std::runtime_error);
  down.stop();
  // After stop(), the answer comes on the caller's thread.
  EXPECT_EQ(c.save(make_gateway("carrier2")).result, GatewayWriteResult::failed);
  EXPECT_EQ(rows(), 0);
}

// ---------------------------------------------------------------- the view

TEST_F(GatewayStoreTest, SipGatewaysViewShowsGatewaysFreeSwitchStyle) {
  GatewayRecord reged = make_gateway("carrier1");
  reged.expires_at = std::chrono::system_clock::now() + 120s;
  ASSERT_TRUE(client().save(reged).ok());
  GatewayRecord noreg = make_gateway("pingonly", "internal");
  noreg.state = "NOREG";
  noreg.status = "DOWN";
  noreg.node_name = "edge-2";
  noreg.expires_at.reset();
  noreg.last_ping_at.reset();
  ASSERT_TRUE(client().save(noreg).ok());
  GatewayRecord expired = make_gateway("late");
  expired.state = "EXPIRED";
  expired.expires_at = std::chrono::system_clock::now() - 30s;
  ASSERT_TRUE(client().save(expired).ok());

  pqxx::connection conn(database_->dsn());
  pqxx::read_transaction txn(conn);
  const pqxx::result result = txn.exec(
      "select name, profile, cluster, state, status, expires, call_id, cseq, contact, network_ip, network_port, "
      "failures, pingcount, ping_status, ping_epoch, response_code, response_phrase, hostname, owner_epoch, "
      "expires_epoch, updated_epoch from sip_gateways order by profile, name");
  ASSERT_EQ(result.size(), 3u);

  const auto& r = result[0];
  EXPECT_EQ(r["name"].as<std::string>(), "carrier1");
  EXPECT_EQ(r["profile"].as<std::string>(), "external");
  EXPECT_EQ(r["cluster"].as<std::string>(), "default");
  EXPECT_EQ(r["state"].as<std::string>(), "REGED");
  EXPECT_EQ(r["status"].as<std::string>(), "UP");
  EXPECT_GE(r["expires"].as<long long>(), 100);  // seconds left, database clock
  EXPECT_LE(r["expires"].as<long long>(), 121);
  EXPECT_EQ(r["call_id"].as<std::string>(), reged.register_call_id);
  EXPECT_EQ(r["cseq"].as<long long>(), 4'000'000'000LL);
  EXPECT_EQ(r["contact"].as<std::string>(), reged.register_contact);
  EXPECT_EQ(r["network_ip"].as<std::string>(), "127.0.0.2");
  EXPECT_EQ(r["network_port"].as<std::string>(), "5060");
  EXPECT_EQ(r["failures"].as<int>(), 2);
  EXPECT_EQ(r["pingcount"].as<int>(), 3);
  EXPECT_EQ(r["ping_status"].as<int>(), 200);
  EXPECT_EQ(r["ping_epoch"].as<long long>(), 1'700'000'000LL);
  EXPECT_EQ(r["response_code"].as<int>(), 200);
  EXPECT_EQ(r["response_phrase"].as<std::string>(), reged.last_response_phrase);
  EXPECT_EQ(r["hostname"].as<std::string>(), "edge-1");
  EXPECT_EQ(r["owner_epoch"].as<long long>(), 7);
  EXPECT_EQ(r["expires_epoch"].as<long long>(),
            std::chrono::duration_cast<std::chrono::seconds>(reged.expires_at->time_since_epoch()).count());
  EXPECT_FALSE(r["updated_epoch"].is_null());

  EXPECT_EQ(result[1]["name"].as<std::string>(), "late");
  EXPECT_EQ(result[1]["expires"].as<long long>(), 0) << "past expiry shows 0 seconds left";

  const auto& n = result[2];
  EXPECT_EQ(n["name"].as<std::string>(), "pingonly");
  EXPECT_EQ(n["state"].as<std::string>(), "NOREG");
  EXPECT_EQ(n["status"].as<std::string>(), "DOWN");
  EXPECT_TRUE(n["expires"].is_null()) << "no registration, no expiry";
  EXPECT_TRUE(n["expires_epoch"].is_null());
  EXPECT_TRUE(n["ping_epoch"].is_null());
  EXPECT_EQ(n["hostname"].as<std::string>(), "edge-2");

  // Documented: the table and every view say what they are.
  EXPECT_NE(txn.exec1("select obj_description('gateways'::regclass, 'pg_class')")[0].as<std::string>().find("Owner"),
            std::string::npos);
  EXPECT_FALSE(txn.exec1("select obj_description('sip_gateways'::regclass, 'pg_class')")[0].is_null());
}

// ---------------------------------------------------------------- migration

// A cluster that runs 0001..0004 upgrades to 0005 with its data in place.
TEST(GatewayMigrationTest, AppliesOnADatabaseThatHasTheEarlierMigrations) {
  test::TestDatabase database("gw_upgrade");
  pqxx::connection conn(database.dsn());
  auto migrations = load_migrations(shipped_migrations_dir());
  std::vector<Migration> earlier;
  for (const auto& m : migrations) {
    if (m.version <= 4) earlier.push_back(m);
  }
  ASSERT_EQ(earlier.size(), 4u);
  ASSERT_EQ(apply_migrations(conn, earlier), (std::vector<int>{1, 2, 3, 4}));
  {
    pqxx::work txn(conn);
    txn.exec0("insert into cluster_nodes (node_name, runtime_id, version, started_at, last_seen_at) "
              "values ('edge-1', gen_random_uuid(), 'test', now(), now())");
    txn.commit();
  }

  const auto applied = apply_migrations(conn, migrations);
  ASSERT_FALSE(applied.empty());
  EXPECT_EQ(applied.front(), 5);
  EXPECT_GE(schema_version(conn), 5);
  pqxx::read_transaction txn(conn);
  EXPECT_EQ(txn.exec1("select count(*) from cluster_nodes")[0].as<long long>(), 1);
  EXPECT_EQ(txn.exec1("select count(*) from gateways")[0].as<long long>(), 0);
  EXPECT_EQ(txn.exec1("select count(*) from sip_gateways")[0].as<long long>(), 0);
  EXPECT_EQ(txn.exec1("select name from schema_migrations where version = 5")[0].as<std::string>(), "gateways");
}

}  // namespace
}  // namespace sipedge
