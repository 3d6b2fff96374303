// The dialplan and dial strings as the B2BUA runs them (issue 4; reference
// mod_sofia.md §5): no route → 404; `respond`; `hangup CAUSE` mapped to a SIP
// status as FreeSWITCH's cause_to_sip does; X- header passthrough, `unset`,
// sip_h_ / sip_rh_ / sip_ph_ / sip_bye_h_ variables; `^` To override; `,`
// (ring at once, first answer wins, the others get CANCEL) and `|` (in turn).
#include <gtest/gtest.h>

#include <future>

#include "tests/integration/call_fixture.h"

namespace sipedge::test {
namespace {

using namespace calls;

class CallDialplanTest : public CallTest {
 protected:
  // Runs call_uac_reject.xml to `number` and returns the caller's final status.
  int rejected_with(const std::string& number) {
    Caller c;
    c.scenario = "call_uac_reject.xml";
    c.service = number;
    SippResult caller = call(c);
    EXPECT_EQ(caller.exit_code, 0) << caller.describe();
    auto finals = invite_finals(sipp_received(caller));
    EXPECT_EQ(finals.size(), 1u) << caller.describe();
    return finals.empty() ? 0 : finals.front();
  }

  // An answered call to `number` (callee registered as 1001) with the given
  // caller headers; fills the caller's and callee's runs.
  void answered_call(const std::string& number, const std::string& hdr1, SippResult& caller, SippResult& uas) {
    int port = register_user("1001");
    Callee callee("call_uas_answer.xml", port, node_port());
    Caller c;
    c.service = number;
    c.hdr1 = hdr1;
    caller = call(c);
    uas = callee.result();
    EXPECT_EQ(caller.exit_code, 0) << caller.describe();
    EXPECT_EQ(uas.exit_code, 0) << uas.describe();
  }
};

TEST_F(CallDialplanTest, NoRouteGives404) {
  ASSERT_NO_FATAL_FAILURE(start_node(extension("1001", {{"bridge", "user/1001@example.com"}})));
  ChannelEvents events(node());
  EXPECT_EQ(rejected_with("5555"), 404);
  auto hangup = events.wait("CHANNEL_HANGUP", direction_is("inbound"));
  ASSERT_TRUE(hangup) << events.describe_seen();
  EXPECT_EQ(ChannelEvents::get(*hangup, "Hangup-Cause"), "NO_ROUTE_DESTINATION");
}

// `respond 486 Busy Here` answers the caller with exactly that.
TEST_F(CallDialplanTest, RespondAnswersWithThatStatus) {
  ASSERT_NO_FATAL_FAILURE(start_node(extension("9999", {{"respond", "486 Busy Here"}})));
  EXPECT_EQ(rejected_with("9999"), 486);
}

// `hangup CALL_REJECTED` → 603 (FreeSWITCH's hangup_cause_to_sip), USER_BUSY → 486,
// NORMAL_TEMPORARY_FAILURE → 503, an unset cause (NORMAL_CLEARING) → 480.
TEST_F(CallDialplanTest, HangupCausesMapToFreeSwitchStatuses) {
  ASSERT_NO_FATAL_FAILURE(start_node(extension("0000", {{"hangup", "CALL_REJECTED"}}) +
                                     extension("0001", {{"hangup", "USER_BUSY"}}) +
                                     extension("0002", {{"hangup", "NORMAL_TEMPORARY_FAILURE"}}) +
                                     extension("0003", {{"hangup", ""}})));
  EXPECT_EQ(rejected_with("0000"), 603);
  EXPECT_EQ(rejected_with("0001"), 486);
  EXPECT_EQ(rejected_with("0002"), 503);
  EXPECT_EQ(rejected_with("0003"), 480);
}

// The caller's X- headers reach the callee unless the dialplan unsets them;
// `set sip_h_X-Added=1` adds one.
TEST_F(CallDialplanTest, CustomHeadersPassThroughUnlessUnset) {
  ASSERT_NO_FATAL_FAILURE(start_node(
      extension("1001", {{"bridge", "user/1001@example.com"}}) +
      extension("1002", {{"unset", "sip_h_X-Foo"}, {"set", "sip_h_X-Added=1"}, {"bridge", "user/1001@example.com"}})));
  {
    SippResult caller, uas;
    answered_call("1001", "X-Foo: bar", caller, uas);
    auto invites = requests(sipp_received(uas), "INVITE");
    ASSERT_EQ(invites.size(), 1u) << uas.describe();
    EXPECT_EQ(header_value(invites[0], "X-Foo"), "bar") << "X-Foo was not passed on:\n" << invites[0];
  }
  {
    SippResult caller, uas;
    answered_call("1002", "X-Foo: bar", caller, uas);
    auto invites = requests(sipp_received(uas), "INVITE");
    ASSERT_EQ(invites.size(), 1u) << uas.describe();
    EXPECT_TRUE(header_values(invites[0], "X-Foo").empty()) << "unset sip_h_X-Foo did not remove it:\n" << invites[0];
    EXPECT_EQ(header_value(invites[0], "X-Added"), "1") << invites[0];
  }
}

// sip_rh_ on the final answer, sip_ph_ on the 180, sip_bye_h_ on the BYE the node sends.
TEST_F(CallDialplanTest, ResponseProvisionalAndByeHeaderVariables) {
  ASSERT_NO_FATAL_FAILURE(start_node(extension("1003", {{"set", "sip_rh_X-Final=yes"},
                                                        {"set", "sip_ph_X-Ring=1"},
                                                        {"set", "sip_bye_h_X-Bye=1"},
                                                        {"bridge", "user/1001@example.com"}})));
  SippResult caller, uas;
  answered_call("1003", "Subject: headers", caller, uas);
  auto in = sipp_received(caller);
  auto ringing = responses(in, 180, "INVITE");
  auto ok = responses(in, 200, "INVITE");
  ASSERT_FALSE(ringing.empty()) << caller.describe();
  ASSERT_FALSE(ok.empty()) << caller.describe();
  EXPECT_EQ(header_value(ringing.front(), "X-Ring"), "1") << ringing.front();
  EXPECT_EQ(header_value(ok.front(), "X-Final"), "yes") << ok.front();
  auto byes = requests(sipp_received(uas), "BYE");
  ASSERT_EQ(byes.size(), 1u) << uas.describe();
  EXPECT_EQ(header_value(byes[0], "X-Bye"), "1") << byes[0];
  // None of them leaks into the INVITE sent to the callee.
  auto invites = requests(sipp_received(uas), "INVITE");
  ASSERT_FALSE(invites.empty());
  EXPECT_TRUE(header_values(invites[0], "X-Final").empty() && header_values(invites[0], "X-Ring").empty() &&
              header_values(invites[0], "X-Bye").empty())
      << invites[0];
}

// `^2000` overrides the To user; the Request-URI keeps 1001.
TEST_F(CallDialplanTest, CaretOverridesTheToUser) {
  int port = free_port(true);
  ASSERT_NO_FATAL_FAILURE(start_node(
      extension("1001", {{"bridge", "sofia/internal/1001@127.0.0.1:" + std::to_string(port) + "^2000"}})));
  Callee callee("call_uas_answer.xml", port, node_port());
  Caller c;
  c.service = "1001";
  SippResult caller = call(c);
  const SippResult& uas = callee.result();
  EXPECT_EQ(caller.exit_code, 0) << caller.describe();
  auto invites = requests(sipp_received(uas), "INVITE");
  ASSERT_EQ(invites.size(), 1u) << uas.describe();
  EXPECT_EQ(uri_user(status_line(invites[0])), "1001") << invites[0];
  EXPECT_EQ(uri_user(header_value(invites[0], "To", "t")), "2000") << invites[0];
}

// `,`: both callees ring at once; the first to answer wins, the other gets a CANCEL.
TEST_F(CallDialplanTest, CommaRingsAllAndTheFirstAnswerWins) {
  int winner_port = free_port(true), loser_port = free_port(true);
  ASSERT_NO_FATAL_FAILURE(start_node(extension(
      "1001", {{"bridge", "sofia/internal/1001@127.0.0.1:" + std::to_string(winner_port) +
                              ",sofia/internal/1002@127.0.0.1:" + std::to_string(loser_port)}})));
  Callee winner("call_uas_answer.xml", winner_port, node_port(), 500);
  Callee loser("call_uas_ring.xml", loser_port, node_port());
  Caller c;
  c.service = "1001";
  SippResult caller = call(c);
  const SippResult& w = winner.result();
  const SippResult& l = loser.result();
  EXPECT_EQ(caller.exit_code, 0) << caller.describe();
  EXPECT_EQ(w.exit_code, 0) << "the answering callee\n" << w.describe();
  EXPECT_EQ(l.exit_code, 0) << "the ringing callee was not cancelled\n" << l.describe();
  EXPECT_EQ(requests(sipp_received(l), "INVITE").size(), 1u) << l.describe();
  EXPECT_EQ(requests(sipp_received(l), "CANCEL").size(), 1u) << l.describe();
  EXPECT_EQ(requests(sipp_received(w), "BYE").size(), 1u) << w.describe();
  auto ok = responses(sipp_received(caller), 200, "INVITE");
  ASSERT_FALSE(ok.empty());
  EXPECT_TRUE(contains(body_of(ok.front()), "s=callee-session"));
}

// `|`: the first callee is busy, the second is tried and answers; the caller
// sees only the 200.
TEST_F(CallDialplanTest, PipeTriesTheNextGroupAfterAFailure) {
  int busy_port = free_port(true), answer_port = free_port(true);
  ASSERT_NO_FATAL_FAILURE(start_node(extension(
      "1001", {{"bridge", "sofia/internal/1001@127.0.0.1:" + std::to_string(busy_port) +
                              "|sofia/internal/1002@127.0.0.1:" + std::to_string(answer_port)}})));
  Callee busy("call_uas_busy.xml", busy_port, node_port());
  Callee answer("call_uas_answer.xml", answer_port, node_port());
  Caller c;
  c.service = "1001";
  SippResult caller = call(c);
  const SippResult& b = busy.result();
  const SippResult& a = answer.result();
  EXPECT_EQ(caller.exit_code, 0) << caller.describe();
  EXPECT_EQ(b.exit_code, 0) << b.describe();
  EXPECT_EQ(a.exit_code, 0) << a.describe();
  EXPECT_EQ(invite_finals(sipp_received(caller)), std::vector<int>{200}) << caller.describe();
  auto second = requests(sipp_received(a), "INVITE");
  ASSERT_EQ(second.size(), 1u) << a.describe();
  EXPECT_EQ(uri_user(status_line(second[0])), "1002");
}

}  // namespace
}  // namespace sipedge::test
