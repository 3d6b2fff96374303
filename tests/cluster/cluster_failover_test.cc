// The acceptance tests of the HA issue, in network namespaces
// (tests/cluster/cluster_fixture.h): the active node dies (kill -9) under
// load, loses PostgreSQL, or stops cleanly; the killed node comes back as
// standby; a gateway registration continues across a takeover. The figures
// (takeover times) are printed as "[cluster] name=value" lines and recorded
// as test properties. Root only (skipped otherwise). The keepalived variant
// (scenario f) is not here: tests/deploy covers keepalived.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <set>

#include "tests/cluster/cluster_fixture.h"
#include "tests/cluster/netns_sipp.h"
#include "tests/support/kamailio_carrier.h"

namespace sipedge::test::cluster {
namespace {

void report(const std::string& name, long long value) {
  std::cout << "[cluster] " << name << "=" << value << std::endl;
  ::testing::Test::RecordProperty(name, std::to_string(value));
}

std::string describe_codes(const std::map<int, int>& codes) {
  std::string out;
  for (const auto& [code, n] : codes) out += (out.empty() ? "" : ", ") + std::to_string(code) + ": " + std::to_string(n);
  return out.empty() ? "none" : out;
}

// Occurrences of `needle` in a file (SIPp's message log while it runs).
std::size_t count_in_file(const std::string& path, const std::string& needle) {
  std::string text = read_file(path);
  std::size_t n = 0;
  for (std::size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + needle.size())) ++n;
  return n;
}

std::vector<std::pair<std::string, std::string>> caller_keys() {
  return {{"hdr1", "Subject: sipedge cluster test"}, {"hdr2", "Organization: sipedge tests"},
          {"codecs", "0 8 101"},                      {"sdp1", "a=rtpmap:0 PCMU/8000"},
          {"sdp2", "a=rtpmap:8 PCMA/8000"},           {"sdp3", "a=rtpmap:101 telephone-event/8000"}};
}

class ClusterFailoverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "network namespaces need root";
  }

  // Prints both nodes' logs when the test failed (NodeProcess prints only
  // the last lines of each generation).
  void TearDown() override {
    if (!HasFailure() || !pair_) return;
    for (const std::string host : {"a", "b"}) {
      try {
        std::cerr << "--- node " << host << " (last 100 lines over all runs, without \"esl: command\") ---\n"
                  << pair_->node(host).log_tail_quiet(100) << "\n";
      } catch (...) {
      }
    }
  }

  void make_pair(int ttl_ms = 1000, int renew_ms = 200) { pair_ = std::make_unique<ClusterPair>(ttl_ms, renew_ms); }

  ClusterPair& pair() { return *pair_; }

  std::unique_ptr<ClusterPair> pair_;
};

// (a) kill -9 of the active under a steady load of registrations and 200
// held calls (100 to 1001 that the caller ends, 100 to 1002 that the callee
// ends): the standby answers REGISTER on the VIP, recovers all 200 calls
// (sofia::recovery_recovered recovered_calls=200), every BYE is answered 200
// on both legs afterwards, and no binding is lost.
TEST_F(ClusterFailoverTest, KillActiveUnderLoadRecoversCallsAndRegistrations) {
  make_pair();
  ClusterPair& p = pair();
  p.make_nodes();
  ASSERT_EQ(p.start_pair(), "");
  ClusterNetwork& net = p.net();
  const std::string vip = net.vip();

  // The callees: 1001 answers and waits for the BYE, 1002 answers and hangs up on the go-ahead.
  ASSERT_EQ(p.register_user("p2", "1001", 5070), 200);
  ASSERT_EQ(p.register_user("p2", "1002", 5071), 200);
  NetnsSippOptions uas;
  uas.host = "p2";
  uas.calls = 100;
  uas.timeout = std::chrono::seconds(150);
  uas.scenario = "recovery_uas_answer.xml";
  uas.local_port = 5070;
  uas.media_port = 16000;
  NetnsSipp callee_waits(net, uas);
  uas.scenario = "recovery_uas_bye.xml";
  uas.local_port = 5071;
  uas.media_port = 16100;
  NetnsSipp callee_hangs_up(net, uas);
  ASSERT_TRUE(callee_waits.wait_listening(milliseconds(5000))) << callee_waits.wait().describe();
  ASSERT_TRUE(callee_hangs_up.wait_listening(milliseconds(5000))) << callee_hangs_up.wait().describe();

  // The registration load: 50 phones, 100 REGISTERs a second, from p1.
  std::vector<std::string> users;
  for (int i = 0; i < 50; ++i) users.push_back("reg-" + std::to_string(100 + i));
  RegisterLoad load(net.ns("p1"), net.address("p1"), vip, 5060, users, "example.com", milliseconds(10));
  ASSERT_TRUE(load.wait_all_registered(milliseconds(10000)))
      << load.registered_users() << " of 50 phones registered\n" << p.a().log_tail();

  // 200 calls, held until the test says.
  NetnsSippOptions uac;
  uac.host = "p1";
  uac.remote_ip = vip;
  uac.calls = 100;
  uac.rate = 50;
  uac.limit = 100;
  uac.timeout = std::chrono::seconds(150);
  uac.keys = caller_keys();
  uac.scenario = "recovery_uac_bye.xml";
  uac.local_port = 5080;
  uac.media_port = 17000;
  uac.extra_args = {"-s", "1001"};
  NetnsSipp caller_hangs_up(net, uac);
  uac.scenario = "recovery_uac_wait_bye.xml";
  uac.local_port = 5081;
  uac.media_port = 17100;
  uac.extra_args = {"-s", "1002"};
  NetnsSipp caller_waits(net, uac);

  const std::string confirmed = "select count(*) from active_calls where state = 'confirmed'";
  ASSERT_EQ(wait_sql_count(p.dsn(), confirmed, 200, milliseconds(30000)), 200)
      << "the 200 calls were not all answered\n" << p.a().log_tail();
  // Every callee has its ACK (the callee's SIPp logs each message it gets).
  const auto acked_deadline = Clock::now() + milliseconds(10000);
  while (Clock::now() < acked_deadline &&
         count_in_file(callee_waits.messages_path(), "ACK sip:") + count_in_file(callee_hangs_up.messages_path(), "ACK sip:") < 200)
    std::this_thread::sleep_for(milliseconds(50));
  const long bindings_before = sql_count(p.dsn(), "select count(*) from registrations");
  EXPECT_EQ(bindings_before, 52);

  NodeEvents recovered(p.b(), "CUSTOM sofia::recovery_recovered");
  const auto killed = p.a().kill9();

  std::optional<EslFrame> e = recovered.wait("sofia::recovery_recovered", milliseconds(30000));
  ASSERT_TRUE(e) << "node B sent no sofia::recovery_recovered within 30 s of the kill\n" << p.b().log_tail();
  const auto recovered_at = recovered.received();
  EXPECT_EQ(NodeEvents::get(*e, "recovered_calls"), "200");
  EXPECT_EQ(NodeEvents::get(*e, "previous_holder"), "node-a");
  // Per profile: "<profile>_recovered_calls" in the HA description,
  // "profile_<profile>_recovered_calls" in `sofia recover`'s event.
  EXPECT_TRUE(NodeEvents::get(*e, "internal_recovered_calls") == "200" ||
              NodeEvents::get(*e, "profile_internal_recovered_calls") == "200");
  // The load's first 200 for a REGISTER sent after the kill.
  const auto answered_deadline = Clock::now() + milliseconds(10000);
  std::optional<Clock::time_point> register_answered;
  while (!(register_answered = load.first_200_sent_after(killed)) && Clock::now() < answered_deadline)
    std::this_thread::sleep_for(milliseconds(20));
  ASSERT_TRUE(register_answered) << "no REGISTER was answered 200 after the kill: "
                                 << describe_codes(load.statuses(killed, Clock::now()));
  report("kill_to_register_200_ms", ms_between(killed, *register_answered));
  report("kill_to_recovered_event_ms", ms_between(killed, recovered_at));
  report("takeover_ms_header", std::atoll(NodeEvents::get(*e, "takeover_ms").c_str()));
  std::cout << "[cluster] REGISTER answers from the kill to the first 200: "
            << describe_codes(load.statuses(killed, *register_answered)) << std::endl;

  auto lease = lease_status(p.dsn());
  EXPECT_EQ(lease["active_node"], "node-b");
  EXPECT_EQ(lease["previous_node"], "node-a");
  EXPECT_EQ(NodeEvents::get(*e, "epoch"), lease["epoch"]);

  // The recovered rows are the new active's: node_name and owner_epoch set by the takeover.
  EXPECT_EQ(wait_sql_count(p.dsn(),
                           "select count(*) from active_calls where node_name = 'node-b' and owner_epoch = " +
                               lease["epoch"],
                           200, milliseconds(5000)),
            200)
      << "owners: " << [&] {
           std::string out;
           for (const auto& row : sql_column(p.dsn(), "select node_name || '/epoch ' || owner_epoch || ': ' || "
                                                      "count(*) from active_calls group by 1 order by 1"))
             out += row + "; ";
           return out;
         }() << "\n" << find_log_line(p.b().log(), "not taken over").value_or("");

  // Hang up: 100 from the callers, 100 from the callees.
  std::vector<std::string> a_leg_ids = sql_column(
      p.dsn(),
      "select l.call_id from active_calls c join call_legs l on l.call_uuid = c.uuid and l.leg = 'a' "
      "where c.destination_number = '1001'");
  std::vector<std::string> b_leg_ids = sql_column(
      p.dsn(),
      "select l.call_id from active_calls c join call_legs l on l.call_uuid = c.uuid and l.leg = 'b' "
      "where c.destination_number = '1002'");
  EXPECT_EQ(a_leg_ids.size(), 100u);
  EXPECT_EQ(b_leg_ids.size(), 100u);
  p.go_ahead("p1", 5080, a_leg_ids);
  p.go_ahead("p2", 5071, b_leg_ids);

  SippResult r1 = caller_hangs_up.wait();
  SippResult r2 = callee_waits.wait();
  SippResult r3 = caller_waits.wait();
  SippResult r4 = callee_hangs_up.wait();
  // Exit 0: every call of each SIPp passed its scenario (BYE answered 200,
  // in-dialog fields checked by the scenarios).
  EXPECT_EQ(r1.exit_code, 0) << "callers that hang up\n" << r1.errors << r1.output;
  EXPECT_EQ(r2.exit_code, 0) << "callees that wait for the BYE\n" << r2.errors << r2.output;
  EXPECT_EQ(r3.exit_code, 0) << "callers that wait for the BYE\n" << r3.errors << r3.output;
  EXPECT_EQ(r4.exit_code, 0) << "callees that hang up\n" << r4.errors << r4.output;
  EXPECT_EQ(wait_sql_count(p.dsn(), "select count(*) from active_calls", 0, milliseconds(10000)), 0);
  EXPECT_EQ(sql_count(p.dsn(), "select count(*) from call_history where hangup_cause = 'NORMAL_CLEARING'"), 200);

  // At least one more second of load on the new active, then stop.
  const auto load_deadline = Clock::now() + milliseconds(10000);
  auto sent_since = [&] {
    int n = 0;
    for (const auto& [code, count] : load.statuses(*register_answered, Clock::now())) n += count;
    return n;
  };
  while (sent_since() < 100 && Clock::now() < load_deadline) std::this_thread::sleep_for(milliseconds(50));
  load.stop();
  const auto stopped = Clock::now();
  // After the first answer, every REGISTER was answered 200 (nothing lost,
  // no 503 from a standby), except possibly the last few in flight at stop.
  auto after = load.statuses(*register_answered, stopped - milliseconds(500));
  EXPECT_EQ(after.size(), 1u) << describe_codes(after);
  EXPECT_GT(after[200], 0);
  EXPECT_EQ(sql_count(p.dsn(), "select count(*) from registrations"), 52) << "bindings lost in the failover";
  EXPECT_EQ(sql_count(p.dsn(), "select count(*) from registrations where sip_user like 'reg-%'"), 50);
}

// (b) The active loses PostgreSQL (blackhole route in its namespace): it
// demotes itself within the TTL, then the standby takes over with the next
// epoch; never are both active: sampled roles, and the old active's
// "demoted" log line precedes the new one's "promoted to active" line.
TEST_F(ClusterFailoverTest, ActiveCutOffFromPostgresDemotesBeforeStandbyPromotes) {
  const int ttl_ms = 1000;
  make_pair(ttl_ms, 200);
  ClusterPair& p = pair();
  p.make_nodes();
  ASSERT_EQ(p.start_pair(), "");
  const long long epoch_before = std::atoll(p.a().cluster_status()["epoch"].c_str());
  ASSERT_GT(epoch_before, 0);

  const auto cut_wall = std::chrono::system_clock::now();
  const auto cut = Clock::now();
  p.net().add_blackhole("a", p.pg().address());
  int both_active = 0;
  std::optional<Clock::time_point> a_left, b_active;
  const auto deadline = cut + milliseconds(10 * ttl_ms);
  while (Clock::now() < deadline && !(a_left && b_active)) {
    std::string ra = p.a().role(), rb = p.b().role();
    if (ra == "active" && rb == "active") ++both_active;
    if (!a_left && (ra == "demoted" || ra == "standby")) a_left = Clock::now();
    if (!b_active && rb == "active") b_active = Clock::now();
    std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_EQ(both_active, 0) << "both nodes said role: active at the same sample";
  ASSERT_TRUE(a_left) << "node A is still active " << 10 * ttl_ms << " ms after losing PostgreSQL";
  ASSERT_TRUE(b_active) << "node B did not take over";
  report("cut_to_a_not_active_ms", ms_between(cut, *a_left));
  report("cut_to_b_active_ms", ms_between(cut, *b_active));

  const std::string log_a = p.a().log(), log_b = p.b().log();
  auto demoted = find_log_line(log_a, "demoted: ");
  auto promoted = find_log_line(log_b, "promoted to active");
  ASSERT_TRUE(demoted) << "no \"demoted\" line in node A's log";
  ASSERT_TRUE(promoted) << "no \"promoted to active\" line in node B's log";
  auto t_demoted = log_line_time_ms(*demoted), t_promoted = log_line_time_ms(*promoted);
  ASSERT_TRUE(t_demoted && t_promoted) << *demoted << "\n" << *promoted;
  EXPECT_LT(*t_demoted, *t_promoted) << *demoted << "\n" << *promoted;
  const long long cut_ms = std::chrono::duration_cast<milliseconds>(cut_wall.time_since_epoch()).count();
  report("cut_to_demoted_log_ms", *t_demoted - cut_ms);
  report("demoted_to_promoted_log_ms", *t_promoted - *t_demoted);
  // Within the TTL (the local deadline is TTL - margin after the last good
  // renewal was sent); 100 ms for scheduling and the log's millisecond.
  EXPECT_LE(*t_demoted - cut_ms, ttl_ms + 100) << *demoted;
  EXPECT_NE(promoted->find("epoch " + std::to_string(epoch_before + 1)), std::string::npos) << *promoted;

  auto lease = lease_status(p.dsn());
  EXPECT_EQ(lease["active_node"], "node-b");
  EXPECT_EQ(lease["epoch"], std::to_string(epoch_before + 1));
  EXPECT_EQ(p.b().cluster_status()["epoch"], std::to_string(epoch_before + 1));
  // The phones reach the new active on the VIP.
  NetnsUdp phone(p.net().ns("p1"), p.net().address("p1"));
  EXPECT_TRUE(wait_for_200(phone, p.net().vip(), 5060, Clock::now() + milliseconds(5000), "reg-cut"));

  // PostgreSQL back: A stays out (standby), B keeps the lease and its epoch.
  p.net().remove_blackhole("a", p.pg().address());
  EXPECT_TRUE(p.a().wait_role("standby", milliseconds(5 * ttl_ms))) << p.a().api("cluster status");
  EXPECT_EQ(p.b().role(), "active");
  EXPECT_EQ(lease_status(p.dsn())["epoch"], std::to_string(epoch_before + 1));
  // The demoted node gives the VIP up (release command), within a TTL of
  // its demotion.
  // (Timed by node A's "release hook" log line: this test only looks after
  // the steps above, which take longer than the release itself.)
  EXPECT_FALSE(p.net().has_vip("a")) << "node A still has the VIP";
  const std::string log_a_now = p.a().log();
  std::optional<std::string> release_line;
  for (std::size_t pos = log_a_now.find("release hook"); pos != std::string::npos;
       pos = log_a_now.find("release hook", pos + 1)) {
    auto begin = log_a_now.rfind('\n', pos);
    std::string line = log_a_now.substr(begin == std::string::npos ? 0 : begin + 1,
                                        log_a_now.find('\n', pos) - (begin == std::string::npos ? 0 : begin + 1));
    auto t = log_line_time_ms(line);
    if (t && *t >= *t_demoted) {
      release_line = line;
      break;
    }
  }
  ASSERT_TRUE(release_line) << "no release hook after the demotion in node A's log";
  const long long released_ms = *log_line_time_ms(*release_line) - *t_demoted;
  report("demoted_to_vip_gone_ms", released_ms);
  EXPECT_LE(released_ms, ttl_ms) << *release_line;
}

// (c) SIGTERM of the active releases the lease: the standby takes over at
// its next poll, well before the TTL would have run out.
TEST_F(ClusterFailoverTest, CleanShutdownHandsOverBeforeTheTtl) {
  const int ttl_ms = 3000;
  make_pair(ttl_ms, 200);
  ClusterPair& p = pair();
  p.make_nodes();
  ASSERT_EQ(p.start_pair(), "");

  const auto term = Clock::now();
  ASSERT_EQ(::kill(p.a().pid(), SIGTERM), 0);
  ASSERT_TRUE(p.b().wait_role("active", milliseconds(2 * ttl_ms))) << p.b().api("cluster status");
  const auto b_active = Clock::now();
  NetnsUdp phone(p.net().ns("p1"), p.net().address("p1"));
  auto answered = wait_for_200(phone, p.net().vip(), 5060, Clock::now() + milliseconds(2 * ttl_ms), "reg-term");
  ASSERT_TRUE(answered) << "nothing answers REGISTER on the VIP after the takeover";
  report("sigterm_to_b_active_ms", ms_between(term, b_active));
  report("sigterm_to_register_200_ms", ms_between(term, *answered));
  EXPECT_LT(ms_between(term, b_active), ttl_ms);
  EXPECT_LT(ms_between(term, *answered), ttl_ms);
  EXPECT_EQ(p.a().terminate(milliseconds(10000)), 0) << "node A did not exit cleanly";
  auto lease = lease_status(p.dsn());
  EXPECT_EQ(lease["active_node"], "node-b");
  EXPECT_EQ(lease["previous_node"], "node-a");
  EXPECT_EQ(lease["previous_released"], "t") << "the old active did not release the lease";
  EXPECT_FALSE(p.net().has_vip("a")) << "node A left the VIP on its interface at shutdown";
}

// (d) The killed active restarts and joins as standby: role standby, the
// lease with the new active, the phones still reach the new active.
TEST_F(ClusterFailoverTest, KilledActiveRestartsAsStandby) {
  make_pair(1000, 200);
  ClusterPair& p = pair();
  p.make_nodes();
  ASSERT_EQ(p.start_pair(), "");
  p.a().kill9();
  ASSERT_TRUE(p.b().wait_role("active", milliseconds(5000))) << p.b().api("cluster status");
  const std::string epoch = p.b().cluster_status()["epoch"];

  p.a().start_and_wait();
  ASSERT_TRUE(p.a().wait_role("standby", milliseconds(5000))) << p.a().api("cluster status");
  auto status = p.a().cluster_status();
  EXPECT_EQ(status["lease-holder"], "node-b");
  EXPECT_EQ(status["epoch"], epoch);
  EXPECT_EQ(status["node"], "node-a");
  EXPECT_EQ(p.b().role(), "active");
  const std::string sofia_status = p.a().api("sofia status");
  EXPECT_NE(sofia_status.find("STANDBY"), std::string::npos) << sofia_status;
  // The restarted node does not claim the VIP (kill -9 left it on its
  // interface: a standby must release it, or two hosts answer ARP for it).
  EXPECT_FALSE(p.net().has_vip("a")) << "the restarted standby still has the VIP on eth0";
  NetnsUdp phone(p.net().ns("p1"), p.net().address("p1"));
  EXPECT_TRUE(wait_for_200(phone, p.net().vip(), 5060, Clock::now() + milliseconds(3000), "reg-after-restart"));
  // It stays standby (it does not steal the lease back).
  std::this_thread::sleep_for(milliseconds(1500));  // a few renew intervals: nothing to wait for but time
  EXPECT_EQ(p.a().role(), "standby");
  EXPECT_EQ(lease_status(p.dsn())["active_node"], "node-b");
}

// (e) A gateway registration continues across the takeover: the new active
// goes on with the same Call-ID and a higher CSeq, and nobody un-REGISTERs.
TEST_F(ClusterFailoverTest, GatewayRegistrationContinuesAcrossTakeover) {
  make_pair(1000, 200);
  ClusterPair& p = pair();
  ClusterNetwork& net = p.net();
  NetnsWorker carrier_thread(net.ns("c"));
  KamailioCarrierOptions co;
  co.ip = net.address("c");
  co.port = 5060;
  co.users = {{"gwuser", "gwsecret"}};
  auto carrier = carrier_thread.call([&] { return std::make_unique<KamailioCarrier>(co); });
  const std::string gateway =
      "<include>\n  <gateway name=\"carrier\">\n"
      "    <param name=\"username\" value=\"gwuser\"/>\n    <param name=\"password\" value=\"gwsecret\"/>\n"
      "    <param name=\"realm\" value=\"" + carrier->realm() + "\"/>\n"
      "    <param name=\"proxy\" value=\"" + carrier->address() + "\"/>\n"
      "    <param name=\"register\" value=\"true\"/>\n    <param name=\"expire-seconds\" value=\"6\"/>\n"
      "    <param name=\"retry-seconds\" value=\"5\"/>\n  </gateway>\n</include>\n";
  for (const std::string host : {"a", "b"}) {
    auto& o = p.options(host);
    o.profile_extra_xml = "<gateways>\n<X-PRE-PROCESS cmd=\"include\" data=\"gateways/*.xml\"/>\n</gateways>\n";
    o.files["gateways/carrier.xml"] = gateway;
  }
  p.make_nodes();
  ASSERT_EQ(p.start_pair(), "");

  // Two registrations by the active (the first and a refresh, every 3 s
  // with expires 6): the standby started before the refresh, so what it read
  // then is out of date; it must go on from what the active last did.
  auto refreshed = [](const std::vector<CarrierRequest>& rs) {
    int ok = 0;
    for (const auto& r : rs) ok += r.method == "REGISTER" && r.final_response() == 200;
    return ok >= 2;
  };
  ASSERT_TRUE(carrier->wait_for(refreshed, milliseconds(15000))) << carrier->describe();
  const auto killed_wall = std::chrono::system_clock::now();
  p.a().kill9();
  const double killed_s = std::chrono::duration<double>(killed_wall.time_since_epoch()).count();
  ASSERT_TRUE(p.b().wait_role("active", milliseconds(5000)));
  auto registered_after_kill = [killed_s](const std::vector<CarrierRequest>& rs) {
    for (const auto& r : rs)
      if (r.method == "REGISTER" && r.time > killed_s && r.final_response() == 200) return true;
    return false;
  };
  ASSERT_TRUE(carrier->wait_for(registered_after_kill, milliseconds(15000)))
      << "the new active did not register the gateway\n" << carrier->describe();

  std::vector<CarrierRequest> registers = carrier->requests("REGISTER");
  std::set<std::string> call_ids;
  unsigned max_cseq_before = 0, min_cseq_after = ~0u;
  unsigned previous = 0;
  for (const auto& r : registers) {
    SCOPED_TRACE(r.describe());
    call_ids.insert(r.call_id);
    EXPECT_NE(r.expires, 0) << "un-REGISTER";
    EXPECT_EQ(r.source.substr(0, r.source.find(':')), net.vip()) << "REGISTER not sent from the VIP";
    EXPECT_GE(r.cseq, previous) << "CSeq went down: the new active did not continue from the last CSeq sent";
    previous = r.cseq;
    if (r.time < killed_s) max_cseq_before = std::max(max_cseq_before, r.cseq);
    else min_cseq_after = std::min(min_cseq_after, r.cseq);
  }
  EXPECT_EQ(call_ids.size(), 1u) << "the registration changed Call-ID\n" << carrier->describe();
  EXPECT_GT(min_cseq_after, max_cseq_before) << "the new active reused a CSeq the old one had sent";
  auto bindings = carrier->registrations();
  ASSERT_EQ(bindings.size(), 1u) << carrier->describe();
  EXPECT_EQ(bindings[0].call_id, *call_ids.begin());
  carrier.reset();
}

}  // namespace
}  // namespace sipedge::test::cluster
