// Whose challenge a gateway's credentials answer (node/gateways/gateway_auth.h).
#include "node/gateways/gateway_auth.h"

#include <gtest/gtest.h>

#include "node/config/acl_matcher.h"
#include "node/events/event.h"

namespace sipedge {
namespace {

GatewayConfig gateway(const std::string& proxy) {
  GatewayConfig gw;
  gw.name = "carrier";
  gw.profile = "external";
  gw.username = "gwuser";
  gw.password = "gwsecret";
  gw.proxy = proxy;
  return gw;
}

AclMatcher acls() {
  AclConfig config;
  AclList carriers;
  carriers.name = "carriers";
  carriers.default_allow = false;
  carriers.nodes.push_back({true, "198.51.100.0/24", {}});
  config.lists.push_back(carriers);
  return AclMatcher(config);
}

TEST(GatewayAuth, ChallengeFromTheProxyAddressIsAnswered) {
  GatewayConfig gw = gateway("192.0.2.10:5070");
  EXPECT_TRUE(legitimate_challenger(gw, "192.0.2.10", "", nullptr));
  EXPECT_TRUE(legitimate_challenger(gw, "::ffff:192.0.2.10", "", nullptr));  // dual-stack socket
  EXPECT_FALSE(legitimate_challenger(gw, "192.0.2.11", "192.0.2.11", nullptr));
  EXPECT_FALSE(legitimate_challenger(gw, "", "", nullptr));
}

TEST(GatewayAuth, RegisterAndOutboundProxiesCountToo) {
  GatewayConfig gw = gateway("sip:192.0.2.10");
  gw.register_proxy = "192.0.2.20:5060";
  gw.outbound_proxy = "[2001:db8::30]:5060";
  EXPECT_TRUE(legitimate_challenger(gw, "192.0.2.20", "", nullptr));
  EXPECT_TRUE(legitimate_challenger(gw, "2001:db8::30", "", nullptr));
  EXPECT_FALSE(legitimate_challenger(gw, "2001:db8::31", "", nullptr));
}

// A proxy written as a host name: the address the request went to stands for it.
TEST(GatewayAuth, HostNameProxyMeansTheAddressTheRequestWentTo) {
  GatewayConfig gw = gateway("sip.carrier.example");
  EXPECT_TRUE(legitimate_challenger(gw, "203.0.113.5", "203.0.113.5", nullptr));
  EXPECT_FALSE(legitimate_challenger(gw, "203.0.113.6", "203.0.113.5", nullptr));
  EXPECT_FALSE(legitimate_challenger(gw, "203.0.113.5", "", nullptr));
}

// gw-auth-acl supersedes the proxy addresses (mod_sofia).
TEST(GatewayAuth, GwAuthAclAloneDecides) {
  GatewayConfig gw = gateway("192.0.2.10");
  gw.gw_auth_acl = "carriers";
  AclMatcher acl = acls();
  EXPECT_TRUE(legitimate_challenger(gw, "198.51.100.7", "", &acl));
  EXPECT_FALSE(legitimate_challenger(gw, "192.0.2.10", "192.0.2.10", &acl));  // the proxy itself: not in the ACL
  EXPECT_FALSE(legitimate_challenger(gw, "198.51.100.7", "", nullptr));       // no ACLs to ask: no
}

TEST(GatewayAuth, CredentialsAreAuthUsernameElseUsername) {
  GatewayConfig gw = gateway("192.0.2.10");
  EXPECT_EQ(gateway_credentials(gw).username, "gwuser");
  EXPECT_EQ(gateway_credentials(gw).password, "gwsecret");
  gw.auth_username = "auth-7";
  EXPECT_EQ(gateway_credentials(gw).username, "auth-7");
  EXPECT_TRUE(gateway_credentials(gw).usable());
  gw.username.clear();
  gw.auth_username.clear();
  gw.password.clear();
  EXPECT_FALSE(gateway_credentials(gw).usable());
}

TEST(GatewayAuth, InvalidDigestRequestEventHasModSofiasHeaders) {
  Event e = invalid_digest_request_event(gateway("192.0.2.10"), "carrier.example");
  EXPECT_EQ(e.name, "CUSTOM");
  EXPECT_EQ(e.subclass, "sofia::gateway_invalid_digest_req");
  ASSERT_TRUE(e.header("Gateway") && e.header("profile-name") && e.header("realm"));
  EXPECT_EQ(*e.header("Gateway"), "carrier");
  EXPECT_EQ(*e.header("profile-name"), "external");
  EXPECT_EQ(*e.header("realm"), "carrier.example");
}

}  // namespace
}  // namespace sipedge
