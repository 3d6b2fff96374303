// Gateway registration against a real upstream registrar (issue 5): Debian's
// Kamailio as the carrier with digest auth and usrloc in memory. Checks the
// state transitions and their sofia::gateway_state events, the gateways row
// after each transition, re-registration before the granted expiry on the
// same Call-ID with increasing CSeq, failures (403, 503 + Retry-After) with
// a growing retry, killgw (un-REGISTER, gateway_delete, row gone), rescan
// (add/remove), gwlist, `sofia status` layouts, and a second node continuing
// the registration from the row (same Call-ID, CSeq + 1, no un-REGISTER).
#include "tests/integration/gateway_fixture.h"

namespace sipedge::test {
namespace {

using namespace gateways;

std::vector<CarrierRequest> registers_of(const std::vector<CarrierRequest>& all, const std::string& call_id = "") {
  std::vector<CarrierRequest> out;
  for (const auto& r : all)
    if (r.method == "REGISTER" && (call_id.empty() || r.call_id == call_id)) out.push_back(r);
  return out;
}

class GatewayRegisterTest : public GatewayTest {};

TEST_F(GatewayRegisterTest, RegistersWithDigestRefreshesBeforeExpiryAndShowsInStatus) {
  KamailioCarrierOptions co = carrier_options();
  co.max_expires = 4;  // granted 4 s: the node refreshes after 2 s
  KamailioCarrier carrier(co);
  start_node({});
  EventWatch events(node(), "sofia::gateway_state");
  add_gateways({{"carrier", gateway_xml("carrier", carrier_params(carrier))}});

  auto reged = events.wait("sofia::gateway_state", gateway_state_is("carrier", "REGED"), milliseconds(10000));
  ASSERT_TRUE(reged) << node().log_tail() << carrier.describe();
  EXPECT_EQ(EventWatch::get(*reged, "Status"), "200");
  EXPECT_EQ(EventWatch::get(*reged, "Ping-Status"), "UP");
  EXPECT_EQ(EventWatch::get(*reged, "Register-Network-IP"), "127.0.0.1");
  EXPECT_EQ(EventWatch::get(*reged, "Register-Network-Port"), std::to_string(carrier.port()));

  GatewayRow row = wait_gateway_row(dsn(), "carrier", [](const GatewayRow& r) { return r.state == "REGED"; });
  ASSERT_TRUE(row.found);
  EXPECT_EQ(row.state, "REGED");
  EXPECT_EQ(row.status, "UP");
  EXPECT_EQ(row.node_name, "gw-node-a");
  EXPECT_EQ(row.last_code, 200);
  EXPECT_EQ(row.failures, 0);
  EXPECT_GE(row.expires_in, 0);
  EXPECT_LE(row.expires_in, 4);

  // The carrier saw an unauthenticated REGISTER (401) and then one with credentials (200).
  auto regs = registers_of(carrier.requests());
  ASSERT_GE(regs.size(), 2u) << carrier.describe();
  EXPECT_FALSE(regs[0].has_credentials);
  EXPECT_EQ(regs[0].final_response(), 401);
  EXPECT_TRUE(regs[1].has_credentials);
  EXPECT_TRUE(regs[1].auth_passed) << regs[1].describe();
  EXPECT_EQ(regs[1].final_response(), 200);
  EXPECT_EQ(regs[1].call_id, regs[0].call_id);
  EXPECT_GT(regs[1].cseq, regs[0].cseq);
  EXPECT_NE(regs[1].contact.find("gw+carrier@"), std::string::npos) << regs[1].contact;
  EXPECT_NE(regs[1].contact.find("gw=carrier"), std::string::npos) << regs[1].contact;
  const std::string call_id = regs[0].call_id;
  EXPECT_EQ(row.call_id, call_id);

  // Re-registration before the 4 s expiry: same Call-ID, CSeq always up, never an un-REGISTER.
  ASSERT_TRUE(carrier.wait_for(
      [&](const std::vector<CarrierRequest>& all) {
        int ok = 0;
        for (const auto& r : registers_of(all, call_id))
          if (r.final_response() == 200) ++ok;
        return ok >= 3;
      },
      milliseconds(12000)))
      << carrier.describe();
  regs = registers_of(carrier.requests());
  unsigned last = 0;
  for (const auto& r : regs) {
    EXPECT_EQ(r.call_id, call_id) << r.describe();
    EXPECT_GT(r.cseq, last) << r.describe();
    EXPECT_NE(r.expires, 0) << "un-REGISTER: " << r.describe();
    last = r.cseq;
  }
  // The carrier's binding never lapsed: successive 200s less than the grant apart.
  std::vector<double> ok_times;
  for (const auto& r : regs)
    if (r.final_response() == 200) ok_times.push_back(r.time);
  for (std::size_t i = 1; i < ok_times.size(); ++i) EXPECT_LT(ok_times[i] - ok_times[i - 1], 4.0);
  auto bindings = carrier.registrations();
  ASSERT_EQ(bindings.size(), 1u);
  EXPECT_EQ(bindings[0].call_id, call_id);

  row = wait_gateway_row(dsn(), "carrier", [&](const GatewayRow& r) { return r.cseq >= static_cast<long>(last); });
  EXPECT_GE(row.cseq, static_cast<long>(last));

  // Console.
  std::string status = node().api("sofia status");
  EXPECT_NE(status.find("internal::carrier\tgateway\t"), std::string::npos) << status;
  EXPECT_NE(status.find("sip:gwuser@" + carrier.address()), std::string::npos) << status;  // register_to
  std::string detail = node().api("sofia status gateway carrier");
  EXPECT_NE(detail.find("Name    \tcarrier\n"), std::string::npos) << detail;
  EXPECT_NE(detail.find("Profile \tinternal\n"), std::string::npos) << detail;
  EXPECT_NE(detail.find("Username\tgwuser\n"), std::string::npos) << detail;
  EXPECT_NE(detail.find("Password\tyes\n"), std::string::npos) << detail;
  EXPECT_NE(detail.find("Status  \tUP\n"), std::string::npos) << detail;
  EXPECT_NE(detail.find("PingState\t1/0/1\n"), std::string::npos) << detail;
  EXPECT_EQ(node().api("sofia status gateway nosuch"), "Invalid Gateway!\n");
  std::string summary = node().api("sofia status gateway");
  EXPECT_NE(summary.find("1 gateway: Inbound(Failed/Total): 0/0,Outbound(Failed/Total):0/0"), std::string::npos)
      << summary;
  // The same in XML (mod_sofia's sofia xmlstatus layouts).
  std::string xml = node().api("sofia xmlstatus");
  EXPECT_NE(xml.find("<gateway>\n<name>carrier</name>\n<type>gateway</type>\n<data>sip:gwuser@" + carrier.address() +
                     "</data>\n<state>REGED</state>\n</gateway>\n"),
            std::string::npos)
      << xml;
  std::string xml_detail = node().api("sofia xmlstatus gateway carrier");
  EXPECT_NE(xml_detail.find("    <name>carrier</name>\n    <profile>internal</profile>\n"), std::string::npos)
      << xml_detail;
  EXPECT_NE(xml_detail.find("    <state>REGED</state>\n    <status>UP</status>\n"), std::string::npos) << xml_detail;
  EXPECT_NE(node().api("sofia xmlstatus gateway").find("<gateways>\n  <gateway>\n    <name>carrier</name>"),
            std::string::npos);
  EXPECT_EQ(node().api("sofia xmlstatus gateway nosuch"), "Invalid Gateway!\n");
  EXPECT_EQ(node().api("sofia profile internal gwlist"), "carrier");
  EXPECT_EQ(node().api("sofia profile internal gwlist up"), "carrier");
  EXPECT_EQ(node().api("sofia profile internal gwlist down"), "-ERR no reply\n");
}

// gw-auth-acl decides whose challenge gets the gateway's credentials (mod_sofia):
// an ACL without the carrier's address (rfc1918.auto; the carrier is on
// 127.0.0.1) leaves its 401 unanswered — FAILED, sofia::gateway_invalid_digest_req,
// no REGISTER with credentials ever reaches the carrier; an ACL with it
// (loopback.auto) registers.
TEST_F(GatewayRegisterTest, GwAuthAclDecidesWhoseChallengeIsAnswered) {
  KamailioCarrier carrier(carrier_options());
  start_node({});
  EventWatch events(node(), "sofia::gateway_state sofia::gateway_invalid_digest_req sofia::gateway_delete");
  add_gateways({{"carrier", gateway_xml("carrier", carrier_params(carrier, {{"gw-auth-acl", "rfc1918.auto"}}))}});

  auto refused = events.wait("sofia::gateway_invalid_digest_req", nullptr, milliseconds(10000));
  ASSERT_TRUE(refused) << node().log_tail() << carrier.describe();
  EXPECT_EQ(EventWatch::get(*refused, "Gateway"), "carrier");
  EXPECT_EQ(EventWatch::get(*refused, "profile-name"), "internal");
  EXPECT_EQ(EventWatch::get(*refused, "realm"), carrier.realm());
  auto failed = events.wait("sofia::gateway_state", gateway_state_is("carrier", "FAILED"), milliseconds(5000));
  ASSERT_TRUE(failed) << node().log_tail();
  EXPECT_EQ(EventWatch::get(*failed, "Status"), "401");
  auto regs = registers_of(carrier.requests());
  ASSERT_FALSE(regs.empty());
  for (const auto& r : regs) EXPECT_FALSE(r.has_credentials) << "credentials went to a challenger outside gw-auth-acl";

  // The same gateway with an ACL holding the carrier's address registers.
  add_gateways({{"carrier", gateway_xml("carrier", carrier_params(carrier, {{"gw-auth-acl", "loopback.auto"}}))}});
  ASSERT_EQ(node().api("sofia profile internal killgw carrier").rfind("+OK", 0), 0u);
  auto deleted = events.wait("sofia::gateway_delete", nullptr, milliseconds(10000));
  ASSERT_TRUE(deleted) << node().log_tail();
  ASSERT_EQ(node().api("sofia profile internal rescan"), "Reload XML [Success]\n+OK scan complete\n");
  auto reged = events.wait("sofia::gateway_state", gateway_state_is("carrier", "REGED"), milliseconds(10000));
  ASSERT_TRUE(reged) << node().log_tail() << carrier.describe();
}

TEST_F(GatewayRegisterTest, ForbiddenFailsWithGrowingRetryAndRecoversWhenTheCarrierAccepts) {
  KamailioCarrierOptions co = carrier_options();
  co.fail_register["gwuser"] = CarrierFailure{403, "Forbidden", ""};
  KamailioCarrier carrier(co);
  start_node({});
  EventWatch events(node(), "sofia::gateway_state");
  add_gateways({{"carrier", gateway_xml("carrier", carrier_params(carrier))}});

  auto failed = events.wait("sofia::gateway_state", gateway_state_is("carrier", "FAILED"), milliseconds(10000));
  ASSERT_TRUE(failed) << node().log_tail() << carrier.describe();
  EXPECT_EQ(EventWatch::get(*failed, "Status"), "403");
  EXPECT_EQ(EventWatch::get(*failed, "Phrase"), "Forbidden");
  auto wait = events.wait("sofia::gateway_state", gateway_state_is("carrier", "FAIL_WAIT"));
  ASSERT_TRUE(wait);
  EXPECT_EQ(EventWatch::get(*wait, "Retry-Seconds"), "5");  // retry-seconds x 1 failure
  GatewayRow row = wait_gateway_row(dsn(), "carrier", [](const GatewayRow& r) { return r.state == "FAIL_WAIT"; });
  EXPECT_EQ(row.state, "FAIL_WAIT");
  EXPECT_EQ(row.failures, 1);
  EXPECT_EQ(row.last_code, 403);
  std::string status = node().api("sofia status");
  EXPECT_NE(status.find("FAIL_WAIT (retry: "), std::string::npos) << status;

  // Second failure: the wait doubles.
  auto second = events.wait("sofia::gateway_state", gateway_state_is("carrier", "FAIL_WAIT"), milliseconds(10000));
  ASSERT_TRUE(second) << node().log_tail();
  EXPECT_EQ(EventWatch::get(*second, "Retry-Seconds"), "10");
  row = wait_gateway_row(dsn(), "carrier", [](const GatewayRow& r) { return r.failures == 2; });
  EXPECT_EQ(row.failures, 2);

  // The carrier accepts again; `register` retries at once.
  carrier.clear_register_failure("gwuser");
  EXPECT_EQ(node().api("sofia profile internal register carrier"), "+OK\n");
  auto reged = events.wait("sofia::gateway_state", gateway_state_is("carrier", "REGED"), milliseconds(5000));
  ASSERT_TRUE(reged) << node().log_tail() << carrier.describe();
  row = wait_gateway_row(dsn(), "carrier", [](const GatewayRow& r) { return r.state == "REGED"; });
  EXPECT_EQ(row.failures, 0);
  // Every REGISTER of the story used one Call-ID, CSeq always up.
  auto regs = registers_of(carrier.requests());
  for (std::size_t i = 1; i < regs.size(); ++i) {
    EXPECT_EQ(regs[i].call_id, regs[0].call_id);
    EXPECT_GT(regs[i].cseq, regs[i - 1].cseq);
  }
}

TEST_F(GatewayRegisterTest, ServiceUnavailableHonoursRetryAfter) {
  KamailioCarrierOptions co = carrier_options();
  co.fail_register["gwuser"] = CarrierFailure{503, "Service Unavailable", "Retry-After: 40"};
  KamailioCarrier carrier(co);
  start_node({});
  EventWatch events(node(), "sofia::gateway_state");
  add_gateways({{"carrier", gateway_xml("carrier", carrier_params(carrier))}});
  auto wait = events.wait("sofia::gateway_state", gateway_state_is("carrier", "FAIL_WAIT"), milliseconds(10000));
  ASSERT_TRUE(wait) << node().log_tail() << carrier.describe();
  EXPECT_EQ(EventWatch::get(*wait, "Retry-Seconds"), "40");
  GatewayRow row = wait_gateway_row(dsn(), "carrier", [](const GatewayRow& r) { return r.state == "FAIL_WAIT"; });
  EXPECT_EQ(row.last_code, 503);
}

TEST_F(GatewayRegisterTest, NoAnswerTimesOut) {
  // A "carrier" that never answers: a bound UDP socket nobody reads.
  UdpSocket silent(free_port(true));
  ParamList params = {{"username", "gwuser"}, {"password", "gwsecret"}, {"realm", "silent.test"},
                      {"proxy", "127.0.0.1:" + std::to_string(silent.port())}, {"timeout-seconds", "5"},
                      {"retry-seconds", "30"}};
  start_node({});
  EventWatch events(node(), "sofia::gateway_state");
  add_gateways({{"silent", gateway_xml("silent", params)}});
  auto timeout = events.wait("sofia::gateway_state", gateway_state_is("silent", "TIMEOUT"), milliseconds(10000));
  ASSERT_TRUE(timeout) << node().log_tail();
  EXPECT_EQ(EventWatch::get(*timeout, "Status"), "408");
  ASSERT_TRUE(events.wait("sofia::gateway_state", gateway_state_is("silent", "FAIL_WAIT")));
  GatewayRow row = wait_gateway_row(dsn(), "silent", [](const GatewayRow& r) { return r.state == "FAIL_WAIT"; });
  EXPECT_EQ(row.failures, 1);
  EXPECT_EQ(row.last_code, 408);
}

TEST_F(GatewayRegisterTest, KillgwUnregistersAndRescanAddsAndRemoves) {
  KamailioCarrier carrier(carrier_options());
  start_node({});
  EventWatch events(node(), "sofia::gateway_state sofia::gateway_add sofia::gateway_delete");
  add_gateways({{"carrier", gateway_xml("carrier", carrier_params(carrier))}});
  auto first_add = events.wait("sofia::gateway_add");
  ASSERT_TRUE(first_add);
  EXPECT_EQ(EventWatch::get(*first_add, "Gateway"), "carrier");
  ASSERT_TRUE(events.wait("sofia::gateway_state", gateway_state_is("carrier", "REGED"), milliseconds(10000)))
      << node().log_tail() << carrier.describe();
  const std::string call_id = registers_of(carrier.requests()).at(0).call_id;

  EXPECT_EQ(node().api("sofia profile internal killgw nosuch"), "-ERR no such gateway.\n");
  EXPECT_EQ(node().api("sofia profile internal killgw carrier"), "+OK gateway marked for deletion.\n");
  auto deleted = events.wait("sofia::gateway_delete", nullptr, milliseconds(5000));
  ASSERT_TRUE(deleted) << node().log_tail();
  EXPECT_EQ(EventWatch::get(*deleted, "Gateway"), "carrier");
  EXPECT_TRUE(events.wait("sofia::gateway_state", gateway_state_is("carrier", "DOWN")));
  // The un-REGISTER: same Call-ID, higher CSeq, Expires 0, answered 200; the carrier forgot us.
  // (Kamailio logs its reply a moment after the node has it: wait for the line.)
  const bool unregistered = carrier.wait_for(
      [&](const std::vector<CarrierRequest>& all) {
        for (const auto& r : registers_of(all, call_id))
          if (r.expires == 0 && r.final_response() == 200) return true;
        return false;
      },
      milliseconds(3000));
  EXPECT_TRUE(unregistered) << carrier.describe();
  EXPECT_TRUE(carrier.registrations().empty());
  EXPECT_EQ(wait_count(dsn(), "select count(*) from gateways where gateway_name = 'carrier'", 0), 0);
  EXPECT_EQ(node().api("sofia status gateway carrier"), "Invalid Gateway!\n");

  // rescan: carrier is still in the config (killgw is not a config change) -> added again;
  // a new file adds "second"; removing a file removes its gateway.
  {
    std::ofstream f(node().conf_dir() + "/gateways/second.xml");
    f << gateway_xml("second", {{"register", "false"}, {"proxy", carrier.address()}});
  }
  EXPECT_EQ(node().api("sofia profile internal rescan"), "Reload XML [Success]\n+OK scan complete\n");
  std::set<std::string> added;
  for (int i = 0; i < 2; ++i) {
    auto e = events.wait("sofia::gateway_add", nullptr, milliseconds(5000));
    ASSERT_TRUE(e) << node().log_tail();
    added.insert(EventWatch::get(*e, "Gateway"));
  }
  EXPECT_EQ(added, (std::set<std::string>{"carrier", "second"}));
  ASSERT_TRUE(events.wait("sofia::gateway_state", gateway_state_is("carrier", "REGED"), milliseconds(10000)));
  EXPECT_EQ(read_gateway_row(dsn(), "second").state, "NOREG");
  EXPECT_EQ(node().api("sofia profile internal gwlist"), "carrier second");

  std::remove((node().conf_dir() + "/gateways/second.xml").c_str());
  EXPECT_EQ(node().api("sofia profile internal rescan"), "Reload XML [Success]\n+OK scan complete\n");
  auto removed = events.wait("sofia::gateway_delete", nullptr, milliseconds(5000));
  ASSERT_TRUE(removed);
  EXPECT_EQ(EventWatch::get(*removed, "Gateway"), "second");
  EXPECT_EQ(node().api("sofia profile internal gwlist"), "carrier");

  // unregister / register by command.
  EXPECT_EQ(node().api("sofia profile internal unregister carrier"), "+OK\n");
  ASSERT_TRUE(events.wait("sofia::gateway_state", gateway_state_is("carrier", "NOREG"), milliseconds(5000)));
  EXPECT_TRUE(carrier.registrations().empty());
  EXPECT_EQ(node().api("sofia profile internal register carrier"), "+OK\n");
  ASSERT_TRUE(events.wait("sofia::gateway_state", gateway_state_is("carrier", "REGED"), milliseconds(5000)));
  EXPECT_EQ(carrier.registrations().size(), 1u);
}

TEST_F(GatewayRegisterTest, AnotherNodeContinuesTheRegistrationFromTheRow) {
  KamailioCarrier carrier(carrier_options());
  const auto files = std::map<std::string, std::string>{{"carrier", gateway_xml("carrier", carrier_params(carrier))}};
  start_node(files);
  // (Node A registers as soon as it is active, possibly before any event
  // subscription: read the row, not events.)
  GatewayRow before = wait_gateway_row(
      dsn(), "carrier", [](const GatewayRow& r) { return r.state == "REGED"; }, milliseconds(10000));
  ASSERT_EQ(before.state, "REGED") << node().log_tail() << carrier.describe();
  const std::size_t seen_before = registers_of(carrier.requests()).size();
  const int port = node().sip_port();
  EXPECT_EQ(node().stop(), 0);  // a clean stop sends no un-REGISTER

  // Node B on the same address (as after a VIP takeover).
  auto node_b = make_node("gw-node-b", files, "", port);
  node_b->start_and_wait();
  // (B registers as soon as it starts: read the row, not events it may fire before we subscribe.)
  GatewayRow b_row = wait_gateway_row(
      dsn(), "carrier", [](const GatewayRow& r) { return r.node_name == "gw-node-b" && r.state == "REGED"; },
      milliseconds(10000));
  ASSERT_EQ(b_row.state, "REGED") << node_b->log_tail() << carrier.describe();
  auto regs = registers_of(carrier.requests());
  ASSERT_GT(regs.size(), seen_before);
  for (const auto& r : regs) EXPECT_NE(r.expires, 0) << "un-REGISTER: " << r.describe();
  const CarrierRequest& first_of_b = regs[seen_before];
  EXPECT_EQ(first_of_b.call_id, before.call_id);
  EXPECT_EQ(static_cast<long>(first_of_b.cseq), before.cseq + 1) << first_of_b.describe();
  GatewayRow after = wait_gateway_row(dsn(), "carrier", [](const GatewayRow& r) {
    return r.node_name == "gw-node-b" && r.state == "REGED";
  });
  EXPECT_EQ(after.node_name, "gw-node-b");
  EXPECT_EQ(after.call_id, before.call_id);
  EXPECT_GT(after.cseq, before.cseq);
  auto bindings = carrier.registrations();
  ASSERT_EQ(bindings.size(), 1u);
  EXPECT_EQ(bindings[0].call_id, before.call_id);
}

TEST_F(GatewayRegisterTest, FirstRegistersOfManyGatewaysAreSpreadOverTime) {
  KamailioCarrier carrier(carrier_options());
  start_node({});
  EventWatch events(node(), "sofia::gateway_state");
  std::map<std::string, std::string> files;
  for (int i = 0; i < 10; ++i) {
    const std::string name = "trunk" + std::to_string(i);
    files[name] = gateway_xml(name, carrier_params(carrier));
  }
  add_gateways(files);
  ASSERT_TRUE(carrier.wait_for(
      [](const std::vector<CarrierRequest>& all) {
        std::set<std::string> call_ids;
        for (const auto& r : all)
          if (r.method == "REGISTER") call_ids.insert(r.call_id);
        return call_ids.size() == 10;
      },
      milliseconds(10000)))
      << carrier.describe();
  // The first REGISTER of each registration: 50 ms apart, so about 450 ms from first to last.
  std::map<std::string, double> first;
  for (const auto& r : registers_of(carrier.requests()))
    if (!first.count(r.call_id)) first[r.call_id] = r.time;
  double lo = 1e18, hi = 0;
  for (const auto& [id, t] : first) {
    lo = std::min(lo, t);
    hi = std::max(hi, t);
  }
  EXPECT_GE(hi - lo, 0.4) << "10 gateways started their registrations within " << (hi - lo) * 1000 << " ms";
  EXPECT_LE(hi - lo, 2.0);
}

}  // namespace
}  // namespace sipedge::test
