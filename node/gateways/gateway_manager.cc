#include "node/gateways/gateway_manager.h"

#include <algorithm>
#include <cassert>

#include <spdlog/spdlog.h>

#include "node/sip/profile.h"
#include "store/gateway_store.h"

namespace sipedge {

namespace {

Event gateway_event(const char* subclass, const std::string& profile, const std::string& name) {
  Event e = Event::custom(subclass);
  e.add_header("profile-name", profile).add_header("Gateway", name);
  return e;
}

}  // namespace

GatewayManager::GatewayManager(SipLoop& loop, EventBus& bus, GatewayServices services)
    : loop_(loop), bus_(bus), services_(std::move(services)) {}

GatewayManager::~GatewayManager() {
  *alive_ = false;
  gateways_.clear();
}

std::chrono::milliseconds GatewayManager::spread_delay() {
  // The first REGISTERs of a burst of starts go out 50 ms apart (1,000
  // gateways at 20 REGISTERs/s, not all at once), wrapping after 30 s, with a
  // little jitter so that two nodes' bursts do not line up either.
  long slot = static_cast<long>(starting_++) * 50 % 30000;
  return std::chrono::milliseconds(slot + random_below(20));
}

void GatewayManager::profile_started(Profile& profile) {
  assert(loop_.in_thread());
  starting_ = 0;
  for (const GatewayConfig& config : profile.config().gateways)
    if (!gateways_.count(config.name)) start_one(profile, config);
}

void GatewayManager::start_one(Profile& profile, const GatewayConfig& config) {
  auto gateway = std::make_unique<Gateway>(*this, config, next_id_++);
  Gateway* gw = gateway.get();
  gateways_[config.name] = std::move(gateway);
  bus_.publish(gateway_event("sofia::gateway_add", config.profile, config.name));
  auto delay = spread_delay();
  const std::string profile_name = profile.name();
  if (!services_.store) {
    gw->start(profile.agent(), delay, std::nullopt);
    if (paused_) gw->pause();
    return;
  }
  // Continue a stored registration (same Call-ID, next CSeq) when there is one.
  std::weak_ptr<bool> alive = alive_;
  const std::string name = config.name;
  const std::uint64_t id = gw->id();
  auto resume = [this, alive, name, id, profile_name, delay](std::optional<GatewayRecord> stored) {
    loop_.post([this, alive, name, id, profile_name, delay, stored = std::move(stored)] {
      auto token = alive.lock();
      if (!token || !*token) return;
      auto it = gateways_.find(name);
      if (it == gateways_.end() || it->second->id() != id) return;
      nta_agent_t* agent = nullptr;
      if (services_.find_profile)
        if (Profile* p = services_.find_profile(profile_name)) agent = p->agent();
      if (!agent) return;
      it->second->start(agent, delay, stored);
      if (paused_) it->second->pause();
    });
  };
  services_.store->find(
      services_.cluster_name, profile_name, name, resume,
      [name, resume](const std::string& error) {
        spdlog::warn("gateway {}: stored state unavailable ({}); starting a new registration", name, error);
        resume(std::nullopt);
      });
}

void GatewayManager::profile_stopping(const std::string& profile, bool unregister) {
  assert(loop_.in_thread());
  for (auto it = gateways_.begin(); it != gateways_.end();) {
    if (it->second->config().profile != profile) {
      ++it;
      continue;
    }
    // The profile's agent goes away now: nothing can wait for an answer.
    // Registrations stay upstream until they expire (or a restart continues them).
    if (unregister) spdlog::info("gateway {}: profile {} stops; registration left to expire", it->first, profile);
    it->second->halt();
    it = gateways_.erase(it);
  }
}

GatewayManager::RescanResult GatewayManager::rescan(Profile& profile, const ProfileConfig& config) {
  assert(loop_.in_thread());
  RescanResult result;
  std::vector<std::string> gone;
  for (const auto& [name, gw] : gateways_)
    if (gw->config().profile == config.name && !config.gateway(name) && !gw->killed()) gone.push_back(name);
  for (const std::string& name : gone) {
    kill(config.name, name);
    result.removed.push_back(name);
  }
  starting_ = 0;
  for (const GatewayConfig& gc : config.gateways) {
    if (gateways_.count(gc.name)) continue;
    start_one(profile, gc);
    result.added.push_back(gc.name);
  }
  return result;
}

bool GatewayManager::kill(const std::string& profile, const std::string& name) {
  auto it = gateways_.find(name);
  if (it == gateways_.end() || it->second->config().profile != profile || it->second->killed()) return false;
  it->second->unregister(true);
  return true;
}

std::size_t GatewayManager::kill_all(const std::string& profile) {
  std::vector<std::string> names;
  for (const auto& [name, gw] : gateways_)
    if (gw->config().profile == profile && !gw->killed()) names.push_back(name);
  for (const std::string& name : names) kill(profile, name);
  return names.size();
}

std::string GatewayManager::start_gateway(Profile& profile, const ProfileConfig& config, const std::string& name) {
  if (gateways_.count(name)) return "-ERR gateway " + name + " is already running.";
  const GatewayConfig* gc = config.gateway(name);
  if (!gc) return "-ERR no such gateway.";
  starting_ = 0;
  start_one(profile, *gc);
  return "";
}

std::size_t GatewayManager::register_now(const std::string& profile, const std::string& name_or_all) {
  std::size_t n = 0;
  for (auto& [name, gw] : gateways_) {
    if (gw->config().profile != profile || gw->killed()) continue;
    if (name_or_all != "all" && name != name_or_all) continue;
    gw->register_now();
    ++n;
  }
  return n;
}

std::size_t GatewayManager::unregister(const std::string& profile, const std::string& name_or_all) {
  std::size_t n = 0;
  for (auto& [name, gw] : gateways_) {
    if (gw->config().profile != profile || gw->killed()) continue;
    if (name_or_all != "all" && name != name_or_all) continue;
    gw->unregister(false);
    ++n;
  }
  return n;
}

void GatewayManager::set_paused(bool paused) {
  assert(loop_.in_thread());
  if (paused == paused_) return;
  paused_ = paused;
  for (auto& [name, gw] : gateways_) {
    if (paused) {
      gw->pause();
      continue;
    }
    if (!services_.store) {
      gw->resume();
      continue;
    }
    // Takeover: continue from the row as the previous active left it.
    std::weak_ptr<bool> alive = alive_;
    const std::string gw_name = name;
    const std::uint64_t id = gw->id();
    auto go_on = [this, alive, gw_name, id](std::optional<GatewayRecord> stored) {
      loop_.post([this, alive, gw_name, id, stored = std::move(stored)] {
        auto token = alive.lock();
        if (!token || !*token || paused_) return;
        auto it = gateways_.find(gw_name);
        if (it == gateways_.end() || it->second->id() != id) return;
        it->second->adopt(stored);
        it->second->resume();
      });
    };
    services_.store->find(services_.cluster_name, gw->config().profile, name, go_on,
                          [go_on](const std::string&) { go_on(std::nullopt); });
  }
}

Gateway* GatewayManager::find(const std::string& name) {
  auto it = gateways_.find(name);
  return it == gateways_.end() || it->second->killed() ? nullptr : it->second.get();
}

std::vector<GatewaySnapshot> GatewayManager::snapshots(const std::string& profile) const {
  std::vector<GatewaySnapshot> out;
  for (const auto& [name, gw] : gateways_)
    if (profile.empty() || gw->config().profile == profile) out.push_back(gw->snapshot());
  return out;
}

std::vector<std::string> GatewayManager::names(const std::string& profile, std::optional<bool> up) const {
  std::vector<std::string> out;
  for (const auto& [name, gw] : gateways_) {
    if (gw->config().profile != profile || gw->killed()) continue;
    if (up && gw->up() != *up) continue;
    out.push_back(name);
  }
  return out;
}

Gateway* GatewayManager::match_inbound(const std::string& profile, const std::string& ruri_user,
                                       const std::string& gw_param, const std::string& source_ip, int source_port) {
  // As mod_sofia: the gw+NAME user first, then a gw=NAME parameter, then the source address.
  auto usable = [&](const std::string& name) -> Gateway* {
    auto it = gateways_.find(name);
    if (it == gateways_.end() || it->second->config().profile != profile || it->second->killed()) return nullptr;
    return it->second.get();
  };
  if (ruri_user.rfind("gw+", 0) == 0) {
    Gateway* gw = usable(ruri_user.substr(3));
    if (gw && ruri_user == gw->contact_user()) return gw;
  }
  if (!gw_param.empty()) {
    if (Gateway* gw = usable(gw_param)) return gw;
  }
  if (source_ip.empty()) return nullptr;
  for (auto& [name, gw] : gateways_) {
    if (gw->config().profile != profile || gw->killed()) continue;
    const GatewayConfig& c = gw->config();
    for (const std::string* p : {&c.proxy, &c.register_proxy, &c.outbound_proxy}) {
      if (p->empty()) continue;
      ProxyAddress a = parse_proxy_address(*p);
      if (a.host == source_ip && (a.port == 0 || a.port == source_port)) return gw.get();
    }
  }
  return nullptr;
}

void GatewayManager::publish_state(const Gateway& gateway, int code, const std::string& phrase) {
  GatewaySnapshot s = gateway.snapshot();
  Event e = Event::custom("sofia::gateway_state");
  e.add_header("profile-name", s.profile)
      .add_header("Gateway", s.name)
      .add_header("State", to_string(s.state))
      .add_header("Ping-Status", s.up ? "UP" : "DOWN");
  if (code) e.add_header("Status", std::to_string(code)).add_header("Phrase", phrase);
  if (!s.register_network_ip.empty()) {
    e.add_header("Register-Network-IP", s.register_network_ip)
        .add_header("Register-Network-Port", std::to_string(s.register_network_port));
  }
  e.add_header("Register-Call-ID", s.call_id).add_header("Register-CSeq", std::to_string(s.cseq));
  if (s.retry_in_seconds >= 0) e.add_header("Retry-Seconds", std::to_string(s.retry_in_seconds));
  bus_.publish(std::move(e));
}

void GatewayManager::save(const Gateway& gateway, std::function<void()> then) {
  const std::string name = gateway.name();
  const std::uint64_t id = gateway.id();
  std::weak_ptr<bool> alive = alive_;
  auto continue_on_sip_thread = [this, alive, name, id, then = std::move(then)] {
    if (!then) return;
    loop_.post([this, alive, name, id, then] {
      auto token = alive.lock();
      if (!token || !*token) return;
      auto it = gateways_.find(name);
      if (it == gateways_.end() || it->second->id() != id) return;
      then();
    });
  };
  if (!services_.store) {
    continue_on_sip_thread();
    return;
  }
  services_.store->save(gateway.record(), [name, continue_on_sip_thread](GatewayWriteOutcome outcome) {
    if (!outcome.ok()) spdlog::warn("gateway {}: state not saved: {}", name, outcome.error);
    continue_on_sip_thread();
  });
}

void GatewayManager::remove_row(const Gateway& gateway) {
  if (!services_.store) return;
  const std::string name = gateway.name();
  services_.store->remove(services_.cluster_name, gateway.config().profile, name, [name](GatewayWriteOutcome outcome) {
    if (!outcome.ok()) spdlog::warn("gateway {}: row not removed: {}", name, outcome.error);
  });
}

void GatewayManager::finished(Gateway& gateway) {
  const std::string name = gateway.name();
  const std::uint64_t id = gateway.id();
  std::weak_ptr<bool> alive = alive_;
  loop_.post([this, alive, name, id] {
    auto token = alive.lock();
    if (!token || !*token) return;
    auto it = gateways_.find(name);
    if (it == gateways_.end() || it->second->id() != id) return;
    drop(name);
  });
}

void GatewayManager::drop(const std::string& name) {
  auto it = gateways_.find(name);
  if (it == gateways_.end()) return;
  remove_row(*it->second);
  bus_.publish(gateway_event("sofia::gateway_delete", it->second->config().profile, name));
  spdlog::info("gateway {} deleted", name);
  gateways_.erase(it);
}

}  // namespace sipedge
