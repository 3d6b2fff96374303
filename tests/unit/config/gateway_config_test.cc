// <gateways> of sofia profiles: mod_sofia's defaults and clamping, errors
// naming file:line, includes of sip_profiles/external/*.xml, variables.
#include <gtest/gtest.h>

#include <string>

#include "conf_dir_fixture.h"
#include "node/config/node_config.h"

namespace sipedge {
namespace {

using test::ConfDir;
using test::expect_config_error;
using test::has_warning;
using test::ScopedDsnEnv;

const char* kSofia = R"(<configuration name="sofia.conf">
  <profiles>
    <X-PRE-PROCESS cmd="include" data="sip_profiles/*.xml"/>
  </profiles>
</configuration>
)";

// A profile "external" whose <gateways> holds `gateways` (starting on line 3)
// and whose settings come after, as in FreeSWITCH's vanilla external.xml.
std::string external_profile(const std::string& gateways, const std::string& context = "public") {
  return R"(<profile name="external">
  <gateways>
)" + gateways + R"(  </gateways>
  <settings>
    <param name="sip-ip" value="127.0.0.1"/>
    <param name="context" value=")" +
         context + R"("/>
  </settings>
</profile>
)";
}

class GatewayConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.write_minimal();
    dir_.write("sofia.conf.xml", kSofia);
  }
  // Writes the external profile with these gateways and loads the directory.
  NodeConfig load(const std::string& gateways, const std::string& context = "public") {
    dir_.write("sip_profiles/external.xml", external_profile(gateways, context));
    return load_node_config(dir_.path());
  }
  // Expects loading these gateways to fail at sip_profiles/external.xml:line.
  void expect_error(const std::string& gateways, int line, const std::string& needle) {
    dir_.write("sip_profiles/external.xml", external_profile(gateways));
    expect_config_error([&] { load_node_config(dir_.path()); }, file(), line, needle);
  }
  std::string file() const { return dir_.file("sip_profiles/external.xml"); }

  ScopedDsnEnv env_{nullptr};
  ConfDir dir_;
};

TEST_F(GatewayConfigTest, RegisteringGatewayDefaults) {
  NodeConfig config = load(R"(    <gateway name="carrier">
      <param name="username" value="alice"/>
      <param name="password" value="secret"/>
      <param name="realm" value="sip.example.com"/>
    </gateway>
)",
                           "from-carriers");
  const ProfileConfig* profile = config.sofia.profile("external");
  ASSERT_NE(profile, nullptr);
  ASSERT_EQ(profile->gateways.size(), 1u);
  const GatewayConfig& gw = profile->gateways[0];
  EXPECT_EQ(gw.name, "carrier");
  EXPECT_EQ(gw.profile, "external");
  EXPECT_TRUE(gw.register_);
  EXPECT_EQ(gw.username, "alice");
  EXPECT_EQ(gw.password, "secret");
  EXPECT_EQ(gw.realm, "sip.example.com");
  EXPECT_EQ(gw.proxy, "sip.example.com");        // proxy defaults to realm
  EXPECT_EQ(gw.auth_username, "alice");          // defaults to username
  EXPECT_EQ(gw.from_user, "alice");              // defaults to username
  EXPECT_EQ(gw.from_domain, "sip.example.com");  // defaults to proxy
  EXPECT_FALSE(gw.from_domain_explicit);
  EXPECT_EQ(gw.extension, "alice");              // defaults to username
  EXPECT_EQ(gw.register_transport, "udp");
  EXPECT_EQ(gw.register_proxy, "");
  EXPECT_EQ(gw.outbound_proxy, "");
  EXPECT_FALSE(gw.extension_in_contact);
  EXPECT_FALSE(gw.caller_id_in_from);
  EXPECT_EQ(gw.expire_seconds, 3600);
  EXPECT_EQ(gw.retry_seconds, 30);
  EXPECT_EQ(gw.timeout_seconds, 60);
  EXPECT_EQ(gw.ping, 0);
  EXPECT_EQ(gw.ping_min, 1);
  EXPECT_EQ(gw.ping_max, 1);
  EXPECT_EQ(gw.fail_908_retry_seconds, 0);
  EXPECT_EQ(gw.contact_params, "");
  EXPECT_EQ(gw.destination_prefix, "");
  EXPECT_EQ(gw.context, "from-carriers");  // the profile's, though its settings come later
  EXPECT_TRUE(gw.variables.empty());
  ASSERT_EQ(gw.params.size(), 3u);
  EXPECT_EQ(gw.params[2].name, "realm");
  EXPECT_EQ(gw.params[2].where.line, 6);
  EXPECT_EQ(gw.where.file, file());
  EXPECT_EQ(gw.where.line, 3);
  EXPECT_TRUE(config.warnings.empty()) << config.warnings.front();

  EXPECT_EQ(profile->gateway("carrier"), &gw);
  EXPECT_EQ(profile->gateway("Carrier"), nullptr);  // names are case-sensitive, as mod_sofia's hash
  EXPECT_EQ(config.sofia.gateway("carrier"), &gw);
  EXPECT_EQ(config.sofia.gateway("missing"), nullptr);
}

TEST_F(GatewayConfigTest, RealmDefaultsToProxyThenToTheName) {
  NodeConfig config = load(R"(    <gateway name="by-proxy">
      <param name="username" value="u"/>
      <param name="password" value="p"/>
      <param name="proxy" value="192.0.2.1:5070"/>
    </gateway>
    <gateway name="sip.carrier.example">
      <param name="register" value="false"/>
    </gateway>
    <gateway name="both">
      <param name="register" value="no"/>
      <param name="realm" value="realm.example"/>
      <param name="proxy" value="sip:proxy.example;transport=tcp"/>
    </gateway>
)");
  const GatewayConfig* by_proxy = config.sofia.gateway("by-proxy");
  ASSERT_NE(by_proxy, nullptr);
  EXPECT_EQ(by_proxy->realm, "192.0.2.1:5070");
  EXPECT_EQ(by_proxy->proxy, "192.0.2.1:5070");

  const GatewayConfig* by_name = config.sofia.gateway("sip.carrier.example");
  ASSERT_NE(by_name, nullptr);
  EXPECT_FALSE(by_name->register_);
  EXPECT_EQ(by_name->realm, "sip.carrier.example");
  EXPECT_EQ(by_name->proxy, "sip.carrier.example");
  // register=false without username: mod_sofia's "FreeSWITCH", and what defaults to it.
  EXPECT_EQ(by_name->username, "FreeSWITCH");
  EXPECT_EQ(by_name->password, "");
  EXPECT_EQ(by_name->from_user, "FreeSWITCH");
  EXPECT_EQ(by_name->auth_username, "FreeSWITCH");
  EXPECT_EQ(by_name->extension, "FreeSWITCH");
  EXPECT_EQ(by_name->from_domain, "sip.carrier.example");

  const GatewayConfig* both = config.sofia.gateway("both");
  ASSERT_NE(both, nullptr);
  EXPECT_EQ(both->realm, "realm.example");
  EXPECT_EQ(both->proxy, "sip:proxy.example;transport=tcp");
  EXPECT_EQ(both->from_domain, "sip:proxy.example;transport=tcp");  // mod_sofia's From host is the proxy
  EXPECT_TRUE(config.warnings.empty()) << config.warnings.front();
}

TEST_F(GatewayConfigTest, EveryParam) {
  NodeConfig config = load(R"(    <gateway name="full">
      <param name="username" value="user1"/>
      <param name="password" value="pw1"/>
      <param name="realm" value="realm.example"/>
      <param name="proxy" value="proxy.example"/>
      <param name="register" value="true"/>
      <param name="register-transport" value="TCP"/>
      <param name="register-proxy" value="regproxy.example:5080"/>
      <param name="outbound-proxy" value="sip:obproxy.example"/>
      <param name="auth-username" value="authuser"/>
      <param name="from-user" value="fromuser"/>
      <param name="from-domain" value="from.example"/>
      <param name="extension" value="5551000"/>
      <param name="extension-in-contact" value="yes"/>
      <param name="caller-id-in-from" value="on"/>
      <param name="expire-seconds" value="600"/>
      <param name="retry-seconds" value="5"/>
      <param name="timeout-seconds" value="+20"/>
      <param name="ping" value="25"/>
      <param name="ping-min" value="2"/>
      <param name="ping-max" value="4"/>
      <param name="contact-params" value=";tgrp=1;trunk-context=example"/>
      <param name="destination-prefix" value="00"/>
      <param name="context" value="carrier-in"/>
      <param name="contact-host" value="sip-ip"/>
      <param name="ping-user-agent" value="pinger"/>
      <param name="ping-monitoring" value="true"/>
      <param name="contact-in-ping" value="true"/>
      <param name="distinct-to" value="true"/>
      <param name="gw-auth-acl" value="localnet.auto"/>
      <param name="908-retry-seconds" value="90"/>
      <param name="scheme" value="Digest"/>
      <param name="cid-type" value="rpid"/>
    </gateway>
)");
  const GatewayConfig* gw = config.sofia.gateway("full");
  ASSERT_NE(gw, nullptr);
  EXPECT_EQ(gw->username, "user1");
  EXPECT_EQ(gw->password, "pw1");
  EXPECT_EQ(gw->realm, "realm.example");
  EXPECT_EQ(gw->proxy, "proxy.example");
  EXPECT_TRUE(gw->register_);
  EXPECT_EQ(gw->register_transport, "tcp");
  EXPECT_EQ(gw->register_proxy, "regproxy.example:5080");
  EXPECT_EQ(gw->outbound_proxy, "sip:obproxy.example");
  EXPECT_EQ(gw->auth_username, "authuser");
  EXPECT_EQ(gw->from_user, "fromuser");
  EXPECT_EQ(gw->from_domain, "from.example");
  EXPECT_TRUE(gw->from_domain_explicit);
  EXPECT_EQ(gw->extension, "5551000");
  EXPECT_TRUE(gw->extension_in_contact);
  EXPECT_TRUE(gw->caller_id_in_from);
  EXPECT_EQ(gw->expire_seconds, 600);
  EXPECT_EQ(gw->retry_seconds, 5);
  EXPECT_EQ(gw->timeout_seconds, 20);
  EXPECT_EQ(gw->ping, 25);
  EXPECT_EQ(gw->ping_min, 2);
  EXPECT_EQ(gw->ping_max, 4);
  EXPECT_EQ(gw->contact_params, "tgrp=1;trunk-context=example");  // leading ';' dropped
  EXPECT_EQ(gw->destination_prefix, "00");
  EXPECT_EQ(gw->context, "carrier-in");
  EXPECT_EQ(gw->contact_host, "sip-ip");
  EXPECT_EQ(gw->ping_user_agent, "pinger");
  EXPECT_TRUE(gw->ping_monitoring);
  EXPECT_TRUE(gw->contact_in_ping);
  EXPECT_TRUE(gw->distinct_to);
  EXPECT_EQ(gw->gw_auth_acl, "localnet.auto");
  EXPECT_EQ(gw->fail_908_retry_seconds, 90);
  EXPECT_EQ(gw->params.size(), 32u);
  EXPECT_TRUE(config.warnings.empty()) << config.warnings.front();
}

TEST_F(GatewayConfigTest, LaterParamWinsAndOldRetrySpellingIsRead) {
  NodeConfig config = load(R"(    <gateway name="g">
      <param name="register" value="false"/>
      <param name="retry_seconds" value="45"/>
      <param name="realm" value="first.example"/>
      <param name="realm" value="second.example"/>
      <param name="context" value=""/>
    </gateway>
)");
  const GatewayConfig* gw = config.sofia.gateway("g");
  ASSERT_NE(gw, nullptr);
  EXPECT_EQ(gw->retry_seconds, 45);
  EXPECT_EQ(gw->realm, "second.example");
  EXPECT_EQ(gw->context, "public");  // an empty context keeps the profile's
}

TEST_F(GatewayConfigTest, OutOfRangeValuesAreReplacedAsModSofiaDoes) {
  NodeConfig config = load(R"(    <gateway name="g">
      <param name="register" value="false"/>
      <param name="expire-seconds" value="4"/>
      <param name="retry-seconds" value="0"/>
      <param name="timeout-seconds" value="-1"/>
      <param name="ping" value="3"/>
      <param name="ping-min" value="3"/>
      <param name="ping-max" value="2"/>
    </gateway>
    <gateway name="h">
      <param name="register" value="false"/>
      <param name="expire-seconds" value="5"/>
      <param name="ping" value="-10"/>
      <param name="ping-min" value="-1"/>
      <param name="ping-max" value="-1"/>
    </gateway>
)");
  const GatewayConfig* g = config.sofia.gateway("g");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->expire_seconds, 3600);
  EXPECT_EQ(g->retry_seconds, 30);
  EXPECT_EQ(g->timeout_seconds, 60);
  EXPECT_EQ(g->ping, 0);
  EXPECT_EQ(g->ping_min, 3);
  EXPECT_EQ(g->ping_max, 3);
  std::string at = file() + ":";
  EXPECT_TRUE(has_warning(config.warnings, at + "5: ", "expire-seconds 4 is below 5; using 3600"));
  EXPECT_TRUE(has_warning(config.warnings, at + "6: ", "retry-seconds 0 is below 5; using 30"));
  EXPECT_TRUE(has_warning(config.warnings, at + "7: ", "timeout-seconds -1 is below 5; using 60"));
  EXPECT_TRUE(has_warning(config.warnings, at + "8: ", "ping 3 is invalid"));
  EXPECT_TRUE(has_warning(config.warnings, at + "3: ", "ping-max 2 is below ping-min 3"));

  const GatewayConfig* h = config.sofia.gateway("h");
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->expire_seconds, 5);
  EXPECT_EQ(h->ping, 0);
  EXPECT_EQ(h->ping_min, 0);
  EXPECT_EQ(h->ping_max, 0);
  EXPECT_TRUE(has_warning(config.warnings, at + "15: ", "ping -10 is invalid"));
  EXPECT_EQ(config.warnings.size(), 6u);
}

TEST_F(GatewayConfigTest, RegisterWithoutPasswordNamesTheGateway) {
  expect_error(R"(    <gateway name="nopass">
      <param name="username" value="alice"/>
    </gateway>
)",
               3, "gateway \"nopass\": param password is required");
  expect_error(R"(    <gateway name="nopass">
      <param name="username" value="alice"/>
      <param name="password" value=""/>
      <param name="register" value="true"/>
    </gateway>
)",
               3, "gateway \"nopass\": param password is required");
}

TEST_F(GatewayConfigTest, RegisterWithoutUsernameIsAnError) {
  expect_error(R"(
    <gateway name="nouser">
      <param name="password" value="secret"/>
    </gateway>
)",
               4, "gateway \"nouser\": param username is required");
}

TEST_F(GatewayConfigTest, GatewayWithoutOrWithBadNameIsAnError) {
  expect_error(R"(    <gateway>
      <param name="register" value="false"/>
    </gateway>
)",
               3, "<gateway> without a name");
  expect_error(R"(    <gateway name="">
      <param name="register" value="false"/>
    </gateway>
)",
               3, "<gateway> without a name");
  expect_error(R"(    <gateway name="bad/name">
      <param name="register" value="false"/>
    </gateway>
)",
               3, "gateway name \"bad/name\"");
}

TEST_F(GatewayConfigTest, DuplicateNameInOneProfileIsAnError) {
  expect_error(R"(    <gateway name="dup"><param name="register" value="false"/></gateway>
    <gateway name="other"><param name="register" value="false"/></gateway>
    <gateway name="dup"><param name="register" value="false"/></gateway>
)",
               5, "duplicate gateway \"dup\" (first defined at " + file() + ":3)");
}

TEST_F(GatewayConfigTest, DuplicateNameAcrossProfilesIsAnError) {
  // Profiles are read in sorted file order: external.xml, then internal.xml.
  dir_.write("sip_profiles/internal.xml", R"(<profile name="internal">
  <settings><param name="sip-ip" value="127.0.0.1"/></settings>
  <gateways>
    <gateway name="dup"><param name="register" value="false"/></gateway>
  </gateways>
</profile>
)");
  dir_.write("sip_profiles/external.xml",
             external_profile(R"(    <gateway name="dup"><param name="register" value="false"/></gateway>
)"));
  expect_config_error([&] { load_node_config(dir_.path()); }, dir_.file("sip_profiles/internal.xml"), 4,
                      "duplicate gateway \"dup\" (first defined at " + file() + ":3 in profile \"external\")");
}

TEST_F(GatewayConfigTest, NonNumericNumbersAreErrors) {
  for (const char* param : {"expire-seconds", "retry-seconds", "timeout-seconds", "ping", "ping-min", "ping-max",
                            "908-retry-seconds"}) {
    for (const char* value : {"30s", "abc", "", "1.5", "99999999999"}) {
      expect_error(std::string(R"(    <gateway name="g">
      <param name="register" value="false"/>
      <param name=")") + param + R"(" value=")" + value + R"("/>
    </gateway>
)",
                   5, std::string("param ") + param + ": \"" + value + "\" is not a whole number");
    }
  }
}

TEST_F(GatewayConfigTest, BadTransportAndBooleansAreErrors) {
  for (const char* transport : {"tls", "sctp", "udpx", "ws", ""}) {
    expect_error(std::string(R"(    <gateway name="g">
      <param name="register" value="false"/>

      <param name="register-transport" value=")") + transport + R"("/>
    </gateway>
)",
                 6, "register-transport");
  }
  for (const char* param : {"register", "extension-in-contact", "caller-id-in-from"}) {
    expect_error(std::string(R"(    <gateway name="g">
      <param name="register" value="false"/>
      <param name=")") + param + R"(" value="maybe"/>
    </gateway>
)",
                 5, std::string("param ") + param + ": \"maybe\" is not a boolean");
  }
}

TEST_F(GatewayConfigTest, ParamWithoutNameIsAnError) {
  expect_error(R"(    <gateway name="g">
      <param value="x"/>
    </gateway>
)",
               4, "<param> without a name");
}

TEST_F(GatewayConfigTest, UnknownParamsWarn) {
  NodeConfig config = load(R"(    <gateway name="g">
      <param name="register" value="false"/>
      <param name="pasword" value="typo"/>
      <param name="Realm" value="upper.example"/>
      <param name="rfc-5626" value="true"/>
    </gateway>
)");
  std::string at = file() + ":";
  EXPECT_TRUE(has_warning(config.warnings, at + "5: ", "unknown param \"pasword\" in gateway \"g\"; ignored"));
  // mod_sofia compares gateway param names with strcmp: "Realm" is not "realm".
  EXPECT_TRUE(has_warning(config.warnings, at + "6: ", "case-sensitive"));
  EXPECT_EQ(config.warnings.size(), 2u);
  EXPECT_EQ(config.sofia.gateway("g")->realm, "g");
  EXPECT_EQ(config.sofia.gateway("g")->params.size(), 4u);
}

TEST_F(GatewayConfigTest, VariablesWithDirections) {
  NodeConfig config = load(R"(    <gateway name="g">
      <param name="register" value="false"/>
      <variables>
        <variable name="both" value="1"/>
        <variable name="in_only" value="2" direction="inbound"/>
        <variable name="out_only" value="3" direction="OUTBOUND"/>
        <variable name="empty" value=""/>
        <variable name="no_value"/>
      </variables>
      <variable name="direct" value="4" direction="inbound"/>
    </gateway>
)");
  const GatewayConfig* gw = config.sofia.gateway("g");
  ASSERT_NE(gw, nullptr);
  ASSERT_EQ(gw->variables.size(), 5u);
  EXPECT_EQ(gw->variables[0].name, "both");
  EXPECT_EQ(gw->variables[0].value, "1");
  EXPECT_EQ(gw->variables[0].direction, "");
  EXPECT_EQ(gw->variables[0].where.line, 6);
  EXPECT_EQ(gw->variables[1].direction, "inbound");
  EXPECT_EQ(gw->variables[2].name, "out_only");
  EXPECT_EQ(gw->variables[2].direction, "outbound");
  EXPECT_EQ(gw->variables[3].name, "empty");
  EXPECT_EQ(gw->variables[3].value, "");
  EXPECT_EQ(gw->variables[4].name, "direct");

  auto names = [](const std::vector<const GatewayVariable*>& vars) {
    std::string out;
    for (const GatewayVariable* v : vars) out += v->name + ",";
    return out;
  };
  EXPECT_EQ(names(gw->variables_for("inbound")), "both,in_only,empty,direct,");
  EXPECT_EQ(names(gw->variables_for("outbound")), "both,out_only,empty,");
  // mod_sofia skips a variable without value=; sipedge says so.
  EXPECT_TRUE(has_warning(config.warnings, file() + ":10: ", "<variable name=\"no_value\"> without a value"));
  EXPECT_EQ(config.warnings.size(), 1u);
}

TEST_F(GatewayConfigTest, VariableErrors) {
  expect_error(R"(    <gateway name="g">
      <param name="register" value="false"/>
      <variables>
        <variable value="1"/>
      </variables>
    </gateway>
)",
               6, "gateway \"g\": <variable> without a name");
  expect_error(R"(    <gateway name="g">
      <param name="register" value="false"/>
      <variables>
        <variable name="x" value="1" direction="both"/>
      </variables>
    </gateway>
)",
               6, "direction \"both\" is not inbound or outbound");
}

TEST_F(GatewayConfigTest, ParamsWrapperAndUnexpectedElements) {
  NodeConfig config = load(R"(    <gateway name="g">
      <params>
        <param name="register" value="false"/>
      </params>
      <param name="realm" value="r.example"/>
      <subscriptions/>
      <bogus/>
    </gateway>
    <notagateway/>
)");
  const GatewayConfig* gw = config.sofia.gateway("g");
  ASSERT_NE(gw, nullptr);
  EXPECT_FALSE(gw->register_);
  EXPECT_EQ(gw->realm, "r.example");
  std::string at = file() + ":";
  EXPECT_TRUE(has_warning(config.warnings, at + "8: ", "<subscriptions> are not supported"));
  EXPECT_TRUE(has_warning(config.warnings, at + "9: ", "unexpected <bogus> in gateway \"g\""));
  EXPECT_TRUE(has_warning(config.warnings, at + "11: ", "unexpected <notagateway> in <gateways>"));
  EXPECT_EQ(config.warnings.size(), 3u);
}

TEST_F(GatewayConfigTest, GatewaysIncludedFromSeparateFiles) {
  // FreeSWITCH's layout: sip_profiles/external/*.xml, each an <include> of gateways.
  dir_.write("vars.xml", R"(<include>
  <X-PRE-PROCESS cmd="set" data="carrier_password=from-vars"/>
</include>
)");
  dir_.write("sip_profiles/external/b_carrier.xml", R"(<include>
  <gateway name="b_carrier">
    <param name="username" value="bob"/>
    <param name="password" value="$${carrier_password}"/>
    <param name="proxy" value="192.0.2.20"/>
  </gateway>
</include>
)");
  dir_.write("sip_profiles/external/a_carrier.xml", R"(<!-- first in sorted order -->
<include>

  <gateway name="a_carrier">
    <param name="register" value="false"/>
    <param name="proxy" value="192.0.2.10"/>
  </gateway>
  <gateway name="a_second"><param name="register" value="false"/></gateway>
</include>
)");
  dir_.write("sip_profiles/external/README", "not xml, not matched by the glob\n");
  NodeConfig config = load(R"(    <X-PRE-PROCESS cmd="include" data="sip_profiles/external/*.xml"/>
    <gateway name="inline"><param name="register" value="false"/></gateway>
)");
  const ProfileConfig* profile = config.sofia.profile("external");
  ASSERT_NE(profile, nullptr);
  ASSERT_EQ(profile->gateways.size(), 4u);
  EXPECT_EQ(profile->gateways[0].name, "a_carrier");
  EXPECT_EQ(profile->gateways[0].where.file, dir_.file("sip_profiles/external/a_carrier.xml"));
  EXPECT_EQ(profile->gateways[0].where.line, 4);
  EXPECT_EQ(profile->gateways[0].params.at(1).where.line, 6);
  EXPECT_EQ(profile->gateways[1].name, "a_second");
  EXPECT_EQ(profile->gateways[2].name, "b_carrier");
  EXPECT_EQ(profile->gateways[2].password, "from-vars");
  EXPECT_EQ(profile->gateways[2].realm, "192.0.2.20");
  EXPECT_EQ(profile->gateways[2].where.file, dir_.file("sip_profiles/external/b_carrier.xml"));
  EXPECT_EQ(profile->gateways[3].name, "inline");
  EXPECT_EQ(profile->gateways[3].where.file, file());
  EXPECT_EQ(profile->gateways[3].where.line, 4);
  EXPECT_TRUE(config.warnings.empty()) << config.warnings.front();
}

TEST_F(GatewayConfigTest, ErrorInIncludedGatewayNamesThatFile) {
  dir_.write("sip_profiles/external/carrier.xml", R"(<include>
  <gateway name="carrier">
    <param name="username" value="bob"/>
    <param name="ping" value="often"/>
  </gateway>
</include>
)");
  dir_.write("sip_profiles/external.xml",
             external_profile(R"(    <X-PRE-PROCESS cmd="include" data="sip_profiles/external/*.xml"/>
)"));
  expect_config_error([&] { load_node_config(dir_.path()); }, dir_.file("sip_profiles/external/carrier.xml"), 4,
                      "param ping: \"often\" is not a whole number");
}

TEST_F(GatewayConfigTest, SeveralGatewaysSectionsAreRead) {
  dir_.write("sip_profiles/external.xml", R"(<profile name="external">
  <gateways><gateway name="one"><param name="register" value="false"/></gateway></gateways>
  <settings><param name="sip-ip" value="127.0.0.1"/></settings>
  <gateways><gateway name="two"><param name="register" value="false"/></gateway></gateways>
</profile>
)");
  NodeConfig config = load_node_config(dir_.path());
  ASSERT_EQ(config.sofia.profile("external")->gateways.size(), 2u);
  EXPECT_NE(config.sofia.gateway("two"), nullptr);
}

TEST(SampleConfGateway, ExampleCarrierIsLoadedAndDoesNotRegister) {
  ScopedDsnEnv env(nullptr);
  NodeConfig config = load_node_config(std::string(SIPEDGE_SOURCE_DIR) + "/conf");
  for (const auto& warning : config.warnings) ADD_FAILURE() << warning;
  const GatewayConfig* gw = config.sofia.gateway("example_carrier");
  ASSERT_NE(gw, nullptr);
  EXPECT_EQ(gw->profile, "external");
  EXPECT_FALSE(gw->register_);  // the demo must not try to reach the internet
  EXPECT_EQ(gw->proxy, "sip.carrier.example");
  EXPECT_EQ(gw->context, "public");
  EXPECT_EQ(gw->where.file, std::string(SIPEDGE_SOURCE_DIR) + "/conf/sip_profiles/external/example_carrier.xml");
  EXPECT_EQ(config.sofia.profile("internal")->gateways.size(), 0u);
}

}  // namespace
}  // namespace sipedge
