// Expiry (issue 3, "Done when" 5): a binding granted 2 seconds is swept by
// the node (DELETE ... RETURNING, cluster-wide) and sofia::expire arrives
// over the event socket with mod_sofia's headers; the row is gone. A refresh
// before the deadline keeps the binding (no expire event for it).
#include <gtest/gtest.h>

#include <pqxx/pqxx>
#include <string>

#include "tests/integration/registrar_fixture.h"
#include "tests/support/test_database.h"

namespace sipedge::test {
namespace {

using namespace registrar;

class RegistrarExpiryTest : public ::testing::Test {
 protected:
  RegistrarExpiryTest() : db_("registrar_expiry"), node_(options(db_)) {}

  static NodeOptions options(const TestDatabase& db) {
    NodeOptions o;
    o.switchname = "expiry-node";
    o.db_dsn = db.dsn();
    // No register-min-expires: a 2 s binding is allowed.
    o.profiles[0].params = {{"apply-register-acl", "test-loopback"}};
    return o;
  }

  void SetUp() override {
    ASSERT_NO_THROW(node_.start_and_wait());
    ASSERT_TRUE(wait_registrar_ready(node_));
  }

  TestDatabase db_;
  NodeProcess node_;
};

TEST_F(RegistrarExpiryTest, ShortBindingExpiresWithEvent) {
  EventWatch events(node_, "sofia::register sofia::expire");
  UdpSocket phone;
  RegisterRequest r;
  r.call_id = "expire-me";
  r.contacts = {"<sip:1000@127.0.0.1:" + std::to_string(phone.port()) + ">"};
  r.expires = "2";
  r.user_agent = "ExpiryPhone/1.0";
  std::optional<std::string> ok = send_register(phone, node_.sip_port(), r);
  ASSERT_TRUE(ok) << node_.log_tail();
  ASSERT_EQ(status_code(*ok), 200) << *ok;
  ASSERT_EQ(contacts_of(*ok).size(), 1u) << *ok;
  EXPECT_LE(contact_expires(contacts_of(*ok)[0]), 2) << *ok;
  EXPECT_EQ(count_rows(db_.dsn(), "call_id = $1", "expire-me"), 1);

  // The sweep runs every second: 2 s of validity + a sweep + slack.
  std::optional<EslFrame> e = events.wait("sofia::expire", with_call_id("expire-me"), milliseconds(8000));
  ASSERT_TRUE(e) << "no sofia::expire within 8 s\n" << node_.log_tail();
  EXPECT_EQ(EventWatch::get(*e, "profile-name"), "internal");
  EXPECT_EQ(EventWatch::get(*e, "user"), "1000");
  EXPECT_EQ(EventWatch::get(*e, "host"), "example.com");
  EXPECT_EQ(EventWatch::get(*e, "contact"), r.contacts[0]);
  EXPECT_EQ(EventWatch::get(*e, "user-agent"), "ExpiryPhone/1.0");
  EXPECT_EQ(EventWatch::get(*e, "network-ip"), "127.0.0.1");
  EXPECT_EQ(EventWatch::get(*e, "network-port"), std::to_string(phone.port()));
  EXPECT_EQ(EventWatch::get(*e, "FreeSWITCH-Switchname"), "expiry-node");
  // expires: the absolute time it lapsed (epoch seconds), not a delta.
  EXPECT_GT(std::atoll(EventWatch::get(*e, "expires").c_str()), 1'600'000'000LL) << EventWatch::get(*e, "expires");
  EXPECT_EQ(count_rows(db_.dsn(), "call_id = $1", "expire-me"), 0) << "sofia::expire fired but the row is still there";
  EXPECT_TRUE(contains(node_.api("sofia status profile internal reg"), "Total items returned: 0")) << node_.log_tail();
}

TEST_F(RegistrarExpiryTest, RefreshedBindingDoesNotExpire) {
  EventWatch events(node_, "sofia::expire");
  UdpSocket phone, other;
  RegisterRequest keep;
  keep.call_id = "keep-me";
  keep.contacts = {"<sip:1000@127.0.0.1:" + std::to_string(phone.port()) + ">"};
  keep.expires = "2";
  ASSERT_EQ(status_code(send_register(phone, node_.sip_port(), keep).value_or("")), 200);
  RegisterRequest lapse;
  lapse.user = "1001";
  lapse.call_id = "lapse";
  lapse.contacts = {"<sip:1001@127.0.0.1:" + std::to_string(other.port()) + ">"};
  lapse.expires = "2";
  ASSERT_EQ(status_code(send_register(other, node_.sip_port(), lapse).value_or("")), 200);
  // Refresh the first one for an hour, right away.
  keep.cseq = 2;
  keep.expires = "3600";
  ASSERT_EQ(status_code(send_register(phone, node_.sip_port(), keep).value_or("")), 200);

  // The other binding lapses: once its event is in, the sweep has run past the first one's old deadline.
  ASSERT_TRUE(events.wait("sofia::expire", with_call_id("lapse"), milliseconds(8000))) << node_.log_tail();
  EXPECT_FALSE(events.wait("sofia::expire", with_call_id("keep-me"), milliseconds(1))) << "a refreshed binding expired";
  EXPECT_EQ(count_rows(db_.dsn(), "call_id = $1", "keep-me"), 1);
}

}  // namespace
}  // namespace sipedge::test
