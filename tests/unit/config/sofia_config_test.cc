#include <gtest/gtest.h>

#include "conf_dir_fixture.h"
#include "node/config/node_config.h"

namespace sipedge {
namespace {

using test::ConfDir;
using test::expect_config_error;
using test::has_warning;
using test::ScopedDsnEnv;

const char* kSofiaWithIncludes = R"(<configuration name="sofia.conf">
  <global_settings>
    <param name="log-level" value="3"/>
    <param name="tracelevel" value="DEBUG"/>
    <param name="siptrace" value="on"/>
    <param name="debug-presence" value="0"/>
  </global_settings>
  <profiles>
    <X-PRE-PROCESS cmd="include" data="sip_profiles/*.xml"/>
  </profiles>
</configuration>
)";

class SofiaConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.write_minimal();
    dir_.write("sofia.conf.xml", kSofiaWithIncludes);
  }
  ScopedDsnEnv env_{nullptr};
  ConfDir dir_;
};

TEST_F(SofiaConfigTest, ProfileDefaults) {
  dir_.write("sip_profiles/only.xml", R"(<profile name="only">
  <settings>
    <param name="sip-ip" value="127.0.0.1"/>
  </settings>
</profile>
)");
  NodeConfig config = load_node_config(dir_.path());
  ASSERT_EQ(config.sofia.profiles.size(), 1u);
  const ProfileConfig& p = config.sofia.profiles[0];
  EXPECT_EQ(p.name, "only");
  EXPECT_EQ(p.sip_ip, "127.0.0.1");
  EXPECT_EQ(p.sip_port, 5060);
  EXPECT_EQ(p.ext_sip_ip, "");
  EXPECT_EQ(p.context, "public");
  EXPECT_EQ(p.dialplan, "XML");
  EXPECT_FALSE(p.sip_trace);
  EXPECT_TRUE(p.register_acls.empty());
  EXPECT_TRUE(p.inbound_acls.empty());
  EXPECT_EQ(p.where.file, dir_.file("sip_profiles/only.xml"));
  EXPECT_EQ(p.where.line, 1);
  EXPECT_TRUE(config.warnings.empty()) << config.warnings.front();
}

TEST_F(SofiaConfigTest, GlobalSettingsDefaults) {
  dir_.write_minimal();  // sofia.conf without global_settings
  NodeConfig config = load_node_config(dir_.path());
  EXPECT_EQ(config.sofia.global.log_level, "0");
  EXPECT_EQ(config.sofia.global.tracelevel, "");
  EXPECT_FALSE(config.sofia.global.siptrace);
}

TEST_F(SofiaConfigTest, ValuesFromIncludedProfilesInSortedOrder) {
  dir_.write("vars.xml", R"(<include>
  <X-PRE-PROCESS cmd="set" data="local_ip_v4=127.0.0.1"/>
  <X-PRE-PROCESS cmd="set" data="external_sip_port=5080"/>
</include>
)");
  dir_.write("sip_profiles/external.xml", R"(<profile name="external">
  <gateways>
    <X-PRE-PROCESS cmd="include" data="sip_profiles/external/*.xml"/>
  </gateways>
  <aliases/>
  <domains><domain name="all" alias="false" parse="true"/></domains>
  <settings>
    <param name="sip-ip" value="$${local_ip_v4}"/>
    <param name="sip-port" value="$${external_sip_port}"/>
    <param name="ext-sip-ip" value="192.0.2.10"/>
    <param name="context" value="public"/>
    <param name="dialplan" value="XML,enum"/>
    <param name="sip-trace" value="yes"/>
    <param name="apply-inbound-acl" value="domains:trusted:untrusted"/>
    <param name="apply-inbound-acl" value="loopback.auto"/>
    <param name="apply-register-acl" value="lan"/>
    <param name="apply-proxy-acl" value="192.0.2.1/32"/>
    <param name="auth-calls" value="false"/>
    <param name="inbound-reg-force-matching-username" value="true"/>
  </settings>
</profile>
)");
  dir_.write("sip_profiles/external/gw1.xml", R"(<include>
  <gateway name="gw1"><param name="realm" value="192.0.2.1"/><param name="register" value="false"/></gateway>
</include>
)");
  dir_.write("sip_profiles/internal.xml", R"(<profile name="internal">
  <settings>
    <param name="sip-ip" value="::1"/>
    <param name="sip-port" value="0"/>
    <param name="context" value="default"/>
  </settings>
</profile>
)");
  dir_.write("acl.conf.xml", R"(<configuration name="acl.conf">
  <network-lists>
    <list name="lan" default="deny"><node type="allow" cidr="192.0.2.0/24"/></list>
    <list name="domains" default="deny"><node type="allow" cidr="198.51.100.0/24"/></list>
  </network-lists>
</configuration>
)");
  NodeConfig config = load_node_config(dir_.path());
  EXPECT_EQ(config.sofia.global.log_level, "3");
  EXPECT_EQ(config.sofia.global.tracelevel, "debug");
  EXPECT_TRUE(config.sofia.global.siptrace);

  ASSERT_EQ(config.sofia.profiles.size(), 2u);
  EXPECT_EQ(config.sofia.profiles[0].name, "external");  // glob order is sorted
  EXPECT_EQ(config.sofia.profiles[1].name, "internal");

  const ProfileConfig* ext = config.sofia.profile("external");
  ASSERT_NE(ext, nullptr);
  EXPECT_EQ(ext->sip_ip, "127.0.0.1");
  EXPECT_EQ(ext->sip_port, 5080);
  EXPECT_EQ(ext->ext_sip_ip, "192.0.2.10");
  EXPECT_EQ(ext->dialplan, "XML,enum");
  EXPECT_TRUE(ext->sip_trace);
  ASSERT_EQ(ext->inbound_acls.size(), 2u);
  EXPECT_EQ(ext->inbound_acls[0].acl, "domains");
  EXPECT_EQ(ext->inbound_acls[0].pass_context, "trusted");
  EXPECT_EQ(ext->inbound_acls[0].fail_context, "untrusted");
  EXPECT_EQ(ext->inbound_acls[0].where.line, 14);
  EXPECT_EQ(ext->inbound_acls[1].acl, "loopback.auto");
  EXPECT_EQ(ext->inbound_acls[1].pass_context, "");
  EXPECT_EQ(ext->register_acls, std::vector<std::string>{"lan"});
  EXPECT_EQ(ext->proxy_acls, std::vector<std::string>{"192.0.2.1/32"});
  ASSERT_EQ(ext->params.size(), 12u);
  const Param* auth_calls = ext->param("AUTH-CALLS");
  ASSERT_NE(auth_calls, nullptr);
  EXPECT_EQ(auth_calls->value, "false");
  EXPECT_EQ(auth_calls->where.file, dir_.file("sip_profiles/external.xml"));
  EXPECT_EQ(auth_calls->where.line, 18);
  EXPECT_EQ(ext->param("no-such"), nullptr);

  const ProfileConfig* internal = config.sofia.profile("internal");
  ASSERT_NE(internal, nullptr);
  EXPECT_EQ(internal->sip_ip, "::1");
  EXPECT_EQ(internal->sip_port, 0);
  EXPECT_EQ(internal->context, "default");
  EXPECT_EQ(config.sofia.profile("missing"), nullptr);
  EXPECT_TRUE(config.warnings.empty()) << config.warnings.front();
}

TEST_F(SofiaConfigTest, UnknownProfileParamWarnsWithFileAndLine) {
  dir_.write("sip_profiles/p.xml", R"(<profile name="p">
  <settings>
    <param name="sip-ip" value="127.0.0.1"/>
    <param name="sip-prot" value="5070"/>
  </settings>
</profile>
)");
  NodeConfig config = load_node_config(dir_.path());
  EXPECT_TRUE(has_warning(config.warnings, dir_.file("sip_profiles/p.xml") + ":4: ", "sip-prot"));
  EXPECT_EQ(config.warnings.size(), 1u);
  EXPECT_EQ(config.sofia.profiles.at(0).sip_port, 5060);
}

TEST_F(SofiaConfigTest, UnknownGlobalParamWarns) {
  dir_.write("sofia.conf.xml", R"(<configuration name="sofia.conf">
  <global_settings>
    <param name="log-levle" value="3"/>
  </global_settings>
  <profiles/>
</configuration>
)");
  NodeConfig config = load_node_config(dir_.path());
  EXPECT_TRUE(has_warning(config.warnings, dir_.file("sofia.conf.xml") + ":3: ", "log-levle"));
}

TEST_F(SofiaConfigTest, ExtSipIpDiscoveryFormsWarnAndFallBack) {
  dir_.write("sip_profiles/p.xml", R"(<profile name="p">
  <settings>
    <param name="sip-ip" value="127.0.0.1"/>
    <param name="ext-sip-ip" value="auto-nat"/>
  </settings>
</profile>
)");
  NodeConfig config = load_node_config(dir_.path());
  EXPECT_EQ(config.sofia.profiles.at(0).ext_sip_ip, "");
  EXPECT_TRUE(has_warning(config.warnings, dir_.file("sip_profiles/p.xml") + ":4: ", "auto-nat"));
}

TEST_F(SofiaConfigTest, MissingSipIpNamesTheProfileElement) {
  dir_.write("sip_profiles/internal.xml", R"(<!-- internal profile -->

<profile name="internal">
  <settings>
    <param name="sip-port" value="5060"/>
  </settings>
</profile>
)");
  expect_config_error([&] { load_node_config(dir_.path()); }, dir_.file("sip_profiles/internal.xml"),
                      3, "sip-ip");
}

TEST_F(SofiaConfigTest, BadPortNamesTheParam) {
  for (const char* port : {"65536", "-1", "50x", ""}) {
    dir_.write("sip_profiles/p.xml", std::string(R"(<profile name="p">
  <settings>
    <param name="sip-ip" value="127.0.0.1"/>
    <param name="sip-port" value=")") + port + R"("/>
  </settings>
</profile>
)");
    expect_config_error([&] { load_node_config(dir_.path()); }, dir_.file("sip_profiles/p.xml"), 4,
                        "sip-port");
  }
}

TEST_F(SofiaConfigTest, BadValuesNameTheParam) {
  struct Case {
    const char* name;
    const char* value;
  };
  for (Case c : {Case{"sip-ip", "not-an-ip"}, Case{"sip-trace", "maybe"}, Case{"context", ""},
                 Case{"ext-sip-ip", "bad host name"}, Case{"apply-inbound-acl", ":ctx"}}) {
    dir_.write("sip_profiles/p.xml", std::string(R"(<profile name="p">
  <settings>
    <param name="sip-ip" value="127.0.0.1"/>

    <param name=")") + c.name + R"(" value=")" + c.value + R"("/>
  </settings>
</profile>
)");
    expect_config_error([&] { load_node_config(dir_.path()); }, dir_.file("sip_profiles/p.xml"), 5,
                        c.name);
  }
}

// mod_sofia's transaction timers (milliseconds); absent = 0 = sofia-sip's RFC 3261 defaults.
TEST_F(SofiaConfigTest, SipTimers) {
  dir_.write("sip_profiles/p.xml", R"(<profile name="p">
  <settings>
    <param name="sip-ip" value="127.0.0.1"/>
    <param name="timer-T1" value="250"/>
    <param name="timer-T1X64" value="16000"/>
    <param name="timer-t2" value="4000"/>
    <param name="timer-T4" value="5000"/>
  </settings>
</profile>
)");
  dir_.write("sip_profiles/q.xml", R"(<profile name="q">
  <settings>
    <param name="sip-ip" value="127.0.0.1"/>
    <param name="sip-port" value="5070"/>
  </settings>
</profile>
)");
  NodeConfig config = load_node_config(dir_.path());
  ASSERT_EQ(config.sofia.profiles.size(), 2u);
  const SipTimers& t = config.sofia.profile("p")->timers;
  EXPECT_EQ(t.t1, 250u);
  EXPECT_EQ(t.t1x64, 16000u);
  EXPECT_EQ(t.t2, 4000u);
  EXPECT_EQ(t.t4, 5000u);
  EXPECT_EQ(config.sofia.profile("q")->timers, SipTimers{});
  EXPECT_TRUE(config.warnings.empty()) << config.warnings.front();
}

TEST_F(SofiaConfigTest, BadSipTimerNamesFileLineAndParam) {
  for (const char* value : {"0", "-500", "500ms", "", "3600001", "99999999999"}) {
    dir_.write("sip_profiles/p.xml", std::string(R"(<profile name="p">
  <settings>
    <param name="sip-ip" value="127.0.0.1"/>
    <param name="timer-T1X64" value=")") + value + R"("/>
  </settings>
</profile>
)");
    expect_config_error([&] { load_node_config(dir_.path()); }, dir_.file("sip_profiles/p.xml"), 4,
                        "param timer-T1X64: \"" + std::string(value) + "\" is not a number of milliseconds");
  }
}

TEST_F(SofiaConfigTest, DuplicateProfileNamesAreAnError) {
  const char* profile = R"(<profile name="same">
  <settings><param name="sip-ip" value="127.0.0.1"/></settings>
</profile>
)";
  dir_.write("sip_profiles/a.xml", profile);
  dir_.write("sip_profiles/b.xml", profile);
  expect_config_error([&] { load_node_config(dir_.path()); }, dir_.file("sip_profiles/b.xml"), 1,
                      "duplicate profile \"same\"");
}

TEST_F(SofiaConfigTest, ProfileWithoutNameIsAnError) {
  dir_.write("sip_profiles/a.xml", R"(<profile>
  <settings><param name="sip-ip" value="127.0.0.1"/></settings>
</profile>
)");
  expect_config_error([&] { load_node_config(dir_.path()); }, dir_.file("sip_profiles/a.xml"), 1,
                      "without a name");
}

TEST_F(SofiaConfigTest, ParamWithoutNameIsAnError) {
  dir_.write("sip_profiles/a.xml", R"(<profile name="a">
  <settings>
    <param value="127.0.0.1"/>
  </settings>
</profile>
)");
  expect_config_error([&] { load_node_config(dir_.path()); }, dir_.file("sip_profiles/a.xml"), 3,
                      "<param> without a name");
}

}  // namespace
}  // namespace sipedge
