// The console commands of issue 2 against a real node on its own database:
// their FreeSWITCH replies (docs/commands.md) and their effects: siptrace
// dumps in the node log, a profile stopped/started/restarted on its port with
// the sofia::profile_start event, reloadxml with a broken file, rescan picking
// up a changed context, and the core commands.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "node/esl/esl_client.h"
#include "tests/support/node_process.h"
#include "tests/support/sip_socket.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_database.h"

namespace sipedge::test {
namespace {

using std::chrono::milliseconds;
constexpr milliseconds kAnswerTimeout{3000};
// How long a stopped profile is given to answer before we call it silent.
constexpr milliseconds kSilenceTimeout{500};

std::string trim_newlines(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool contains(const std::string& s, const std::string& needle) { return s.find(needle) != std::string::npos; }

// A Call-ID unique to this process and call site.
std::string call_id(const std::string& tag) { return "console-" + tag + "-" + std::to_string(::getpid()); }

// The status of the response to an OPTIONS sent over UDP to `port` with
// `id` as Call-ID, or nullopt when none came within `timeout`.
std::optional<int> options_over_udp(int port, const std::string& id, milliseconds timeout = kAnswerTimeout) {
  UdpSocket socket;
  socket.send_to(port, make_options("UDP", socket.port(), port, id));
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto datagram = socket.receive(left);
    if (!datagram) return std::nullopt;
    auto response = parse_sip_response(*datagram);
    if (response && response->call_id == id) return response->status;
  }
}

// True when nothing accepts a TCP connection on 127.0.0.1:port.
bool tcp_refused(int port) {
  try {
    TcpConnection connection(port);
    return false;
  } catch (const std::runtime_error&) {
    return true;
  }
}

class ConsoleTest : public ::testing::Test {
 protected:
  ConsoleTest() : db_("console"), node_(options(db_)) {}

  static NodeOptions options(const TestDatabase& db) {
    NodeOptions o;
    o.switchname = "console-node";
    o.db_dsn = db.dsn();
    ProfileOptions internal;
    internal.name = "internal";
    internal.params = {{"context", "public"}};
    o.profiles = {internal};
    return o;
  }

  void SetUp() override { ASSERT_NO_THROW(node_.start_and_wait()); }

  std::string api(const std::string& command) { return trim_newlines(node_.api(command)); }

  // The node log from byte `from` on, once it contains every one of
  // `needles`; what it holds at the deadline otherwise. The log is a file the
  // node appends to, so poll it.
  std::string wait_log(std::size_t from, const std::vector<std::string>& needles,
                       milliseconds timeout = kAnswerTimeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      std::string log = node_.log();
      std::string tail = log.size() > from ? log.substr(from) : "";
      bool all = true;
      for (const auto& needle : needles) all = all && contains(tail, needle);
      if (all || std::chrono::steady_clock::now() >= deadline) return tail;
      std::this_thread::sleep_for(milliseconds(20));
    }
  }

  // Everything the SIP thread did before now has been logged once a `sofia`
  // command (which runs on the SIP thread, after what was queued before it)
  // has answered: spdlog writes each line to the log file synchronously.
  void sync_with_sip_thread() { api("sofia status"); }

  int port() const { return node_.sip_port("internal"); }

  TestDatabase db_;
  NodeProcess node_;
};

TEST_F(ConsoleTest, ProfileSiptraceDumpsMessagesOnlyWhileOn) {
  EXPECT_EQ(api("sofia profile internal siptrace on"), "Enabled sip debugging on internal");

  std::size_t mark = node_.log().size();
  std::string traced = call_id("traced");
  ASSERT_EQ(options_over_udp(port(), traced), 200) << node_.log_tail();
  std::string log = wait_log(mark, {"OPTIONS sip:", "SIP/2.0 200 OK", "Call-ID: " + traced});
  EXPECT_TRUE(contains(log, "OPTIONS sip:")) << "request not traced:\n" << log;
  EXPECT_TRUE(contains(log, "SIP/2.0 200 OK")) << "response not traced:\n" << log;
  EXPECT_TRUE(contains(log, "Call-ID: " + traced)) << log;

  EXPECT_EQ(api("sofia profile internal siptrace off"), "Disabled sip debugging on internal");
  mark = node_.log().size();
  std::string quiet = call_id("quiet");
  ASSERT_EQ(options_over_udp(port(), quiet), 200) << node_.log_tail();
  sync_with_sip_thread();
  log = node_.log().substr(mark);
  EXPECT_FALSE(contains(log, quiet)) << "traced with siptrace off:\n" << log;
  EXPECT_FALSE(contains(log, "SIP/2.0 200 OK")) << log;
}

TEST_F(ConsoleTest, GlobalSiptraceTurnsEveryProfileOnAndOff) {
  EXPECT_EQ(api("sofia global siptrace on"), "+OK Global siptrace on");
  std::size_t mark = node_.log().size();
  std::string traced = call_id("global-on");
  ASSERT_EQ(options_over_udp(port(), traced), 200);
  std::string log = wait_log(mark, {"Call-ID: " + traced, "SIP/2.0 200 OK"});
  EXPECT_TRUE(contains(log, "Call-ID: " + traced)) << log;
  EXPECT_TRUE(contains(log, "SIP/2.0 200 OK")) << log;

  EXPECT_EQ(api("sofia global siptrace off"), "+OK Global siptrace off");
  mark = node_.log().size();
  std::string quiet = call_id("global-off");
  ASSERT_EQ(options_over_udp(port(), quiet), 200);
  sync_with_sip_thread();
  EXPECT_FALSE(contains(node_.log().substr(mark), quiet)) << node_.log().substr(mark);
}

TEST_F(ConsoleTest, SofiaLoglevelAndTracelevel) {
  EXPECT_EQ(api("sofia loglevel nta 5"), "Sofia log level for component [nta] has been set to [5]");
  EXPECT_EQ(api("sofia loglevel nta"), "Sofia-sip loglevel for [nta] is [5]");
  EXPECT_EQ(api("sofia loglevel nta 0"), "Sofia log level for component [nta] has been set to [0]");
  EXPECT_EQ(api("sofia loglevel nta"), "Sofia-sip loglevel for [nta] is [0]");
  for (const char* bad : {"sofia loglevel bogus 3", "sofia loglevel nta 10", "sofia loglevel"}) {
    SCOPED_TRACE(bad);
    std::string reply = api(bad);
    EXPECT_TRUE(starts_with(reply, "USAGE:")) << reply;
    EXPECT_TRUE(contains(reply, "sofia loglevel <all|default|tport|")) << reply;
  }
  EXPECT_EQ(api("sofia tracelevel debug"), "+OK tracelevel is debug");
  EXPECT_EQ(api("sofia tracelevel"), "+OK tracelevel is debug");
  EXPECT_TRUE(starts_with(api("sofia tracelevel loud"), "-ERR unknown level [loud]"));
  EXPECT_EQ(api("sofia tracelevel info"), "+OK tracelevel is info");
}

TEST_F(ConsoleTest, ProfileRestartStopStart) {
  // A second event-socket connection, subscribed like fs_cli's `/event`.
  EslClient events;
  events.connect("127.0.0.1", node_.esl_port(), node_.esl_password());
  EslFrame reply = events.command("event plain CUSTOM sofia::profile_start");
  const std::string* reply_text = reply.header("Reply-Text");
  ASSERT_TRUE(reply_text && starts_with(*reply_text, "+OK")) << (reply_text ? *reply_text : reply.body);
  const std::string expected_uri = "sip:mod_sofia@127.0.0.1:" + std::to_string(port());

  auto expect_profile_start = [&](const char* when) {
    SCOPED_TRACE(when);
    std::optional<EslFrame> frame = events.next_event(milliseconds(3000));
    ASSERT_TRUE(frame.has_value()) << "no sofia::profile_start event";
    EslFrame event = EslClient::parse_plain_event(frame->body);
    ASSERT_TRUE(event.header("Event-Name") && event.header("Event-Subclass")) << frame->body;
    EXPECT_EQ(*event.header("Event-Name"), "CUSTOM");
    EXPECT_EQ(*event.header("Event-Subclass"), "sofia::profile_start");
    ASSERT_TRUE(event.header("profile_name") && event.header("profile_uri")) << frame->body;
    EXPECT_EQ(*event.header("profile_name"), "internal");
    EXPECT_EQ(*event.header("profile_uri"), expected_uri);
  };

  std::string restart = api("sofia profile internal restart");
  EXPECT_TRUE(starts_with(restart, "Reload XML [Success]")) << restart;
  EXPECT_TRUE(ends_with(restart, "restarting: internal")) << restart;
  expect_profile_start("restart");
  EXPECT_EQ(options_over_udp(port(), call_id("after-restart")), 200) << node_.log_tail();

  std::string stop = api("sofia profile internal stop");
  EXPECT_TRUE(ends_with(stop, "stopping: internal")) << stop;
  std::string status = api("sofia status");
  EXPECT_FALSE(contains(status, "internal")) << status;
  EXPECT_TRUE(ends_with(status, "0 profiles 0 aliases")) << status;
  EXPECT_EQ(options_over_udp(port(), call_id("stopped"), kSilenceTimeout), std::nullopt);
  EXPECT_TRUE(tcp_refused(port())) << "something still listens on TCP " << port();
  EXPECT_EQ(api("sofia profile internal stop"), "Invalid Profile [internal]");

  std::string start = api("sofia profile internal start");
  EXPECT_TRUE(starts_with(start, "Reload XML [Success]")) << start;
  EXPECT_TRUE(ends_with(start, "internal started successfully")) << start;
  expect_profile_start("start");
  EXPECT_EQ(options_over_udp(port(), call_id("after-start")), 200) << node_.log_tail();
  EXPECT_TRUE(contains(api("sofia status"), expected_uri));
  // Already running: FreeSWITCH's wording for a refused start.
  EXPECT_TRUE(ends_with(api("sofia profile internal start"), "Failure starting internal"));
}

TEST_F(ConsoleTest, ReloadxmlReportsABrokenFileAndKeepsRunning) {
  EXPECT_EQ(api("reloadxml"), "+OK [Success]");

  write_file(node_.conf_dir() + "/sofia.conf.xml",
             "<configuration name=\"sofia.conf\">\n"
             "  <profiles>\n"
             "    <profile name=\"internal\">\n"
             "      <settings>\n"
             "    </profile>\n"  // line 5: closes <settings> with </profile>
             "  </profiles>\n"
             "</configuration>\n");
  std::string reply = api("reloadxml");
  EXPECT_TRUE(starts_with(reply, "-ERR [")) << reply;
  EXPECT_TRUE(contains(reply, "sofia.conf.xml:5")) << "does not name file and line: " << reply;

  EXPECT_TRUE(node_.running());
  EXPECT_EQ(options_over_udp(port(), call_id("after-bad-reload")), 200) << node_.log_tail();
  EXPECT_TRUE(contains(api("status"), "is ready"));
}

TEST_F(ConsoleTest, RescanAppliesAChangedContext) {
  auto context_row = [&] {
    std::string status = api("sofia status profile internal");
    std::size_t at = status.find("\nContext");
    return at == std::string::npos ? status : status.substr(at + 1, status.find('\n', at + 1) - at - 1);
  };
  EXPECT_EQ(context_row(), "Context          \tpublic");

  // NodeProcess writes the profile's params inline in sofia.conf.xml.
  const std::string file = node_.conf_dir() + "/sofia.conf.xml";
  std::string conf = read_file(file);
  const std::string old_param = "<param name=\"context\" value=\"public\"/>";
  std::size_t at = conf.find(old_param);
  ASSERT_NE(at, std::string::npos) << conf;
  conf.replace(at, old_param.size(), "<param name=\"context\" value=\"rescanned\"/>");
  write_file(file, conf);

  std::string reply = api("sofia profile internal rescan");
  EXPECT_TRUE(starts_with(reply, "Reload XML [Success]")) << reply;
  EXPECT_TRUE(ends_with(reply, "+OK scan complete")) << reply;
  EXPECT_EQ(context_row(), "Context          \trescanned");
  // No rebind: still answering on the same port.
  EXPECT_EQ(options_over_udp(port(), call_id("after-rescan")), 200);
}

TEST_F(ConsoleTest, CoreCommandsAndUnknownOnes) {
  EXPECT_EQ(api("console loglevel debug"), "+OK console log level set to DEBUG");
  EXPECT_EQ(api("console loglevel"), "+OK console log level set to DEBUG");
  EXPECT_TRUE(starts_with(api("console loglevel loud"), "-ERR unknown level [loud]"));
  EXPECT_EQ(api("console loglevel info"), "+OK console log level set to INFO");

  std::string status = api("status");
  EXPECT_TRUE(starts_with(status, "UP 0 years, 0 days")) << status;
  EXPECT_TRUE(contains(status, "Node: console-node")) << status;
  EXPECT_TRUE(contains(status, "Database: connected")) << status;

  std::string version = api("version");
  EXPECT_TRUE(starts_with(version, "sipedge Version ")) << version;
  EXPECT_GT(version.size(), std::string("sipedge Version ").size()) << version;

  std::string help = api("help");
  EXPECT_TRUE(contains(help, "\nname,description,syntax\n")) << help;
  EXPECT_TRUE(contains(help, "\nsofia,")) << help;
  EXPECT_TRUE(contains(help, "\nstatus,")) << help;
  EXPECT_TRUE(ends_with(help, "total.")) << help;

  EXPECT_EQ(api("foo"), "-ERR foo Command not found!");
  EXPECT_EQ(api("sofia foo"), "Unknown Command [foo]");
  EXPECT_EQ(api("sofia profile internal foo"), "-ERR Unknown command!");
  EXPECT_EQ(api("sofia profile nosuch siptrace on"), "Invalid Profile [nosuch]");
  EXPECT_EQ(api("sofia profile internal"), "Invalid Args!");
  EXPECT_EQ(node_.stop(), 0) << node_.log_tail();
}

}  // namespace
}  // namespace sipedge::test
