// Where a call through a gateway goes (node/calls/gateway_target.h), as
// mod_sofia's sofia_outgoing_channel dials `sofia/gateway/GW/number`:
// Request-URI sip:<destination-prefix><number>@<proxy>, `@host` and `;params`
// of the dial string, the register transport, the outbound-proxy as next hop,
// From user/host, outbound variables (the dial string wins), credentials.
// Pure function, single-threaded.
#include "node/calls/gateway_target.h"

#include <gtest/gtest.h>

namespace sipedge {
namespace {

const std::string kContact = "sip:gw+carrier@192.0.2.10:5080;transport=udp;gw=carrier";

// A registering gateway as the config reader leaves it (defaults applied).
GatewayConfig carrier() {
  GatewayConfig gw;
  gw.name = "carrier";
  gw.profile = "external";
  gw.username = "gwuser";
  gw.password = "gwsecret";
  gw.realm = "carrier.example";
  gw.proxy = "carrier.example:5070";
  gw.auth_username = "gwuser";
  gw.from_user = "gwuser";
  gw.from_domain = gw.proxy;  // not written: the proxy
  gw.from_domain_explicit = false;
  gw.extension = "gwuser";
  gw.context = "public";
  return gw;
}

DialLeg leg_of(const std::string& dial_string) {
  DialString ds = parse_dial_string(dial_string);
  EXPECT_EQ(ds.groups.size(), 1u);
  EXPECT_EQ(ds.groups.at(0).legs.size(), 1u);
  DialLeg leg = ds.groups.at(0).legs.at(0);
  EXPECT_EQ(leg.kind, EndpointKind::gateway);
  return leg;
}

DialLeg target(const std::string& dial_string, const GatewayConfig& gw = carrier()) {
  return gateway_target(leg_of(dial_string), gw, kContact);
}

std::string var(const DialLeg& leg, const std::string& name) {
  auto it = leg.vars.find(name);
  return it == leg.vars.end() ? "<unset>" : it->second;
}

TEST(GatewayTarget, RequestUriIsTheNumberAtTheProxy) {
  DialLeg t = target("sofia/gateway/carrier/5551234");
  EXPECT_EQ(t.kind, EndpointKind::sofia_uri);
  EXPECT_EQ(t.profile, "external");  // the gateway's profile, not "gateway"
  EXPECT_EQ(t.gateway, "carrier");
  EXPECT_EQ(t.scheme, "sip");
  EXPECT_EQ(t.user, "5551234");
  EXPECT_EQ(t.host, "carrier.example");
  EXPECT_EQ(t.port, 5070);
  EXPECT_EQ(t.uri(), "sip:5551234@carrier.example:5070");
  EXPECT_EQ(t.transport, "");
  EXPECT_EQ(t.fs_path, "");  // no outbound-proxy: straight to the Request-URI
  EXPECT_EQ(t.contact, kContact);
  EXPECT_EQ(t.to_host, "carrier.example:5070");
}

TEST(GatewayTarget, DestinationPrefixIsPrepended) {
  GatewayConfig gw = carrier();
  gw.destination_prefix = "00";
  EXPECT_EQ(target("sofia/gateway/carrier/5551234", gw).uri(), "sip:005551234@carrier.example:5070");
  // Also with an @host of the dial string (mod_sofia: "sip:%s%s", prefix, dest).
  EXPECT_EQ(target("sofia/gateway/carrier/5551234@10.0.0.9", gw).uri(), "sip:005551234@10.0.0.9");
}

TEST(GatewayTarget, ProxyWithoutPortOrWrittenAsSipUri) {
  GatewayConfig gw = carrier();
  gw.proxy = "carrier.example";
  DialLeg t = target("sofia/gateway/carrier/1", gw);
  EXPECT_EQ(t.uri(), "sip:1@carrier.example");
  EXPECT_EQ(t.port, 0);

  gw.proxy = "sip:198.51.100.7:5062";
  t = target("sofia/gateway/carrier/1", gw);
  EXPECT_EQ(t.host, "198.51.100.7");
  EXPECT_EQ(t.port, 5062);
  EXPECT_EQ(t.uri(), "sip:1@198.51.100.7:5062");

  gw.proxy = "[2001:db8::7]:5062";
  t = target("sofia/gateway/carrier/1", gw);
  EXPECT_EQ(t.host, "[2001:db8::7]");
  EXPECT_EQ(t.port, 5062);
  EXPECT_EQ(t.uri(), "sip:1@[2001:db8::7]:5062");
}

TEST(GatewayTarget, AtHostOverridesTheProxy) {
  DialLeg t = target("sofia/gateway/carrier/5551234@10.0.0.9:5090");
  EXPECT_EQ(t.host, "10.0.0.9");
  EXPECT_EQ(t.port, 5090);
  EXPECT_EQ(t.uri(), "sip:5551234@10.0.0.9:5090");
  EXPECT_EQ(t.to_host, "10.0.0.9:5090");
  // The gateway's identity still applies (its credentials too, at the
  // challenge: node/gateways/gateway_auth.h).
  EXPECT_EQ(t.from_user, "gwuser");
  EXPECT_EQ(var(t, "sip_gateway_name"), "carrier");
}

TEST(GatewayTarget, ParamsOfTheDialStringStayOnTheRequestUri) {
  DialLeg t = target("sofia/gateway/carrier/5551234;user=phone");
  EXPECT_EQ(t.uri(), "sip:5551234@carrier.example:5070;user=phone");
  t = target("sofia/gateway/carrier/5551234@10.0.0.9;user=phone");
  EXPECT_EQ(t.uri(), "sip:5551234@10.0.0.9;user=phone");
}

TEST(GatewayTarget, TcpGatewayDialsOverTcp) {
  GatewayConfig gw = carrier();
  gw.register_transport = "tcp";
  DialLeg t = target("sofia/gateway/carrier/5551234", gw);
  EXPECT_EQ(t.transport, "tcp");
  EXPECT_EQ(t.uri(), "sip:5551234@carrier.example:5070;transport=tcp");
  t = target("sofia/gateway/carrier/5551234;user=phone", gw);
  EXPECT_EQ(t.uri(), "sip:5551234@carrier.example:5070;user=phone;transport=tcp");
  // Written in the dial string already: not twice.
  t = target("sofia/gateway/carrier/5551234;transport=tcp", gw);
  EXPECT_EQ(t.uri(), "sip:5551234@carrier.example:5070;transport=tcp");
  EXPECT_EQ(t.transport, "tcp");
}

TEST(GatewayTarget, UdpGatewayAddsNoTransportParam) {
  DialLeg t = target("sofia/gateway/carrier/5551234");
  EXPECT_EQ(t.uri().find("transport="), std::string::npos) << t.uri();
}

TEST(GatewayTarget, OutboundProxyIsTheNextHop) {
  GatewayConfig gw = carrier();
  gw.outbound_proxy = "sip:edge.carrier.example:5090";
  DialLeg t = target("sofia/gateway/carrier/5551234", gw);
  EXPECT_EQ(t.fs_path, "sip:edge.carrier.example:5090");
  EXPECT_EQ(t.uri(), "sip:5551234@carrier.example:5070");  // the Request-URI still names the proxy

  gw.outbound_proxy = "edge.carrier.example";
  EXPECT_EQ(target("sofia/gateway/carrier/1", gw).fs_path, "sip:edge.carrier.example");

  gw.register_transport = "tcp";
  gw.outbound_proxy = "edge.carrier.example:5090";
  EXPECT_EQ(target("sofia/gateway/carrier/1", gw).fs_path, "sip:edge.carrier.example:5090;transport=tcp");
}

TEST(GatewayTarget, FromIsTheGatewaysFromUserAndDomain) {
  GatewayConfig gw = carrier();
  gw.from_user = "trunk-7";
  gw.from_domain = "pbx.customer.example";
  gw.from_domain_explicit = true;
  DialLeg t = target("sofia/gateway/carrier/5551234", gw);
  EXPECT_EQ(t.from_user, "trunk-7");
  EXPECT_EQ(t.from_host, "pbx.customer.example");

  // from-domain not written: mod_sofia's register_from, <sip:from-user@proxy>.
  t = target("sofia/gateway/carrier/5551234");
  EXPECT_EQ(t.from_user, "gwuser");
  EXPECT_EQ(t.from_host, "carrier.example:5070");
}

TEST(GatewayTarget, CallerIdInFromKeepsTheCallersNumber) {
  GatewayConfig gw = carrier();
  gw.caller_id_in_from = true;
  gw.from_domain = "pbx.customer.example";
  gw.from_domain_explicit = true;
  DialLeg t = target("sofia/gateway/carrier/5551234", gw);
  EXPECT_EQ(t.from_user, "");  // "": the call code uses the caller id number
  EXPECT_EQ(t.from_host, "pbx.customer.example");  // a written from-domain is sip_invite_domain
}

// mod_sofia (sofia_glue_do_invite): with caller-id-in-from the From is
// <sip:CALLER@host> where host is sip_invite_domain, set only when from-domain
// was written; otherwise the profile's address (docs/configuration.md:
// "from-domain ... when written, also the calls' sip_invite_domain").
TEST(GatewayTarget, CallerIdInFromWithoutFromDomainUsesTheProfileAddress) {
  GatewayConfig gw = carrier();
  gw.caller_id_in_from = true;
  DialLeg t = target("sofia/gateway/carrier/5551234", gw);
  EXPECT_EQ(t.from_user, "");
  EXPECT_EQ(t.from_host, "") << "From host would be the proxy (" << t.from_host
                             << "), not the profile's address as mod_sofia";
}

TEST(GatewayTarget, OutboundVariablesDoNotOverrideTheDialStrings) {
  GatewayConfig gw = carrier();
  gw.variables = {{"sip_h_X-Account", "acct42", "outbound", {}},
                  {"carrier_inbound", "yes", "inbound", {}},
                  {"both_ways", "b", "", {}},
                  {"sip_h_X-Route", "gateway", "outbound", {}}};
  DialLeg t = target("{sip_h_X-Route=global}[leg_var=1]sofia/gateway/carrier/5551234", gw);
  EXPECT_EQ(var(t, "sip_h_X-Account"), "acct42");
  EXPECT_EQ(var(t, "both_ways"), "b");
  EXPECT_EQ(var(t, "carrier_inbound"), "<unset>");  // inbound only
  EXPECT_EQ(var(t, "sip_h_X-Route"), "global");     // the dial string wins
  EXPECT_EQ(var(t, "leg_var"), "1");

  t = target("[sip_h_X-Account=from-leg]sofia/gateway/carrier/5551234", gw);
  EXPECT_EQ(var(t, "sip_h_X-Account"), "from-leg");
  EXPECT_EQ(var(t, "sip_h_X-Route"), "gateway");
}

// The gateway's credentials are no channel variables (they would answer any
// challenger, and show in events): only a dial string's own ones are.
TEST(GatewayTarget, CredentialsAreNotChannelVariables) {
  DialLeg t = target("sofia/gateway/carrier/5551234");
  EXPECT_EQ(var(t, "sip_auth_username"), "<unset>");
  EXPECT_EQ(var(t, "sip_auth_password"), "<unset>");
  t = target("{sip_auth_username=u,sip_auth_password=p}sofia/gateway/carrier/5551234");
  EXPECT_EQ(var(t, "sip_auth_username"), "u");
  EXPECT_EQ(var(t, "sip_auth_password"), "p");
}

TEST(GatewayTarget, GatewayNameIsSetAndWins) {
  DialLeg t = target("{sip_gateway_name=spoofed}sofia/gateway/carrier/5551234");
  EXPECT_EQ(var(t, "sip_gateway_name"), "carrier");
}

TEST(GatewayTarget, OtherGatewayFieldsDoNotLeak) {
  GatewayConfig gw = carrier();
  gw.name = "second";
  gw.profile = "internal";
  DialLeg t = target("sofia/gateway/second/42", gw);
  EXPECT_EQ(t.profile, "internal");
  EXPECT_EQ(t.gateway, "second");
  EXPECT_EQ(var(t, "sip_gateway_name"), "second");
  EXPECT_EQ(t.raw, "sofia/gateway/second/42");
}

}  // namespace
}  // namespace sipedge
