#include "node/gateways/gateway_state.h"

#include <algorithm>
#include <array>
#include <utility>

namespace sipedge {

namespace {
constexpr std::array<std::pair<GatewayState, const char*>, 11> kNames{{
    {GatewayState::unreged, "UNREGED"},
    {GatewayState::trying, "TRYING"},
    {GatewayState::register_, "REGISTER"},
    {GatewayState::reged, "REGED"},
    {GatewayState::unregister, "UNREGISTER"},
    {GatewayState::failed, "FAILED"},
    {GatewayState::fail_wait, "FAIL_WAIT"},
    {GatewayState::expired, "EXPIRED"},
    {GatewayState::noreg, "NOREG"},
    {GatewayState::down, "DOWN"},
    {GatewayState::timeout, "TIMEOUT"},
}};
}  // namespace

const char* to_string(GatewayState state) {
  for (const auto& [s, name] : kNames)
    if (s == state) return name;
  return "UNKNOWN";
}

std::optional<GatewayState> gateway_state_from_string(std::string_view name) {
  for (const auto& [s, n] : kNames)
    if (name == n) return s;
  return std::nullopt;
}

bool ping_reply_counts_up(int status) { return status >= 200 && status < 600 && status != 408 && status != 503; }

bool apply_ping_result(PingHealth& health, int status, int ping_min, int ping_max) {
  const bool was_up = health.up;
  if (ping_reply_counts_up(status)) {
    health.count = std::min(health.count + 1, std::max(ping_max, 1));
    if (health.count >= ping_min) health.up = true;
  } else {
    health.count = std::max(health.count - 1, 0);
    if (health.count < ping_min) health.up = false;
  }
  return was_up != health.up;
}

std::chrono::seconds refresh_after(int granted_seconds) {
  if (granted_seconds <= 1) return std::chrono::seconds(1);
  if (granted_seconds <= 120) return std::chrono::seconds(granted_seconds / 2);
  return std::chrono::seconds(granted_seconds - 60);
}

std::chrono::seconds retry_after(int retry_seconds, int failures, int retry_after_header) {
  int base = std::max(retry_seconds, 1);
  int wait = base * std::clamp(failures, 1, 8);
  return std::chrono::seconds(std::max(wait, retry_after_header));
}

}  // namespace sipedge
