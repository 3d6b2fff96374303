#pragma once
// Shared by tests/integration/call_*_test.cc (issue 4, the B2BUA): a node
// whose "default" context is a dialplan the test writes, callees registered
// as directory users from the port their SIPp UAS then listens on, callers
// run as SIPp UACs (tests/sipp/call_*.xml), channel events from the event
// socket, and the SQL read-backs of active_calls / call_legs / call_history.
// Every wait is bounded.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <future>
#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/registrar_fixture.h"
#include "tests/support/free_port.h"
#include "tests/support/test_database.h"

namespace sipedge::test::calls {

using namespace registrar;

// The domain of every user in these tests (vars.xml `domain`).
inline const std::string kDomain = "example.com";

// ------------------------------------------------------------- the dialplan

// One extension of the "default" context: `number` is matched exactly
// (^number$), the actions run in order ("app", "data").
inline std::string extension(const std::string& number,
                             const std::vector<std::pair<std::string, std::string>>& actions) {
  std::string out = "    <extension name=\"ext_" + number + "\">\n      <condition field=\"destination_number\" expression=\"^" +
                    number + "$\">\n";
  for (const auto& [app, data] : actions)
    out += "        <action application=\"" + xml_attr(app) + "\" data=\"" + xml_attr(data) + "\"/>\n";
  out += "      </condition>\n    </extension>\n";
  return out;
}

inline std::string dialplan_file(const std::string& extensions) {
  return "<include>\n  <context name=\"default\">\n" + extensions + "  </context>\n</include>\n";
}

// ----------------------------------------------------------- SIPp message log

// The messages SIPp sent (from its -trace_msg log), in order.
inline std::vector<std::string> sipp_sent(const SippResult& r) {
  std::vector<std::string> out;
  const std::string sep = "-----------------------------------------------";
  const std::string& log = r.messages;
  std::size_t pos = 0;
  while ((pos = log.find(sep, pos)) != std::string::npos) {
    std::size_t next = log.find(sep, pos + sep.size());
    std::string block = log.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
    pos = next == std::string::npos ? log.size() : next;
    if (!contains(block, "message sent")) continue;
    std::size_t start = block.find("\n\n");
    if (start == std::string::npos) continue;
    std::string msg = block.substr(start);
    std::size_t first = msg.find_first_not_of("\r\n");
    if (first == std::string::npos) continue;
    out.push_back(msg.substr(first));
  }
  return out;
}

inline std::string method_of(const std::string& message) {
  std::string line = status_line(message);
  if (starts_with(line, "SIP/2.0")) return "";
  return line.substr(0, line.find(' '));
}

// The Request-URI of a request ("" for a response).
inline std::string request_uri(const std::string& message) {
  if (method_of(message).empty()) return "";
  std::istringstream in(status_line(message));
  std::string method, uri;
  in >> method >> uri;
  return uri;
}

// The number and the method of the CSeq header.
inline long long cseq_number(const std::string& message) {
  return std::atoll(header_value(message, "CSeq").c_str());
}
inline std::string cseq_method(const std::string& message) {
  std::string v = header_value(message, "CSeq");
  std::size_t sp = v.find(' ');
  return sp == std::string::npos ? "" : trim(v.substr(sp + 1));
}

// The branch parameter of the top Via: tells a retransmission from a new request.
inline std::string via_branch(const std::string& message) {
  std::string via = header_value(message, "Via", "v");
  std::size_t p = via.find("branch=");
  if (p == std::string::npos) return "";
  std::string b = via.substr(p + 7);
  return b.substr(0, b.find_first_of(";, "));
}

// Requests of `method` in `messages` (received or sent), in order.
inline std::vector<std::string> requests(const std::vector<std::string>& messages, const std::string& method) {
  std::vector<std::string> out;
  for (const auto& m : messages)
    if (method_of(m) == method) out.push_back(m);
  return out;
}

// Responses with status `code` whose CSeq names `cseq_method` ("" = any).
inline std::vector<std::string> responses(const std::vector<std::string>& messages, int code,
                                          const std::string& cseq_method = "") {
  std::vector<std::string> out;
  for (const auto& m : messages) {
    if (status_code(m) != code) continue;
    if (!cseq_method.empty() && !contains(header_value(m, "CSeq"), " " + cseq_method)) continue;
    out.push_back(m);
  }
  return out;
}

// Final statuses (>= 200) of INVITE transactions, in order.
inline std::vector<int> invite_finals(const std::vector<std::string>& messages) {
  std::vector<int> out;
  for (const auto& m : messages)
    if (status_code(m) >= 200 && contains(header_value(m, "CSeq"), "INVITE")) out.push_back(status_code(m));
  return out;
}

inline std::string body_of(const std::string& message) {
  std::size_t p = message.find("\n\n");
  std::size_t q = message.find("\r\n\r\n");
  if (q != std::string::npos && (p == std::string::npos || q < p)) return message.substr(q + 4);
  if (p != std::string::npos) return message.substr(p + 2);
  return "";
}

// "tag" parameter of a From/To value.
inline std::string tag_of(const std::string& header) {
  std::size_t p = header.find(";tag=");
  if (p == std::string::npos) return "";
  std::string t = header.substr(p + 5);
  return t.substr(0, t.find_first_of(";> \r\n"));
}

// The user part of the URI in a From/To/Request-URI text.
inline std::string uri_user(const std::string& text) {
  std::size_t s = text.find("sip:");
  if (s == std::string::npos) return "";
  std::size_t at = text.find('@', s);
  if (at == std::string::npos) return "";
  return text.substr(s + 4, at - s - 4);
}

// Payload types of the first m=audio line of an SDP.
inline std::vector<std::string> audio_formats(const std::string& sdp) {
  std::vector<std::string> out;
  for (const auto& line : lines_of(sdp)) {
    if (!starts_with(line, "m=audio ")) continue;
    std::istringstream in(line.substr(8));
    std::string port, proto, fmt;
    in >> port >> proto;
    while (in >> fmt) out.push_back(fmt);
    break;
  }
  return out;
}

inline std::string formats_text(const std::vector<std::string>& formats) {
  std::string out;
  for (const auto& f : formats) out += (out.empty() ? "" : " ") + f;
  return out;
}

// ------------------------------------------------------------------- SIPp

// A caller run (UAC). The keys fill the [key] fields of tests/sipp/call_uac_*.xml.
struct Caller {
  std::string scenario = "call_uac_answer.xml";
  std::string service;  // the Request-URI user (destination_number)
  std::string hdr1 = "Subject: sipedge call test";
  std::string hdr2 = "Organization: sipedge tests";
  std::string codecs = "0 8 101";
  std::string sdp1 = "a=rtpmap:0 PCMU/8000";
  std::string sdp2 = "a=rtpmap:8 PCMA/8000";
  std::string sdp3 = "a=rtpmap:101 telephone-event/8000";
  int pause_ms = 500;  // -d: how long call_uac_answer.xml holds the call
  std::chrono::seconds timeout{15};
};

// True once something is bound to UDP 127.0.0.1:port (read from /proc, so the
// probe itself never takes the port from the SIPp that is starting).
inline bool udp_port_bound(int port) {
  char needle[32];
  std::snprintf(needle, sizeof needle, ":%04X ", port);
  for (const char* file : {"/proc/net/udp", "/proc/net/udp6"}) {
    std::ifstream in(file);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      // "  sl  local_address rem_address ..." : the local address is the 2nd field.
      std::istringstream fields(line);
      std::string sl, local;
      fields >> sl >> local;
      if ((local + " ").find(needle) != std::string::npos) return true;
    }
  }
  return false;
}

// A port for SIPp's -mp: SIPp binds it for audio and port + 2 for video, so
// the ports after it must be free too (free_port checks only the first; a
// node's SIP port right above it made the callee's SIPp exit with "Unable to
// bind video RTP socket").
inline int free_media_port() {
  for (int attempt = 0; attempt < 100; ++attempt) {
    int port = free_port(true);
    if (!udp_port_bound(port + 1) && !udp_port_bound(port + 2) && !udp_port_bound(port + 3)) return port;
  }
  throw std::runtime_error("free_media_port: no port with three free ports after it");
}

inline SippOptions caller_options(const Caller& c, int node_port) {
  SippOptions o;
  o.scenario = c.scenario;
  o.remote_port = node_port;
  o.timeout = c.timeout;
  o.keys = {{"hdr1", c.hdr1}, {"hdr2", c.hdr2}, {"codecs", c.codecs},
            {"sdp1", c.sdp1}, {"sdp2", c.sdp2}, {"sdp3", c.sdp3}};
  o.extra_args = {"-s", c.service, "-d", std::to_string(c.pause_ms), "-mp", std::to_string(free_media_port())};
  return o;
}



// True once something listens on TCP 127.0.0.1:port (state 0A in /proc/net/tcp):
// a SIPp UAS run with -t t1 is ready for the node's connection.
inline bool tcp_port_listening(int port) {
  char needle[32];
  std::snprintf(needle, sizeof needle, ":%04X", port);
  for (const char* file : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(file);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      // "  sl  local_address rem_address   st ..." : local address 2nd field, state 4th.
      std::istringstream fields(line);
      std::string sl, local, remote, state;
      fields >> sl >> local >> remote >> state;
      if (state == "0A" && local.size() >= 5 && local.compare(local.size() - 5, 5, needle) == 0) return true;
    }
  }
  return false;
}

// A SIPp UAS (a callee) running in the background on 127.0.0.1:port.
class Callee {
 public:
  Callee(std::string scenario, int port, int node_port, int pause_ms = 200,
         std::chrono::seconds timeout = std::chrono::seconds(15))
      : port_(port) {
    SippOptions o;
    o.scenario = std::move(scenario);
    o.remote_port = node_port;
    o.local_port = port;
    o.timeout = timeout;
    o.extra_args = {"-d", std::to_string(pause_ms), "-mp", std::to_string(free_media_port())};
    run_ = std::async(std::launch::async, [o] { return run_sipp(o); });
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    while (Clock::now() < deadline && !udp_port_bound(port)) {
      if (run_.wait_for(milliseconds(0)) == std::future_status::ready) break;  // SIPp already exited
      std::this_thread::sleep_for(milliseconds(20));
    }
  }
  // The same over `transport` ("u1" UDP, "t1" TCP: SIPp listens on TCP and the
  // node connects to it, e.g. for a sofia/PROFILE/user@127.0.0.1:port;transport=tcp bridge).
  Callee(std::string scenario, int port, int node_port, const std::string& transport, int pause_ms = 200,
         std::chrono::seconds timeout = std::chrono::seconds(15))
      : port_(port) {
    SippOptions o;
    o.scenario = std::move(scenario);
    o.transport = transport;
    o.remote_port = node_port;
    o.local_port = port;
    o.timeout = timeout;
    o.extra_args = {"-d", std::to_string(pause_ms), "-mp", std::to_string(free_media_port())};
    run_ = std::async(std::launch::async, [o] { return run_sipp(o); });
    const bool tcp = transport == "t1" || transport == "tn";
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    while (Clock::now() < deadline && !(tcp ? tcp_port_listening(port) : udp_port_bound(port))) {
      if (run_.wait_for(milliseconds(0)) == std::future_status::ready) break;  // SIPp already exited
      std::this_thread::sleep_for(milliseconds(20));
    }
  }
  ~Callee() {
    if (run_.valid()) run_.wait();
  }
  Callee(const Callee&) = delete;
  Callee& operator=(const Callee&) = delete;

  int port() const { return port_; }
  // Waits for SIPp to finish (its own -timeout bounds it).
  const SippResult& result() {
    if (run_.valid()) result_ = run_.get();
    return result_;
  }

 private:
  int port_;
  std::future<SippResult> run_;
  SippResult result_;
};

// ---------------------------------------------------------------- events

// The node's channel events (CHANNEL_CREATE/ANSWER/HANGUP/...): wait() keeps
// what it reads past, so the order in which a test asks does not matter.
class ChannelEvents : public EslEventWatch {
 public:
  explicit ChannelEvents(const NodeProcess& node,
                         const std::string& names = "CHANNEL_CREATE CHANNEL_ANSWER CHANNEL_BRIDGE CHANNEL_HANGUP "
                                                    "CHANNEL_HANGUP_COMPLETE")
      : EslEventWatch(node, names, "Event-Name") {}

  std::string describe_seen() const {
    std::string out;
    for (const auto& e : seen())
      out += get(e, "Event-Name") + " " + get(e, "Call-Direction") + " " + get(e, "Hangup-Cause") + " call-id=" +
             get(e, "variable_sip_call_id") + "\n";
    return out;
  }
};

inline std::function<bool(const EslFrame&)> direction_is(const std::string& direction) {
  return [direction](const EslFrame& e) { return ChannelEvents::get(e, "Call-Direction") == direction; };
}

// ------------------------------------------------------------------ SQL

inline long count_of(const std::string& dsn, const std::string& sql) {
  pqxx::connection conn(dsn);
  pqxx::read_transaction txn(conn);
  return txn.exec1(sql)[0].as<long>();
}

// Polls `sql` (a count) until it returns `want`; the last count otherwise.
inline long wait_count(const std::string& dsn, const std::string& sql, long want,
                       milliseconds timeout = milliseconds(5000)) {
  const auto deadline = Clock::now() + timeout;
  long n = -1;
  while (true) {
    n = count_of(dsn, sql);
    if (n == want || Clock::now() >= deadline) return n;
    std::this_thread::sleep_for(milliseconds(50));
  }
}

// Registers `user`@example.com at `node` with Contact sip:user@127.0.0.1:PORT
// from that port, and returns the port (a callee then listens there).
inline int register_phone(NodeProcess& node, const std::string& user) {
  int port = free_port(true);
  UdpSocket phone(port);
  RegisterRequest r;
  r.user = user;
  r.domain = kDomain;
  r.call_id = "reg-" + user + "-" + std::to_string(port);
  r.contacts = {"<sip:" + user + "@127.0.0.1:" + std::to_string(port) + ">"};
  r.expires = "3600";
  std::optional<std::string> answer = send_register(phone, node.sip_port(), r);
  EXPECT_TRUE(answer && status_code(*answer) == 200)
      << "REGISTER " << user << ": " << (answer ? status_line(*answer) : "no answer") << "\n" << node.log_tail();
  return port;
}

// ------------------------------------------------------------- the fixture

class CallTest : public ::testing::Test {
 protected:
  // Starts a node with one profile "internal" (context "default", 127.0.0.1
  // registers without a challenge) whose dialplan is `extensions`.
  void start_node(const std::string& extensions, ParamList profile_params = {}) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    db_ = std::make_unique<TestDatabase>(std::string("call_") + info->name());
    NodeOptions o;
    o.switchname = "call-node";
    o.db_dsn = db_->dsn();
    o.vars_xml = "  <X-PRE-PROCESS cmd=\"set\" data=\"domain=" + kDomain + "\"/>\n";
    ParamList params = {{"context", "default"}, {"apply-register-acl", "test-loopback"}};
    params.insert(params.end(), profile_params.begin(), profile_params.end());
    o.profiles[0].params = params;
    o.files["dialplan/default.xml"] = dialplan_file(extensions);
    node_ = std::make_unique<NodeProcess>(o);
    node_->start_and_wait();
    ASSERT_TRUE(wait_registrar_ready(*node_));
    ASSERT_EQ(wait_count(db_->dsn(), "select count(*) from information_schema.tables where table_name = 'call_history'", 1),
              1)
        << "call tables never appeared\n" << node_->log_tail();
  }

  NodeProcess& node() { return *node_; }
  const std::string& dsn() const { return db_->dsn(); }
  int node_port() const { return node_->sip_port(); }

  // Registers `user`@example.com with Contact sip:user@127.0.0.1:PORT from
  // that port, and returns the port (a callee then listens there).
  int register_user(const std::string& user) { return register_phone(*node_, user); }

  SippResult call(const Caller& c) { return run_sipp(caller_options(c, node_port())); }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<NodeProcess> node_;
};

}  // namespace sipedge::test::calls
