#include "node/app/node.h"
#include "store/dsn.h"

#include <unistd.h>

#include <future>
#include <random>

#include <boost/asio/signal_set.hpp>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include "node/app/logging.h"
#include "node/calls/call_manager.h"
#include "node/dialplan/dialplan.h"
#include "node/gateways/gateway_manager.h"
#include "node/commands/call_commands.h"
#include "node/commands/cluster_commands.h"
#include "node/commands/core_commands.h"
#include "node/commands/recover_command.h"
#include "node/commands/sofia_command.h"
#include "node/config/acl_matcher.h"
#include "node/esl/esl_server.h"
#include "node/sip/registration_expiry.h"
#include "node/sip/sofia_log.h"
#include "recovery/cluster_membership.h"
#include "recovery/cluster_role.h"
#include "recovery/recovery_listener.h"
#include "store/migrator.h"
#include "store/node_store.h"
#include "store/call_store.h"
#include "store/directory_store.h"
#include "store/gateway_store.h"
#include "store/registration_store.h"

namespace sipedge {

namespace {

std::string random_uuid() {
  std::random_device rd;
  std::uniform_int_distribution<int> nibble(0, 15);
  const char* hex = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 36; ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      out += '-';
    } else if (i == 14) {
      out += '4';  // version 4
    } else if (i == 19) {
      out += hex[8 + nibble(rd) % 4];  // variant 10xx
    } else {
      out += hex[nibble(rd)];
    }
  }
  return out;
}

std::string host_name() {
  char buf[256] = {};
  ::gethostname(buf, sizeof buf - 1);
  return buf;
}

// Runs work on the SIP thread and waits for it (start-up and shutdown only).
template <typename F>
auto run_on_sip_thread(SipLoop& loop, F work) {
  std::packaged_task<decltype(work())()> task(std::move(work));
  auto result = task.get_future();
  loop.post([&task] { task(); });
  return result.get();
}

}  // namespace

Node::Node(NodeConfig config, NodeOptions options)
    : options_(std::move(options)),
      config_(std::make_shared<const NodeConfig>(std::move(config))),
      started_at_(std::chrono::system_clock::now()),
      core_uuid_(random_uuid()),
      fallback_nonce_key_(random_uuid() + random_uuid()) {
  bus_ = std::make_unique<EventBus>(NodeIdentity{config_->core.switchname, host_name(), core_uuid_});
  cluster_settings_ = cluster_settings(config_->core);  // ConfigError: exit 2 in main
  // A database host that stops acknowledging (cut off, not closed) must not
  // hold a worker on TCP retransmissions for many minutes: libpq's
  // tcp_user_timeout ends such a connection after about one lease TTL (the
  // lease keeper demotes on its own clock anyway). An operator's value wins.
  db_dsn_ = dsn_with_option(config_->core.core_db_dsn, "tcp_user_timeout", std::to_string(session_timeout_ms()));
  fence_ = std::make_unique<WriteFence>(cluster_settings_.cluster_name);
  sip_loop_ = std::make_unique<SipLoop>();
  // Profiles get their services when the database side exists (start_profiles).
  profiles_ = std::make_unique<ProfileManager>(*sip_loop_, *bus_, ProfileServices{});
  // A dialplan error is a configuration error (ConfigError, exit 2 in main).
  dialplan_ = std::make_shared<const Dialplan>(load_dialplan(options_.conf_dir, config_->vars));
  for (const std::string& w : dialplan_->warnings) spdlog::warn("{}", w);
  register_core_commands(commands_, *this);
  register_sofia_command(commands_, *this);
  register_call_commands(commands_, *this);
  register_cluster_commands(commands_, *this);
}

Node::~Node() { shutdown(); }

std::shared_ptr<const NodeConfig> Node::config() const {
  std::lock_guard lock(config_mutex_);
  return config_;
}

std::string Node::reload_config() {
  try {
    NodeConfig fresh = load_node_config(options_.conf_dir);
    for (const std::string& warning : fresh.warnings) spdlog::warn("{}", warning);
    auto dialplan = std::make_shared<const Dialplan>(load_dialplan(options_.conf_dir, fresh.vars));
    {
      std::lock_guard lock(config_mutex_);
      config_ = std::make_shared<const NodeConfig>(std::move(fresh));
      dialplan_ = std::move(dialplan);
    }
    // Profiles (re)started from now on use the new ACLs.
    if (sip_loop_->root()) sip_loop_->post([this, services = profile_services()] { profiles_->set_services(services); });
    return "";
  } catch (const std::exception& e) {
    spdlog::error("reloadxml: {}", e.what());
    return e.what();
  }
}

DatabaseStatus Node::database_status() const { return db_ ? db_->status() : DatabaseStatus{}; }

std::string Node::database_name() const {
  // FreeSWITCH shows its database here; ours is the cluster's PostgreSQL (no password shown).
  DatabaseStatus status = database_status();
  return status.server.empty() ? "postgresql (not connected)" : "postgresql://" + status.server;
}

bool Node::set_console_loglevel(const std::string& level) {
  auto parsed = parse_log_level(level);
  if (!parsed) return false;
  spdlog::default_logger()->set_level(*parsed);
  return true;
}

std::string Node::console_loglevel() const { return log_level_name(spdlog::default_logger()->level()); }

void Node::start_database() {
  db_ = std::make_unique<Database>(db_dsn_, "core");
  std::vector<Migration> migrations = load_migrations(options_.migrations_dir);
  // Migrations run on every (re)connect of every connection, before any other
  // job (idempotent under the advisory lock): a database that came back empty
  // is brought up to date, no connection queries a table that does not exist
  // yet, and a failing migration is fatal.
  auto migrate = [migrations](pqxx::connection& conn) {
    try {
      apply_migrations(conn, migrations);
    } catch (const MigrationError& e) {
      throw FatalDatabaseError(e.what());
    }
  };
  migrate_hook_ = migrate;
  // A writer paused or cut off inside a transaction holds its fence's lock on
  // the lease row; the server ends such a transaction after one TTL, so a
  // takeover never waits longer for it (docs/cluster.md, "Fencing").
  const long idle_ms = session_timeout_ms();
  auto session_limits = [idle_ms](pqxx::connection& conn) {
    pqxx::nontransaction txn(conn);
    txn.exec("set idle_in_transaction_session_timeout = " + std::to_string(idle_ms));
  };
  auto fatal = [this](const std::string& message) {
    spdlog::critical("database: {}; the node refuses to run", message);
    exit_code_ = 3;
    io_.stop();
  };
  db_->on_connect(migrate);
  db_->on_connect(session_limits);
  db_->on_fatal(fatal);
  node_store_ = std::make_unique<NodeStore>(*db_);
  membership_ = std::make_unique<ClusterMembership>(
      *db_, *node_store_, NodeIdentityInfo{config_->core.switchname, core_uuid_, SIPEDGE_VERSION, host_name()},
      std::chrono::seconds(5));
  db_->start();
  membership_->start();

  registrar_db_ = std::make_unique<Database>(db_dsn_, "registrar");
  registrar_db_->on_connect(migrate);
  registrar_db_->on_connect(session_limits);
  registrar_db_->on_fatal(fatal);
  RegistrationStore::Options registration_options;
  registration_options.fence = fence_.get();
  registrations_ = std::make_unique<RegistrationStore>(*registrar_db_, registration_options);
  registrar_db_->start();
  registration_expiry_ = std::make_unique<RegistrationExpiry>(*registrations_, *bus_, std::chrono::seconds(1));
  registration_expiry_->set_active_flag(role_->accepting_flag());
  registration_expiry_->start();

  directory_ = std::make_unique<DirectoryStore>(*db_);
  gateway_store_ = std::make_unique<GatewayStore>(*db_, fence_.get());
  calls_db_ = std::make_unique<Database>(db_dsn_, "calls");
  calls_db_->on_connect(migrate);
  calls_db_->on_connect(session_limits);
  calls_db_->on_fatal(fatal);
  call_store_ = std::make_unique<CallStore>(*calls_db_, fence_.get());
  call_store_->publish_to(config_->core.switchname, [this](const std::string& uuid, const std::string& op,
                                                           std::int64_t epoch) {
    // sofia::recovery_send: this call-state change went out to the pair (pg_notify, same transaction).
    Event e = Event::custom("sofia::recovery_send");
    e.add_header("call-uuid", uuid).add_header("operation", op).add_header("epoch", std::to_string(epoch));
    e.add_header("cluster", cluster_settings_.cluster_name);
    bus_->publish(std::move(e));
  });
  calls_db_->start();
}

ProfileServices Node::profile_services() {
  auto config = this->config();
  ProfileServices services;
  services.node_name = config->core.switchname;
  services.registrations = registrations_.get();
  services.calls = call_manager_.get();
  services.acl = std::make_shared<const AclMatcher>(config->acl);
  services.accepting = role_->accepting_flag();
  const Param* key = nullptr;
  for (const Param& p : config->core.params)
    if (p.name == "cluster-nonce-key" && !p.value.empty()) key = &p;
  if (key) {
    services.auth_master_key = key->value;
  } else {
    // Without a shared key a nonce issued by one node is stale on another
    // (the phone is challenged once more): set cluster-nonce-key in a cluster.
    spdlog::warn("switch.conf.xml has no cluster-nonce-key: digest nonces are signed with a random per-process key");
    services.auth_master_key = fallback_nonce_key_;
  }
  return services;
}

void Node::start_profiles() {
  sip_loop_->start();
  {
    GatewayServices gs;
    gs.node_name = config_->core.switchname;
    gs.cluster_name = cluster_settings_.cluster_name;
    gs.store = gateway_store_.get();
    gs.find_profile = [this](const std::string& name) { return profiles_->find(name); };
    gateways_ = std::make_unique<GatewayManager>(*sip_loop_, *bus_, std::move(gs));
    // Standby until the lease is ours: no REGISTERs, no pings.
    run_on_sip_thread(*sip_loop_, [this] {
      gateways_->set_paused(true);
      return 0;
    });
  }
  {
    CallServices cs;
    cs.node_name = config_->core.switchname;
    cs.registrations = registrations_.get();
    cs.directory = directory_.get();
    cs.calls = call_store_.get();
    for (const Param& p : config_->core.params)
      if (p.name == "cluster-nonce-key" && !p.value.empty()) cs.auth_master_key = p.value;
    if (cs.auth_master_key.empty()) cs.auth_master_key = fallback_nonce_key_;
    cs.dialplan = [this] {
      std::lock_guard lock(config_mutex_);
      return dialplan_;
    };
    cs.find_profile = [this](const std::string& name) { return profiles_->find(name); };
    cs.gateways = gateways_.get();
    if (auto it = config_->vars.find("domain"); it != config_->vars.end()) cs.default_domain = it->second;
    call_manager_ = std::make_unique<CallManager>(*sip_loop_, *bus_, std::move(cs));
  }
  auto config = this->config();
  ProfileServices services = profile_services();
  run_on_sip_thread(*sip_loop_, [&] {
    profiles_->set_services(services);
    profiles_->set_listener({[this](Profile& p) { gateways_->profile_started(p); },
                             [this](const std::string& name) { gateways_->profile_stopping(name, true); }});
    set_sofia_trace_level(config->sofia.global.tracelevel.empty() ? "info" : config->sofia.global.tracelevel);
    if (!config->sofia.global.log_level.empty() && config->sofia.global.log_level != "0")
      set_sofia_log_level("all", std::atoi(config->sofia.global.log_level.c_str()));
    profiles_->start_all(config->sofia);
    if (config->sofia.global.siptrace) profiles_->set_global_siptrace(true);
    return 0;
  });
}

int Node::run() {
  const NodeConfig& config = *this->config();
  redirect_sofia_log_to_spdlog();
  // The role exists (standby, not started) before anything reads its flag.
  role_ = std::make_unique<ClusterRole>(
      cluster_settings_, config.core.switchname, core_uuid_, db_dsn_, *fence_,
      ClusterRole::Callbacks{
          [this](std::int64_t epoch, const std::string& previous, std::chrono::steady_clock::time_point at) {
            on_promoted(epoch, previous, at);
          },
          [this](const std::string& reason) { on_demoted(reason); }});
  try {
    start_database();
  } catch (const std::exception& e) {
    spdlog::critical("cannot start: {}", e.what());
    return 3;
  }
  role_->prepare_vip_binding();
  start_profiles();
  start_cluster_role();

  if (!config.event_socket.apply_inbound_acl.empty())
    esl_acl_ = std::make_unique<AclMatcher>(config.acl);
  esl_ = std::make_unique<EslServer>(io_, config.event_socket, esl_acl_.get(), commands_, *bus_);
  try {
    esl_->start();
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    shutdown();
    return 1;
  }

  boost::asio::signal_set signals(io_, SIGINT, SIGTERM);
  signals.async_wait([this](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    spdlog::info("signal {}: shutting down", signo);
    io_.stop();
  });
  spdlog::info("sipedge ready: node {} (core uuid {})", config.core.switchname, core_uuid_);
  io_.run();
  shutdown();
  return exit_code_;
}

// How long a database connection may hang (TCP unacknowledged, or idle in a
// transaction) before it is given up: one lease TTL, at least a second.
long Node::session_timeout_ms() const {
  return std::max<long>(1000, static_cast<long>(cluster_settings_.lease_ttl.count()));
}

std::optional<std::size_t> Node::warm_calls() const {
  if (!recovery_listener_) return std::nullopt;
  return recovery_listener_->warm_calls();
}

void Node::start_cluster_role() {
  role_->database().on_connect(migrate_hook_);
  recovery_listener_ = std::make_unique<RecoveryListener>(db_dsn_, cluster_settings_.cluster_name,
                                                          config_->core.switchname, *bus_, role_->accepting_flag());
  recovery_listener_->start();
  role_->start();
}

// Hook thread of the role: the VIP is ours and we accept requests.
void Node::on_promoted(std::int64_t epoch, const std::string& previous, std::chrono::steady_clock::time_point at) {
  sip_loop_->post([this, epoch, previous, at] {
    if (gateways_) gateways_->set_paused(false);  // continue the registrations from their rows
    if (!cluster_settings_.auto_recover) return;
    RecoverContext context;
    context.epoch = epoch;
    context.previous_holder = previous;
    context.promoted_at = at;
    recover_calls(*this, "", [](std::string reply) { spdlog::info("takeover: {}", reply.substr(0, reply.find('\n'))); },
                  context);
  });
}

// Hook thread of the role (the flag and the fence are already off).
void Node::on_demoted(const std::string& reason) {
  if (!sip_loop_->root()) return;
  sip_loop_->post([this, reason] {
    if (gateways_) gateways_->set_paused(true);
    spdlog::warn("standby ({}): new requests get 503 System Paused", reason);
  });
}

void Node::shutdown() {
  if (esl_) esl_->stop();
  // Release the lease first: the pair's other node takes over at once.
  if (role_) role_->stop();
  if (recovery_listener_) recovery_listener_->stop();
  if (sip_loop_ && sip_loop_->root()) {
    run_on_sip_thread(*sip_loop_, [this] {
      // Answered calls stay in the database for the next active node; ringing ones end.
      if (call_manager_) call_manager_->hangup_unanswered(HangupCause::system_shutdown);
      // Node shutdown: gateways stop without un-REGISTER (a peer may continue them).
      profiles_->set_listener({});
      gateways_.reset();
      profiles_->stop_all();
      call_manager_.reset();
      return 0;
    });
    sip_loop_->stop();
  }
  if (registration_expiry_) registration_expiry_->stop();
  if (membership_) membership_->stop();
  if (registrar_db_) registrar_db_->stop();
  if (calls_db_) calls_db_->stop();
  if (db_) db_->stop();
  esl_.reset();
}

}  // namespace sipedge
