// Errors that need the whole conf directory: ACL names used across files,
// malformed XML reached through includes.
#include <gtest/gtest.h>

#include "conf_dir_fixture.h"
#include "node/config/node_config.h"

namespace sipedge {
namespace {

using test::ConfDir;
using test::expect_config_error;
using test::ScopedDsnEnv;

class NodeConfigErrorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.write_minimal();
    dir_.write("sofia.conf.xml", R"(<configuration name="sofia.conf">
  <profiles>
    <X-PRE-PROCESS cmd="include" data="sip_profiles/*.xml"/>
  </profiles>
</configuration>
)");
    dir_.write("acl.conf.xml", R"(<configuration name="acl.conf">
  <network-lists>
    <list name="lan" default="deny"><node type="allow" cidr="192.0.2.0/24"/></list>
  </network-lists>
</configuration>
)");
  }
  void write_profile_param(const std::string& name, const std::string& value) {
    dir_.write("sip_profiles/internal.xml", R"(<profile name="internal">
  <settings>
    <param name="sip-ip" value="127.0.0.1"/>
    <param name=")" + name + R"(" value=")" + value + R"("/>
  </settings>
</profile>
)");
  }
  ScopedDsnEnv env_{nullptr};
  ConfDir dir_;
};

TEST_F(NodeConfigErrorsTest, UnknownAclInProfileParamsNamesTheParam) {
  for (const char* param : {"apply-register-acl", "apply-inbound-acl", "apply-proxy-acl"}) {
    write_profile_param(param, "nonexistent");
    expect_config_error([&] { load_node_config(dir_.path()); },
                        dir_.file("sip_profiles/internal.xml"), 4, "unknown ACL \"nonexistent\"");
  }
  write_profile_param("apply-inbound-acl", "nope:public:reject");
  expect_config_error([&] { load_node_config(dir_.path()); }, dir_.file("sip_profiles/internal.xml"),
                      4, "unknown ACL \"nope\"");
}

TEST_F(NodeConfigErrorsTest, UnknownGwAuthAclNamesTheGatewayParam) {
  auto write_gateway = [this](const std::string& acl) {
    dir_.write("sip_profiles/external.xml", R"(<profile name="external">
  <gateways>
    <gateway name="carrier">
      <param name="register" value="false"/>
      <param name="proxy" value="192.0.2.10"/>
      <param name="gw-auth-acl" value=")" + acl + R"("/>
    </gateway>
  </gateways>
  <settings>
    <param name="sip-ip" value="127.0.0.1"/>
  </settings>
</profile>
)");
  };
  write_gateway("nonexistent");
  expect_config_error([&] { load_node_config(dir_.path()); }, dir_.file("sip_profiles/external.xml"), 6,
                      "gateway \"carrier\" gw-auth-acl: unknown ACL \"nonexistent\"");
  write_gateway("lan");
  NodeConfig config = load_node_config(dir_.path());
  EXPECT_EQ(config.sofia.gateway("carrier")->gw_auth_acl, "lan");
}

TEST_F(NodeConfigErrorsTest, KnownAclNamesAreAccepted) {
  for (const char* value : {"lan", "rfc1918.auto", "localnet.auto", "192.0.2.7",
                            "192.0.2.0/24,198.51.100.0/24"}) {
    for (const char* param : {"apply-inbound-acl", "apply-register-acl", "apply-proxy-acl"}) {
      write_profile_param(param, value);
      EXPECT_NO_THROW(load_node_config(dir_.path())) << param << "=" << value;
    }
  }
  write_profile_param("apply-inbound-acl", "lan:trusted:public");
  EXPECT_NO_THROW(load_node_config(dir_.path()));
}

TEST_F(NodeConfigErrorsTest, UnknownAclInEventSocketNamesTheParam) {
  write_profile_param("context", "default");
  dir_.write("event_socket.conf.xml", R"(<configuration name="event_socket.conf">
  <settings>
    <param name="apply-inbound-acl" value="loopback.auto"/>
    <param name="apply-inbound-acl" value="Lan"/>
  </settings>
</configuration>
)");
  expect_config_error([&] { load_node_config(dir_.path()); }, dir_.file("event_socket.conf.xml"), 4,
                      "unknown ACL \"Lan\"");
}

TEST_F(NodeConfigErrorsTest, AclMissingFileMeansOnlyBuiltins) {
  std::filesystem::remove(dir_.file("acl.conf.xml"));
  write_profile_param("apply-register-acl", "lan");
  expect_config_error([&] { load_node_config(dir_.path()); }, dir_.file("sip_profiles/internal.xml"),
                      4, "unknown ACL \"lan\"");
}

TEST_F(NodeConfigErrorsTest, MalformedXmlInIncludedProfile) {
  dir_.write("sip_profiles/internal.xml", R"(<profile name="internal">
  <settings>
    <param name="sip-ip" value="127.0.0.1"/>
    <param name="sip-port" value="5060"
  </settings>
</profile>
)");
  // pugixml stops at the '<' that cannot start an attribute: line 5.
  expect_config_error([&] { load_node_config(dir_.path()); }, dir_.file("sip_profiles/internal.xml"),
                      5, "malformed XML");
}

TEST_F(NodeConfigErrorsTest, NotADirectory) {
  expect_config_error([&] { load_node_config(dir_.file("nope")); }, dir_.file("nope"), 0,
                      "not a configuration directory");
}

}  // namespace
}  // namespace sipedge
