// Gateway health (issue 5): OPTIONS pings and what they drive, against SIP
// peers the test controls (ScriptedPeer below: a thread on a loopback UDP
// socket that answers REGISTER and OPTIONS with a code the test sets at run
// time, not at all, or with garbage bytes):
// - ping=5 ping-min=1 ping-max=1: DOWN when the peer answers 503 or stops
//   answering (a ping unanswered for a whole interval counts as failed), UP
//   again on 200, each with a sofia::gateway_state event (Ping-Status); a
//   REGED gateway that goes DOWN is FAILED then FAIL_WAIT; gwlist up/down,
//   the gateways row (status, ping_count) and `sofia status gateway` follow;
//   a call to the DOWN gateway fails with GATEWAY_DOWN.
// - upstreams that answer REGISTER with garbage, a 5xx storm or endless stale
//   challenges: TIMEOUT/FAILED + FAIL_WAIT with a growing retry, REGISTERs
//   bounded by the retry schedule (no tight loop), a quiet node log.
// - sofia_gateway_data ivar|ovar|var, startgw, killgw _all_.
// - mod_sofia behaviours (sofia_reg.c, mod_sofia.c) the node must share: a
//   failed registration takes the gateway DOWN; `sofia status` shows the
//   gateway's register_to (sip:username@proxy); startgw reloads the XML.
// - rows of gateways started while standby are written once active; a
//   REGISTER or ping the gateway gave up on is not retransmitted any more.
// Wall time: ~75 s (the ping interval cannot be below 5 s).
//
// Threads: the test thread drives the node and reads the peers' records;
// each ScriptedPeer has one thread of its own (mutex-guarded state).
#include <atomic>
#include <mutex>
#include <thread>

#include "tests/integration/gateway_fixture.h"

namespace sipedge::test {
namespace {

using namespace gateways;

// ------------------------------------------------------------ the peer

// How the peer answers one method.
struct PeerAnswer {
  enum class Kind { code, silent, garbage, stale_challenge };
  Kind kind = Kind::code;
  int code = 200;
  int copies = 1;  // the same answer sent this many times (a response storm)

  static PeerAnswer with(int code, int copies = 1) { return {Kind::code, code, copies}; }
  static PeerAnswer silent() { return {Kind::silent, 0, 0}; }
  static PeerAnswer garbage() { return {Kind::garbage, 0, 1}; }
  static PeerAnswer stale_challenge() { return {Kind::stale_challenge, 401, 1}; }
};

// One request the peer received (retransmissions included).
struct PeerRequest {
  std::string method, call_id;
  unsigned cseq = 0;
  Clock::time_point at;
};

class ScriptedPeer {
 public:
  explicit ScriptedPeer(int granted_expires = 60) : granted_expires_(granted_expires), socket_(free_port(true)) {
    thread_ = std::thread([this] { run(); });
  }
  ~ScriptedPeer() {
    stop_ = true;
    thread_.join();
  }
  ScriptedPeer(const ScriptedPeer&) = delete;
  ScriptedPeer& operator=(const ScriptedPeer&) = delete;

  int port() const { return socket_.port(); }
  std::string address() const { return "127.0.0.1:" + std::to_string(port()); }

  void answer_options(PeerAnswer a) {
    std::lock_guard lock(mutex_);
    options_ = a;
  }
  void answer_register(PeerAnswer a) {
    std::lock_guard lock(mutex_);
    register_ = a;
  }

  std::vector<PeerRequest> requests(const std::string& method, Clock::time_point since = {}) const {
    std::lock_guard lock(mutex_);
    std::vector<PeerRequest> out;
    for (const auto& r : received_)
      if (r.method == method && r.at >= since) out.push_back(r);
    return out;
  }
  // Transactions (distinct Call-ID + CSeq) of `method` since `since`: retransmissions count once.
  std::size_t transactions(const std::string& method, Clock::time_point since = {}) const {
    std::set<std::string> keys;
    for (const auto& r : requests(method, since)) keys.insert(r.call_id + "/" + std::to_string(r.cseq));
    return keys.size();
  }
  bool wait_for(const std::string& method, std::size_t count, milliseconds timeout) const {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      if (requests(method).size() >= count) return true;
      std::this_thread::sleep_for(milliseconds(20));
    }
    return requests(method).size() >= count;
  }
  std::string describe() const {
    std::lock_guard lock(mutex_);
    std::string out = "peer " + address() + " received " + std::to_string(received_.size()) + " requests:\n";
    const auto t0 = received_.empty() ? Clock::now() : received_.front().at;
    for (const auto& r : received_)
      out += "  +" + std::to_string(std::chrono::duration_cast<milliseconds>(r.at - t0).count()) + "ms " + r.method +
             " cseq " + std::to_string(r.cseq) + " " + r.call_id + "\n";
    return out;
  }

 private:
  void run() {
    while (!stop_) {
      std::optional<std::string> datagram = socket_.receive(milliseconds(50));
      if (!datagram) continue;
      const std::string& msg = *datagram;
      std::string method = method_of(msg);
      if (method.empty() || method == "ACK") continue;  // responses, ACKs
      PeerRequest r;
      r.method = method;
      r.call_id = header_value(msg, "Call-ID", "i");
      r.cseq = static_cast<unsigned>(std::strtoul(header_value(msg, "CSeq").c_str(), nullptr, 10));
      r.at = Clock::now();
      PeerAnswer answer;
      {
        std::lock_guard lock(mutex_);
        received_.push_back(r);
        answer = method == "REGISTER" ? register_ : method == "OPTIONS" ? options_ : PeerAnswer::with(405);
      }
      reply(msg, method, answer);
    }
  }

  void reply(const std::string& request, const std::string& method, const PeerAnswer& answer) {
    const int to_port = via_port(request);
    switch (answer.kind) {
      case PeerAnswer::Kind::silent:
        return;
      case PeerAnswer::Kind::garbage: {
        // Bytes no parser takes, then a "response" on the right branch that
        // lacks every mandatory header but Via.
        socket_.send_to(to_port, std::string("\x01\x02\xff\xfe garbage \x00\x7f{}\r\n\r\n", 25));
        std::string half = "SIP/2.0 200 OK\r\n";
        for (const auto& v : header_values(request, "Via", "v")) half += "Via: " + v + "\r\n";
        half += "Content-Length: 5\r\n\r\n";  // and a body shorter than announced
        socket_.send_to(to_port, half);
        return;
      }
      case PeerAnswer::Kind::stale_challenge: {
        std::string extra = "WWW-Authenticate: Digest realm=\"peer.test\", nonce=\"" + std::to_string(++nonce_) +
                            "abcdef\", algorithm=MD5, qop=\"auth\", stale=true\r\n";
        socket_.send_to(to_port, response(request, 401, "Unauthorized", extra));
        return;
      }
      case PeerAnswer::Kind::code:
        break;
    }
    std::string extra;
    if (method == "REGISTER" && answer.code >= 200 && answer.code < 300) {
      for (const auto& c : contacts_of(request))
        extra += "Contact: " + c + ";expires=" + std::to_string(granted_expires_) + "\r\n";
    }
    if (method == "OPTIONS" && answer.code == 200) extra += "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS\r\n";
    const std::string text = response(request, answer.code, phrase(answer.code), extra);
    for (int i = 0; i < answer.copies; ++i) socket_.send_to(to_port, text);
  }

  std::string response(const std::string& request, int code, const std::string& reason, const std::string& extra) {
    std::string out = "SIP/2.0 " + std::to_string(code) + " " + reason + "\r\n";
    for (const auto& v : header_values(request, "Via", "v")) out += "Via: " + v + "\r\n";
    out += "From: " + header_value(request, "From", "f") + "\r\n";
    std::string to = header_value(request, "To", "t");
    if (to.find(";tag=") == std::string::npos) to += ";tag=peer-" + std::to_string(port());
    out += "To: " + to + "\r\n";
    out += "Call-ID: " + header_value(request, "Call-ID", "i") + "\r\n";
    out += "CSeq: " + header_value(request, "CSeq") + "\r\n";
    out += extra;
    out += "Server: gateway-health-test-peer\r\nContent-Length: 0\r\n\r\n";
    return out;
  }

  static std::string phrase(int code) {
    switch (code) {
      case 200: return "OK";
      case 403: return "Forbidden";
      case 404: return "Not Found";
      case 405: return "Method Not Allowed";
      case 500: return "Server Internal Error";
      case 503: return "Service Unavailable";
      default: return "Whatever";
    }
  }

  // The port of the top Via's sent-by (the node's profile port).
  static int via_port(const std::string& request) {
    std::string via = header_value(request, "Via", "v");
    std::string sent_by = via.substr(via.find(' ') + 1);
    sent_by = sent_by.substr(0, sent_by.find_first_of(";, "));
    auto colon = sent_by.rfind(':');
    return colon == std::string::npos ? 5060 : std::atoi(sent_by.c_str() + colon + 1);
  }

  const int granted_expires_;
  UdpSocket socket_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  PeerAnswer options_ = PeerAnswer::with(200);
  PeerAnswer register_ = PeerAnswer::with(200);
  std::vector<PeerRequest> received_;
  unsigned nonce_ = 0;
  std::thread thread_;
};

// --------------------------------------------------------------- helpers

std::function<bool(const EslFrame&)> ping_status_is(const std::string& gateway, const std::string& status) {
  return [gateway, status](const EslFrame& e) {
    return EventWatch::get(e, "Gateway") == gateway && EventWatch::get(e, "Ping-Status") == status;
  };
}

long last_ping_status(const std::string& dsn, const std::string& gateway) {
  return count_of(dsn, "select coalesce(last_ping_status, -1) from gateways where gateway_name = '" + gateway + "'");
}

// Lines of the node log that mention `word`.
std::size_t log_lines_with(const NodeProcess& node, const std::string& word) {
  std::size_t n = 0;
  for (const auto& line : lines_of(node.log()))
    if (contains(line, word)) ++n;
  return n;
}

double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// A registering gateway to `peer` with OPTIONS every 5 s (the minimum).
ParamList pinged_params(const ScriptedPeer& peer, ParamList extra = {}) {
  ParamList p = {{"username", "gwuser"}, {"password", "gwsecret"}, {"realm", "peer.test"},
                 {"proxy", peer.address()}, {"expire-seconds", "60"}, {"ping", "5"},
                 {"ping-min", "1"}, {"ping-max", "1"}};
  p.insert(p.end(), extra.begin(), extra.end());
  return p;
}

class GatewayHealthTest : public GatewayTest {};

// ------------------------------------------------------------ the tests

TEST_F(GatewayHealthTest, PingsTakeTheGatewayDownAndUpAndADownGatewayRejectsCalls) {
  ScriptedPeer peer;
  // retry-seconds 30: the registration that the pings failed stays in
  // FAIL_WAIT for the whole test (no REGISTER in between changes the story).
  start_node({}, extension("123", {{"bridge", "sofia/gateway/peer/123"}}));
  auto events = std::make_unique<EventWatch>(node(), "sofia::gateway_state");
  add_gateways({{"peer", gateway_xml("peer", pinged_params(peer, {{"retry-seconds", "30"}}))}});

  // Registered, and the first ping (within one interval) answered 200: count 1/1.
  auto reged = events->wait("sofia::gateway_state", gateway_state_is("peer", "REGED"), milliseconds(5000));
  ASSERT_TRUE(reged) << node().log_tail() << peer.describe();
  EXPECT_EQ(EventWatch::get(*reged, "Ping-Status"), "UP");
  GatewayRow row = wait_gateway_row(dsn(), "peer", [](const GatewayRow& r) { return r.ping_count == 1; },
                                    milliseconds(8000));
  ASSERT_EQ(row.ping_count, 1) << node().log_tail() << peer.describe();
  EXPECT_EQ(row.status, "UP");
  EXPECT_EQ(row.state, "REGED");
  EXPECT_EQ(last_ping_status(dsn(), "peer"), 200);
  EXPECT_GE(peer.transactions("OPTIONS"), 1u);
  std::string detail = node().api("sofia status gateway peer");
  EXPECT_NE(detail.find("PingState\t1/1/1\n"), std::string::npos) << detail;
  EXPECT_NE(detail.find("PingFreq\t5\n"), std::string::npos) << detail;
  EXPECT_EQ(node().api("sofia profile internal gwlist up"), "peer");

  // 503 to the pings: DOWN at the next ping; the registration fails (FAILED, then FAIL_WAIT).
  events = std::make_unique<EventWatch>(node(), "sofia::gateway_state");
  peer.answer_options(PeerAnswer::with(503));
  auto down = events->wait("sofia::gateway_state", ping_status_is("peer", "DOWN"), milliseconds(8000));
  ASSERT_TRUE(down) << node().log_tail() << peer.describe();
  auto failed = events->wait("sofia::gateway_state", gateway_state_is("peer", "FAILED"), milliseconds(2000));
  ASSERT_TRUE(failed) << node().log_tail();
  EXPECT_EQ(EventWatch::get(*failed, "Ping-Status"), "DOWN");
  EXPECT_EQ(EventWatch::get(*failed, "Status"), "503");
  auto fail_wait = events->wait("sofia::gateway_state", gateway_state_is("peer", "FAIL_WAIT"), milliseconds(2000));
  ASSERT_TRUE(fail_wait) << node().log_tail();
  EXPECT_EQ(EventWatch::get(*fail_wait, "Retry-Seconds"), "30");
  row = wait_gateway_row(dsn(), "peer", [](const GatewayRow& r) { return r.status == "DOWN" && r.state == "FAIL_WAIT"; });
  EXPECT_EQ(row.status, "DOWN");
  EXPECT_EQ(row.state, "FAIL_WAIT");
  EXPECT_EQ(row.ping_count, 0);
  EXPECT_EQ(row.failures, 1);
  EXPECT_EQ(last_ping_status(dsn(), "peer"), 503);
  EXPECT_EQ(node().api("sofia profile internal gwlist down"), "peer");
  EXPECT_EQ(node().api("sofia profile internal gwlist up"), "-ERR no reply\n");
  std::string status = node().api("sofia status");
  EXPECT_NE(status.find("FAIL_WAIT (retry: "), std::string::npos) << status;

  // A call to the DOWN gateway fails at once with GATEWAY_DOWN; nothing reaches the peer.
  {
    ChannelEvents channels(node(), "CHANNEL_HANGUP");
    Caller c;
    c.scenario = "call_uac_reject.xml";
    c.service = "123";
    SippResult caller = run_sipp(caller_options(c, node().sip_port()));
    EXPECT_EQ(caller.exit_code, 0) << caller.describe();
    EXPECT_TRUE(contains(caller.messages, "SIP/2.0 503")) << caller.messages;  // GATEWAY_DOWN's SIP status
    auto hangup = channels.wait("CHANNEL_HANGUP", direction_is("inbound"), milliseconds(5000));
    ASSERT_TRUE(hangup) << channels.describe_seen() << node().log_tail();
    EXPECT_EQ(EventWatch::get(*hangup, "Hangup-Cause"), "GATEWAY_DOWN");
    EXPECT_TRUE(peer.requests("INVITE").empty()) << peer.describe();
  }
  detail = node().api("sofia status gateway peer");
  EXPECT_NE(detail.find("Status  \tDOWN\n"), std::string::npos) << detail;
  EXPECT_NE(detail.find("PingState\t1/0/1\n"), std::string::npos) << detail;
  EXPECT_NE(detail.find("FailedCallsOUT\t1\n"), std::string::npos) << detail;
  EXPECT_NE(detail.find("Uptime  \t0s\n"), std::string::npos) << detail;
  EXPECT_NE(node().api("sofia status gateway").find("0/0\t1/"), std::string::npos);

  // 200 again: UP at the next ping.
  events = std::make_unique<EventWatch>(node(), "sofia::gateway_state");
  peer.answer_options(PeerAnswer::with(200));
  auto up = events->wait("sofia::gateway_state", ping_status_is("peer", "UP"), milliseconds(8000));
  ASSERT_TRUE(up) << node().log_tail() << peer.describe();
  row = wait_gateway_row(dsn(), "peer", [](const GatewayRow& r) { return r.status == "UP"; });
  EXPECT_EQ(row.status, "UP");
  EXPECT_EQ(row.ping_count, 1);
  EXPECT_EQ(node().api("sofia profile internal gwlist up"), "peer");
  EXPECT_EQ(node().api("sofia profile internal gwlist down"), "-ERR no reply\n");

  // The peer stops answering: the ping unanswered for a whole interval counts
  // as failed (nta's own timeout, 32 s, is not waited for).
  events = std::make_unique<EventWatch>(node(), "sofia::gateway_state");
  const auto silent_since = Clock::now();
  peer.answer_options(PeerAnswer::silent());
  auto silent_down = events->wait("sofia::gateway_state", ping_status_is("peer", "DOWN"), milliseconds(13000));
  const auto down_at = Clock::now();
  ASSERT_TRUE(silent_down) << node().log_tail() << peer.describe();
  auto unanswered = peer.requests("OPTIONS", silent_since);
  ASSERT_FALSE(unanswered.empty()) << peer.describe();
  const double waited = seconds_between(unanswered.front().at, down_at);
  EXPECT_GE(waited, 4.0) << "DOWN before the unanswered ping had its interval\n" << peer.describe();
  EXPECT_LE(waited, 7.0) << peer.describe();
  row = wait_gateway_row(dsn(), "peer", [](const GatewayRow& r) { return r.status == "DOWN"; });
  EXPECT_EQ(row.status, "DOWN");
  EXPECT_EQ(row.ping_count, 0);
  EXPECT_EQ(last_ping_status(dsn(), "peer"), 408);
  EXPECT_EQ(node().api("sofia profile internal gwlist down"), "peer");

  // And back.
  events = std::make_unique<EventWatch>(node(), "sofia::gateway_state");
  peer.answer_options(PeerAnswer::with(200));
  ASSERT_TRUE(events->wait("sofia::gateway_state", ping_status_is("peer", "UP"), milliseconds(8000)))
      << node().log_tail() << peer.describe();
  EXPECT_EQ(wait_gateway_row(dsn(), "peer", [](const GatewayRow& r) { return r.status == "UP"; }).status, "UP");
}

TEST_F(GatewayHealthTest, MisbehavingUpstreamsBackOffWithoutATightLoopOrALogFlood) {
  ScriptedPeer junk;   // garbage for every REGISTER and OPTIONS
  ScriptedPeer storm;  // every REGISTER answered 503, three times over
  ScriptedPeer stale;  // every REGISTER challenged again with stale=true
  junk.answer_register(PeerAnswer::garbage());
  junk.answer_options(PeerAnswer::garbage());
  storm.answer_register(PeerAnswer::with(503, 3));
  stale.answer_register(PeerAnswer::stale_challenge());
  start_node({});
  auto events = std::make_unique<EventWatch>(node(), "sofia::gateway_state");
  const std::size_t log_before = lines_of(node().log()).size();
  const auto start = Clock::now();
  add_gateways({
      {"junkpeer", gateway_xml("junkpeer", pinged_params(junk, {{"timeout-seconds", "5"}, {"retry-seconds", "5"}}))},
      {"stormpeer", gateway_xml("stormpeer", {{"username", "gwuser"}, {"password", "gwsecret"}, {"realm", "peer.test"},
                                              {"proxy", storm.address()}, {"retry-seconds", "5"}})},
      {"stalepeer", gateway_xml("stalepeer", {{"username", "gwuser"}, {"password", "gwsecret"}, {"realm", "peer.test"},
                                              {"proxy", stale.address()}, {"retry-seconds", "5"}})},
  });

  // The 5xx storm: FAILED with 503, FAIL_WAIT 5 s, then 10 s.
  auto storm_failed = events->wait("sofia::gateway_state", gateway_state_is("stormpeer", "FAILED"), milliseconds(5000));
  ASSERT_TRUE(storm_failed) << node().log_tail() << storm.describe();
  EXPECT_EQ(EventWatch::get(*storm_failed, "Status"), "503");
  auto storm_wait = events->wait("sofia::gateway_state", gateway_state_is("stormpeer", "FAIL_WAIT"));
  ASSERT_TRUE(storm_wait);
  EXPECT_EQ(EventWatch::get(*storm_wait, "Retry-Seconds"), "5");
  // Endless stale challenges: given up after a few, FAILED with 401.
  auto stale_failed = events->wait("sofia::gateway_state", gateway_state_is("stalepeer", "FAILED"), milliseconds(5000));
  ASSERT_TRUE(stale_failed) << node().log_tail() << stale.describe();
  EXPECT_EQ(EventWatch::get(*stale_failed, "Status"), "401");
  // Garbage: nothing parsable ever comes back, so timeout-seconds (5) end it.
  auto junk_timeout = events->wait("sofia::gateway_state", gateway_state_is("junkpeer", "TIMEOUT"), milliseconds(8000));
  ASSERT_TRUE(junk_timeout) << node().log_tail() << junk.describe();
  EXPECT_EQ(EventWatch::get(*junk_timeout, "Status"), "408");
  EXPECT_GE(seconds_between(start, Clock::now()), 4.5);
  auto junk_wait = events->wait("sofia::gateway_state", gateway_state_is("junkpeer", "FAIL_WAIT"));
  ASSERT_TRUE(junk_wait);
  EXPECT_EQ(EventWatch::get(*junk_wait, "Retry-Seconds"), "5");
  // The junk peer's garbage answers to OPTIONS are no answers: DOWN.
  EXPECT_TRUE(events->wait("sofia::gateway_state", ping_status_is("junkpeer", "DOWN"), milliseconds(12000)))
      << node().log_tail() << junk.describe();

  // Second round: the storm's wait grows. (The junk peer's next attempt waits
  // until nta ends the REGISTER it gave up on, ~32 s after it left: RFC 3261
  // 10.2, no new REGISTER before the previous one got its answer or timed out.)
  auto storm_wait2 = events->wait("sofia::gateway_state", gateway_state_is("stormpeer", "FAIL_WAIT"), milliseconds(8000));
  ASSERT_TRUE(storm_wait2) << node().log_tail() << storm.describe();
  EXPECT_EQ(EventWatch::get(*storm_wait2, "Retry-Seconds"), "10");

  // Watch until 20 s after the start, then count what the peers received.
  const auto window_end = start + std::chrono::seconds(20);
  std::this_thread::sleep_until(window_end);
  const double window = seconds_between(start, Clock::now());

  // Attempts (new CSeqs) allowed by the schedule (5 s, 10 s, 15 s waits):
  // storm at ~0, 5, 15 s; junk at ~0, 10 (+5 s timeouts); stale at ~0, 5, 15 s
  // with at most 4 REGISTERs (challenges) each. One attempt of slack.
  const std::size_t storm_attempts = storm.transactions("REGISTER");
  EXPECT_GE(storm_attempts, 2u) << storm.describe();
  EXPECT_LE(storm_attempts, 4u) << "a tight loop? " << window << " s\n" << storm.describe();
  const std::size_t junk_attempts = junk.transactions("REGISTER");
  EXPECT_EQ(junk_attempts, 1u) << junk.describe();
  const std::size_t stale_registers = stale.transactions("REGISTER");
  EXPECT_GE(stale_registers, 2u) << stale.describe();
  EXPECT_LE(stale_registers, 4u * 4u) << stale.describe();
  // Pings: one per 5 s interval.
  EXPECT_LE(junk.transactions("OPTIONS"), static_cast<std::size_t>(window / 5) + 2) << junk.describe();
  for (const auto* p : {&junk, &storm, &stale})
    EXPECT_TRUE(p->requests("INVITE").empty());

  // Rows: the failures count the attempts.
  GatewayRow storm_row = wait_gateway_row(dsn(), "stormpeer", [](const GatewayRow& r) { return r.failures >= 2; });
  EXPECT_GE(storm_row.failures, 2);
  EXPECT_EQ(storm_row.last_code, 503);
  GatewayRow junk_row = read_gateway_row(dsn(), "junkpeer");
  EXPECT_GE(junk_row.failures, 1);
  EXPECT_EQ(junk_row.status, "DOWN");

  // A quiet log: a few lines per attempt, not one per datagram.
  const std::size_t attempts = storm_attempts + junk_attempts + stale_registers;
  EXPECT_LE(log_lines_with(node(), "junkpeer"), 8 * junk_attempts + 10) << node().log_tail(100);
  EXPECT_LE(log_lines_with(node(), "stormpeer"), 8 * storm_attempts + 10) << node().log_tail(100);
  EXPECT_LE(log_lines_with(node(), "stalepeer"), 8 * stale_registers + 10) << node().log_tail(100);
  const std::size_t log_after = lines_of(node().log()).size();
  EXPECT_LE(log_after - log_before, 12 * attempts + 60) << node().log_tail(150);

  // The node still answers (no crash on the garbage).
  EXPECT_FALSE(starts_with(node().api("status"), "-ERR"));
}

TEST_F(GatewayHealthTest, GatewayDataStartgwAndKillgwAll) {
  const std::string vars =
      "      <variable name=\"in_only\" value=\"i\" direction=\"inbound\"/>\n"
      "      <variable name=\"out_only\" value=\"o\" direction=\"outbound\"/>\n"
      "      <variable name=\"both\" value=\"b\"/>\n"
      "      <variable name=\"dup\" value=\"in-value\" direction=\"inbound\"/>\n"
      "      <variable name=\"dup\" value=\"out-value\" direction=\"outbound\"/>\n";
  // register=false and no ping: nothing leaves the node.
  start_node({{"vars", gateway_xml("vars", {{"register", "false"}, {"proxy", "127.0.0.1:9"}}, vars)},
              {"other", gateway_xml("other", {{"register", "false"}, {"proxy", "127.0.0.1:9"}})}});
  ASSERT_EQ(node().api("sofia profile internal gwlist"), "other vars");

  // Nothing found: mod_sofia writes nothing, which the event socket answers
  // "-ERR no reply" (mod_event_socket api_exec).
  const std::string kNothing = "-ERR no reply\n";
  EXPECT_EQ(node().api("sofia_gateway_data vars ivar in_only"), "i");
  EXPECT_EQ(node().api("sofia_gateway_data vars ivar out_only"), kNothing);
  EXPECT_EQ(node().api("sofia_gateway_data vars ovar out_only"), "o");
  EXPECT_EQ(node().api("sofia_gateway_data vars ovar in_only"), kNothing);
  EXPECT_EQ(node().api("sofia_gateway_data vars ivar both"), "b");
  EXPECT_EQ(node().api("sofia_gateway_data vars ovar both"), "b");
  EXPECT_EQ(node().api("sofia_gateway_data vars var in_only"), "i");
  EXPECT_EQ(node().api("sofia_gateway_data vars var out_only"), "o");
  EXPECT_EQ(node().api("sofia_gateway_data vars var both"), "b");
  EXPECT_EQ(node().api("sofia_gateway_data vars var dup"), "in-value");  // inbound first (mod_sofia)
  EXPECT_EQ(node().api("sofia_gateway_data vars ovar dup"), "out-value");
  EXPECT_EQ(node().api("sofia_gateway_data vars var nosuch"), kNothing);
  EXPECT_EQ(node().api("sofia_gateway_data other var both"), kNothing);

  EventWatch events(node(), "sofia::gateway_add sofia::gateway_delete");
  // startgw reloads the XML and starts what is new (mod_sofia's reply even for
  // a name the config does not have: nothing starts).
  std::string reply = node().api("sofia profile internal startgw nosuch");
  EXPECT_EQ(reply, "Reload XML [Success]\n+OK start gateway nosuch complete\n");
  EXPECT_EQ(node().api("sofia status gateway nosuch"), "Invalid Gateway!\n");
  // startgw of a running one: it keeps running (not started twice).
  reply = node().api("sofia profile internal startgw vars");
  EXPECT_EQ(reply, "Reload XML [Success]\n+OK start gateway vars complete\n");
  EXPECT_EQ(node().api("sofia profile internal gwlist"), "other vars");

  // killgw _all_: both deleted (events, rows, lists).
  EXPECT_EQ(node().api("sofia profile internal killgw _all_"), "+OK every gateway marked for deletion.\n");
  std::set<std::string> deleted;
  for (int i = 0; i < 2; ++i) {
    auto e = events.wait("sofia::gateway_delete", nullptr, milliseconds(5000));
    ASSERT_TRUE(e) << node().log_tail();
    deleted.insert(EventWatch::get(*e, "Gateway"));
  }
  EXPECT_EQ(deleted, (std::set<std::string>{"other", "vars"}));
  EXPECT_EQ(wait_count(dsn(), "select count(*) from gateways", 0), 0);
  EXPECT_EQ(node().api("sofia profile internal gwlist"), "-ERR no reply\n");
  EXPECT_NE(node().api("sofia status gateway").find("0 gateways: Inbound(Failed/Total): 0/0"), std::string::npos);
  EXPECT_EQ(node().api("sofia_gateway_data vars var both").find("b"), std::string::npos);
  EXPECT_EQ(node().api("sofia profile internal killgw _all_"), "+OK every gateway marked for deletion.\n");
  EXPECT_EQ(node().api("sofia profile internal killgw vars"), "-ERR no such gateway.\n");

  // startgw brings a configured gateway back.
  reply = node().api("sofia profile internal startgw vars");
  EXPECT_EQ(reply, "Reload XML [Success]\n+OK start gateway vars complete\n");
  auto added = events.wait("sofia::gateway_add", nullptr, milliseconds(5000));
  ASSERT_TRUE(added) << node().log_tail();
  EXPECT_EQ(EventWatch::get(*added, "Gateway"), "vars");
  EXPECT_EQ(node().api("sofia profile internal gwlist"), "vars");
  EXPECT_EQ(node().api("sofia_gateway_data vars var both"), "b");
  EXPECT_TRUE(wait_gateway_row(dsn(), "vars", [](const GatewayRow& r) { return r.state == "NOREG"; }).found);
}

// mod_sofia's startgw reloads the XML first (switch_xml_reload, then
// config_gateway): a gateway just added to the config starts without a rescan.
TEST_F(GatewayHealthTest, StartgwStartsAGatewayJustAddedToTheXml) {
  start_node({{"other", gateway_xml("other", {{"register", "false"}, {"proxy", "127.0.0.1:9"}})}});
  EventWatch events(node(), "sofia::gateway_add");
  {
    std::ofstream f(node().conf_dir() + "/gateways/late.xml");
    f << gateway_xml("late", {{"register", "false"}, {"proxy", "127.0.0.1:9"}});
  }
  std::string reply = node().api("sofia profile internal startgw late");
  EXPECT_TRUE(contains(reply, "+OK")) << reply;
  auto added = events.wait("sofia::gateway_add", nullptr, milliseconds(3000));
  ASSERT_TRUE(added) << reply << node().log_tail();
  EXPECT_EQ(EventWatch::get(*added, "Gateway"), "late");
  EXPECT_EQ(node().api("sofia profile internal gwlist"), "late other");
}

// mod_sofia (sofia_reg.c sofia_reg_check_gateway): REG_STATE_FAILED sets the
// gateway's status DOWN (REGED sets it UP again), and a register=true gateway
// starts DOWN (parse_gateways sets UP only for register=false). So a gateway
// whose registration fails is listed by `gwlist down` and rejects calls with
// GATEWAY_DOWN; failover dial strings (gw1|gw2) rely on it.
TEST_F(GatewayHealthTest, AFailedRegistrationTakesTheGatewayDown) {
  ScriptedPeer peer;
  peer.answer_register(PeerAnswer::with(403));
  start_node({});
  EventWatch events(node(), "sofia::gateway_state");
  add_gateways({{"peer", gateway_xml("peer", {{"username", "gwuser"}, {"password", "gwsecret"}, {"realm", "peer.test"},
                                              {"proxy", peer.address()}, {"retry-seconds", "30"}})}});
  auto wait = events.wait("sofia::gateway_state", gateway_state_is("peer", "FAIL_WAIT"), milliseconds(5000));
  ASSERT_TRUE(wait) << node().log_tail() << peer.describe();
  EXPECT_EQ(EventWatch::get(*wait, "Ping-Status"), "DOWN");
  EXPECT_EQ(node().api("sofia profile internal gwlist down"), "peer");
  std::string detail = node().api("sofia status gateway peer");
  EXPECT_NE(detail.find("Status  \tDOWN\n"), std::string::npos) << detail;
  EXPECT_EQ(wait_gateway_row(dsn(), "peer", [](const GatewayRow& r) { return r.status == "DOWN"; }).status, "DOWN");

  // The peer accepts again: REGED brings it UP.
  peer.answer_register(PeerAnswer::with(200));
  EXPECT_EQ(node().api("sofia profile internal register peer"), "+OK\n");
  auto reged = events.wait("sofia::gateway_state", gateway_state_is("peer", "REGED"), milliseconds(5000));
  ASSERT_TRUE(reged) << node().log_tail() << peer.describe();
  EXPECT_EQ(EventWatch::get(*reged, "Ping-Status"), "UP");
  EXPECT_EQ(node().api("sofia profile internal gwlist up"), "peer");
}

// mod_sofia's `sofia status` Data column of a gateway is its register_to,
// sip:<username>@<proxy> (parse_gateways), the same as `sofia status gateway`'s
// Data and the detail block's "To".
TEST_F(GatewayHealthTest, SofiaStatusDataColumnIsTheRegisterTo) {
  start_node({{"other", gateway_xml("other", {{"register", "false"}, {"username", "trunk"}, {"realm", "other.test"},
                                              {"proxy", "127.0.0.1:9"}})}});
  std::string detail = node().api("sofia status gateway other");
  EXPECT_NE(detail.find("To      \tsip:trunk@127.0.0.1:9\n"), std::string::npos) << detail;
  EXPECT_NE(detail.find("Realm   \tother.test\n"), std::string::npos) << detail;
  std::string status = node().api("sofia status");
  const std::string row = "          internal::other\tgateway\t  " + std::string(40 - 21, ' ') + "sip:trunk@127.0.0.1:9\tNOREG\n";
  EXPECT_NE(status.find(row), std::string::npos) << status;
  std::string summary = node().api("sofia status gateway");
  EXPECT_NE(summary.find("  sip:trunk@127.0.0.1:9\tNOREG\t"), std::string::npos) << summary;  // %32s
}

// Polls `cluster status` until the node's role is `role`.
::testing::AssertionResult wait_role(NodeProcess& node, const std::string& role,
                                     milliseconds timeout = milliseconds(5000)) {
  const auto deadline = Clock::now() + timeout;
  std::string status;
  while (Clock::now() < deadline) {
    status = node.api("cluster status");
    if (contains(status, "role: " + role + "\n")) return ::testing::AssertionSuccess();
    std::this_thread::sleep_for(milliseconds(50));
  }
  return ::testing::AssertionFailure() << "role never became " << role << ":\n" << status;
}

// A gateway started while the node is standby (at start, before the lease;
// or `sofia global standby on`) has its first row write fenced; once the node
// is active its row must be written: the sip_gateways view and a takeover
// read it. register=false and no ping: no later transition writes it.
TEST_F(GatewayHealthTest, RowsOfGatewaysStartedWhileStandbyAreWrittenOnceActive) {
  start_node({});
  ASSERT_TRUE(wait_role(node(), "active"));
  ASSERT_TRUE(starts_with(node().api("sofia global standby on"), "+OK"));
  ASSERT_TRUE(wait_role(node(), "standby"));
  add_gateways({{"other", gateway_xml("other", {{"register", "false"}, {"proxy", "127.0.0.1:9"}})}});
  ASSERT_EQ(node().api("sofia profile internal gwlist"), "other");
  // Its first write was refused (fenced) before the node becomes active again.
  const auto deadline = Clock::now() + milliseconds(5000);
  while (Clock::now() < deadline && log_lines_with(node(), "gateway other: state not saved") == 0)
    std::this_thread::sleep_for(milliseconds(20));
  ASSERT_GE(log_lines_with(node(), "gateway other: state not saved"), 1u) << node().log_tail();
  ASSERT_TRUE(starts_with(node().api("sofia global standby off"), "+OK"));
  ASSERT_TRUE(wait_role(node(), "active"));
  GatewayRow row = wait_gateway_row(dsn(), "other", [](const GatewayRow& r) { return r.found; }, milliseconds(3000));
  ASSERT_TRUE(row.found) << node().log_tail();
  EXPECT_EQ(row.state, "NOREG");
  EXPECT_EQ(row.status, "UP");
  EXPECT_EQ(row.node_name, "gw-node-a");
}

// When the gateway gives up on a REGISTER (timeout-seconds: TIMEOUT) or on a
// ping (unanswered for a whole interval: counted failed), nta still runs that
// transaction to its timer F (32 s; sofia-sip cannot stop a pending non-INVITE
// transaction). So the gateway sends no new one meanwhile: never two REGISTER
// transactions (RFC 3261 10.2) nor two OPTIONS to a dead peer at once.
TEST_F(GatewayHealthTest, NoOverlappingTransactionsToADeadPeer) {
  ScriptedPeer peer;
  peer.answer_register(PeerAnswer::silent());
  peer.answer_options(PeerAnswer::silent());
  start_node({});
  EventWatch events(node(), "sofia::gateway_state");
  add_gateways({{"peer", gateway_xml("peer", pinged_params(peer, {{"timeout-seconds", "5"}, {"retry-seconds", "5"}}))}});
  auto timeout = events.wait("sofia::gateway_state", gateway_state_is("peer", "TIMEOUT"), milliseconds(8000));
  ASSERT_TRUE(timeout) << node().log_tail() << peer.describe();
  // The retry is due 5 s later, and two more pings: watch past both.
  std::this_thread::sleep_for(std::chrono::seconds(8));

  std::set<unsigned> cseqs;
  for (const auto& r : peer.requests("REGISTER")) cseqs.insert(r.cseq);
  EXPECT_EQ(cseqs.size(), 1u) << "a new REGISTER went out while the previous one was still running\n"
                              << peer.describe();
  std::set<std::string> pings;
  for (const auto& r : peer.requests("OPTIONS")) pings.insert(r.call_id);
  EXPECT_EQ(pings.size(), 1u) << "a new OPTIONS went out while the previous one was still running\n" << peer.describe();
  // Each unanswered interval still counts: the gateway is DOWN.
  EXPECT_TRUE(events.wait("sofia::gateway_state", ping_status_is("peer", "DOWN"), milliseconds(1000))) << peer.describe();
}

}  // namespace
}  // namespace sipedge::test
