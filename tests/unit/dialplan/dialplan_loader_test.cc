// load_dialplan / read_dialplan: layouts, merging, pre-processing and every
// refusal with its file:line.
#include <gtest/gtest.h>

#include "dialplan_test_support.h"
#include "node/dialplan/dialplan.h"

namespace sipedge {
namespace {

using test::describe;
using test::expect_config_error;
using test::lookup_from;
using test::TempConf;
using Strings = std::vector<std::string>;

std::string names(const DialplanContext& context) {
  std::string out;
  for (const auto& extension : context.extensions) out += (out.empty() ? "" : ",") + extension.name;
  return out;
}

TEST(DialplanLoader, IncludeFragmentAndFullDocument) {
  TempConf conf;
  conf.write("dialplan/a.xml", R"(<include>
  <context name="default">
    <extension name="a1"><condition><action application="log" data="a1"/></condition></extension>
  </context>
</include>)");
  conf.write("dialplan/b.xml", R"(<?xml version="1.0"?>
<document type="freeswitch/xml">
  <section name="configuration"><configuration name="x.conf"/></section>
  <section name="dialplan" description="Regex/XML Dialplan">
    <context name="public">
      <extension name="b1"><condition><action application="log" data="b1"/></condition></extension>
    </context>
  </section>
</document>)");
  Dialplan dialplan = load_dialplan(conf.path(), {});
  EXPECT_TRUE(dialplan.warnings.empty());
  ASSERT_NE(dialplan.context("default"), nullptr);
  ASSERT_NE(dialplan.context("public"), nullptr);
  EXPECT_EQ(names(*dialplan.context("default")), "a1");
  EXPECT_EQ(names(*dialplan.context("public")), "b1");
  EXPECT_EQ(dialplan.context("default")->where.file, conf.file("dialplan/a.xml"));
  EXPECT_EQ(dialplan.context("default")->where.line, 2);
}

TEST(DialplanLoader, FilesAddToTheSameContextInSortedOrder) {
  TempConf conf;
  conf.write("dialplan/20_second.xml", R"(<include><context name="default">
  <extension name="second"><condition><action application="log" data="2"/></condition></extension>
</context></include>)");
  conf.write("dialplan/10_first.xml", R"(<include><context name="default">
  <extension name="first"><condition field="destination_number" expression="^1$"><action application="log" data="1"/></condition></extension>
</context>
<context name="default">
  <extension name="first-b"><condition field="destination_number" expression="^1b$"><action application="log" data="1b"/></condition></extension>
</context></include>)");
  conf.write("dialplan/notes.txt", "not xml");
  Dialplan dialplan = load_dialplan(conf.path(), {});
  ASSERT_NE(dialplan.context("default"), nullptr);
  EXPECT_EQ(names(*dialplan.context("default")), "first,first-b,second");
  EXPECT_EQ(describe(hunt(dialplan, "default", lookup_from({{"destination_number", "x"}}))->actions),
            Strings{"log(2)"});
}

TEST(DialplanLoader, PreprocessorVariablesAndIncludes) {
  TempConf conf;
  conf.write("dialplan/default.xml", R"(<include>
  <X-PRE-PROCESS cmd="set" data="gw=carrier1"/>
  <context name="default">
    <X-PRE-PROCESS cmd="include" data="default/*.xml"/>
  </context>
</include>)");
  conf.write("dialplan/default/01_out.xml", R"(<include>
  <extension name="out">
    <condition field="destination_number" expression="^9(\d+)$">
      <action application="bridge" data="sofia/gateway/$${gw}/$1@$${domain}"/>
    </condition>
  </extension>
</include>)");
  Dialplan dialplan = load_dialplan(conf.path(), {{"domain", "example.org"}});
  ASSERT_NE(dialplan.context("default"), nullptr);
  // default/01_out.xml is read through the include only (the directory is not
  // scanned recursively anyway), once.
  EXPECT_EQ(names(*dialplan.context("default")), "out");
  auto result = hunt(dialplan, "default", lookup_from({{"destination_number", "9555"}}));
  ASSERT_TRUE(result);
  EXPECT_EQ(describe(result->actions), Strings{"bridge(sofia/gateway/carrier1/555@example.org)"});
  EXPECT_EQ(result->actions[0].where.file, conf.file("dialplan/default/01_out.xml"));
  EXPECT_EQ(result->actions[0].where.line, 4);
}

TEST(DialplanLoader, TopLevelFileIncludedByAnotherIsReadOnce) {
  TempConf conf;
  conf.write("dialplan/a.xml", R"(<include><context name="default">
  <X-PRE-PROCESS cmd="include" data="b.xml"/>
</context></include>)");
  conf.write("dialplan/b.xml", R"(<include><extension name="b"><condition><action application="log" data="b"/></condition></extension></include>)");
  Dialplan dialplan = load_dialplan(conf.path(), {});
  ASSERT_NE(dialplan.context("default"), nullptr);
  EXPECT_EQ(names(*dialplan.context("default")), "b");
}

TEST(DialplanLoader, MissingDialplanIsEmptyWithAWarning) {
  TempConf conf;
  Dialplan dialplan = load_dialplan(conf.path(), {});
  EXPECT_TRUE(dialplan.contexts.empty());
  ASSERT_EQ(dialplan.warnings.size(), 1u);
  EXPECT_NE(dialplan.warnings[0].find("no dialplan"), std::string::npos);
  EXPECT_FALSE(hunt(dialplan, "default", lookup_from({})).has_value());
}

TEST(DialplanLoader, IgnoredElementsAreWarnings) {
  TempConf conf;
  conf.write("dialplan/x.xml", R"(<include>
<context name="default">
  <extension name="e">
    <condition>
      <action application="log" data="x"/>
      <acton application="log"/>
    </condition>
    <note/>
  </extension>
</context>
<stuff/>
</include>)");
  Dialplan dialplan = load_dialplan(conf.path(), {});
  const std::string file = conf.file("dialplan/x.xml");
  EXPECT_EQ(dialplan.warnings, (Strings{file + ":6: ignored <acton> in <condition>", file + ":8: ignored <note> in <extension>",
                                        file + ":11: ignored <stuff> (expected <context>, <section> or <document>)"}));
}

struct BadCase {
  const char* what;
  const char* body;  // inside <context name="default">, starting on line 2
  int line;
  const char* needle;
};

class DialplanLoaderErrors : public ::testing::TestWithParam<BadCase> {};

TEST_P(DialplanLoaderErrors, NameFileAndLine) {
  const BadCase& bad = GetParam();
  TempConf conf;
  conf.write("dialplan/bad.xml", std::string("<include><context name=\"default\">\n") + bad.body +
                                     "\n</context></include>\n");
  expect_config_error([&] { load_dialplan(conf.path(), {}); }, conf.file("dialplan/bad.xml"), bad.line, bad.needle);
}

INSTANTIATE_TEST_SUITE_P(
    All, DialplanLoaderErrors,
    ::testing::Values(
        BadCase{"bad_regex", R"(<extension name="e">
  <condition field="destination_number" expression="^(10"/>
</extension>)", 3, "bad regular expression \"^(10\""},
        BadCase{"pcre_only", R"(<extension name="e">
  <condition field="destination_number" expression="(?&lt;=1)0"/>
</extension>)", 3, "lookbehind"},
        BadCase{"unknown_break", R"(<extension name="e">
  <condition field="destination_number" expression="^1$" break="sometimes"/>
</extension>)", 3, "break=\"sometimes\""},
        BadCase{"missing_expression", R"(<extension name="e">

  <condition field="destination_number"/>
</extension>)", 4, "without an expression"},
        BadCase{"expression_without_field", R"(<extension name="e">
  <condition expression="^1$"/>
</extension>)", 3, "expression without a field"},
        BadCase{"unknown_field", R"(<extension name="e">
  <condition field="sip_from_user" expression="^1$"/>
</extension>)", 3, "field=\"${sip_from_user}\""},
        BadCase{"time_of_day", R"(<extension name="e">
  <condition wday="2-6"/>
</extension>)", 3, "time-of-day"},
        BadCase{"unsupported_app", R"(<extension name="e">
  <condition>
    <action application="playback" data="x.wav"/>
  </condition>
</extension>)", 4, "\"playback\" is not supported"},
        BadCase{"not_inline", R"(<extension name="e">
  <condition><action application="bridge" data="user/1" inline="true"/></condition>
</extension>)", 3, "cannot run inline"},
        BadCase{"bad_hangup", R"(<extension name="e">
  <condition><anti-action application="hangup" data="WHATEVER"/></condition>
</extension>)", 3, "unknown cause"},
        BadCase{"bad_respond", R"(<extension name="e">
  <condition><action application="respond" data="9000 Huge"/></condition>
</extension>)", 3, "100..699"},
        BadCase{"empty_bridge", R"(<extension name="e">
  <condition><action application="bridge"/></condition>
</extension>)", 3, "dial string"},
        BadCase{"set_without_name", R"(<extension name="e">
  <condition><action application="set" data="=1"/></condition>
</extension>)", 3, "variable name"},
        BadCase{"api_expansion", R"(<extension name="e">
  <condition><action application="bridge" data="${sofia_contact 1000@x}"/></condition>
</extension>)", 3, "API expansion"},
        BadCase{"unterminated_variable", R"(<extension name="e">
  <condition field="${caller_id_number" expression="^1$"/>
</extension>)", 3, "unterminated"},
        BadCase{"regex_without_mode", R"(<extension name="e">
  <condition>
    <regex field="destination_number" expression="^1$"/>
  </condition>
</extension>)", 4, "regex=\"any|all|xor\""},
        BadCase{"bad_regex_mode", R"(<extension name="e">
  <condition regex="most"><regex field="destination_number" expression="^1$"/></condition>
</extension>)", 3, "regex=\"most\""},
        BadCase{"bad_regex_child", R"(<extension name="e">
  <condition regex="any">
    <regex field="destination_number" expression="^1("/>
  </condition>
</extension>)", 4, "bad regular expression"},
        BadCase{"regex_mode_without_children", R"(<extension name="e">
  <condition regex="all"/>
</extension>)", 3, "without <regex> children"},
        BadCase{"action_without_application", R"(<extension name="e">
  <condition><action data="x"/></condition>
</extension>)", 3, "without an application"},
        BadCase{"bad_loop", R"(<extension name="e">
  <condition><action application="log" data="x" loop="0"/></condition>
</extension>)", 3, "loop=\"0\""},
        BadCase{"extension_outside_context", R"(</context><extension name="e"/><context name="x">)", 2,
                "outside a <context"},
        BadCase{"context_without_name", R"(</context><context/><context name="x">)", 2, "without a name"}),
    [](const ::testing::TestParamInfo<BadCase>& info) { return std::string(info.param.what); });

TEST(DialplanLoader, MalformedXmlNamesTheFile) {
  TempConf conf;
  conf.write("dialplan/broken.xml", "<include>\n<context name=\"default\">\n<extension>\n</include>\n");
  try {
    load_dialplan(conf.path(), {});
    ADD_FAILURE() << "expected ConfigError";
  } catch (const ConfigError& error) {
    EXPECT_EQ(error.where().file, conf.file("dialplan/broken.xml")) << error.what();
  }
}

TEST(DialplanLoader, RegexWithVariablesIsCheckedAtHuntTime) {
  TempConf conf;
  conf.write("dialplan/x.xml", R"(<include><context name="default">
<extension name="e"><condition field="destination_number" expression="^${prefix}(\d+)$"><action application="log" data="$1"/></condition></extension>
</context></include>)");
  Dialplan dialplan = load_dialplan(conf.path(), {});
  const DialplanCondition& condition = dialplan.context("default")->extensions[0].conditions[0];
  EXPECT_FALSE(condition.test.pattern.has_value());
  EXPECT_EQ(describe(hunt(dialplan, "default", lookup_from({{"prefix", "0"}, {"destination_number", "012"}}))->actions),
            Strings{"log(12)"});
}

TEST(DialplanLoader, AttributesAreRead) {
  Dialplan dialplan = test::dialplan_from(R"(<include><context name="default">
<extension name="e" continue="true">
  <condition field="destination_number" expression="^1$" break="never" require-nested="false">
    <action application="SET" data="a=1" inline="yes"/>
    <anti-action application="log" data="no" loop="2"/>
  </condition>
</extension>
</context></include>)");
  const DialplanExtension& extension = dialplan.context("default")->extensions[0];
  EXPECT_TRUE(extension.continue_);
  const DialplanCondition& condition = extension.conditions[0];
  EXPECT_EQ(condition.break_on, DialplanBreak::never);
  EXPECT_FALSE(condition.require_nested);
  ASSERT_EQ(condition.actions.size(), 1u);
  EXPECT_EQ(condition.actions[0].application, "set");
  EXPECT_EQ(condition.actions[0].app, DialplanApp::set);
  EXPECT_TRUE(condition.actions[0].inline_);
  ASSERT_EQ(condition.anti_actions.size(), 1u);
  EXPECT_EQ(condition.anti_actions[0].loop, 2);
}

}  // namespace
}  // namespace sipedge
