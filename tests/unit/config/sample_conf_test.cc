// The sample conf/ the demo uses must load cleanly.
#include <gtest/gtest.h>

#include "conf_dir_fixture.h"
#include "node/config/acl_matcher.h"
#include "node/config/node_config.h"

namespace sipedge {
namespace {

const std::string kSampleConf = std::string(SIPEDGE_SOURCE_DIR) + "/conf";

TEST(SampleConf, LoadsWithoutWarnings) {
  test::ScopedDsnEnv env(nullptr);
  NodeConfig config = load_node_config(kSampleConf);
  for (const auto& warning : config.warnings) ADD_FAILURE() << warning;

  EXPECT_EQ(config.core.switchname, "node-a");
  EXPECT_EQ(config.core.core_db_dsn, "host=127.0.0.1 port=5432 dbname=sipedge user=sipedge");
  EXPECT_EQ(config.core.loglevel, "info");

  ASSERT_EQ(config.sofia.profiles.size(), 2u);
  const ProfileConfig* internal = config.sofia.profile("internal");
  ASSERT_NE(internal, nullptr);
  EXPECT_EQ(internal->sip_ip, "127.0.0.1");
  EXPECT_EQ(internal->sip_port, 5060);
  EXPECT_EQ(internal->context, "default");
  const ProfileConfig* external = config.sofia.profile("external");
  ASSERT_NE(external, nullptr);
  EXPECT_EQ(external->sip_ip, "127.0.0.1");
  EXPECT_EQ(external->sip_port, 5080);
  EXPECT_EQ(external->context, "public");

  ASSERT_NE(config.acl.list("lan"), nullptr);
  ASSERT_NE(config.acl.list("domains"), nullptr);
  AclMatcher acl(config.acl);
  EXPECT_TRUE(acl.allows("domains", "127.0.0.1"));
  EXPECT_FALSE(acl.allows("domains", "203.0.113.1"));
  EXPECT_FALSE(acl.allows("lan", "192.0.2.1"));
  EXPECT_TRUE(acl.allows("lan", "192.0.2.42"));

  EXPECT_EQ(config.event_socket.listen_ip, "127.0.0.1");
  EXPECT_EQ(config.event_socket.listen_port, 8021);
  EXPECT_EQ(config.event_socket.password, "ClueCon");
  EXPECT_EQ(config.event_socket.apply_inbound_acl, "loopback.auto");
  EXPECT_EQ(config.vars.at("domain"), "127.0.0.1");
}

TEST(SampleConf, EnvironmentOverridesTheSampleDsn) {
  test::ScopedDsnEnv env("host=127.0.0.1 port=6543 dbname=other");
  EXPECT_EQ(load_node_config(kSampleConf).core.core_db_dsn, "host=127.0.0.1 port=6543 dbname=other");
}

}  // namespace
}  // namespace sipedge
