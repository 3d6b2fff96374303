// INVITEs the B2BUA must refuse before any routing (issue 4), sent as exact
// bytes over UDP: Max-Forwards 0 → 483 (RFC 3261 16.3), an unsupported
// Require → 420 with Unsupported (8.2.2.3), a body that is not SDP → 400 or
// 488, a request inside a dialog nobody knows → 481 (12.2.2), a Session-Expires
// below 90 s → 422 (RFC 4028 6). The dialplan
// would answer any INVITE that got through with "480 Validation Passed", so a
// missing check shows as that status.
#include <gtest/gtest.h>

#include <sstream>

#include "tests/integration/call_fixture.h"

namespace sipedge::test {
namespace {

using namespace calls;

class CallValidationTest : public CallTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(start_node(extension("1001", {{"respond", "480 Validation Passed"}})));
  }

  struct Request {
    std::string method = "INVITE";
    std::string call_id;
    std::string to_tag;
    std::string max_forwards = "70";
    std::vector<std::string> headers;
    std::string content_type = "application/sdp";
    std::string body =
        "v=0\r\no=caller 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
        "m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
  };

  std::string build(const Request& r) {
    std::ostringstream out;
    std::string target = "sip:1001@127.0.0.1:" + std::to_string(node_port());
    out << r.method << " " << target << " SIP/2.0\r\n"
        << "Via: SIP/2.0/UDP 127.0.0.1:" << phone_.port() << ";branch=z9hG4bK-" << r.call_id << ";rport\r\n"
        << "Max-Forwards: " << r.max_forwards << "\r\n"
        << "From: <sip:2000@127.0.0.1:" << phone_.port() << ">;tag=from-" << r.call_id << "\r\n"
        << "To: <" << target << ">" << (r.to_tag.empty() ? "" : ";tag=" + r.to_tag) << "\r\n"
        << "Call-ID: " << r.call_id << "\r\n"
        << "CSeq: 1 " << r.method << "\r\n"
        << "Contact: <sip:2000@127.0.0.1:" << phone_.port() << ">\r\n";
    for (const auto& h : r.headers) out << h << "\r\n";
    if (!r.body.empty()) out << "Content-Type: " << r.content_type << "\r\n";
    out << "Content-Length: " << r.body.size() << "\r\n\r\n" << r.body;
    return out.str();
  }

  // Sends the request; returns the final answer to it (ACKed when an INVITE's).
  std::string final_answer(const Request& r) {
    phone_.send_to(node_port(), build(r));
    const auto deadline = Clock::now() + milliseconds(5000);
    while (Clock::now() < deadline) {
      auto msg = phone_.receive(milliseconds(500));
      if (!msg) continue;
      if (header_value(*msg, "Call-ID", "i") != r.call_id || status_code(*msg) < 200) continue;
      if (r.method == "INVITE") {
        std::ostringstream ack;
        ack << "ACK sip:1001@127.0.0.1:" << node_port() << " SIP/2.0\r\n"
            << "Via: SIP/2.0/UDP 127.0.0.1:" << phone_.port() << ";branch=z9hG4bK-" << r.call_id << ";rport\r\n"
            << "Max-Forwards: 70\r\n"
            << "From: <sip:2000@127.0.0.1:" << phone_.port() << ">;tag=from-" << r.call_id << "\r\n"
            << "To: " << header_value(*msg, "To", "t") << "\r\n"
            << "Call-ID: " << r.call_id << "\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n";
        phone_.send_to(node_port(), ack.str());
      }
      return *msg;
    }
    ADD_FAILURE() << "no final answer to " << r.method << " " << r.call_id << "\n" << node().log_tail();
    return "";
  }

  UdpSocket phone_;
};

TEST_F(CallValidationTest, MaxForwardsZeroGives483) {
  Request r;
  r.call_id = "mf0-call";
  r.max_forwards = "0";
  std::string answer = final_answer(r);
  EXPECT_EQ(status_code(answer), 483) << answer;
}

TEST_F(CallValidationTest, UnsupportedRequireGives420WithUnsupported) {
  Request r;
  r.call_id = "require-call";
  r.headers = {"Require: x-sipedge-nonexistent"};
  std::string answer = final_answer(r);
  EXPECT_EQ(status_code(answer), 420) << answer;
  EXPECT_TRUE(contains(header_value(answer, "Unsupported"), "x-sipedge-nonexistent")) << answer;
}

TEST_F(CallValidationTest, MalformedSdpIsRefused) {
  Request r;
  r.call_id = "bad-sdp-call";
  r.body = "this is not a session description\r\nm=audio nowhere\r\n";
  std::string answer = final_answer(r);
  int status = status_code(answer);
  EXPECT_TRUE(status == 400 || status == 488) << answer;
}

// RFC 3264 needs a v= line first; o=/s=/t= missing: not usable SDP.
TEST_F(CallValidationTest, SdpWithoutMandatoryLinesIsRefused) {
  Request r;
  r.call_id = "short-sdp-call";
  r.body = "v=0\r\nm=audio 40000 RTP/AVP 0\r\n";
  std::string answer = final_answer(r);
  int status = status_code(answer);
  EXPECT_TRUE(status == 400 || status == 488) << answer;
}

TEST_F(CallValidationTest, ReInviteForAnUnknownDialogGives481) {
  Request r;
  r.call_id = "unknown-dialog-invite";
  r.to_tag = "no-such-dialog";
  std::string answer = final_answer(r);
  EXPECT_EQ(status_code(answer), 481) << answer;
}

TEST_F(CallValidationTest, ByeForAnUnknownDialogGives481) {
  Request r;
  r.method = "BYE";
  r.call_id = "unknown-dialog-bye";
  r.to_tag = "no-such-dialog";
  r.body.clear();
  std::string answer = final_answer(r);
  EXPECT_EQ(status_code(answer), 481) << answer;
}

// RFC 4028 6: a Session-Expires below our Min-SE (90 s, the RFC's floor) → 422 with Min-SE.
TEST_F(CallValidationTest, SessionExpiresBelowMinSeGives422) {
  Request r;
  r.call_id = "short-session-call";
  r.headers = {"Supported: timer", "Session-Expires: 60"};
  std::string answer = final_answer(r);
  EXPECT_EQ(status_code(answer), 422) << answer;
  EXPECT_EQ(std::atoi(header_value(answer, "Min-SE").c_str()), 90) << answer;
}

// The control: a well-formed INVITE gets through to the dialplan.
TEST_F(CallValidationTest, AWellFormedInviteReachesTheDialplan) {
  Request r;
  r.call_id = "good-call";
  std::string answer = final_answer(r);
  EXPECT_EQ(status_code(answer), 480) << answer;
  EXPECT_TRUE(contains(status_line(answer), "Validation Passed")) << answer;
}

}  // namespace
}  // namespace sipedge::test
