// apply-proxy-acl with X-AUTH-IP, apply-inbound-acl contexts and
// sip_exclude_contact (issue 4, sections 1 and 3).
#include <gtest/gtest.h>

#include "tests/integration/call_fixture.h"

namespace sipedge::test {
namespace {

using namespace calls;

class CallAclTest : public CallTest {
 protected:
  // Profile "internal": auth-calls, register without challenge from loopback,
  // proxies = loopback, calls from the office network (10.1.2.0/24) trusted
  // and sent to the "office" context, whose dialplan bridges 1001.
  void start_acl_node() {
    db_ = std::make_unique<TestDatabase>("call_acl");
    NodeOptions o;
    o.switchname = "acl-node";
    o.db_dsn = db_->dsn();
    o.vars_xml = "  <X-PRE-PROCESS cmd=\"set\" data=\"domain=" + kDomain + "\"/>\n";
    o.acl_lists_xml =
        "    <list name=\"test-loopback\" default=\"deny\">\n"
        "      <node type=\"allow\" cidr=\"127.0.0.0/8\"/>\n"
        "    </list>\n"
        "    <list name=\"office\" default=\"deny\">\n"
        "      <node type=\"allow\" cidr=\"10.1.2.0/24\"/>\n"
        "    </list>\n";
    o.profiles[0].params = {{"context", "default"},
                            {"apply-register-acl", "test-loopback"},
                            {"auth-calls", "true"},
                            {"apply-proxy-acl", "test-loopback"},
                            {"apply-inbound-acl", "office:office"}};
    o.files["dialplan/default.xml"] = dialplan_file("");
    o.files["dialplan/office.xml"] =
        "<include>\n  <context name=\"office\">\n" + extension("1001", {{"bridge", "user/1001@example.com"}}) +
        "  </context>\n</include>\n";
    node_ = std::make_unique<NodeProcess>(o);
    node_->start_and_wait();
    ASSERT_TRUE(wait_registrar_ready(*node_));
    ASSERT_EQ(wait_count(db_->dsn(), "select count(*) from information_schema.tables where table_name = 'call_history'", 1), 1);
  }
};

// A trusted proxy (loopback) asserts the caller's address in X-AUTH-IP: the
// office ACL matches that address, the call is trusted (no 407) and routed
// in the "office" context. Without the header the same source is challenged.
TEST_F(CallAclTest, ProxyAssertedAddressPassesTheInboundAcl) {
  ASSERT_NO_FATAL_FAILURE(start_acl_node());
  int port = register_user("1001");
  {
    Callee callee("call_uas_answer.xml", port, node_port());
    Caller c;
    c.service = "1001";
    c.hdr1 = "X-AUTH-IP: 10.1.2.3";
    SippResult caller = call(c);
    EXPECT_EQ(caller.exit_code, 0) << caller.describe();
    EXPECT_EQ(invite_finals(sipp_received(caller)), std::vector<int>{200}) << caller.describe();
    EXPECT_EQ(callee.result().exit_code, 0) << callee.result().describe();
  }
  Caller c;
  c.scenario = "call_uac_reject.xml";
  c.service = "1001";
  SippResult challenged = call(c);
  EXPECT_EQ(invite_finals(sipp_received(challenged)), std::vector<int>{407}) << challenged.describe();
}

// sip_exclude_contact: of the user's two contacts, the excluded one is not rung.
TEST_F(CallAclTest, ExcludedContactIsNotRung) {
  ASSERT_NO_FATAL_FAILURE(start_node(extension("1001", {{"bridge", "{sip_exclude_contact=${sip_h_X-Exclude}}user/1001@example.com"}})));
  int excluded = register_user("1001");
  int rung = register_user("1001");
  UdpSocket excluded_phone(excluded);
  Callee callee("call_uas_answer.xml", rung, node_port());
  Caller c;
  c.service = "1001";
  c.hdr1 = "X-Exclude: 127.0.0.1:" + std::to_string(excluded);
  SippResult caller = call(c);
  EXPECT_EQ(caller.exit_code, 0) << caller.describe();
  EXPECT_EQ(callee.result().exit_code, 0) << callee.result().describe();
  // The call is over: nothing may have reached the excluded contact.
  auto stray = excluded_phone.receive(std::chrono::milliseconds(300));
  EXPECT_FALSE(stray.has_value()) << "the excluded contact was rung:\n" << *stray;
}

}  // namespace
}  // namespace sipedge::test
