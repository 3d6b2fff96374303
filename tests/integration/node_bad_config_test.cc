// What a node does with bad configuration: errors the operator must fix stop
// it with exit code 2 and name the file and line; an unknown param is only a
// warning; an unreachable database is an environment failure it rides out.
#include <gtest/gtest.h>

#include <regex>

#include "tests/support/free_port.h"
#include "tests/support/node_process.h"
#include "tests/support/sip_socket.h"
#include "tests/support/test_database.h"

namespace sipedge::test {
namespace {

constexpr auto kExitTimeout = std::chrono::seconds(15);

// Runs a node that must refuse to start; returns its log.
std::string expect_config_error(NodeOptions options, const std::string& file_and_line_regex) {
  NodeProcess node(std::move(options));
  node.start();
  std::optional<int> code = node.wait_exit(kExitTimeout);
  EXPECT_TRUE(code.has_value()) << "sipedge kept running with a bad config:\n" << node.log_tail();
  if (code) {
    EXPECT_EQ(*code, 2) << node.log_tail();
  }
  std::string log = node.log();
  EXPECT_TRUE(std::regex_search(log, std::regex(file_and_line_regex)))
      << "log does not match /" << file_and_line_regex << "/:\n" << log;
  return log;
}

class BadConfigTest : public ::testing::Test {
 protected:
  BadConfigTest() : db_("bad_config") {}
  NodeOptions base() const {
    NodeOptions o;
    o.db_dsn = db_.dsn();
    return o;
  }
  TestDatabase db_;
};

TEST_F(BadConfigTest, MalformedXmlNamesFileAndLine) {
  NodeOptions o = base();
  o.files["sofia.conf.xml"] =
      "<configuration name=\"sofia.conf\">\n"
      "  <profiles>\n"
      "    <profile name=\"internal\">\n"
      "      <settings>\n"
      "        <param name=\"sip-ip\" value=\"127.0.0.1\"\n"  // line 5: unterminated tag
      "      </settings>\n"
      "    </profile>\n"
      "  </profiles>\n"
      "</configuration>\n";
  // pugixml reports the offset where it gave up, which is on line 5 or 6.
  expect_config_error(o, "sofia\\.conf\\.xml:[56]\\b");
}

TEST_F(BadConfigTest, MissingSipIpNamesProfile) {
  NodeOptions o = base();
  o.files["sofia.conf.xml"] =
      "<configuration name=\"sofia.conf\">\n"
      "  <profiles>\n"
      "    <profile name=\"internal\">\n"  // line 3
      "      <settings>\n"
      "        <param name=\"sip-port\" value=\"" + std::to_string(free_port()) + "\"/>\n"
      "      </settings>\n"
      "    </profile>\n"
      "  </profiles>\n"
      "</configuration>\n";
  std::string log = expect_config_error(o, "sofia\\.conf\\.xml:[3-6]\\b");
  EXPECT_NE(log.find("sip-ip"), std::string::npos) << log;
}

TEST_F(BadConfigTest, UnknownAclNamesFileAndLine) {
  NodeOptions o = base();
  o.event_socket_params = {{"apply-inbound-acl", "no-such-list"}};
  // Line 6 of the generated file: <configuration>, <settings>, listen-ip,
  // listen-port and password come first.
  std::string log = expect_config_error(o, "event_socket\\.conf\\.xml:6\\b");
  EXPECT_NE(log.find("no-such-list"), std::string::npos) << log;
}

TEST_F(BadConfigTest, UnknownParamIsAWarning) {
  NodeOptions o = base();
  o.profiles[0].params = {{"no-such-param", "1"}};
  NodeProcess node(o);
  ASSERT_NO_THROW(node.start_and_wait());
  std::string log = node.log();
  EXPECT_TRUE(std::regex_search(log, std::regex("warn.*no-such-param|no-such-param.*warn", std::regex::icase)))
      << "no warning naming no-such-param:\n" << log;
  EXPECT_NE(log.find("sofia.conf.xml"), std::string::npos) << log;
  EXPECT_EQ(node.stop(), 0) << node.log_tail();
}

TEST(DatabaseDownTest, NodeStartsAndReportsDatabaseUnavailable) {
  NodeOptions o;
  // Nothing listens there: connection refused, immediately and every retry.
  o.db_dsn = "host=127.0.0.1 port=" + std::to_string(free_port(false)) +
             " user=sipedge dbname=sipedge connect_timeout=2";
  o.wait_active = false;  // without the database there is no lease: the node stays standby
  NodeProcess node(o);
  ASSERT_NO_THROW(node.start_and_wait());
  std::string status = node.api("status");
  EXPECT_NE(status.find("role standby"), std::string::npos) << status;
  EXPECT_NE(status.find("Database: unavailable"), std::string::npos) << status;
  EXPECT_EQ(status.find("Database: connected"), std::string::npos) << status;
  // SIP does not wait for the database: OPTIONS is still answered, with the
  // standby's 503 System Paused (no lease without the database).
  UdpSocket sock;
  sock.send_to(node.sip_port(), make_options("UDP", sock.port(), node.sip_port(), "db-down-probe"));
  std::optional<std::string> reply = sock.receive(std::chrono::seconds(5));
  ASSERT_TRUE(reply.has_value()) << "no answer to OPTIONS while the database is down";
  auto response = parse_sip_response(*reply);
  ASSERT_TRUE(response.has_value()) << *reply;
  EXPECT_EQ(response->status, 503) << *reply;
  EXPECT_NE(reply->find("System Paused"), std::string::npos) << *reply;
  EXPECT_EQ(node.stop(), 0) << node.log_tail();
}

}  // namespace
}  // namespace sipedge::test
