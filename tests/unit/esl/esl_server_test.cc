// The event socket server driven over loopback by EslClient and raw sockets.
#include "node/esl/esl_server.h"

#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

#include "node/commands/command_registry.h"
#include "node/config/acl_matcher.h"
#include "node/esl/esl_client.h"
#include "node/events/event_bus.h"
#include "tests/unit/esl/raw_connection.h"

namespace sipedge {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using test::RawConnection;

const std::string kAuthRequest = "Content-Type: auth/request\n\n";
const std::string kGoodbyeText = "Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n";
const std::string kGoodbye =
    "Content-Type: text/disconnect-notice\nContent-Length: 67\n\n" + kGoodbyeText;

std::string command_reply(const std::string& text) {
  return "Content-Type: command/reply\nReply-Text: " + text + "\n\n";
}

std::string api_response(const std::string& body) {
  return "Content-Type: api/response\nContent-Length: " + std::to_string(body.size()) + "\n\n" + body;
}

EventSocketConfig loopback_config() {
  EventSocketConfig config;
  config.listen_ip = "127.0.0.1";
  config.listen_port = 0;
  config.password = "ClueCon";
  return config;
}

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return done();
}

class EslServerTest : public ::testing::Test {
 protected:
  EslServerTest() : bus_(NodeIdentity{"test-node", "test-host", "core-uuid-1"}) {
    registry_.add("echo", "echo <text>", "replies with its text", [](const CommandArgs& args, Reply reply) {
      reply("+OK " + args.rest + "\n");
    });
    // Replies from another thread, later: the server must post it back.
    registry_.add("slow", "slow <text>", "replies from a worker thread",
                  [this](const CommandArgs& args, Reply reply) {
                    std::lock_guard lock(workers_mutex_);
                    workers_.emplace_back([rest = args.rest, reply = std::move(reply)] {
                      std::this_thread::sleep_for(100ms);
                      reply("+OK slow " + rest + "\n");
                    });
                  });
    registry_.add("empty", "empty", "replies with nothing", [](const CommandArgs&, Reply reply) { reply(""); });
    registry_.add("throw", "throw", "throws", [](const CommandArgs&, Reply) -> void {
      throw std::runtime_error("kaput");
    });
  }

  ~EslServerTest() override {
    {
      std::lock_guard lock(workers_mutex_);
      for (auto& t : workers_) t.join();
    }
    if (server_) {
      std::promise<void> stopped;
      asio::post(io_, [&] {
        server_->stop();
        stopped.set_value();
      });
      stopped.get_future().wait_for(5s);
    }
    work_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

  void start_server(EventSocketConfig config = loopback_config(), const AclMatcher* acl = nullptr,
                    EslServer::Limits limits = {}) {
    server_ = std::make_unique<EslServer>(io_, config, acl, registry_, bus_, limits);
    port_ = server_->start();
    thread_ = std::thread([this] { io_.run(); });
  }

  std::unique_ptr<EslClient> connect_client(const std::string& password = "ClueCon") {
    auto client = std::make_unique<EslClient>();
    client->connect("127.0.0.1", port_, password, 5s);
    return client;
  }

  // Publishes CUSTOM <subclass> with one producer header.
  void fire_custom(const std::string& subclass, const std::string& profile = "internal") {
    Event event = Event::custom(subclass);
    event.add_header("profile-name", profile);
    bus_.publish(std::move(event));
  }

  // The next event, parsed; fails the test if none comes.
  EslFrame expect_plain_event(EslClient& client) {
    auto frame = client.next_event(5s);
    EXPECT_TRUE(frame.has_value()) << "no event arrived";
    if (!frame) return {};
    EXPECT_EQ(frame->content_type(), "text/event-plain");
    return EslClient::parse_plain_event(frame->body);
  }

  static std::string header_or_empty(const EslFrame& frame, const std::string& name) {
    const std::string* value = frame.header(name);
    return value ? *value : std::string("<missing>");
  }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  std::thread thread_;
  EventBus bus_;
  CommandRegistry registry_;
  std::mutex workers_mutex_;
  std::vector<std::thread> workers_;
  std::unique_ptr<EslServer> server_;
  unsigned short port_ = 0;
};

TEST_F(EslServerTest, AuthThenApiRepliesByteForByte) {
  start_server();
  EXPECT_NE(port_, 0);
  RawConnection raw(port_);
  EXPECT_EQ(raw.read_exact(kAuthRequest.size()), kAuthRequest);
  raw.send("auth ClueCon\n\n");
  const std::string accepted = command_reply("+OK accepted");
  EXPECT_EQ(raw.read_exact(accepted.size()), accepted);
  raw.send("api echo hi there\n\n");
  const std::string expected = api_response("+OK hi there\n");
  EXPECT_EQ(expected, "Content-Type: api/response\nContent-Length: 13\n\n+OK hi there\n");
  EXPECT_EQ(raw.read_exact(expected.size()), expected);
}

TEST_F(EslServerTest, AcceptsCrLfTerminatedCommands) {
  start_server();
  RawConnection raw(port_);
  raw.send("auth ClueCon\r\n\r\napi echo crlf\r\n\r\n");
  const std::string expected = kAuthRequest + command_reply("+OK accepted") + api_response("+OK crlf\n");
  EXPECT_EQ(raw.read_exact(expected.size()), expected);
}

TEST_F(EslServerTest, WrongPasswordIsRefusedAndDisconnected) {
  start_server();
  RawConnection raw(port_);
  raw.send("auth wrong\n\n");
  EXPECT_EQ(raw.read_until_closed(), kAuthRequest + command_reply("-ERR invalid") + kGoodbye);

  try {
    connect_client("nope");
    FAIL() << "connect with a wrong password succeeded";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("-ERR invalid"), std::string::npos) << e.what();
  }
}

TEST_F(EslServerTest, CommandsBeforeAuthAreNotFoundButTheSessionStays) {
  start_server();
  RawConnection raw(port_);
  raw.send("api echo x\n\n");
  raw.send("event plain ALL\n\n");
  raw.send("auth ClueCon\n\n");
  raw.send("api echo y\n\n");
  const std::string expected = kAuthRequest + command_reply("-ERR command not found") +
                               command_reply("-ERR command not found") + command_reply("+OK accepted") +
                               api_response("+OK y\n");
  EXPECT_EQ(raw.read_exact(expected.size()), expected);
}

TEST_F(EslServerTest, ApiRepliesFromOtherThreadsKeepCommandOrder) {
  start_server();
  RawConnection raw(port_);
  // Pipelined: the slow reply must come out before the quick one after it.
  raw.send("auth ClueCon\n\napi slow first\n\napi echo second\n\n");
  const std::string expected = kAuthRequest + command_reply("+OK accepted") + api_response("+OK slow first\n") +
                               api_response("+OK second\n");
  EXPECT_EQ(raw.read_exact(expected.size()), expected);

  auto client = connect_client();
  EXPECT_EQ(client->api("slow via client"), "+OK slow via client\n");
}

TEST_F(EslServerTest, ApiErrorsAndEmptyReplies) {
  start_server();
  auto client = connect_client();
  EXPECT_EQ(client->api("nosuchcommand arg"), "-ERR nosuchcommand Command not found!\n");
  EXPECT_EQ(client->api("empty"), "-ERR no reply\n");
  EXPECT_EQ(client->api("throw"), "-ERR kaput\n");
  EXPECT_EQ(client->api("echo still alive"), "+OK still alive\n");
}

TEST_F(EslServerTest, UnknownCommandAndUnsupportedOnes) {
  start_server();
  auto client = connect_client();
  EXPECT_EQ(header_or_empty(client->command("frobnicate now"), "Reply-Text"), "-ERR command not found");
  EXPECT_EQ(header_or_empty(client->command("nolog"), "Reply-Text"), "-ERR not loging");
  EXPECT_EQ(header_or_empty(client->command("log debug"), "Reply-Text").rfind("-ERR", 0), 0u);
  EXPECT_EQ(header_or_empty(client->command("sendmsg abc"), "Reply-Text"), "-ERR invalid session id [abc]");
  EXPECT_EQ(client->api("echo ok"), "+OK ok\n");
}

TEST_F(EslServerTest, BgapiRepliesWithJobUuidThenPublishesBackgroundJob) {
  start_server();
  auto subscriber = connect_client();
  auto bystander = connect_client();
  EXPECT_EQ(header_or_empty(subscriber->command("event plain BACKGROUND_JOB"), "Reply-Text"),
            "+OK event listener enabled plain");

  const EslFrame reply = subscriber->command("bgapi slow arg1 arg2");
  EXPECT_EQ(reply.content_type(), "command/reply");
  const std::string uuid = header_or_empty(reply, "Job-UUID");
  EXPECT_EQ(uuid.size(), 36u);
  EXPECT_EQ(header_or_empty(reply, "Reply-Text"), "+OK Job-UUID: " + uuid);

  const EslFrame event = expect_plain_event(*subscriber);
  EXPECT_EQ(header_or_empty(event, "Event-Name"), "BACKGROUND_JOB");
  EXPECT_EQ(header_or_empty(event, "Core-UUID"), "core-uuid-1");
  EXPECT_EQ(header_or_empty(event, "FreeSWITCH-Switchname"), "test-node");
  EXPECT_EQ(header_or_empty(event, "Job-UUID"), uuid);
  EXPECT_EQ(header_or_empty(event, "Job-Command"), "slow");
  EXPECT_EQ(header_or_empty(event, "Job-Command-Arg"), "arg1 arg2");
  EXPECT_EQ(event.body, "+OK slow arg1 arg2\n");

  // Only subscribed sessions get it.
  EXPECT_FALSE(bystander->next_event(300ms).has_value());

  // A client-chosen Job-UUID is kept.
  const EslFrame reply2 = subscriber->command("bgapi echo x\nJob-UUID: my-job-1");
  EXPECT_EQ(header_or_empty(reply2, "Reply-Text"), "+OK Job-UUID: my-job-1");
  const EslFrame event2 = expect_plain_event(*subscriber);
  EXPECT_EQ(header_or_empty(event2, "Job-UUID"), "my-job-1");
  EXPECT_EQ(event2.body, "+OK x\n");
}

TEST_F(EslServerTest, EventSubscriptionsSelectWhatEachSessionGets) {
  start_server();
  auto custom = connect_client();
  auto all_json = connect_client();
  auto heartbeat = connect_client();
  EXPECT_EQ(header_or_empty(custom->command("event plain CUSTOM sofia::test_event sofia::other"), "Reply-Text"),
            "+OK event listener enabled plain");
  EXPECT_EQ(header_or_empty(all_json->command("event json ALL"), "Reply-Text"), "+OK event listener enabled json");
  EXPECT_EQ(header_or_empty(heartbeat->command("event HEARTBEAT"), "Reply-Text"),
            "+OK event listener enabled plain");

  // Published in this order; each session's first event shows what it skipped.
  bus_.publish(Event("HEARTBEAT"));
  fire_custom("sofia::unrelated");
  fire_custom("sofia::test_event", "internal profile");

  const EslFrame got = expect_plain_event(*custom);
  EXPECT_EQ(header_or_empty(got, "Event-Name"), "CUSTOM");
  EXPECT_EQ(header_or_empty(got, "Event-Subclass"), "sofia::test_event");
  EXPECT_EQ(header_or_empty(got, "profile-name"), "internal profile");

  const EslFrame hb = expect_plain_event(*heartbeat);
  EXPECT_EQ(header_or_empty(hb, "Event-Name"), "HEARTBEAT");
  EXPECT_FALSE(heartbeat->next_event(200ms).has_value());

  for (const char* expected : {"\"Event-Name\":\"HEARTBEAT\"", "\"Event-Subclass\":\"sofia::unrelated\"",
                               "\"Event-Subclass\":\"sofia::test_event\""}) {
    auto frame = all_json->next_event(5s);
    ASSERT_TRUE(frame.has_value());
    EXPECT_EQ(frame->content_type(), "text/event-json");
    EXPECT_EQ(frame->body.front(), '{');
    EXPECT_NE(frame->body.find(expected), std::string::npos) << frame->body;
  }
}

TEST_F(EslServerTest, NixeventNoeventsAndMissingKeywords) {
  start_server();
  auto client = connect_client();
  EXPECT_EQ(header_or_empty(client->command("event plain"), "Reply-Text"), "-ERR no keywords supplied");
  EXPECT_EQ(header_or_empty(client->command("noevents"), "Reply-Text"), "-ERR not listening for events");
  EXPECT_EQ(header_or_empty(client->command("event plain ALL"), "Reply-Text"), "+OK event listener enabled plain");
  EXPECT_EQ(header_or_empty(client->command("nixevent HEARTBEAT"), "Reply-Text"), "+OK events nixed");
  EXPECT_EQ(header_or_empty(client->command("nixevent CUSTOM sofia::muted"), "Reply-Text"), "+OK events nixed");
  EXPECT_EQ(header_or_empty(client->command("nixevent"), "Reply-Text"), "-ERR no keywords supplied");

  bus_.publish(Event("HEARTBEAT"));
  fire_custom("sofia::muted");
  fire_custom("sofia::heard");
  EXPECT_EQ(header_or_empty(expect_plain_event(*client), "Event-Subclass"), "sofia::heard");

  EXPECT_EQ(header_or_empty(client->command("noevents"), "Reply-Text"), "+OK no longer listening for events");
  fire_custom("sofia::heard");
  EXPECT_FALSE(client->next_event(300ms).has_value());
}

TEST_F(EslServerTest, FiltersNarrowTheSubscription) {
  start_server();
  auto client = connect_client();
  client->command("event plain ALL");
  EXPECT_EQ(header_or_empty(client->command("filter profile-name internal"), "Reply-Text"),
            "+OK filter added. [profile-name]=[internal]");
  fire_custom("sofia::x", "external");
  fire_custom("sofia::x", "internal");
  EXPECT_EQ(header_or_empty(expect_plain_event(*client), "profile-name"), "internal");

  EXPECT_EQ(header_or_empty(client->command("filter delete profile-name"), "Reply-Text"),
            "+OK filter deleted. [profile-name][]");
  fire_custom("sofia::x", "external");
  EXPECT_EQ(header_or_empty(expect_plain_event(*client), "profile-name"), "external");
  EXPECT_EQ(header_or_empty(client->command("filter"), "Reply-Text"), "-ERR command not found");
  EXPECT_EQ(header_or_empty(client->command("filter lonely"), "Reply-Text"), "-ERR invalid syntax");
}

TEST_F(EslServerTest, SendeventPublishesOnTheBus) {
  start_server();
  auto listener = connect_client();
  auto sender = connect_client();
  listener->command("event plain CUSTOM my::sub");
  const EslFrame reply = sender->command("sendevent CUSTOM\nEvent-Subclass: my::sub\nfoo: bar baz");
  EXPECT_EQ(header_or_empty(reply, "Reply-Text").rfind("+OK ", 0), 0u);
  const EslFrame event = expect_plain_event(*listener);
  EXPECT_EQ(header_or_empty(event, "Event-Subclass"), "my::sub");
  EXPECT_EQ(header_or_empty(event, "foo"), "bar baz");
  EXPECT_EQ(header_or_empty(event, "Event-UUID"), header_or_empty(reply, "Reply-Text").substr(4));
}

TEST_F(EslServerTest, ExitSaysByeAndCloses) {
  start_server();
  RawConnection raw(port_);
  raw.send("auth ClueCon\n\nexit\n\n");
  EXPECT_EQ(raw.read_until_closed(),
            kAuthRequest + command_reply("+OK accepted") + command_reply("+OK bye") + kGoodbye);
  EXPECT_TRUE(wait_until([&] { return server_->session_count() == 0; }));
}

TEST_F(EslServerTest, BadClientsDoNotDisturbOthers) {
  start_server();
  auto good = connect_client();
  good->command("event plain CUSTOM sofia::still_here");

  {
    // Garbage, then vanishing with a reset.
    RawConnection garbage(port_);
    garbage.send(std::string("\x00\xff\xfe garbage\n\n", 13));
    garbage.send("auth ClueCon\n\napi echo half a comm");
    garbage.abort();
  }
  {
    // Gone while its api command is still running on another thread.
    RawConnection vanishing(port_);
    vanishing.send("auth ClueCon\n\napi slow never read\n\n");
    vanishing.abort();
  }
  {
    // A line with no end: over the 1 MiB cap the session is closed.
    RawConnection flood(port_);
    flood.send("auth ClueCon\n\n");
    flood.send(std::string(1100 * 1024, 'a'));
    EXPECT_NO_THROW(flood.read_until_closed());
  }

  EXPECT_EQ(good->api("echo fine"), "+OK fine\n");
  fire_custom("sofia::still_here");
  EXPECT_EQ(header_or_empty(expect_plain_event(*good), "Event-Subclass"), "sofia::still_here");
  EXPECT_TRUE(wait_until([&] { return server_->session_count() == 1; }))
      << "sessions left: " << server_->session_count();
}

TEST_F(EslServerTest, SlowConsumerIsDropped) {
  EslServer::Limits limits;
  limits.max_queued_events = 20;
  start_server(loopback_config(), nullptr, limits);
  auto good = connect_client();

  RawConnection slow(port_);
  slow.set_receive_buffer(4096);
  slow.send("auth ClueCon\n\nevent plain CUSTOM load::test\n\n");
  const std::string expected =
      kAuthRequest + command_reply("+OK accepted") + command_reply("+OK event listener enabled plain");
  ASSERT_EQ(slow.read_exact(expected.size()), expected);
  ASSERT_EQ(server_->session_count(), 2u);

  // Never read again: the server's send buffer fills, then its queue.
  for (int i = 0; i < 3000 && server_->session_count() == 2; ++i) {
    Event event = Event::custom("load::test");
    event.body = std::string(16 * 1024, 'x');
    bus_.publish(std::move(event));
  }
  EXPECT_TRUE(wait_until([&] { return server_->session_count() == 1; }));
  EXPECT_EQ(good->api("echo unaffected"), "+OK unaffected\n");
}

TEST_F(EslServerTest, AclRefusesAddressesOutsideTheList) {
  AclConfig acl_config;
  AclList deny_all;
  deny_all.name = "deny-all";
  deny_all.default_allow = false;
  acl_config.lists.push_back(deny_all);
  const AclMatcher matcher(acl_config);

  EventSocketConfig config = loopback_config();
  config.apply_inbound_acl = "deny-all";
  start_server(config, &matcher);

  RawConnection raw(port_);
  EXPECT_EQ(raw.read_until_closed(),
            "Content-Type: text/rude-rejection\nContent-Length: 24\n\nAccess Denied, go away.\n" + kGoodbye);
  try {
    connect_client();
    FAIL() << "connect through a deny-all ACL succeeded";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("Access Denied"), std::string::npos) << e.what();
  }
}

TEST_F(EslServerTest, AclAllowsAddressesInTheList) {
  AclConfig acl_config;
  AclList loopback;
  loopback.name = "lo-only";
  loopback.default_allow = false;
  AclNode node;
  node.allow = true;
  node.cidr = "127.0.0.0/8";
  loopback.nodes.push_back(node);
  acl_config.lists.push_back(loopback);
  const AclMatcher matcher(acl_config);

  EventSocketConfig config = loopback_config();
  config.apply_inbound_acl = "lo-only";
  start_server(config, &matcher);
  EXPECT_EQ(connect_client()->api("echo allowed"), "+OK allowed\n");
}

TEST_F(EslServerTest, BindFailureNamesTheAddress) {
  start_server();
  EventSocketConfig taken = loopback_config();
  taken.listen_port = port_;
  EslServer second(io_, taken, nullptr, registry_, bus_);
  try {
    second.start();
    FAIL() << "second bind to the same port succeeded";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot bind 127.0.0.1:" + std::to_string(port_)), std::string::npos)
        << e.what();
  }

  EventSocketConfig bad_ip = loopback_config();
  bad_ip.listen_ip = "not-an-address";
  EslServer third(io_, bad_ip, nullptr, registry_, bus_);
  EXPECT_THROW(third.start(), std::runtime_error);
}

TEST_F(EslServerTest, StopSaysGoodbyeToSessions) {
  start_server();
  RawConnection raw(port_);
  raw.send("auth ClueCon\n\n");
  const std::string accepted = kAuthRequest + command_reply("+OK accepted");
  ASSERT_EQ(raw.read_exact(accepted.size()), accepted);
  asio::post(io_, [this] { server_->stop(); });
  EXPECT_EQ(raw.read_until_closed(),
            "Content-Type: text/disconnect-notice\nContent-Length: 31\n\nThe system is being shut down.\n");
}

}  // namespace
}  // namespace sipedge
