#include "node/calls/dial_string.h"

#include <gtest/gtest.h>

namespace sipedge {
namespace {

DialLeg only_leg(const DialString& ds) {
  EXPECT_EQ(ds.groups.size(), 1u);
  EXPECT_EQ(ds.groups.at(0).legs.size(), 1u);
  return ds.groups.at(0).legs.at(0);
}

DialLeg parse_one(std::string_view text, const DialStringOptions& options = {}) {
  return only_leg(parse_dial_string(text, options));
}

HangupCause error_cause(std::string_view text) {
  try {
    parse_dial_string(text, {});
  } catch (const DialStringError& e) {
    EXPECT_NE(std::string(e.what()), "");
    return e.cause();
  }
  ADD_FAILURE() << "no error for " << text;
  return HangupCause::none;
}

TEST(DialString, SofiaUserAtHost) {
  auto leg = parse_one("sofia/internal/1000@10.0.0.5");
  EXPECT_EQ(leg.kind, EndpointKind::sofia_uri);
  EXPECT_EQ(leg.profile, "internal");
  EXPECT_EQ(leg.user, "1000");
  EXPECT_EQ(leg.host, "10.0.0.5");
  EXPECT_EQ(leg.port, 0);
  EXPECT_EQ(leg.params, "");
  EXPECT_EQ(leg.transport, "");
  EXPECT_EQ(leg.to_user, "");
  EXPECT_EQ(leg.raw, "sofia/internal/1000@10.0.0.5");
  EXPECT_EQ(leg.uri(), "sip:1000@10.0.0.5");
}

TEST(DialString, SofiaPortAndParams) {
  auto leg = parse_one("sofia/external/2000@pbx.example.com:5080;transport=TCP;user=phone");
  EXPECT_EQ(leg.host, "pbx.example.com");
  EXPECT_EQ(leg.port, 5080);
  EXPECT_EQ(leg.transport, "tcp");
  EXPECT_EQ(leg.params, "transport=TCP;user=phone");
  EXPECT_EQ(leg.uri(), "sip:2000@pbx.example.com:5080;transport=TCP;user=phone");
}

TEST(DialString, SofiaIpv6Host) {
  auto leg = parse_one("sofia/internal/1000@[2001:db8::1]:5062");
  EXPECT_EQ(leg.host, "[2001:db8::1]");
  EXPECT_EQ(leg.port, 5062);
  EXPECT_EQ(leg.uri(), "sip:1000@[2001:db8::1]:5062");
}

TEST(DialString, FullSipAndSipsUris) {
  auto leg = parse_one("sofia/internal/sip:1000@10.0.0.5:5060;transport=udp");
  EXPECT_EQ(leg.kind, EndpointKind::sofia_uri);
  EXPECT_EQ(leg.scheme, "sip");
  EXPECT_EQ(leg.user, "1000");
  EXPECT_EQ(leg.transport, "udp");
  EXPECT_EQ(leg.uri(), "sip:1000@10.0.0.5:5060;transport=udp");

  auto secure = parse_one("sofia/internal/sips:bob@example.com");
  EXPECT_EQ(secure.scheme, "sips");
  EXPECT_EQ(secure.uri(), "sips:bob@example.com");

  auto no_user = parse_one("sofia/internal/sip:10.0.0.9");
  EXPECT_EQ(no_user.kind, EndpointKind::sofia_uri);
  EXPECT_EQ(no_user.user, "");
  EXPECT_EQ(no_user.uri(), "sip:10.0.0.9");
}

TEST(DialString, FsPathIsTakenOutAndDecoded) {
  // As sofia_contact writes it for a contact behind NAT.
  auto leg = parse_one(
      "sofia/internal/sip:1000@192.168.1.20:5060;transport=udp;fs_path=<sip%3A1000%40203.0.113.7%3A40123%3Btransport%3Dudp>");
  EXPECT_EQ(leg.fs_path, "sip:1000@203.0.113.7:40123;transport=udp");
  EXPECT_EQ(leg.host, "192.168.1.20");
  EXPECT_EQ(leg.params, "transport=udp");
  EXPECT_EQ(leg.uri(), "sip:1000@192.168.1.20:5060;transport=udp");

  auto plain = parse_one("sofia/internal/1000@10.0.0.1;FS_PATH=<sip:10.0.0.2;lr>;transport=tcp");
  EXPECT_EQ(plain.fs_path, "sip:10.0.0.2;lr");
  EXPECT_EQ(plain.params, "transport=tcp");
}

TEST(DialString, RegisteredUser) {
  auto leg = parse_one("sofia/internal/1000");
  EXPECT_EQ(leg.kind, EndpointKind::registered);
  EXPECT_EQ(leg.profile, "internal");
  EXPECT_EQ(leg.user, "1000");
  EXPECT_EQ(leg.host, "");
  EXPECT_EQ(leg.uri(), "");

  auto other_domain = parse_one("sofia/internal/1000%example.org");
  EXPECT_EQ(other_domain.kind, EndpointKind::registered);
  EXPECT_EQ(other_domain.user, "1000");
  EXPECT_EQ(other_domain.host, "example.org");
}

TEST(DialString, ToUserOverride) {
  auto leg = parse_one("sofia/internal/1000@10.0.0.5^2000");
  EXPECT_EQ(leg.user, "1000");
  EXPECT_EQ(leg.host, "10.0.0.5");
  EXPECT_EQ(leg.to_user, "2000");
  EXPECT_EQ(leg.to_host, "");

  auto registered = parse_one("sofia/internal/1000^2000");
  EXPECT_EQ(registered.kind, EndpointKind::registered);
  EXPECT_EQ(registered.user, "1000");
  EXPECT_EQ(registered.to_user, "2000");

  auto with_host = parse_one("sofia/internal/1000@10.0.0.5;transport=tcp^2000@example.com");
  EXPECT_EQ(with_host.transport, "tcp");
  EXPECT_EQ(with_host.to_user, "2000");
  EXPECT_EQ(with_host.to_host, "example.com");

  auto gateway = parse_one("sofia/gateway/carrier/15551234567^15550000000");
  EXPECT_EQ(gateway.user, "15551234567");
  EXPECT_EQ(gateway.to_user, "15550000000");

  EXPECT_EQ(error_cause("sofia/internal/1000@10.0.0.5^"), HangupCause::invalid_url);
}

TEST(DialString, CaretInsideTheUserPartIsALiteral) {
  // mod_sofia's protect_dest_uri escapes the user part before looking for '^'.
  auto leg = parse_one("sofia/internal/1000^2000@10.0.0.5");
  EXPECT_EQ(leg.user, "1000%5E2000");
  EXPECT_EQ(leg.to_user, "");
}

TEST(DialString, UnsafeUserIsEncoded) {
  auto leg = parse_one("sofia/internal/John Doe#1@10.0.0.5");
  EXPECT_EQ(leg.user, "John%20Doe%231");
  EXPECT_EQ(leg.uri(), "sip:John%20Doe%231@10.0.0.5");
  EXPECT_EQ(parse_one("sofia/internal/+15551234@10.0.0.5").user, "%2B15551234");
  EXPECT_EQ(parse_one("sofia/internal/a%20b@10.0.0.5").user, "a%20b");
  auto suppressed = parse_one("[sofia_suppress_url_encoding=true]sofia/internal/+15551234@10.0.0.5");
  EXPECT_EQ(suppressed.user, "+15551234");
}

TEST(DialString, Gateway) {
  auto leg = parse_one("sofia/gateway/carrier1/+15551234567");
  EXPECT_EQ(leg.kind, EndpointKind::gateway);
  EXPECT_EQ(leg.gateway, "carrier1");
  EXPECT_EQ(leg.user, "+15551234567");  // no '@': mod_sofia leaves the number as it is
  EXPECT_EQ(leg.host, "");
  EXPECT_EQ(leg.profile, "");
  EXPECT_EQ(leg.uri(), "");

  auto with_params = parse_one("sofia/gateway/carrier1/5551234;transport=tcp;npdi");
  EXPECT_EQ(with_params.user, "5551234");
  EXPECT_EQ(with_params.transport, "tcp");
  EXPECT_EQ(with_params.params, "transport=tcp;npdi");

  auto with_host = parse_one("sofia/gateway/carrier1/5551234@sbc.example.net:5070");
  EXPECT_EQ(with_host.user, "5551234");
  EXPECT_EQ(with_host.host, "sbc.example.net");
  EXPECT_EQ(with_host.port, 5070);

  EXPECT_EQ(parse_one("sofia/GATEWAY/gw/1").kind, EndpointKind::gateway);
  EXPECT_EQ(error_cause("sofia/gateway/carrier1"), HangupCause::invalid_url);
  EXPECT_EQ(error_cause("sofia/gateway/carrier1/"), HangupCause::invalid_url);
  EXPECT_EQ(error_cause("sofia/gateway//5551234"), HangupCause::invalid_url);
}

TEST(DialString, UserEndpoint) {
  auto leg = parse_one("user/1000@example.com");
  EXPECT_EQ(leg.kind, EndpointKind::user);
  EXPECT_EQ(leg.user, "1000");
  EXPECT_EQ(leg.host, "example.com");

  DialStringOptions options;
  options.default_domain = "default.example";
  auto defaulted = parse_one("user/1001", options);
  EXPECT_EQ(defaulted.user, "1001");
  EXPECT_EQ(defaulted.host, "default.example");

  EXPECT_EQ(error_cause("user/1001"), HangupCause::invalid_url);  // no default domain
  EXPECT_EQ(error_cause("user/@example.com"), HangupCause::invalid_url);
}

TEST(DialString, ErrorEndpoint) {
  auto leg = parse_one("error/USER_BUSY");
  EXPECT_EQ(leg.kind, EndpointKind::error);
  EXPECT_EQ(leg.error_cause, HangupCause::user_busy);
  EXPECT_EQ(parse_one("error/user_not_registered").error_cause, HangupCause::user_not_registered);
  EXPECT_EQ(parse_one("error/17").error_cause, HangupCause::user_busy);
  EXPECT_EQ(parse_one("error/NONE").error_cause, HangupCause::destination_out_of_order);
  EXPECT_EQ(error_cause("error/NO_SUCH_CAUSE"), HangupCause::invalid_url);
}

TEST(DialString, GlobalVariables) {
  auto ds = parse_dial_string("{origination_caller_id_number=1000,sip_h_X-Test='a,b',leg_timeout=30}sofia/internal/2000@10.0.0.5");
  EXPECT_EQ(ds.vars.size(), 3u);
  EXPECT_EQ(ds.vars.at("origination_caller_id_number"), "1000");
  EXPECT_EQ(ds.vars.at("sip_h_X-Test"), "a,b");
  EXPECT_EQ(ds.vars.at("leg_timeout"), "30");
  EXPECT_EQ(only_leg(ds).vars, ds.vars);
}

TEST(DialString, EscapedCommaAndQuotesInValues) {
  auto ds = parse_dial_string(R"({a=x\,y,b='it''s',c=don't,d= spaced ,e=1=2}sofia/internal/1@h)");
  EXPECT_EQ(ds.vars.at("a"), "x,y");
  EXPECT_EQ(ds.vars.at("b"), "its");
  EXPECT_EQ(ds.vars.at("c"), "don't");  // a lone apostrophe is a character
  EXPECT_EQ(ds.vars.at("d"), "spaced");
  EXPECT_EQ(ds.vars.at("e"), "1=2");
}

TEST(DialString, SeveralBlocksAndCustomSeparator) {
  auto ds = parse_dial_string("<u=1>{a=1}{^^:b=2:c=x,y}sofia/internal/1@h");
  EXPECT_EQ(ds.vars.at("u"), "1");
  EXPECT_EQ(ds.vars.at("a"), "1");
  EXPECT_EQ(ds.vars.at("b"), "2");
  EXPECT_EQ(ds.vars.at("c"), "x,y");
}

TEST(DialString, NestedBracesInAValue) {
  auto ds = parse_dial_string("{api_on_answer=uuid_setvar ${uuid} x {y}}sofia/internal/1@h");
  EXPECT_EQ(ds.vars.at("api_on_answer"), "uuid_setvar ${uuid} x {y}");
}

TEST(DialString, PerLegVariablesWinOverGlobals) {
  auto ds = parse_dial_string("{a=global,b=global}[a=leg1,c='x,y']sofia/internal/1@h,[b=leg2]user/2@d,sofia/internal/3@h");
  ASSERT_EQ(ds.groups.size(), 1u);
  const auto& legs = ds.groups[0].legs;
  ASSERT_EQ(legs.size(), 3u);
  EXPECT_EQ(legs[0].vars.at("a"), "leg1");
  EXPECT_EQ(legs[0].vars.at("b"), "global");
  EXPECT_EQ(legs[0].vars.at("c"), "x,y");
  EXPECT_EQ(legs[1].vars.at("a"), "global");
  EXPECT_EQ(legs[1].vars.at("b"), "leg2");
  EXPECT_EQ(legs[1].vars.count("c"), 0u);
  EXPECT_EQ(legs[2].vars, ds.vars);
  EXPECT_EQ(legs[0].raw, "sofia/internal/1@h");
  EXPECT_EQ(ds.vars.count("c"), 0u);
}

TEST(DialString, EscapedCommaInLegVariables) {
  auto leg = parse_one(R"([sip_h_X-List=a\,b,x=1]sofia/internal/1@h)");
  EXPECT_EQ(leg.vars.at("sip_h_X-List"), "a,b");
  EXPECT_EQ(leg.vars.at("x"), "1");
}

TEST(DialString, GroupsAndSimultaneousLegs) {
  auto ds = parse_dial_string("sofia/internal/1000@a.example, sofia/internal/1001@b.example | user/1002@c.example|error/USER_BUSY");
  ASSERT_EQ(ds.groups.size(), 3u);
  ASSERT_EQ(ds.groups[0].legs.size(), 2u);
  EXPECT_EQ(ds.groups[0].legs[0].host, "a.example");
  EXPECT_EQ(ds.groups[0].legs[1].host, "b.example");
  ASSERT_EQ(ds.groups[1].legs.size(), 1u);
  EXPECT_EQ(ds.groups[1].legs[0].kind, EndpointKind::user);
  ASSERT_EQ(ds.groups[2].legs.size(), 1u);
  EXPECT_EQ(ds.groups[2].legs[0].kind, EndpointKind::error);
}

TEST(DialString, PipeAndCommaInsideVariablesDoNotSplit) {
  auto ds = parse_dial_string("{x='a|b'}[y='c|d',z=e\\,f]sofia/internal/1@h|sofia/internal/2@h");
  ASSERT_EQ(ds.groups.size(), 2u);
  EXPECT_EQ(ds.vars.at("x"), "a|b");
  EXPECT_EQ(ds.groups[0].legs[0].vars.at("y"), "c|d");
  EXPECT_EQ(ds.groups[0].legs[0].vars.at("z"), "e,f");
}

TEST(DialString, SyntaxErrorsAreInvalidUrl) {
  for (const char* bad : {"", "   ", "{a=b}", "{a=b sofia/internal/1@h", "[a=b sofia/internal/1@h",
                          "sofia/internal/1@h,", "sofia/internal/1@h||user/1@d", "|sofia/internal/1@h",
                          "{novalue}sofia/internal/1@h", "{=x}sofia/internal/1@h", "[a=b]",
                          "sofia/internal/1@h,{a=b}sofia/internal/2@h", "1000", "sofia/internal",
                          "sofia/internal/", "sofia//1000", "sofia/internal/@h", "sofia/internal/1@",
                          "sofia/internal/1@h:0", "sofia/internal/1@h:70000", "sofia/internal/1@h:50x",
                          "sofia/internal/1@[::1", "sofia/internal/1@h;transport=carrier-pigeon",
                          "sofia/internal/1@h;fs_path=<sip:x", "sofia/internal/1%", "error/"}) {
    EXPECT_EQ(error_cause(bad), HangupCause::invalid_url) << bad;
  }
}

TEST(DialString, UnknownEndpointTypeIsChanNotImplemented) {
  EXPECT_EQ(error_cause("loopback/1000"), HangupCause::chan_not_implemented);
  EXPECT_EQ(error_cause("sofia/internal/1@h,freetdm/1/a/1000"), HangupCause::chan_not_implemented);
}

TEST(DialString, EnterpriseSeparatorIsRefused) {
  try {
    parse_dial_string("sofia/internal/1@h:_:sofia/internal/2@h");
    FAIL() << "accepted";
  } catch (const DialStringError& e) {
    EXPECT_EQ(e.cause(), HangupCause::invalid_url);
    EXPECT_NE(std::string(e.what()).find(":_:"), std::string::npos);
  }
}

}  // namespace
}  // namespace sipedge
