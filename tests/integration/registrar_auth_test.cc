// The registrar's front door (issue 3, "Done when" 1-3): digest REGISTER
// through SIPp (401, then 200 listing the binding with expires and a Date),
// the row in `registrations` and in FreeSWITCH's `sip_registrations` view,
// the sofia::register event with mod_sofia's headers; a wrong password and an
// unknown user get the very same 403 after the challenge, store nothing and
// fire sofia::register_failure; apply-register-acl lets an allowed source in
// without a challenge and refuses a denied one with 403 (no challenge, no row).
#include <gtest/gtest.h>

#include <pqxx/pqxx>
#include <string>

#include "tests/integration/registrar_fixture.h"
#include "tests/support/free_port.h"
#include "tests/support/test_database.h"

namespace sipedge::test {
namespace {

using namespace registrar;

constexpr const char* kAclLists =
    "    <list name=\"reg-allow\" default=\"deny\">\n"
    "      <node type=\"allow\" cidr=\"127.0.0.0/8\"/>\n"
    "    </list>\n"
    "    <list name=\"reg-deny\" default=\"allow\">\n"
    "      <node type=\"deny\" cidr=\"127.0.0.0/8\"/>\n"
    "    </list>\n";

class RegistrarAuthTest : public ::testing::Test {
 protected:
  RegistrarAuthTest() : db_("registrar_auth"), node_(options(db_)) {}

  static NodeOptions options(const TestDatabase& db) {
    NodeOptions o;
    o.switchname = "auth-node";
    o.db_dsn = db.dsn();
    o.acl_lists_xml = kAclLists;
    ProfileOptions internal;  // digest for everyone
    ProfileOptions acl_pass;
    acl_pass.name = "aclpass";
    acl_pass.params = {{"apply-register-acl", "reg-allow"}};
    ProfileOptions acl_deny;
    acl_deny.name = "acldeny";
    acl_deny.params = {{"apply-register-acl", "reg-deny"}};
    o.profiles = {internal, acl_pass, acl_deny};
    return o;
  }

  void SetUp() override {
    ASSERT_NO_THROW(node_.start_and_wait());
    ASSERT_TRUE(wait_registrar_ready(node_));
    ASSERT_TRUE(add_user(node_, "1000@example.com", "secret-1000"));
  }

  SippOptions sipp(const std::string& scenario, const std::string& profile, const std::string& call_id,
                   int local_port) {
    SippOptions o;
    o.scenario = scenario;
    o.remote_port = node_.sip_port(profile);
    o.local_port = local_port;
    o.extra_args = {"-cid_str", call_id};
    o.keys = {{"agent", "SIPp registrar test"}, {"expiry", "3600"}, {"user", "1000"},
              {"domain", "example.com"}};
    return o;
  }

  TestDatabase db_;
  NodeProcess node_;
};

TEST_F(RegistrarAuthTest, DigestRegisterStoresBindingAndFiresRegister) {
  EventWatch events(node_, "sofia::register sofia::register_failure");
  const int port = free_port(true);
  SippResult r = run_sipp_with_users(sipp("registrar_register_uac.xml", "internal", "auth-ok-1", port),
                                     {auth_row("1000", "example.com", "secret-1000")});
  ASSERT_EQ(r.exit_code, 0) << r.describe();

  // The 200 lists exactly our binding with its expires, and a Date (RFC 3261 10.3 step 8).
  std::vector<std::string> received = sipp_received(r);
  ASSERT_EQ(received.size(), 2u) << r.messages;
  EXPECT_EQ(status_code(received[0]), 401);
  EXPECT_TRUE(contains(header_value(received[0], "WWW-Authenticate"), "realm=\"example.com\"")) << received[0];
  const std::string& ok = received[1];
  EXPECT_EQ(status_line(ok), "SIP/2.0 200 OK");
  std::vector<std::string> contacts = contacts_of(ok);
  ASSERT_EQ(contacts.size(), 1u) << ok;
  const std::string uri = "sip:1000@127.0.0.1:" + std::to_string(port) + ";transport=UDP";
  EXPECT_EQ(contact_uri(contacts[0]), uri) << ok;
  EXPECT_GE(contact_expires(contacts[0]), 3590) << ok;
  EXPECT_LE(contact_expires(contacts[0]), 3600) << ok;
  EXPECT_TRUE(contains(header_value(ok, "Date"), "GMT")) << ok;

  // The row, and FreeSWITCH's view of it.
  {
    pqxx::connection conn(db_.dsn());
    pqxx::read_transaction txn(conn);
    pqxx::result rows = txn.exec_params(
        "select sip_user, sip_host, contact_uri, status, node_name, network_ip, network_port, network_transport,"
        " auth_username, auth_realm, user_agent, cseq from registrations where call_id = $1",
        "auth-ok-1");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0][0].as<std::string>(), "1000");
    EXPECT_EQ(rows[0][1].as<std::string>(), "example.com");
    EXPECT_EQ(rows[0][2].as<std::string>(), uri);
    EXPECT_EQ(rows[0][3].as<std::string>(), "Registered(UDP)");
    EXPECT_EQ(rows[0][4].as<std::string>(), "auth-node");
    EXPECT_EQ(rows[0][5].as<std::string>(), "127.0.0.1");
    EXPECT_EQ(rows[0][6].as<int>(), port);
    EXPECT_EQ(rows[0][7].as<std::string>(), "udp");
    EXPECT_EQ(rows[0][8].as<std::string>(), "1000");
    EXPECT_EQ(rows[0][9].as<std::string>(), "example.com");
    EXPECT_EQ(rows[0][10].as<std::string>(), "SIPp registrar test");
    EXPECT_EQ(rows[0][11].as<long>(), 2);  // the authenticated REGISTER wrote it

    pqxx::result view = txn.exec_params(
        "select sip_user, sip_host, contact, status, expires, expires - extract(epoch from now())::bigint,"
        " hostname, profile_name, network_ip, network_port, sip_username, sip_realm, user_agent"
        " from sip_registrations where call_id = $1",
        "auth-ok-1");
    ASSERT_EQ(view.size(), 1u);
    EXPECT_EQ(view[0][0].as<std::string>(), "1000");
    EXPECT_EQ(view[0][1].as<std::string>(), "example.com");
    EXPECT_EQ(view[0][2].as<std::string>(), "<" + uri + ">");
    EXPECT_EQ(view[0][3].as<std::string>(), "Registered(UDP)");
    // expires is an absolute unix time (FreeSWITCH), about an hour from now.
    EXPECT_GT(view[0][4].as<long long>(), 1'600'000'000LL);
    EXPECT_GE(view[0][5].as<long long>(), 3580);
    EXPECT_LE(view[0][5].as<long long>(), 3601);
    EXPECT_EQ(view[0][6].as<std::string>(), "auth-node");
    EXPECT_EQ(view[0][7].as<std::string>(), "internal");
    EXPECT_EQ(view[0][8].as<std::string>(), "127.0.0.1");
    EXPECT_EQ(view[0][9].as<std::string>(), std::to_string(port));
    EXPECT_EQ(view[0][10].as<std::string>(), "1000");
    EXPECT_EQ(view[0][11].as<std::string>(), "example.com");
    EXPECT_EQ(view[0][12].as<std::string>(), "SIPp registrar test");
  }

  std::optional<EslFrame> e = events.wait("sofia::register", with_call_id("auth-ok-1"));
  ASSERT_TRUE(e) << "no sofia::register event\n" << node_.log_tail();
  auto h = [&](const char* name) { return EventWatch::get(*e, name); };
  EXPECT_EQ(h("Event-Name"), "CUSTOM");
  EXPECT_EQ(h("profile-name"), "internal");
  EXPECT_EQ(h("from-user"), "1000");
  EXPECT_EQ(h("from-host"), "example.com");
  EXPECT_EQ(h("contact"), "<" + uri + ">");
  EXPECT_EQ(h("call-id"), "auth-ok-1");
  EXPECT_EQ(h("status"), "Registered(UDP)");
  EXPECT_GE(std::atoi(h("expires").c_str()), 3590) << h("expires");
  EXPECT_LE(std::atoi(h("expires").c_str()), 3600) << h("expires");
  EXPECT_EQ(h("network-ip"), "127.0.0.1");
  EXPECT_EQ(h("network-port"), std::to_string(port));
  EXPECT_EQ(h("username"), "1000");
  EXPECT_EQ(h("realm"), "example.com");
  EXPECT_EQ(h("user-agent"), "SIPp registrar test");
  EXPECT_EQ(h("FreeSWITCH-Switchname"), "auth-node");
  EXPECT_FALSE(events.seen_any("sofia::register_failure"));
  // `status` shows the registrar's group commit: the one REGISTER, committed in one batch.
  std::string status = node_.api("status");
  EXPECT_NE(status.find("Registrar: 1 REGISTER(s) committed in 1 batch(es), largest 1, 0 queued, 0 failed batch(es)"),
            std::string::npos)
      << status;
}

TEST_F(RegistrarAuthTest, WrongPasswordAndUnknownUserGetTheSame403) {
  EventWatch events(node_, "sofia::register sofia::register_failure");

  SippResult wrong = run_sipp_with_users(
      sipp("registrar_register_forbidden_uac.xml", "internal", "auth-bad-pw", free_port(true)),
      {auth_row("1000", "example.com", "not-the-password")});
  ASSERT_EQ(wrong.exit_code, 0) << wrong.describe();
  SippResult unknown = run_sipp_with_users(
      sipp("registrar_register_forbidden_uac.xml", "internal", "auth-no-user", free_port(true)),
      {auth_row("1999", "example.com", "whatever")});
  ASSERT_EQ(unknown.exit_code, 0) << unknown.describe();

  // Both were challenged first, then refused with the same final answer:
  // nothing tells an attacker whether the user exists.
  std::vector<std::string> a = sipp_received(wrong), b = sipp_received(unknown);
  ASSERT_EQ(a.size(), 2u) << wrong.messages;
  ASSERT_EQ(b.size(), 2u) << unknown.messages;
  EXPECT_EQ(status_code(a[0]), 401);
  EXPECT_EQ(status_code(b[0]), 401);
  EXPECT_EQ(status_line(a[1]), "SIP/2.0 403 Forbidden");
  EXPECT_EQ(status_line(a[1]), status_line(b[1]));
  for (const char* name : {"WWW-Authenticate", "Warning", "Reason", "Contact"}) {
    EXPECT_EQ(header_value(a[1], name), header_value(b[1], name)) << name;
  }

  EXPECT_EQ(count_rows(db_.dsn(), ""), 0) << "a refused REGISTER stored a binding";

  std::optional<EslFrame> f1 = events.wait("sofia::register_failure", [](const EslFrame& e) {
    return EventWatch::get(e, "to-user") == "1000";
  });
  ASSERT_TRUE(f1) << "no sofia::register_failure for the wrong password\n" << node_.log_tail();
  EXPECT_EQ(EventWatch::get(*f1, "profile-name"), "internal");
  EXPECT_EQ(EventWatch::get(*f1, "to-host"), "example.com");
  EXPECT_EQ(EventWatch::get(*f1, "network-ip"), "127.0.0.1");
  EXPECT_EQ(EventWatch::get(*f1, "user-agent"), "SIPp registrar test");
  EXPECT_EQ(EventWatch::get(*f1, "registration-type"), "REGISTER");
  std::optional<EslFrame> f2 = events.wait("sofia::register_failure", [](const EslFrame& e) {
    return EventWatch::get(e, "to-user") == "1999";
  });
  ASSERT_TRUE(f2) << "no sofia::register_failure for the unknown user";
  EXPECT_FALSE(events.seen_any("sofia::register")) << "a refused REGISTER fired sofia::register";
}

TEST_F(RegistrarAuthTest, RegisterAclPassSkipsTheChallengeAndDenyRefuses) {
  EventWatch events(node_, "sofia::register sofia::register_failure");

  // Allowed source: the very first REGISTER gets the 200 (the scenario fails on a 401).
  const int port = free_port(true);
  SippResult pass = run_sipp(sipp("registrar_register_noauth_uac.xml", "aclpass", "acl-pass-1", port));
  ASSERT_EQ(pass.exit_code, 0) << pass.describe();
  std::vector<std::string> received = sipp_received(pass);
  ASSERT_EQ(received.size(), 1u) << pass.messages;
  EXPECT_EQ(status_code(received[0]), 200);
  ASSERT_EQ(contacts_of(received[0]).size(), 1u) << received[0];
  EXPECT_EQ(contact_uri(contacts_of(received[0])[0]),
            "sip:1000@127.0.0.1:" + std::to_string(port) + ";transport=UDP");
  {
    pqxx::connection conn(db_.dsn());
    pqxx::read_transaction txn(conn);
    pqxx::result rows = txn.exec_params(
        "select profile_name, auth_username from registrations where call_id = $1", "acl-pass-1");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0][0].as<std::string>(), "aclpass");
    EXPECT_EQ(rows[0][1].as<std::string>(), "") << "no digest was asked, so no auth user";
  }
  ASSERT_TRUE(events.wait("sofia::register", with_call_id("acl-pass-1"))) << node_.log_tail();

  // Denied source: 403 straight away (a 401 fails the scenario), nothing stored.
  SippResult deny = run_sipp(sipp("registrar_register_denied_uac.xml", "acldeny", "acl-deny-1", free_port(true)));
  ASSERT_EQ(deny.exit_code, 0) << deny.describe();
  received = sipp_received(deny);
  ASSERT_EQ(received.size(), 1u) << deny.messages;
  EXPECT_EQ(status_line(received[0]), "SIP/2.0 403 Forbidden");
  EXPECT_EQ(header_value(received[0], "WWW-Authenticate"), "");
  EXPECT_EQ(count_rows(db_.dsn(), "call_id = $1", "acl-deny-1"), 0);
  std::optional<EslFrame> failure = events.wait("sofia::register_failure", [](const EslFrame& e) {
    return EventWatch::get(e, "profile-name") == "acldeny";
  });
  ASSERT_TRUE(failure) << "no sofia::register_failure for the ACL deny";
  EXPECT_EQ(EventWatch::get(*failure, "network-ip"), "127.0.0.1");

  // The same user through the digest profile is still challenged (the ACL is per profile).
  SippResult digest = run_sipp_with_users(sipp("registrar_register_uac.xml", "internal", "acl-digest-1", free_port(true)),
                                          {auth_row("1000", "example.com", "secret-1000")});
  EXPECT_EQ(digest.exit_code, 0) << digest.describe();
}

}  // namespace
}  // namespace sipedge::test
