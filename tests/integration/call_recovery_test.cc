// Issue 4, rebuild from the database: a call answered on node 1 survives
// `kill -9` of node 1. Node 2 starts with the same conf (same SIP and event
// socket ports, same database, another switchname), `sofia recover` rebuilds
// both legs from active_calls/call_legs alone, and the call then behaves as
// if nothing had happened: a BYE from either side, a re-INVITE from the
// caller, each relayed on the rebuilt legs with the right Call-ID, tags,
// CSeq and Route set, and the rows move to call_history.
//
// The callers and callees are SIPp (tests/sipp/recovery_*.xml). They wait for
// the test's go-ahead (an INFO with their Call-ID) instead of a timed pause,
// so no step depends on how fast node 2 starts. Their scenarios compare the
// dialog fields of every in-dialog request themselves; the test also reads
// them from SIPp's message log to compare with the stored rows and explain a
// failure. Every wait is bounded.
#include <signal.h>
#include <sys/types.h>

#include <future>
#include <set>

#include "tests/integration/call_fixture.h"

namespace sipedge::test::calls {
namespace {

constexpr auto kSippTimeout = std::chrono::seconds(25);

// One call_legs row, as node 1 stored it.
struct StoredLeg {
  std::string uuid, call_id, local_tag, remote_tag, remote_target, route_set_json;
  long long local_cseq = -1, remote_cseq = -1;
};

struct StoredCall {
  std::string uuid, node_name;
  StoredLeg a, b;
};

std::optional<StoredCall> read_stored_call(const std::string& dsn) {
  pqxx::connection conn(dsn);
  pqxx::read_transaction txn(conn);
  pqxx::result calls = txn.exec("select uuid::text, node_name from active_calls");
  if (calls.size() != 1) return std::nullopt;
  StoredCall call;
  call.uuid = calls[0][0].as<std::string>();
  call.node_name = calls[0][1].as<std::string>();
  pqxx::result legs = txn.exec_params(
      "select leg, uuid::text, call_id, local_tag, remote_tag, remote_target, array_to_json(route_set)::text, "
      "local_cseq, remote_cseq from call_legs where call_uuid = $1::uuid order by leg",
      call.uuid);
  if (legs.size() != 2) return std::nullopt;
  for (const auto& row : legs) {
    StoredLeg& leg = row[0].as<std::string>() == "a" ? call.a : call.b;
    leg.uuid = row[1].as<std::string>();
    leg.call_id = row[2].as<std::string>();
    leg.local_tag = row[3].as<std::string>();
    leg.remote_tag = row[4].as<std::string>();
    leg.remote_target = row[5].as<std::string>();
    leg.route_set_json = row[6].as<std::string>();
    leg.local_cseq = row[7].as<long long>();
    leg.remote_cseq = row[8].as<long long>();
  }
  return call;
}

std::size_t distinct_requests(const std::vector<std::string>& messages, const std::string& method) {
  std::set<std::string> branches;
  for (const auto& m : requests(messages, method)) branches.insert(via_branch(m));
  return branches.size();
}

// Tells a SIPp scenario waiting at `<recv request="INFO"/>` to go on: an
// INFO with its Call-ID (SIPp finds the call by Call-ID alone). SIPp does not
// answer it (its answer would go to the node, its only peer), so it is sent
// once: loopback UDP does not lose it, and the scenario's outcome shows it
// arrived.
void go_ahead(int sipp_port, const std::string& call_id, unsigned cseq = 100) {
  UdpSocket socket(free_port(true));
  std::string info = "INFO sip:go@127.0.0.1:" + std::to_string(sipp_port) + " SIP/2.0\r\n" +
                     "Via: SIP/2.0/UDP 127.0.0.1:" + std::to_string(socket.port()) + ";branch=z9hG4bK-go-" +
                     std::to_string(::getpid()) + "-" + std::to_string(sipp_port) + "-" + std::to_string(cseq) +
                     "\r\n"
                     "Max-Forwards: 70\r\n"
                     "From: <sip:recovery-test@127.0.0.1>;tag=go-ahead\r\n"
                     "To: <sip:sipp@127.0.0.1>\r\n"
                     "Call-ID: " + call_id + "\r\n" +
                     "CSeq: " + std::to_string(cseq) + " INFO\r\n" +
                     "Content-Length: 0\r\n\r\n";
  socket.send_to(sipp_port, info);
}

// The callee's SIPp is up (Callee waits for its port, but gives up when SIPp
// exits: then its output says why).
::testing::AssertionResult listening(Callee& callee) {
  if (udp_port_bound(callee.port())) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "the callee's SIPp is not listening on " << callee.port() << "\n"
                                       << callee.result().describe();
}

class CallRecoveryTest : public CallTest {
 protected:
  // Node 1: the "default" context bridges 1001 to its registration (as the
  // sample dialplan does for 1000-1019).
  void start_first_node() {
    ASSERT_NO_FATAL_FAILURE(start_node(extension("1001", {{"bridge", "user/1001@" + kDomain}})));
  }

  // The caller, in the background, from a port the test knows (go_ahead).
  std::future<SippResult> start_caller(const std::string& scenario, int& caller_port) {
    Caller c;
    c.scenario = scenario;
    c.service = "1001";
    c.timeout = kSippTimeout;
    SippOptions o = caller_options(c, node_port());
    caller_port = free_port(true);
    o.local_port = caller_port;
    return std::async(std::launch::async, [o] { return run_sipp(o); });
  }

  // Waits until node 1 has answered the caller (CHANNEL_BRIDGE comes after
  // the 200 OK is sent, which comes after the rows are committed), then reads
  // the rows it stored.
  StoredCall wait_answered(ChannelEvents& events, Callee& callee) {
    std::optional<EslFrame> bridged = events.wait("CHANNEL_BRIDGE", nullptr, milliseconds(15000));
    if (!bridged) {
      ADD_FAILURE() << "the call was never answered on node 1\n"
                    << events.describe_seen() << node().log_tail() << "\n--- callee ---\n"
                    << callee.result().describe();
      return StoredCall{};
    }
    EXPECT_EQ(count_of(dsn(), "select count(*) from active_calls where state = 'confirmed'"), 1);
    std::optional<StoredCall> stored = read_stored_call(dsn());
    EXPECT_TRUE(stored) << "active_calls/call_legs do not hold exactly one call with two legs";
    return stored.value_or(StoredCall{});
  }

  // kill -9: nothing of node 1 runs any more, only its rows are left.
  void kill_first_node() {
    ASSERT_EQ(::kill(node().pid(), SIGKILL), 0);
    std::optional<int> code = node().wait_exit(milliseconds(5000));
    ASSERT_TRUE(code) << "node 1 did not die";
    ASSERT_EQ(*code, 128 + SIGKILL);
    EXPECT_EQ(count_of(dsn(), "select count(*) from active_calls"), 1) << "the call's rows did not outlive node 1";
    EXPECT_EQ(count_of(dsn(), "select count(*) from call_legs"), 2);
  }

  // Node 2: node 1's conf (same ports, same database, same cluster: the pair
  // of node 1), another switchname. It becomes active once node 1's lease ran
  // out. auto_recover: it recovers the calls on its own as it takes over
  // (cluster-auto-recover, the default); false: by `sofia recover`.
  NodeProcess& start_second_node(bool auto_recover = false) {
    NodeOptions o = node().options();
    o.switchname = "recovery-node-2";
    o.switch_params.push_back({"cluster-name", "test-" + node().options().switchname});
    if (!auto_recover) o.switch_params.push_back({"cluster-auto-recover", "false"});
    node2_ = std::make_unique<NodeProcess>(o);
    node2_->start_and_wait();
    EXPECT_TRUE(wait_registrar_ready(*node2_));
    EXPECT_EQ(node2_->sip_port(), node_port());
    return *node2_;
  }

  // `sofia recover` on `n`: checks its reply and the sofia::recovery_recovered event.
  void recover(NodeProcess& n, std::size_t expected) {
    EventWatch watch(n, "sofia::recovery_recovered");
    std::string reply = n.api("sofia recover");
    if (expected == 0) {
      EXPECT_EQ(trim(reply), "No calls to recover.") << n.log_tail();
    } else {
      EXPECT_EQ(trim(reply), "Recovered " + std::to_string(expected) + " call(s)") << n.log_tail();
    }
    std::optional<EslFrame> e = watch.wait("sofia::recovery_recovered");
    ASSERT_TRUE(e) << "no sofia::recovery_recovered event\n" << n.log_tail();
    EXPECT_EQ(EventWatch::get(*e, "recovered_calls"), std::to_string(expected));
    EXPECT_EQ(EventWatch::get(*e, "failed_calls"), "0");
    if (expected > 0) {
      EXPECT_EQ(EventWatch::get(*e, "profile_internal_recovered_calls"), std::to_string(expected));
    }
  }

  // The call has left active_calls/call_legs for call_history.
  void expect_moved_to_history(const StoredCall& stored) {
    EXPECT_EQ(wait_count(dsn(), "select count(*) from active_calls", 0), 0);
    EXPECT_EQ(wait_count(dsn(), "select count(*) from call_legs", 0), 0);
    pqxx::connection conn(dsn());
    pqxx::read_transaction txn(conn);
    pqxx::result h = txn.exec_params(
        "select a_call_id, b_call_id, hangup_cause, a_leg_uuid::text, b_leg_uuid::text from call_history "
        "where uuid = $1::uuid",
        stored.uuid);
    ASSERT_EQ(h.size(), 1u) << "call_history has no row for " << stored.uuid;
    EXPECT_EQ(h[0][0].as<std::string>(), stored.a.call_id);
    EXPECT_EQ(h[0][1].as<std::string>(), stored.b.call_id);
    EXPECT_EQ(h[0][2].as<std::string>(), "NORMAL_CLEARING");
    EXPECT_EQ(h[0][3].as<std::string>(), stored.a.uuid);
    EXPECT_EQ(h[0][4].as<std::string>(), stored.b.uuid);
    EXPECT_EQ(txn.exec1("select count(*) from call_history")[0].as<long>(), 1);
  }

  // A request node 2 sent on the rebuilt B leg, as the callee received it:
  // the stored dialog exactly (RFC 3261 12.2.1.1), a CSeq above every one
  // node 1 used, and the callee's Record-Route as Route.
  void expect_b_leg_request(const std::string& request, const std::string& method, const StoredCall& stored,
                            const std::string& callee_invite, int callee_port) {
    SCOPED_TRACE(method + " to the callee:\n" + request);
    EXPECT_EQ(method_of(request), method);
    EXPECT_EQ(request_uri(request), stored.b.remote_target);
    EXPECT_EQ(header_value(request, "Call-ID", "i"), stored.b.call_id);
    EXPECT_EQ(header_value(request, "Call-ID", "i"), header_value(callee_invite, "Call-ID", "i"));
    EXPECT_EQ(tag_of(header_value(request, "From", "f")), stored.b.local_tag);
    EXPECT_EQ(tag_of(header_value(request, "From", "f")), tag_of(header_value(callee_invite, "From", "f")));
    EXPECT_EQ(tag_of(header_value(request, "To", "t")), stored.b.remote_tag);
    EXPECT_EQ(cseq_method(request), method);
    EXPECT_GT(cseq_number(request), stored.b.local_cseq);
    EXPECT_GT(cseq_number(request), cseq_number(callee_invite));
    EXPECT_EQ(header_values(request, "Route"),
              std::vector<std::string>{"<sip:127.0.0.1:" + std::to_string(callee_port) + ";lr>"});
  }

  // What node 1 stored for the B leg: the callee's tag and Record-Route.
  void expect_b_leg_stored(const StoredCall& stored, const std::vector<std::string>& callee_sent, int callee_port) {
    std::vector<std::string> oks = responses(callee_sent, 200, "INVITE");
    ASSERT_FALSE(oks.empty());
    EXPECT_EQ(stored.b.remote_tag, tag_of(header_value(oks.front(), "To", "t")));
    EXPECT_EQ(stored.b.route_set_json, "[\"<sip:127.0.0.1:" + std::to_string(callee_port) + ";lr>\"]");
  }

  std::unique_ptr<NodeProcess> node2_;
};

// The caller hangs up after the recovery: its BYE reaches node 2 on the
// rebuilt A leg and leaves on the rebuilt B leg with the B dialog's Call-ID,
// tags, a fresh CSeq and the stored Route; 200 both ways; the rows go to
// call_history. A second `sofia recover` finds the call already held.
TEST_F(CallRecoveryTest, CallerByeAfterRecoveryReachesCalleeInItsDialog) {
  ASSERT_NO_FATAL_FAILURE(start_first_node());
  int callee_port = register_user("1001");
  Callee callee("recovery_uas_answer.xml", callee_port, node_port(), 0, kSippTimeout);
  ASSERT_TRUE(listening(callee));
  ChannelEvents events(node());
  int caller_port = 0;
  std::future<SippResult> caller = start_caller("recovery_uac_bye.xml", caller_port);

  StoredCall stored = wait_answered(events, callee);
  ASSERT_FALSE(stored.uuid.empty());
  EXPECT_EQ(stored.node_name, "call-node");
  ASSERT_NO_FATAL_FAILURE(kill_first_node());

  NodeProcess& n2 = start_second_node();
  ASSERT_NO_FATAL_FAILURE(recover(n2, 1));
  EXPECT_TRUE(contains(n2.api("show calls"), stored.uuid)) << n2.api("show calls");
  // Already held: not rebuilt a second time (one BYE reaches the callee).
  ASSERT_NO_FATAL_FAILURE(recover(n2, 0));
  ChannelEvents events2(n2);

  go_ahead(caller_port, stored.a.call_id);
  SippResult caller_run = caller.get();
  const SippResult& callee_run = callee.result();
  EXPECT_EQ(caller_run.exit_code, 0) << caller_run.describe() << n2.log_tail();
  EXPECT_EQ(callee_run.exit_code, 0) << callee_run.describe() << n2.log_tail();

  std::vector<std::string> callee_got = sipp_received(callee_run);
  std::vector<std::string> invites = requests(callee_got, "INVITE");
  std::vector<std::string> byes = requests(callee_got, "BYE");
  ASSERT_EQ(invites.size(), 1u) << callee_run.describe();
  ASSERT_FALSE(byes.empty()) << callee_run.describe();
  EXPECT_EQ(distinct_requests(callee_got, "BYE"), 1u) << callee_run.describe();
  ASSERT_NO_FATAL_FAILURE(expect_b_leg_stored(stored, sipp_sent(callee_run), callee_port));
  expect_b_leg_request(byes.front(), "BYE", stored, invites.front(), callee_port);

  // The caller's BYE was answered by node 2, in the caller's dialog.
  std::vector<std::string> caller_oks = responses(sipp_received(caller_run), 200, "BYE");
  ASSERT_FALSE(caller_oks.empty()) << caller_run.describe();
  EXPECT_EQ(tag_of(header_value(caller_oks.front(), "To", "t")), stored.a.local_tag);
  EXPECT_EQ(header_value(caller_oks.front(), "Call-ID", "i"), stored.a.call_id);

  std::optional<EslFrame> done = events2.wait("CHANNEL_HANGUP_COMPLETE");
  ASSERT_TRUE(done) << events2.describe_seen() << n2.log_tail();
  EXPECT_EQ(ChannelEvents::get(*done, "Hangup-Cause"), "NORMAL_CLEARING");
  ASSERT_NO_FATAL_FAILURE(expect_moved_to_history(stored));
  EXPECT_FALSE(contains(n2.api("show calls"), stored.uuid));
}

// The callee hangs up after the recovery: node 2 answers its BYE (the B
// leg's remote CSeq was restored, so CSeq 1 is accepted) and sends the caller
// a BYE on the rebuilt A leg whose CSeq is above the stored one, in the
// caller's dialog (checked by the caller's scenario and here).
TEST_F(CallRecoveryTest, CalleeByeAfterRecoveryReachesCallerInItsDialog) {
  ASSERT_NO_FATAL_FAILURE(start_first_node());
  int callee_port = register_user("1001");
  Callee callee("recovery_uas_bye.xml", callee_port, node_port(), 0, kSippTimeout);
  ASSERT_TRUE(listening(callee));
  ChannelEvents events(node());
  int caller_port = 0;
  std::future<SippResult> caller = start_caller("recovery_uac_wait_bye.xml", caller_port);

  StoredCall stored = wait_answered(events, callee);
  ASSERT_FALSE(stored.uuid.empty());
  ASSERT_NO_FATAL_FAILURE(kill_first_node());

  // Takeover recovers on its own: the row belongs to node 2 with the new epoch.
  NodeProcess& n2 = start_second_node(true);
  EXPECT_EQ(wait_count(dsn(), "select count(*) from active_calls where node_name = 'recovery-node-2' and owner_epoch = 2", 1),
            1) << n2.log_tail();
  ASSERT_NO_FATAL_FAILURE(recover(n2, 0));  // already held: nothing left to recover
  EXPECT_NE(n2.log().find("takeover: Recovered 1 call(s)"), std::string::npos) << n2.log_tail();
  ChannelEvents events2(n2);

  go_ahead(callee_port, stored.b.call_id);
  SippResult caller_run = caller.get();
  const SippResult& callee_run = callee.result();
  EXPECT_EQ(caller_run.exit_code, 0) << caller_run.describe() << n2.log_tail();
  EXPECT_EQ(callee_run.exit_code, 0) << callee_run.describe() << n2.log_tail();

  // The callee's BYE got its 200 from node 2.
  std::vector<std::string> callee_got = sipp_received(callee_run);
  EXPECT_FALSE(responses(callee_got, 200, "BYE").empty()) << callee_run.describe();
  ASSERT_NO_FATAL_FAILURE(expect_b_leg_stored(stored, sipp_sent(callee_run), callee_port));

  // The caller's BYE: the A dialog as stored, CSeq at least stored + 1.
  std::vector<std::string> caller_got = sipp_received(caller_run);
  std::vector<std::string> byes = requests(caller_got, "BYE");
  ASSERT_FALSE(byes.empty()) << caller_run.describe();
  EXPECT_EQ(distinct_requests(caller_got, "BYE"), 1u) << caller_run.describe();
  const std::string& bye = byes.front();
  SCOPED_TRACE("BYE to the caller:\n" + bye);
  std::vector<std::string> caller_sent = sipp_sent(caller_run);
  std::vector<std::string> caller_invites = requests(caller_sent, "INVITE");
  ASSERT_FALSE(caller_invites.empty());
  EXPECT_EQ(request_uri(bye), stored.a.remote_target);
  EXPECT_EQ(contact_uri(contacts_of(caller_invites.front()).at(0)), stored.a.remote_target);
  EXPECT_EQ(header_value(bye, "Call-ID", "i"), stored.a.call_id);
  EXPECT_EQ(header_value(bye, "Call-ID", "i"), header_value(caller_invites.front(), "Call-ID", "i"));
  EXPECT_EQ(tag_of(header_value(bye, "From", "f")), stored.a.local_tag);
  EXPECT_EQ(tag_of(header_value(bye, "To", "t")), stored.a.remote_tag);
  EXPECT_EQ(tag_of(header_value(bye, "To", "t")), tag_of(header_value(caller_invites.front(), "From", "f")));
  EXPECT_EQ(cseq_method(bye), "BYE");
  EXPECT_GE(cseq_number(bye), stored.a.local_cseq + 1);
  EXPECT_TRUE(header_values(bye, "Route").empty()) << "the caller set no Record-Route";

  std::optional<EslFrame> done = events2.wait("CHANNEL_HANGUP_COMPLETE");
  ASSERT_TRUE(done) << events2.describe_seen() << n2.log_tail();
  EXPECT_EQ(ChannelEvents::get(*done, "Hangup-Cause"), "NORMAL_CLEARING");
  ASSERT_NO_FATAL_FAILURE(expect_moved_to_history(stored));
}

// A re-INVITE from the caller after the recovery is relayed on the rebuilt B
// leg (stored dialog, fresh CSeq, Route) with the caller's new offer; the
// callee's answer comes back to the caller; node 2 stores the new CSeqs;
// then BYE as usual.
TEST_F(CallRecoveryTest, ReinviteAfterRecoveryIsRelayedAndAnswered) {
  ASSERT_NO_FATAL_FAILURE(start_first_node());
  int callee_port = register_user("1001");
  Callee callee("recovery_uas_answer.xml", callee_port, node_port(), 0, kSippTimeout);
  ASSERT_TRUE(listening(callee));
  ChannelEvents events(node());
  int caller_port = 0;
  std::future<SippResult> caller = start_caller("recovery_uac_reinvite.xml", caller_port);

  StoredCall stored = wait_answered(events, callee);
  ASSERT_FALSE(stored.uuid.empty());
  ASSERT_NO_FATAL_FAILURE(kill_first_node());

  NodeProcess& n2 = start_second_node();
  ASSERT_NO_FATAL_FAILURE(recover(n2, 1));
  EventWatch reinvites(n2, "sofia::reinvite");

  // First go-ahead: the re-INVITE. Node 2 fires sofia::reinvite once the
  // callee answered it, and stores the legs' new CSeqs.
  go_ahead(caller_port, stored.a.call_id, 100);
  // (On failure the test goes on, so that SIPp's logs below tell why.)
  std::optional<EslFrame> relayed = reinvites.wait("sofia::reinvite", nullptr, milliseconds(10000));
  EXPECT_TRUE(relayed) << "no sofia::reinvite: the re-INVITE was not relayed and answered\n" << n2.log_tail();
  if (relayed) {
    EXPECT_EQ(EventWatch::get(*relayed, "call-id"), stored.a.call_id);
  }
  EXPECT_EQ(wait_count(dsn(),
                       "select count(*) from call_legs where leg = 'a' and remote_cseq = 2 and "
                       "local_sdp like '%o=callee 1 2 %' and remote_sdp like '%s=caller-reinvite%'",
                       1),
            1)
      << "the A leg's row was not updated after the re-INVITE";
  EXPECT_EQ(wait_count(dsn(),
                       "select count(*) from call_legs where leg = 'b' and local_cseq > " +
                           std::to_string(stored.b.local_cseq) + " and remote_sdp like '%o=callee 1 2 %'",
                       1),
            1)
      << "the B leg's row was not updated after the re-INVITE";

  // Second go-ahead: the BYE.
  go_ahead(caller_port, stored.a.call_id, 101);
  SippResult caller_run = caller.get();
  const SippResult& callee_run = callee.result();
  EXPECT_EQ(caller_run.exit_code, 0) << caller_run.describe() << n2.log_tail();
  EXPECT_EQ(callee_run.exit_code, 0) << callee_run.describe() << n2.log_tail();

  std::vector<std::string> callee_got = sipp_received(callee_run);
  std::vector<std::string> invites = requests(callee_got, "INVITE");
  ASSERT_EQ(distinct_requests(callee_got, "INVITE"), 2u) << callee_run.describe();
  const std::string& initial = invites.front();
  const std::string& reinvite = invites.back();
  ASSERT_NO_FATAL_FAILURE(expect_b_leg_stored(stored, sipp_sent(callee_run), callee_port));
  expect_b_leg_request(reinvite, "INVITE", stored, initial, callee_port);
  // The caller's new offer went through unchanged.
  EXPECT_TRUE(contains(body_of(reinvite), "o=caller 53655765 2353687638 ")) << reinvite;
  EXPECT_TRUE(contains(body_of(reinvite), "s=caller-reinvite")) << reinvite;
  EXPECT_EQ(audio_formats(body_of(reinvite)), (std::vector<std::string>{"0", "8", "101"})) << reinvite;
  // The node ACKed the callee's 200 in the B dialog.
  std::vector<std::string> acks = requests(callee_got, "ACK");
  ASSERT_EQ(acks.size(), 2u) << callee_run.describe();
  EXPECT_EQ(header_value(acks.back(), "CSeq"), std::to_string(cseq_number(reinvite)) + " ACK");
  EXPECT_EQ(header_value(acks.back(), "Call-ID", "i"), stored.b.call_id);

  std::vector<std::string> byes = requests(callee_got, "BYE");
  ASSERT_FALSE(byes.empty()) << callee_run.describe();
  expect_b_leg_request(byes.front(), "BYE", stored, initial, callee_port);
  EXPECT_GT(cseq_number(byes.front()), cseq_number(reinvite));

  // The caller got the callee's answer, from the rebuilt A leg.
  std::vector<std::string> caller_got = sipp_received(caller_run);
  std::vector<std::string> reinvite_oks;
  for (const auto& m : responses(caller_got, 200, "INVITE"))
    if (cseq_number(m) == 2) reinvite_oks.push_back(m);
  ASSERT_FALSE(reinvite_oks.empty()) << caller_run.describe();
  EXPECT_TRUE(contains(body_of(reinvite_oks.front()), "o=callee 1 2 ")) << reinvite_oks.front();
  EXPECT_EQ(tag_of(header_value(reinvite_oks.front(), "To", "t")), stored.a.local_tag);
  EXPECT_FALSE(responses(caller_got, 200, "BYE").empty()) << caller_run.describe();

  ASSERT_NO_FATAL_FAILURE(expect_moved_to_history(stored));
}

// Nothing to recover: a fresh node says so (and fires the event with 0).
// A call the node itself holds is not rebuilt again by `sofia recover`: the
// node keeps one pair of legs, so the caller's BYE reaches the callee once.
TEST_F(CallRecoveryTest, RecoverWithNothingToRecoverOrCallAlreadyHeld) {
  ASSERT_NO_FATAL_FAILURE(start_first_node());
  ASSERT_NO_FATAL_FAILURE(recover(node(), 0));

  int callee_port = register_user("1001");
  Callee callee("recovery_uas_answer.xml", callee_port, node_port(), 0, kSippTimeout);
  ASSERT_TRUE(listening(callee));
  ChannelEvents events(node());
  int caller_port = 0;
  std::future<SippResult> caller = start_caller("recovery_uac_bye.xml", caller_port);
  StoredCall stored = wait_answered(events, callee);
  ASSERT_FALSE(stored.uuid.empty());

  ASSERT_NO_FATAL_FAILURE(recover(node(), 0));
  EXPECT_EQ(count_of(dsn(), "select count(*) from active_calls"), 1);

  go_ahead(caller_port, stored.a.call_id);
  SippResult caller_run = caller.get();
  const SippResult& callee_run = callee.result();
  EXPECT_EQ(caller_run.exit_code, 0) << caller_run.describe() << node().log_tail();
  EXPECT_EQ(callee_run.exit_code, 0) << callee_run.describe() << node().log_tail();
  std::vector<std::string> callee_got = sipp_received(callee_run);
  EXPECT_EQ(distinct_requests(callee_got, "BYE"), 1u) << callee_run.describe();
  ASSERT_NO_FATAL_FAILURE(expect_moved_to_history(stored));
}

}  // namespace
}  // namespace sipedge::test::calls
