// In-dialog requests through the B2BUA (docs/calls.md "A call, step by step"
// 7): a re-INVITE from the callee relayed to the caller and its answer back,
// an UPDATE (RFC 3311) and INFO in both directions, a re-INVITE glare (RFC
// 3261 14.1: 491 Request Pending) and a call over TCP on both legs.
//
// Callers and callees are SIPp (tests/sipp/relay_*.xml, call_uac_answer.xml).
// Each test checks what SIPp received (bodies, Content-Type, dialog fields,
// the CSeq numbering of each leg) and what the node stored in call_legs while
// the call was up: a LegHistory samples both rows every 10 ms on a thread of
// its own, and the scenarios hold every state for 300 ms or more, so each one
// is seen. Every wait is bounded. Where one call shows several behaviours,
// each has a test of its own (the same call placed again), so a failure
// names the behaviour: the relay itself, the target refresh, the stored
// CSeq and SDPs.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "tests/integration/call_fixture.h"

namespace sipedge::test::calls {
namespace {

const std::string kBridge1001 = extension("1001", {{"bridge", "user/1001@" + kDomain}});
// Bounds a scenario that goes wrong (SIPp -timeout): the whole binary stays short.
constexpr auto kSippTimeout = std::chrono::seconds(12);
// How long the callers hold the call after the last in-dialog exchange.
constexpr int kHoldMs = 400;

// ------------------------------------------------------------ SIP messages

// "CSeq status" of every final response to an INVITE (or re-INVITE), in order.
std::vector<std::string> invite_finals_by_cseq(const std::vector<std::string>& messages) {
  std::vector<std::string> finals;
  for (const auto& m : messages)
    if (status_code(m) >= 200 && cseq_method(m) == "INVITE")
      finals.push_back(header_value(m, "CSeq") + " " + std::to_string(status_code(m)));
  return finals;
}


std::string content_type(const std::string& message) { return header_value(message, "Content-Type", "c"); }
std::string call_id(const std::string& message) { return header_value(message, "Call-ID", "i"); }
std::string from_tag(const std::string& message) { return tag_of(header_value(message, "From", "f")); }
std::string to_tag(const std::string& message) { return tag_of(header_value(message, "To", "t")); }

// The messages without their retransmissions (same start line, CSeq and branch).
std::vector<std::string> distinct(const std::vector<std::string>& messages) {
  std::vector<std::string> out;
  std::set<std::string> keys;
  for (const auto& m : messages)
    if (keys.insert(status_line(m) + "|" + header_value(m, "CSeq") + "|" + via_branch(m)).second) out.push_back(m);
  return out;
}

// The requests other than ACK, in order.
std::vector<std::string> non_ack_requests(const std::vector<std::string>& messages) {
  std::vector<std::string> out;
  for (const auto& m : messages)
    if (!method_of(m).empty() && method_of(m) != "ACK") out.push_back(m);
  return out;
}

// "INVITE 1, UPDATE 2, ..." for failure messages.
std::string summary(const std::vector<std::string>& messages) {
  std::string out;
  for (const auto& m : messages) {
    std::string what = method_of(m).empty() ? std::to_string(status_code(m)) : method_of(m);
    out += (out.empty() ? "" : ", ") + what + " (CSeq " + header_value(m, "CSeq") + ")";
  }
  return out;
}

// The s= line of an SDP, or the first line of another body (to describe a stored SDP).
std::string session_name(const std::string& body) {
  for (const auto& line : lines_of(body))
    if (starts_with(line, "s=")) return line;
  auto l = lines_of(body);
  return l.empty() ? "<empty>" : "<not SDP: " + l[0] + ">";
}

// ------------------------------------------------- call_legs while the call is up

struct LegState {
  std::string uuid, transport, remote_target, local_sdp, remote_sdp;
  long long local_cseq = -1, remote_cseq = -1;
  bool operator==(const LegState&) const = default;
};

struct LegsSnapshot {
  LegState a, b;
  bool operator==(const LegsSnapshot&) const = default;
};

std::string describe(const LegState& s) {
  return "local_cseq=" + std::to_string(s.local_cseq) + " remote_cseq=" + std::to_string(s.remote_cseq) +
         " transport=" + s.transport + " target=" + s.remote_target + " local_sdp " + session_name(s.local_sdp) +
         " remote_sdp " + session_name(s.remote_sdp);
}

std::string describe(const std::vector<LegsSnapshot>& states) {
  std::string out = "call_legs as sampled while the call was up (" + std::to_string(states.size()) + " states):\n";
  for (const auto& s : states) out += "  a: " + describe(s.a) + "\n  b: " + describe(s.b) + "\n  --\n";
  return out;
}

// Samples both rows of the (only) call every 10 ms from its own connection,
// keeping each distinct state, until stop().
class LegHistory {
 public:
  explicit LegHistory(std::string dsn) : dsn_(std::move(dsn)) { thread_ = std::thread([this] { run(); }); }
  ~LegHistory() { stop(); }
  LegHistory(const LegHistory&) = delete;
  LegHistory& operator=(const LegHistory&) = delete;

  const std::vector<LegsSnapshot>& stop() {
    if (thread_.joinable()) {
      stop_ = true;
      thread_.join();
    }
    return states_;
  }
  const std::string& error() const { return error_; }

 private:
  void run() {
    try {
      pqxx::connection conn(dsn_);
      while (!stop_) {
        {
          pqxx::read_transaction txn(conn);
          pqxx::result r = txn.exec(
              "select leg, uuid::text, transport, remote_target, local_sdp, remote_sdp, local_cseq, remote_cseq "
              "from call_legs order by leg");
          if (r.size() == 2) {
            LegsSnapshot s;
            for (const auto& row : r) {
              LegState& leg = row[0].as<std::string>() == "a" ? s.a : s.b;
              leg.uuid = row[1].as<std::string>();
              leg.transport = row[2].as<std::string>();
              leg.remote_target = row[3].as<std::string>();
              leg.local_sdp = row[4].as<std::string>();
              leg.remote_sdp = row[5].as<std::string>();
              leg.local_cseq = row[6].as<long long>();
              leg.remote_cseq = row[7].as<long long>();
            }
            if (states_.empty() || !(states_.back() == s)) states_.push_back(s);
          }
        }
        std::this_thread::sleep_for(milliseconds(10));
      }
    } catch (const std::exception& e) {
      error_ = e.what();
    }
  }

  std::string dsn_;
  std::atomic<bool> stop_{false};
  std::vector<LegsSnapshot> states_;
  std::string error_;
  std::thread thread_;  // last: starts once the members above exist
};

template <typename Pred>
bool any_state(const std::vector<LegsSnapshot>& states, Pred pred) {
  for (const auto& s : states)
    if (pred(s)) return true;
  return false;
}

// ------------------------------------------------------------- the fixture

class CallRelayTest : public CallTest {
 protected:
  SippResult run_caller(const std::string& scenario, const std::string& transport = "u1") {
    Caller c;
    c.scenario = scenario;
    c.service = "1001";
    c.pause_ms = kHoldMs;
    c.timeout = kSippTimeout;
    SippOptions o = caller_options(c, node_port());
    o.transport = transport;
    // SIPp binds -mp and -mp + 2: a media port whose neighbours are free too.
    for (std::size_t i = 0; i + 1 < o.extra_args.size(); ++i)
      if (o.extra_args[i] == "-mp") o.extra_args[i + 1] = std::to_string(free_media_port());
    return run_sipp(o);
  }

  // After both SIPps ended: the call left the active tables with NORMAL_CLEARING,
  // and the sampled leg states (the last one is the dialog as stored before the BYE).
  const std::vector<LegsSnapshot>& finish(LegHistory& legs) {
    EXPECT_EQ(wait_count(dsn(), "select count(*) from active_calls", 0), 0) << node().log_tail();
    EXPECT_EQ(wait_count(dsn(), "select count(*) from call_history where hangup_cause = 'NORMAL_CLEARING'", 1), 1)
        << node().log_tail();
    const auto& states = legs.stop();
    EXPECT_TRUE(legs.error().empty()) << "sampling call_legs failed: " << legs.error();
    return states;
  }

  // One call over UDP: a node bridging 1001 to its registration, the callee
  // SIPp `uas` registered as 1001, the caller SIPp `uac`; both run to their
  // end, then the call has left the active tables. Fatal failure when the
  // call could not be placed at all.
  struct Run {
    SippResult caller, callee;
    std::vector<std::string> caller_in, caller_out, callee_in, callee_out;  // without retransmissions
    std::vector<LegsSnapshot> states;
  };
  void relay_call(const std::string& uas, const std::string& uac, Run& run) {
    ASSERT_NO_FATAL_FAILURE(start_node(kBridge1001));
    int port = register_user("1001");
    LegHistory legs(dsn());
    // The overload with a transport picks a media port whose neighbours are free (free_media_port).
    Callee callee(uas, port, node_port(), "u1", 200, kSippTimeout);
    run.caller = run_caller(uac);
    run.callee = callee.result();
    EXPECT_EQ(run.caller.exit_code, 0) << run.caller.describe() << node().log_tail();
    EXPECT_EQ(run.callee.exit_code, 0) << run.callee.describe() << node().log_tail();
    run.states = finish(legs);
    run.caller_in = distinct(sipp_received(run.caller));
    run.caller_out = distinct(sipp_sent(run.caller));
    run.callee_in = distinct(sipp_received(run.callee));
    run.callee_out = distinct(sipp_sent(run.callee));
    ASSERT_FALSE(run.states.empty()) << "call_legs never held both legs\n" << node().log_tail();
    ASSERT_FALSE(requests(run.caller_out, "INVITE").empty()) << run.caller.describe();
    ASSERT_FALSE(responses(run.caller_in, 200, "INVITE").empty()) << "the call was not answered\n"
                                                                  << run.caller.describe();
  }
};

// ----------------------------------------------------------- 1. re-INVITE from the callee
// relay_uas_reinvite.xml re-INVITEs (CSeq 101, new offer s=callee-reoffer,
// new Contact 1001-moved); relay_uac_reinvited.xml answers it 300 ms later
// (s=caller-reanswer, new Contact 2000-moved), then hangs up.

// The re-INVITE reaches the caller on the A leg's own dialog and CSeq with the
// callee's offer, the caller's 200 goes back to the callee with the answer,
// both 2xx are ACKed, the stored CSeqs and SDPs follow, and the caller's BYE
// ends the call on the B leg's next CSeq.
TEST_F(CallRelayTest, CalleeReinviteIsRelayedToTheCallerAndAnsweredBack) {
  Run run;
  ASSERT_NO_FATAL_FAILURE(relay_call("relay_uas_reinvite.xml", "relay_uac_reinvited.xml", run));
  const std::string caller_invite = requests(run.caller_out, "INVITE")[0];
  const std::string caller_ok = responses(run.caller_in, 200, "INVITE")[0];

  // The node's requests to the caller: the re-INVITE and the ACK of the caller's 200.
  auto to_caller = requests(run.caller_in, "INVITE");
  ASSERT_EQ(to_caller.size(), 1u) << "the callee's re-INVITE did not reach the caller once: "
                                  << summary(run.caller_in) << "\n" << run.caller.describe();
  const std::string& reinvite = to_caller[0];
  EXPECT_TRUE(contains(body_of(reinvite), "s=callee-reoffer")) << "the callee's offer was not relayed:\n" << reinvite;
  EXPECT_EQ(content_type(reinvite), "application/sdp") << reinvite;
  EXPECT_EQ(call_id(reinvite), call_id(caller_invite)) << "not on the caller's dialog:\n" << reinvite;
  EXPECT_EQ(to_tag(reinvite), from_tag(caller_invite)) << reinvite;
  EXPECT_EQ(from_tag(reinvite), to_tag(caller_ok)) << reinvite;
  EXPECT_EQ(request_uri(reinvite), contact_uri(header_value(caller_invite, "Contact", "m"))) << reinvite;
  EXPECT_EQ(cseq_method(reinvite), "INVITE");
  const long long y = cseq_number(reinvite);
  auto caller_acks = requests(run.caller_in, "ACK");
  ASSERT_EQ(caller_acks.size(), 1u) << "the caller's 200 to the re-INVITE was not ACKed: " << summary(run.caller_in);
  EXPECT_EQ(header_value(caller_acks[0], "CSeq"), std::to_string(y) + " ACK");

  // The caller's answer, back to the callee.
  auto callee_ok = responses(run.callee_in, 200, "INVITE");
  ASSERT_EQ(callee_ok.size(), 1u) << summary(run.callee_in) << "\n" << run.callee.describe();
  EXPECT_EQ(header_value(callee_ok[0], "CSeq"), "101 INVITE");
  EXPECT_TRUE(contains(body_of(callee_ok[0]), "s=caller-reanswer")) << "the caller's answer was not relayed:\n"
                                                                    << callee_ok[0];
  EXPECT_EQ(content_type(callee_ok[0]), "application/sdp") << callee_ok[0];

  // The B leg's own numbering: INVITE x, then the BYE x + 1 (the callee's
  // re-INVITE does not move the node's CSeq on that leg).
  auto to_callee = non_ack_requests(run.callee_in);
  ASSERT_EQ(to_callee.size(), 2u) << summary(to_callee);
  ASSERT_EQ(method_of(to_callee[1]), "BYE") << summary(to_callee);
  const long long x = cseq_number(to_callee[0]);
  EXPECT_EQ(cseq_number(to_callee[1]), x + 1) << summary(to_callee);
  EXPECT_EQ(call_id(to_callee[1]), call_id(to_callee[0])) << to_callee[1];

  // The stored dialogs once the re-INVITE is done (the last state before the BYE).
  const auto& states = run.states;
  const LegsSnapshot& last = states.back();
  EXPECT_EQ(last.a.remote_cseq, 1) << describe(states);
  EXPECT_EQ(last.a.local_cseq, y) << "the A leg's CSeq of the relayed re-INVITE is not stored\n" << describe(states);
  EXPECT_EQ(last.b.local_cseq, x) << describe(states);
  EXPECT_EQ(last.b.remote_cseq, 101) << "the callee's re-INVITE CSeq is not stored\n" << describe(states);
  EXPECT_TRUE(contains(last.b.remote_sdp, "s=callee-reoffer")) << describe(states);
  EXPECT_TRUE(contains(last.a.remote_sdp, "s=caller-reanswer")) << describe(states);
  EXPECT_TRUE(contains(last.b.local_sdp, "s=caller-reanswer")) << describe(states);
  // The caller's 200 carried a new Contact: the A leg's target follows (RFC 3261 12.2.1.2).
  EXPECT_TRUE(contains(last.a.remote_target, "2000-moved")) << describe(states);
}

// RFC 3261 12.2.2: the Contact of a re-INVITE the node receives is the
// sender's new remote target: the BYE goes there, and the stored dialog says so.
TEST_F(CallRelayTest, CalleeReinviteContactBecomesTheCalleesTarget) {
  Run run;
  ASSERT_NO_FATAL_FAILURE(relay_call("relay_uas_reinvite.xml", "relay_uac_reinvited.xml", run));
  auto byes = requests(run.callee_in, "BYE");
  ASSERT_EQ(byes.size(), 1u) << summary(run.callee_in);
  EXPECT_EQ(uri_user(request_uri(byes[0])), "1001-moved")
      << "the BYE went to the callee's old target (its re-INVITE's Contact was not taken):\n" << byes[0];
  EXPECT_TRUE(contains(run.states.back().b.remote_target, "1001-moved"))
      << "the callee's re-INVITE Contact is not the stored target\n" << describe(run.states);
}

// call_legs.local_cseq is "written before the request leaves": while the
// relayed re-INVITE waits for the caller's answer (300 ms), the A leg's row
// must already hold the CSeq it left with, or a node recovering the call
// meanwhile would send its next request on that leg with a lower CSeq.
TEST_F(CallRelayTest, RelayedReinviteCseqIsStoredBeforeItLeaves) {
  Run run;
  ASSERT_NO_FATAL_FAILURE(relay_call("relay_uas_reinvite.xml", "relay_uac_reinvited.xml", run));
  auto to_caller = requests(run.caller_in, "INVITE");
  ASSERT_EQ(to_caller.size(), 1u) << summary(run.caller_in);
  const long long y = cseq_number(to_caller[0]);
  const auto& states = run.states;
  EXPECT_TRUE(any_state(states, [&](const LegsSnapshot& s) {
    return s.b.remote_cseq == 101 && contains(s.a.remote_sdp, "s=caller-session") && s.a.local_cseq == y;
  })) << "while the re-INVITE (CSeq " << y << ") was pending on the A leg, that leg's stored local_cseq was not "
      << y << "\n" << describe(states);
  for (const auto& s : states)
    EXPECT_TRUE(s.a.local_cseq == states.front().a.local_cseq || s.a.local_cseq >= y)
        << "a stored A leg CSeq below the one in use\n" << describe(states);
}

// The offer relayed to a leg is what the node last sent on it: once the
// re-INVITE is done, the A leg's local_sdp is the callee's new offer (as the
// B leg's local_sdp is the caller's answer).
TEST_F(CallRelayTest, RelayedOfferIsStoredAsTheLocalSdpOfTheLegItWasSentOn) {
  Run run;
  ASSERT_NO_FATAL_FAILURE(relay_call("relay_uas_reinvite.xml", "relay_uac_reinvited.xml", run));
  EXPECT_TRUE(contains(run.states.back().a.local_sdp, "s=callee-reoffer"))
      << "the A leg's stored local_sdp is not the offer the caller was sent\n" << describe(run.states);
}

// ----------------------------------------------------------- 2. UPDATE from the caller
// relay_uac_update.xml sends UPDATE (CSeq 2, s=caller-update);
// relay_uas_answer.xml answers 200 with s=callee-update.

// Relayed to the callee with its offer and the B leg's next CSeq, the callee's
// 200 and its SDP answer back to the caller; the stored CSeqs follow.
TEST_F(CallRelayTest, CallerUpdateIsRelayedWithItsOfferAndAnswer) {
  Run run;
  ASSERT_NO_FATAL_FAILURE(relay_call("relay_uas_answer.xml", "relay_uac_update.xml", run));
  auto to_callee = non_ack_requests(run.callee_in);
  ASSERT_EQ(to_callee.size(), 3u) << "expected INVITE, UPDATE, BYE: " << summary(to_callee) << "\n"
                                  << run.callee.describe();
  const std::string& invite = to_callee[0];
  const std::string& update = to_callee[1];
  ASSERT_EQ(method_of(update), "UPDATE") << summary(to_callee);
  EXPECT_EQ(method_of(to_callee[2]), "BYE") << summary(to_callee);
  const long long x = cseq_number(invite);
  EXPECT_EQ(header_value(update, "CSeq"), std::to_string(x + 1) + " UPDATE") << "not the B leg's next CSeq:\n" << update;
  EXPECT_EQ(cseq_number(to_callee[2]), x + 2) << summary(to_callee);
  EXPECT_TRUE(contains(body_of(update), "s=caller-update")) << "the caller's offer was not relayed:\n" << update;
  EXPECT_EQ(content_type(update), "application/sdp") << update;
  EXPECT_EQ(call_id(update), call_id(invite)) << update;
  EXPECT_EQ(from_tag(update), from_tag(invite)) << update;
  auto callee_ok = responses(run.callee_out, 200, "INVITE");
  ASSERT_FALSE(callee_ok.empty());
  EXPECT_EQ(to_tag(update), to_tag(callee_ok[0])) << update;
  EXPECT_EQ(request_uri(update), contact_uri(header_value(callee_ok[0], "Contact", "m"))) << update;

  auto update_ok = responses(run.caller_in, 200, "UPDATE");
  ASSERT_EQ(update_ok.size(), 1u) << summary(run.caller_in) << "\n" << run.caller.describe();
  EXPECT_EQ(header_value(update_ok[0], "CSeq"), "2 UPDATE");
  EXPECT_TRUE(contains(body_of(update_ok[0]), "s=callee-update")) << "the callee's SDP answer was not relayed:\n"
                                                                  << update_ok[0];
  EXPECT_EQ(content_type(update_ok[0]), "application/sdp") << update_ok[0];

  const auto& states = run.states;
  const LegsSnapshot& first = states.front();
  const LegsSnapshot& last = states.back();
  EXPECT_EQ(first.a.remote_cseq, 1) << describe(states);
  EXPECT_EQ(first.b.local_cseq, x) << describe(states);
  EXPECT_EQ(last.a.remote_cseq, 2) << "the caller's UPDATE CSeq is not stored\n" << describe(states);
  EXPECT_EQ(last.b.local_cseq, x + 1) << "the B leg's UPDATE CSeq is not stored\n" << describe(states);
  EXPECT_EQ(last.a.local_cseq, first.a.local_cseq) << describe(states);
  EXPECT_EQ(last.b.remote_cseq, first.b.remote_cseq) << describe(states);
  EXPECT_TRUE(contains(last.a.remote_sdp, "s=caller-update")) << describe(states);
}

// docs/calls.md 7: "the answer is relayed back and the stored dialog updated
// (CSeqs, SDPs, target)": after the UPDATE, the rows hold its offer and answer.
TEST_F(CallRelayTest, UpdateOfferAndAnswerAreStored) {
  Run run;
  ASSERT_NO_FATAL_FAILURE(relay_call("relay_uas_answer.xml", "relay_uac_update.xml", run));
  const auto& states = run.states;
  const LegsSnapshot& last = states.back();
  EXPECT_TRUE(contains(last.b.remote_sdp, "s=callee-update"))
      << "the callee's SDP answer to the UPDATE is not stored on the B leg\n" << describe(states);
  EXPECT_TRUE(contains(last.a.local_sdp, "s=callee-update"))
      << "the SDP answer sent to the caller is not stored on the A leg\n" << describe(states);
  EXPECT_TRUE(contains(last.b.local_sdp, "s=caller-update"))
      << "the offer sent to the callee is not stored on the B leg\n" << describe(states);
}

// ----------------------------------------------------------- 3. INFO both ways
// relay_uac_info.xml sends INFO (CSeq 2, application/dtmf-relay Signal=5);
// relay_uas_info.xml answers it, then sends its own (CSeq 101, Signal=9).

// The caller's INFO reaches the callee with its body and Content-Type on the
// B leg's next CSeq, the callee's reaches the caller on the A leg's own
// numbering; each 200 goes back; the stored CSeqs follow.
TEST_F(CallRelayTest, InfoIsRelayedBothWaysWithBodyAndContentType) {
  Run run;
  ASSERT_NO_FATAL_FAILURE(relay_call("relay_uas_info.xml", "relay_uac_info.xml", run));
  // Caller → callee.
  auto to_callee = non_ack_requests(run.callee_in);
  ASSERT_EQ(to_callee.size(), 3u) << "expected INVITE, INFO, BYE: " << summary(to_callee) << "\n"
                                  << run.callee.describe();
  const std::string& info = to_callee[1];
  ASSERT_EQ(method_of(info), "INFO") << summary(to_callee);
  const long long x = cseq_number(to_callee[0]);
  EXPECT_EQ(header_value(info, "CSeq"), std::to_string(x + 1) + " INFO") << info;
  EXPECT_EQ(content_type(info), "application/dtmf-relay") << info;
  EXPECT_TRUE(contains(body_of(info), "Signal=5\r\nDuration=160")) << "the INFO body was not relayed:\n" << info;
  EXPECT_EQ(call_id(info), call_id(to_callee[0])) << info;
  EXPECT_EQ(method_of(to_callee[2]), "BYE");
  EXPECT_EQ(cseq_number(to_callee[2]), x + 2) << summary(to_callee);
  auto info_ok = responses(run.caller_in, 200, "INFO");
  ASSERT_EQ(info_ok.size(), 1u) << summary(run.caller_in);
  EXPECT_EQ(header_value(info_ok[0], "CSeq"), "2 INFO");

  // Callee → caller.
  auto to_caller = non_ack_requests(run.caller_in);
  ASSERT_EQ(to_caller.size(), 1u) << "expected the callee's INFO: " << summary(to_caller) << "\n"
                                  << run.caller.describe();
  const std::string& back = to_caller[0];
  ASSERT_EQ(method_of(back), "INFO");
  EXPECT_EQ(content_type(back), "application/dtmf-relay") << back;
  EXPECT_TRUE(contains(body_of(back), "Signal=9\r\nDuration=250")) << "the INFO body was not relayed:\n" << back;
  const std::string caller_invite = requests(run.caller_out, "INVITE")[0];
  EXPECT_EQ(call_id(back), call_id(caller_invite)) << back;
  EXPECT_EQ(to_tag(back), from_tag(caller_invite)) << back;
  EXPECT_EQ(cseq_method(back), "INFO");
  const long long y = cseq_number(back);
  auto back_ok = responses(run.callee_in, 200, "INFO");
  ASSERT_EQ(back_ok.size(), 1u) << summary(run.callee_in);
  EXPECT_EQ(header_value(back_ok[0], "CSeq"), "101 INFO");

  const auto& states = run.states;
  const LegsSnapshot& first = states.front();
  const LegsSnapshot& last = states.back();
  EXPECT_GT(y, first.a.local_cseq) << "the A leg's INFO reused a stored CSeq\n" << describe(states);
  EXPECT_TRUE(any_state(states, [&](const LegsSnapshot& s) { return s.a.remote_cseq == 2 && s.b.local_cseq == x + 1; }))
      << "the caller's INFO CSeqs were never stored\n" << describe(states);
  EXPECT_EQ(last.a.remote_cseq, 2) << describe(states);
  EXPECT_EQ(last.b.local_cseq, x + 1) << describe(states);
  EXPECT_EQ(last.a.local_cseq, y) << "the A leg's CSeq of the relayed INFO is not stored\n" << describe(states);
  EXPECT_EQ(last.b.remote_cseq, 101) << "the callee's INFO CSeq is not stored\n" << describe(states);
}

// INFO carries no offer/answer: the SDPs stored for the call stay as
// answered (a node recovering the call, or answering a hold with
// disable-hold, uses them).
TEST_F(CallRelayTest, InfoBodyIsNotStoredAsSdp) {
  Run run;
  ASSERT_NO_FATAL_FAILURE(relay_call("relay_uas_info.xml", "relay_uac_info.xml", run));
  for (const auto& s : run.states) {
    EXPECT_TRUE(contains(s.a.remote_sdp, "s=caller-session") && contains(s.b.local_sdp, "s=caller-session") &&
                contains(s.b.remote_sdp, "s=callee-session") && contains(s.a.local_sdp, "s=callee-session"))
        << "an INFO body replaced a stored SDP\n" << describe(run.states);
    if (HasFailure()) break;
  }
}

// 4. Glare (RFC 3261 14.1) on the B leg: the caller's re-INVITE and the callee's cross.
// The callee answers the relayed one 491; the node, with a re-INVITE pending
// on the B leg, must answer the callee's 491 as well (and not relay it). The
// caller gets the 491, both retry one after the other, both retries are
// relayed and answered, and the call ends with BYE.
TEST_F(CallRelayTest, CrossingReinvitesOnTheCalleeLegGet491AndTheCallSurvives) {
  Run run;
  ASSERT_NO_FATAL_FAILURE(relay_call("relay_uas_glare_cross.xml", "relay_uac_glare_first.xml", run));
  EXPECT_TRUE(node().running()) << node().log_tail();
  const SippResult& caller = run.caller;
  const SippResult& uas = run.callee;
  const auto& caller_in = run.caller_in;
  const auto& callee_in = run.callee_in;
  const auto& states = run.states;
  // The node answered the callee's crossing re-INVITE itself.
  auto callee_491 = responses(callee_in, 491, "INVITE");
  ASSERT_EQ(callee_491.size(), 1u) << "the node did not answer the callee's re-INVITE 491 while its own was pending "
                                      "on that leg: "
                                   << summary(callee_in) << "\n" << uas.describe() << node().log_tail();
  EXPECT_EQ(header_value(callee_491[0], "CSeq"), "101 INVITE");
  // The caller: 200 to its INVITE, 491 (the callee's, relayed) to its first re-INVITE, 200 to its retry.
  std::vector<std::string> finals = invite_finals_by_cseq(caller_in);
  EXPECT_EQ(finals, (std::vector<std::string>{"1 INVITE 200", "2 INVITE 491", "3 INVITE 200"}))
      << summary(caller_in);

  // What reached the callee: INVITE x, the caller's glaring re-INVITE x + 1,
  // its retry x + 2, the BYE x + 3.
  auto to_callee = non_ack_requests(callee_in);
  ASSERT_EQ(to_callee.size(), 4u) << summary(to_callee) << "\n" << uas.describe();
  const long long x = cseq_number(to_callee[0]);
  for (std::size_t i = 1; i < to_callee.size(); ++i)
    EXPECT_EQ(cseq_number(to_callee[i]), x + static_cast<long long>(i)) << summary(to_callee);
  EXPECT_TRUE(contains(body_of(to_callee[1]), "s=caller-glare")) << to_callee[1];
  EXPECT_TRUE(contains(body_of(to_callee[2]), "s=caller-retry")) << to_callee[2];
  EXPECT_EQ(method_of(to_callee[3]), "BYE");
  // What reached the caller: only the callee's retry (its glaring re-INVITE was refused by the node).
  auto to_caller = non_ack_requests(caller_in);
  ASSERT_EQ(to_caller.size(), 1u) << summary(to_caller) << "\n" << caller.describe();
  EXPECT_TRUE(contains(body_of(to_caller[0]), "s=callee-retry")) << to_caller[0];
  const long long y = cseq_number(to_caller[0]);
  auto retry_ok = responses(callee_in, 200, "INVITE");
  ASSERT_EQ(retry_ok.size(), 1u) << summary(callee_in);
  EXPECT_EQ(header_value(retry_ok[0], "CSeq"), "102 INVITE");
  EXPECT_TRUE(contains(body_of(retry_ok[0]), "s=caller-reanswer")) << retry_ok[0];

  const LegsSnapshot& last = states.back();
  EXPECT_EQ(last.a.remote_cseq, 3) << describe(states);
  EXPECT_EQ(last.a.local_cseq, y) << describe(states);
  EXPECT_EQ(last.b.local_cseq, x + 2) << describe(states);
  EXPECT_EQ(last.b.remote_cseq, 102) << describe(states);
  EXPECT_TRUE(contains(last.b.remote_sdp, "s=callee-retry")) << describe(states);
  EXPECT_TRUE(contains(last.a.remote_sdp, "s=caller-reanswer")) << describe(states);
  std::string count = node().api("show calls count");
  EXPECT_TRUE(contains(count, "0 total.")) << count;
}

// 4b. The same glare on the A leg: the callee re-INVITEs first, the caller's
// re-INVITE crosses the one the node relays to it. The node, with a
// re-INVITE pending on the A leg, must answer the caller's 491; the caller's
// 491 goes back to the callee; both retry and the call ends with BYE.
TEST_F(CallRelayTest, CrossingReinvitesOnTheCallerLegGet491AndTheCallSurvives) {
  Run run;
  ASSERT_NO_FATAL_FAILURE(relay_call("relay_uas_glare_first.xml", "relay_uac_glare_cross.xml", run));
  EXPECT_TRUE(node().running()) << node().log_tail();
  const SippResult& caller = run.caller;
  const SippResult& uas = run.callee;
  const auto& caller_in = run.caller_in;
  const auto& callee_in = run.callee_in;
  const auto& states = run.states;
  auto caller_491 = responses(caller_in, 491, "INVITE");
  ASSERT_EQ(caller_491.size(), 1u) << "the node did not answer the caller's re-INVITE 491 while its own was pending "
                                      "on that leg: "
                                   << summary(caller_in) << "\n" << caller.describe() << node().log_tail();
  EXPECT_EQ(header_value(caller_491[0], "CSeq"), "2 INVITE");
  // The callee: 200 to the INVITE it answered is its own; 491 (the caller's, relayed) to 101, 200 to 102.
  std::vector<std::string> finals = invite_finals_by_cseq(callee_in);
  EXPECT_EQ(finals, (std::vector<std::string>{"101 INVITE 491", "102 INVITE 200"})) << summary(callee_in);

  // What reached the caller: the callee's glaring re-INVITE y and its retry y + 1.
  auto to_caller = non_ack_requests(caller_in);
  ASSERT_EQ(to_caller.size(), 2u) << summary(to_caller) << "\n" << caller.describe();
  EXPECT_TRUE(contains(body_of(to_caller[0]), "s=callee-glare")) << to_caller[0];
  EXPECT_TRUE(contains(body_of(to_caller[1]), "s=callee-retry")) << to_caller[1];
  const long long y = cseq_number(to_caller[0]);
  EXPECT_EQ(cseq_number(to_caller[1]), y + 1) << summary(to_caller);
  // What reached the callee: INVITE x, the caller's retry x + 1 (its glaring one was refused), the BYE x + 2.
  auto to_callee = non_ack_requests(callee_in);
  ASSERT_EQ(to_callee.size(), 3u) << summary(to_callee) << "\n" << uas.describe();
  const long long x = cseq_number(to_callee[0]);
  EXPECT_TRUE(contains(body_of(to_callee[1]), "s=caller-retry")) << to_callee[1];
  EXPECT_EQ(cseq_number(to_callee[1]), x + 1) << summary(to_callee);
  EXPECT_EQ(method_of(to_callee[2]), "BYE");
  EXPECT_EQ(cseq_number(to_callee[2]), x + 2) << summary(to_callee);

  const LegsSnapshot& last = states.back();
  EXPECT_EQ(last.a.remote_cseq, 3) << describe(states);
  EXPECT_EQ(last.a.local_cseq, y + 1) << describe(states);
  EXPECT_EQ(last.b.local_cseq, x + 1) << describe(states);
  EXPECT_EQ(last.b.remote_cseq, 102) << describe(states);
  EXPECT_TRUE(contains(last.a.remote_sdp, "s=caller-retry")) << describe(states);
  EXPECT_TRUE(contains(last.b.remote_sdp, "s=callee-reanswer")) << describe(states);
  std::string count = node().api("show calls count");
  EXPECT_TRUE(contains(count, "0 total.")) << count;
}

// 5. A call over TCP on both legs (SIPp -t t1; the bridge names
// transport=tcp): INVITE/200/ACK/BYE work and call_legs says tcp for both.
TEST_F(CallRelayTest, CallOverTcpOnBothLegs) {
  int port = free_port(true);
  ASSERT_NO_FATAL_FAILURE(start_node(
      extension("1001", {{"bridge", "sofia/internal/1001@127.0.0.1:" + std::to_string(port) + ";transport=tcp"}})));
  LegHistory legs(dsn());
  Callee callee("call_uas_answer.xml", port, node_port(), "t1", 200, kSippTimeout);
  ASSERT_TRUE(tcp_port_listening(port)) << "the callee's SIPp does not listen on TCP " << port << "\n"
                                        << callee.result().describe();
  SippResult caller = run_caller("call_uac_answer.xml", "t1");
  const SippResult& uas = callee.result();
  EXPECT_EQ(caller.exit_code, 0) << caller.describe() << node().log_tail();
  EXPECT_EQ(uas.exit_code, 0) << uas.describe() << node().log_tail();
  const auto& states = finish(legs);

  auto caller_in = distinct(sipp_received(caller));
  auto callee_in = distinct(sipp_received(uas));
  auto ok = responses(caller_in, 200, "INVITE");
  ASSERT_EQ(ok.size(), 1u) << caller.describe();
  EXPECT_TRUE(contains(body_of(ok[0]), "s=callee-session")) << ok[0];
  EXPECT_TRUE(contains(header_value(ok[0], "Via", "v"), "SIP/2.0/TCP")) << ok[0];
  EXPECT_EQ(responses(caller_in, 200, "BYE").size(), 1u) << summary(caller_in);
  EXPECT_EQ(requests(callee_in, "INVITE").size(), 1u) << summary(callee_in);
  EXPECT_EQ(requests(callee_in, "ACK").size(), 1u) << summary(callee_in);
  EXPECT_EQ(requests(callee_in, "BYE").size(), 1u) << summary(callee_in);
  for (const SippResult* r : std::initializer_list<const SippResult*>{&caller, &uas}) {
    EXPECT_TRUE(contains(r->messages, "TCP message received")) << r->describe();
    EXPECT_FALSE(contains(r->messages, "UDP message")) << "SIPp used UDP\n" << r->describe();
  }
  for (const auto& m : non_ack_requests(callee_in))
    EXPECT_TRUE(contains(header_value(m, "Via", "v"), "SIP/2.0/TCP")) << "not sent over TCP:\n" << m;
  auto invites = requests(callee_in, "INVITE");
  ASSERT_FALSE(invites.empty());
  EXPECT_TRUE(contains(body_of(invites[0]), "s=caller-session")) << invites[0];

  ASSERT_FALSE(states.empty()) << "call_legs never held both legs";
  for (const auto& s : states) {
    EXPECT_EQ(s.a.transport, "tcp") << describe(states);
    EXPECT_EQ(s.b.transport, "tcp") << describe(states);
    if (HasFailure()) break;
  }
}

}  // namespace
}  // namespace sipedge::test::calls
