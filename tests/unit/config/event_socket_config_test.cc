#include <gtest/gtest.h>

#include "conf_dir_fixture.h"
#include "node/config/node_config.h"

namespace sipedge {
namespace {

using test::ConfDir;
using test::expect_config_error;
using test::has_warning;
using test::ScopedDsnEnv;

class EventSocketConfigTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_.write_minimal(); }
  void write_settings(const std::string& params) {
    dir_.write("event_socket.conf.xml", R"(<configuration name="event_socket.conf">
  <settings>
)" + params + R"(  </settings>
</configuration>
)");
  }
  ScopedDsnEnv env_{nullptr};
  ConfDir dir_;
};

TEST_F(EventSocketConfigTest, DefaultsWithoutTheFile) {
  NodeConfig config = load_node_config(dir_.path());
  EXPECT_EQ(config.event_socket.listen_ip, "127.0.0.1");
  EXPECT_EQ(config.event_socket.listen_port, 8021);
  EXPECT_EQ(config.event_socket.password, "ClueCon");
  EXPECT_EQ(config.event_socket.apply_inbound_acl, "");
  EXPECT_TRUE(config.event_socket.inbound_acls.empty());
}

TEST_F(EventSocketConfigTest, DefaultsWithEmptySettings) {
  write_settings("");
  NodeConfig config = load_node_config(dir_.path());
  EXPECT_EQ(config.event_socket.listen_port, 8021);
  EXPECT_EQ(config.event_socket.password, "ClueCon");
  EXPECT_EQ(config.event_socket.where.file, dir_.file("event_socket.conf.xml"));
  EXPECT_EQ(config.event_socket.where.line, 1);
}

TEST_F(EventSocketConfigTest, Values) {
  write_settings(R"(    <param name="nat-map" value="false"/>
    <param name="listen-ip" value="::1"/>
    <param name="listen-port" value="0"/>
    <param name="password" value="s3cret"/>
    <param name="apply-inbound-acl" value="loopback.auto"/>
    <param name="apply-inbound-acl" value="127.0.0.1/32"/>
)");
  NodeConfig config = load_node_config(dir_.path());
  EXPECT_EQ(config.event_socket.listen_ip, "::1");
  EXPECT_EQ(config.event_socket.listen_port, 0);
  EXPECT_EQ(config.event_socket.password, "s3cret");
  EXPECT_EQ(config.event_socket.apply_inbound_acl, "loopback.auto");
  EXPECT_EQ(config.event_socket.inbound_acls,
            (std::vector<std::string>{"loopback.auto", "127.0.0.1/32"}));
  EXPECT_TRUE(config.warnings.empty()) << config.warnings.front();
}

TEST_F(EventSocketConfigTest, BadValuesNameTheParam) {
  write_settings(R"(    <param name="listen-port" value="80211"/>
)");
  expect_config_error([&] { load_node_config(dir_.path()); }, dir_.file("event_socket.conf.xml"), 3,
                      "listen-port");
  write_settings(R"(    <param name="listen-ip" value="localhost"/>
)");
  expect_config_error([&] { load_node_config(dir_.path()); }, dir_.file("event_socket.conf.xml"), 3,
                      "listen-ip");
  write_settings(R"(
    <param name="password" value=""/>
)");
  expect_config_error([&] { load_node_config(dir_.path()); }, dir_.file("event_socket.conf.xml"), 4,
                      "password");
}

TEST_F(EventSocketConfigTest, UnknownParamWarns) {
  write_settings(R"(    <param name="listen_port" value="8022"/>
)");
  NodeConfig config = load_node_config(dir_.path());
  EXPECT_EQ(config.event_socket.listen_port, 8021);
  EXPECT_TRUE(has_warning(config.warnings, dir_.file("event_socket.conf.xml") + ":3: ", "listen_port"));
}

}  // namespace
}  // namespace sipedge
