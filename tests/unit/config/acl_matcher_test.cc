#include "node/config/acl_matcher.h"

#include <gtest/gtest.h>

#include "node/config/local_networks.h"

namespace sipedge {
namespace {

AclList make_list(const std::string& name, bool default_allow,
                  std::vector<std::pair<bool, std::string>> nodes) {
  AclList list;
  list.name = name;
  list.default_allow = default_allow;
  for (auto& [allow, cidr] : nodes) list.nodes.push_back(AclNode{allow, cidr, {}});
  return list;
}

TEST(AclMatcher, Ipv4DefaultDenyWithAllowedNet) {
  AclConfig config;
  config.lists.push_back(make_list("lan", false, {{true, "192.0.2.0/24"}}));
  AclMatcher acl(config);
  EXPECT_TRUE(acl.has_list("lan"));
  EXPECT_TRUE(acl.allows("lan", "192.0.2.1"));
  EXPECT_TRUE(acl.allows("lan", "192.0.2.255"));
  EXPECT_FALSE(acl.allows("lan", "192.0.3.1"));
  EXPECT_FALSE(acl.allows("lan", "2001:db8::1"));  // other family: default
}

TEST(AclMatcher, DefaultAllowWithDeniedNet) {
  AclConfig config;
  config.lists.push_back(make_list("open", true, {{false, "198.51.100.0/24"}}));
  AclMatcher acl(config);
  EXPECT_FALSE(acl.allows("open", "198.51.100.9"));
  EXPECT_TRUE(acl.allows("open", "198.51.101.9"));
  EXPECT_TRUE(acl.allows("open", "2001:db8::1"));
}

TEST(AclMatcher, LongestPrefixWinsWhateverTheOrder) {
  AclConfig config;
  // FreeSWITCH vanilla "lan" example: deny the /24, allow one host in it.
  config.lists.push_back(make_list("a", true, {{false, "192.0.2.0/24"}, {true, "192.0.2.42/32"}}));
  config.lists.push_back(make_list("b", true, {{true, "192.0.2.42/32"}, {false, "192.0.2.0/24"}}));
  AclMatcher acl(config);
  for (const char* name : {"a", "b"}) {
    EXPECT_TRUE(acl.allows(name, "192.0.2.42")) << name;
    EXPECT_FALSE(acl.allows(name, "192.0.2.41")) << name;
    EXPECT_TRUE(acl.allows(name, "203.0.113.1")) << name;
  }
}

TEST(AclMatcher, EqualPrefixLaterNodeWins) {
  AclConfig config;
  config.lists.push_back(make_list("x", false, {{true, "192.0.2.0/24"}, {false, "192.0.2.0/24"}}));
  AclMatcher acl(config);
  EXPECT_FALSE(acl.allows("x", "192.0.2.5"));
}

TEST(AclMatcher, Ipv6) {
  AclConfig config;
  config.lists.push_back(
      make_list("v6", false, {{true, "2001:db8::/32"}, {false, "2001:db8:bad::/48"}}));
  AclMatcher acl(config);
  EXPECT_TRUE(acl.allows("v6", "2001:db8:1::5"));
  EXPECT_TRUE(acl.allows("v6", "[2001:db8:1::5]"));
  EXPECT_FALSE(acl.allows("v6", "2001:db8:bad::5"));
  EXPECT_FALSE(acl.allows("v6", "2001:db9::1"));
  EXPECT_FALSE(acl.allows("v6", "192.0.2.1"));
}

TEST(AclMatcher, Ipv4MappedAddressesMatchIpv4Nets) {
  AclConfig config;
  config.lists.push_back(make_list("lan", false, {{true, "192.0.2.0/24"}}));
  AclMatcher acl(config);
  EXPECT_TRUE(acl.allows("lan", "::ffff:192.0.2.10"));
  EXPECT_FALSE(acl.allows("lan", "::ffff:192.0.3.10"));
}

TEST(AclMatcher, UnknownListOrBadAddressDenies) {
  AclConfig config;
  config.lists.push_back(make_list("open", true, {}));
  AclMatcher acl(config);
  EXPECT_FALSE(acl.has_list("missing"));
  EXPECT_FALSE(acl.allows("missing", "127.0.0.1"));
  EXPECT_TRUE(acl.allows("open", "127.0.0.1"));
  EXPECT_FALSE(acl.allows("open", "not-an-ip"));
  EXPECT_FALSE(acl.allows("open", ""));
}

TEST(AclMatcher, BareAddressesAndCidrsAsListNames) {
  AclMatcher acl(AclConfig{});
  EXPECT_TRUE(acl.has_list("192.0.2.0/24"));
  EXPECT_TRUE(acl.allows("192.0.2.0/24", "192.0.2.77"));
  EXPECT_FALSE(acl.allows("192.0.2.0/24", "192.0.3.77"));
  EXPECT_TRUE(acl.allows("192.0.2.7", "192.0.2.7"));
  EXPECT_FALSE(acl.allows("192.0.2.7", "192.0.2.8"));
  EXPECT_TRUE(acl.allows("::1", "::1"));
  EXPECT_TRUE(acl.allows("192.0.2.7,198.51.100.0/24", "198.51.100.3"));
  EXPECT_FALSE(acl.allows("192.0.2.7,198.51.100.0/24", "203.0.113.3"));
  EXPECT_FALSE(acl.has_list("192.0.2.0/33"));
}

TEST(AclMatcher, BuiltinLists) {
  AclMatcher acl(AclConfig{});
  for (const char* name : {"rfc1918.auto", "rfc6598.auto", "nat.auto", "localnet.auto",
                           "loopback.auto", "any_v4.auto", "any_v6.auto", "wan.auto",
                           "wan_v4.auto", "wan_v6.auto"}) {
    EXPECT_TRUE(acl.has_list(name)) << name;
    EXPECT_TRUE(AclMatcher::is_builtin(name)) << name;
  }
  EXPECT_FALSE(AclMatcher::is_builtin("lan"));

  EXPECT_TRUE(acl.allows("loopback.auto", "127.0.0.1"));
  EXPECT_TRUE(acl.allows("loopback.auto", "127.10.0.1"));
  EXPECT_TRUE(acl.allows("loopback.auto", "::1"));
  EXPECT_FALSE(acl.allows("loopback.auto", "192.0.2.1"));

  EXPECT_TRUE(acl.allows("rfc1918.auto", "10.1.2.3"));
  EXPECT_TRUE(acl.allows("rfc1918.auto", "172.31.255.255"));
  EXPECT_FALSE(acl.allows("rfc1918.auto", "172.32.0.1"));
  EXPECT_TRUE(acl.allows("rfc1918.auto", "192.168.0.1"));
  EXPECT_FALSE(acl.allows("rfc1918.auto", "192.0.2.1"));
  EXPECT_TRUE(acl.allows("rfc6598.auto", "100.64.0.1"));
  EXPECT_FALSE(acl.allows("rfc6598.auto", "100.128.0.1"));

  EXPECT_TRUE(acl.allows("any_v4.auto", "203.0.113.9"));
  EXPECT_FALSE(acl.allows("any_v4.auto", "2001:db8::1"));
  EXPECT_TRUE(acl.allows("any_v6.auto", "2001:db8::1"));
  EXPECT_FALSE(acl.allows("any_v6.auto", "203.0.113.9"));

  EXPECT_TRUE(acl.allows("wan.auto", "203.0.113.9"));
  EXPECT_TRUE(acl.allows("wan.auto", "2001:db8::1"));
  EXPECT_FALSE(acl.allows("wan.auto", "10.0.0.1"));
  EXPECT_FALSE(acl.allows("wan.auto", "169.254.1.1"));
  EXPECT_FALSE(acl.allows("wan.auto", "127.0.0.1"));
  EXPECT_FALSE(acl.allows("wan.auto", "fe80::1"));
  EXPECT_TRUE(acl.allows("wan_v4.auto", "203.0.113.9"));
  EXPECT_FALSE(acl.allows("wan_v4.auto", "2001:db8::1"));
  EXPECT_FALSE(acl.allows("wan_v4.auto", "192.168.1.1"));
  EXPECT_TRUE(acl.allows("wan_v6.auto", "2001:db8::1"));
  EXPECT_FALSE(acl.allows("wan_v6.auto", "203.0.113.9"));
  EXPECT_FALSE(acl.allows("wan_v6.auto", "fe80::1"));
}

TEST(AclMatcher, LocalnetAndNatFollowTheHostsInterfaces) {
  AclMatcher acl(AclConfig{});
  bool any_interface = false;
  for (const auto& local : local_interface_addresses()) {
    if (local.loopback) continue;
    any_interface = true;
    EXPECT_TRUE(acl.allows("localnet.auto", local.address.str())) << local.address.str();
    // Our own networks are not "behind a NAT".
    EXPECT_FALSE(acl.allows("nat.auto", local.address.str())) << local.address.str();
  }
  EXPECT_FALSE(acl.allows("localnet.auto", "127.0.0.1"));  // loopback is loopback.auto's
  // A private address on none of our networks is a NATed client.
  for (const char* candidate : {"10.254.253.252", "172.31.254.253", "192.168.254.253"}) {
    if (!acl.allows("localnet.auto", candidate)) {
      EXPECT_TRUE(acl.allows("nat.auto", candidate)) << candidate;
    }
  }
  EXPECT_FALSE(acl.allows("nat.auto", "203.0.113.5"));
  if (!any_interface) GTEST_SKIP() << "no non-loopback interface to check localnet.auto with";
}

}  // namespace
}  // namespace sipedge
