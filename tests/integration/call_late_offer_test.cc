// Late offer (issue 4, "An INVITE without SDP works or gets a clear error:
// document which" — docs/calls.md: it works): the callee's 200 carries the
// offer to the caller, and the ACK to the callee waits for the caller's ACK
// and carries its answer.
#include <gtest/gtest.h>

#include "tests/integration/call_fixture.h"

namespace sipedge::test {
namespace {

using namespace calls;

TEST_F(CallTest, LateOfferAnswerTravelsInTheAcks) {
  ASSERT_NO_FATAL_FAILURE(start_node(extension("1001", {{"bridge", "user/1001@example.com"}})));
  int port = register_user("1001");
  Callee callee("call_uas_answer.xml", port, node_port());
  Caller c;
  c.scenario = "call_uac_late_offer.xml";
  c.service = "1001";
  SippResult caller = call(c);
  const SippResult& uas = callee.result();
  ASSERT_EQ(caller.exit_code, 0) << caller.describe();
  ASSERT_EQ(uas.exit_code, 0) << uas.describe();

  // The callee was invited without an offer (the caller gave none)...
  auto invites = requests(sipp_received(uas), "INVITE");
  ASSERT_EQ(invites.size(), 1u);
  EXPECT_FALSE(contains(body_of(invites[0]), "m=")) << invites[0];
  EXPECT_TRUE(contains(invites[0], "Content-Length: 0")) << invites[0];
  // ...its offer reached the caller in the 200...
  auto oks = responses(sipp_received(caller), 200, "INVITE");
  ASSERT_EQ(oks.size(), 1u) << caller.describe();
  EXPECT_TRUE(contains(body_of(oks[0]), "s=callee-session")) << oks[0];
  // ...and the caller's answer reached the callee in the ACK.
  auto acks = requests(sipp_received(uas), "ACK");
  ASSERT_EQ(acks.size(), 1u) << uas.describe();
  EXPECT_TRUE(contains(body_of(acks[0]), "s=late-answer")) << acks[0];
  EXPECT_TRUE(contains(acks[0], "application/sdp")) << acks[0];
}

}  // namespace
}  // namespace sipedge::test
