#include <gtest/gtest.h>
#include <unistd.h>

#include <climits>

#include "conf_dir_fixture.h"
#include "node/config/node_config.h"

namespace sipedge {
namespace {

using test::ConfDir;
using test::expect_config_error;
using test::has_warning;
using test::ScopedDsnEnv;

std::string this_host() {
  char name[HOST_NAME_MAX + 1] = {};
  gethostname(name, sizeof name - 1);
  return name;
}

TEST(SwitchConfig, DefaultsWhenOnlyTheDsnIsGiven) {
  ScopedDsnEnv env(nullptr);
  ConfDir dir;
  dir.write_minimal();
  NodeConfig config = load_node_config(dir.path());
  EXPECT_EQ(config.conf_dir, dir.path());
  EXPECT_EQ(config.core.switchname, this_host());
  EXPECT_EQ(config.core.core_db_dsn, "dbname=test");
  EXPECT_EQ(config.core.loglevel, "info");
  EXPECT_EQ(config.core.logfile, "");
  EXPECT_EQ(config.core.where.file, dir.file("switch.conf.xml"));
  EXPECT_EQ(config.core.where.line, 1);
  EXPECT_TRUE(config.warnings.empty()) << config.warnings.front();
}

TEST(SwitchConfig, ValuesAndVariables) {
  ScopedDsnEnv env(nullptr);
  ConfDir dir;
  dir.write_minimal();
  dir.write("vars.xml", R"(<include>
  <X-PRE-PROCESS cmd="set" data="core_db_dsn=host=127.0.0.1 dbname=x"/>
</include>
)");
  dir.write("switch.conf.xml", R"(<configuration name="switch.conf">
  <settings>
    <param name="switchname" value="node-a"/>
    <param name="core-db-dsn" value="$${core_db_dsn}"/>
    <param name="loglevel" value="7"/>
    <param name="logfile" value="/tmp/sipedge.log"/>
    <param name="max-sessions" value="1000"/>
  </settings>
</configuration>
)");
  NodeConfig config = load_node_config(dir.path());
  EXPECT_EQ(config.core.switchname, "node-a");
  EXPECT_EQ(config.core.core_db_dsn, "host=127.0.0.1 dbname=x");
  EXPECT_EQ(config.core.loglevel, "debug");
  EXPECT_EQ(config.core.logfile, "/tmp/sipedge.log");
  ASSERT_EQ(config.core.params.size(), 5u);
  EXPECT_EQ(config.core.params[4].name, "max-sessions");
  EXPECT_EQ(config.core.params[4].where.line, 7);
  EXPECT_EQ(config.vars.at("core_db_dsn"), "host=127.0.0.1 dbname=x");
  EXPECT_TRUE(config.warnings.empty());
}

TEST(SwitchConfig, EnvironmentOverridesTheDsn) {
  ScopedDsnEnv env("host=127.0.0.1 dbname=from_env");
  ConfDir dir;
  dir.write_minimal();
  EXPECT_EQ(load_node_config(dir.path()).core.core_db_dsn, "host=127.0.0.1 dbname=from_env");
}

TEST(SwitchConfig, EnvironmentMakesTheDsnOptional) {
  ConfDir dir;
  dir.write_minimal();
  dir.write("switch.conf.xml", R"(<configuration name="switch.conf">
  <settings/>
</configuration>
)");
  {
    ScopedDsnEnv env("dbname=env_only");
    EXPECT_EQ(load_node_config(dir.path()).core.core_db_dsn, "dbname=env_only");
  }
  {
    ScopedDsnEnv env("");  // set but empty counts as unset
    expect_config_error([&] { load_node_config(dir.path()); }, dir.file("switch.conf.xml"), 2,
                        "core-db-dsn");
  }
}

TEST(SwitchConfig, BadLogLevelNamesTheParam) {
  ScopedDsnEnv env(nullptr);
  ConfDir dir;
  dir.write_minimal();
  dir.write("switch.conf.xml", R"(<configuration name="switch.conf">
  <settings>
    <param name="core-db-dsn" value="dbname=x"/>
    <param name="loglevel" value="loud"/>
  </settings>
</configuration>
)");
  expect_config_error([&] { load_node_config(dir.path()); }, dir.file("switch.conf.xml"), 4,
                      "loglevel");
}

TEST(SwitchConfig, UnknownParamWarnsWithFileAndLine) {
  ScopedDsnEnv env(nullptr);
  ConfDir dir;
  dir.write_minimal();
  dir.write("switch.conf.xml", R"(<configuration name="switch.conf">
  <settings>
    <param name="core-db-dsn" value="dbname=x"/>
    <param name="core-db-dns" value="typo"/>
  </settings>
</configuration>
)");
  NodeConfig config = load_node_config(dir.path());
  EXPECT_TRUE(has_warning(config.warnings, dir.file("switch.conf.xml") + ":4: ", "core-db-dns"));
}

TEST(SwitchConfig, MissingFileOrSectionIsAnError) {
  ScopedDsnEnv env(nullptr);
  ConfDir dir;
  dir.write_minimal();
  dir.write("switch.conf.xml", R"(<configuration name="sofia.conf"/>)");
  expect_config_error([&] { load_node_config(dir.path()); }, dir.file("switch.conf.xml"), 0,
                      "<configuration name=\"switch.conf\">");
  std::filesystem::remove(dir.file("switch.conf.xml"));
  expect_config_error([&] { load_node_config(dir.path()); }, dir.file("switch.conf.xml"), 0,
                      "cannot read");
}

}  // namespace
}  // namespace sipedge
