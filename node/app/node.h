#pragma once
// A sipedge node: wires the config, the event bus, the database worker, the
// SIP thread with its profiles, the console commands and the event socket.
//
// Threads: run() drives the main thread's io_context (event socket, signals).
// Profiles live on the SIP thread; the database on its worker thread.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include <boost/asio/io_context.hpp>

#include "node/commands/command_registry.h"
#include "node/commands/node_services.h"
#include "node/config/cluster_settings.h"
#include "node/config/node_config.h"
#include "store/write_fence.h"

namespace sipedge {

class AclMatcher;
class ClusterMembership;
class EslServer;
class NodeStore;
class CallManager;
class CallStore;
class DirectoryStore;
class ClusterRole;
class GatewayManager;
class GatewayStore;
class RecoveryListener;
class RegistrationExpiry;
class RegistrationStore;
struct Dialplan;

struct NodeOptions {
  std::string conf_dir;
  std::string migrations_dir;
};

class Node : public NodeServices {
 public:
  Node(NodeConfig config, NodeOptions options);
  ~Node() override;

  // Runs until SIGTERM/SIGINT (exit 0) or a fatal database error such as a
  // failing migration (exit 3). Bind failures of the event socket: exit 1.
  int run();

  // NodeServices
  SipLoop& sip_loop() override { return *sip_loop_; }
  ProfileManager& profiles() override { return *profiles_; }
  EventBus& event_bus() override { return *bus_; }
  std::shared_ptr<const NodeConfig> config() const override;
  std::string reload_config() override;
  DatabaseStatus database_status() const override;
  std::string database_name() const override;
  std::chrono::system_clock::time_point started_at() const override { return started_at_; }
  RegistrationStore* registrations() override { return registrations_.get(); }
  CallManager* calls() override { return call_manager_.get(); }
  CallStore* call_store() override { return call_store_.get(); }
  GatewayManager* gateways() override { return gateways_.get(); }
  ClusterRole* cluster() override { return role_.get(); }
  std::optional<std::size_t> warm_calls() const override;
  bool set_console_loglevel(const std::string& level) override;
  std::string console_loglevel() const override;

 private:
  void start_database();
  ProfileServices profile_services();
  void start_profiles();
  void shutdown();
  void start_cluster_role();
  void on_promoted(std::int64_t epoch, const std::string& previous, std::chrono::steady_clock::time_point at);
  void on_demoted(const std::string& reason);

  NodeOptions options_;
  mutable std::mutex config_mutex_;  // guards config_ and acl_
  std::shared_ptr<const NodeConfig> config_;
  std::chrono::system_clock::time_point started_at_;
  std::string core_uuid_;
  std::string fallback_nonce_key_;  // when switch.conf.xml sets no cluster-nonce-key

  boost::asio::io_context io_;
  std::unique_ptr<EventBus> bus_;
  ClusterSettings cluster_settings_;
  std::string db_dsn_;  // core-db-dsn plus the node's connection defaults (tcp_user_timeout)
  long session_timeout_ms() const;
  std::unique_ptr<WriteFence> fence_;  // the epoch every state-changing write carries
  std::function<void(pqxx::connection&)> migrate_hook_;  // applies migrations on every new connection
  std::unique_ptr<Database> db_;
  std::unique_ptr<NodeStore> node_store_;
  std::unique_ptr<ClusterMembership> membership_;
  // Registrations have a connection of their own: group commits of REGISTERs
  // never wait behind other work.
  std::unique_ptr<Database> registrar_db_;
  std::unique_ptr<RegistrationStore> registrations_;
  std::unique_ptr<RegistrationExpiry> registration_expiry_;
  // Calls: confirmed dialogs are written on a connection of their own.
  std::unique_ptr<Database> calls_db_;
  std::unique_ptr<CallStore> call_store_;
  std::unique_ptr<DirectoryStore> directory_;
  std::shared_ptr<const Dialplan> dialplan_;  // guarded by config_mutex_
  std::unique_ptr<GatewayStore> gateway_store_;
  std::unique_ptr<GatewayManager> gateways_;   // SIP thread
  std::unique_ptr<CallManager> call_manager_;  // SIP thread
  std::unique_ptr<SipLoop> sip_loop_;
  std::unique_ptr<ProfileManager> profiles_;  // SIP thread only
  std::unique_ptr<ClusterRole> role_;            // the lease: active or standby
  std::unique_ptr<RecoveryListener> recovery_listener_;  // sofia::recovery_recv on the standby
  std::unique_ptr<AclMatcher> esl_acl_;
  CommandRegistry commands_;
  std::unique_ptr<EslServer> esl_;
  std::atomic<int> exit_code_{0};
};

}  // namespace sipedge
