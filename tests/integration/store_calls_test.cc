// CallStore against a real PostgreSQL (migrations 0001..0004): every dialog
// field survives a save/load round trip, leg updates (CSeq, SDP, target
// refresh), finish() archiving into call_history, recovery loading only
// confirmed calls, two nodes (two connections) sharing one cluster view,
// invalid records, a database that is down, and the FreeSWITCH views
// channels / calls / detailed_calls.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <pqxx/pqxx>
#include <set>
#include <thread>

#include "store/call_store.h"
#include "store/database.h"
#include "store/migrator.h"
#include "tests/support/free_port.h"
#include "tests/support/test_database.h"

namespace sipedge {
namespace {

using namespace std::chrono_literals;

constexpr auto kWait = 15s;

std::string shipped_migrations_dir() { return std::string(SIPEDGE_SOURCE_DIR) + "/migrations"; }

template <typename T>
T wait_value(std::future<T>& future) {
  if (future.wait_for(kWait) != std::future_status::ready) throw std::runtime_error("timed out waiting for the store");
  return future.get();
}

// Deterministic, distinct UUIDs: n-th call, leg 0 = call, 1 = A, 2 = B.
std::string uuid(int n, int part) {
  char text[40];
  std::snprintf(text, sizeof text, "%08x-0000-4000-8000-%012x", n, part);
  return text;
}

// A time with microseconds, as the node's clock would give.
SystemTime at(long long micros) {
  return SystemTime(std::chrono::duration_cast<SystemTime::duration>(std::chrono::microseconds(micros)));
}

// An SDP well past PostgreSQL's TOAST threshold (2 kB), with CRLFs, quotes
// and backslashes.
std::string long_sdp(const std::string& origin) {
  std::string sdp = "v=0\r\no=- " + origin + " 1 IN IP4 127.0.0.1\r\ns=\"sipedge\" \\test\r\nc=IN IP4 127.0.0.1\r\n"
                    "t=0 0\r\nm=audio 4000 RTP/AVP 0 8 101\r\n";
  for (int i = 0; i < 200; ++i) sdp += "a=candidate:" + std::to_string(i) + " 1 udp 2130706431 127.0.0.1 4000 typ host\r\n";
  return sdp;
}

CallRecord make_call(int n, const std::string& node = "edge-1", const std::string& profile = "internal") {
  CallRecord c;
  c.uuid = uuid(n, 0);
  c.node_name = node;
  c.owner_epoch = 7;
  c.profile_name = profile;
  c.caller_id_name = "Alice \"A\" O'Brien";
  c.caller_id_number = "1000";
  c.destination_number = "2000";
  c.created_at = at(1'700'000'000'123'456LL + n);
  c.answered_at = at(1'700'000'004'654'321LL + n);

  LegRecord& a = c.a_leg;
  a.uuid = uuid(n, 1);
  a.direction = "inbound";
  a.profile_name = profile;
  a.call_id = "a-" + std::to_string(n) + "@127.0.0.1";
  a.local_uri = "sip:2000@example.com";
  a.local_tag = "our-a-tag";
  a.remote_uri = "sip:1000@example.com";
  a.remote_tag = "their-a-tag";
  a.local_cseq = 4'000'000'000u;  // above 2^31: the column must hold any uint32
  a.remote_cseq = 101;
  a.remote_target = "sip:1000@127.0.0.1:5070;transport=tcp";
  a.route_set = {"<sip:proxy1.example.com;lr>", "<sip:10.0.0.2:5060;lr;x=\"a,b\">", "<sip:p3;lr;esc=\\\\>"};
  a.contact = "<sip:mod_sofia@127.0.0.1:5060;transport=tcp>";
  a.transport = "tcp";
  a.network_ip = "127.0.0.1";
  a.network_port = 5070;
  a.local_sdp = long_sdp("a-local");
  a.remote_sdp = long_sdp("a-remote");
  a.variables = {{"zeta", "1"}, {"alpha", "2"}, {"sip_h_X-Quote", "a \"b\" \\c"}, {"alpha", "dup"}, {"empty", ""},
                 {"sip_h_X-List", "a;b,c {d}"}, {"utf8", "Zo\u00eb \U0001F600"}};
  a.created_at = c.created_at;
  a.answered_at = c.answered_at;

  LegRecord& b = c.b_leg;
  b.uuid = uuid(n, 2);
  b.direction = "outbound";
  b.profile_name = "external";
  b.call_id = "b-" + std::to_string(n) + "@127.0.0.1";
  b.local_uri = "sip:1000@example.com";
  b.local_tag = "our-b-tag";
  b.remote_uri = "sip:2000@gw.example.net";
  b.remote_tag = "their-b-tag";
  b.local_cseq = 1;
  b.remote_cseq = 0;  // the callee has not sent a request yet
  b.remote_target = "sip:2000@127.0.0.1:5080";
  b.route_set = {};
  b.contact = "<sip:mod_sofia@127.0.0.1:5080>";
  b.transport = "udp";
  b.network_ip = "127.0.0.1";
  b.network_port = 5080;
  b.local_sdp = "v=0\r\n";
  b.remote_sdp = "";
  b.variables = {};
  b.created_at = at(1'700'000'000'200'000LL);
  b.answered_at = at(1'700'000'004'600'000LL);
  return c;
}

void expect_same_leg(const LegRecord& got, const LegRecord& want, const std::string& call_uuid) {
  EXPECT_EQ(got.uuid, want.uuid);
  EXPECT_EQ(got.call_uuid, call_uuid);
  EXPECT_EQ(got.direction, want.direction);
  EXPECT_EQ(got.profile_name, want.profile_name);
  EXPECT_EQ(got.state, want.state);
  EXPECT_EQ(got.call_id, want.call_id);
  EXPECT_EQ(got.local_uri, want.local_uri);
  EXPECT_EQ(got.local_tag, want.local_tag);
  EXPECT_EQ(got.remote_uri, want.remote_uri);
  EXPECT_EQ(got.remote_tag, want.remote_tag);
  EXPECT_EQ(got.local_cseq, want.local_cseq);
  EXPECT_EQ(got.remote_cseq, want.remote_cseq);
  EXPECT_EQ(got.remote_target, want.remote_target);
  EXPECT_EQ(got.route_set, want.route_set);
  EXPECT_EQ(got.contact, want.contact);
  EXPECT_EQ(got.transport, want.transport);
  EXPECT_EQ(got.network_ip, want.network_ip);
  EXPECT_EQ(got.network_port, want.network_port);
  EXPECT_EQ(got.local_sdp, want.local_sdp);
  EXPECT_EQ(got.remote_sdp, want.remote_sdp);
  EXPECT_EQ(got.variables, want.variables);
  EXPECT_EQ(got.created_at, want.created_at);
  EXPECT_EQ(got.answered_at, want.answered_at);
}

void expect_same_call(const CallRecord& got, const CallRecord& want) {
  EXPECT_EQ(got.uuid, want.uuid);
  EXPECT_EQ(got.node_name, want.node_name);
  EXPECT_EQ(got.owner_epoch, want.owner_epoch);
  EXPECT_EQ(got.profile_name, want.profile_name);
  EXPECT_EQ(got.state, "confirmed");
  EXPECT_EQ(got.caller_id_name, want.caller_id_name);
  EXPECT_EQ(got.caller_id_number, want.caller_id_number);
  EXPECT_EQ(got.destination_number, want.destination_number);
  EXPECT_EQ(got.created_at, want.created_at);
  EXPECT_EQ(got.answered_at, want.answered_at);
  expect_same_leg(got.a_leg, want.a_leg, want.uuid);
  expect_same_leg(got.b_leg, want.b_leg, want.uuid);
}

std::set<std::string> uuids(const std::vector<CallRecord>& calls) {
  std::set<std::string> out;
  for (const auto& c : calls) out.insert(c.uuid);
  return out;
}

// Async calls of one store, made synchronous for the test.
class Client {
 public:
  explicit Client(CallStore& store) : store_(store) {}

  CallWriteOutcome save(CallRecord record) {
    return write([&](auto done) { store_.save_confirmed(std::move(record), std::move(done)); });
  }
  CallWriteOutcome update(LegUpdate update) {
    return write([&](auto done) { store_.update_leg(std::move(update), std::move(done)); });
  }
  CallWriteOutcome set_state(const std::string& call, const std::string& state) {
    return write([&](auto done) { store_.set_state(call, state, std::move(done)); });
  }
  CallWriteOutcome finish(const std::string& call, const std::string& cause) {
    return write([&](auto done) { store_.finish(call, cause, std::move(done)); });
  }
  std::vector<CallRecord> load_confirmed(const std::string& profile = "") {
    return read<std::vector<CallRecord>>([&](auto ok, auto err) { store_.load_confirmed(profile, ok, err); });
  }
  std::vector<CallRecord> list(CallFilter filter = {}) {
    return read<std::vector<CallRecord>>([&](auto ok, auto err) { store_.list(filter, ok, err); });
  }
  std::optional<CallRecord> find(const std::string& call) {
    return read<std::optional<CallRecord>>([&](auto ok, auto err) { store_.find(call, ok, err); });
  }
  std::int64_t count(const std::string& node = "") {
    return read<std::int64_t>([&](auto ok, auto err) { store_.count(node, ok, err); });
  }

 private:
  template <typename Start>
  CallWriteOutcome write(Start start) {
    auto promise = std::make_shared<std::promise<CallWriteOutcome>>();
    auto future = promise->get_future();
    start(CallStore::WriteCallback([promise](CallWriteOutcome o) { promise->set_value(std::move(o)); }));
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

  CallStore& store_;
};

class CallStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    try {
      database_ = std::make_unique<test::TestDatabase>(std::string("calls_") + info->name());
      pqxx::connection conn(database_->dsn());
      const auto applied = apply_migrations(conn, load_migrations(shipped_migrations_dir()));
      ASSERT_GE(applied.size(), 4u);
      ASSERT_GE(schema_version(conn), 4);
    } catch (const std::exception& e) {
      FAIL() << "cannot set up the test database: " << e.what();
    }
    db_ = std::make_unique<Database>(database_->dsn(), "test");
    store_ = std::make_unique<CallStore>(*db_);
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
  long long rows(const std::string& table, const std::string& where = "true") {
    pqxx::connection conn(database_->dsn());
    pqxx::read_transaction txn(conn);
    return txn.exec1("select count(*) from " + table + " where " + where)[0].as<long long>();
  }

  Client& client() { return *client_; }

  std::unique_ptr<test::TestDatabase> database_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<CallStore> store_;
  std::unique_ptr<Client> client_;
};

// ---------------------------------------------------------------- round trip

TEST_F(CallStoreTest, EveryDialogFieldSurvivesSaveAndLoad) {
  const CallRecord call = make_call(1);
  auto saved = client().save(call);
  ASSERT_TRUE(saved.ok()) << to_string(saved.result) << ": " << saved.error;
  EXPECT_TRUE(saved.error.empty());

  const auto loaded = client().load_confirmed();
  ASSERT_EQ(loaded.size(), 1u);
  expect_same_call(loaded[0], call);
  EXPECT_GT(loaded[0].updated_at, at(1'700'000'000'000'000LL)) << "updated_at is the database's now()";

  const auto found = client().find(call.uuid);
  ASSERT_TRUE(found.has_value());
  expect_same_call(*found, call);
  EXPECT_FALSE(client().find(uuid(99, 0)).has_value());

  // As stored: the route set is a real array in nta's order, the variables
  // an ordered jsonb array, the SDP whole.
  EXPECT_EQ(rows("call_legs", "uuid = '" + call.a_leg.uuid + "' and array_length(route_set, 1) = 3 "
                              "and route_set[1] = '<sip:proxy1.example.com;lr>' and variables->0->>0 = 'zeta' "
                              "and jsonb_array_length(variables) = 7 and length(local_sdp) > 8000"),
            1);
  EXPECT_EQ(rows("call_legs", "uuid = '" + call.b_leg.uuid + "' and route_set = '{}' and variables = '[]'"), 1);
  EXPECT_EQ(rows("active_calls", "owner_epoch = 7 and node_name = 'edge-1'"), 1);
}

TEST_F(CallStoreTest, UnsetTimesAreTheDatabaseClock) {
  CallRecord call = make_call(1);
  call.created_at = call.answered_at = SystemTime{};
  call.a_leg.created_at = call.a_leg.answered_at = SystemTime{};
  ASSERT_TRUE(client().save(call).ok());
  const auto found = client().find(call.uuid);
  ASSERT_TRUE(found.has_value());
  const auto now = std::chrono::system_clock::now();
  EXPECT_LT(std::chrono::abs(found->created_at - now), 60s);
  EXPECT_LT(std::chrono::abs(found->answered_at - now), 60s);
  EXPECT_LT(std::chrono::abs(found->a_leg.created_at - now), 60s);
  EXPECT_EQ(found->b_leg.created_at, call.b_leg.created_at);
}

// ---------------------------------------------------------------- updates

TEST_F(CallStoreTest, UpdateLegChangesOnlyWhatItNames) {
  const CallRecord call = make_call(1);
  ASSERT_TRUE(client().save(call).ok());

  // The hot path: before an in-dialog request leaves.
  LegUpdate cseq;
  cseq.uuid = call.b_leg.uuid;
  cseq.local_cseq = 2;
  auto updated = client().update(cseq);
  ASSERT_TRUE(updated.ok()) << updated.error;
  auto now = client().find(call.uuid);
  ASSERT_TRUE(now.has_value());
  CallRecord want = call;
  want.b_leg.local_cseq = 2;
  expect_same_call(*now, want);

  // A request from the peer, and a re-INVITE that changes SDP and refreshes the target.
  LegUpdate reinvite;
  reinvite.uuid = call.a_leg.uuid;
  reinvite.remote_cseq = 102;
  reinvite.remote_sdp = long_sdp("a-remote-v2");
  reinvite.local_sdp = "v=0\r\no=- a-local 2 IN IP4 127.0.0.1\r\n";
  reinvite.remote_target = "sip:1000@127.0.0.1:5071;transport=tcp";
  reinvite.route_set = std::vector<std::string>{"<sip:only-one;lr>"};
  reinvite.variables = std::vector<std::pair<std::string, std::string>>{{"b", "2"}, {"a", "1"}};
  ASSERT_TRUE(client().update(reinvite).ok());
  now = client().find(call.uuid);
  ASSERT_TRUE(now.has_value());
  want.a_leg.remote_cseq = 102;
  want.a_leg.remote_sdp = *reinvite.remote_sdp;
  want.a_leg.local_sdp = *reinvite.local_sdp;
  want.a_leg.remote_target = *reinvite.remote_target;
  want.a_leg.route_set = *reinvite.route_set;
  want.a_leg.variables = *reinvite.variables;
  expect_same_call(*now, want);

  // CSeqs never go down (a rebuilt leg must not reuse one); an empty
  // variables list is a real change.
  LegUpdate stale;
  stale.uuid = call.a_leg.uuid;
  stale.remote_cseq = 50;
  stale.local_cseq = 1;
  stale.variables = std::vector<std::pair<std::string, std::string>>{};
  stale.state = "terminating";
  ASSERT_TRUE(client().update(stale).ok());
  now = client().find(call.uuid);
  ASSERT_TRUE(now.has_value());
  want.a_leg.variables.clear();
  want.a_leg.state = "terminating";
  expect_same_call(*now, want);

  LegUpdate unknown;
  unknown.uuid = uuid(42, 1);
  unknown.local_cseq = 5;
  auto missing = client().update(unknown);
  EXPECT_EQ(missing.result, CallWriteResult::not_found) << missing.error;

  LegUpdate bad;
  bad.uuid = call.a_leg.uuid;
  bad.state = "ringing";
  EXPECT_EQ(client().update(bad).result, CallWriteResult::rejected);
  bad.state.reset();
  bad.variables = std::vector<std::pair<std::string, std::string>>{{"", "x"}};
  EXPECT_EQ(client().update(bad).result, CallWriteResult::rejected);
}

TEST_F(CallStoreTest, WritesApplyInSubmissionOrder) {
  // The SIP thread does not wait: save, then CSeq updates, all in flight at once.
  const CallRecord call = make_call(1);
  std::vector<std::future<CallWriteOutcome>> answers;
  auto track = [&answers]() {
    auto promise = std::make_shared<std::promise<CallWriteOutcome>>();
    answers.push_back(promise->get_future());
    return [promise](CallWriteOutcome o) { promise->set_value(std::move(o)); };
  };
  store_->save_confirmed(call, track());
  for (std::uint32_t c = 2; c <= 40; ++c) {
    LegUpdate u;
    u.uuid = call.b_leg.uuid;
    u.local_cseq = c;
    store_->update_leg(u, track());
  }
  for (auto& f : answers) ASSERT_TRUE(wait_value(f).ok());
  EXPECT_EQ(rows("call_legs", "uuid = '" + call.b_leg.uuid + "' and local_cseq = 40"), 1);
}

// ---------------------------------------------------------------- states and finish

TEST_F(CallStoreTest, LoadConfirmedIgnoresEarlyAndTerminatingCalls) {
  for (int n = 1; n <= 3; ++n) ASSERT_TRUE(client().save(make_call(n)).ok());
  ASSERT_TRUE(client().set_state(uuid(2, 0), "early").ok());
  ASSERT_TRUE(client().set_state(uuid(3, 0), "terminating").ok());

  EXPECT_EQ(uuids(client().load_confirmed()), (std::set<std::string>{uuid(1, 0)}));
  const auto all = client().list();
  EXPECT_EQ(uuids(all), (std::set<std::string>{uuid(1, 0), uuid(2, 0), uuid(3, 0)}));
  EXPECT_EQ(uuids(client().list(CallFilter{"", "", "terminating"})), (std::set<std::string>{uuid(3, 0)}));
  EXPECT_EQ(rows("call_legs", "state = 'terminating'"), 2) << "set_state moves both legs";
  EXPECT_EQ(rows("call_legs", "state = 'early'"), 2);

  EXPECT_EQ(client().set_state(uuid(9, 0), "terminating").result, CallWriteResult::not_found);
  EXPECT_EQ(client().set_state(uuid(1, 0), "hungup").result, CallWriteResult::rejected);
  EXPECT_EQ(uuids(client().load_confirmed()), (std::set<std::string>{uuid(1, 0)}));
}

TEST_F(CallStoreTest, FinishMovesTheCallToHistory) {
  const CallRecord call = make_call(1);
  ASSERT_TRUE(client().save(call).ok());
  ASSERT_TRUE(client().save(make_call(2)).ok());

  auto finished = client().finish(call.uuid, "NORMAL_CLEARING");
  ASSERT_TRUE(finished.ok()) << finished.error;
  ASSERT_TRUE(finished.summary.has_value());
  const CallSummary& s = *finished.summary;
  EXPECT_EQ(s.uuid, call.uuid);
  EXPECT_EQ(s.node_name, "edge-1");
  EXPECT_EQ(s.profile_name, "internal");
  EXPECT_EQ(s.a_leg_uuid, call.a_leg.uuid);
  EXPECT_EQ(s.b_leg_uuid, call.b_leg.uuid);
  EXPECT_EQ(s.a_call_id, call.a_leg.call_id);
  EXPECT_EQ(s.b_call_id, call.b_leg.call_id);
  EXPECT_EQ(s.caller_id_name, call.caller_id_name);
  EXPECT_EQ(s.caller_id_number, "1000");
  EXPECT_EQ(s.destination_number, "2000");
  EXPECT_EQ(s.caller_uri, "sip:1000@example.com");
  EXPECT_EQ(s.callee_uri, "sip:2000@gw.example.net");
  EXPECT_EQ(s.created_at, call.created_at);
  EXPECT_EQ(s.answered_at, call.answered_at);
  EXPECT_EQ(s.hangup_cause, "NORMAL_CLEARING");
  // created in 2023: whole seconds from then to the database's now()
  const auto since_created = std::chrono::duration_cast<std::chrono::seconds>(s.ended_at - call.created_at).count();
  const auto since_answered = std::chrono::duration_cast<std::chrono::seconds>(s.ended_at - call.answered_at).count();
  EXPECT_NEAR(static_cast<double>(s.duration), static_cast<double>(since_created), 1.0);
  EXPECT_NEAR(static_cast<double>(s.billsec), static_cast<double>(since_answered), 1.0);
  EXPECT_TRUE(s.duration - s.billsec == 4 || s.duration - s.billsec == 5) << "answered 4.53 s after the INVITE";

  EXPECT_EQ(rows("active_calls", "uuid = '" + call.uuid + "'"), 0);
  EXPECT_EQ(rows("call_legs", "call_uuid = '" + call.uuid + "'"), 0);
  EXPECT_EQ(rows("call_history", "uuid = '" + call.uuid + "' and hangup_cause = 'NORMAL_CLEARING'"), 1);
  EXPECT_EQ(rows("active_calls"), 1) << "the other call is untouched";
  EXPECT_EQ(rows("call_legs"), 2);

  auto again = client().finish(call.uuid, "NORMAL_CLEARING");
  EXPECT_EQ(again.result, CallWriteResult::not_found);
  EXPECT_FALSE(again.summary.has_value());
  EXPECT_EQ(rows("call_history"), 1);
  EXPECT_EQ(client().finish(uuid(2, 0), "").result, CallWriteResult::rejected);

  // A leg update after the end finds nothing (a late CSeq write is harmless).
  LegUpdate late;
  late.uuid = call.a_leg.uuid;
  late.local_cseq = 9;
  EXPECT_EQ(client().update(late).result, CallWriteResult::not_found);
}

// ---------------------------------------------------------------- cluster

TEST_F(CallStoreTest, TwoNodesSeeEachOthersCalls) {
  Database other_db(database_->dsn(), "other");
  CallStore other_store(other_db);
  Client other(other_store);
  other_db.start();

  ASSERT_TRUE(client().save(make_call(1, "edge-1", "internal")).ok());
  ASSERT_TRUE(client().save(make_call(2, "edge-1", "external")).ok());
  ASSERT_TRUE(other.save(make_call(3, "edge-2", "internal")).ok());

  const std::set<std::string> all{uuid(1, 0), uuid(2, 0), uuid(3, 0)};
  EXPECT_EQ(uuids(client().load_confirmed()), all) << "recovery is not filtered by node";
  EXPECT_EQ(uuids(other.load_confirmed()), all);
  EXPECT_EQ(uuids(other.load_confirmed("internal")), (std::set<std::string>{uuid(1, 0), uuid(3, 0)}));
  EXPECT_EQ(uuids(client().list(CallFilter{"", "edge-2", ""})), (std::set<std::string>{uuid(3, 0)}));
  EXPECT_EQ(client().count(), 3);
  EXPECT_EQ(client().count("edge-1"), 2);
  EXPECT_EQ(other.count("edge-2"), 1);
  EXPECT_EQ(other.count("edge-9"), 0);

  // The other node continues a call it took over: its CSeq write lands.
  LegUpdate u;
  u.uuid = uuid(1, 2);
  u.local_cseq = 3;
  ASSERT_TRUE(other.update(u).ok());
  const auto seen = client().find(uuid(1, 0));
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->b_leg.local_cseq, 3u);
  ASSERT_TRUE(other.finish(uuid(1, 0), "NORMAL_CLEARING").ok());
  EXPECT_EQ(client().count(), 2);
  other_db.stop();
}

// ---------------------------------------------------------------- bad input and failures

TEST_F(CallStoreTest, InvalidRecordsAreRejectedAndWriteNothing) {
  ASSERT_TRUE(client().save(make_call(1)).ok());

  auto duplicate = client().save(make_call(1));
  EXPECT_EQ(duplicate.result, CallWriteResult::rejected);
  EXPECT_NE(duplicate.error.find("active_calls_pkey"), std::string::npos) << duplicate.error;

  CallRecord leg_clash = make_call(2);  // a new call reusing a stored leg uuid: all or nothing
  leg_clash.b_leg.uuid = uuid(1, 2);
  EXPECT_EQ(client().save(leg_clash).result, CallWriteResult::rejected);
  EXPECT_EQ(rows("active_calls"), 1) << "the call row went with the failed leg insert";

  CallRecord bad_uuid = make_call(3);
  bad_uuid.uuid = "not-a-uuid";
  auto bad = client().save(bad_uuid);
  EXPECT_EQ(bad.result, CallWriteResult::rejected);
  EXPECT_NE(bad.error.find("uuid"), std::string::npos) << bad.error;

  std::vector<std::pair<std::string, std::function<void(CallRecord&)>>> cases = {
      {"early state", [](CallRecord& c) { c.state = "early"; }},
      {"no node", [](CallRecord& c) { c.node_name.clear(); }},
      {"direction", [](CallRecord& c) { c.b_leg.direction = "sideways"; }},
      {"leg of another call", [](CallRecord& c) { c.a_leg.call_uuid = uuid(77, 0); }},
      {"same leg twice", [](CallRecord& c) { c.b_leg.uuid = c.a_leg.uuid; }},
      {"no remote tag", [](CallRecord& c) { c.b_leg.remote_tag.clear(); }},
      {"empty variable name", [](CallRecord& c) { c.a_leg.variables.emplace_back("", "x"); }},
      {"port", [](CallRecord& c) { c.a_leg.network_port = 70000; }},
      {"leg state", [](CallRecord& c) { c.a_leg.state = "up"; }},
      {"not UTF-8", [](CallRecord& c) { c.a_leg.remote_sdp = "v=0\xff"; }},
  };
  for (auto& [what, spoil] : cases) {
    CallRecord c = make_call(4);
    spoil(c);
    auto o = client().save(c);
    EXPECT_NE(o.result, CallWriteResult::committed) << what;
    EXPECT_FALSE(o.error.empty()) << what;
  }
  EXPECT_EQ(rows("active_calls"), 1);
  EXPECT_EQ(rows("call_legs"), 2);
  // The store carries on.
  EXPECT_TRUE(client().save(make_call(4)).ok());
}

TEST_F(CallStoreTest, DatabaseDownAnswersEveryCallWithAnError) {
  Database down("host=127.0.0.1 port=" + std::to_string(test::free_port(false)) + " dbname=none user=none", "down");
  CallStore store(down);
  Client c(store);
  down.start();

  auto saved = c.save(make_call(1));
  EXPECT_EQ(saved.result, CallWriteResult::failed);
  EXPECT_NE(saved.error.find("database unavailable"), std::string::npos) << saved.error;
  LegUpdate u;
  u.uuid = uuid(1, 1);
  u.local_cseq = 2;
  EXPECT_EQ(c.update(u).result, CallWriteResult::failed);
  EXPECT_EQ(c.set_state(uuid(1, 0), "terminating").result, CallWriteResult::failed);
  EXPECT_EQ(c.finish(uuid(1, 0), "NORMAL_CLEARING").result, CallWriteResult::failed);
  EXPECT_THROW(c.load_confirmed(), std::runtime_error);
  EXPECT_THROW(c.list(), std::runtime_error);
  EXPECT_THROW(c.count(), std::runtime_error);
  EXPECT_THROW(c.find(uuid(1, 0)), std::runtime_error);
  down.stop();
  // After stop(), the answer comes on the caller's thread.
  EXPECT_EQ(c.save(make_call(2)).result, CallWriteResult::failed);
  EXPECT_EQ(rows("active_calls"), 0);
}

TEST_F(CallStoreTest, ConnectionLostMidCallIsAFailureThenTheStoreRecovers) {
  ASSERT_TRUE(client().save(make_call(1)).ok());
  {
    pqxx::connection admin(database_->admin_dsn());
    pqxx::nontransaction txn(admin);
    txn.exec_params("select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> "
                    "pg_backend_pid()",
                    database_->name());
  }
  LegUpdate u;
  u.uuid = uuid(1, 1);
  u.local_cseq = 4'000'000'001u;
  auto lost = client().update(u);
  EXPECT_EQ(lost.result, CallWriteResult::failed);
  EXPECT_NE(lost.error.find("database unavailable"), std::string::npos) << lost.error;
  // The Database reconnects with backoff; the write goes through again.
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  CallWriteOutcome again;
  do {
    std::this_thread::sleep_for(50ms);
    again = client().update(u);
  } while (!again.ok() && std::chrono::steady_clock::now() < deadline);
  ASSERT_TRUE(again.ok()) << again.error;
  EXPECT_EQ(rows("call_legs", "uuid = '" + u.uuid + "' and local_cseq = 4000000001"), 1);
}

// ---------------------------------------------------------------- FreeSWITCH views

TEST_F(CallStoreTest, ChannelsCallsAndDetailedCallsViews) {
  ASSERT_TRUE(client().save(make_call(1)).ok());
  CallRecord early = make_call(2, "edge-2");
  ASSERT_TRUE(client().save(early).ok());
  ASSERT_TRUE(client().set_state(early.uuid, "early").ok());

  pqxx::connection conn(database_->dsn());
  pqxx::read_transaction txn(conn);
  auto columns = [&txn](const std::string& view) {
    std::vector<std::string> out;
    for (const auto& row : txn.exec_params("select column_name from information_schema.columns where table_name = $1 "
                                           "order by ordinal_position",
                                           view)) {
      out.push_back(row[0].as<std::string>());
    }
    return out;
  };
  // FreeSWITCH core db (switch_core_sqldb.c), in its order.
  const std::vector<std::string> channel_columns{
      "uuid", "direction", "created", "created_epoch", "name", "state", "cid_name", "cid_num", "ip_addr", "dest",
      "application", "application_data", "dialplan", "context", "read_codec", "read_rate", "read_bit_rate",
      "write_codec", "write_rate", "write_bit_rate", "secure", "hostname", "presence_id", "presence_data",
      "accountcode", "callstate", "callee_name", "callee_num", "callee_direction", "call_uuid", "sent_callee_name",
      "sent_callee_num", "initial_cid_name", "initial_cid_num", "initial_ip_addr", "initial_dest",
      "initial_dialplan", "initial_context"};
  EXPECT_EQ(columns("channels"), channel_columns);
  EXPECT_EQ(columns("calls"), (std::vector<std::string>{"call_uuid", "call_created", "call_created_epoch",
                                                        "caller_uuid", "callee_uuid", "hostname"}));
  std::vector<std::string> detailed = channel_columns;
  for (const auto& c : channel_columns) detailed.push_back("b_" + c);
  EXPECT_EQ(columns("detailed_calls"), detailed);

  const auto a = txn.exec1(
      "select direction, created_epoch, name, state, cid_name, cid_num, ip_addr, dest, hostname, callstate, "
      "call_uuid, secure from channels where uuid = '" +
      uuid(1, 1) + "'");
  EXPECT_EQ(a[0].as<std::string>(), "inbound");
  EXPECT_EQ(a[1].as<long long>(), 1'700'000'000);
  EXPECT_EQ(a[2].as<std::string>(), "sofia/internal/1000@example.com");
  EXPECT_EQ(a[3].as<std::string>(), "CS_EXCHANGE_MEDIA");
  EXPECT_EQ(a[4].as<std::string>(), "Alice \"A\" O'Brien");
  EXPECT_EQ(a[5].as<std::string>(), "1000");
  EXPECT_EQ(a[6].as<std::string>(), "127.0.0.1");
  EXPECT_EQ(a[7].as<std::string>(), "2000");
  EXPECT_EQ(a[8].as<std::string>(), "edge-1");
  EXPECT_EQ(a[9].as<std::string>(), "ACTIVE");
  EXPECT_EQ(a[10].as<std::string>(), uuid(1, 0));
  EXPECT_EQ(a[11].as<std::string>(), "");
  const auto b = txn.exec1("select direction, name, callstate from channels where uuid = '" + uuid(2, 2) + "'");
  EXPECT_EQ(b[0].as<std::string>(), "outbound");
  EXPECT_EQ(b[1].as<std::string>(), "sofia/external/2000@gw.example.net");
  EXPECT_EQ(b[2].as<std::string>(), "EARLY");

  EXPECT_EQ(txn.exec1("select count(*) from channels")[0].as<long long>(), 4);
  const auto call = txn.exec1("select caller_uuid, callee_uuid, hostname, call_created_epoch from calls "
                              "where call_uuid = '" + uuid(1, 0) + "'");
  EXPECT_EQ(call[0].as<std::string>(), uuid(1, 1));
  EXPECT_EQ(call[1].as<std::string>(), uuid(1, 2));
  EXPECT_EQ(call[2].as<std::string>(), "edge-1");
  EXPECT_EQ(call[3].as<long long>(), 1'700'000'000);
  const auto pairs = txn.exec("select uuid, b_uuid, b_direction from detailed_calls order by uuid");
  ASSERT_EQ(pairs.size(), 2u) << "one row per call: B legs do not appear as A";
  EXPECT_EQ(pairs[0][0].as<std::string>(), uuid(1, 1));
  EXPECT_EQ(pairs[0][1].as<std::string>(), uuid(1, 2));
  EXPECT_EQ(pairs[0][2].as<std::string>(), "outbound");
  EXPECT_EQ(pairs[1][0].as<std::string>(), uuid(2, 1));
}

}  // namespace
}  // namespace sipedge
