// cluster_settings(): the cluster-* params of switch.conf.xml <settings>
// (docs/cluster.md), read from a real conf dir so errors name file:line.
#include "node/config/cluster_settings.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "conf_dir_fixture.h"
#include "node/config/node_config.h"

namespace sipedge {
namespace {

using test::ConfDir;
using test::expect_config_error;
using test::ScopedDsnEnv;

// switch.conf.xml with one <param> per entry of `params` ({name, value}).
// The first param is on line 4 (after the DSN on line 3), the next on 5, ...
class ClusterSettingsTest : public ::testing::Test {
 protected:
  SwitchConfig load(const std::vector<std::pair<std::string, std::string>>& params) {
    dir_.write_minimal();
    std::string text = "<configuration name=\"switch.conf\">\n  <settings>\n"
                       "    <param name=\"core-db-dsn\" value=\"dbname=test\"/>\n";
    for (const auto& [name, value] : params)
      text += "    <param name=\"" + name + "\" value=\"" + value + "\"/>\n";
    text += "  </settings>\n</configuration>\n";
    dir_.write("switch.conf.xml", text);
    return load_node_config(dir_.path()).core;
  }
  std::string file() const { return dir_.file("switch.conf.xml"); }
  // The line of the n-th param of load() (0-based).
  static int line_of(int n) { return 4 + n; }

  ScopedDsnEnv env_{nullptr};
  ConfDir dir_;
};

TEST_F(ClusterSettingsTest, Defaults) {
  ClusterSettings s = cluster_settings(load({}));
  EXPECT_EQ(s.cluster_name, "default");
  EXPECT_EQ(s.lease_ttl.count(), 1000);
  EXPECT_EQ(s.lease_renew.count(), 200);
  EXPECT_EQ(s.vip, "");
  EXPECT_EQ(s.vip_address, "");
  EXPECT_EQ(s.vip_interface, "");
  EXPECT_EQ(s.takeover_command, "");
  EXPECT_EQ(s.release_command, "");
  EXPECT_TRUE(s.auto_recover);
}

TEST_F(ClusterSettingsTest, DefaultsOfAnEmptySwitchConfig) {
  ClusterSettings s = cluster_settings(SwitchConfig{});
  EXPECT_EQ(s.cluster_name, "default");
  EXPECT_EQ(s.lease_ttl.count(), 1000);
  EXPECT_EQ(s.lease_renew.count(), 200);
  EXPECT_TRUE(s.auto_recover);
}

TEST_F(ClusterSettingsTest, EveryParam) {
  ClusterSettings s = cluster_settings(load({
      {"cluster-name", "pair-1"},
      {"cluster-lease-ttl", "3000"},
      {"cluster-lease-renew", "500"},
      {"cluster-vip", "10.77.0.100/24"},
      {"cluster-vip-interface", "eth0"},
      {"cluster-takeover-command", "/usr/local/sbin/vip-up"},
      {"cluster-release-command", "/usr/local/sbin/vip-down"},
      {"cluster-auto-recover", "false"},
  }));
  EXPECT_EQ(s.cluster_name, "pair-1");
  EXPECT_EQ(s.lease_ttl.count(), 3000);
  EXPECT_EQ(s.lease_renew.count(), 500);
  EXPECT_EQ(s.vip, "10.77.0.100/24");
  EXPECT_EQ(s.vip_address, "10.77.0.100");
  EXPECT_EQ(s.vip_interface, "eth0");
  EXPECT_EQ(s.takeover_command, "/usr/local/sbin/vip-up");
  EXPECT_EQ(s.release_command, "/usr/local/sbin/vip-down");
  EXPECT_FALSE(s.auto_recover);
}

TEST_F(ClusterSettingsTest, AutoRecoverSpellings) {
  EXPECT_FALSE(cluster_settings(load({{"cluster-auto-recover", "no"}})).auto_recover);
  EXPECT_FALSE(cluster_settings(load({{"cluster-auto-recover", "OFF"}})).auto_recover);
  EXPECT_TRUE(cluster_settings(load({{"cluster-auto-recover", "yes"}})).auto_recover);
  EXPECT_TRUE(cluster_settings(load({{"cluster-auto-recover", "1"}})).auto_recover);
}

TEST_F(ClusterSettingsTest, BareIpv4VipGetsSlash32) {
  ClusterSettings s = cluster_settings(load({{"cluster-vip", "10.77.0.100"}, {"cluster-vip-interface", "eth0"}}));
  EXPECT_EQ(s.vip, "10.77.0.100/32");
  EXPECT_EQ(s.vip_address, "10.77.0.100");
}

TEST_F(ClusterSettingsTest, BareIpv6VipGetsSlash128) {
  ClusterSettings s = cluster_settings(load({{"cluster-vip", "2001:db8::100"}, {"cluster-vip-interface", "eth0"}}));
  EXPECT_EQ(s.vip, "2001:db8::100/128");
  EXPECT_EQ(s.vip_address, "2001:db8::100");
}

TEST_F(ClusterSettingsTest, Ipv6VipWithPrefix) {
  ClusterSettings s = cluster_settings(load({{"cluster-vip", "2001:db8::100/64"}, {"cluster-vip-interface", "eth1"}}));
  EXPECT_EQ(s.vip, "2001:db8::100/64");
  EXPECT_EQ(s.vip_address, "2001:db8::100");
  EXPECT_EQ(s.vip_interface, "eth1");
}

TEST_F(ClusterSettingsTest, EmptyVipMeansNoAddressAndNeedsNoInterface) {
  ClusterSettings s = cluster_settings(load({{"cluster-vip", ""}}));
  EXPECT_EQ(s.vip, "");
  EXPECT_EQ(s.vip_address, "");
}

TEST_F(ClusterSettingsTest, RenewJustUnderNinetyPercentOfTtl) {
  ClusterSettings s = cluster_settings(load({{"cluster-lease-ttl", "1000"}, {"cluster-lease-renew", "899"}}));
  EXPECT_EQ(s.lease_renew.count(), 899);
  s = cluster_settings(load({{"cluster-lease-ttl", "100"}, {"cluster-lease-renew", "10"}}));  // both minimums
  EXPECT_EQ(s.lease_ttl.count(), 100);
  EXPECT_EQ(s.lease_renew.count(), 10);
  s = cluster_settings(load({{"cluster-lease-ttl", "600000"}}));  // maximum
  EXPECT_EQ(s.lease_ttl.count(), 600000);
}

TEST_F(ClusterSettingsTest, BadMillisecondsNameTheParamsLine) {
  for (const std::string bad : {"", "abc", "-5", "1000ms", " 1000", "1.5", "99", "600001", "1234567890"}) {
    SCOPED_TRACE("ttl \"" + bad + "\"");
    SwitchConfig config = load({{"cluster-name", "a"}, {"cluster-lease-ttl", bad}});
    expect_config_error([&] { cluster_settings(config); }, file(), line_of(1),
                        "cluster-lease-ttl: \"" + bad + "\" is not a number of milliseconds between 100 and 600000");
  }
  for (const std::string bad : {"", "x", "9", "600001", "+200"}) {
    SCOPED_TRACE("renew \"" + bad + "\"");
    SwitchConfig config = load({{"cluster-lease-renew", bad}});
    expect_config_error([&] { cluster_settings(config); }, file(), line_of(0),
                        "cluster-lease-renew: \"" + bad + "\" is not a number of milliseconds between 10 and 600000");
  }
}

TEST_F(ClusterSettingsTest, RenewNotShorterThanNinetyPercentOfTtl) {
  // At the renew's line when the renew is written, else at the ttl's.
  SwitchConfig config = load({{"cluster-lease-ttl", "1000"}, {"cluster-lease-renew", "900"}});
  expect_config_error([&] { cluster_settings(config); }, file(), line_of(1),
                      "cluster-lease-renew (900 ms) must be shorter than 90% of cluster-lease-ttl (1000 ms)");
  config = load({{"cluster-lease-ttl", "200"}});  // the default renew (200) is too long for it
  expect_config_error([&] { cluster_settings(config); }, file(), line_of(0),
                      "cluster-lease-renew (200 ms) must be shorter than 90% of cluster-lease-ttl (200 ms)");
}

TEST_F(ClusterSettingsTest, RenewTooLongForTheDefaultTtlNamesTheRenewLine) {
  // Only the renew is written: the error should point at it, not at the file's first line.
  SwitchConfig config = load({{"cluster-name", "a"}, {"cluster-lease-renew", "950"}});
  expect_config_error([&] { cluster_settings(config); }, file(), line_of(1),
                      "cluster-lease-renew (950 ms) must be shorter than 90% of cluster-lease-ttl (1000 ms)");
}

TEST_F(ClusterSettingsTest, BadVip) {
  for (const std::string bad :
       {"10.77.0", "vip.example.com", "10.77.0.100/", "10.77.0.100/x", "10.77.0.100/24/1", "/24", "10.77.0.100 /24",
        "10.77.0.100/-1"}) {
    SCOPED_TRACE("vip \"" + bad + "\"");
    SwitchConfig config = load({{"cluster-vip-interface", "eth0"}, {"cluster-vip", bad}});
    expect_config_error([&] { cluster_settings(config); }, file(), line_of(1),
                        "param cluster-vip: \"" + bad + "\" is not an address/prefix");
  }
}

TEST_F(ClusterSettingsTest, VipPrefixLongerThanTheAddress) {
  // `ip addr replace 10.77.0.100/33` fails only at takeover time; the config check should catch it.
  for (const std::string bad : {"10.77.0.100/33", "2001:db8::100/129", "10.77.0.100/999"}) {
    SCOPED_TRACE("vip \"" + bad + "\"");
    SwitchConfig config = load({{"cluster-vip-interface", "eth0"}, {"cluster-vip", bad}});
    expect_config_error([&] { cluster_settings(config); }, file(), line_of(1),
                        "param cluster-vip: \"" + bad + "\" is not an address/prefix");
  }
}

TEST_F(ClusterSettingsTest, VipWithoutInterface) {
  SwitchConfig config = load({{"cluster-name", "a"}, {"cluster-vip", "10.77.0.100/24"}});
  expect_config_error([&] { cluster_settings(config); }, file(), line_of(1),
                      "param cluster-vip needs cluster-vip-interface");
  config = load({{"cluster-vip", "10.77.0.100"}, {"cluster-vip-interface", ""}});
  expect_config_error([&] { cluster_settings(config); }, file(), line_of(0),
                      "param cluster-vip needs cluster-vip-interface");
}

TEST_F(ClusterSettingsTest, EmptyClusterName) {
  SwitchConfig config = load({{"cluster-lease-ttl", "2000"}, {"cluster-name", ""}});
  expect_config_error([&] { cluster_settings(config); }, file(), line_of(1), "param cluster-name must not be empty");
}

TEST_F(ClusterSettingsTest, BadAutoRecover) {
  SwitchConfig config = load({{"cluster-auto-recover", "maybe"}});
  expect_config_error([&] { cluster_settings(config); }, file(), line_of(0),
                      "param cluster-auto-recover: \"maybe\" is not a boolean");
}

// Without a conf dir: the location comes from the Param as given.
TEST(ClusterSettingsParams, ErrorsUseTheParamsLocation) {
  SwitchConfig config;
  config.where = {"conf/switch.conf.xml", 1};
  config.params.push_back({"cluster-lease-ttl", "12x", {"conf/switch.conf.xml", 17}});
  expect_config_error([&] { cluster_settings(config); }, "conf/switch.conf.xml", 17, "cluster-lease-ttl");
}

}  // namespace
}  // namespace sipedge
