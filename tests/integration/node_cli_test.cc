// sipedge-cli against a real node: -x prints the reply and exits 0, or 1 on
// -ERR; a wrong password or port exits 1 with a message on stderr; bad
// options exit 2 with the usage; the interactive prompt runs what it reads
// on stdin.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "tests/support/child_process.h"
#include "tests/support/free_port.h"
#include "tests/support/node_process.h"
#include "tests/support/test_database.h"
#include "tests/support/test_env.h"

namespace sipedge::test {
namespace {

constexpr std::chrono::seconds kDeadline{10};
constexpr const char* kPassword = "cli-s3cret";

bool contains(const std::string& s, const std::string& needle) { return s.find(needle) != std::string::npos; }
bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

std::string cli() { return bin_dir() + "/sipedge-cli"; }

// sipedge-cli with `args`; output is stdout and stderr together.
RunResult run_cli(const std::vector<std::string>& args) {
  ChildOptions o;
  o.argv = {cli()};
  o.argv.insert(o.argv.end(), args.begin(), args.end());
  return run_program(o, kDeadline);
}

// sipedge-cli with `args`; output is its stderr alone (stdout discarded).
RunResult run_cli_stderr(const std::vector<std::string>& args) {
  ChildOptions o;
  o.argv = {"/bin/sh", "-c", "\"$0\" \"$@\" 2>&1 >/dev/null", cli()};
  o.argv.insert(o.argv.end(), args.begin(), args.end());
  return run_program(o, kDeadline);
}

std::string describe(const RunResult& r) {
  return "exit " + std::to_string(r.exit_code) + (r.timed_out ? " (timed out)" : "") + ", output:\n" + r.output;
}

class CliTest : public ::testing::Test {
 protected:
  CliTest() : db_("cli"), node_(options(db_)) {}

  static NodeOptions options(const TestDatabase& db) {
    NodeOptions o;
    o.switchname = "cli-node";
    o.db_dsn = db.dsn();
    o.esl_password = kPassword;
    return o;
  }

  void SetUp() override { ASSERT_NO_THROW(node_.start_and_wait()); }

  std::vector<std::string> target() const { return {"-H", "127.0.0.1", "-P", std::to_string(node_.esl_port())}; }

  std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more) {
    args.insert(args.end(), more.begin(), more.end());
    return args;
  }

  TestDatabase db_;
  NodeProcess node_;
};

TEST_F(CliTest, RunsOneCommand) {
  RunResult r = run_cli(with(target(), {"-p", kPassword, "-x", "sofia status"}));
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.output, "Name\t   Type\t")) << describe(r);
  EXPECT_TRUE(contains(r.output, "sip:mod_sofia@127.0.0.1:" + std::to_string(node_.sip_port()) + "\tRUNNING (0)"))
      << describe(r);
  EXPECT_TRUE(contains(r.output, "1 profile 0 aliases\n")) << describe(r);
}

TEST_F(CliTest, ErrReplyExitsOne) {
  RunResult r = run_cli(with(target(), {"-p", kPassword, "-x", "nosuchcmd"}));
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_TRUE(starts_with(r.output, "-ERR nosuchcmd Command not found!")) << describe(r);
}

TEST_F(CliTest, WrongPasswordExitsOneWithMessage) {
  RunResult r = run_cli_stderr(with(target(), {"-p", "wrong", "-x", "status"}));
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_TRUE(starts_with(r.output, "sipedge-cli: ")) << describe(r);
  EXPECT_TRUE(contains(r.output, "authentication")) << describe(r);
  EXPECT_TRUE(contains(r.output, "127.0.0.1:" + std::to_string(node_.esl_port()))) << describe(r);
  // The node is fine afterwards.
  EXPECT_TRUE(contains(node_.api("status"), "is ready"));
}

TEST_F(CliTest, NothingListeningExitsOneWithMessage) {
  int closed_port = free_port(false);
  RunResult r = run_cli_stderr({"-H", "127.0.0.1", "-P", std::to_string(closed_port), "-x", "status"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_TRUE(starts_with(r.output, "sipedge-cli: cannot connect to 127.0.0.1:" + std::to_string(closed_port)))
      << describe(r);
}

TEST_F(CliTest, BadOptionsExitTwoWithUsage) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"-P", "notaport", "-x", "status"}, {"-Z"}, {"-x"}}) {
    RunResult r = run_cli_stderr(args);
    EXPECT_EQ(r.exit_code, 2) << describe(r);
    EXPECT_TRUE(contains(r.output, "usage: sipedge-cli")) << describe(r);
  }
}

TEST_F(CliTest, InteractiveReadsCommandsFromStdin) {
  // ChildProcess gives children /dev/null as stdin: a shell pipes the input in.
  ChildOptions o;
  o.argv = {"/bin/sh", "-c", "printf 'status\\n\\nsofia foo\\n/exit\\nversion\\n' | \"$0\" \"$@\"", cli()};
  for (const auto& a : with(target(), {"-p", kPassword})) o.argv.push_back(a);
  RunResult r = run_program(o, kDeadline);
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(starts_with(r.output, "sipedge> ")) << describe(r);
  EXPECT_TRUE(contains(r.output, "Node: cli-node\n")) << describe(r);
  EXPECT_TRUE(contains(r.output, "Unknown Command [foo]\n")) << describe(r);
  // Nothing after /exit runs.
  EXPECT_FALSE(contains(r.output, "sipedge Version")) << describe(r);
}

TEST_F(CliTest, InteractiveEndsAtEndOfInput) {
  ChildOptions o;
  o.argv = {"/bin/sh", "-c", "printf 'version\\n' | \"$0\" \"$@\"", cli()};
  for (const auto& a : with(target(), {"-p", kPassword})) o.argv.push_back(a);
  RunResult r = run_program(o, kDeadline);
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_FALSE(r.timed_out);
  EXPECT_TRUE(contains(r.output, "sipedge Version ")) << describe(r);
}

}  // namespace
}  // namespace sipedge::test
