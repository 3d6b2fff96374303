// The B2BUA's basic call flows (issue 4): an answered call relayed end to
// end and persisted while up (active_calls / call_legs hold both dialogs) and
// moved to call_history at BYE; BYE from either side; a busy callee; no
// answer within call_timeout; CANCEL while ringing; `show calls`,
// `uuid_kill` and `hupall` on a live call.
//
// Callers and callees are SIPp (tests/sipp/call_*.xml); the callee registers
// as 1001@example.com from the port its SIPp then listens on, and the
// dialplan bridges user/1001@example.com.
#include <gtest/gtest.h>

#include <future>

#include "tests/integration/call_fixture.h"

namespace sipedge::test {
namespace {

using namespace calls;

const std::string kBridge1001 = extension("1001", {{"bridge", "user/1001@example.com"}});

class CallBasicTest : public CallTest {};

struct LegRow {
  std::string direction, profile, state, call_id, local_uri, local_tag, remote_uri, remote_tag, remote_target,
      contact, transport, network_ip, remote_sdp, local_sdp;
  long local_cseq = -1, remote_cseq = -1, network_port = -1;
  std::vector<std::string> route_set;
  bool found = false;
};

LegRow read_leg(const std::string& dsn, const std::string& side) {
  pqxx::connection conn(dsn);
  pqxx::read_transaction txn(conn);
  pqxx::result r = txn.exec_params(
      "select direction, profile_name, state, call_id, local_uri, local_tag, remote_uri, remote_tag, remote_target, "
      "contact, transport, network_ip, remote_sdp, local_sdp, local_cseq, remote_cseq, network_port, "
      "array_to_string(route_set, E'\\n') from call_legs where leg = $1",
      side);
  LegRow row;
  if (r.size() != 1) return row;
  row.found = true;
  auto f = r[0];
  row.direction = f[0].as<std::string>();
  row.profile = f[1].as<std::string>();
  row.state = f[2].as<std::string>();
  row.call_id = f[3].as<std::string>();
  row.local_uri = f[4].as<std::string>();
  row.local_tag = f[5].as<std::string>();
  row.remote_uri = f[6].as<std::string>();
  row.remote_tag = f[7].as<std::string>();
  row.remote_target = f[8].as<std::string>();
  row.contact = f[9].as<std::string>();
  row.transport = f[10].as<std::string>();
  row.network_ip = f[11].as<std::string>();
  row.remote_sdp = f[12].as<std::string>();
  row.local_sdp = f[13].as<std::string>();
  row.local_cseq = f[14].as<long>();
  row.remote_cseq = f[15].as<long>();
  row.network_port = f[16].as<long>();
  row.route_set = lines_of(f[17].as<std::string>());
  return row;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : " | ") + s;
  return out;
}

// Answered call, caller hangs up: the 200 carries the callee's SDP, the ACK
// reaches the callee, both dialogs are in the database while the call is up
// (exactly as the SIP messages say), and at BYE the rows move to call_history.
TEST_F(CallBasicTest, AnsweredCallIsRelayedPersistedAndMovedToHistory) {
  ASSERT_NO_FATAL_FAILURE(start_node(kBridge1001));
  int port = register_user("1001");
  Callee callee("call_uas_answer.xml", port, node_port());
  Caller c;
  c.service = "1001";
  c.pause_ms = 2500;
  auto caller_run = std::async(std::launch::async, [this, c] { return call(c); });

  ASSERT_EQ(wait_count(dsn(), "select count(*) from active_calls", 1), 1) << node().log_tail();
  LegRow a = read_leg(dsn(), "a"), b = read_leg(dsn(), "b");
  long calls_while_up = count_of(dsn(), "select count(*) from active_calls where node_name = 'call-node' and "
                                        "profile_name = 'internal' and state = 'confirmed' and "
                                        "destination_number = '1001' and caller_id_number = '2000'");
  std::string show = node().api("show calls count");

  SippResult caller = caller_run.get();
  const SippResult& uas = callee.result();
  ASSERT_EQ(caller.exit_code, 0) << caller.describe();
  ASSERT_EQ(uas.exit_code, 0) << uas.describe();

  auto caller_in = sipp_received(caller), caller_out = sipp_sent(caller);
  auto callee_in = sipp_received(uas), callee_out = sipp_sent(uas);
  auto ok = responses(caller_in, 200, "INVITE");
  ASSERT_FALSE(ok.empty());
  EXPECT_TRUE(contains(body_of(ok.front()), "s=callee-session")) << "the caller's 200 lacks the callee's SDP:\n"
                                                                 << ok.front();
  auto callee_invites = requests(callee_in, "INVITE");
  auto callee_acks = requests(callee_in, "ACK");
  auto callee_byes = requests(callee_in, "BYE");
  ASSERT_EQ(callee_invites.size(), 1u) << uas.describe();
  EXPECT_EQ(callee_acks.size(), 1u) << "the callee's 200 was not ACKed\n" << uas.describe();
  EXPECT_EQ(callee_byes.size(), 1u) << "the caller's BYE did not reach the callee\n" << uas.describe();
  EXPECT_TRUE(contains(body_of(callee_invites.front()), "s=caller-session")) << callee_invites.front();
  EXPECT_TRUE(contains(show, "1 total.")) << show;

  // Both dialogs, as the SIP messages define them.
  auto caller_invite = requests(caller_out, "INVITE").front();
  auto callee_ok = responses(callee_out, 200, "INVITE").front();
  ASSERT_TRUE(a.found && b.found) << "call_legs did not hold an a and a b leg while the call was up";
  EXPECT_EQ(calls_while_up, 1);
  EXPECT_EQ(a.direction, "inbound");
  EXPECT_EQ(a.state, "confirmed");
  EXPECT_EQ(a.profile, "internal");
  EXPECT_EQ(a.call_id, header_value(caller_invite, "Call-ID", "i"));
  EXPECT_EQ(a.remote_tag, tag_of(header_value(caller_invite, "From", "f")));
  EXPECT_EQ(a.local_tag, tag_of(header_value(ok.front(), "To", "t")));
  EXPECT_FALSE(a.local_tag.empty());
  EXPECT_EQ(a.remote_cseq, 1);
  EXPECT_EQ(a.remote_target, contact_uri(header_value(caller_invite, "Contact", "m")));
  EXPECT_TRUE(a.route_set.empty()) << joined(a.route_set);
  EXPECT_EQ(a.network_ip, "127.0.0.1");
  EXPECT_TRUE(contains(a.remote_sdp, "s=caller-session")) << a.remote_sdp;
  EXPECT_TRUE(contains(a.local_sdp, "s=callee-session")) << a.local_sdp;

  const std::string& inv = callee_invites.front();
  EXPECT_EQ(b.direction, "outbound");
  EXPECT_EQ(b.state, "confirmed");
  EXPECT_EQ(b.call_id, header_value(inv, "Call-ID", "i"));
  EXPECT_NE(b.call_id, a.call_id);
  EXPECT_EQ(b.local_tag, tag_of(header_value(inv, "From", "f")));
  EXPECT_EQ(b.remote_tag, tag_of(header_value(callee_ok, "To", "t")));
  EXPECT_FALSE(b.remote_tag.empty());
  EXPECT_EQ(b.local_cseq, cseq_number(inv));
  EXPECT_EQ(b.remote_target, contact_uri(header_value(callee_ok, "Contact", "m")));
  ASSERT_EQ(b.route_set.size(), 1u) << joined(b.route_set);
  EXPECT_TRUE(contains(b.route_set[0], "rr-test=callee")) << b.route_set[0];
  EXPECT_EQ(b.network_ip, "127.0.0.1");
  EXPECT_EQ(b.network_port, port);
  EXPECT_EQ(b.transport, "udp");
  EXPECT_TRUE(contains(b.remote_sdp, "s=callee-session")) << b.remote_sdp;

  // After the BYE: gone from the active tables, in the history.
  EXPECT_EQ(wait_count(dsn(), "select count(*) from active_calls", 0), 0);
  EXPECT_EQ(count_of(dsn(), "select count(*) from call_legs"), 0);
  EXPECT_EQ(wait_count(dsn(),
                       "select count(*) from call_history where hangup_cause = 'NORMAL_CLEARING' and a_call_id = '" +
                           a.call_id + "' and b_call_id = '" + b.call_id + "' and destination_number = '1001'",
                       1),
            1)
      << node().log_tail();
}

// The callee hangs up: its BYE is answered 200, the caller gets a BYE (and
// answers it), the call is in the history with NORMAL_CLEARING.
TEST_F(CallBasicTest, CalleeByeEndsBothLegs) {
  ASSERT_NO_FATAL_FAILURE(start_node(kBridge1001));
  int port = register_user("1001");
  Callee callee("call_uas_bye.xml", port, node_port(), 700);
  Caller c;
  c.scenario = "call_uac_wait_bye.xml";
  c.service = "1001";
  SippResult caller = call(c);
  const SippResult& uas = callee.result();
  EXPECT_EQ(caller.exit_code, 0) << "the caller never got the BYE\n" << caller.describe();
  EXPECT_EQ(uas.exit_code, 0) << "the callee's BYE was not answered 200\n" << uas.describe();
  EXPECT_EQ(responses(sipp_received(uas), 200, "BYE").size(), 1u) << uas.describe();
  EXPECT_EQ(requests(sipp_received(caller), "BYE").size(), 1u) << caller.describe();
  EXPECT_EQ(wait_count(dsn(), "select count(*) from call_history where hangup_cause = 'NORMAL_CLEARING'", 1), 1);
  EXPECT_EQ(wait_count(dsn(), "select count(*) from active_calls", 0), 0);
}

// A busy callee: the caller gets 486, the inbound channel hangs up with
// USER_BUSY, and an unanswered call leaves nothing in the database.
TEST_F(CallBasicTest, BusyCalleeGives486AndUserBusy) {
  ASSERT_NO_FATAL_FAILURE(start_node(kBridge1001));
  int port = register_user("1001");
  ChannelEvents events(node());
  Callee callee("call_uas_busy.xml", port, node_port());
  Caller c;
  c.scenario = "call_uac_reject.xml";
  c.service = "1001";
  SippResult caller = call(c);
  const SippResult& uas = callee.result();
  EXPECT_EQ(caller.exit_code, 0) << caller.describe();
  EXPECT_EQ(uas.exit_code, 0) << "the callee's 486 was not ACKed\n" << uas.describe();
  EXPECT_EQ(invite_finals(sipp_received(caller)), std::vector<int>{486}) << caller.describe();
  auto hangup = events.wait("CHANNEL_HANGUP", direction_is("inbound"));
  ASSERT_TRUE(hangup) << events.describe_seen();
  EXPECT_EQ(ChannelEvents::get(*hangup, "Hangup-Cause"), "USER_BUSY");
  EXPECT_EQ(count_of(dsn(), "select count(*) from call_history"), 0);
  EXPECT_EQ(count_of(dsn(), "select count(*) from active_calls"), 0);
}

// user/1001 without a registration: USER_NOT_REGISTERED, which FreeSWITCH's
// hangup_cause_to_sip answers 480 (its default case).
TEST_F(CallBasicTest, UnregisteredUserGives480) {
  ASSERT_NO_FATAL_FAILURE(start_node(kBridge1001));
  ChannelEvents events(node());
  Caller c;
  c.scenario = "call_uac_reject.xml";
  c.service = "1001";
  SippResult caller = call(c);
  EXPECT_EQ(caller.exit_code, 0) << caller.describe();
  EXPECT_EQ(invite_finals(sipp_received(caller)), std::vector<int>{480}) << caller.describe();
  auto hangup = events.wait("CHANNEL_HANGUP", direction_is("inbound"));
  ASSERT_TRUE(hangup) << events.describe_seen();
  EXPECT_EQ(ChannelEvents::get(*hangup, "Hangup-Cause"), "USER_NOT_REGISTERED");
}

// Nobody answers: {call_timeout=2} ends the ringing after ~2 s: the callee
// gets a CANCEL, the caller 480, the cause is NO_ANSWER.
TEST_F(CallBasicTest, NoAnswerWithinCallTimeoutGives480) {
  ASSERT_NO_FATAL_FAILURE(start_node(extension("1001", {{"bridge", "{call_timeout=2}user/1001@example.com"}})));
  int port = register_user("1001");
  ChannelEvents events(node());
  Callee callee("call_uas_ring.xml", port, node_port());
  Caller c;
  c.scenario = "call_uac_reject.xml";
  c.service = "1001";
  auto started = Clock::now();
  SippResult caller = call(c);
  auto elapsed = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
  const SippResult& uas = callee.result();
  EXPECT_EQ(caller.exit_code, 0) << caller.describe();
  EXPECT_EQ(invite_finals(sipp_received(caller)), std::vector<int>{480}) << caller.describe();
  EXPECT_GE(elapsed.count(), 1900);
  EXPECT_LE(elapsed.count(), 3500) << "the 480 came " << elapsed.count() << " ms after the INVITE";
  EXPECT_EQ(uas.exit_code, 0) << "the callee was not cancelled\n" << uas.describe();
  EXPECT_EQ(requests(sipp_received(uas), "CANCEL").size(), 1u) << uas.describe();
  auto hangup = events.wait("CHANNEL_HANGUP", direction_is("inbound"));
  ASSERT_TRUE(hangup) << events.describe_seen();
  EXPECT_EQ(ChannelEvents::get(*hangup, "Hangup-Cause"), "NO_ANSWER");
}

// The caller cancels while the callee rings: 200 to the CANCEL and 487 to the
// INVITE for the caller, a CANCEL for the callee, ORIGINATOR_CANCEL.
TEST_F(CallBasicTest, CallerCancelWhileRinging) {
  ASSERT_NO_FATAL_FAILURE(start_node(kBridge1001));
  int port = register_user("1001");
  ChannelEvents events(node());
  Callee callee("call_uas_ring.xml", port, node_port());
  Caller c;
  c.scenario = "call_uac_cancel.xml";
  c.service = "1001";
  SippResult caller = call(c);
  const SippResult& uas = callee.result();
  EXPECT_EQ(caller.exit_code, 0) << caller.describe();
  EXPECT_EQ(invite_finals(sipp_received(caller)), std::vector<int>{487}) << caller.describe();
  EXPECT_EQ(uas.exit_code, 0) << "the callee did not get the CANCEL\n" << uas.describe();
  EXPECT_EQ(requests(sipp_received(uas), "CANCEL").size(), 1u) << uas.describe();
  auto hangup = events.wait("CHANNEL_HANGUP", direction_is("inbound"));
  ASSERT_TRUE(hangup) << events.describe_seen();
  EXPECT_EQ(ChannelEvents::get(*hangup, "Hangup-Cause"), "ORIGINATOR_CANCEL");
  EXPECT_EQ(count_of(dsn(), "select count(*) from call_history"), 0);
}

// The caller cancels after the callee answered but while the node is still
// storing the answered call (the test holds a lock on active_calls, so the
// insert waits): the caller gets 487, the callee its ACK and a BYE, and once
// the insert lands the row must not stay behind in active_calls (a call that
// is not up must never be "recovered" by another node).
TEST_F(CallBasicTest, CancelWhileTheAnswerIsBeingStoredLeavesNoActiveRow) {
  int port = free_port(true);
  ASSERT_NO_FATAL_FAILURE(
      start_node(extension("1001", {{"bridge", "sofia/internal/1001@127.0.0.1:" + std::to_string(port)}})));
  pqxx::connection lock_conn(dsn());
  pqxx::work lock(lock_conn);
  lock.exec("lock table active_calls in access exclusive mode");
  Callee callee("call_uas_answer.xml", port, node_port(), 0);
  Caller c;
  c.scenario = "call_uac_cancel.xml";
  c.service = "1001";
  c.pause_ms = 700;  // the callee's 200 is at the node (its insert blocked) before the CANCEL
  SippResult caller = call(c);
  const SippResult& uas = callee.result();
  // The node's insert is (normally) queued behind the lock by now.
  const std::string waiting_sql =
      "select count(*) from pg_locks l join pg_class r on r.oid = l.relation "
      "where r.relname = 'active_calls' and not l.granted";
  long waiters = count_of(dsn(), waiting_sql);
  lock.commit();
  // Let the insert land: no waiter left and no statement of the node's still running on active_calls.
  wait_count(dsn(), waiting_sql, 0);
  wait_count(dsn(),
             "select count(*) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() "
             "and state <> 'idle' and query ilike '%active_calls%'",
             0);
  EXPECT_EQ(caller.exit_code, 0) << caller.describe();
  EXPECT_EQ(invite_finals(sipp_received(caller)), std::vector<int>{487}) << caller.describe();
  EXPECT_EQ(uas.exit_code, 0) << "the answered callee did not get a BYE\n" << uas.describe();
  EXPECT_EQ(requests(sipp_received(uas), "BYE").size(), 1u) << uas.describe();
  EXPECT_EQ(wait_count(dsn(), "select count(*) from active_calls", 0), 0)
      << "the cancelled call's row stayed in active_calls (node inserts that waited for the lock: " << waiters
      << ")\n" << node().log_tail();
  EXPECT_EQ(count_of(dsn(), "select count(*) from call_legs"), 0);
  std::string count = node().api("show calls count");
  EXPECT_TRUE(contains(count, "0 total.")) << count;
}

// Waits until `show calls count` says `want`; returns the last reply.
std::string wait_show_count(NodeProcess& node, const std::string& want) {
  const auto deadline = Clock::now() + milliseconds(5000);
  std::string reply;
  while (Clock::now() < deadline) {
    reply = node.api("show calls count");
    if (contains(reply, want)) break;
    std::this_thread::sleep_for(milliseconds(50));
  }
  return reply;
}

// `show calls` lists the live call (and `show channels` both legs);
// `uuid_kill` ends it with a BYE to each side.
TEST_F(CallBasicTest, ShowCallsListsTheCallAndUuidKillEndsIt) {
  ASSERT_NO_FATAL_FAILURE(start_node(kBridge1001));
  int port = register_user("1001");
  Callee callee("call_uas_answer.xml", port, node_port());
  Caller c;
  c.scenario = "call_uac_wait_bye.xml";
  c.service = "1001";
  auto caller_run = std::async(std::launch::async, [this, c] { return call(c); });

  // The call is listed from the INVITE on (RINGING); wait until it is up.
  std::string listing;
  const auto deadline = Clock::now() + milliseconds(5000);
  while (Clock::now() < deadline && !contains(listing, ",ACTIVE,")) {
    std::this_thread::sleep_for(milliseconds(50));
    listing = node().api("show calls");
  }
  ASSERT_TRUE(contains(listing, ",ACTIVE,")) << listing;
  std::string count = node().api("show calls count");
  EXPECT_TRUE(contains(count, "1 total.")) << count;
  std::string channels = node().api("show channels count");
  EXPECT_TRUE(contains(channels, "2 total.")) << channels;
  auto rows = lines_of(listing);
  ASSERT_GE(rows.size(), 2u) << listing;
  EXPECT_TRUE(starts_with(rows[0], "uuid,direction,created")) << listing;
  std::string uuid = rows[1].substr(0, rows[1].find(','));
  EXPECT_EQ(uuid.size(), 36u) << listing;
  EXPECT_TRUE(contains(rows[1], ",1001,")) << listing;

  std::string killed = node().api("uuid_kill " + uuid);
  EXPECT_TRUE(starts_with(killed, "+OK")) << killed;

  SippResult caller = caller_run.get();
  const SippResult& uas = callee.result();
  EXPECT_EQ(caller.exit_code, 0) << "the caller got no BYE\n" << caller.describe();
  EXPECT_EQ(uas.exit_code, 0) << "the callee got no BYE\n" << uas.describe();
  auto callee_invites = requests(sipp_received(uas), "INVITE");
  ASSERT_FALSE(callee_invites.empty());
  EXPECT_TRUE(contains(listing, header_value(callee_invites.front(), "Call-ID", "i")))
      << "show calls does not name the B leg's Call-ID\n" << listing;
  std::string after = wait_show_count(node(), "0 total.");
  EXPECT_TRUE(contains(after, "0 total.")) << after;
  EXPECT_EQ(wait_count(dsn(), "select count(*) from call_history where uuid = '" + uuid + "'", 1), 1);
  EXPECT_TRUE(starts_with(node().api("uuid_kill " + uuid), "-ERR")) << "a second kill of the same uuid";
}

// `hupall` ends every call, BYE to both sides, cause MANAGER_REQUEST.
TEST_F(CallBasicTest, HupallEndsEveryCall) {
  ASSERT_NO_FATAL_FAILURE(start_node(kBridge1001));
  int port = register_user("1001");
  Callee callee("call_uas_answer.xml", port, node_port());
  Caller c;
  c.scenario = "call_uac_wait_bye.xml";
  c.service = "1001";
  auto caller_run = std::async(std::launch::async, [this, c] { return call(c); });
  ASSERT_EQ(wait_count(dsn(), "select count(*) from active_calls", 1), 1) << node().log_tail();
  std::string reply = node().api("hupall");
  EXPECT_TRUE(starts_with(reply, "+OK") && contains(reply, "(1 call)")) << reply;
  SippResult caller = caller_run.get();
  const SippResult& uas = callee.result();
  EXPECT_EQ(caller.exit_code, 0) << "the caller got no BYE\n" << caller.describe();
  EXPECT_EQ(uas.exit_code, 0) << "the callee got no BYE\n" << uas.describe();
  EXPECT_EQ(wait_count(dsn(), "select count(*) from call_history where hangup_cause = 'MANAGER_REQUEST'", 1), 1);
  EXPECT_EQ(wait_count(dsn(), "select count(*) from active_calls", 0), 0);
}

}  // namespace
}  // namespace sipedge::test
