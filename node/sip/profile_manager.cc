// SIP thread only.
#include "node/sip/profile_manager.h"

#include <cassert>

#include <spdlog/spdlog.h>

namespace sipedge {

ProfileManager::~ProfileManager() {
  if (!profiles_.empty()) stop_all();
}

std::vector<std::string> ProfileManager::start_all(const SofiaConfig& sofia) {
  assert(loop_.in_thread());
  std::vector<std::string> errors;
  for (const ProfileConfig& config : sofia.profiles) {
    try {
      start(config);
    } catch (const std::exception& e) {
      spdlog::error("{}", e.what());
      errors.emplace_back(e.what());
    }
  }
  return errors;
}

void ProfileManager::start(const ProfileConfig& config) {
  assert(loop_.in_thread());
  auto it = profiles_.find(config.name);
  if (it != profiles_.end() && it->second->running())
    throw std::runtime_error("profile " + config.name + " is already running");
  auto profile = std::make_unique<Profile>(loop_, bus_, config, services_);
  profile->start();  // throws before we replace anything
  Profile& started = *profile;
  profiles_[config.name] = std::move(profile);
  if (listener_.started) listener_.started(started);
}

bool ProfileManager::stop(const std::string& name) {
  assert(loop_.in_thread());
  auto it = profiles_.find(name);
  if (it == profiles_.end()) return false;
  if (listener_.stopping) listener_.stopping(name);
  it->second->stop();
  profiles_.erase(it);
  return true;
}

void ProfileManager::stop_all() {
  assert(loop_.in_thread());
  for (auto& [name, profile] : profiles_) {
    if (listener_.stopping) listener_.stopping(name);
    profile->stop();
  }
  profiles_.clear();
}

Profile* ProfileManager::find(const std::string& name) {
  assert(loop_.in_thread());
  auto it = profiles_.find(name);
  return it == profiles_.end() ? nullptr : it->second.get();
}

std::vector<ProfileStatus> ProfileManager::statuses() const {
  assert(loop_.in_thread());
  std::vector<ProfileStatus> out;
  for (auto& [name, profile] : profiles_) out.push_back(profile->status());
  return out;
}

void ProfileManager::set_global_siptrace(bool on) {
  assert(loop_.in_thread());
  for (auto& [name, profile] : profiles_) profile->set_siptrace(on);
}

}  // namespace sipedge
