// The reboot NOTIFY (issue 3, "Done when" 6): a SIPp phone registers with
// digest auth and waits on the same socket; `sofia profile internal
// flush_inbound_reg <call-id> reboot` must send it a NOTIFY whose Event
// follows the User-Agent of its REGISTER (Yealink: check-sync;reboot=true,
// an unknown make: check-sync). The scenario checks the Event header
// (ereg check_it), answers 200, and the node logs that answer. The binding
// is deleted and sofia::expire fires.
#include <gtest/gtest.h>

#include <future>
#include <string>

#include "tests/integration/registrar_fixture.h"
#include "tests/support/free_port.h"
#include "tests/support/test_database.h"

namespace sipedge::test {
namespace {

using namespace registrar;

class RegistrarRebootTest : public ::testing::Test {
 protected:
  RegistrarRebootTest() : db_("registrar_reboot"), node_(options(db_)) {}

  static NodeOptions options(const TestDatabase& db) {
    NodeOptions o;
    o.switchname = "reboot-node";
    o.db_dsn = db.dsn();
    return o;
  }

  void SetUp() override {
    ASSERT_NO_THROW(node_.start_and_wait());
    ASSERT_TRUE(wait_registrar_ready(node_));
    ASSERT_TRUE(add_user(node_, "1000@example.com", "pw-1000"));
  }

  // Runs the scenario in the background, flushes its binding with reboot
  // once it is registered, and returns SIPp's result.
  void register_and_reboot(const std::string& scenario, const std::string& agent, const std::string& call_id,
                           const std::string& expected_event) {
    EventWatch events(node_, "sofia::register sofia::expire");
    SippOptions o;
    o.scenario = scenario;
    o.remote_port = node_.sip_port();
    o.local_port = free_port(true);
    o.timeout = std::chrono::seconds(15);
    o.extra_args = {"-cid_str", call_id};
    o.keys = {{"agent", agent}, {"expiry", "3600"}};
    auto phone = std::async(std::launch::async, [o] {
      return run_sipp_with_users(o, {auth_row("1000", "example.com", "pw-1000")});
    });

    std::optional<EslFrame> registered = events.wait("sofia::register", with_call_id(call_id), milliseconds(10000));
    if (!registered) {
      SippResult r = phone.get();
      FAIL() << "the phone never registered\n" << r.describe() << node_.log_tail();
    }
    EXPECT_EQ(EventWatch::get(*registered, "user-agent"), agent);
    EXPECT_EQ(EventWatch::get(*registered, "network-port"), std::to_string(o.local_port));

    EXPECT_EQ(node_.api("sofia profile internal flush_inbound_reg " + call_id + " reboot"),
              "+OK rebooting all registrations matching specified call_id\n");
    SippResult r = phone.get();
    EXPECT_EQ(r.exit_code, 0) << "the NOTIFY did not arrive or its Event was not " << expected_event << "\n"
                              << r.describe() << node_.log_tail();

    // What the phone received, for a readable failure: the last message is the NOTIFY.
    std::vector<std::string> received = sipp_received(r);
    ASSERT_FALSE(received.empty()) << r.describe();
    const std::string& notify = received.back();
    EXPECT_TRUE(starts_with(status_line(notify), "NOTIFY sip:1000@127.0.0.1:" + std::to_string(o.local_port)))
        << notify;
    EXPECT_EQ(header_value(notify, "Event", "o"), expected_event) << notify;
    EXPECT_EQ(header_value(notify, "Call-ID", "i"), call_id) << notify;

    // The node got the phone's 200 to its NOTIFY (it only logs it).
    const std::string logged = "reboot NOTIFY (Call-ID " + call_id + "): 200 OK";
    bool seen = false;
    for (auto deadline = Clock::now() + std::chrono::seconds(5); !seen && Clock::now() < deadline;) {
      seen = contains(node_.log(), logged);
      if (!seen) std::this_thread::sleep_for(milliseconds(50));
    }
    EXPECT_TRUE(seen) << "node never logged: " << logged << "\n" << node_.log_tail();

    EXPECT_TRUE(events.wait("sofia::expire", with_call_id(call_id))) << "flush fired no sofia::expire";
    EXPECT_EQ(count_rows(db_.dsn(), "call_id = $1", call_id), 0) << "flush left the binding";
  }

  TestDatabase db_;
  NodeProcess node_;
};

TEST_F(RegistrarRebootTest, YealinkGetsCheckSyncWithReboot) {
  register_and_reboot("registrar_reboot_yealink_uac.xml", "Yealink SIP-T46S 66.86.0.15", "reboot-yealink",
                      "check-sync;reboot=true");
}

TEST_F(RegistrarRebootTest, UnknownPhoneGetsPlainCheckSync) {
  register_and_reboot("registrar_reboot_generic_uac.xml", "Acme Deskphone 2.1", "reboot-generic", "check-sync");
}

// The scenario really checks the Event: a Yealink expectation against a
// phone of another make must fail (this is what makes the two tests above able to fail).
TEST_F(RegistrarRebootTest, WrongEventFailsTheScenario) {
  EventWatch events(node_, "sofia::register");
  SippOptions o;
  o.scenario = "registrar_reboot_yealink_uac.xml";
  o.remote_port = node_.sip_port();
  o.local_port = free_port(true);
  o.timeout = std::chrono::seconds(10);
  o.extra_args = {"-cid_str", "reboot-mismatch"};
  o.keys = {{"agent", "Acme Deskphone 2.1"}, {"expiry", "3600"}};
  auto phone = std::async(std::launch::async, [o] {
    return run_sipp_with_users(o, {auth_row("1000", "example.com", "pw-1000")});
  });
  ASSERT_TRUE(events.wait("sofia::register", with_call_id("reboot-mismatch"), milliseconds(10000)));
  node_.api("sofia profile internal flush_inbound_reg reboot-mismatch reboot");
  SippResult r = phone.get();
  EXPECT_NE(r.exit_code, 0) << "the scenario accepted Event: check-sync as check-sync;reboot=true\n" << r.describe();
}

}  // namespace
}  // namespace sipedge::test
