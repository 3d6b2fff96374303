// SDP through the B2BUA (issue 4): re-INVITE hold/unhold relayed to the
// callee, the disable-hold profile param, codec filtering of the offer by
// outbound-codec-prefs, disable-transcoding, and 488 when no codec is left.
#include <gtest/gtest.h>

#include "tests/integration/call_fixture.h"

namespace sipedge::test {
namespace {

using namespace calls;

const std::string kBridge1001 = extension("1001", {{"bridge", "user/1001@example.com"}});

class CallMediaTest : public CallTest {
 protected:
  // An answered call with `c`; returns the INVITEs the callee received.
  std::vector<std::string> callee_invites(Caller c, SippResult* caller_out = nullptr) {
    int port = register_user("1001");
    Callee callee("call_uas_answer.xml", port, node_port());
    c.service = "1001";
    SippResult caller = call(c);
    const SippResult& uas = callee.result();
    EXPECT_EQ(caller.exit_code, 0) << caller.describe();
    EXPECT_EQ(uas.exit_code, 0) << uas.describe();
    if (caller_out) *caller_out = caller;
    return requests(sipp_received(uas), "INVITE");
  }
};

// Hold (a=sendonly) and unhold (a=sendrecv) re-INVITEs from the caller reach
// the callee with their SDP, and the caller gets a 200 for each.
TEST_F(CallMediaTest, HoldAndUnholdAreRelayedToTheCallee) {
  ASSERT_NO_FATAL_FAILURE(start_node(kBridge1001));
  Caller c;
  c.scenario = "call_uac_hold.xml";
  SippResult caller;
  auto invites = callee_invites(c, &caller);
  ASSERT_EQ(invites.size(), 3u) << "the callee should see the INVITE and two re-INVITEs\n" << caller.describe();
  EXPECT_TRUE(contains(body_of(invites[1]), "a=sendonly")) << invites[1];
  EXPECT_TRUE(contains(body_of(invites[2]), "a=sendrecv")) << invites[2];
  EXPECT_FALSE(contains(body_of(invites[2]), "a=sendonly")) << invites[2];
  // In-dialog: the same Call-ID as the first INVITE, rising CSeq.
  std::string call_id = header_value(invites[0], "Call-ID", "i");
  EXPECT_EQ(header_value(invites[1], "Call-ID", "i"), call_id);
  EXPECT_EQ(header_value(invites[2], "Call-ID", "i"), call_id);
  EXPECT_LT(std::atol(header_value(invites[0], "CSeq").c_str()), std::atol(header_value(invites[1], "CSeq").c_str()));
  EXPECT_LT(std::atol(header_value(invites[1], "CSeq").c_str()), std::atol(header_value(invites[2], "CSeq").c_str()));
  auto oks = responses(sipp_received(caller), 200, "INVITE");
  EXPECT_EQ(oks.size(), 3u) << caller.describe();
}

// disable-hold: the hold re-INVITE is answered 200 by the node and not passed
// on (the callee never sees a=sendonly).
TEST_F(CallMediaTest, DisableHoldKeepsTheHoldFromTheCallee) {
  ASSERT_NO_FATAL_FAILURE(start_node(kBridge1001, {{"disable-hold", "true"}}));
  Caller c;
  c.scenario = "call_uac_hold.xml";
  SippResult caller;
  auto invites = callee_invites(c, &caller);
  ASSERT_FALSE(invites.empty());
  for (const auto& inv : invites) EXPECT_FALSE(contains(body_of(inv), "a=sendonly")) << "hold was relayed:\n" << inv;
  auto oks = responses(sipp_received(caller), 200, "INVITE");
  ASSERT_EQ(oks.size(), 3u) << caller.describe();
  EXPECT_EQ(header_value(oks[1], "CSeq"), "2 INVITE");
  EXPECT_FALSE(body_of(oks[1]).empty()) << "the hold's 200 needs an SDP answer (RFC 3264)\n" << oks[1];
}

// outbound-codec-prefs=PCMA: the callee is offered PCMA and telephone-event only.
TEST_F(CallMediaTest, OutboundCodecPrefsFilterTheOffer) {
  ASSERT_NO_FATAL_FAILURE(start_node(kBridge1001, {{"outbound-codec-prefs", "PCMA"}}));
  auto invites = callee_invites(Caller{});
  ASSERT_EQ(invites.size(), 1u);
  std::string sdp = body_of(invites[0]);
  EXPECT_EQ(formats_text(audio_formats(sdp)), "8 101") << sdp;
  EXPECT_FALSE(contains(sdp, "PCMU")) << sdp;
  EXPECT_TRUE(contains(sdp, "telephone-event")) << sdp;
}

// disable-transcoding without prefs: only the caller's first codec (PCMA here) is offered.
TEST_F(CallMediaTest, DisableTranscodingOffersOnlyTheCallersCodec) {
  ASSERT_NO_FATAL_FAILURE(start_node(kBridge1001, {{"disable-transcoding", "true"}}));
  Caller c;
  c.codecs = "8 0 101";
  c.sdp1 = "a=rtpmap:8 PCMA/8000";
  c.sdp2 = "a=rtpmap:0 PCMU/8000";
  auto invites = callee_invites(c);
  ASSERT_EQ(invites.size(), 1u);
  std::string sdp = body_of(invites[0]);
  EXPECT_EQ(formats_text(audio_formats(sdp)), "8 101") << sdp;
}

// disable-transcoding with prefs PCMU,PCMA and a caller preferring PCMA: the
// B leg gets the codec the A leg negotiated. FreeSWITCH's default
// inbound-codec-negotiation (generous) takes the caller's first codec we
// support, PCMA (reference §5: "the outbound offer holds only the codec the
// inbound leg prefers").
TEST_F(CallMediaTest, DisableTranscodingFollowsTheCallersPreferenceOverOurs) {
  ASSERT_NO_FATAL_FAILURE(
      start_node(kBridge1001, {{"disable-transcoding", "true"}, {"outbound-codec-prefs", "PCMU,PCMA"}}));
  Caller c;
  c.codecs = "8 0 101";
  c.sdp1 = "a=rtpmap:8 PCMA/8000";
  c.sdp2 = "a=rtpmap:0 PCMU/8000";
  auto invites = callee_invites(c);
  ASSERT_EQ(invites.size(), 1u);
  std::string sdp = body_of(invites[0]);
  EXPECT_EQ(formats_text(audio_formats(sdp)), "8 101") << sdp;
}

// A caller offering only G729 to a PCMA-only profile: 488, the callee is never rung.
TEST_F(CallMediaTest, NoCommonCodecGives488) {
  ASSERT_NO_FATAL_FAILURE(start_node(kBridge1001, {{"outbound-codec-prefs", "PCMA"}}));
  int port = register_user("1001");
  (void)port;  // registered but never rung: no SIPp listens there
  ChannelEvents events(node());
  Caller c;
  c.scenario = "call_uac_reject.xml";
  c.service = "1001";
  c.codecs = "18 101";
  c.sdp1 = "a=rtpmap:18 G729/8000";
  c.sdp2 = "a=fmtp:18 annexb=no";
  SippResult caller = call(c);
  EXPECT_EQ(caller.exit_code, 0) << caller.describe();
  EXPECT_EQ(invite_finals(sipp_received(caller)), std::vector<int>{488}) << caller.describe();
  auto hangup = events.wait("CHANNEL_HANGUP", direction_is("inbound"));
  ASSERT_TRUE(hangup) << events.describe_seen();
  EXPECT_EQ(ChannelEvents::get(*hangup, "Hangup-Cause"), "INCOMPATIBLE_DESTINATION");
}

}  // namespace
}  // namespace sipedge::test
