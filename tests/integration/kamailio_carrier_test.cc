// The Kamailio carrier harness itself (tests/support/kamailio_carrier.h): if
// these fail, the gateway tests that register to and call through it mean
// nothing. Raw UDP and SIPp clients against a real Kamailio: challenge, digest
// REGISTER with the expiry cut to max_expires, wrong password and unknown user,
// OPTIONS, injected REGISTER failures, a call relayed to a SIPp UAS with the
// BYE through the carrier, an inbound call to a registered contact, and what
// requests()/registrations() report. Needs no PostgreSQL; fails (does not
// skip) when kamailio is not installed.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <strings.h>

#include <future>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/free_port.h"
#include "tests/support/kamailio_carrier.h"
#include "tests/support/sip_socket.h"
#include "tests/support/sipp.h"
#include "tests/support/temp_dir.h"

namespace sipedge::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// Starts a carrier; a failure to start (kamailio missing, bad config) is a
// test failure with the harness's message, never a skip.
std::unique_ptr<KamailioCarrier> start(KamailioCarrierOptions options) {
  try {
    return std::make_unique<KamailioCarrier>(std::move(options));
  } catch (const std::exception& e) {
    ADD_FAILURE() << "cannot start the Kamailio carrier: " << e.what();
    return nullptr;
  }
}

// Value of a header in a raw SIP message ("" if absent).
std::string header(const std::string& message, const std::string& name) {
  std::istringstream in(message);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) break;
    if (line.size() > name.size() && strncasecmp(line.c_str(), name.c_str(), name.size()) == 0 &&
        line[name.size()] == ':')
      return line.substr(line.find_first_not_of(' ', name.size() + 1));
  }
  return "";
}

std::string raw_register(int local_port, const std::string& user, const std::string& call_id, unsigned cseq,
                         int expires) {
  std::ostringstream m;
  m << "REGISTER sip:carrier.test SIP/2.0\r\n"
    << "Via: SIP/2.0/UDP 127.0.0.1:" << local_port << ";branch=z9hG4bK-kc-" << call_id << "-" << cseq << ";rport\r\n"
    << "Max-Forwards: 70\r\n"
    << "From: <sip:" << user << "@carrier.test>;tag=kc-" << call_id << "\r\n"
    << "To: <sip:" << user << "@carrier.test>\r\n"
    << "Call-ID: " << call_id << "\r\n"
    << "CSeq: " << cseq << " REGISTER\r\n"
    << "Contact: <sip:" << user << "@127.0.0.1:" << local_port << ">\r\n"
    << "Expires: " << expires << "\r\n"
    << "User-Agent: kamailio-carrier-test\r\n"
    << "Content-Length: 0\r\n\r\n";
  return m.str();
}

// A response to `call_id` on the socket (skipping anything else), or "".
std::string receive_response(UdpSocket& socket, const std::string& call_id) {
  for (int i = 0; i < 10; ++i) {
    auto message = socket.receive(milliseconds(3000));
    if (!message) return "";
    if (header(*message, "Call-ID") == call_id && message->rfind("SIP/2.0 ", 0) == 0) return *message;
  }
  return "";
}

// SIPp with an injection file holding the [authentication] keyword (SIPp 3.6
// does not expand [fieldN] inside it; see tests/integration/registrar_fixture.h).
SippResult run_sipp_register(const KamailioCarrier& carrier, const std::string& scenario, const std::string& call_id,
                             int local_port, const std::string& user, const std::string& password,
                             const std::string& expiry) {
  TempDir dir("kc-inf");
  std::string inf = dir.write("users.csv", "SEQUENTIAL\n" + user + ";" + carrier.realm() +
                                               ";[authentication username=" + user + " password=" + password +
                                               "]\n");
  SippOptions o;
  o.scenario = scenario;
  o.remote_port = carrier.port();
  o.local_port = local_port;
  o.keys = {{"agent", "SIPp kamailio carrier test"}, {"expiry", expiry}};
  o.extra_args = {"-cid_str", call_id, "-inf", inf};
  return run_sipp(o);
}

const CarrierRequest* find(const std::vector<CarrierRequest>& requests, const std::string& method,
                           const std::string& call_id, unsigned cseq) {
  for (const auto& r : requests)
    if (r.method == method && r.call_id == call_id && r.cseq == cseq) return &r;
  return nullptr;
}

// Holds until the carrier logged a final response for method/call_id/cseq.
bool answered(KamailioCarrier& carrier, const std::string& method, const std::string& call_id, unsigned cseq) {
  return carrier.wait_for(
      [&](const std::vector<CarrierRequest>& rs) {
        const CarrierRequest* r = find(rs, method, call_id, cseq);
        return r && r->final_response() != 0;
      },
      milliseconds(5000));
}

KamailioCarrierOptions base_options() {
  KamailioCarrierOptions o;
  o.realm = "carrier.test";
  o.users = {{"gw1", "s3cret"}, {"gw3", "other"}};
  o.max_expires = 10;
  return o;
}

TEST(KamailioCarrierTest, MissingKamailioFailsWithAClearMessage) {
  ::setenv("SIPEDGE_KAMAILIO", "/nonexistent/kamailio", 1);
  try {
    KamailioCarrier carrier(base_options());
    ADD_FAILURE() << "a carrier started without kamailio";
  } catch (const std::runtime_error& e) {
    EXPECT_TRUE(contains(e.what(), "kamailio is not installed")) << e.what();
    EXPECT_TRUE(contains(e.what(), "install-deps")) << e.what();
  }
  ::unsetenv("SIPEDGE_KAMAILIO");
}

TEST(KamailioCarrierTest, RegisterIsChallengedThenGrantedAtMostMaxExpires) {
  auto carrier = start(base_options());
  ASSERT_TRUE(carrier);

  // No credentials: 401 with a digest challenge for the realm.
  UdpSocket raw;
  raw.send_to(carrier->port(), raw_register(raw.port(), "gw1", "kc-raw-1", 1, 3600));
  std::string challenge = receive_response(raw, "kc-raw-1");
  ASSERT_EQ(challenge.rfind("SIP/2.0 401", 0), 0u) << challenge;
  EXPECT_TRUE(contains(header(challenge, "WWW-Authenticate"), "Digest")) << challenge;
  EXPECT_TRUE(contains(header(challenge, "WWW-Authenticate"), "realm=\"carrier.test\"")) << challenge;

  // SIPp: 401, then [authentication] -> 200 with a Date and the binding's
  // expires cut to max_expires.
  const int sipp_port = free_port(true);
  SippResult r = run_sipp_register(*carrier, "registrar_register_uac.xml", "kc-digest-1", sipp_port, "gw1", "s3cret",
                                   "3600");
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(contains(r.messages, "expires=10")) << r.messages;

  ASSERT_TRUE(answered(*carrier, "REGISTER", "kc-digest-1", 2)) << carrier->describe();
  auto requests = carrier->requests("REGISTER");
  const CarrierRequest* raw_req = find(requests, "REGISTER", "kc-raw-1", 1);
  ASSERT_NE(raw_req, nullptr) << carrier->describe();
  EXPECT_FALSE(raw_req->has_credentials);
  EXPECT_FALSE(raw_req->auth_checked);
  EXPECT_EQ(raw_req->responses, std::vector<int>{401});
  EXPECT_EQ(raw_req->expires, 3600);
  EXPECT_EQ(raw_req->source, "127.0.0.1:" + std::to_string(raw.port()));
  EXPECT_EQ(raw_req->user_agent, "kamailio-carrier-test");

  const CarrierRequest* first = find(requests, "REGISTER", "kc-digest-1", 1);
  const CarrierRequest* second = find(requests, "REGISTER", "kc-digest-1", 2);
  ASSERT_NE(first, nullptr) << carrier->describe();
  ASSERT_NE(second, nullptr) << carrier->describe();
  EXPECT_FALSE(first->has_credentials);
  EXPECT_EQ(first->final_response(), 401);
  EXPECT_TRUE(second->has_credentials);
  EXPECT_TRUE(second->auth_checked);
  EXPECT_TRUE(second->auth_passed) << second->describe();
  EXPECT_EQ(second->auth_result, 1);
  EXPECT_EQ(second->auth_user, "gw1");
  EXPECT_EQ(second->final_response(), 200);
  EXPECT_EQ(second->expires, 3600);
  EXPECT_EQ(second->expires_header, "3600");
  EXPECT_EQ(second->source, "127.0.0.1:" + std::to_string(sipp_port));
  EXPECT_EQ(second->transport, "udp");
  EXPECT_TRUE(contains(second->contact, "sip:gw1@127.0.0.1:" + std::to_string(sipp_port))) << second->contact;
  EXPECT_TRUE(contains(second->to_uri, "sip:gw1@carrier.test")) << second->to_uri;
  EXPECT_GT(second->granted_expires(), 0) << second->final_contact;
  EXPECT_LE(second->granted_expires(), 10) << second->final_contact;
  EXPECT_GE(second->time, first->time);

  // The binding, as usrloc holds it; drop_registrations() forgets it.
  auto bindings = carrier->registrations();
  ASSERT_EQ(bindings.size(), 1u);
  EXPECT_EQ(bindings[0].aor, "gw1");
  EXPECT_TRUE(contains(bindings[0].contact, "sip:gw1@127.0.0.1:" + std::to_string(sipp_port))) << bindings[0].contact;
  EXPECT_EQ(bindings[0].call_id, "kc-digest-1");
  EXPECT_EQ(bindings[0].cseq, 2u);
  EXPECT_GT(bindings[0].expires, 0);
  EXPECT_LE(bindings[0].expires, 10);
  carrier->drop_registrations("gw1");
  EXPECT_TRUE(carrier->registrations().empty());
}

TEST(KamailioCarrierTest, WrongPasswordAndUnknownUserGet403AfterTheChallenge) {
  auto carrier = start(base_options());
  ASSERT_TRUE(carrier);
  SippResult wrong = run_sipp_register(*carrier, "registrar_register_forbidden_uac.xml", "kc-wrong-pw",
                                       free_port(true), "gw1", "not-the-password", "60");
  EXPECT_EQ(wrong.exit_code, 0) << wrong.describe();
  SippResult unknown = run_sipp_register(*carrier, "registrar_register_forbidden_uac.xml", "kc-unknown",
                                         free_port(true), "nobody", "whatever", "60");
  EXPECT_EQ(unknown.exit_code, 0) << unknown.describe();

  ASSERT_TRUE(answered(*carrier, "REGISTER", "kc-unknown", 2)) << carrier->describe();
  auto requests = carrier->requests();
  const CarrierRequest* w = find(requests, "REGISTER", "kc-wrong-pw", 2);
  const CarrierRequest* u = find(requests, "REGISTER", "kc-unknown", 2);
  ASSERT_NE(w, nullptr) << carrier->describe();
  ASSERT_NE(u, nullptr) << carrier->describe();
  EXPECT_TRUE(w->has_credentials);
  EXPECT_TRUE(w->auth_checked);
  EXPECT_FALSE(w->auth_passed);
  EXPECT_EQ(w->auth_result, -2);  // invalid password
  EXPECT_EQ(w->responses, std::vector<int>{403});
  EXPECT_FALSE(u->auth_passed);
  EXPECT_EQ(u->auth_result, -3);  // unknown user
  EXPECT_EQ(u->auth_user, "nobody");
  EXPECT_EQ(u->responses, std::vector<int>{403});
  EXPECT_TRUE(carrier->registrations().empty());
}

TEST(KamailioCarrierTest, WrongPasswordCanBeRechallenged) {
  KamailioCarrierOptions o = base_options();
  o.wrong_credentials_code = 401;
  o.qop = "auth";
  auto carrier = start(o);
  ASSERT_TRUE(carrier);
  // With qop=auth the right password still works...
  SippResult ok = run_sipp_register(*carrier, "registrar_register_uac.xml", "kc-qop-ok", free_port(true), "gw1",
                                    "s3cret", "5");
  EXPECT_EQ(ok.exit_code, 0) << ok.describe();
  EXPECT_TRUE(contains(ok.messages, "qop=\"auth\"")) << ok.messages;
  // ...and a wrong one gets a second 401 (the scenario expects 403: the call fails on the 401).
  SippResult wrong = run_sipp_register(*carrier, "registrar_register_forbidden_uac.xml", "kc-qop-wrong",
                                       free_port(true), "gw1", "bad", "5");
  EXPECT_NE(wrong.exit_code, 0) << wrong.describe();
  ASSERT_TRUE(answered(*carrier, "REGISTER", "kc-qop-wrong", 2)) << carrier->describe();
  auto requests = carrier->requests();
  const CarrierRequest* w = find(requests, "REGISTER", "kc-qop-wrong", 2);
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->final_response(), 401) << w->describe();
  EXPECT_EQ(w->auth_result, -2);
}

TEST(KamailioCarrierTest, OptionsIsAnswered200) {
  auto carrier = start(base_options());
  ASSERT_TRUE(carrier);
  const int port = free_port(true);
  SippOptions o;
  o.scenario = "options_uac.xml";
  o.remote_port = carrier->port();
  o.local_port = port;
  o.extra_args = {"-cid_str", "kc-options-1"};
  SippResult r = run_sipp(o);
  ASSERT_EQ(r.exit_code, 0) << r.describe();

  // Also over a raw socket (the readiness probe's own OPTIONS is not reported).
  UdpSocket raw;
  raw.send_to(carrier->port(), make_options("UDP", raw.port(), carrier->port(), "kc-options-2"));
  std::string answer = receive_response(raw, "kc-options-2");
  EXPECT_EQ(answer.rfind("SIP/2.0 200", 0), 0u) << answer;

  // And over TCP (the carrier listens on both, same port).
  o.transport = "t1";
  o.local_port = 0;
  o.extra_args = {"-cid_str", "kc-options-tcp"};
  SippResult tcp = run_sipp(o);
  EXPECT_EQ(tcp.exit_code, 0) << tcp.describe();

  ASSERT_TRUE(answered(*carrier, "OPTIONS", "kc-options-tcp", 1)) << carrier->describe();
  auto requests = carrier->requests();
  ASSERT_EQ(requests.size(), 3u) << carrier->describe();
  EXPECT_EQ(requests[0].transport, "udp");
  EXPECT_EQ(requests[2].transport, "tcp");
  EXPECT_EQ(requests[2].responses, std::vector<int>{200});
  EXPECT_EQ(requests[0].method, "OPTIONS");
  EXPECT_EQ(requests[0].call_id, "kc-options-1");
  EXPECT_EQ(requests[0].cseq, 1u);
  EXPECT_EQ(requests[0].source, "127.0.0.1:" + std::to_string(port));
  EXPECT_EQ(requests[0].request_uri, "sip:127.0.0.1:" + std::to_string(carrier->port()));
  EXPECT_TRUE(contains(requests[0].from, "sip:sipp@127.0.0.1")) << requests[0].from;
  EXPECT_EQ(requests[0].responses, std::vector<int>{200});
  EXPECT_FALSE(requests[0].has_credentials);
  EXPECT_EQ(requests[1].call_id, "kc-options-2");
}

TEST(KamailioCarrierTest, InjectedRegisterFailures) {
  KamailioCarrierOptions o = base_options();
  o.fail_register["gw2"] = CarrierFailure{503, "", "Retry-After: 7"};
  auto carrier = start(o);
  ASSERT_TRUE(carrier);

  // gw2 has no password: the failure comes at once, without a challenge.
  UdpSocket raw;
  raw.send_to(carrier->port(), raw_register(raw.port(), "gw2", "kc-fail-1", 1, 60));
  std::string answer = receive_response(raw, "kc-fail-1");
  EXPECT_EQ(answer.rfind("SIP/2.0 503 Service Unavailable", 0), 0u) << answer;
  EXPECT_EQ(header(answer, "Retry-After"), "7") << answer;

  // gw1 has one: challenged, authenticated, then refused (set at runtime).
  carrier->set_register_failure("gw1", CarrierFailure{403, "Account Suspended", ""});
  SippResult refused = run_sipp_register(*carrier, "registrar_register_forbidden_uac.xml", "kc-fail-2",
                                         free_port(true), "gw1", "s3cret", "60");
  EXPECT_EQ(refused.exit_code, 0) << refused.describe();
  EXPECT_TRUE(contains(refused.messages, "403 Account Suspended")) << refused.messages;
  ASSERT_TRUE(answered(*carrier, "REGISTER", "kc-fail-2", 2)) << carrier->describe();
  auto requests = carrier->requests();
  const CarrierRequest* r = find(requests, "REGISTER", "kc-fail-2", 2);
  ASSERT_NE(r, nullptr);
  EXPECT_TRUE(r->auth_passed);
  EXPECT_EQ(r->final_response(), 403);
  EXPECT_TRUE(carrier->registrations().empty());

  // Cleared: registers again; a changed password applies at once.
  carrier->clear_register_failure("gw1");
  carrier->set_password("gw1", "n3w");
  SippResult ok = run_sipp_register(*carrier, "registrar_register_uac.xml", "kc-fail-3", free_port(true), "gw1",
                                    "n3w", "60");
  EXPECT_EQ(ok.exit_code, 0) << ok.describe();
  EXPECT_EQ(carrier->registrations().size(), 1u);
}

// The caller's side of a call through the carrier: INVITE, 407, ACK, INVITE
// with credentials (literal, so no injection file), 200, ACK, BYE via the
// recorded route, 200.
std::string uac_with_proxy_auth(const std::string& user, const std::string& password) {
  std::string auth = "[authentication username=" + user + " password=" + password + "]";
  return R"(<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="kamailio carrier uac">
  <send retrans="500">
    <![CDATA[

      INVITE sip:+15551230000@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=z9hG4bK[pid]inv1[call_number];rport
      From: <sip:)" + user + R"(@carrier.test>;tag=[pid]SIPpTag00[call_number]
      To: <sip:+15551230000@carrier.test>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:)" + user + R"(@[local_ip]:[local_port];transport=[transport]>
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=caller 1 1 IN IP[local_ip_type] [local_ip]
      s=caller-session
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0
      a=rtpmap:0 PCMU/8000

    ]]>
  </send>
  <recv response="407" auth="true"/>
  <send>
    <![CDATA[

      ACK sip:+15551230000@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=z9hG4bK[pid]inv1[call_number];rport
      From: <sip:)" + user + R"(@carrier.test>;tag=[pid]SIPpTag00[call_number]
      [last_To:]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <send retrans="500">
    <![CDATA[

      INVITE sip:+15551230000@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=z9hG4bK[pid]inv2[call_number];rport
      From: <sip:)" + user + R"(@carrier.test>;tag=[pid]SIPpTag00[call_number]
      To: <sip:+15551230000@carrier.test>
      Call-ID: [call_id]
      CSeq: 2 INVITE
      Contact: <sip:)" + user + R"(@[local_ip]:[local_port];transport=[transport]>
      )" + auth + R"(
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=caller 1 1 IN IP[local_ip_type] [local_ip]
      s=caller-session
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0
      a=rtpmap:0 PCMU/8000

    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="200" rrs="true"/>
  <send>
    <![CDATA[

      ACK [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      From: <sip:)" + user + R"(@carrier.test>;tag=[pid]SIPpTag00[call_number]
      [last_To:]
      [routes]
      Call-ID: [call_id]
      CSeq: 2 ACK
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <send retrans="500">
    <![CDATA[

      BYE [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      From: <sip:)" + user + R"(@carrier.test>;tag=[pid]SIPpTag00[call_number]
      [last_To:]
      [routes]
      Call-ID: [call_id]
      CSeq: 3 BYE
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <recv response="200" crlf="true"/>
</scenario>
)";
}

// A SIPp UAS answering one call (tests/sipp/call_uas_answer.xml) on `port`,
// running in the background until the call ends.
std::future<SippResult> start_uas(int port, int remote_port) {
  SippOptions o;
  o.scenario = "call_uas_answer.xml";
  o.remote_port = remote_port;
  o.local_port = port;
  o.timeout = seconds(20);
  o.extra_args = {"-d", "100"};
  return std::async(std::launch::async, [o] { return run_sipp(o); });
}

TEST(KamailioCarrierTest, CallIsChallengedThenRelayedWithByeThroughTheCarrier) {
  const int uas_port = free_port(true);
  KamailioCarrierOptions o = base_options();
  o.forward_calls_to = "127.0.0.1:" + std::to_string(uas_port);
  auto carrier = start(o);
  ASSERT_TRUE(carrier);
  auto uas = start_uas(uas_port, carrier->port());

  TempDir dir("kc-uac");
  SippOptions uac;
  uac.scenario = dir.write("uac.xml", uac_with_proxy_auth("gw1", "s3cret"));
  uac.remote_port = carrier->port();
  uac.timeout = seconds(15);
  uac.extra_args = {"-cid_str", "kc-call-1"};
  SippResult caller = run_sipp(uac);
  SippResult callee = uas.get();
  ASSERT_EQ(caller.exit_code, 0) << caller.describe();
  ASSERT_EQ(callee.exit_code, 0) << callee.describe();
  // The callee saw the carrier's Record-Route and no credentials (consumed).
  EXPECT_TRUE(contains(callee.messages, "Record-Route: <sip:127.0.0.1:" + std::to_string(carrier->port())))
      << callee.messages;
  EXPECT_FALSE(contains(callee.messages, "Proxy-Authorization")) << callee.messages;

  ASSERT_TRUE(answered(*carrier, "BYE", "kc-call-1", 3)) << carrier->describe();
  auto requests = carrier->requests();
  const CarrierRequest* challenged = find(requests, "INVITE", "kc-call-1", 1);
  const CarrierRequest* invite = find(requests, "INVITE", "kc-call-1", 2);
  const CarrierRequest* bye = find(requests, "BYE", "kc-call-1", 3);
  ASSERT_NE(challenged, nullptr) << carrier->describe();
  ASSERT_NE(invite, nullptr) << carrier->describe();
  ASSERT_NE(bye, nullptr) << carrier->describe();
  EXPECT_EQ(challenged->responses, std::vector<int>{407});
  EXPECT_FALSE(challenged->has_credentials);
  EXPECT_TRUE(invite->auth_passed) << invite->describe();
  EXPECT_EQ(invite->auth_user, "gw1");
  EXPECT_EQ(invite->request_uri, "sip:+15551230000@127.0.0.1:" + std::to_string(carrier->port()));
  EXPECT_TRUE(contains(invite->to, "sip:+15551230000@carrier.test")) << invite->to;
  // tm's own 100 Trying, then the callee's 180 and 200 relayed back.
  EXPECT_EQ(invite->responses, (std::vector<int>{100, 180, 200})) << invite->describe();
  EXPECT_EQ(bye->responses, std::vector<int>{200}) << bye->describe();
  EXPECT_NE(find(requests, "ACK", "kc-call-1", 2), nullptr) << carrier->describe();
}

TEST(KamailioCarrierTest, TrustedSourceCallsARegisteredContact) {
  const int gateway_port = free_port(true);
  const int pstn_port = free_port(true);
  KamailioCarrierOptions o = base_options();
  o.max_expires = 0;
  o.trusted_sources = {"127.0.0.1:" + std::to_string(pstn_port)};
  auto carrier = start(o);
  ASSERT_TRUE(carrier);

  // The "gateway" registers from gateway_port, then answers there.
  SippResult reg = run_sipp_register(*carrier, "registrar_register_uac.xml", "kc-in-reg", gateway_port, "gw1",
                                     "s3cret", "300");
  ASSERT_EQ(reg.exit_code, 0) << reg.describe();
  auto uas = start_uas(gateway_port, carrier->port());

  SippOptions pstn;
  pstn.scenario = "call_uac_answer.xml";
  pstn.remote_port = carrier->port();
  pstn.local_port = pstn_port;
  pstn.timeout = seconds(15);
  pstn.keys = {{"hdr1", "Subject: inbound"}, {"hdr2", "Subject: inbound"},
               {"codecs", "0"}, {"sdp1", "a=rtpmap:0 PCMU/8000"}, {"sdp2", "a=ptime:20"}, {"sdp3", "a=ptime:20"}};
  pstn.extra_args = {"-s", "gw1", "-cid_str", "kc-in-call", "-d", "100"};
  SippResult caller = run_sipp(pstn);
  SippResult callee = uas.get();
  ASSERT_EQ(caller.exit_code, 0) << caller.describe();
  ASSERT_EQ(callee.exit_code, 0) << callee.describe();

  ASSERT_TRUE(answered(*carrier, "BYE", "kc-in-call", 2)) << carrier->describe();
  auto requests = carrier->requests();
  const CarrierRequest* invite = find(requests, "INVITE", "kc-in-call", 1);
  ASSERT_NE(invite, nullptr);
  EXPECT_FALSE(invite->auth_checked);
  EXPECT_EQ(invite->source, "127.0.0.1:" + std::to_string(pstn_port));
  EXPECT_EQ(invite->final_response(), 200) << invite->describe();
}

}  // namespace
}  // namespace sipedge::test
