// The call counters of `sofia status profile P` (CALLS-IN, FAILED-CALLS-IN,
// CALLS-OUT, FAILED-CALLS-OUT) and the calls in use of `sofia status`
// (RUNNING (N)), after one answered and one busy call (issue 4, section 5).
#include <gtest/gtest.h>

#include "tests/integration/call_fixture.h"

namespace sipedge::test {
namespace {

using namespace calls;

std::string row(const std::string& status, const std::string& label) {
  std::istringstream in(status);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(label, 0) == 0 && line.size() > 17 && line[17] == '\t') return line.substr(18);
  return "<missing " + label + ">";
}

TEST_F(CallTest, ProfileCountsCallsInOutAndFailures) {
  ASSERT_NO_FATAL_FAILURE(start_node(extension("1001", {{"bridge", "user/1001@example.com"}})));
  int port = register_user("1001");
  {
    Callee callee("call_uas_answer.xml", port, node_port());
    Caller c;
    c.service = "1001";
    SippResult caller = call(c);
    ASSERT_EQ(caller.exit_code, 0) << caller.describe();
    ASSERT_EQ(callee.result().exit_code, 0) << callee.result().describe();
  }
  {
    Callee callee("call_uas_busy.xml", port, node_port());
    Caller c;
    c.scenario = "call_uac_reject.xml";
    c.service = "1001";
    SippResult caller = call(c);
    ASSERT_EQ(invite_finals(sipp_received(caller)), std::vector<int>{486}) << caller.describe();
    ASSERT_EQ(callee.result().exit_code, 0) << callee.result().describe();
  }
  std::string status = node().api("sofia status profile internal");
  EXPECT_EQ(row(status, "CALLS-IN"), "2") << status;
  EXPECT_EQ(row(status, "FAILED-CALLS-IN"), "1") << status;
  EXPECT_EQ(row(status, "CALLS-OUT"), "2") << status;
  EXPECT_EQ(row(status, "FAILED-CALLS-OUT"), "1") << status;
  // Both calls are over: nothing in use.
  std::string summary = node().api("sofia status");
  EXPECT_NE(summary.find("RUNNING (0)"), std::string::npos) << summary;
}

}  // namespace
}  // namespace sipedge::test
