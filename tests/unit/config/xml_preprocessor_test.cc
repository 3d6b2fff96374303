#include "node/config/xml_preprocessor.h"

#include <gtest/gtest.h>

#include "conf_dir_fixture.h"

namespace sipedge {
namespace {

using test::ConfDir;
using test::expect_config_error;
using test::has_warning;

TEST(XmlPreprocessor, SetDefinesVariablesExpandedInLaterAttributesAndText) {
  ConfDir dir;
  dir.write("a.xml", R"(<root>
  <X-PRE-PROCESS cmd="set" data="domain=example.com"/>
  <X-PRE-PROCESS cmd="set" data="port=5080"/>
  <item value="sip:$${domain}:$${port}" runtime="${destination_number}">at $${domain}</item>
</root>
)");
  std::vector<std::string> warnings;
  XmlPreprocessor pre(dir.path(), warnings);
  XmlElement doc = pre.load_file("a.xml");

  ASSERT_EQ(doc.children.size(), 1u);
  const XmlElement& root = doc.children[0];
  ASSERT_EQ(root.children.size(), 1u) << "X-PRE-PROCESS elements must not stay in the tree";
  const XmlElement& item = root.children[0];
  EXPECT_EQ(item.attribute_or_empty("value"), "sip:example.com:5080");
  EXPECT_EQ(item.attribute_or_empty("runtime"), "${destination_number}");
  EXPECT_EQ(item.text, "at example.com");
  EXPECT_EQ(item.where.file, dir.file("a.xml"));
  EXPECT_EQ(item.where.line, 4);
  EXPECT_EQ(pre.vars().at("domain"), "example.com");
  EXPECT_TRUE(warnings.empty());
}

TEST(XmlPreprocessor, UndefinedVariableExpandsToEmptyWithWarning) {
  ConfDir dir;
  dir.write("a.xml", R"(<root>
  <item value="[$${nope}]"/>
  <X-PRE-PROCESS cmd="set" data="late=1"/>
  <item value="$${late}"/>
</root>
)");
  std::vector<std::string> warnings;
  XmlPreprocessor pre(dir.path(), warnings);
  XmlElement doc = pre.load_file("a.xml");
  const XmlElement& root = doc.children[0];
  ASSERT_EQ(root.children.size(), 2u);
  EXPECT_EQ(root.children[0].attribute_or_empty("value"), "[]");
  EXPECT_EQ(root.children[1].attribute_or_empty("value"), "1");
  EXPECT_TRUE(has_warning(warnings, dir.file("a.xml") + ":2: ", "$${nope}"));
}

TEST(XmlPreprocessor, VariableUsedBeforeItsSetIsEmpty) {
  ConfDir dir;
  dir.write("a.xml", R"(<root>
  <item value="$${v}"/>
  <X-PRE-PROCESS cmd="set" data="v=x"/>
</root>
)");
  std::vector<std::string> warnings;
  XmlPreprocessor pre(dir.path(), warnings);
  EXPECT_EQ(pre.load_file("a.xml").children[0].children[0].attribute_or_empty("value"), "");
  EXPECT_EQ(warnings.size(), 1u);
}

TEST(XmlPreprocessor, VariablesPersistAcrossFilesAndValuesKeepEquals) {
  ConfDir dir;
  dir.write("vars.xml", R"(<include>
  <X-PRE-PROCESS cmd="set" data="dsn=host=127.0.0.1 port=5432"/>
</include>
)");
  dir.write("b.xml", R"(<p value="$${dsn}"/>)");
  std::vector<std::string> warnings;
  XmlPreprocessor pre(dir.path(), warnings);
  EXPECT_TRUE(pre.load_file("vars.xml").children.empty());
  EXPECT_EQ(pre.load_file("b.xml").children[0].attribute_or_empty("value"),
            "host=127.0.0.1 port=5432");
}

TEST(XmlPreprocessor, IncludeGlobIsSortedRelativeToConfDirAndSplicesIncludeRoots) {
  ConfDir dir;
  dir.write("top/main.xml", R"(<configuration name="x">
  <profiles>
    <X-PRE-PROCESS cmd="include" data="profiles/*.xml"/>
  </profiles>
  <after/>
</configuration>
)");
  // Written out of order: the glob result must be sorted.
  dir.write("profiles/b.xml", R"(<include>

  <profile name="b"/>
  <profile name="b2"/>
</include>
)");
  dir.write("profiles/a.xml", R"(<profile name="a">
  <settings/>
</profile>
)");
  dir.write("profiles/ignored.txt", "<not-xml");
  std::vector<std::string> warnings;
  XmlPreprocessor pre(dir.path(), warnings);
  XmlElement doc = pre.load_file("top/main.xml");

  const XmlElement& configuration = doc.children.at(0);
  const XmlElement* profiles = configuration.child("profiles");
  ASSERT_NE(profiles, nullptr);
  ASSERT_EQ(profiles->children.size(), 3u);
  EXPECT_EQ(profiles->children[0].attribute_or_empty("name"), "a");
  EXPECT_EQ(profiles->children[0].where.file, dir.file("profiles/a.xml"));
  EXPECT_EQ(profiles->children[0].where.line, 1);
  EXPECT_EQ(profiles->children[0].children.at(0).where.line, 2);
  EXPECT_EQ(profiles->children[1].attribute_or_empty("name"), "b");
  EXPECT_EQ(profiles->children[1].where.file, dir.file("profiles/b.xml"));
  EXPECT_EQ(profiles->children[1].where.line, 3);
  EXPECT_EQ(profiles->children[2].where.line, 4);
  // Back in the including file, lines continue to be that file's.
  const XmlElement* after = configuration.child("after");
  ASSERT_NE(after, nullptr);
  EXPECT_EQ(after->where.file, dir.file("top/main.xml"));
  EXPECT_EQ(after->where.line, 5);
  EXPECT_TRUE(warnings.empty());
}

TEST(XmlPreprocessor, NestedIncludeAndVariablesSetInsideIncludedFiles) {
  ConfDir dir;
  dir.write("main.xml", R"(<root>
  <X-PRE-PROCESS cmd="include" data="level1.xml"/>
  <item value="$${from_level2}"/>
</root>
)");
  dir.write("level1.xml", R"(<include>
  <one/>
  <X-PRE-PROCESS cmd="include" data="sub/level2.xml"/>
</include>
)");
  dir.write("sub/level2.xml", R"(<include>
  <X-PRE-PROCESS cmd="set" data="from_level2=deep"/>
  <two/>
</include>
)");
  std::vector<std::string> warnings;
  XmlPreprocessor pre(dir.path(), warnings);
  XmlElement doc = pre.load_file("main.xml");
  const XmlElement& root = doc.children.at(0);
  ASSERT_EQ(root.children.size(), 3u);
  EXPECT_EQ(root.children[0].name, "one");
  EXPECT_EQ(root.children[1].name, "two");
  EXPECT_EQ(root.children[1].where.file, dir.file("sub/level2.xml"));
  EXPECT_EQ(root.children[1].where.line, 3);
  EXPECT_EQ(root.children[2].attribute_or_empty("value"), "deep");
}

TEST(XmlPreprocessor, MalformedXmlInIncludedFileNamesThatFileAndLine) {
  ConfDir dir;
  dir.write("main.xml", R"(<root>
  <X-PRE-PROCESS cmd="include" data="inc/*.xml"/>
</root>
)");
  dir.write("inc/bad.xml", R"(<include>
  <profile name="x">
    <settings>
  </profile>
</include>
)");
  std::vector<std::string> warnings;
  XmlPreprocessor pre(dir.path(), warnings);
  expect_config_error([&] { pre.load_file("main.xml"); }, dir.file("inc/bad.xml"), 4,
                      "malformed XML");
}

TEST(XmlPreprocessor, MissingIncludeIsAnErrorButAnEmptyGlobOnlyWarns) {
  ConfDir dir;
  dir.write("main.xml", R"(<root>
  <X-PRE-PROCESS cmd="include" data="nothing/*.xml"/>

  <X-PRE-PROCESS cmd="include" data="missing.xml"/>
</root>
)");
  std::vector<std::string> warnings;
  XmlPreprocessor pre(dir.path(), warnings);
  expect_config_error([&] { pre.load_file("main.xml"); }, dir.file("main.xml"), 4, "missing.xml");
  EXPECT_TRUE(has_warning(warnings, dir.file("main.xml") + ":2: ", "matched no files"));
}

TEST(XmlPreprocessor, IncludeLoopIsAnError) {
  ConfDir dir;
  dir.write("a.xml", R"(<include>
  <X-PRE-PROCESS cmd="include" data="b.xml"/>
</include>
)");
  dir.write("b.xml", R"(<include>

  <X-PRE-PROCESS cmd="include" data="a.xml"/>
</include>
)");
  std::vector<std::string> warnings;
  XmlPreprocessor pre(dir.path(), warnings);
  expect_config_error([&] { pre.load_file("a.xml"); }, dir.file("b.xml"), 3, "include loop");
}

TEST(XmlPreprocessor, EnvSetAndExecSet) {
  ConfDir dir;
  setenv("SIPEDGE_TEST_PREPROCESS", "from-env", 1);
  dir.write("a.xml", R"(<root>
  <X-PRE-PROCESS cmd="env-set" data="e=SIPEDGE_TEST_PREPROCESS"/>
  <X-PRE-PROCESS cmd="exec-set" data="x=echo from-exec"/>
  <item e="$${e}" x="$${x}"/>
</root>
)");
  std::vector<std::string> warnings;
  XmlPreprocessor pre(dir.path(), warnings);
  XmlElement doc = pre.load_file("a.xml");
  const XmlElement& item = doc.children.at(0).children.at(0);
  unsetenv("SIPEDGE_TEST_PREPROCESS");
  EXPECT_EQ(item.attribute_or_empty("e"), "from-env");
  EXPECT_EQ(item.attribute_or_empty("x"), "from-exec");
  EXPECT_TRUE(warnings.empty());
}

TEST(XmlPreprocessor, DirectivesInCommentsAreNotRunAndUnknownCmdsWarn) {
  ConfDir dir;
  dir.write("a.xml", R"(<root>
  <!-- <X-PRE-PROCESS cmd="set" data="c=commented"/> -->
  <X-PRE-PROCESS cmd="stun-set" data="s=stun.example.com"/>
  <X-PRE-PROCESS cmd="set" data="novalue"/>
</root>
)");
  std::vector<std::string> warnings;
  XmlPreprocessor pre(dir.path(), warnings);
  pre.load_file("a.xml");
  EXPECT_EQ(pre.vars().count("c"), 0u);
  EXPECT_EQ(pre.vars().count("s"), 0u);
  EXPECT_TRUE(has_warning(warnings, dir.file("a.xml") + ":3: ", "stun-set"));
  EXPECT_TRUE(has_warning(warnings, dir.file("a.xml") + ":4: ", "name=value"));
}

TEST(XmlPreprocessor, MissingTopLevelFileIsAnError) {
  ConfDir dir;
  std::vector<std::string> warnings;
  XmlPreprocessor pre(dir.path(), warnings);
  expect_config_error([&] { pre.load_file("nope.xml"); }, dir.file("nope.xml"), 0, "cannot read");
}

}  // namespace
}  // namespace sipedge
