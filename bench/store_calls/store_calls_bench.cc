// store_calls_bench: how many calls per second the CallStore makes durable
// (save_confirmed: one statement inserting the call and both legs, one
// commit each), then how fast it takes CSeq updates (the write before every
// in-dialog request) and finish() (delete + call_history row).
//
//   store_calls_bench --dsn "host=127.0.0.1 port=5432 dbname=sipedge user=sipedge"
//                     [--calls 5000] [--rate 0] [--updates 2] [--sdp-bytes 600] [--connections 1]
//
// Brings the schema up to date (migrations/). --rate N offers N calls/s
// (paced); 0 = all submitted at once (the worker's queue keeps them in
// order). --connections N spreads the calls over N Database workers, as N
// nodes (or a node with N store connections) would. Every call it saves it
// finishes, so active_calls is left as found; call_history keeps the rows
// (node_name 'bench').
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <random>
#include <spdlog/spdlog.h>
#include <string>
#include <thread>
#include <vector>

#include "store/call_store.h"
#include "store/database.h"
#include "store/migrator.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Args {
  std::string dsn;
  int calls = 5000;
  double rate = 0;
  int updates = 2;
  int sdp_bytes = 600;
  int connections = 1;
};

[[noreturn]] void usage(const std::string& error) {
  std::fprintf(stderr,
               "store_calls_bench: %s\nusage: store_calls_bench --dsn DSN [--calls N] [--rate N] [--updates N] "
               "[--sdp-bytes N] [--connections N]\n",
               error.c_str());
  std::exit(2);
}

Args parse(int argc, char** argv) {
  Args args;
  if (const char* env = std::getenv("SIPEDGE_DB_DSN")) args.dsn = env;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(a + " needs a value");
      return argv[++i];
    };
    auto number = [&]() -> long long {
      const std::string v = value();
      try {
        const long long n = std::stoll(v);
        if (n < 0) throw std::out_of_range(v);
        return n;
      } catch (const std::exception&) {
        usage(a + ": not a non-negative number: " + v);
      }
    };
    if (a == "--dsn") args.dsn = value();
    else if (a == "--calls") args.calls = std::max(1, static_cast<int>(number()));
    else if (a == "--rate") args.rate = static_cast<double>(number());
    else if (a == "--updates") args.updates = static_cast<int>(number());
    else if (a == "--sdp-bytes") args.sdp_bytes = static_cast<int>(number());
    else if (a == "--connections") args.connections = std::max(1, static_cast<int>(number()));
    else usage("unknown argument " + a);
  }
  if (args.dsn.empty()) usage("no --dsn (or SIPEDGE_DB_DSN)");
  return args;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

std::string sdp(int bytes, const std::string& origin) {
  std::string s = "v=0\r\no=- " + origin + " 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                  "m=audio 4000 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n";
  while (static_cast<int>(s.size()) < bytes) s += "a=ptime:20\r\n";
  return s;
}

std::string uuid(std::uint32_t run, int n, int part) {
  char text[40];
  std::snprintf(text, sizeof text, "%08x-%04x-4000-8000-%012x", run, part, n);
  return text;
}

sipedge::CallRecord make_call(std::uint32_t run, int n, const Args& args) {
  sipedge::CallRecord c;
  c.uuid = uuid(run, n, 0);
  c.node_name = "bench";
  c.profile_name = "internal";
  c.caller_id_name = "Bench";
  c.caller_id_number = std::to_string(1000 + n % 9000);
  c.destination_number = std::to_string(2000 + n % 9000);
  auto leg = [&](int part, const char* direction, const std::string& call_id) {
    sipedge::LegRecord l;
    l.uuid = uuid(run, n, part);
    l.direction = direction;
    l.profile_name = "internal";
    l.call_id = call_id;
    l.local_uri = "sip:" + c.destination_number + "@bench.invalid";
    l.local_tag = "lt" + std::to_string(n);
    l.remote_uri = "sip:" + c.caller_id_number + "@bench.invalid";
    l.remote_tag = "rt" + std::to_string(n);
    l.local_cseq = 1;
    l.remote_cseq = 1;
    l.remote_target = "sip:" + c.caller_id_number + "@127.0.0.1:5070";
    l.route_set = {"<sip:127.0.0.1:5090;lr>", "<sip:127.0.0.1:5091;lr>"};
    l.contact = "<sip:mod_sofia@127.0.0.1:5060>";
    l.transport = "udp";
    l.network_ip = "127.0.0.1";
    l.network_port = 5070;
    l.local_sdp = sdp(args.sdp_bytes, "local");
    l.remote_sdp = sdp(args.sdp_bytes, "remote");
    l.variables = {{"sip_call_id", call_id}, {"caller_id_number", c.caller_id_number},
                   {"destination_number", c.destination_number}, {"sip_h_X-Bench", "1"}};
    return l;
  };
  c.a_leg = leg(1, "inbound", "a" + std::to_string(n) + "-" + std::to_string(run) + "@bench");
  c.b_leg = leg(2, "outbound", "b" + std::to_string(n) + "-" + std::to_string(run) + "@bench");
  return c;
}

// One phase: submit `count` writes (paced at `rate`/s when > 0), wait for
// every answer, report rate and latency.
struct Phase {
  std::atomic<int> answered{0}, ok{0}, failed{0};
  std::mutex mutex;
  std::vector<double> latencies_ms;
  std::string first_error;

  sipedge::CallStore::WriteCallback track() {
    const auto sent = Clock::now();
    return [this, sent](sipedge::CallWriteOutcome o) {
      const double ms = std::chrono::duration<double, std::milli>(Clock::now() - sent).count();
      {
        std::lock_guard lock(mutex);
        latencies_ms.push_back(ms);
        if (!o.ok() && first_error.empty()) first_error = std::string(to_string(o.result)) + ": " + o.error;
      }
      (o.ok() ? ok : failed)++;
      answered++;
    };
  }

  template <typename Submit>
  void run(const char* name, int count, double rate, Submit submit) {
    const auto start = Clock::now();
    for (int i = 0; i < count; ++i) {
      if (rate > 0) {
        std::this_thread::sleep_until(
            start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(i / rate)));
      }
      submit(i, track());
    }
    while (answered.load() < count) std::this_thread::sleep_for(std::chrono::microseconds(200));
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    std::lock_guard lock(mutex);
    std::printf("%-14s %6d in %7.3f s = %6.0f/s  (%d failed%s%s)  latency ms p50 %.1f p90 %.1f p99 %.1f max %.1f\n",
                name, count, seconds, count / seconds, failed.load(), first_error.empty() ? "" : ": ",
                first_error.c_str(), percentile(latencies_ms, 0.5), percentile(latencies_ms, 0.9),
                percentile(latencies_ms, 0.99), percentile(latencies_ms, 1.0));
  }
};

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  spdlog::set_level(spdlog::level::warn);
  try {
    pqxx::connection conn(args.dsn);
    sipedge::apply_migrations(conn, sipedge::load_migrations(std::string(SIPEDGE_SOURCE_DIR) + "/migrations"));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "store_calls_bench: cannot prepare the database: %s\n", e.what());
    return 1;
  }

  std::vector<std::unique_ptr<sipedge::Database>> dbs;
  std::vector<std::unique_ptr<sipedge::CallStore>> stores;
  for (int i = 0; i < args.connections; ++i) {
    dbs.push_back(std::make_unique<sipedge::Database>(args.dsn, "bench" + std::to_string(i)));
    stores.push_back(std::make_unique<sipedge::CallStore>(*dbs.back()));
    dbs.back()->start();
  }
  for (auto& db : dbs) {
    for (int i = 0; i < 500 && !db->status().connected; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (!db->status().connected) {
      std::fprintf(stderr, "store_calls_bench: cannot connect: %s\n", db->status().last_error.c_str());
      return 1;
    }
  }

  const auto run = static_cast<std::uint32_t>(std::random_device{}());
  std::vector<sipedge::CallRecord> calls;
  calls.reserve(static_cast<std::size_t>(args.calls));
  for (int n = 0; n < args.calls; ++n) calls.push_back(make_call(run, n, args));
  auto store_of = [&](int n) -> sipedge::CallStore& { return *stores[static_cast<std::size_t>(n % args.connections)]; };

  std::printf("calls %d, SDP %d bytes each way, %d connection(s), offered %s\n", args.calls, args.sdp_bytes,
              args.connections, args.rate > 0 ? (std::to_string(args.rate) + " calls/s").c_str() : "all at once");
  Phase save, update, finish;
  save.run("save_confirmed", args.calls, args.rate,
           [&](int n, auto done) { store_of(n).save_confirmed(calls[static_cast<std::size_t>(n)], std::move(done)); });
  const int updates = args.calls * args.updates;
  update.run("update_leg", updates, args.rate * args.updates, [&](int i, auto done) {
    const int n = i % args.calls;
    sipedge::LegUpdate u;
    u.uuid = calls[static_cast<std::size_t>(n)].b_leg.uuid;
    u.local_cseq = static_cast<std::uint32_t>(2 + i / args.calls);
    store_of(n).update_leg(std::move(u), std::move(done));
  });
  finish.run("finish", args.calls, args.rate, [&](int n, auto done) {
    store_of(n).finish(calls[static_cast<std::size_t>(n)].uuid, "NORMAL_CLEARING", std::move(done));
  });
  for (auto& db : dbs) db->stop();
  return save.failed + update.failed + finish.failed == 0 ? 0 : 1;
}
