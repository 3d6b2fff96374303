#include "recovery/cluster_role.h"

#include <spdlog/spdlog.h>

#include "recovery/vip_hooks.h"

namespace sipedge {

ClusterRole::ClusterRole(ClusterSettings settings, std::string node_name, std::string runtime_id,
                         const std::string& dsn, WriteFence& fence, Callbacks callbacks)
    : settings_(std::move(settings)), node_name_(std::move(node_name)), fence_(fence),
      callbacks_(std::move(callbacks)) {
  db_ = std::make_unique<Database>(dsn, "lease");
  store_ = std::make_unique<LeaseStore>(*db_, settings_.lease_ttl);
  LeaseKeeperConfig kc;
  kc.cluster_name = settings_.cluster_name;
  kc.node_name = node_name_;
  kc.runtime_id = std::move(runtime_id);
  kc.renew_interval = settings_.lease_renew;
  kc.ttl = settings_.lease_ttl;
  keeper_ = std::make_unique<LeaseKeeper>(
      *store_, kc,
      [this](std::int64_t epoch, const std::string& previous) {
        const auto started = std::chrono::steady_clock::now();
        fence_.set_epoch(epoch);
        spdlog::info("cluster {}: promoted to active (epoch {}, previous holder {})", settings_.cluster_name, epoch,
                     previous.empty() ? "none" : previous);
        post([this, epoch, previous, started] {
          HookResult hook = run_takeover_hook(settings_);
          if (hook.ok) {
            spdlog::info("cluster {}: takeover hook: {}", settings_.cluster_name, hook.detail);
          } else {
            spdlog::error("cluster {}: takeover hook failed: {}", settings_.cluster_name, hook.detail);
          }
          // Still the holder? A demotion queued behind us wins.
          if (fence_.epoch() != epoch) return;
          accepting_->store(true);
          if (callbacks_.promoted) callbacks_.promoted(epoch, previous, started);
          stop_command(arping_pid_);
          arping_pid_ = announce_vip(settings_);
        });
      },
      [this](const std::string& reason) {
        // First stop taking requests and writing: nothing may happen under a lost lease.
        accepting_->store(false);
        fence_.set_epoch(0);
        spdlog::warn("cluster {}: demoted: {}", settings_.cluster_name, reason);
        post([this, reason] {
          stop_command(arping_pid_);  // a demoted node announces nothing
          HookResult hook = run_release_hook(settings_);
          if (hook.ok) {
            spdlog::info("cluster {}: release hook: {}", settings_.cluster_name, hook.detail);
          } else {
            spdlog::error("cluster {}: release hook failed: {}", settings_.cluster_name, hook.detail);
          }
          if (callbacks_.demoted) callbacks_.demoted(reason);
        });
      });
}

ClusterRole::~ClusterRole() { stop(); }

void ClusterRole::prepare_vip_binding() const {
  if (settings_.vip.empty()) return;
  std::string error = allow_nonlocal_bind();
  if (!error.empty()) spdlog::warn("cluster {}: {} (binding the VIP while standby may fail)", settings_.cluster_name, error);
}

void ClusterRole::start() {
  hook_thread_ = std::thread([this] { run_hooks(); });
  if (!settings_.vip.empty()) {
    // A node starts standby: a VIP left on our interface by a run that died
    // (kill -9) must go before anything else, or we would answer ARP for it.
    post([this] {
      HookResult hook = run_release_hook(settings_);
      spdlog::info("cluster {}: start as standby: {}", settings_.cluster_name, hook.detail);
    });
  }
  db_->start();
  keeper_->start();
}

void ClusterRole::stop() {
  if (keeper_) keeper_->stop();  // demotes and releases if active (queues the release hook)
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (hook_thread_.joinable()) hook_thread_.join();
  stop_command(arping_pid_);
  if (db_) db_->stop();
}

void ClusterRole::set_standby_forced(bool forced) { keeper_->set_standby_forced(forced); }

ClusterStatus ClusterRole::status() const {
  ClusterStatus s;
  s.lease = keeper_->status();
  s.cluster_name = settings_.cluster_name;
  s.vip = settings_.vip;
  s.node = node_name_;
  s.accepting = accepting_->load();
  return s;
}

void ClusterRole::post(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
  }
  wake_.notify_all();
}

void ClusterRole::run_hooks() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
    if (jobs_.empty() && stopping_) return;
    auto job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    job();
    lock.lock();
  }
}

}  // namespace sipedge
