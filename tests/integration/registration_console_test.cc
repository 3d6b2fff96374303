// The registration console commands against a real node on its own database:
// bindings are inserted with SQL (the registrar is tested elsewhere), then
// `sofia status profile internal reg|user`, the REGISTRATIONS count,
// `flush_inbound_reg` (rows gone, sofia::expire events), `check_sync` and the
// reboot NOTIFY (received by a UDP socket on 127.0.0.1 playing the phone),
// and `sofia_contact`.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <pqxx/pqxx>
#include <pugixml.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "node/esl/esl_client.h"
#include "tests/support/node_process.h"
#include "tests/support/sip_socket.h"
#include "tests/support/test_database.h"

namespace sipedge::test {
namespace {

using std::chrono::milliseconds;
const std::string kSeparator(97, '=');

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }
bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

// The value of a header line ("Name: value") of a SIP message, "" if absent.
std::string header(const std::string& message, const std::string& name) {
  for (const std::string& raw : lines(message)) {
    std::string line = raw;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) break;
    std::size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = line.substr(0, colon);
    if (strcasecmp(key.c_str(), name.c_str()) != 0) continue;
    std::size_t start = line.find_first_not_of(' ', colon + 1);
    return start == std::string::npos ? "" : line.substr(start);
  }
  return "";
}

std::string first_line(const std::string& message) {
  std::string line = message.substr(0, message.find('\n'));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// A 200 OK to a request (RFC 3261 8.2.6.2: Via, From, To, Call-ID, CSeq copied).
std::string ok_for(const std::string& request) {
  std::string out = "SIP/2.0 200 OK\r\n";
  for (const char* h : {"Via", "From", "To", "Call-ID", "CSeq"}) out += std::string(h) + ": " + header(request, h) + "\r\n";
  return out + "Content-Length: 0\r\n\r\n";
}

struct Row {
  Row(std::string u, std::string id) : user(std::move(u)), call_id(std::move(id)) {}
  Row& at_host(std::string h) { host = std::move(h); return *this; }
  Row& with_contact(std::string c) { contact = std::move(c); return *this; }
  Row& from(std::string ip, int port) { network_ip = std::move(ip); network_port = port; return *this; }
  Row& agent(std::string ua) { user_agent = std::move(ua); return *this; }

  std::string user;
  std::string host = "example.com";
  std::string contact;       // default: <sip:user@198.51.100.7:5060>
  std::string call_id;
  std::string network_ip = "198.51.100.7";
  int network_port = 5060;
  std::string user_agent = "Yealink SIP-T46S";
};

class RegistrationConsoleTest : public ::testing::Test {
 protected:
  RegistrationConsoleTest() : db_("registration_console"), node_(options(db_)) {}

  static NodeOptions options(const TestDatabase& db) {
    NodeOptions o;
    o.db_dsn = db.dsn();
    return o;
  }

  void SetUp() override {
    ASSERT_NO_THROW(node_.start_and_wait());
    // The node migrates on connect: wait until the registrations table answers.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    std::string reply;
    while (std::chrono::steady_clock::now() < deadline) {
      reply = node_.api("sofia status profile internal reg");
      if (!starts_with(reply, "-ERR")) return;
      std::this_thread::sleep_for(milliseconds(100));
    }
    FAIL() << "registrations never became readable: " << reply << "\n" << node_.log_tail();
  }

  void insert(const Row& r) {
    pqxx::connection conn(db_.dsn());
    pqxx::work txn(conn);
    const std::string contact =
        r.contact.empty() ? "<sip:" + r.user + "@" + r.network_ip + ":" + std::to_string(r.network_port) + ">" : r.contact;
    const std::string contact_uri = contact.substr(contact.find('<') + 1, contact.find('>') - contact.find('<') - 1);
    txn.exec_params0(
        "insert into registrations (profile_name, sip_user, sip_host, contact, contact_uri, call_id, cseq, expires_at,"
        " network_ip, network_port, network_transport, user_agent, auth_username, auth_realm, status, node_name)"
        " values ('internal', $1, $2, $3, $4, $5, 1, now() + interval '3600 seconds', $6, $7, 'udp', $8, $1, $2,"
        " 'Registered(UDP)', 'test-node')",
        r.user, r.host, contact, contact_uri, r.call_id, r.network_ip, r.network_port, r.user_agent);
    txn.commit();
  }

  long rows_with_call_id(const std::string& call_id) {
    pqxx::connection conn(db_.dsn());
    pqxx::read_transaction txn(conn);
    return txn.exec_params1("select count(*) from registrations where call_id = $1", call_id)[0].as<long>();
  }

  long all_rows() {
    pqxx::connection conn(db_.dsn());
    pqxx::read_transaction txn(conn);
    return txn.exec1("select count(*) from registrations")[0].as<long>();
  }

  std::string registrations_row() {
    for (const std::string& line : lines(node_.api("sofia status profile internal")))
      if (starts_with(line, "REGISTRATIONS")) return line;
    return "";
  }

  TestDatabase db_;
  NodeProcess node_;
};

TEST_F(RegistrationConsoleTest, StatusListsBindingsInFreeswitchLayout) {
  EXPECT_EQ(registrations_row(), "REGISTRATIONS    \t0");
  insert(Row("1000", "call-1000@198.51.100.7"));
  insert(Row("1001", "call-1001")
             .with_contact("\"Bob\" <sip:1001@198.51.100.8:5062>")
             .from("198.51.100.8", 5062)
             .agent("SomePhone/1.0"));
  EXPECT_EQ(registrations_row(), "REGISTRATIONS    \t2");

  std::string text = node_.api("sofia status profile internal reg");
  std::vector<std::string> l = lines(text);
  ASSERT_EQ(l.size(), 3u + 2 * 14u + 2u) << text;
  EXPECT_EQ(l[0], "");
  EXPECT_EQ(l[1], "Registrations:");
  EXPECT_EQ(l[2], kSeparator);
  // Rows in AOR order: 1000 first.
  EXPECT_EQ(l[3], "Call-ID:    \tcall-1000@198.51.100.7");
  EXPECT_EQ(l[4], "User:       \t1000@example.com");
  EXPECT_EQ(l[5], "Contact:    \t<sip:1000@198.51.100.7:5060>");
  EXPECT_EQ(l[6], "Agent:      \tYealink SIP-T46S");
  std::smatch m;
  ASSERT_TRUE(std::regex_match(l[7], m, std::regex(R"(Status:     \tRegistered\(UDP\)\(unknown\) EXP\(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\) EXPSECS\((\d+)\))")))
      << l[7];
  int secs = std::stoi(m[1]);
  EXPECT_GE(secs, 3590);
  EXPECT_LE(secs, 3600);
  EXPECT_EQ(l[8], "Ping-Status:\tReachable");
  EXPECT_EQ(l[9], "Ping-Time:\t0.00");
  EXPECT_EQ(l[10], "Host:       \ttest-node");
  EXPECT_EQ(l[11], "IP:         \t198.51.100.7");
  EXPECT_EQ(l[12], "Port:       \t5060");
  EXPECT_EQ(l[13], "Auth-User:  \t1000");
  EXPECT_EQ(l[14], "Auth-Realm: \texample.com");
  EXPECT_EQ(l[15], "MWI-Account:\t1000@example.com");
  EXPECT_EQ(l[16], "");
  EXPECT_EQ(l[17], "Call-ID:    \tcall-1001");
  EXPECT_EQ(l[19], "Contact:    \t\"Bob\" <sip:1001@198.51.100.8:5062>");
  EXPECT_EQ(l[31], "Total items returned: 2");
  EXPECT_EQ(l[32], kSeparator);

  // The filter is a substring of the contact (FreeSWITCH: contact like '%filter%').
  std::string filtered = node_.api("sofia status profile internal reg 198.51.100.8");
  EXPECT_TRUE(contains(filtered, "Call-ID:    \tcall-1001\n")) << filtered;
  EXPECT_FALSE(contains(filtered, "call-1000")) << filtered;
  EXPECT_TRUE(contains(filtered, "Total items returned: 1\n")) << filtered;
  // A Call-ID is not the contact: nothing.
  EXPECT_TRUE(contains(node_.api("sofia status profile internal reg call-1001"), "Total items returned: 0\n"));

  std::string user = node_.api("sofia status profile internal user 1000@example.com");
  EXPECT_TRUE(contains(user, "Call-ID:    \tcall-1000@198.51.100.7\n")) << user;
  EXPECT_TRUE(contains(user, "Total items returned: 1\n")) << user;
  EXPECT_TRUE(contains(node_.api("sofia status profile internal user 1000@other.org"), "Total items returned: 0\n"));

  pugi::xml_document doc;
  std::string xml = node_.api("sofia xmlstatus profile internal reg");
  ASSERT_TRUE(doc.load_string(xml.c_str())) << xml;
  auto regs = doc.child("profile").child("registrations");
  ASSERT_TRUE(regs) << xml;
  EXPECT_FALSE(doc.child("profile").child("profile-info")) << xml;
  int n = 0;
  for (auto r : regs.children("registration")) {
    ++n;
    if (n == 2) {
      EXPECT_STREQ(r.child_value("call-id"), "call-1001");
      EXPECT_STREQ(r.child_value("contact"), "\"Bob\" <sip:1001@198.51.100.8:5062>");
      EXPECT_STREQ(r.child_value("network-port"), "5062");
      EXPECT_STREQ(r.child_value("agent"), "SomePhone/1.0");
    }
  }
  EXPECT_EQ(n, 2);

  pugi::xml_document info;
  std::string info_xml = node_.api("sofia xmlstatus profile internal");
  ASSERT_TRUE(info.load_string(info_xml.c_str())) << info_xml;
  EXPECT_STREQ(info.child("profile").child("profile-info").child_value("registrations"), "2") << info_xml;
}

TEST_F(RegistrationConsoleTest, FlushDeletesAndFiresExpire) {
  insert(Row("1000", "flush-1000"));
  insert(Row("1001", "flush-1001"));
  insert(Row("1002", "flush-1002").at_host("other.org"));
  EslClient events;
  events.connect("127.0.0.1", node_.esl_port(), node_.esl_password());
  EslFrame sub = events.command("event plain CUSTOM sofia::expire");
  ASSERT_TRUE(sub.header("Reply-Text") && starts_with(*sub.header("Reply-Text"), "+OK"));

  auto next_expire = [&]() -> std::optional<EslFrame> {
    std::optional<EslFrame> frame = events.next_event(milliseconds(3000));
    if (!frame) return std::nullopt;
    return EslClient::parse_plain_event(frame->body);
  };

  // user@host: that AOR.
  EXPECT_EQ(node_.api("sofia profile internal flush_inbound_reg 1000@example.com"),
            "+OK flushing all registrations matching specified call_id\n");
  EXPECT_EQ(rows_with_call_id("flush-1000"), 0);
  EXPECT_EQ(all_rows(), 2);
  auto e = next_expire();
  ASSERT_TRUE(e) << "no sofia::expire event";
  EXPECT_EQ(*e->header("Event-Subclass"), "sofia::expire");
  EXPECT_EQ(*e->header("call-id"), "flush-1000");
  EXPECT_EQ(*e->header("profile-name"), "internal");
  EXPECT_EQ(*e->header("user"), "1000");
  EXPECT_EQ(*e->header("host"), "example.com");

  // A Call-ID.
  EXPECT_EQ(node_.api("sofia profile internal flush_inbound_reg flush-1002"),
            "+OK flushing all registrations matching specified call_id\n");
  EXPECT_EQ(rows_with_call_id("flush-1002"), 0);
  e = next_expire();
  ASSERT_TRUE(e);
  EXPECT_EQ(*e->header("call-id"), "flush-1002");

  // Everything of the profile.
  EXPECT_EQ(node_.api("sofia profile internal flush_inbound_reg"), "+OK flushing all registrations\n");
  EXPECT_EQ(all_rows(), 0);
  e = next_expire();
  ASSERT_TRUE(e);
  EXPECT_EQ(*e->header("call-id"), "flush-1001");
  EXPECT_EQ(registrations_row(), "REGISTRATIONS    \t0");

  EXPECT_EQ(node_.api("sofia profile nosuch flush_inbound_reg"), "Invalid Profile [nosuch]");
}

TEST_F(RegistrationConsoleTest, CheckSyncAndRebootNotifyGoWhereTheRegisterCameFrom) {
  UdpSocket yealink, other, decoy;
  // The contact names the decoy's port: the NOTIFY must still go to network_ip:network_port.
  insert(Row("1000", "sync-1000@127.0.0.1")
             .with_contact("<sip:1000@127.0.0.1:" + std::to_string(decoy.port()) + ">")
             .from("127.0.0.1", yealink.port())
             .agent("Yealink SIP-T46S"));
  insert(Row("1001", "sync-1001")
             .with_contact("<sip:1001@127.0.0.1:" + std::to_string(other.port()) + ">")
             .from("127.0.0.1", other.port())
             .agent("SomePhone/1.0"));

  EXPECT_EQ(node_.api("sofia profile internal check_sync sync-1000@127.0.0.1"),
            "+OK syncing all registrations matching specified call_id\n");
  std::optional<std::string> notify = yealink.receive(milliseconds(3000));
  ASSERT_TRUE(notify) << "no NOTIFY\n" << node_.log_tail();
  EXPECT_EQ(first_line(*notify), "NOTIFY sip:1000@127.0.0.1:" + std::to_string(decoy.port()) + " SIP/2.0");
  EXPECT_EQ(header(*notify, "Event"), "check-sync;reboot=true");
  EXPECT_EQ(header(*notify, "Call-ID"), "sync-1000@127.0.0.1");
  EXPECT_EQ(header(*notify, "Subscription-State"), "terminated;reason=noresource");
  EXPECT_EQ(header(*notify, "Content-Type"), "application/simple-message-summary");
  EXPECT_TRUE(starts_with(header(*notify, "From"), "<sip:1000@example.com>;tag=")) << header(*notify, "From");
  EXPECT_EQ(header(*notify, "To"), "<sip:1000@example.com>");
  yealink.send_to(node_.sip_port(), ok_for(*notify));
  // The response reaches the NOTIFY's transaction (and is only logged).
  bool logged = false;
  for (int i = 0; i < 30 && !logged; ++i) {
    logged = contains(node_.log(), "reboot NOTIFY (Call-ID sync-1000@127.0.0.1): 200 OK");
    if (!logged) std::this_thread::sleep_for(milliseconds(100));
  }
  EXPECT_TRUE(logged) << node_.log_tail();
  EXPECT_FALSE(decoy.receive(milliseconds(300))) << "sent to the Contact instead of the REGISTER's source";
  EXPECT_FALSE(other.receive(milliseconds(100))) << "check_sync <call_id> reached another binding";
  EXPECT_EQ(all_rows(), 2) << "check_sync deleted something";

  // The whole profile, without an argument: both phones; SomePhone gets plain check-sync.
  EXPECT_EQ(node_.api("sofia profile internal check_sync"), "+OK syncing all registrations\n");
  std::optional<std::string> to_other = other.receive(milliseconds(3000));
  ASSERT_TRUE(to_other) << node_.log_tail();
  EXPECT_EQ(header(*to_other, "Event"), "check-sync");
  EXPECT_EQ(header(*to_other, "Call-ID"), "sync-1001");
  other.send_to(node_.sip_port(), ok_for(*to_other));
  std::optional<std::string> again = yealink.receive(milliseconds(3000));
  ASSERT_TRUE(again);
  EXPECT_EQ(header(*again, "Event"), "check-sync;reboot=true");
  yealink.send_to(node_.sip_port(), ok_for(*again));
  EXPECT_EQ(all_rows(), 2);

  // flush ... reboot: NOTIFY, then the row is gone.
  EXPECT_EQ(node_.api("sofia profile internal flush_inbound_reg sync-1001 reboot"),
            "+OK rebooting all registrations matching specified call_id\n");
  std::optional<std::string> reboot = other.receive(milliseconds(3000));
  ASSERT_TRUE(reboot) << node_.log_tail();
  EXPECT_EQ(header(*reboot, "Event"), "check-sync");
  EXPECT_EQ(header(*reboot, "Call-ID"), "sync-1001");
  other.send_to(node_.sip_port(), ok_for(*reboot));
  EXPECT_EQ(rows_with_call_id("sync-1001"), 0);
  EXPECT_EQ(rows_with_call_id("sync-1000@127.0.0.1"), 1);
  EXPECT_FALSE(yealink.receive(milliseconds(300))) << "flush of one Call-ID rebooted another phone";
}

TEST_F(RegistrationConsoleTest, SofiaContact) {
  insert(Row("1000", "c1"));
  insert(Row("1000", "c2").with_contact("<sip:1000@198.51.100.9:5070;transport=tcp>").from("198.51.100.9", 5070));
  std::string reply = node_.api("sofia_contact internal/1000@example.com");
  EXPECT_EQ(reply, "sofia/internal/sip:1000@198.51.100.7:5060,sofia/internal/sip:1000@198.51.100.9:5070;transport=tcp")
      << reply;
  EXPECT_EQ(node_.api("sofia_contact */1000@example.com"), reply);
  EXPECT_EQ(node_.api("sofia_contact 1000@example.com"), reply);  // every profile
  EXPECT_EQ(node_.api("sofia_contact internal/1001@example.com"), "error/user_not_registered");
  EXPECT_EQ(node_.api("sofia_contact internal/1000@other.org"), "error/user_not_registered");
}

}  // namespace
}  // namespace sipedge::test
