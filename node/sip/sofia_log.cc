#include "node/sip/sofia_log.h"

#include <cstdarg>
#include <cstdio>
#include <mutex>
#include <utility>

#include <spdlog/spdlog.h>

extern "C" {
#include <sofia-sip/su_log.h>
// Debian's library exports these component logs without declaring them.
extern su_log_t iptsec_log[];
extern su_log_t nea_log[];
extern su_log_t nta_log[];
extern su_log_t nth_client_log[];
extern su_log_t nth_server_log[];
extern su_log_t nua_log[];
extern su_log_t soa_log[];
extern su_log_t sresolv_log[];
extern su_log_t stun_log[];
extern su_log_t tport_log[];
}

namespace sipedge {

namespace {

std::pair<const char*, su_log_t*> const kComponents[] = {
    {"default", su_log_default}, {"tport", tport_log},   {"iptsec", iptsec_log},
    {"nea", nea_log},            {"nta", nta_log},       {"nth_client", nth_client_log},
    {"nth_server", nth_server_log}, {"nua", nua_log},    {"soa", soa_log},
    {"sresolv", sresolv_log},    {"stun", stun_log},
};

su_log_t* find_component(const std::string& name) {
  for (auto& [n, log] : kComponents)
    if (name == n) return log;
  return nullptr;
}

// sofia-sip writes a line in several calls; collect until the newline.
// Any thread may log (su_init and friends log from the caller), so guard it.
std::mutex line_mutex;  // guards pending_line and trace_level
std::string pending_line;
std::string trace_level_name = "info";
spdlog::level::level_enum trace_level = spdlog::level::info;

std::pair<const char*, spdlog::level::level_enum> const kTraceLevels[] = {
    {"console", spdlog::level::critical}, {"alert", spdlog::level::critical},
    {"crit", spdlog::level::critical},    {"err", spdlog::level::err},
    {"warning", spdlog::level::warn},     {"notice", spdlog::level::info},
    {"info", spdlog::level::info},        {"debug", spdlog::level::debug},
};

void forward_to_spdlog(void*, char const* fmt, va_list ap) {
  char buffer[4096];
  va_list copy;
  va_copy(copy, ap);
  int n = std::vsnprintf(buffer, sizeof buffer, fmt, copy);
  va_end(copy);
  if (n < 0) return;
  std::lock_guard lock(line_mutex);
  pending_line.append(buffer, std::min<size_t>(static_cast<size_t>(n), sizeof buffer - 1));
  size_t nl;
  while ((nl = pending_line.find('\n')) != std::string::npos) {
    std::string line = pending_line.substr(0, nl);
    pending_line.erase(0, nl + 1);
    if (!line.empty()) spdlog::log(trace_level, "sofia: {}", line);
  }
}

}  // namespace

void redirect_sofia_log_to_spdlog() {
  // Component logs without a logger of their own fall back to the default log's.
  su_log_redirect(nullptr, forward_to_spdlog, nullptr);
  for (auto& [name, log] : kComponents) su_log_redirect(log, forward_to_spdlog, nullptr);
}

const std::vector<std::string>& sofia_log_components() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v{"all"};
    for (auto& [n, log] : kComponents) v.emplace_back(n);
    return v;
  }();
  return names;
}

bool set_sofia_log_level(const std::string& component, int level) {
  if (level < 0 || level > 9) return false;
  if (component == "all") {
    for (auto& [name, log] : kComponents) su_log_set_level(log, static_cast<unsigned>(level));
    return true;
  }
  su_log_t* log = find_component(component);
  if (!log) return false;
  su_log_set_level(log, static_cast<unsigned>(level));
  return true;
}

std::optional<int> sofia_log_level(const std::string& component) {
  su_log_t* log = component == "all" ? su_log_default : find_component(component);
  if (!log) return std::nullopt;
  return static_cast<int>(log->log_level);
}

bool set_sofia_trace_level(const std::string& name) {
  for (auto& [n, level] : kTraceLevels) {
    if (name == n) {
      std::lock_guard lock(line_mutex);
      trace_level_name = n;
      trace_level = level;
      return true;
    }
  }
  return false;
}

std::string sofia_trace_level() {
  std::lock_guard lock(line_mutex);
  return trace_level_name;
}

}  // namespace sipedge
