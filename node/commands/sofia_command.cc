// `sofia ...`: mod_sofia's console command, with FreeSWITCH's replies.
// Handlers run on the SIP thread (they touch profiles) and reply from there,
// except those that read registrations: they reply when the database has
// answered (node/commands/registration_commands.h).
#include "node/commands/sofia_command.h"

#include <cassert>

#include <spdlog/spdlog.h>

#include "node/commands/gateway_commands.h"
#include "node/commands/registration_commands.h"
#include "node/gateways/gateway_manager.h"
#include "recovery/cluster_role.h"
#include "node/commands/sofia_contact_command.h"
#include "node/commands/recover_command.h"
#include "node/commands/sofia_status_format.h"
#include "node/sip/sofia_log.h"

namespace sipedge {

namespace {

constexpr const char* kUsage =
    "USAGE:\n"
    "--------------------------------------------------------------------------------\n"
    "sofia global siptrace <on|off>\n"
    "sofia global standby <on|off>\n"
    "\n"
    "sofia profile <name> [start | stop | restart | rescan] [reloadxml]\n"
    "                     killgw <gateway name | _all_>\n"
    "                     gwlist [up|down]\n"
    "                     [register|unregister] [<gateway name>|all]\n"
    "                     startgw <gateway name>\n"
    "                     flush_inbound_reg [<call_id> | <[user]@domain>] [reboot]\n"
    "                     check_sync [<call_id> | <[user]@domain>]\n"
    "                     siptrace <on|off>\n"
    "\n"
    "sofia <status|xmlstatus> profile <name> [reg [<contact str>]] | [pres <pres str>] | [user <user@domain>]\n"
    "sofia <status|xmlstatus> gateway <name>\n"
    "\n"
    "sofia loglevel <all|default|tport|iptsec|nea|nta|nth_client|nth_server|nua|soa|sresolv|stun> [0-9]\n"
    "sofia tracelevel <console|alert|crit|err|warning|notice|info|debug>\n"
    "\n"
    "sofia help\n"
    "--------------------------------------------------------------------------------\n";

bool is_true(const std::string& v) {
  return v == "on" || v == "true" || v == "yes" || v == "1" || v == "enabled" || v == "active";
}

bool is_number(const std::string& v) {
  return !v.empty() && v.find_first_not_of("0123456789") == std::string::npos;
}

class SofiaCommand {
 public:
  explicit SofiaCommand(NodeServices& node) : node_(node) {}

  // Replies now, or hands the reply over to a command that answers later.
  void run(const std::vector<std::string>& argv, Reply reply) {
    assert(node_.sip_loop().in_thread());
    if (argv.size() >= 3 && (argv[0] == "status" || argv[0] == "xmlstatus") && argv[1] == "profile") {
      // Every `sofia status profile P ...` shows registrations or their count: ask the database.
      Profile* profile = node_.profiles().find(argv[2]);
      if (!profile) return reply("Invalid Profile!\n");
      std::vector<std::string> rest(argv.begin() + 3, argv.end());
      return reply_profile_status(node_, profile->status(), std::move(rest), argv[0] == "xmlstatus", std::move(reply));
    }
    if (argv.size() >= 3 && argv[0] == "profile" && (argv[2] == "flush_inbound_reg" || argv[2] == "check_sync")) {
      Profile* profile = node_.profiles().find(argv[1]);
      if (!profile) return reply("Invalid Profile [" + argv[1] + "]");
      std::vector<std::string> rest(argv.begin() + 3, argv.end());
      if (argv[2] == "flush_inbound_reg") return flush_inbound_reg(node_, argv[1], std::move(rest), std::move(reply));
      return check_sync(node_, argv[1], std::move(rest), std::move(reply));
    }
    if (!argv.empty() && argv[0] == "recover") {
      if (argv.size() > 1 && argv[1] == "flush") return flush_recovery(node_, "", std::move(reply));
      return recover_calls(node_, "", std::move(reply));
    }
    if (argv.size() >= 3 && argv[0] == "profile" && argv[2] == "recover") {
      if (!node_.profiles().find(argv[1])) return reply("Invalid Profile [" + argv[1] + "]");
      if (argv.size() > 3 && argv[3] == "flush") return flush_recovery(node_, argv[1], std::move(reply));
      return recover_calls(node_, argv[1], std::move(reply));
    }
    reply(run(argv));
  }

 private:
  std::string run(const std::vector<std::string>& argv) {
    if (argv.empty() || argv[0] == "help") return kUsage;
    const std::string& sub = argv[0];
    std::vector<std::string> rest(argv.begin() + 1, argv.end());
    if (sub == "status") return status(rest, false);
    if (sub == "xmlstatus") return status(rest, true);
    if (sub == "profile") return profile(rest);
    if (sub == "loglevel") return loglevel(rest);
    if (sub == "tracelevel") return tracelevel(rest);
    if (sub == "global") return global(rest);
    return "Unknown Command [" + sub + "]\n";
  }

  std::string status(const std::vector<std::string>& argv, bool xml) {
    ProfileManager& profiles = node_.profiles();
    if (argv.empty()) {
      auto all = profiles.statuses();
      std::vector<GatewaySnapshot> gateways;
      if (node_.gateways()) gateways = node_.gateways()->snapshots();
      std::string cluster_row;
      if (ClusterRole* role = node_.cluster()) {
        ClusterStatus c = role->status();
        cluster_row = format_cluster_row(c.cluster_name, to_string(c.lease.role),
                                         c.lease.role == LeaseRole::active ? c.lease.epoch : c.lease.lease_epoch,
                                         c.lease.lease_holder);
      }
      return xml ? format_sofia_xmlstatus(all, gateways) : format_sofia_status(all, gateways, cluster_row);
    }
    // `status profile P ...` is answered by run(argv, reply) (it needs the database).
    if (argv[0] == "profile") return "Invalid Profile!\n";
    if (argv[0] == "gateway") {
      std::vector<std::string> names(argv.begin() + 1, argv.end());
      return gateway_status_command(node_, names, xml);
    }
    if (argv.size() == 1) return gateway_status_command(node_, {});
    return "Invalid Syntax!\n";
  }

  std::string reload_xml() {
    std::string error = node_.reload_config();
    return "Reload XML [" + (error.empty() ? std::string("Success") : error) + "]\n";
  }

  const ProfileConfig* configured(const std::string& name, std::shared_ptr<const NodeConfig>& holder) {
    holder = node_.config();
    return holder->sofia.profile(name);
  }

  std::string profile(const std::vector<std::string>& argv) {
    if (argv.size() < 2) return "Invalid Args!\n";
    const std::string& name = argv[0];
    const std::string& action = argv[1];
    ProfileManager& profiles = node_.profiles();
    std::shared_ptr<const NodeConfig> config;

    if (action == "start") {
      std::string out = reload_xml();
      const ProfileConfig* pc = configured(name, config);
      Profile* running = profiles.find(name);
      if (!pc || (running && running->running())) return out + "Failure starting " + name + "\n";
      try {
        profiles.start(*pc);
      } catch (const std::exception& e) {
        spdlog::error("{}", e.what());
        return out + "Failure starting " + name + "\n";
      }
      return out + name + " started successfully\n";
    }

    Profile* profile = profiles.find(name);
    if (!profile) return "Invalid Profile [" + name + "]";

    if (action == "stop") {
      std::string out = reload_xml();
      profiles.stop(name);
      return out + "stopping: " + name;
    }
    if (action == "restart") {
      // FreeSWITCH restarts asynchronously and refuses within 10 s of start;
      // here the restart is done when the reply comes back.
      std::string out = reload_xml();
      const ProfileConfig* pc = configured(name, config);
      ProfileConfig restart_with = pc ? *pc : profile->config();
      profiles.stop(name);
      try {
        profiles.start(restart_with);
      } catch (const std::exception& e) {
        return out + "-ERR restarting " + name + " failed: " + e.what() + "\n";
      }
      return out + "restarting: " + name;
    }
    if (action == "rescan") {
      std::string out = reload_xml();
      const ProfileConfig* pc = configured(name, config);
      if (!pc) return out + "-ERR cannot find config for profile " + name + "\n";
      for (const std::string& setting : profile->apply(*pc))
        spdlog::warn("profile {}: {} changed; it takes effect on `sofia profile {} restart`", name,
                     setting, name);
      if (GatewayManager* gateways = node_.gateways()) {
        auto changes = gateways->rescan(*profile, *pc);
        for (const std::string& gw : changes.added) spdlog::info("rescan {}: gateway {} added", name, gw);
        for (const std::string& gw : changes.removed) spdlog::info("rescan {}: gateway {} removed", name, gw);
      }
      return out + "+OK scan complete\n";
    }
    if (auto reply = gateway_profile_command(node_, name, action, {argv.begin() + 2, argv.end()})) return *reply;
    if (action == "siptrace") {
      if (argv.size() < 3) return "Usage: sofia profile <name> siptrace <on/off>\n";
      bool on = is_true(argv[2]);
      profile->set_siptrace(on);
      return std::string(on ? "Enabled" : "Disabled") + " sip debugging on " + name;
    }
    return "-ERR Unknown command!\n";
  }

  std::string loglevel(const std::vector<std::string>& argv) {
    if (argv.size() > 1 && is_number(argv[1])) {
      int level = std::stoi(argv[1]);
      if (set_sofia_log_level(argv[0], level))
        return "Sofia log level for component [" + argv[0] + "] has been set to [" + argv[1] + "]";
      return kUsage;
    }
    if (!argv.empty()) {
      if (auto level = sofia_log_level(argv[0]))
        return "Sofia-sip loglevel for [" + argv[0] + "] is [" + std::to_string(*level) + "]";
    }
    return kUsage;
  }

  std::string tracelevel(const std::vector<std::string>& argv) {
    if (!argv.empty() && !set_sofia_trace_level(argv[0]))
      return "-ERR unknown level [" + argv[0] + "]: console, alert, crit, err, warning, notice, info, debug\n";
    return "+OK tracelevel is " + sofia_trace_level();
  }

  std::string global(const std::vector<std::string>& argv) {
    if (argv.size() > 1 && argv[0] == "siptrace") {
      bool on = is_true(argv[1]);
      node_.profiles().set_global_siptrace(on);
      return std::string("+OK Global siptrace ") + (on ? "on" : "off");
    }
    if (argv.size() > 1 && argv[0] == "standby") {
      // FreeSWITCH's standby mode; here it also hands the lease to the pair's other node.
      ClusterRole* role = node_.cluster();
      if (!role) return "-ERR this node runs no cluster lease";
      bool on = is_true(argv[1]);
      role->set_standby_forced(on);
      return std::string("+OK standby ") + (on ? "on" : "off");
    }
    return "-ERR Usage: siptrace|standby <on|off>";
  }

  NodeServices& node_;
};

}  // namespace

void register_sofia_command(CommandRegistry& registry, NodeServices& node) {
  registry.add("sofia", "<cmd> <args>", "Sofia Controls", [&node](const CommandArgs& args, Reply reply) {
    node.sip_loop().post([&node, words = args.words, reply = std::move(reply)] {
      SofiaCommand(node).run(words, reply);
    });
  });
  register_sofia_contact_command(registry, node);
  register_gateway_data_command(registry, node);
}

}  // namespace sipedge
