// store_register_bench: how many authenticated registration changes per
// second the RegistrationStore commits (group commit), and how long each
// waits for its answer.
//
//   store_register_bench --dsn "host=127.0.0.1 port=5432 dbname=sipedge user=sipedge"
//                        [--changes 20000] [--threads 2] [--users 2000] [--rate 0]
//                        [--max-batch 1000] [--max-queue 20000] [--no-auth]
//
// Brings the database's schema up to date (migrations/), creates --users
// directory users in the domain bench.invalid and removes that domain's
// bindings first; leaves its rows behind for inspection. --rate N offers N
// changes/s in total (paced); 0 = as fast as the queue takes them (a
// producer that meets `overloaded` backs off 1 ms and retries).
// Commits are the store's own count of committed batch transactions.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>
#include <string>
#include <thread>
#include <vector>

#include "store/database.h"
#include "store/directory_store.h"
#include "store/migrator.h"
#include "store/registration_store.h"

namespace {

using Clock = std::chrono::steady_clock;
const char* kDomain = "bench.invalid";

struct Args {
  std::string dsn;
  int changes = 20000;
  int threads = 2;
  int users = 2000;
  double rate = 0;
  std::size_t max_batch = 1000;
  std::size_t max_queue = 20000;
  bool auth = true;
};

[[noreturn]] void usage(const std::string& error) {
  std::fprintf(stderr,
               "store_register_bench: %s\nusage: store_register_bench --dsn DSN [--changes N] [--threads N] "
               "[--users N] [--rate N] [--max-batch N] [--max-queue N] [--no-auth]\n",
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
    else if (a == "--changes") args.changes = static_cast<int>(number());
    else if (a == "--threads") args.threads = std::max(1, static_cast<int>(number()));
    else if (a == "--users") args.users = std::max(1, static_cast<int>(number()));
    else if (a == "--rate") args.rate = static_cast<double>(number());
    else if (a == "--max-batch") args.max_batch = static_cast<std::size_t>(number());
    else if (a == "--max-queue") args.max_queue = static_cast<std::size_t>(number());
    else if (a == "--no-auth") args.auth = false;
    else usage("unknown argument " + a);
  }
  if (args.dsn.empty()) usage("no --dsn (or SIPEDGE_DB_DSN)");
  return args;
}

void prepare_database(const Args& args) {
  pqxx::connection conn(args.dsn);
  apply_migrations(conn, sipedge::load_migrations(std::string(SIPEDGE_SOURCE_DIR) + "/migrations"));
  {
    pqxx::work txn(conn);
    txn.exec_params0("delete from registrations where sip_host = $1", kDomain);
    txn.commit();
  }
  sipedge::DirectoryAdmin admin(conn);
  for (int u = 0; u < args.users; ++u) {
    sipedge::DirectoryUser user;
    user.domain = kDomain;
    user.user_id = "u" + std::to_string(u);
    user.password = "pw" + std::to_string(u);
    admin.upsert(user);
  }
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

}  // namespace

int main(int argc, char** argv) {
  using sipedge::RegisterResult;
  const Args args = parse(argc, argv);
  spdlog::set_level(spdlog::level::warn);
  try {
    prepare_database(args);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "store_register_bench: cannot prepare the database: %s\n", e.what());
    return 1;
  }

  sipedge::Database db(args.dsn, "bench");
  sipedge::RegistrationStore store(db, {args.max_queue, args.max_batch});
  db.start();
  for (int i = 0; i < 500 && !db.status().connected; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (!db.status().connected) {
    std::fprintf(stderr, "store_register_bench: cannot connect: %s\n", db.status().last_error.c_str());
    return 1;
  }

  std::atomic<int> answered{0}, ok{0}, failed{0}, overloaded{0};
  std::mutex latency_mutex;
  std::vector<double> latencies_ms;
  latencies_ms.reserve(static_cast<std::size_t>(args.changes));
  std::string first_error;

  const auto start = Clock::now();
  std::vector<std::thread> producers;
  for (int t = 0; t < args.threads; ++t) {
    producers.emplace_back([&, t] {
      // Thread t owns users u with u % threads == t, so each user's CSeq rises in order.
      const int mine = args.changes / args.threads + (t < args.changes % args.threads ? 1 : 0);
      const double per_thread_rate = args.rate / args.threads;
      for (int i = 0; i < mine; ++i) {
        if (per_thread_rate > 0) {
          std::this_thread::sleep_until(start + std::chrono::duration_cast<Clock::duration>(
                                                    std::chrono::duration<double>(i / per_thread_rate)));
        }
        const int per_thread_users = std::max(1, args.users / args.threads);
        const int u = (i % per_thread_users) * args.threads + t;
        sipedge::RegisterChange c;
        c.profile_name = "internal";
        c.sip_user = "u" + std::to_string(u);
        c.sip_host = kDomain;
        c.call_id = "bench-" + c.sip_user;
        c.cseq = static_cast<std::uint32_t>(i / per_thread_users + 1);
        const std::string uri = "sip:" + c.sip_user + "@127.0.0.1:" + std::to_string(10000 + u % 50000);
        c.contacts.push_back({uri, "<" + uri + ">", 3600});
        c.network_ip = "127.0.0.1";
        c.network_port = 10000 + u % 50000;
        c.network_transport = "udp";
        c.user_agent = "store_register_bench";
        c.status = "Registered(UDP)";
        c.node_name = "bench";
        if (args.auth) {
          c.auth_domain = kDomain;
          c.auth_user_id = c.sip_user;
          c.auth_username = c.sip_user;
          c.auth_realm = kDomain;
          c.verify = [password = "pw" + std::to_string(u)](const sipedge::DirectoryUser& user) {
            return user.password == password;
          };
        }
        for (;;) {
          bool refused = false;
          const auto sent = Clock::now();
          store.apply(c, [&, sent](sipedge::RegisterOutcome o) {
            if (o.result == RegisterResult::overloaded) {
              refused = true;  // on this thread, before apply() returns
              return;
            }
            const double ms = std::chrono::duration<double, std::milli>(Clock::now() - sent).count();
            {
              std::lock_guard lock(latency_mutex);
              latencies_ms.push_back(ms);
              if (o.result != RegisterResult::ok && first_error.empty()) {
                first_error = "result " + std::to_string(static_cast<int>(o.result)) + " " + o.error;
              }
            }
            (o.result == RegisterResult::ok ? ok : failed)++;
            answered++;
          });
          if (!refused) break;
          overloaded++;
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
      }
    });
  }
  for (auto& p : producers) p.join();
  while (answered.load() < args.changes) std::this_thread::sleep_for(std::chrono::microseconds(200));
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const auto store_stats = store.stats();
  db.stop();

  std::printf("changes        %d (%d ok, %d failed%s%s)\n", args.changes, ok.load(), failed.load(),
              first_error.empty() ? "" : ": ", first_error.c_str());
  std::printf("auth           %s\n", args.auth ? "directory look-up + verify per change" : "none");
  std::printf("offered        %s\n", args.rate > 0 ? (std::to_string(args.rate) + "/s").c_str() : "as fast as possible");
  std::printf("elapsed        %.3f s\n", seconds);
  std::printf("changes/s      %.0f\n", args.changes / seconds);
  std::printf("commits        %llu (%.0f/s, %.1f changes per commit, largest %zu)\n",
              static_cast<unsigned long long>(store_stats.batches), static_cast<double>(store_stats.batches) / seconds,
              store_stats.batches ? static_cast<double>(store_stats.changes) / static_cast<double>(store_stats.batches)
                                  : 0.0,
              store_stats.largest_batch);
  std::printf("overloaded     %d retries\n", overloaded.load());
  std::printf("latency ms     p50 %.1f  p90 %.1f  p99 %.1f  max %.1f\n", percentile(latencies_ms, 0.5),
              percentile(latencies_ms, 0.9), percentile(latencies_ms, 0.99), percentile(latencies_ms, 1.0));
  return failed.load() == 0 ? 0 : 1;
}
