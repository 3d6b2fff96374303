// FreeSWITCH's own JavaScript ESL client (modesl) against the node's event
// socket: tests/esl_compat/modesl_check.js connects, subscribes to
// sofia::profile_start, runs a command that fires it and exits 0 when
// everything matched.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/child_process.h"
#include "tests/support/node_process.h"
#include "tests/support/test_database.h"
#include "tests/support/test_env.h"

namespace sipedge::test {
namespace {

TEST(ModeslTest, FreeswitchEslClientWorks) {
  std::string dir = source_dir() + "/tests/esl_compat";
  ASSERT_TRUE(std::filesystem::exists(dir + "/modesl_check.js")) << dir << "/modesl_check.js is missing";
  ASSERT_TRUE(std::filesystem::is_directory(dir + "/node_modules"))
      << dir << "/node_modules is missing: run scripts/install-deps";

  TestDatabase db("modesl");
  NodeOptions o;
  o.db_dsn = db.dsn();
  o.esl_password = "modesl-secret";
  NodeProcess node(o);
  ASSERT_NO_THROW(node.start_and_wait());

  ChildOptions check;
  check.argv = {"/usr/bin/node", dir + "/modesl_check.js", "127.0.0.1", std::to_string(node.esl_port()),
                node.esl_password(), "sofia::profile_start", "internal"};
  check.working_dir = dir;
  RunResult r = run_program(check, std::chrono::seconds(60));
  EXPECT_FALSE(r.timed_out) << "modesl_check.js hung:\n" << r.output;
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(node.running()) << node.log_tail();
  EXPECT_EQ(node.stop(), 0) << node.log_tail();
}

}  // namespace
}  // namespace sipedge::test
