// The transaction layer under calls:
// - ACKs of the callee's 2xx (RFC 3261 13.2.2.4). The node sends them without
//   a client transaction (node/calls/dialog_ack.h: nta would keep each one
//   for 32 s), so a 2xx retransmitted after the ACK must be answered by the
//   node itself: it finds the dialog and ACKs again, same CSeq and target.
// - mod_sofia's timer-T1/T1X64 profile params reach nta: Timer B of an
//   INVITE nobody answers fires after timer-T1X64, not after 32 s.
//
// The callee is a raw UDP socket (SIPp would take the second, byte-identical
// ACK for a retransmission of the first and answer it again with its 200).
#include <gtest/gtest.h>

#include <future>

#include "tests/integration/call_fixture.h"

namespace sipedge::test {
namespace {

using namespace calls;
using std::chrono::milliseconds;

const std::string kBridge1001 = extension("1001", {{"bridge", "user/1001@example.com"}});

class CallTransactionTest : public CallTest {};

// The next request with `method` on the socket (others are answered by nobody
// and skipped: the node's INVITE retransmissions, for instance).
std::optional<std::string> next_request(UdpSocket& socket, const std::string& method, milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto left = std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    auto m = socket.receive(std::max(left, milliseconds(1)));
    if (!m) return std::nullopt;
    if (method_of(*m) == method) return m;
  }
  return std::nullopt;
}

// A response to `request` built as a UAS does (RFC 3261 8.2.6.2): Via, From,
// Call-ID, CSeq copied, To with our tag.
std::string response_to(const std::string& request, const std::string& status, int port, const std::string& to_tag,
                         const std::string& sdp = "") {
  std::string r = "SIP/2.0 " + status + "\r\n";
  for (const std::string& via : header_values(request, "Via", "v")) r += "Via: " + via + "\r\n";
  r += "From: " + header_value(request, "From", "f") + "\r\n";
  std::string to = header_value(request, "To", "t");
  r += "To: " + to + (to_tag.empty() || contains(to, ";tag=") ? "" : ";tag=" + to_tag) + "\r\n";
  r += "Call-ID: " + header_value(request, "Call-ID", "i") + "\r\n";
  r += "CSeq: " + header_value(request, "CSeq") + "\r\n";
  r += "Contact: <sip:1001@127.0.0.1:" + std::to_string(port) + ">\r\n";
  if (!sdp.empty()) r += "Content-Type: application/sdp\r\n";
  r += "Content-Length: " + std::to_string(sdp.size()) + "\r\n\r\n" + sdp;
  return r;
}

const std::string kAnswer =
    "v=0\r\no=callee 1 1 IN IP4 127.0.0.1\r\ns=raw-callee\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

// The callee's 200 reaches the node again after its ACK (the ACK was lost):
// the node ACKs it again — same Request-URI, Call-ID, tags and CSeq — and the
// call goes on to a normal BYE.
TEST_F(CallTransactionTest, RetransmittedAnswerIsAckedAgain) {
  ASSERT_NO_FATAL_FAILURE(start_node(kBridge1001));
  int port = register_user("1001");
  UdpSocket callee(port);
  Caller c;
  c.service = "1001";
  c.pause_ms = 1500;
  auto caller_run = std::async(std::launch::async, [this, c] { return call(c); });

  auto invite = next_request(callee, "INVITE", milliseconds(5000));
  ASSERT_TRUE(invite) << node().log_tail();
  std::string ok = response_to(*invite, "200 OK", port, "raw-callee-tag", kAnswer);
  callee.send_to(node_port(), ok);
  auto ack1 = next_request(callee, "ACK", milliseconds(3000));
  ASSERT_TRUE(ack1) << "the 200 was not ACKed\n" << node().log_tail();

  callee.send_to(node_port(), ok);  // the same bytes again
  auto ack2 = next_request(callee, "ACK", milliseconds(3000));
  ASSERT_TRUE(ack2) << "the retransmitted 200 was not ACKed again\n" << node().log_tail();

  for (const std::string* ack : {&*ack1, &*ack2}) {
    EXPECT_EQ(request_uri(*ack), "sip:1001@127.0.0.1:" + std::to_string(port)) << *ack;
    EXPECT_EQ(header_value(*ack, "Call-ID", "i"), header_value(*invite, "Call-ID", "i")) << *ack;
    EXPECT_EQ(tag_of(header_value(*ack, "From", "f")), tag_of(header_value(*invite, "From", "f"))) << *ack;
    EXPECT_EQ(tag_of(header_value(*ack, "To", "t")), "raw-callee-tag") << *ack;
    long long invite_cseq = cseq_number(*invite);
    EXPECT_EQ(header_value(*ack, "CSeq"), std::to_string(invite_cseq) + " ACK") << *ack;
  }

  // The caller hangs up after its pause: the BYE reaches the callee, answered.
  auto bye = next_request(callee, "BYE", milliseconds(8000));
  ASSERT_TRUE(bye) << node().log_tail();
  callee.send_to(node_port(), response_to(*bye, "200 OK", port, ""));
  SippResult caller = caller_run.get();
  EXPECT_EQ(caller.exit_code, 0) << caller.describe();
  EXPECT_EQ(wait_count(dsn(), "select count(*) from call_history where hangup_cause = 'NORMAL_CLEARING'", 1), 1);
}

// A 2xx whose dialog the node does not hold (a stray one, or one for a call
// long gone) is dropped: no ACK, and the node goes on serving.
TEST_F(CallTransactionTest, AnswerForNoDialogIsDropped) {
  ASSERT_NO_FATAL_FAILURE(start_node(kBridge1001));
  UdpSocket peer(0);
  std::string stray =
      "SIP/2.0 200 OK\r\n"
      "Via: SIP/2.0/UDP 127.0.0.1:" + std::to_string(node_port()) + ";branch=z9hG4bKnosuchtransaction\r\n"
      "From: <sip:2000@127.0.0.1>;tag=nosuchlocaltag\r\n"
      "To: <sip:1001@127.0.0.1>;tag=nosuchremotetag\r\n"
      "Call-ID: no-such-dialog@127.0.0.1\r\n"
      "CSeq: 1 INVITE\r\n"
      "Contact: <sip:1001@127.0.0.1:" + std::to_string(peer.port()) + ">\r\n"
      "Content-Length: 0\r\n\r\n";
  peer.send_to(node_port(), stray);
  // Then an OPTIONS from the same socket: its answer shows the node went on,
  // and nothing else (no ACK) may have arrived before it.
  peer.send_to(node_port(), make_options("UDP", peer.port(), node_port(), "after-stray-200"));
  auto m = peer.receive(milliseconds(3000));
  ASSERT_TRUE(m) << node().log_tail();
  EXPECT_EQ(status_code(*m), 200) << *m;
  EXPECT_EQ(header_value(*m, "Call-ID", "i"), "after-stray-200") << *m;
}

// timer-T1X64=2000: an INVITE the callee never answers (not even 100) is
// retransmitted (timer A, from timer-T1) and given up after 2 s (timer B):
// the caller gets the B leg's failure then, not 32 s later.
TEST_F(CallTransactionTest, TimerT1X64BoundsAnUnansweredInvite) {
  ASSERT_NO_FATAL_FAILURE(start_node(kBridge1001, {{"timer-T1", "250"}, {"timer-T1X64", "2000"}}));
  int port = register_user("1001");
  UdpSocket callee(port);
  ChannelEvents events(node());
  Caller c;
  c.scenario = "call_uac_reject.xml";
  c.service = "1001";
  auto started = std::chrono::steady_clock::now();
  auto caller_run = std::async(std::launch::async, [this, c] { return call(c); });

  int invites = 0;
  std::string call_id;
  while (auto m = next_request(callee, "INVITE", milliseconds(3000))) {
    if (call_id.empty()) call_id = header_value(*m, "Call-ID", "i");
    EXPECT_EQ(header_value(*m, "Call-ID", "i"), call_id) << "a second call, not a retransmission";
    ++invites;
  }
  SippResult caller = caller_run.get();
  auto elapsed = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started);
  EXPECT_EQ(caller.exit_code, 0) << caller.describe();
  auto finals = invite_finals(sipp_received(caller));
  ASSERT_EQ(finals.size(), 1u) << caller.describe();
  EXPECT_TRUE(finals[0] == 408 || finals[0] == 504) << finals[0];
  EXPECT_GE(invites, 2) << "the node did not retransmit its INVITE over UDP";
  auto hangup = events.wait("CHANNEL_HANGUP", direction_is("outbound"));
  ASSERT_TRUE(hangup) << events.describe_seen();
  EXPECT_EQ(ChannelEvents::get(*hangup, "Hangup-Cause"), "RECOVERY_ON_TIMER_EXPIRE");
  // 2 s of timer B, plus the 3 s the loop above waits for one more INVITE.
  EXPECT_LE(elapsed.count(), 9000) << "the caller waited " << elapsed.count() << " ms: timer B was not 2 s";
}

}  // namespace
}  // namespace sipedge::test
