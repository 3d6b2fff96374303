#include <gtest/gtest.h>

#include "conf_dir_fixture.h"
#include "node/config/node_config.h"

namespace sipedge {
namespace {

using test::ConfDir;
using test::expect_config_error;
using test::has_warning;
using test::ScopedDsnEnv;

class AclConfigTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_.write_minimal(); }
  void write_acl(const std::string& lists) {
    dir_.write("acl.conf.xml", R"(<configuration name="acl.conf">
  <network-lists>
)" + lists + R"(  </network-lists>
</configuration>
)");
  }
  ScopedDsnEnv env_{nullptr};
  ConfDir dir_;
};

TEST_F(AclConfigTest, NoFileMeansNoLists) {
  EXPECT_TRUE(load_node_config(dir_.path()).acl.lists.empty());
}

TEST_F(AclConfigTest, ListsNodesAndForms) {
  write_acl(R"(    <list name="lan" default="allow">
      <node type="deny" cidr="192.0.2.0/24"/>
      <node type="allow" cidr="192.0.2.42/32"/>
    </list>
    <list name="multi" default="DENY">
      <node type="allow" cidr="198.51.100.0/24, 203.0.113.7/32"/>
      <node type="allow" host="203.0.113.0" mask="255.255.255.128"/>
      <node type="deny" cidr="2001:db8::/32"/>
    </list>
)");
  NodeConfig config = load_node_config(dir_.path());
  ASSERT_EQ(config.acl.lists.size(), 2u);
  const AclList* lan = config.acl.list("lan");
  ASSERT_NE(lan, nullptr);
  EXPECT_TRUE(lan->default_allow);
  EXPECT_EQ(lan->where.line, 3);
  ASSERT_EQ(lan->nodes.size(), 2u);
  EXPECT_FALSE(lan->nodes[0].allow);
  EXPECT_EQ(lan->nodes[0].cidr, "192.0.2.0/24");
  EXPECT_EQ(lan->nodes[0].where.line, 4);
  EXPECT_TRUE(lan->nodes[1].allow);

  const AclList* multi = config.acl.list("multi");
  ASSERT_NE(multi, nullptr);
  EXPECT_FALSE(multi->default_allow);
  ASSERT_EQ(multi->nodes.size(), 4u);
  EXPECT_EQ(multi->nodes[0].cidr, "198.51.100.0/24");
  EXPECT_EQ(multi->nodes[1].cidr, "203.0.113.7/32");
  EXPECT_EQ(multi->nodes[2].cidr, "203.0.113.0/25");
  EXPECT_EQ(multi->nodes[3].cidr, "2001:db8::/32");
  EXPECT_EQ(config.acl.list("nope"), nullptr);
  EXPECT_TRUE(config.warnings.empty()) << config.warnings.front();
}

TEST_F(AclConfigTest, ListWithoutDefaultAllowsLikeFreeswitchAndWarns) {
  write_acl(R"(    <list name="open">
      <node cidr="192.0.2.0/24"/>
    </list>
)");
  NodeConfig config = load_node_config(dir_.path());
  const AclList* open = config.acl.list("open");
  ASSERT_NE(open, nullptr);
  EXPECT_TRUE(open->default_allow);
  EXPECT_TRUE(open->nodes.at(0).allow);  // type= missing: the list's default
  EXPECT_TRUE(has_warning(config.warnings, dir_.file("acl.conf.xml") + ":3: ", "no default="));
}

TEST_F(AclConfigTest, DomainNodesWarn) {
  write_acl(R"(    <list name="domains" default="deny">
      <node type="allow" domain="example.com"/>
    </list>
)");
  NodeConfig config = load_node_config(dir_.path());
  EXPECT_TRUE(config.acl.list("domains")->nodes.empty());
  EXPECT_TRUE(has_warning(config.warnings, dir_.file("acl.conf.xml") + ":4: ", "domain="));
}

TEST_F(AclConfigTest, BadCidrNamesTheNode) {
  for (const char* cidr : {"192.0.2.0/33", "192.0.2.300/24", "bogus", "2001:db8::/129",
                           "192.0.2.0/24,", "192.0.2.0/"}) {
    write_acl(std::string(R"(    <list name="lan" default="deny">
      <node type="allow" cidr="192.0.2.0/24"/>
      <node type="allow" cidr=")") + cidr + R"("/>
    </list>
)");
    expect_config_error([&] { load_node_config(dir_.path()); }, dir_.file("acl.conf.xml"), 5,
                        "bad cidr");
  }
}

TEST_F(AclConfigTest, BadDefaultOrTypeOrShape) {
  write_acl(R"(    <list name="lan" default="maybe"/>
)");
  expect_config_error([&] { load_node_config(dir_.path()); }, dir_.file("acl.conf.xml"), 3,
                      "default=\"maybe\"");
  write_acl(R"(    <list name="lan" default="deny">
      <node type="permit" cidr="192.0.2.0/24"/>
    </list>
)");
  expect_config_error([&] { load_node_config(dir_.path()); }, dir_.file("acl.conf.xml"), 4,
                      "type=\"permit\"");
  write_acl(R"(    <list name="lan" default="deny">
      <node type="allow"/>
    </list>
)");
  expect_config_error([&] { load_node_config(dir_.path()); }, dir_.file("acl.conf.xml"), 4,
                      "needs cidr=");
  write_acl(R"(    <list name="lan" default="deny">
      <node type="allow" host="192.0.2.0" mask="255.0.255.0"/>
    </list>
)");
  expect_config_error([&] { load_node_config(dir_.path()); }, dir_.file("acl.conf.xml"), 4,
                      "bad host/mask");
}

TEST_F(AclConfigTest, DuplicateAndReservedNames) {
  write_acl(R"(    <list name="lan" default="deny"/>
    <list name="lan" default="allow"/>
)");
  expect_config_error([&] { load_node_config(dir_.path()); }, dir_.file("acl.conf.xml"), 4,
                      "duplicate list \"lan\"");
  write_acl(R"(    <list name="loopback.auto" default="allow"/>
)");
  expect_config_error([&] { load_node_config(dir_.path()); }, dir_.file("acl.conf.xml"), 3,
                      "built-in");
}

TEST_F(AclConfigTest, MalformedXmlNamesTheLine) {
  dir_.write("acl.conf.xml", R"(<configuration name="acl.conf">
  <network-lists>
    <list name="lan" default="deny">
      <node type="allow" cidr="192.0.2.0/24">
    </list>
  </network-lists>
</configuration>
)");
  expect_config_error([&] { load_node_config(dir_.path()); }, dir_.file("acl.conf.xml"), 5,
                      "malformed XML");
}

}  // namespace
}  // namespace sipedge
