// Calls through a gateway (issue 5), with Kamailio as the carrier:
// - outbound: a phone (SIPp UAC) dials 9<number>; the dialplan bridges
//   sofia/gateway/carrier/<number>; the carrier challenges the INVITE (407),
//   the node answers with the gateway's credentials, the carrier relays it to
//   the far end (SIPp UAS); destination-prefix, from-user and the gateway's
//   outbound variables (sip_h_X-...) are visible in what the far end gets;
//   BYE goes through. Counters of `sofia status gateway`.
// - inbound: the carrier routes a call from its trusted PSTN side (SIPp UAC)
//   to the gateway's registered contact (gw+carrier); the node matches the
//   gateway, uses its context and inbound variables. (That INVITE carries all
//   three marks at once: user gw+carrier, ;gw=carrier, and it comes from the
//   carrier's proxy address.) Then each of the other two marks alone: a
//   Request-URI with ;gw=carrier (user gwuser) from a SIPp on its own port,
//   and an INVITE to gwuser from the proxy address:port of a register=false
//   gateway "trunk" -- and the same INVITE from another port, not matched.
// - an unknown gateway fails with INVALID_GATEWAY.
#include "tests/integration/gateway_fixture.h"

namespace sipedge::test {
namespace {

using namespace gateways;

std::string two_context_dialplan() {
  return "<include>\n"
         "  <context name=\"default\">\n"
         "    <extension name=\"out\">\n"
         "      <condition field=\"destination_number\" expression=\"^9(\\d+)$\">\n"
         "        <action application=\"bridge\" data=\"sofia/gateway/carrier/$1\"/>\n"
         "      </condition>\n"
         "    </extension>\n"
         "    <extension name=\"fenced\">\n"
         "      <condition field=\"destination_number\" expression=\"^7(\\d+)$\">\n"
         "        <action application=\"bridge\" data=\"sofia/gateway/fenced/$1\"/>\n"
         "      </condition>\n"
         "    </extension>\n"
         "    <extension name=\"bad\">\n"
         "      <condition field=\"destination_number\" expression=\"^8(\\d+)$\">\n"
         "        <action application=\"bridge\" data=\"sofia/gateway/nosuch/$1\"/>\n"
         "      </condition>\n"
         "    </extension>\n"
         "  </context>\n"
         "  <context name=\"from_carrier\">\n"
         "    <extension name=\"in\">\n"
         "      <condition field=\"destination_number\" expression=\"^gwuser$\">\n"
         "        <action application=\"bridge\" data=\"user/1001@example.com\"/>\n"
         "      </condition>\n"
         "    </extension>\n"
         "  </context>\n"
         "</include>\n";
}

class GatewayCallTest : public GatewayTest {
 protected:
  void SetUp() override {
    callee_port_ = free_port(true);
    pstn_port_ = free_port(true);
    KamailioCarrierOptions co = carrier_options();
    co.forward_calls_to = "127.0.0.1:" + std::to_string(callee_port_);
    co.trusted_sources = {"127.0.0.1:" + std::to_string(pstn_port_)};
    carrier_ = std::make_unique<KamailioCarrier>(co);
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    db_ = std::make_unique<TestDatabase>(std::string("gwcall_") + info->name());
    node_ = make_node_with_dialplan();
    node_->start_and_wait();
    ASSERT_TRUE(wait_registrar_ready(*node_));
    events_ = std::make_unique<EventWatch>(*node_, "sofia::gateway_state");
    ParamList params = carrier_params(*carrier_, {{"destination-prefix", "00"}, {"context", "from_carrier"}});
    add_gateways({{"carrier", gateway_xml("carrier", params,
                                          "      <variable name=\"sip_h_X-Carrier-Account\" value=\"acct42\" "
                                          "direction=\"outbound\"/>\n"
                                          "      <variable name=\"carrier_inbound\" value=\"yes\" "
                                          "direction=\"inbound\"/>\n")}});
    ASSERT_TRUE(events_->wait("sofia::gateway_state", gateway_state_is("carrier", "REGED"), milliseconds(10000)))
        << node_->log_tail() << carrier_->describe();
  }

  std::unique_ptr<NodeProcess> make_node_with_dialplan() {
    NodeOptions o;
    o.switchname = "gw-node-a";
    o.db_dsn = db_->dsn();
    o.vars_xml = "  <X-PRE-PROCESS cmd=\"set\" data=\"domain=" + kDomain + "\"/>\n";
    o.profiles[0].params = {{"context", "default"}, {"apply-register-acl", "test-loopback"}};
    o.profiles[0].extra_xml = "<gateways>\n<X-PRE-PROCESS cmd=\"include\" data=\"gateways/*.xml\"/>\n</gateways>\n";
    o.files["gateways/none.xml"] = "<include/>\n";
    o.files["dialplan/default.xml"] = two_context_dialplan();
    return std::make_unique<NodeProcess>(o);
  }

  // Gateway "trunk": no registration, proxy 127.0.0.1:proxy_port, calls from
  // it to context from_carrier with the inbound variable trunk_inbound=yes.
  void add_trunk(int proxy_port) {
    ParamList params = {{"register", "false"},
                        {"proxy", "127.0.0.1:" + std::to_string(proxy_port)},
                        {"context", "from_carrier"}};
    add_gateways({{"trunk", gateway_xml("trunk", params,
                                        "      <variable name=\"trunk_inbound\" value=\"yes\" "
                                        "direction=\"inbound\"/>\n")}});
    std::string detail = node().api("sofia status gateway trunk");
    ASSERT_NE(detail.find("127.0.0.1:" + std::to_string(proxy_port)), std::string::npos) << detail;
  }

  // An INVITE to gwuser (plain Request-URI: no gw+ user, no gw= param)
  // straight to the node from 127.0.0.1:local_port, answered by the phone
  // 1001 (scenario call_uac_answer.xml) or rejected (call_uac_reject.xml).
  SippResult call_gwuser_from(int local_port, const std::string& scenario) {
    Caller c;
    c.scenario = scenario;
    c.service = "gwuser";
    SippOptions o = caller_options(c, node().sip_port());
    o.local_port = local_port;
    return run_sipp(o);
  }

  int callee_port_ = 0;
  int pstn_port_ = 0;
  std::unique_ptr<KamailioCarrier> carrier_;
  std::unique_ptr<EventWatch> events_;
};

TEST_F(GatewayCallTest, OutboundCallAnswersTheCarriersChallengeWithTheGatewayCredentials) {
  Callee callee("call_uas_answer.xml", callee_port_, node().sip_port());
  Caller c;
  c.service = "95551234";
  SippResult caller = run_sipp(caller_options(c, node().sip_port()));
  EXPECT_EQ(caller.exit_code, 0) << caller.describe() << node().log_tail() << carrier_->describe();
  const SippResult& far_end = callee.result();
  EXPECT_EQ(far_end.exit_code, 0) << far_end.describe();

  // The carrier: first INVITE challenged, the second authenticated as the gateway user.
  auto invites = carrier_->requests("INVITE");
  ASSERT_GE(invites.size(), 2u) << carrier_->describe();
  EXPECT_FALSE(invites[0].has_credentials);
  EXPECT_EQ(invites[0].final_response(), 407);
  EXPECT_TRUE(invites[1].has_credentials);
  EXPECT_EQ(invites[1].auth_user, "gwuser");
  EXPECT_TRUE(invites[1].auth_passed) << invites[1].describe();
  EXPECT_EQ(invites[1].final_response(), 200);
  // destination-prefix "00" + the number, to the proxy; From user = from-user (the username).
  EXPECT_EQ(invites[1].request_uri.rfind("sip:005551234@" + carrier_->address(), 0), 0u) << invites[1].request_uri;
  EXPECT_EQ(invites[1].from_uri.rfind("sip:gwuser@", 0), 0u) << invites[1].from;
  EXPECT_NE(invites[1].contact.find("gw+carrier@"), std::string::npos) << invites[1].contact;
  // The BYE went through the carrier (record-route) and was answered.
  bool bye_ok = false;
  for (const auto& r : carrier_->requests("BYE"))
    if (r.final_response() == 200) bye_ok = true;
  EXPECT_TRUE(bye_ok) << carrier_->describe();

  // The far end got the gateway's outbound variable as a header.
  std::vector<std::string> received;
  for (const auto& m : lines_of(far_end.messages))
    if (m.rfind("X-Carrier-Account:", 0) == 0) received.push_back(m);
  ASSERT_FALSE(received.empty()) << far_end.messages;
  EXPECT_EQ(received[0], "X-Carrier-Account: acct42");

  std::string detail = node().api("sofia status gateway carrier");
  EXPECT_NE(detail.find("CallsOUT\t1\n"), std::string::npos) << detail;
  EXPECT_NE(detail.find("FailedCallsOUT\t0\n"), std::string::npos) << detail;
}

TEST_F(GatewayCallTest, InboundCallFromTheCarrierGetsTheGatewaysContextAndVariables) {
  // The callee of the inbound call: a phone registered as 1001.
  int phone_port = register_phone(node(), "1001");
  ASSERT_FALSE(::testing::Test::HasFailure());
  ChannelEvents channels(node(), "CHANNEL_CREATE");
  Callee phone("call_uas_answer.xml", phone_port, node().sip_port());
  Caller c;
  c.service = "gwuser";  // the carrier routes its registered user to our gw+carrier contact
  SippOptions o = caller_options(c, carrier_->port());
  o.local_port = pstn_port_;
  SippResult pstn = run_sipp(o);
  EXPECT_EQ(pstn.exit_code, 0) << pstn.describe() << node().log_tail() << carrier_->describe();
  EXPECT_EQ(phone.result().exit_code, 0) << phone.result().describe();

  auto created = channels.wait("CHANNEL_CREATE", direction_is("inbound"), milliseconds(5000));
  ASSERT_TRUE(created) << channels.describe_seen();
  EXPECT_EQ(EventWatch::get(*created, "variable_sip_gateway_name"), "carrier");
  EXPECT_EQ(EventWatch::get(*created, "variable_carrier_inbound"), "yes");
  EXPECT_EQ(EventWatch::get(*created, "Caller-Context"), "from_carrier");
  EXPECT_EQ(EventWatch::get(*created, "Caller-Destination-Number"), "gwuser");
  std::string detail = node().api("sofia status gateway carrier");
  EXPECT_NE(detail.find("CallsIN \t1\n"), std::string::npos) << detail;
}

// (2) A gw=NAME parameter in the Request-URI names the gateway, whatever the
// user part and the source: the call comes straight from a SIPp on its own
// port (not the carrier's), to sip:gwuser@node;gw=carrier.
TEST_F(GatewayCallTest, InboundCallWithTheGwParameterGetsTheGatewaysContextAndVariables) {
  int phone_port = register_phone(node(), "1001");
  ASSERT_FALSE(::testing::Test::HasFailure());
  ChannelEvents channels(node(), "CHANNEL_CREATE");
  Callee phone("call_uas_answer.xml", phone_port, node().sip_port());
  TempDir dir("sipedge-gw-param");
  Caller c;
  c.service = "gwuser";
  SippOptions o = caller_options(c, node().sip_port());
  o.scenario = scenario_with_ruri_params(dir, "call_uac_answer.xml", ";gw=carrier");
  SippResult caller = run_sipp(o);
  EXPECT_EQ(caller.exit_code, 0) << caller.describe() << node().log_tail();
  EXPECT_EQ(phone.result().exit_code, 0) << phone.result().describe();

  auto created = channels.wait("CHANNEL_CREATE", direction_is("inbound"), milliseconds(5000));
  ASSERT_TRUE(created) << channels.describe_seen();
  // Only the parameter marks it: user gwuser, source not the carrier.
  EXPECT_EQ(EventWatch::get(*created, "variable_sip_req_uri"),
            "sip:gwuser@127.0.0.1:" + std::to_string(node().sip_port()) + ";gw=carrier");
  EXPECT_NE(EventWatch::get(*created, "variable_sip_network_port"), std::to_string(carrier_->port()));
  EXPECT_EQ(EventWatch::get(*created, "variable_sip_gateway_name"), "carrier");
  EXPECT_EQ(EventWatch::get(*created, "variable_carrier_inbound"), "yes");
  EXPECT_EQ(EventWatch::get(*created, "Caller-Context"), "from_carrier");
  // Not sent to gw+carrier: the destination stays the Request-URI user.
  EXPECT_EQ(EventWatch::get(*created, "Caller-Destination-Number"), "gwuser");
  std::string detail = node().api("sofia status gateway carrier");
  EXPECT_NE(detail.find("CallsIN \t1\n"), std::string::npos) << detail;
}

// gw-auth-acl without the carrier's address (rfc1918.auto; the carrier is on
// 127.0.0.1): the carrier's 407 to a call through gateway "fenced" is not
// answered with the gateway's credentials — no INVITE with credentials reaches
// the carrier, sofia::gateway_invalid_digest_req names the gateway, the caller
// gets a failure.
TEST_F(GatewayCallTest, ChallengeFromOutsideGwAuthAclIsNotAnswered) {
  EventWatch digest(node(), "sofia::gateway_invalid_digest_req");
  ParamList params = {{"register", "false"}, {"username", "gwuser"}, {"password", "gwsecret"},
                      {"proxy", carrier_->address()}, {"gw-auth-acl", "rfc1918.auto"}};
  add_gateways({{"fenced", gateway_xml("fenced", params)}});
  Caller c;
  c.scenario = "call_uac_reject.xml";
  c.service = "75551234";
  SippResult caller = run_sipp(caller_options(c, node().sip_port()));
  EXPECT_EQ(caller.exit_code, 0) << caller.describe() << node().log_tail();
  auto finals = invite_finals(sipp_received(caller));
  ASSERT_EQ(finals.size(), 1u) << caller.describe();
  EXPECT_GE(finals[0], 400);

  auto refused = digest.wait("sofia::gateway_invalid_digest_req", nullptr, milliseconds(5000));
  ASSERT_TRUE(refused) << node().log_tail();
  EXPECT_EQ(EventWatch::get(*refused, "Gateway"), "fenced");
  EXPECT_EQ(EventWatch::get(*refused, "realm"), carrier_->realm());
  auto invites = carrier_->requests("INVITE");
  ASSERT_FALSE(invites.empty()) << carrier_->describe();
  int fenced_invites = 0;
  for (const auto& r : invites) {
    if (r.request_uri.rfind("sip:5551234@", 0) != 0) continue;
    ++fenced_invites;
    EXPECT_FALSE(r.has_credentials) << r.describe();
  }
  EXPECT_GE(fenced_invites, 1) << "no INVITE of the fenced call reached the carrier\n" << carrier_->describe();
}

// Both names in one INVITE (user gw+trunk, parameter gw=carrier): the
// gw+NAME user wins, as in mod_sofia (the parameter is only looked at when
// the user names no gateway).
TEST_F(GatewayCallTest, GwPlusUserWinsOverTheGwParameter) {
  ASSERT_NO_FATAL_FAILURE(add_trunk(free_port(true)));
  ChannelEvents channels(node(), "CHANNEL_CREATE");
  TempDir dir("sipedge-gw-both");
  Caller c;
  c.scenario = "call_uac_reject.xml";  // nobody answers 1001 here: the call fails after it is created
  c.service = "gw+trunk";
  SippOptions o = caller_options(c, node().sip_port());
  o.scenario = scenario_with_ruri_params(dir, "call_uac_reject.xml", ";gw=carrier");
  SippResult caller = run_sipp(o);
  auto created = channels.wait("CHANNEL_CREATE", direction_is("inbound"), milliseconds(5000));
  ASSERT_TRUE(created) << channels.describe_seen() << caller.describe();
  EXPECT_EQ(EventWatch::get(*created, "variable_sip_gateway_name"), "trunk");
  EXPECT_EQ(EventWatch::get(*created, "variable_trunk_inbound"), "yes");
  EXPECT_EQ(EventWatch::get(*created, "variable_carrier_inbound"), "<absent>");
}

// (3) The source address:port equal to a gateway's proxy names it: "trunk"
// (register=false, proxy 127.0.0.1:P) sends a plain INVITE to gwuser from P.
TEST_F(GatewayCallTest, InboundCallFromTheGatewaysProxyAddressGetsItsContextAndVariables) {
  const int proxy_port = free_port(true);
  ASSERT_NO_FATAL_FAILURE(add_trunk(proxy_port));
  int phone_port = register_phone(node(), "1001");
  ASSERT_FALSE(::testing::Test::HasFailure());
  ChannelEvents channels(node(), "CHANNEL_CREATE");
  Callee phone("call_uas_answer.xml", phone_port, node().sip_port());
  SippResult caller = call_gwuser_from(proxy_port, "call_uac_answer.xml");
  EXPECT_EQ(caller.exit_code, 0) << caller.describe() << node().log_tail();
  EXPECT_EQ(phone.result().exit_code, 0) << phone.result().describe();

  auto created = channels.wait("CHANNEL_CREATE", direction_is("inbound"), milliseconds(5000));
  ASSERT_TRUE(created) << channels.describe_seen();
  EXPECT_EQ(EventWatch::get(*created, "variable_sip_req_uri"),
            "sip:gwuser@127.0.0.1:" + std::to_string(node().sip_port()));
  EXPECT_EQ(EventWatch::get(*created, "variable_sip_network_ip"), "127.0.0.1");
  EXPECT_EQ(EventWatch::get(*created, "variable_sip_network_port"), std::to_string(proxy_port));
  EXPECT_EQ(EventWatch::get(*created, "variable_sip_gateway_name"), "trunk");
  EXPECT_EQ(EventWatch::get(*created, "variable_trunk_inbound"), "yes");
  EXPECT_EQ(EventWatch::get(*created, "variable_carrier_inbound"), "<absent>");
  EXPECT_EQ(EventWatch::get(*created, "Caller-Context"), "from_carrier");
  EXPECT_EQ(EventWatch::get(*created, "Caller-Destination-Number"), "gwuser");
  std::string detail = node().api("sofia status gateway trunk");
  EXPECT_NE(detail.find("CallsIN \t1\n"), std::string::npos) << detail;
}

// (3), negative: the proxy names a port, so the same INVITE from another port
// of 127.0.0.1 is no gateway's: the profile's context ("default"), where
// gwuser has no extension -> 404, NO_ROUTE_DESTINATION.
TEST_F(GatewayCallTest, InboundCallFromAnotherPortOfTheProxyHostIsNotMatched) {
  const int proxy_port = free_port(true);
  ASSERT_NO_FATAL_FAILURE(add_trunk(proxy_port));
  int other_port = free_port(true);
  while (other_port == proxy_port) other_port = free_port(true);
  ChannelEvents channels(node(), "CHANNEL_CREATE CHANNEL_HANGUP");
  SippResult caller = call_gwuser_from(other_port, "call_uac_reject.xml");
  EXPECT_EQ(caller.exit_code, 0) << caller.describe() << node().log_tail();
  EXPECT_EQ(invite_finals(sipp_received(caller)), std::vector<int>{404}) << caller.describe();

  auto created = channels.wait("CHANNEL_CREATE", direction_is("inbound"), milliseconds(5000));
  ASSERT_TRUE(created) << channels.describe_seen();
  EXPECT_EQ(EventWatch::get(*created, "variable_sip_req_uri"),
            "sip:gwuser@127.0.0.1:" + std::to_string(node().sip_port()));
  EXPECT_EQ(EventWatch::get(*created, "variable_sip_network_ip"), "127.0.0.1");
  EXPECT_EQ(EventWatch::get(*created, "variable_sip_network_port"), std::to_string(other_port));
  EXPECT_EQ(EventWatch::get(*created, "variable_sip_gateway_name"), "<absent>");
  EXPECT_EQ(EventWatch::get(*created, "variable_trunk_inbound"), "<absent>");
  EXPECT_EQ(EventWatch::get(*created, "Caller-Context"), "default");
  EXPECT_EQ(EventWatch::get(*created, "Caller-Destination-Number"), "gwuser");
  auto hangup = channels.wait("CHANNEL_HANGUP", direction_is("inbound"), milliseconds(5000));
  ASSERT_TRUE(hangup) << channels.describe_seen() << node().log_tail();
  EXPECT_EQ(EventWatch::get(*hangup, "Hangup-Cause"), "NO_ROUTE_DESTINATION");
  std::string detail = node().api("sofia status gateway trunk");
  EXPECT_NE(detail.find("CallsIN \t0\n"), std::string::npos) << detail;
}

TEST_F(GatewayCallTest, UnknownGatewayFailsWithInvalidGateway) {
  ChannelEvents channels(node(), "CHANNEL_HANGUP");
  Caller c;
  c.scenario = "call_uac_reject.xml";
  c.service = "85551234";
  SippResult caller = run_sipp(caller_options(c, node().sip_port()));
  auto hangup = channels.wait("CHANNEL_HANGUP", direction_is("inbound"), milliseconds(5000));
  ASSERT_TRUE(hangup) << channels.describe_seen() << node().log_tail();
  EXPECT_EQ(EventWatch::get(*hangup, "Hangup-Cause"), "INVALID_GATEWAY");
}

}  // namespace
}  // namespace sipedge::test
