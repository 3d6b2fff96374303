// The layouts of `cluster status` (format_cluster_status) and of the cluster
// row of `sofia status` (format_cluster_row / format_sofia_status).
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "node/commands/cluster_commands.h"
#include "node/commands/sofia_status_format.h"
#include "recovery/cluster_role.h"

namespace sipedge {
namespace {

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

ClusterStatus active_status() {
  ClusterStatus s;
  s.lease.role = LeaseRole::active;
  s.lease.epoch = 17;
  s.lease.lease_epoch = 16;  // must not be shown for an active node
  s.lease.lease_holder = "node-a";
  s.lease.lease_expires_in_ms = 812;
  s.lease.promotions = 2;
  s.lease.demotions = 1;
  s.lease.last_demotion = "renewal failed";
  s.cluster_name = "pair-1";
  s.vip = "10.77.0.100/24";
  s.node = "node-a";
  s.accepting = true;
  return s;
}

TEST(ClusterStatusFormat, ActiveLayout) {
  EXPECT_EQ(format_cluster_status(active_status()),
            "role: active\n"
            "epoch: 17\n"
            "lease-holder: node-a\n"
            "lease-expires-in-ms: 812\n"
            "vip: 10.77.0.100/24\n"
            "node: node-a\n"
            "cluster: pair-1\n"
            "accepting: true\n"
            "forced-standby: false\n"
            "promotions: 2\n"
            "demotions: 1\n"
            "last-demotion: renewal failed\n"
            "last-error: \n");
}

// The standby's warm index, when the node listens on the recovery channel.
TEST(ClusterStatusFormat, WarmCallsLastWhenKnown) {
  std::string text = format_cluster_status(active_status(), 42);
  const std::string tail = "last-error: \nwarm-calls: 42\n";
  ASSERT_GE(text.size(), tail.size());
  EXPECT_EQ(text.substr(text.size() - tail.size()), tail) << text;
  EXPECT_EQ(format_cluster_status(active_status()).find("warm-calls"), std::string::npos);
}

TEST(ClusterStatusFormat, StandbyShowsTheLeasesEpoch) {
  ClusterStatus s;
  s.lease.role = LeaseRole::standby;
  s.lease.epoch = 0;
  s.lease.lease_epoch = 23;
  s.lease.lease_holder = "node-a";
  s.lease.lease_expires_in_ms = 640;
  s.lease.forced_standby = true;
  s.lease.last_error = "connection refused";
  s.cluster_name = "pair-1";
  s.node = "node-b";
  auto l = lines(format_cluster_status(s));
  ASSERT_EQ(l.size(), 13u);
  EXPECT_EQ(l[0], "role: standby");
  EXPECT_EQ(l[1], "epoch: 23");
  EXPECT_EQ(l[2], "lease-holder: node-a");
  EXPECT_EQ(l[3], "lease-expires-in-ms: 640");
  EXPECT_EQ(l[4], "vip: ");
  EXPECT_EQ(l[5], "node: node-b");
  EXPECT_EQ(l[6], "cluster: pair-1");
  EXPECT_EQ(l[7], "accepting: false");
  EXPECT_EQ(l[8], "forced-standby: true");
  EXPECT_EQ(l[12], "last-error: connection refused");
}

TEST(ClusterStatusFormat, DemotedShowsTheLeasesEpoch) {
  ClusterStatus s = active_status();
  s.lease.role = LeaseRole::demoted;
  s.lease.epoch = 0;
  s.lease.lease_epoch = 18;
  s.lease.lease_holder = "node-b";
  s.accepting = false;
  auto l = lines(format_cluster_status(s));
  ASSERT_GE(l.size(), 3u);
  EXPECT_EQ(l[0], "role: demoted");
  EXPECT_EQ(l[1], "epoch: 18");
  EXPECT_EQ(l[2], "lease-holder: node-b");
}

TEST(ClusterStatusFormat, UnknownLease) {
  ClusterStatus s;  // a standby that has not heard from the database yet
  auto l = lines(format_cluster_status(s));
  ASSERT_EQ(l.size(), 13u);
  EXPECT_EQ(l[1], "epoch: 0");
  EXPECT_EQ(l[2], "lease-holder: ");
  EXPECT_EQ(l[3], "lease-expires-in-ms: -1");
}

TEST(ClusterStatusFormat, EveryLineIsKeyColonSpaceValue) {
  const std::vector<std::string> keys = {"role",          "epoch",      "lease-holder", "lease-expires-in-ms",
                                         "vip",           "node",       "cluster",      "accepting",
                                         "forced-standby", "promotions", "demotions",    "last-demotion",
                                         "last-error"};
  std::string text = format_cluster_status(active_status());
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  auto l = lines(text);
  ASSERT_EQ(l.size(), keys.size());
  for (size_t i = 0; i < keys.size(); ++i) EXPECT_EQ(l[i].rfind(keys[i] + ": ", 0), 0u) << l[i];
}

// --- the cluster row of `sofia status` ---

ProfileStatus internal_profile() {
  ProfileStatus p;
  p.name = "internal";
  p.sip_ip = "192.0.2.10";
  p.port = 5060;
  p.url = "sip:mod_sofia@192.0.2.10:5060";
  p.bind_url = p.url;
  p.running = true;
  return p;
}

std::string printf_row(const char* name, const char* type, const std::string& data, const std::string& state) {
  char buf[512];
  snprintf(buf, sizeof buf, "%25s\t%s\t  %40s\t%s\n", name, type, data.c_str(), state.c_str());
  return buf;
}

TEST(ClusterRowFormat, ActiveRow) {
  EXPECT_EQ(format_cluster_row("pair-1", "active", 17, "node-a"),
            "                   pair-1\tcluster\t                    epoch 17 holder node-a\tACTIVE\n");
  EXPECT_EQ(format_cluster_row("pair-1", "active", 17, "node-a"),
            printf_row("pair-1", "cluster", "epoch 17 holder node-a", "ACTIVE"));
}

TEST(ClusterRowFormat, StandbyAndDemotedRows) {
  EXPECT_EQ(format_cluster_row("default", "standby", 3, "node-b"),
            printf_row("default", "cluster", "epoch 3 holder node-b", "STANDBY"));
  EXPECT_EQ(format_cluster_row("default", "demoted", 4, "node-b"),
            printf_row("default", "cluster", "epoch 4 holder node-b", "DEMOTED"));
}

TEST(ClusterRowFormat, NoHolder) {
  EXPECT_EQ(format_cluster_row("default", "standby", 0, ""),
            printf_row("default", "cluster", "epoch 0 holder none", "STANDBY"));
}

TEST(ClusterRowFormat, LongValuesAreNotCut) {
  std::string name(30, 'c');
  std::string holder(50, 'h');
  EXPECT_EQ(format_cluster_row(name, "active", 1, holder),
            printf_row(name.c_str(), "cluster", "epoch 1 holder " + holder, "ACTIVE"));
}

TEST(ClusterRowFormat, SameColumnsAsAProfileRow) {
  std::string row = format_cluster_row("pair-1", "active", 17, "node-a");
  auto profile_line = lines(format_sofia_status({internal_profile()}))[2];
  auto cluster_line = lines(row)[0];
  // Tabs at the same offsets: name column 25 wide, type, then data right-aligned in 40.
  EXPECT_EQ(cluster_line.find('\t'), profile_line.find('\t'));
  EXPECT_EQ(cluster_line.find('\t', 26), profile_line.find('\t', 26));
  EXPECT_EQ(cluster_line.rfind('\t'), profile_line.rfind('\t'));
}

TEST(SofiaStatusWithCluster, ClusterRowAfterTheProfilesAndFooterCountsProfilesOnly) {
  std::string row = format_cluster_row("pair-1", "standby", 9, "node-a");
  auto l = lines(format_sofia_status({internal_profile()}, {}, row));
  ASSERT_EQ(l.size(), 6u);
  EXPECT_EQ(l[0], "                     Name\t   Type\t                                      Data\tState");
  EXPECT_EQ(l[1], std::string(97, '='));
  EXPECT_EQ(l[2], "                 internal\tprofile\t             sip:mod_sofia@192.0.2.10:5060\tRUNNING (0)");
  EXPECT_EQ(l[3], "                   pair-1\tcluster\t                     epoch 9 holder node-a\tSTANDBY");
  EXPECT_EQ(l[4], std::string(97, '='));
  EXPECT_EQ(l[5], "1 profile 0 aliases");
}

TEST(SofiaStatusWithCluster, NoProfilesStillShowsTheClusterRow) {
  ProfileStatus stopped = internal_profile();
  stopped.running = false;
  std::string row = format_cluster_row("pair-1", "active", 2, "node-a");
  auto l = lines(format_sofia_status({stopped}, {}, row));
  ASSERT_EQ(l.size(), 5u);
  EXPECT_EQ(l[2] + "\n", row);
  EXPECT_EQ(l[4], "0 profiles 0 aliases");
}

TEST(SofiaStatusWithCluster, EmptyRowIsTheOldLayout) {
  EXPECT_EQ(format_sofia_status({internal_profile()}, {}, ""), format_sofia_status({internal_profile()}));
}

}  // namespace
}  // namespace sipedge
