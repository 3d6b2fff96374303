#include "node/app/node.h"

#include <unistd.h>

#include <future>
#include <random>

#include <boost/asio/signal_set.hpp>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include "node/app/logging.h"
#include "node/commands/core_commands.h"
#include "node/commands/sofia_command.h"
#include "node/config/acl_matcher.h"
#include "node/esl/esl_server.h"
#include "node/sip/sofia_log.h"
#include "recovery/cluster_membership.h"
#include "store/migrator.h"
#include "store/node_store.h"

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
      core_uuid_(random_uuid()) {
  bus_ = std::make_unique<EventBus>(NodeIdentity{config_->core.switchname, host_name(), core_uuid_});
  sip_loop_ = std::make_unique<SipLoop>();
  profiles_ = std::make_unique<ProfileManager>(*sip_loop_, *bus_);
  register_core_commands(commands_, *this);
  register_sofia_command(commands_, *this);
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
    std::lock_guard lock(config_mutex_);
    config_ = std::make_shared<const NodeConfig>(std::move(fresh));
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
  db_ = std::make_unique<Database>(config_->core.core_db_dsn, "core");
  std::vector<Migration> migrations = load_migrations(options_.migrations_dir);
  // Migrations run on every (re)connect before any other job: a database that
  // came back empty is brought up to date, and a failing migration is fatal.
  db_->on_connect([migrations](pqxx::connection& conn) {
    try {
      apply_migrations(conn, migrations);
    } catch (const MigrationError& e) {
      throw FatalDatabaseError(e.what());
    }
  });
  db_->on_fatal([this](const std::string& message) {
    spdlog::critical("database: {}; the node refuses to run", message);
    exit_code_ = 3;
    io_.stop();
  });
  node_store_ = std::make_unique<NodeStore>(*db_);
  membership_ = std::make_unique<ClusterMembership>(
      *db_, *node_store_, NodeIdentityInfo{config_->core.switchname, core_uuid_, SIPEDGE_VERSION, host_name()},
      std::chrono::seconds(5));
  db_->start();
  membership_->start();
}

void Node::start_profiles() {
  sip_loop_->start();
  auto config = this->config();
  run_on_sip_thread(*sip_loop_, [&] {
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
  try {
    start_database();
  } catch (const std::exception& e) {
    spdlog::critical("cannot start: {}", e.what());
    return 3;
  }
  start_profiles();

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

void Node::shutdown() {
  if (esl_) esl_->stop();
  if (sip_loop_ && sip_loop_->root()) {
    run_on_sip_thread(*sip_loop_, [this] {
      profiles_->stop_all();
      return 0;
    });
    sip_loop_->stop();
  }
  if (membership_) membership_->stop();
  if (db_) db_->stop();
  esl_.reset();
}

}  // namespace sipedge
