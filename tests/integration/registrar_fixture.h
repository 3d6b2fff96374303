#pragma once
// Shared by tests/integration/registrar_*_test.cc (issue 3, the registrar):
// directory users through `sipedge directory add`, raw REGISTERs over a UDP
// socket (exact bytes, exact answers), SIPp runs with an injection file,
// sofia::* events from the node's event socket, and SQL read-backs.
// Every wait is bounded; nothing sleeps for a fixed time to "let things settle".
#include <gtest/gtest.h>
#include <strings.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <optional>
#include <pqxx/pqxx>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "node/esl/esl_client.h"
#include "tests/support/child_process.h"
#include "tests/support/node_process.h"
#include "tests/support/sip_socket.h"
#include "tests/support/sipp.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_env.h"

namespace sipedge::test::registrar {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

inline bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }
inline bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out.push_back(line);
  }
  return out;
}

inline std::string trim(const std::string& s) {
  std::size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  std::size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// ---------------------------------------------------------------- SIP text

inline std::string status_line(const std::string& message) {
  auto l = lines_of(message);
  return l.empty() ? "" : l[0];
}

inline int status_code(const std::string& message) {
  std::string line = status_line(message);
  if (!starts_with(line, "SIP/2.0 ") || line.size() < 11) return 0;
  return std::atoi(line.substr(8, 3).c_str());
}

// Every value of a header (long or compact name), in order; header lines
// only (stops at the empty line).
inline std::vector<std::string> header_values(const std::string& message, const std::string& name,
                                              const std::string& compact = "") {
  std::vector<std::string> out;
  auto l = lines_of(message);
  for (std::size_t i = 1; i < l.size(); ++i) {
    if (l[i].empty()) break;
    std::size_t colon = l[i].find(':');
    if (colon == std::string::npos) continue;
    std::string key = trim(l[i].substr(0, colon));
    if (strcasecmp(key.c_str(), name.c_str()) == 0 || (!compact.empty() && strcasecmp(key.c_str(), compact.c_str()) == 0))
      out.push_back(trim(l[i].substr(colon + 1)));
  }
  return out;
}

inline std::string header_value(const std::string& message, const std::string& name,
                                const std::string& compact = "") {
  auto v = header_values(message, name, compact);
  return v.empty() ? "" : v.front();
}

// The Contact header field values of a message, one entry per contact
// (RFC 3261 20.10: several header lines and/or comma-separated, commas
// inside <> or quotes do not split).
inline std::vector<std::string> contacts_of(const std::string& message) {
  std::vector<std::string> out;
  for (const std::string& value : header_values(message, "Contact", "m")) {
    std::string current;
    bool in_angle = false, in_quote = false;
    for (char c : value) {
      if (c == '"' && !in_angle) in_quote = !in_quote;
      if (c == '<' && !in_quote) in_angle = true;
      if (c == '>' && !in_quote) in_angle = false;
      if (c == ',' && !in_angle && !in_quote) {
        out.push_back(trim(current));
        current.clear();
      } else {
        current += c;
      }
    }
    if (!trim(current).empty()) out.push_back(trim(current));
  }
  return out;
}

// The URI inside <...> of one contact value.
inline std::string contact_uri(const std::string& contact) {
  auto b = contact.find('<'), e = contact.find('>');
  if (b == std::string::npos || e == std::string::npos || e < b) return contact;
  return contact.substr(b + 1, e - b - 1);
}

// The expires= parameter of one contact value (after the URI), -1 if absent.
inline int contact_expires(const std::string& contact) {
  auto e = contact.find('>');
  std::string params = e == std::string::npos ? contact : contact.substr(e + 1);
  auto p = params.find("expires=");
  if (p == std::string::npos) return -1;
  return std::atoi(params.c_str() + p + 8);
}

// ------------------------------------------------------- raw REGISTER (UDP)

struct RegisterRequest {
  std::string user = "1000";
  std::string domain = "example.com";
  std::string call_id;
  unsigned cseq = 1;
  std::vector<std::string> contacts;     // Contact header values, one line each; none = a query
  std::optional<std::string> expires;    // Expires header value, verbatim
  std::string user_agent = "registrar-test";
  std::vector<std::string> extra_headers;  // "Name: value"
};

inline std::string build_register(const RegisterRequest& r, int local_port) {
  static unsigned branch = 0;
  std::ostringstream out;
  out << "REGISTER sip:" << r.domain << " SIP/2.0\r\n"
      << "Via: SIP/2.0/UDP 127.0.0.1:" << local_port << ";branch=z9hG4bK-regtest-" << ::getpid() << "-" << ++branch
      << ";rport\r\n"
      << "Max-Forwards: 70\r\n"
      << "From: <sip:" << r.user << "@" << r.domain << ">;tag=ft-" << r.call_id << "\r\n"
      << "To: <sip:" << r.user << "@" << r.domain << ">\r\n"
      << "Call-ID: " << r.call_id << "\r\n"
      << "CSeq: " << r.cseq << " REGISTER\r\n";
  for (const auto& c : r.contacts) out << "Contact: " << c << "\r\n";
  if (r.expires) out << "Expires: " << *r.expires << "\r\n";
  for (const auto& h : r.extra_headers) out << h << "\r\n";
  out << "User-Agent: " << r.user_agent << "\r\n"
      << "Content-Length: 0\r\n\r\n";
  return out.str();
}

// Sends the REGISTER from `socket` to the node and returns its final answer
// (1xx skipped, answers to other requests ignored); nullopt after `timeout`.
inline std::optional<std::string> send_register(UdpSocket& socket, int node_port, const RegisterRequest& r,
                                                milliseconds timeout = milliseconds(5000)) {
  socket.send_to(node_port, build_register(r, socket.port()));
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    std::optional<std::string> msg = socket.receive(std::max(left, milliseconds(1)));
    if (!msg) return std::nullopt;
    if (status_code(*msg) < 200) continue;
    if (header_value(*msg, "Call-ID", "i") != r.call_id) continue;
    if (header_value(*msg, "CSeq") != std::to_string(r.cseq) + " REGISTER") continue;
    return msg;
  }
  return std::nullopt;
}

// ----------------------------------------------------------------- the node

// The node migrates when its database connects, after "ready": wait until
// the registrar's tables answer the console.
inline ::testing::AssertionResult wait_registrar_ready(NodeProcess& node, milliseconds timeout = milliseconds(15000)) {
  const auto deadline = Clock::now() + timeout;
  std::string reply;
  while (Clock::now() < deadline) {
    reply = node.api("sofia status profile internal reg");
    if (!starts_with(reply, "-ERR")) return ::testing::AssertionSuccess();
    std::this_thread::sleep_for(milliseconds(100));
  }
  return ::testing::AssertionFailure() << "registrations never became readable: " << reply << "\n" << node.log_tail();
}

// `sipedge directory add USER@DOMAIN --password P --conf <node conf>`.
inline ::testing::AssertionResult add_user(const NodeProcess& node, const std::string& address,
                                           const std::string& password) {
  ChildOptions child;
  child.argv = {bin_dir() + "/sipedge", "directory", "add", address, "--password", password, "--conf", node.conf_dir()};
  child.unset_env = {"SIPEDGE_DB_DSN"};
  RunResult r = run_program(child, std::chrono::seconds(20));
  if (r.exit_code != 0)
    return ::testing::AssertionFailure() << "sipedge directory add " << address << " exited " << r.exit_code << ":\n"
                                         << r.output;
  return ::testing::AssertionSuccess();
}

// A node's event socket subscribed to CUSTOM events. wait() returns the next
// event of a subclass that matches, keeping the others it read on the way
// (seen()) so the order in which a test asks does not matter.
// Events over the node's event socket, waited for by one identifying header
// (Event-Subclass for CUSTOM events, Event-Name for CHANNEL_* ones). Events
// that arrive while waiting for another are kept for a later wait().
class EslEventWatch {
 public:
  EslEventWatch(const NodeProcess& node, const std::string& subscription, std::string key_header)
      : key_(std::move(key_header)) {
    client_.connect("127.0.0.1", node.esl_port(), node.esl_password());
    EslFrame reply = client_.command("event plain " + subscription);
    const std::string* text = reply.header("Reply-Text");
    if (!text || !starts_with(*text, "+OK")) throw std::runtime_error("event subscription refused");
  }

  std::optional<EslFrame> wait(const std::string& key, const std::function<bool(const EslFrame&)>& match = nullptr,
                               milliseconds timeout = milliseconds(5000)) {
    for (std::size_t i = 0; i < pending_.size(); ++i) {
      if (is(pending_[i], key, match)) {
        EslFrame e = pending_[i];
        pending_.erase(pending_.begin() + static_cast<long>(i));
        return e;
      }
    }
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
      std::optional<EslFrame> frame = client_.next_event(std::max(left, milliseconds(1)));
      if (!frame) return std::nullopt;
      EslFrame e = EslClient::parse_plain_event(frame->body);
      seen_.push_back(e);
      if (is(e, key, match)) return e;
      pending_.push_back(e);
    }
    return std::nullopt;
  }

  // Every event read so far (matched or not), in arrival order.
  const std::vector<EslFrame>& seen() const { return seen_; }
  bool seen_any(const std::string& key) const {
    for (const auto& e : seen_)
      if (is(e, key, nullptr)) return true;
    return false;
  }

  static std::string get(const EslFrame& e, const std::string& name) {
    const std::string* v = e.header(name);
    return v ? *v : "<absent>";
  }

 private:
  bool is(const EslFrame& e, const std::string& key, const std::function<bool(const EslFrame&)>& match) const {
    const std::string* v = e.header(key_);
    return v && *v == key && (!match || match(e));
  }

  std::string key_;
  EslClient client_;
  std::vector<EslFrame> pending_;
  std::vector<EslFrame> seen_;
};

// CUSTOM events (sofia::register, ...), waited for by subclass.
class EventWatch : public EslEventWatch {
 public:
  EventWatch(const NodeProcess& node, const std::string& subclasses)
      : EslEventWatch(node, "CUSTOM " + subclasses, "Event-Subclass") {}
};

inline std::function<bool(const EslFrame&)> with_call_id(const std::string& call_id) {
  return [call_id](const EslFrame& e) { return EventWatch::get(e, "call-id") == call_id; };
}

// ---------------------------------------------------------------------- SQL

inline long count_rows(const std::string& dsn, const std::string& where_sql, const std::string& param = "") {
  pqxx::connection conn(dsn);
  pqxx::read_transaction txn(conn);
  std::string q = "select count(*) from registrations" + (where_sql.empty() ? "" : " where " + where_sql);
  if (param.empty()) return txn.exec1(q)[0].as<long>();
  return txn.exec_params1(q, param)[0].as<long>();
}

// ---------------------------------------------------------------------- SIPp

// A SIPp run with an injection file (-inf, "SEQUENTIAL" + rows) and keys.
inline SippResult run_sipp_with_users(SippOptions options, const std::vector<std::string>& rows) {
  TempDir dir("sipp-inf");
  std::string content = "SEQUENTIAL\n";
  for (const auto& r : rows) content += r + "\n";
  std::string path = dir.write("users.csv", content);
  options.extra_args.insert(options.extra_args.end(), {"-inf", path});
  return run_sipp(options);
}

// The messages SIPp received (from its -trace_msg log), in order.
inline std::vector<std::string> sipp_received(const SippResult& r) {
  std::vector<std::string> out;
  const std::string sep = "-----------------------------------------------";
  std::size_t pos = 0;
  const std::string& log = r.messages;
  while ((pos = log.find(sep, pos)) != std::string::npos) {
    std::size_t next = log.find(sep, pos + sep.size());
    std::string block = log.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
    pos = next == std::string::npos ? log.size() : next;
    if (!contains(block, "message received")) continue;
    std::size_t start = block.find("\n\n");
    if (start == std::string::npos) continue;
    std::string msg = block.substr(start);
    std::size_t first = msg.find_first_not_of("\r\n");
    if (first == std::string::npos) continue;
    out.push_back(msg.substr(first));
  }
  return out;
}

// The injection-file row for scenarios that authenticate:
// USER;DOMAIN;[authentication username=USER password=P] (SIPp 3.6 does not
// expand [fieldN] inside [authentication], so the row carries the keyword).
inline std::string auth_row(const std::string& user, const std::string& domain, const std::string& password) {
  return user + ";" + domain + ";[authentication username=" + user + " password=" + password + "]";
}

}  // namespace sipedge::test::registrar
