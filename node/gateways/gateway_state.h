#pragma once
// Gateway registration states and health rules of mod_sofia (reference §4),
// as pure functions: no SIP, no timers, so they are unit-tested alone.
//
//   UNREGED --send REGISTER--> TRYING --200--> REGED --refresh--> TRYING ...
//      TRYING --error--> FAILED --> FAIL_WAIT --retry delay--> UNREGED
//      TRYING --no answer--> TIMEOUT --> FAIL_WAIT
//   register=false: NOREG.  unregister: UNREGISTER --> NOREG.  killgw: UNREGISTER --> DOWN.
//   REGED and the OPTIONS pings say DOWN: FAILED --> FAIL_WAIT.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace sipedge {

enum class GatewayState {
  unreged,     // UNREGED: will register now
  trying,      // TRYING: a REGISTER is on its way
  register_,   // REGISTER: credentials sent, waiting (mod_sofia's name)
  reged,       // REGED: registered until the granted expiry
  unregister,  // UNREGISTER: an Expires: 0 REGISTER is on its way
  failed,      // FAILED: the last REGISTER failed
  fail_wait,   // FAIL_WAIT: waiting to retry
  expired,     // EXPIRED: the registration ran out without a refresh
  noreg,       // NOREG: register=false (or unregistered by command)
  down,        // DOWN: killed
  timeout,     // TIMEOUT: no final answer within timeout-seconds
};

const char* to_string(GatewayState state);
std::optional<GatewayState> gateway_state_from_string(std::string_view name);

// Health from OPTIONS pings (mod_sofia sofia_reg_handle_sip_r_options): a
// reply 200..599 other than 408/503 counts up to ping-max, anything else
// (408, 503, no reply) counts down to 0. UP once the count reaches ping-min,
// DOWN when it falls below it.
struct PingHealth {
  int count = 0;
  bool up = true;  // gateways start UP (mod_sofia): the first failure takes them DOWN
};
bool ping_reply_counts_up(int status);
// Applies one ping result; returns true when `up` changed.
bool apply_ping_result(PingHealth& health, int status, int ping_min, int ping_max);

// How long a registration the upstream granted for `granted` seconds is kept
// before it is refreshed: half of a short grant, otherwise a minute early
// (mod_sofia refreshes ~a few seconds early; half of short grants keeps
// refreshes reliable over lossy UDP).
std::chrono::seconds refresh_after(int granted_seconds);

// The wait in FAIL_WAIT after `failures` consecutive failures: retry-seconds
// times the failure count, at most 8 times, never below retry-seconds; a
// Retry-After larger than that wins.
std::chrono::seconds retry_after(int retry_seconds, int failures, int retry_after_header = 0);

}  // namespace sipedge
