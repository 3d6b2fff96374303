// Session timers (RFC 4028) on the caller's leg (issue 4). The caller offers
// Session-Expires: 90 with itself as refresher and then never refreshes: the
// node must accept the timer in its 200 (Session-Expires, refresher=uac) and,
// when no refresh has come, end the call itself with a BYE to both legs
// (RFC 4028 10: the non-refresher sends the BYE shortly before expiry,
// min(32 s, interval/3) early is recommended: ~60 s here; never later than
// the 90 s interval).
//
// This binary takes ~60-90 s by nature (90 s is the smallest interval RFC
// 4028 allows, Min-SE floor), so it is its own binary.
#include <gtest/gtest.h>

#include "tests/integration/call_fixture.h"

namespace sipedge::test {
namespace {

using namespace calls;

class CallSessionTimerTest : public CallTest {};

TEST_F(CallSessionTimerTest, CallerThatStopsRefreshingIsHungUpBeforeTheIntervalEnds) {
  ASSERT_NO_FATAL_FAILURE(start_node(extension("1001", {{"bridge", "user/1001@example.com"}})));
  int port = register_user("1001");
  Callee callee("call_uas_answer.xml", port, node_port(), 200, std::chrono::seconds(120));
  Caller c;
  c.scenario = "call_uac_wait_bye.xml";
  c.service = "1001";
  c.hdr1 = "Supported: timer";
  c.hdr2 = "Session-Expires: 90;refresher=uac";
  c.timeout = std::chrono::seconds(110);
  auto started = Clock::now();
  SippResult caller = call(c);
  auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - started);
  const SippResult& uas = callee.result();

  auto ok = responses(sipp_received(caller), 200, "INVITE");
  ASSERT_FALSE(ok.empty()) << caller.describe();
  std::string se = header_value(ok.front(), "Session-Expires", "x");
  EXPECT_TRUE(starts_with(se, "90")) << "the 200 does not accept the session timer:\n" << ok.front();
  EXPECT_TRUE(contains(se, "refresher=uac")) << ok.front();

  EXPECT_EQ(caller.exit_code, 0) << "the caller never got a BYE\n" << caller.describe();
  EXPECT_EQ(requests(sipp_received(caller), "BYE").size(), 1u);
  EXPECT_GE(elapsed.count(), 40) << "BYE long before the session could expire";
  EXPECT_LE(elapsed.count(), 95) << "BYE after the session expired";
  EXPECT_EQ(uas.exit_code, 0) << "the callee never got a BYE\n" << uas.describe();
  EXPECT_EQ(requests(sipp_received(uas), "BYE").size(), 1u) << uas.describe();
  EXPECT_EQ(wait_count(dsn(), "select count(*) from active_calls", 0), 0);
  EXPECT_EQ(wait_count(dsn(), "select count(*) from call_history", 1), 1);
}

}  // namespace
}  // namespace sipedge::test
