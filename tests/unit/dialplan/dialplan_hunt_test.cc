// hunt(): mod_dialplan_xml's semantics, one behaviour per test.
#include "node/dialplan/dialplan_hunt.h"

#include <gtest/gtest.h>

#include "dialplan_test_support.h"

namespace sipedge {
namespace {

using test::describe;
using test::dialplan_from;
using test::lookup_from;
using Strings = std::vector<std::string>;

std::string context_xml(const std::string& body, const std::string& name = "default") {
  return "<include><context name=\"" + name + "\">\n" + body + "\n</context></include>\n";
}

std::optional<HuntResult> hunt_for(const std::string& body, std::map<std::string, std::string> vars) {
  return hunt(dialplan_from(context_xml(body)), "default", lookup_from(vars));
}

Strings actions_for(const std::string& body, std::map<std::string, std::string> vars) {
  auto result = hunt_for(body, std::move(vars));
  return result ? describe(result->actions) : Strings{"<no route>"};
}

TEST(DialplanHunt, CapturesAreSubstitutedVariablesKept) {
  const std::string body = R"(
<extension name="local">
  <condition field="destination_number" expression="^(10[01][0-9])$">
    <action application="bridge" data="user/$1@${domain_name}"/>
  </condition>
</extension>)";
  auto result = hunt_for(body, {{"destination_number", "1005"}});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->context, "default");
  EXPECT_EQ(result->extension, "local");
  EXPECT_EQ(describe(result->actions), Strings{"bridge(user/1005@${domain_name})"});
  EXPECT_EQ(result->actions[0].where.line, 5);
}

TEST(DialplanHunt, NoMatchIsNoRoute) {
  const std::string body = R"(
<extension name="local">
  <condition field="destination_number" expression="^10\d\d$">
    <action application="bridge" data="user/${destination_number}"/>
  </condition>
</extension>)";
  EXPECT_FALSE(hunt_for(body, {{"destination_number", "2000"}}).has_value());
  EXPECT_FALSE(hunt_for(body, {}).has_value());  // a missing field is ""
}

TEST(DialplanHunt, WithoutParenthesisDollarNStaysLiteral) {
  // switch_perform_substitution only runs when the expression holds a '('.
  const std::string body = R"(
<extension name="x">
  <condition field="destination_number" expression="^1005$">
    <action application="log" data="INFO $1 cost $5"/>
  </condition>
</extension>)";
  EXPECT_EQ(actions_for(body, {{"destination_number", "1005"}}), Strings{"log(INFO $1 cost $5)"});
}

TEST(DialplanHunt, FirstMatchingExtensionWins) {
  const std::string body = R"(
<extension name="a"><condition field="destination_number" expression="^1"><action application="log" data="a"/></condition></extension>
<extension name="b"><condition field="destination_number" expression="^10"><action application="log" data="b"/></condition></extension>)";
  auto result = hunt_for(body, {{"destination_number", "1005"}});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->extension, "a");
  EXPECT_EQ(describe(result->actions), Strings{"log(a)"});
}

TEST(DialplanHunt, ContinueTrueKeepsHunting) {
  const std::string body = R"(
<extension name="tag" continue="true">
  <condition field="destination_number" expression="^(\d+)$"><action application="set" data="dialed=$1"/></condition>
</extension>
<extension name="route">
  <condition field="destination_number" expression="^1005$"><action application="bridge" data="user/1005"/></condition>
</extension>
<extension name="never"><condition><action application="hangup"/></condition></extension>)";
  auto result = hunt_for(body, {{"destination_number", "1005"}});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->extension, "tag");
  EXPECT_EQ(describe(result->actions), (Strings{"set(dialed=1005)", "bridge(user/1005)"}));
}

TEST(DialplanHunt, ConditionWithoutFieldIsAlwaysTrue) {
  const std::string body = R"(
<extension name="catchall"><condition><action application="respond" data="404 Nobody"/></condition></extension>)";
  EXPECT_EQ(actions_for(body, {}), Strings{"respond(404 Nobody)"});
}

TEST(DialplanHunt, SeveralConditionsAreAnd) {
  const std::string body = R"(
<extension name="and">
  <condition field="network_addr" expression="^127\.0\.0\.1$"/>
  <condition field="destination_number" expression="^(\d+)$">
    <action application="bridge" data="user/$1"/>
  </condition>
</extension>)";
  EXPECT_EQ(actions_for(body, {{"network_addr", "127.0.0.1"}, {"destination_number", "42"}}),
            Strings{"bridge(user/42)"});
  EXPECT_EQ(actions_for(body, {{"network_addr", "192.0.2.1"}, {"destination_number", "42"}}),
            Strings{"<no route>"});
}

TEST(DialplanHunt, CapturesComeFromTheirOwnCondition) {
  const std::string body = R"(
<extension name="two">
  <condition field="caller_id_number" expression="^(\d+)$">
    <action application="set" data="from=$1"/>
  </condition>
  <condition field="destination_number" expression="^9(\d+)$">
    <action application="bridge" data="sofia/gateway/gw/$1"/>
  </condition>
</extension>)";
  EXPECT_EQ(actions_for(body, {{"caller_id_number", "1000"}, {"destination_number", "9555"}}),
            (Strings{"set(from=1000)", "bridge(sofia/gateway/gw/555)"}));
}

TEST(DialplanHunt, AntiActionsRunWhenTheConditionFails) {
  const std::string body = R"(
<extension name="office">
  <condition field="destination_number" expression="^open$">
    <action application="bridge" data="user/1000"/>
    <anti-action application="respond" data="480 Closed $1"/>
  </condition>
</extension>
<extension name="later"><condition><action application="hangup"/></condition></extension>)";
  // An anti-action makes the extension proceed: hunting stops there (no $N in anti-actions).
  EXPECT_EQ(actions_for(body, {{"destination_number", "shut"}}), Strings{"respond(480 Closed $1)"});
  EXPECT_EQ(actions_for(body, {{"destination_number", "open"}}), Strings{"bridge(user/1000)"});
}

TEST(DialplanHunt, BreakOnFalseStopsTheExtension) {
  const std::string body = R"(
<extension name="x">
  <condition field="destination_number" expression="^no$"/>
  <condition><action application="log" data="second"/></condition>
</extension>)";
  EXPECT_EQ(actions_for(body, {{"destination_number", "1"}}), Strings{"<no route>"});
}

TEST(DialplanHunt, BreakNeverGoesOnAfterAFailure) {
  const std::string body = R"(
<extension name="x">
  <condition field="destination_number" expression="^vip$" break="never">
    <action application="set" data="vip=true"/>
  </condition>
  <condition field="destination_number" expression="^(\w+)$">
    <action application="bridge" data="user/$1"/>
  </condition>
</extension>)";
  EXPECT_EQ(actions_for(body, {{"destination_number", "bob"}}), Strings{"bridge(user/bob)"});
  EXPECT_EQ(actions_for(body, {{"destination_number", "vip"}}), (Strings{"set(vip=true)", "bridge(user/vip)"}));
}

TEST(DialplanHunt, BreakOnTrueStopsAfterAMatch) {
  const std::string body = R"(
<extension name="x" continue="true">
  <condition field="destination_number" expression="^1" break="on-true">
    <action application="log" data="starts with 1"/>
  </condition>
  <condition><action application="log" data="not reached after a match"/></condition>
</extension>)";
  EXPECT_EQ(actions_for(body, {{"destination_number", "1005"}}), Strings{"log(starts with 1)"});
  // A failure with break=on-true goes on to the next condition.
  EXPECT_EQ(actions_for(body, {{"destination_number", "2005"}}), Strings{"log(not reached after a match)"});
}

TEST(DialplanHunt, BreakAlwaysStopsEitherWay) {
  const std::string body = R"(
<extension name="x">
  <condition field="destination_number" expression="^1" break="always">
    <action application="log" data="one"/>
    <anti-action application="log" data="other"/>
  </condition>
  <condition><action application="log" data="never reached"/></condition>
</extension>)";
  EXPECT_EQ(actions_for(body, {{"destination_number", "1"}}), Strings{"log(one)"});
  EXPECT_EQ(actions_for(body, {{"destination_number", "2"}}), Strings{"log(other)"});
}

TEST(DialplanHunt, ActionsOfAFailedExtensionStayAsInFreeSwitch) {
  // parse_exten appends actions as conditions pass; a later failing condition
  // does not take them back, and hunting goes on to the next extension.
  const std::string body = R"(
<extension name="partial">
  <condition field="destination_number" expression="^1"><action application="set" data="partial=yes"/></condition>
  <condition field="destination_number" expression="^2"/>
</extension>
<extension name="next">
  <condition field="destination_number" expression="^1"><action application="bridge" data="user/1"/></condition>
</extension>)";
  auto result = hunt_for(body, {{"destination_number", "1"}});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->extension, "partial");
  EXPECT_EQ(describe(result->actions), (Strings{"set(partial=yes)", "bridge(user/1)"}));
}

TEST(DialplanHunt, NestedConditionsRunOnlyWhenTheOuterMatched) {
  const std::string body = R"(
<extension name="nested">
  <condition field="destination_number" expression="^(\d+)$">
    <action application="set" data="outer=$1"/>
    <condition field="caller_id_number" expression="^(1000)$">
      <action application="bridge" data="user/$1-from-1000"/>
    </condition>
    <action application="log" data="outer actions run before nested ones"/>
  </condition>
</extension>
<extension name="fallback"><condition><action application="hangup" data="CALL_REJECTED"/></condition></extension>)";
  EXPECT_EQ(actions_for(body, {{"destination_number", "42"}, {"caller_id_number", "1000"}}),
            (Strings{"set(outer=42)", "log(outer actions run before nested ones)", "bridge(user/1000-from-1000)"}));
  // Nested failed: the extension fails (its outer actions stay), the next one runs.
  EXPECT_EQ(actions_for(body, {{"destination_number", "42"}, {"caller_id_number", "2000"}}),
            (Strings{"set(outer=42)", "log(outer actions run before nested ones)", "hangup(CALL_REJECTED)"}));
  // Outer failed: nested never tried.
  EXPECT_EQ(actions_for(body, {{"destination_number", "x"}, {"caller_id_number", "1000"}}),
            Strings{"hangup(CALL_REJECTED)"});
}

TEST(DialplanHunt, RequireNestedFalseMakesNestedOptional) {
  const std::string body = R"(
<extension name="nested">
  <condition field="destination_number" expression="^42$" require-nested="false">
    <action application="bridge" data="user/42"/>
    <condition field="caller_id_number" expression="^1000$"><action application="set" data="vip=1"/></condition>
  </condition>
</extension>
<extension name="fallback"><condition><action application="hangup"/></condition></extension>)";
  EXPECT_EQ(actions_for(body, {{"destination_number", "42"}, {"caller_id_number", "2000"}}),
            Strings{"bridge(user/42)"});
}

TEST(DialplanHunt, NestedFailureWithBreakNeverGoesOn) {
  const std::string body = R"(
<extension name="x">
  <condition field="destination_number" expression="^42$" break="never">
    <condition field="caller_id_number" expression="^1000$"><action application="set" data="vip=1"/></condition>
  </condition>
  <condition><action application="bridge" data="user/42"/></condition>
</extension>)";
  EXPECT_EQ(actions_for(body, {{"destination_number", "42"}, {"caller_id_number", "2"}}), Strings{"bridge(user/42)"});
}

TEST(DialplanHunt, VariableFieldsAndExpressions) {
  const std::string body = R"(
<extension name="vars">
  <condition field="${sip_h_X-Tenant}" expression="^(acme)$">
    <condition field="destination_number" expression="^${tenant_prefix}(\d+)$">
      <action application="bridge" data="user/$1@$1.example"/>
    </condition>
  </condition>
</extension>)";
  EXPECT_EQ(actions_for(body, {{"sip_h_X-Tenant", "acme"}, {"tenant_prefix", "77"}, {"destination_number", "77123"}}),
            Strings{"bridge(user/123@123.example)"});
  EXPECT_EQ(actions_for(body, {{"sip_h_X-Tenant", "other"}, {"destination_number", "77123"}}),
            Strings{"<no route>"});
}

TEST(DialplanHunt, BadRegexBuiltFromVariablesFailsWithAWarning) {
  const std::string body = R"(
<extension name="x">
  <condition field="destination_number" expression="^${prefix}$"><action application="bridge" data="user/1"/></condition>
</extension>)";
  auto result = hunt(dialplan_from(context_xml(body)), "default",
                     lookup_from({{"prefix", "(("}, {"destination_number", "(("}}));
  EXPECT_FALSE(result.has_value());
}

TEST(DialplanHunt, InlineSetIsSeenByLaterConditions) {
  const std::string body = R"(
<extension name="classify" continue="true">
  <condition field="destination_number" expression="^00(\d+)$">
    <action application="set" data="call_class=intl-$1" inline="true"/>
    <action application="log" data="INFO class ${call_class}"/>
  </condition>
</extension>
<extension name="route-intl">
  <condition field="${call_class}" expression="^intl-(\d+)$">
    <action application="bridge" data="sofia/gateway/intl/$1"/>
  </condition>
</extension>)";
  auto result = hunt_for(body, {{"destination_number", "0044123"}});
  ASSERT_TRUE(result);
  EXPECT_EQ(describe(result->inline_actions), Strings{"set(call_class=intl-44123)"});
  EXPECT_EQ(describe(result->actions), (Strings{"log(INFO class ${call_class})", "bridge(sofia/gateway/intl/44123)"}));
}

TEST(DialplanHunt, InlineDataIsExpandedAtHuntTime) {
  const std::string body = R"(
<extension name="x" continue="true">
  <condition field="destination_number" expression="^(\d+)$">
    <action application="set" data="target=user/$1@${domain_name}" inline="true"/>
    <action application="unset" data="secret" inline="true"/>
    <action application="export" data="nolocal:only_b=1" inline="true"/>
  </condition>
</extension>
<extension name="y">
  <condition field="${target}" expression="^user/1005@example\.org$"/>
  <condition field="${secret}" expression="^$"/>
  <condition field="${only_b}" expression="^$"><action application="bridge" data="${target}"/></condition>
</extension>)";
  auto result = hunt_for(body, {{"destination_number", "1005"}, {"domain_name", "example.org"}, {"secret", "s"}});
  ASSERT_TRUE(result);
  EXPECT_EQ(describe(result->inline_actions),
            (Strings{"set(target=user/1005@example.org)", "unset(secret)", "export(nolocal:only_b=1)"}));
  EXPECT_EQ(describe(result->actions), Strings{"bridge(${target})"});
}

TEST(DialplanHunt, OnlyInlineActionsStillRoute) {
  const std::string body = R"(
<extension name="x"><condition><action application="log" data="seen" inline="true"/></condition></extension>)";
  auto result = hunt_for(body, {});
  ASSERT_TRUE(result);
  EXPECT_TRUE(result->actions.empty());
  EXPECT_EQ(describe(result->inline_actions), Strings{"log(seen)"});
}

TEST(DialplanHunt, LoopRepeatsAnAction) {
  const std::string body = R"(
<extension name="x"><condition><action application="log" data="again" loop="3"/></condition></extension>)";
  EXPECT_EQ(actions_for(body, {}), (Strings{"log(again)", "log(again)", "log(again)"}));
}

TEST(DialplanHunt, CapturedDollarCannotInjectVariables) {
  const std::string body = R"(
<extension name="x">
  <condition field="destination_number" expression="^(.+)$"><action application="bridge" data="user/$1"/></condition>
</extension>)";
  auto result = hunt_for(body, {{"destination_number", "${secret}"}});
  ASSERT_TRUE(result);
  EXPECT_EQ(expand_variables(result->actions[0].data, lookup_from({{"secret", "pw"}})), "user/${secret}");
}

TEST(DialplanHunt, OverlongFieldDoesNotMatch) {
  const std::string body = R"(
<extension name="x">
  <condition field="destination_number" expression="^(\d+)$"><action application="bridge" data="user/$1"/></condition>
</extension>
<extension name="y"><condition><action application="respond" data="414"/></condition></extension>)";
  auto result = hunt_for(body, {{"destination_number", std::string(2000, '1')}});
  ASSERT_TRUE(result);
  EXPECT_EQ(describe(result->actions), Strings{"respond(414)"});
  ASSERT_EQ(result->warnings.size(), 1u);
  EXPECT_NE(result->warnings[0].find("longer than"), std::string::npos);
}

TEST(DialplanHunt, ContextSelectionAndGlobalFallback) {
  Dialplan dialplan = dialplan_from(R"(<include>
<context name="default"><extension name="d"><condition><action application="log" data="default"/></condition></extension></context>
<context name="public"><extension name="p"><condition><action application="log" data="public"/></condition></extension></context>
</include>)");
  EXPECT_EQ(describe(hunt(dialplan, "public", lookup_from({}))->actions), Strings{"log(public)"});
  EXPECT_EQ(describe(hunt(dialplan, "default", lookup_from({}))->actions), Strings{"log(default)"});
  EXPECT_EQ(describe(hunt(dialplan, "", lookup_from({}))->actions), Strings{"log(default)"});
  EXPECT_FALSE(hunt(dialplan, "missing", lookup_from({})).has_value());
  EXPECT_FALSE(hunt(dialplan, "Public", lookup_from({})).has_value());  // names are case-sensitive

  Dialplan with_global = dialplan_from(R"(<include>
<context name="global"><extension name="g"><condition field="context" expression="^(.*)$"><action application="log" data="from $1"/></condition></extension></context>
</include>)");
  auto result = hunt(with_global, "missing", lookup_from({}));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->context, "global");
  EXPECT_EQ(describe(result->actions), Strings{"log(from missing)"});
}

TEST(DialplanHunt, AutoHuntStartsAtTheNamedExtension) {
  const std::string body = R"(
<extension name="first"><condition><action application="log" data="first"/></condition></extension>
<extension name="1005"><condition><action application="log" data="direct"/></condition></extension>)";
  EXPECT_EQ(actions_for(body, {{"destination_number", "1005"}, {"auto_hunt", "true"}}), Strings{"log(direct)"});
  EXPECT_EQ(actions_for(body, {{"destination_number", "1005"}}), Strings{"log(first)"});
}

TEST(DialplanHunt, RegexAny) {
  const std::string body = R"(
<extension name="x">
  <condition regex="any">
    <regex field="caller_id_number" expression="^1000$"/>
    <regex field="destination_number" expression="^(9\d+)$"/>
    <action application="bridge" data="user/$1"/>
    <anti-action application="respond" data="403"/>
  </condition>
</extension>)";
  EXPECT_EQ(actions_for(body, {{"caller_id_number", "2"}, {"destination_number", "911"}}), Strings{"bridge(user/911)"});
  EXPECT_EQ(actions_for(body, {{"caller_id_number", "2"}, {"destination_number", "811"}}), Strings{"respond(403)"});
}

TEST(DialplanHunt, RegexAll) {
  const std::string body = R"(
<extension name="x">
  <condition regex="all">
    <regex field="caller_id_number" expression="^(1\d{3})$"/>
    <regex field="destination_number" expression="^(2\d{3})$"/>
    <action application="bridge" data="user/$1"/>
    <anti-action application="respond" data="403"/>
  </condition>
</extension>)";
  // Captures come from the last <regex> with a group.
  EXPECT_EQ(actions_for(body, {{"caller_id_number", "1000"}, {"destination_number", "2000"}}),
            Strings{"bridge(user/2000)"});
  EXPECT_EQ(actions_for(body, {{"caller_id_number", "1000"}, {"destination_number", "3000"}}), Strings{"respond(403)"});
}

TEST(DialplanHunt, RegexXor) {
  const std::string body = R"(
<extension name="x">
  <condition regex="xor">
    <regex field="caller_id_number" expression="^1000$"/>
    <regex field="destination_number" expression="^2000$"/>
    <action application="log" data="exactly one"/>
    <anti-action application="log" data="none or both"/>
  </condition>
</extension>)";
  EXPECT_EQ(actions_for(body, {{"caller_id_number", "1000"}, {"destination_number", "x"}}), Strings{"log(exactly one)"});
  EXPECT_EQ(actions_for(body, {{"caller_id_number", "1000"}, {"destination_number", "2000"}}),
            Strings{"log(none or both)"});
  EXPECT_EQ(actions_for(body, {}), Strings{"log(none or both)"});
}

TEST(DialplanHunt, ExpressionElementAndActionText) {
  const std::string body = R"(
<extension name="x">
  <condition field="destination_number">
    <expression><![CDATA[^(\d+)&x$]]></expression>
    <action application="bridge">user/$1</action>
  </condition>
</extension>)";
  EXPECT_EQ(actions_for(body, {{"destination_number", "12&x"}}), Strings{"bridge(user/12)"});
}

TEST(DialplanHunt, CaseInsensitiveInlineVariables) {
  const std::string body = R"(
<extension name="x" continue="true"><condition><action application="set" data="Flag=on" inline="true"/></condition></extension>
<extension name="y"><condition field="${flag}" expression="^on$"><action application="log" data="seen"/></condition></extension>)";
  EXPECT_EQ(actions_for(body, {}), Strings{"log(seen)"});
}

}  // namespace
}  // namespace sipedge
