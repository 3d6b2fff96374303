// Core console commands, with FreeSWITCH's wording where it has them.
#include "node/commands/core_commands.h"

#include "recovery/cluster_role.h"

#include <fmt/format.h>

#include "store/registration_store.h"

namespace sipedge {

namespace {

std::string uptime_line(std::chrono::system_clock::time_point started) {
  using namespace std::chrono;
  auto us = duration_cast<microseconds>(system_clock::now() - started).count();
  if (us < 0) us = 0;
  long long micro = us % 1000, milli = (us / 1000) % 1000, total_s = us / 1000000;
  long long sec = total_s % 60, min = (total_s / 60) % 60, hour = (total_s / 3600) % 24;
  long long day = (total_s / 86400) % 365, year = total_s / (86400LL * 365);
  return fmt::format("UP {} year{}, {} day{}, {} hour{}, {} minute{}, {} second{}, {} millisecond{}, {} microsecond{}\n",
                     year, year == 1 ? "" : "s", day, day == 1 ? "" : "s", hour, hour == 1 ? "" : "s", min,
                     min == 1 ? "" : "s", sec, sec == 1 ? "" : "s", milli, milli == 1 ? "" : "s", micro,
                     micro == 1 ? "" : "s");
}

std::string status_text(NodeServices& node) {
  std::string out = uptime_line(node.started_at());
  out += fmt::format("sipedge (Version {}) is ready\n", SIPEDGE_VERSION);
  out += fmt::format("Node: {}\n", node.event_bus().identity().switchname);
  DatabaseStatus db = node.database_status();
  if (db.connected) {
    out += fmt::format("Database: connected ({})\n", db.server);
  } else {
    out += fmt::format("Database: unavailable, retrying ({})\n",
                       db.last_error.empty() ? "not connected yet" : db.last_error);
  }
  if (ClusterRole* role = node.cluster()) {
    ClusterStatus c = role->status();
    out += fmt::format("Cluster: {} role {} epoch {} (lease holder {})\n", c.cluster_name, to_string(c.lease.role),
                       c.lease.role == LeaseRole::active ? c.lease.epoch : c.lease.lease_epoch,
                       c.lease.lease_holder.empty() ? "none" : c.lease.lease_holder);
  }
  // The registrar's group commit at work (docs/design.md, "Registrar").
  if (RegistrationStore* regs = node.registrations()) {
    RegistrationStore::Stats st = regs->stats();
    out += fmt::format("Registrar: {} REGISTER(s) committed in {} batch(es), largest {}, {} queued, {} failed batch(es), {} refused (queue full)\n",
                       st.changes, st.batches, st.largest_batch, regs->queued(), st.failed_batches, st.overloaded);
  }
  return out;
}

}  // namespace

void register_core_commands(CommandRegistry& registry, NodeServices& node) {
  registry.add("status", "", "Show current status", [&node](const CommandArgs&, Reply reply) {
    reply(status_text(node));
  });
  registry.add("version", "", "Version", [](const CommandArgs&, Reply reply) {
    reply(fmt::format("sipedge Version {}\n", SIPEDGE_VERSION));
  });
  registry.add("reloadxml", "", "Reload XML", [&node](const CommandArgs&, Reply reply) {
    std::string error = node.reload_config();
    reply(error.empty() ? "+OK [Success]\n" : "-ERR [" + error + "]\n");
  });
  registry.add("console", "loglevel [level]", "Console", [&node](const CommandArgs& args, Reply reply) {
    if (args.words.empty() || args.words[0] != "loglevel") {
      reply("-USAGE: console loglevel [level]\n");
      return;
    }
    if (args.words.size() > 1 && !node.set_console_loglevel(args.words[1])) {
      reply("-ERR unknown level [" + args.words[1] + "]\n");
      return;
    }
    reply("+OK console log level set to " + node.console_loglevel() + "\n");
  });
  registry.add("help", "", "Show help for all the api commands", [&registry](const CommandArgs&, Reply reply) {
    std::string out = "\nname,description,syntax\n";
    auto entries = registry.entries();
    for (auto& [name, entry] : entries) out += name + "," + entry.description + "," + entry.syntax + "\n";
    out += fmt::format("\n{} total.\n", entries.size());
    reply(out);
  });
}

}  // namespace sipedge
