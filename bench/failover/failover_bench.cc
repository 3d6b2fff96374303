// failover_bench: takeover and recovery figures of the HA pair, on the
// network-namespace harness of tests/cluster (run by bench/failover/run, as
// root).
//
// 1. Kills: a pair with --held calls (one real call through the node, SIPp
//    caller in p1 and callee in p2, the rest SQL copies of its rows) and
//    --phones registered phones. --kills times: kill -9 the active, measure
//    from the kill to the first 200 OK to a REGISTER sent to the VIP from p1
//    (one REGISTER every --probe-ms), read the new active's
//    sofia::recovery_recovered (recovered_calls, takeover_ms), restart the
//    killed node and wait until it is standby. Reports p50/p90/p99/max of
//    the takeover time (nearest rank: with 20 kills p99 is the slowest),
//    calls lost (held - recovered_calls, per kill) and registrations lost
//    (bindings missing at the end).
// 2. Recovery: for each --recover size, a fresh pair with that many calls
//    (the real call's rows copied by SQL: same shape as store/call_store.cc
//    writes, every copy with its own uuids, Call-IDs and tags), kill -9 the
//    active, and time the standby's automatic `sofia recover`: kill ->
//    sofia::recovery_recovered, and the event's takeover_ms (promotion ->
//    recover done).
//
// Output: plain lines "name: value", then "command: ..." (the invocation).
// Exit 0 when every kill was taken over and nothing was lost, 1 otherwise.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/cluster/cluster_fixture.h"
#include "tests/cluster/netns_sipp.h"

using namespace sipedge::test;
using namespace sipedge::test::cluster;

namespace {

struct Options {
  int kills = 20;
  int held = 100;
  int phones = 100;
  int ttl_ms = 1000;
  int renew_ms = 200;
  int probe_ms = 5;
  std::vector<int> recover = {1000, 10000};
  bool clean_vip = false;
};

[[noreturn]] void usage() {
  std::cerr << "usage: failover_bench [--kills N] [--held N] [--phones N] [--ttl MS] [--renew MS] [--probe-ms MS]\n"
               "                      [--recover \"1000 10000\"] [--clean-vip]\n"
               "  --clean-vip  after each kill -9, delete the VIP from the dead node's interface (as if its\n"
               "               host had died) instead of leaving it there (a process crash)\n";
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage();
      return argv[++i];
    };
    if (a == "--kills") o.kills = std::stoi(value());
    else if (a == "--held") o.held = std::stoi(value());
    else if (a == "--phones") o.phones = std::stoi(value());
    else if (a == "--ttl") o.ttl_ms = std::stoi(value());
    else if (a == "--renew") o.renew_ms = std::stoi(value());
    else if (a == "--probe-ms") o.probe_ms = std::stoi(value());
    else if (a == "--clean-vip") o.clean_vip = true;
    else if (a == "--recover") {
      o.recover.clear();
      std::istringstream in(value());
      int n;
      while (in >> n) o.recover.push_back(n);
    } else usage();
  }
  return o;
}

long long percentile(std::vector<long long> v, double p) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  std::size_t rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  return v[std::min(v.size(), std::max<std::size_t>(rank, 1)) - 1];
}

std::vector<std::pair<std::string, std::string>> caller_keys() {
  return {{"hdr1", "Subject: failover bench"}, {"hdr2", "Organization: sipedge"}, {"codecs", "0 8 101"},
          {"sdp1", "a=rtpmap:0 PCMU/8000"},    {"sdp2", "a=rtpmap:8 PCMA/8000"},  {"sdp3", "a=rtpmap:101 telephone-event/8000"}};
}

// One real call A (p1) -> 1001 (p2), held: its SIPps stay up until the pair goes.
struct RealCall {
  std::unique_ptr<NetnsSipp> callee, caller;
};

RealCall make_real_call(ClusterPair& p) {
  RealCall c;
  if (p.register_user("p2", "1001", 5070) != 200) throw std::runtime_error("1001 could not register");
  NetnsSippOptions uas;
  uas.host = "p2";
  uas.scenario = "recovery_uas_answer.xml";
  uas.local_port = 5070;
  uas.timeout = std::chrono::seconds(3600);
  c.callee = std::make_unique<NetnsSipp>(p.net(), uas);
  if (!c.callee->wait_listening(milliseconds(5000))) throw std::runtime_error("the callee SIPp did not start");
  NetnsSippOptions uac;
  uac.host = "p1";
  uac.remote_ip = p.net().vip();
  uac.scenario = "recovery_uac_wait_bye.xml";
  uac.local_port = 5080;
  uac.timeout = std::chrono::seconds(3600);
  uac.keys = caller_keys();
  uac.extra_args = {"-s", "1001"};
  c.caller = std::make_unique<NetnsSipp>(p.net(), uac);
  if (wait_sql_count(p.dsn(), "select count(*) from active_calls where state = 'confirmed'", 1, milliseconds(10000)) != 1)
    throw std::runtime_error("the real call was not answered");
  return c;
}

// Copies the one stored call `copies` times, each copy with new uuids and
// its own Call-IDs and tags (the rows' other columns as the node wrote them).
void clone_calls(const std::string& dsn, int copies) {
  pqxx::connection conn(dsn);
  pqxx::work txn(conn);
  const std::string original = txn.exec1("select uuid::text from active_calls")[0].as<std::string>();
  txn.exec("create temporary table clone_map on commit drop as "
           "select gen_random_uuid() as call_uuid, gen_random_uuid() as a_uuid, gen_random_uuid() as b_uuid, i "
           "from generate_series(1, " + std::to_string(copies) + ") as i");
  txn.exec("insert into active_calls select (jsonb_populate_record(null::active_calls, to_jsonb(c) || "
           "jsonb_build_object('uuid', m.call_uuid))).* from active_calls c, clone_map m where c.uuid = " +
           txn.quote(original) + "::uuid");
  txn.exec("insert into call_legs select (jsonb_populate_record(null::call_legs, to_jsonb(l) || jsonb_build_object("
           "'uuid', case l.leg when 'a' then m.a_uuid else m.b_uuid end, 'call_uuid', m.call_uuid, "
           "'call_id', l.call_id || '-c' || m.i, 'local_tag', l.local_tag || '-c' || m.i, "
           "'remote_tag', l.remote_tag || '-c' || m.i))).* "
           "from call_legs l, clone_map m where l.call_uuid = " + txn.quote(original) + "::uuid");
  txn.commit();
}

// "node/epoch N: count; ..." of active_calls.
std::string owners(const std::string& dsn) {
  std::string out;
  for (const auto& row : sql_column(dsn, "select node_name || '/epoch ' || owner_epoch || ': ' || count(*) "
                                         "from active_calls group by node_name, owner_epoch order by 1"))
    out += row + "; ";
  return out;
}

ClusterNode* active_of(ClusterPair& p) {
  if (p.a().running() && p.a().role() == "active") return &p.a();
  if (p.b().running() && p.b().role() == "active") return &p.b();
  return nullptr;
}

int run_kills(const Options& o) {
  std::cout << "== kills: " << o.kills << " x kill -9 of the active, TTL " << o.ttl_ms << " ms, renew " << o.renew_ms
            << " ms, " << o.held << " held calls, " << o.phones << " registered phones\n";
  ClusterPair p(o.ttl_ms, o.renew_ms);
  p.make_nodes();
  if (auto err = p.start_pair(); !err.empty()) {
    std::cout << "start failed: " << err << "\n";
    return 1;
  }
  RealCall call = make_real_call(p);
  if (o.held > 1) clone_calls(p.dsn(), o.held - 1);
  std::vector<std::string> users;
  for (int i = 0; i < o.phones; ++i) users.push_back("bench-" + std::to_string(1000 + i));
  {
    RegisterLoad load(p.net().ns("p1"), p.net().address("p1"), p.net().vip(), 5060, users, "example.com",
                      milliseconds(2));
    if (!load.wait_all_registered(milliseconds(20000))) {
      std::cout << "only " << load.registered_users() << " phones registered\n";
      return 1;
    }
  }
  const std::string phones_sql = "select count(*) from registrations where sip_user like 'bench-%'";
  const long bindings_before = sql_count(p.dsn(), phones_sql);

  NetnsUdp probe(p.net().ns("p1"), p.net().address("p1"));
  std::vector<long long> takeover, recovered_ms;
  long long calls_lost = 0;
  int failures = 0;
  int restart_failures = 0;
  for (int k = 1; k <= o.kills; ++k) {
    ClusterNode* active = active_of(p);
    if (!active) {
      std::cout << "kill " << k << ": no active node\n";
      ++failures;
      break;
    }
    ClusterNode& standby = p.other(*active);
    NodeEvents events(standby, "CUSTOM sofia::recovery_recovered");
    const auto killed = active->kill9();
    if (o.clean_vip) p.net().remove_address(active->host(), p.net().vip_cidr());
    auto answered = wait_for_200(probe, p.net().vip(), 5060, killed + milliseconds(30000), "probe",
                                 milliseconds(o.probe_ms));
    auto e = events.wait("sofia::recovery_recovered", milliseconds(30000));
    std::ostringstream line;
    line << "kill " << k << ": " << active->switchname() << " -> " << standby.switchname();
    if (answered) {
      takeover.push_back(ms_between(killed, *answered));
      line << ", REGISTER 200 after " << takeover.back() << " ms";
    } else {
      ++failures;
      line << ", NO 200 within 30 s";
    }
    if (e) {
      long long n = std::atoll(NodeEvents::get(*e, "recovered_calls").c_str());
      recovered_ms.push_back(ms_between(killed, events.received()));
      calls_lost += std::max(0LL, o.held - n);
      line << ", recovered " << n << " calls (event after " << recovered_ms.back()
           << " ms, takeover_ms=" << NodeEvents::get(*e, "takeover_ms") << ")";
    } else {
      ++failures;
      calls_lost += o.held;
      line << ", no sofia::recovery_recovered";
    }
    line << (p.net().has_vip(active->host()) ? ", VIP still on the dead node's eth0" : "");
    std::cout << line.str() << std::endl;
    // Restart as a supervisor would (systemd Restart=): again after 500 ms
    // when the start fails (e.g. a port still held); each retry is counted.
    for (int attempt = 1;; ++attempt) {
      try {
        active->start_and_wait();
        break;
      } catch (const std::exception& e) {
        ++restart_failures;
        std::string why = e.what();
        std::cout << "  restart " << attempt << " of " << active->switchname() << " failed: "
                  << why.substr(0, why.find('\n')) << "\n"
                  << "    " << find_log_line(why, "Address already in use").value_or("") << "\n";
        if (attempt == 10) throw;
        std::this_thread::sleep_for(milliseconds(500));
      }
    }
    if (!active->wait_role("standby", milliseconds(10000))) {
      std::cout << "  " << active->switchname() << " did not come back as standby: " << active->role() << "\n";
      ++failures;
      break;
    }
  }
  const long bindings_after = sql_count(p.dsn(), phones_sql);
  const long calls_after = sql_count(p.dsn(), "select count(*) from active_calls");
  std::cout << "takeover_kill_to_register_200_ms: n=" << takeover.size() << " p50=" << percentile(takeover, 50)
            << " p90=" << percentile(takeover, 90) << " p99=" << percentile(takeover, 99)
            << " max=" << percentile(takeover, 100) << " min=" << percentile(takeover, 0.0001) << "\n";
  std::cout << "kill_to_recovered_event_ms: n=" << recovered_ms.size() << " p50=" << percentile(recovered_ms, 50)
            << " p99=" << percentile(recovered_ms, 99) << "\n";
  std::cout << "calls_lost: " << calls_lost << " (held " << o.held << " over " << o.kills
            << " kills; active_calls rows at the end: " << calls_after << ")\n";
  std::cout << "registrations_lost: " << std::max(0L, bindings_before - bindings_after) << " (bindings before "
            << bindings_before << ", after " << bindings_after << ")\n";
  std::cout << "failed_kills: " << failures << "\n";
  std::cout << "failed_restarts: " << restart_failures << " (restart of the killed node refused, retried after 500 ms)\n";
  return failures == 0 && calls_lost == 0 && bindings_after >= bindings_before ? 0 : 1;
}

int run_recovery(const Options& o, int calls) {
  std::cout << "== recovery of " << calls << " calls\n";
  ClusterPair p(o.ttl_ms, o.renew_ms);
  p.make_nodes();
  if (auto err = p.start_pair(); !err.empty()) {
    std::cout << "start failed: " << err << "\n";
    return 1;
  }
  RealCall call = make_real_call(p);
  const auto cloning = Clock::now();
  clone_calls(p.dsn(), calls - 1);
  std::cout << "rows: " << sql_count(p.dsn(), "select count(*) from active_calls") << " calls, "
            << sql_count(p.dsn(), "select count(*) from call_legs") << " legs (copied in "
            << ms_between(cloning, Clock::now()) << " ms)\n";
  std::cout << "recover_" << calls << "_owners_before: " << owners(p.dsn()) << "\n";
  NodeEvents events(p.b(), "CUSTOM sofia::recovery_recovered");
  const auto killed = p.a().kill9();
  if (o.clean_vip) p.net().remove_address("a", p.net().vip_cidr());
  auto e = events.wait("sofia::recovery_recovered", milliseconds(300000));
  if (!e) {
    std::cout << "no sofia::recovery_recovered within 300 s\n" << p.b().log_tail(30);
    return 1;
  }
  long long n = std::atoll(NodeEvents::get(*e, "recovered_calls").c_str());
  std::cout << "recover_" << calls << "_kill_to_event_ms: " << ms_between(killed, events.received()) << "\n";
  std::cout << "recover_" << calls << "_takeover_ms: " << NodeEvents::get(*e, "takeover_ms") << "\n";
  std::cout << "recover_" << calls << "_recovered: " << n << " lost: " << std::max(0LL, calls - n) << "\n";
  // The takeover write (node_name, owner_epoch) is queued after the event,
  // behind whatever else the new active writes on its calls connection.
  long owned = wait_sql_count(p.dsn(), "select count(*) from active_calls where node_name = 'node-b'", calls,
                              milliseconds(120000));
  std::cout << "recover_" << calls << "_kill_to_rows_owned_ms: "
            << (owned == calls ? std::to_string(ms_between(killed, Clock::now())) : "not within 120 s") << "\n";
  std::cout << "recover_" << calls << "_owners_after: " << owners(p.dsn()) << "\n";
  if (auto line = find_log_line(p.b().log(), "not taken over")) std::cout << "  node-b: " << *line << "\n";
  if (std::getenv("FAILOVER_BENCH_DEBUG")) {
    for (const auto& row : sql_column(p.dsn(), "select coalesce(application_name,'') || ' ' || state || ' ' || "
                                               "coalesce(wait_event,'') || ' ' || (now() - query_start)::text || ' ' "
                                               "|| left(query, 100) from pg_stat_activity where datname = current_database()"))
      std::cout << "  pg: " << row << "\n";
    std::cout << p.b().log_tail(15);
  }
  return n == calls ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (::geteuid() != 0) {
    std::cerr << "failover_bench: needs root (network namespaces)\n";
    return 2;
  }
  Options o = parse(argc, argv);
  int rc = 0;
  try {
    if (o.kills > 0) rc |= run_kills(o);
    for (int n : o.recover) rc |= run_recovery(o, n);
  } catch (const std::exception& e) {
    std::cout << "failover_bench: " << e.what() << "\n";
    rc = 1;
  }
  std::string command;
  for (int i = 0; i < argc; ++i) command += (i ? " " : "") + std::string(argv[i]);
  std::cout << "command: " << command << "\n";
  return rc;
}
