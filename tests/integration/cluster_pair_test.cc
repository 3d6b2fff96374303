// An active/standby pair on loopback (issue 6; the VIP and network cuts are
// tested in network namespaces under tests/cluster/): two nodes of one
// cluster on one database. Checks the standby's 503 System Paused, the live
// recovery events (sofia::recovery_send on the active for each call-state
// change, sofia::recovery_recv on the standby with the same call and epoch),
// `cluster status`, `sofia global standby on` handing the lease over at once,
// and a kill -9 of the active taken over within the lease TTL with a new epoch.
#include <signal.h>

#include <future>

#include "tests/integration/call_fixture.h"

namespace sipedge::test {
namespace {

using namespace calls;

std::map<std::string, std::string> parse_status(const std::string& text) {
  std::map<std::string, std::string> out;
  for (const auto& line : lines_of(text)) {
    auto colon = line.find(": ");
    if (colon != std::string::npos) out[line.substr(0, colon)] = line.substr(colon + 2);
    else if (!line.empty() && line.back() == ':') out[line.substr(0, line.size() - 1)] = "";
  }
  return out;
}

bool wait_role(NodeProcess& n, const std::string& role, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (parse_status(n.api("cluster status"))["role"] == role) return true;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return false;
}

int options_status(int port, const std::string& call_id) {
  UdpSocket sock;
  sock.send_to(port, make_options("UDP", sock.port(), port, call_id));
  auto reply = sock.receive(std::chrono::seconds(3));
  if (!reply) return 0;
  auto r = parse_sip_response(*reply);
  return r ? r->status : -1;
}

class ClusterPairTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    db_ = std::make_unique<TestDatabase>(std::string("pair_") + info->name());
    a_ = make("pair-a", true);
    a_->start_and_wait();
    ASSERT_TRUE(wait_registrar_ready(*a_));
    b_ = make("pair-b", false);
    b_->start_and_wait();
  }

  std::unique_ptr<NodeProcess> make(const std::string& name, bool active) {
    NodeOptions o;
    o.switchname = name;
    o.db_dsn = db_->dsn();
    o.wait_active = active;
    o.switch_params = {{"cluster-name", "pair"}, {"cluster-lease-ttl", "1000"}, {"cluster-lease-renew", "200"}};
    o.vars_xml = "  <X-PRE-PROCESS cmd=\"set\" data=\"domain=" + kDomain + "\"/>\n";
    o.profiles[0].params = {{"context", "default"}, {"apply-register-acl", "test-loopback"}};
    o.files["dialplan/default.xml"] = dialplan_file(extension("1001", {{"bridge", "user/1001@" + kDomain}}));
    return std::make_unique<NodeProcess>(o);
  }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<NodeProcess> a_, b_;
};

TEST_F(ClusterPairTest, StandbyPausesHearsTheActiveAndTakesOver) {
  // Roles.
  auto a = parse_status(a_->api("cluster status"));
  auto b = parse_status(b_->api("cluster status"));
  EXPECT_EQ(a["role"], "active");
  EXPECT_EQ(a["epoch"], "1");
  EXPECT_EQ(a["lease-holder"], "pair-a");
  EXPECT_EQ(a["node"], "pair-a");
  EXPECT_EQ(a["cluster"], "pair");
  EXPECT_EQ(b["role"], "standby");
  EXPECT_EQ(b["lease-holder"], "pair-a");
  EXPECT_EQ(b["epoch"], "1");
  EXPECT_NE(a_->api("status").find("Cluster: pair role active epoch 1 (lease holder pair-a)"), std::string::npos);
  EXPECT_NE(a_->api("sofia status").find("cluster\t"), std::string::npos);

  // The standby answers every new request with 503 System Paused.
  EXPECT_EQ(options_status(b_->sip_port(), "standby-options"), 503);
  EXPECT_EQ(options_status(a_->sip_port(), "active-options"), 200);
  {
    UdpSocket phone(free_port(true));
    RegisterRequest r;
    r.user = "1001";
    r.domain = kDomain;
    r.call_id = "reg-at-standby";
    r.contacts = {"<sip:1001@127.0.0.1:" + std::to_string(phone.port()) + ">"};
    r.expires = "60";
    auto answer = send_register(phone, b_->sip_port(), r);
    ASSERT_TRUE(answer);
    EXPECT_EQ(status_line(*answer), "SIP/2.0 503 System Paused");
  }
  EXPECT_EQ(count_of(db_->dsn(), "select count(*) from registrations where call_id = 'reg-at-standby'"), 0);

  // A call through the active: recovery_send there, recovery_recv on the standby.
  EventWatch sent(*a_, "sofia::recovery_send");
  EventWatch heard(*b_, "sofia::recovery_recv");
  int callee_port = register_phone(*a_, "1001");
  EXPECT_EQ(parse_status(b_->api("cluster status"))["warm-calls"], "0");
  std::string uuid;
  {
    Callee callee("call_uas_answer.xml", callee_port, a_->sip_port());
    Caller c;
    c.service = "1001";
    c.pause_ms = 2000;  // held while the standby's warm index is read
    auto caller_run = std::async(std::launch::async, [this, c] { return run_sipp(caller_options(c, a_->sip_port())); });
    auto confirmed = sent.wait("sofia::recovery_send", [](const EslFrame& e) {
      return EventWatch::get(e, "operation") == "confirmed";
    });
    ASSERT_TRUE(confirmed) << a_->log_tail();
    uuid = EventWatch::get(*confirmed, "call-uuid");
    EXPECT_EQ(EventWatch::get(*confirmed, "epoch"), "1");
    auto recv_confirmed = heard.wait("sofia::recovery_recv", [&](const EslFrame& e) {
      return EventWatch::get(e, "call-uuid") == uuid && EventWatch::get(e, "operation") == "confirmed";
    });
    ASSERT_TRUE(recv_confirmed) << b_->log_tail();
    EXPECT_EQ(EventWatch::get(*recv_confirmed, "epoch"), "1");
    EXPECT_EQ(EventWatch::get(*recv_confirmed, "node"), "pair-a");
    // The standby's warm index holds the live call.
    EXPECT_EQ(parse_status(b_->api("cluster status"))["warm-calls"], "1");
    SippResult caller = caller_run.get();
    EXPECT_EQ(caller.exit_code, 0) << caller.describe() << a_->log_tail();
  }
  ASSERT_TRUE(heard.wait("sofia::recovery_recv", [&](const EslFrame& e) {
    return EventWatch::get(e, "call-uuid") == uuid && EventWatch::get(e, "operation") == "finished";
  })) << b_->log_tail();
  EXPECT_EQ(parse_status(b_->api("cluster status"))["warm-calls"], "0");

  // `sofia global standby on`: the lease moves at once (well under the TTL).
  auto handover = Clock::now();
  EXPECT_EQ(a_->api("sofia global standby on"), "+OK standby on");
  ASSERT_TRUE(wait_role(*b_, "active", milliseconds(900))) << b_->log_tail();
  EXPECT_LT(std::chrono::duration_cast<milliseconds>(Clock::now() - handover).count(), 900);
  EXPECT_EQ(parse_status(b_->api("cluster status"))["epoch"], "2");
  EXPECT_EQ(options_status(b_->sip_port(), "new-active"), 200);
  EXPECT_EQ(options_status(a_->sip_port(), "new-standby"), 503);
  EXPECT_EQ(a_->api("sofia global standby off"), "+OK standby off");
  EXPECT_TRUE(wait_role(*a_, "standby", milliseconds(2000)));

  // kill -9 of the active: the standby takes over once the lease ran out.
  ASSERT_EQ(::kill(b_->pid(), SIGKILL), 0);
  auto killed = Clock::now();
  ASSERT_TRUE(wait_role(*a_, "active", milliseconds(3000))) << a_->log_tail();
  auto takeover_ms = std::chrono::duration_cast<milliseconds>(Clock::now() - killed).count();
  EXPECT_LE(takeover_ms, 1500) << "TTL 1000 ms, renew 200 ms";
  auto after = parse_status(a_->api("cluster status"));
  EXPECT_EQ(after["epoch"], "3");
  EXPECT_EQ(options_status(a_->sip_port(), "after-kill"), 200);
  // The lease as operators see it.
  pqxx::connection conn(db_->dsn());
  pqxx::read_transaction txn(conn);
  auto row = txn.exec1("select active_node, epoch from cluster_lease_status where cluster_name = 'pair'");
  EXPECT_EQ(row[0].as<std::string>(), "pair-a");
  EXPECT_EQ(row[1].as<long>(), 3);
}

}  // namespace
}  // namespace sipedge::test
