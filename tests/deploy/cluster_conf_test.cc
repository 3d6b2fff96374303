// The deployment files load as the node would load them: conf/cluster/node-a
// and node-b (the pair of docker-compose.yml) through the node's own config
// and dialplan loaders, without a warning; the two dirs differ only in
// vars.xml; the VIP they bind is the one of docker-compose.yml.
// Single-threaded; reads files only.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>

#include "node/config/cluster_settings.h"
#include "node/config/node_config.h"
#include "node/dialplan/dialplan.h"

namespace sipedge {
namespace {

namespace fs = std::filesystem;

const fs::path kSource = SIPEDGE_SOURCE_DIR;
const fs::path kClusterConf = kSource / "conf" / "cluster";
constexpr const char* kVip = "172.28.0.100";

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The value of a switch.conf param as the node read it (after `$${var}`), or "".
std::string switch_param(const NodeConfig& config, const std::string& name) {
  std::string value;
  for (const Param& param : config.core.params) {
    if (param.name == name) value = param.value;  // the last one wins, as in the readers
  }
  return value;
}

// SIPEDGE_DB_DSN would replace the conf's DSN: unset for the test's lifetime.
class ClusterConf : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (const char* dsn = getenv("SIPEDGE_DB_DSN")) saved_dsn_ = dsn, had_dsn_ = true;
    unsetenv("SIPEDGE_DB_DSN");
  }
  void TearDown() override {
    if (had_dsn_) setenv("SIPEDGE_DB_DSN", saved_dsn_.c_str(), 1);
  }
  std::string dir() const { return (kClusterConf / GetParam()).string(); }

 private:
  std::string saved_dsn_;
  bool had_dsn_ = false;
};

TEST_P(ClusterConf, LoadsWithoutWarnings) {
  NodeConfig config = load_node_config(dir());
  for (const std::string& warning : config.warnings) ADD_FAILURE() << warning;

  EXPECT_EQ(config.core.switchname, GetParam());
  EXPECT_EQ(config.core.core_db_dsn,
            "host=postgres port=5432 dbname=sipedge user=sipedge password=sipedge-demo connect_timeout=2 "
            "tcp_user_timeout=1000");
  EXPECT_FALSE(switch_param(config, "cluster-nonce-key").empty());

  // The cluster-* params as the node reads them (it refuses to start on a bad one).
  const ClusterSettings cluster = cluster_settings(config.core);
  EXPECT_EQ(cluster.cluster_name, "sipedge-demo");
  EXPECT_EQ(cluster.lease_ttl.count(), 1000);
  EXPECT_EQ(cluster.lease_renew.count(), 200);
  EXPECT_EQ(cluster.vip, std::string(kVip) + "/24");
  EXPECT_EQ(cluster.vip_address, kVip);
  EXPECT_EQ(cluster.vip_interface, "eth0");
  EXPECT_TRUE(cluster.takeover_command.empty()) << "the built-in ip addr + arping";
  EXPECT_TRUE(cluster.release_command.empty());
  EXPECT_TRUE(cluster.auto_recover);

  // Every profile of the pair listens on the VIP.
  ASSERT_EQ(config.sofia.profiles.size(), 2u);
  for (const ProfileConfig& profile : config.sofia.profiles) {
    EXPECT_EQ(profile.sip_ip, kVip) << profile.name;
  }
  ASSERT_NE(config.sofia.profile("internal"), nullptr);
  ASSERT_NE(config.sofia.profile("external"), nullptr);
  EXPECT_EQ(config.sofia.profile("internal")->sip_port, 5060);
  EXPECT_EQ(config.sofia.profile("external")->sip_port, 5080);
  EXPECT_EQ(config.sofia.profile("external")->context, "public");

  // The keepalived scripts use sipedge-cli's defaults.
  EXPECT_EQ(config.event_socket.listen_ip, "127.0.0.1");
  EXPECT_EQ(config.event_socket.listen_port, 8021);
  EXPECT_EQ(config.event_socket.password, "ClueCon");
}

TEST_P(ClusterConf, DialplanLoadsWithoutWarnings) {
  NodeConfig config = load_node_config(dir());
  Dialplan dialplan = load_dialplan(dir(), config.vars);
  for (const std::string& warning : dialplan.warnings) ADD_FAILURE() << warning;
  EXPECT_EQ(dialplan.contexts.count("public"), 1u);
  EXPECT_EQ(dialplan.contexts.count("default"), 1u);
}

INSTANTIATE_TEST_SUITE_P(Nodes, ClusterConf, ::testing::Values("node-a", "node-b"),
                         [](const auto& info) { return info.param == "node-a" ? "NodeA" : "NodeB"; });

// The relative paths of the regular files under `dir`.
std::set<std::string> files_under(const fs::path& dir) {
  std::set<std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) files.insert(fs::relative(entry.path(), dir).string());
  }
  return files;
}

TEST(ClusterConfPair, TheTwoNodesDifferOnlyInVarsXml) {
  const fs::path a = kClusterConf / "node-a";
  const fs::path b = kClusterConf / "node-b";
  const std::set<std::string> files = files_under(a);
  EXPECT_EQ(files, files_under(b));
  for (const std::string& file : files) {
    if (file == "vars.xml") continue;
    EXPECT_EQ(read_text(a / file), read_text(b / file)) << file << " differs between node-a and node-b";
  }
  // vars.xml: only the node's name (and the comment naming it) differ.
  std::string vars_b = read_text(b / "vars.xml");
  for (auto [from, to] : {std::pair{"node-b of the", "node-a of the"}, std::pair{"node-a's conf", "node-b's conf"},
                          std::pair{"node_name=node-b", "node_name=node-a"}}) {
    const auto at = vars_b.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    vars_b.replace(at, std::string(from).size(), to);
  }
  EXPECT_EQ(read_text(a / "vars.xml"), vars_b);
}

TEST(ClusterConfPair, ComposeUsesTheSameVip) {
  const std::string compose = read_text(kSource / "docker-compose.yml");
  EXPECT_NE(compose.find("subnet: 172.28.0.0/24"), std::string::npos);
  EXPECT_NE(compose.find(std::string(kVip) + ":5080"), std::string::npos) << "the caller dials the VIP";
  EXPECT_NE(compose.find("/etc/sipedge-cluster/node-a"), std::string::npos);
  EXPECT_NE(compose.find("/etc/sipedge-cluster/node-b"), std::string::npos);
}

}  // namespace
}  // namespace sipedge
