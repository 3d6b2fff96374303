// Issue 4: "Database unavailable when the callee answers: the call is ended
// cleanly on both legs and the caller gets 503. sipedge never confirms a call
// it could not recover."
//
// The node stores the answered call (CallStore::save_confirmed) before it
// relays the callee's 200 OK; when that write fails it hangs up with
// NORMAL_TEMPORARY_FAILURE: 503 + Retry-After to the caller, ACK then BYE to
// the callee. Two ways the write fails, both made deterministic:
//  - the database refuses the insert (a trigger on active_calls raises);
//  - the node's "calls" connection is terminated while the callee rings (no
//    other job runs on that connection between the INVITE and the answer, so
//    the save is the statement that finds it dead).
// Afterwards the same node answers a call normally.
#include <gtest/gtest.h>

#include <future>

#include "tests/integration/call_fixture.h"

namespace sipedge::test {
namespace {

using namespace calls;

class CallDatabaseTest : public CallTest {
 protected:
  // The dialplan sends 1001 straight to the callee's port (no registrar or
  // directory look-up, so only the calls connection matters here).
  void start_node_for_callee() {
    callee_port_ = free_port(true);
    ASSERT_NO_FATAL_FAILURE(
        start_node(extension("1001", {{"bridge", "sofia/internal/1001@127.0.0.1:" + std::to_string(callee_port_)}})));
  }

  void exec(const std::string& sql) {
    pqxx::connection conn(dsn());
    pqxx::work txn(conn);
    txn.exec(sql);
    txn.commit();
  }

  // A normal answered call, caller hangs up: 200 to the caller, rows while up,
  // the call in call_history at the end (`nth` = call_history rows expected).
  void expect_answered_call(long nth) {
    Callee callee("call_uas_answer.xml", callee_port_, node_port(), 0);
    Caller c;
    c.service = "1001";
    c.pause_ms = 300;
    SippResult caller = call(c);
    const SippResult& uas = callee.result();
    EXPECT_EQ(caller.exit_code, 0) << caller.describe() << node().log_tail();
    EXPECT_EQ(uas.exit_code, 0) << uas.describe();
    EXPECT_EQ(invite_finals(sipp_received(caller)), std::vector<int>{200}) << caller.describe();
    EXPECT_EQ(wait_count(dsn(), "select count(*) from call_history where hangup_cause = 'NORMAL_CLEARING'", nth), nth)
        << node().log_tail();
    EXPECT_EQ(wait_count(dsn(), "select count(*) from active_calls", 0), 0);
  }

  // The failed call as both SIPp sides and the node saw it.
  void expect_clean_503(const SippResult& caller, const SippResult& uas, ChannelEvents& events) {
    auto caller_in = sipp_received(caller);
    EXPECT_EQ(caller.exit_code, 0) << caller.describe();
    EXPECT_EQ(invite_finals(caller_in), std::vector<int>{503})
        << "the caller must get 503 and never a 200\n" << caller.describe() << node().log_tail();
    EXPECT_TRUE(responses(caller_in, 200).empty()) << caller.describe();
    auto unavailable = responses(caller_in, 503, "INVITE");
    if (!unavailable.empty()) {
      std::string retry = header_value(unavailable.front(), "Retry-After");
      EXPECT_FALSE(retry.empty()) << "503 without Retry-After:\n" << unavailable.front();
      EXPECT_GT(std::atoi(retry.c_str()), 0) << "Retry-After: " << retry;
    }

    // The callee: its 200 ACKed, then a BYE from the node on the same dialog, answered 200.
    auto callee_in = sipp_received(uas), callee_out = sipp_sent(uas);
    EXPECT_EQ(uas.exit_code, 0) << "the answered callee was not ACKed and sent a BYE\n" << uas.describe();
    auto invites = requests(callee_in, "INVITE");
    auto acks = requests(callee_in, "ACK");
    auto byes = requests(callee_in, "BYE");
    ASSERT_EQ(invites.size(), 1u) << uas.describe();
    EXPECT_EQ(responses(callee_out, 200, "INVITE").size(), 1u) << uas.describe();
    ASSERT_EQ(acks.size(), 1u) << "the callee's 200 was not ACKed\n" << uas.describe();
    ASSERT_EQ(byes.size(), 1u) << "the callee got no BYE\n" << uas.describe();
    EXPECT_EQ(header_value(byes.front(), "Call-ID", "i"), header_value(invites.front(), "Call-ID", "i"));
    EXPECT_EQ(tag_of(header_value(byes.front(), "From", "f")), tag_of(header_value(invites.front(), "From", "f")));
    EXPECT_EQ(responses(callee_out, 200, "BYE").size(), 1u) << uas.describe();
    std::size_t ack_at = 0, bye_at = 0;
    for (std::size_t i = 0; i < callee_in.size(); ++i) {
      if (method_of(callee_in[i]) == "ACK") ack_at = i;
      if (method_of(callee_in[i]) == "BYE") bye_at = i;
    }
    EXPECT_LT(ack_at, bye_at) << "the BYE came before the ACK\n" << uas.describe();

    auto hangup = events.wait("CHANNEL_HANGUP", direction_is("inbound"));
    ASSERT_TRUE(hangup) << events.describe_seen();
    EXPECT_EQ(ChannelEvents::get(*hangup, "Hangup-Cause"), "NORMAL_TEMPORARY_FAILURE") << events.describe_seen();
    auto b_hangup = events.wait("CHANNEL_HANGUP", direction_is("outbound"));
    ASSERT_TRUE(b_hangup) << events.describe_seen();
    EXPECT_EQ(ChannelEvents::get(*b_hangup, "Hangup-Cause"), "NORMAL_TEMPORARY_FAILURE") << events.describe_seen();
    EXPECT_FALSE(events.wait("CHANNEL_ANSWER", direction_is("inbound"), milliseconds(200)))
        << "the caller's channel was answered\n" << events.describe_seen();

    // Nothing another node could "recover", nothing left in memory.
    EXPECT_EQ(count_of(dsn(), "select count(*) from active_calls"), 0);
    EXPECT_EQ(count_of(dsn(), "select count(*) from call_legs"), 0);
    std::string count = node().api("show calls count");
    EXPECT_TRUE(contains(count, "0 total.")) << count;
  }

  int callee_port_ = 0;
};

// The database refuses the insert of the answered call (a trigger raises).
TEST_F(CallDatabaseTest, RefusedCommitOnAnswerGives503AndByeToCallee) {
  ASSERT_NO_FATAL_FAILURE(start_node_for_callee());
  exec(R"sql(
create function sipedge_test_refuse_call() returns trigger language plpgsql as $$
begin
  raise exception 'test: storage refused';
end $$;
create trigger sipedge_test_refuse_call before insert on active_calls
  for each row execute function sipedge_test_refuse_call();
)sql");
  {
    ChannelEvents events(node());
    Callee callee("call_uas_answer.xml", callee_port_, node_port(), 0);
    Caller c;
    c.scenario = "call_uac_reject.xml";
    c.service = "1001";
    SippResult caller = call(c);
    const SippResult& uas = callee.result();
    ASSERT_NO_FATAL_FAILURE(expect_clean_503(caller, uas, events));
    EXPECT_TRUE(contains(node().log(), "test: storage refused"))
        << "the 503 did not come from the refused insert\n" << node().log_tail();
  }
  // The database accepts writes again: the same node answers the next call.
  exec("drop trigger sipedge_test_refuse_call on active_calls; drop function sipedge_test_refuse_call();");
  expect_answered_call(1);
}

// The node's calls connection dies while the callee rings: the save of the
// answer is the first statement on it and fails; the node reconnects and
// answers the next call.
TEST_F(CallDatabaseTest, CallsConnectionLostBeforeAnswerGives503AndByeToCallee) {
  ASSERT_NO_FATAL_FAILURE(start_node_for_callee());
  // The node names its connections (application_name "sipedge <name>").
  ASSERT_NO_FATAL_FAILURE(expect_answered_call(1));
  const std::string calls_backend_sql =
      "select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() "
      "and application_name = 'sipedge calls'";
  long pid = 0;
  {
    pqxx::connection conn(dsn());
    pqxx::read_transaction txn(conn);
    pqxx::result r = txn.exec(calls_backend_sql);
    ASSERT_EQ(r.size(), 1u) << "cannot tell the node's calls connection apart";
    pid = r[0][0].as<long>();
  }

  {
    ChannelEvents events(node());
    // The callee rings for 2 s before it answers: time to kill the connection.
    Callee callee("call_uas_answer.xml", callee_port_, node_port(), 2000);
    Caller c;
    c.scenario = "call_uac_reject.xml";
    c.service = "1001";
    auto caller_run = std::async(std::launch::async, [this, c] { return call(c); });
    auto created = events.wait("CHANNEL_CREATE", direction_is("outbound"));
    auto rang = Clock::now();
    bool terminated = false;
    long left = -1;
    {
      pqxx::connection conn(dsn());
      pqxx::nontransaction txn(conn);
      terminated = txn.exec_params1("select pg_terminate_backend($1)", pid)[0].as<bool>();
      left = wait_count(dsn(), "select count(*) from pg_stat_activity where pid = " + std::to_string(pid), 0);
    }
    auto killed_after = std::chrono::duration_cast<milliseconds>(Clock::now() - rang);
    SippResult caller = caller_run.get();
    const SippResult& uas = callee.result();
    ASSERT_TRUE(created) << "the callee's INVITE never left\n" << events.describe_seen() << node().log_tail();
    ASSERT_TRUE(terminated) << "pg_terminate_backend(" << pid << ") refused";
    ASSERT_EQ(left, 0) << "the calls backend did not go away";
    ASSERT_LT(killed_after.count(), 1500) << "the connection was killed too close to the answer to tell";
    ASSERT_NO_FATAL_FAILURE(expect_clean_503(caller, uas, events));
    EXPECT_TRUE(contains(node().log(), "cannot persist the answered call (database unavailable"))
        << "the 503 did not come from the lost connection\n" << node().log_tail();
  }
  // The node reconnects: the next call is answered and stored.
  expect_answered_call(2);
}

}  // namespace
}  // namespace sipedge::test
