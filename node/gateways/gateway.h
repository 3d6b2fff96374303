#pragma once
// One upstream gateway at run time (mod_sofia's sofia_gateway_t): its
// registration (REGISTER with digest auth, refresh before the granted expiry,
// retry with growing waits), its OPTIONS pings and UP/DOWN status, its call
// counters. The registration is continued from its PostgreSQL row when there
// is one: same Call-ID, CSeq + 1, no un-REGISTER first.
//
// SIP thread only. Owned by GatewayManager; timers and transactions are
// destroyed with it, so no sofia callback outlives it. Database answers come
// back through GatewayManager, which drops those of a gateway that is gone.
//
// Files: gateway.cc (lifecycle, state, snapshot), gateway_register.cc
// (REGISTER and its answers), gateway_ping.cc (OPTIONS pings).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "node/config/node_config.h"
#include "node/gateways/gateway_state.h"
#include "node/gateways/proxy_address.h"
#include "node/sip/digest_client.h"

extern "C" {
#include <sofia-sip/nta.h>
#include <sofia-sip/su_wait.h>
}

namespace sipedge {

class AclMatcher;
class GatewayManager;
struct GatewayRecord;

// What `sofia status gateway NAME`, gwlist and the events show; a copy.
struct GatewaySnapshot {
  std::string name, profile;
  std::string scheme = "Digest";
  std::string realm, username;
  bool password_set = false;
  std::string from, contact, exten, to, proxy, context;
  int expires = 0;      // requested expiry (expire-seconds)
  int freq = 0;         // seconds between refreshes of the granted registration
  int ping = 0;         // ping interval, 0 = off
  std::int64_t next_ping_epoch = 0;  // when the next OPTIONS leaves (unix time), 0 = none
  double ping_time_ms = 0;           // round trip of the last answered ping
  int ping_min = 1, ping_count = 0, ping_max = 1;
  bool pinging = false;              // an OPTIONS ping is waiting for its answer
  GatewayState state = GatewayState::unreged;
  bool up = true;
  std::int64_t uptime_seconds = 0;   // since the status became UP (0 while DOWN)
  unsigned calls_in = 0, calls_out = 0, failed_calls_in = 0, failed_calls_out = 0;
  std::int64_t retry_in_seconds = -1;  // FAILED/FAIL_WAIT/TRYING: seconds until the next attempt; -1 none
  std::string call_id;
  std::uint32_t cseq = 0;
  int last_code = 0;
  std::string last_phrase;
  std::string register_network_ip;
  int register_network_port = 0;
};

class Gateway {
 public:
  Gateway(GatewayManager& manager, GatewayConfig config, std::uint64_t id);
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // Starts registering (after `delay`) and pinging. `stored` is the row of a
  // registration to continue (same Call-ID, its CSeq + 1), if any.
  void start(nta_agent_t* agent, std::chrono::milliseconds delay, const std::optional<GatewayRecord>& stored);
  // Stops timers and transactions; sends nothing (a peer may continue the registration).
  void halt();
  // Sends an un-REGISTER (Expires: 0); then NOREG, or DOWN when `kill`.
  void unregister(bool kill);
  // Registers now (`sofia profile P register GW`); NOREG gateways too.
  void register_now();
  // HA standby: no REGISTER, no pings. Active again: continue from now.
  void pause();
  void resume();
  // Before resume() at a takeover: continue the registration as the row has
  // it now (the previous active may have moved it on since we started).
  void adopt(const std::optional<GatewayRecord>& stored);

  const GatewayConfig& config() const { return config_; }
  const std::string& name() const { return config_.name; }
  std::uint64_t id() const { return id_; }
  GatewayState state() const { return state_; }
  bool up() const { return health_.up; }
  bool killed() const { return killed_; }
  GatewaySnapshot snapshot() const;
  GatewayRecord record() const;
  // Our Contact user (gw+NAME, or the extension with extension-in-contact).
  std::string contact_user() const;
  std::string contact_uri() const;  // sip:gw+NAME@ip:port;transport=T;gw=NAME[;contact-params]
  // CallsIN/CallsOUT and FailedCallsIN/FailedCallsOUT of `sofia status gateway`.
  void count_call(bool inbound);
  void count_failed(bool inbound);
  // A 401/407 to a request sent for this gateway (its REGISTER, or a call
  // through it): true when it comes from the gateway (gateway_auth.h), so its
  // credentials may answer; otherwise logs it, fires
  // sofia::gateway_invalid_digest_req and returns false.
  bool trusts_challenge(nta_outgoing_t* orq, sip_t const* response, int status) const;

 private:
  friend class GatewayManager;
  // The ACLs of the gateway's profile (gw-auth-acl), null when it is not running.
  const AclMatcher* acl() const;
  // gateway.cc
  void set_state(GatewayState state, int code = 0, const std::string& phrase = "", bool persist = true);
  // Arms one of the three timers (register_timer_, timeout_timer_, ping_timer_);
  // each runs its own job: on_register_timer, on_register_timeout, on_ping_timer.
  void schedule(su_timer_t*& timer, std::chrono::milliseconds delay);
  void cancel(su_timer_t*& timer);
  // Drops a client transaction and its callback (null-safe, clears the
  // pointer). nta cannot stop a pending non-INVITE transaction: it goes on
  // retransmitting until its timer F (32 s). So a REGISTER or OPTIONS we gave
  // up on is not dropped but kept in a stale_* slot until nta ends it, and no
  // new one is sent meanwhile (no overlapping transactions to a dead peer).
  static void abandon(nta_outgoing_t*& orq);
  void save();
  // gateway_register.cc
  void on_register_timer();
  void send_register(int expires);
  void transmit_register(int expires, std::uint32_t cseq);
  static int on_register_response(nta_outgoing_magic_t* magic, nta_outgoing_t* orq, sip_t const* sip);
  // `challenge_trusted`: a 401/407 that trusts_challenge() accepted.
  void handle_register_response(int status, const char* phrase, sip_t const* sip, bool challenge_trusted = false);
  void on_register_timeout();
  void register_failed(GatewayState why, int code, const std::string& phrase, int retry_after_header);
  int granted_expiry(sip_t const* sip) const;
  std::string request_uri() const;  // sip:register-proxy;transport=T
  std::string next_hop() const;     // outbound-proxy, or "" (the Request-URI)
  // gateway_ping.cc
  void on_ping_timer();
  static int on_ping_response(nta_outgoing_magic_t* magic, nta_outgoing_t* orq, sip_t const* sip);
  void handle_ping_result(int status);

  GatewayManager& manager_;
  GatewayConfig config_;
  std::uint64_t id_;
  nta_agent_t* agent_ = nullptr;
  std::string sip_host_;  // our address in Contact (ext-sip-ip or sip-ip; IPv6 in [])
  int sip_port_ = 0;

  GatewayState state_ = GatewayState::unreged;
  PingHealth health_;
  bool paused_ = false;
  bool killed_ = false;          // killgw: DOWN after the un-REGISTER, then removed
  bool unregistering_ = false;   // the REGISTER in flight has Expires: 0

  // The registration (continued across nodes through the row).
  std::string call_id_;
  std::uint32_t cseq_ = 0;       // highest CSeq sent
  std::string from_tag_;
  int requested_expires_ = 3600;
  int granted_expires_ = 0;
  std::optional<std::chrono::system_clock::time_point> expires_at_;
  int failures_ = 0;
  int challenges_ = 0;           // 401/407s answered for the current REGISTER
  int last_code_ = 0;
  std::string last_phrase_;
  std::string network_ip_;       // where REGISTERs go
  int network_port_ = 0;
  DigestClient digest_;          // the upstream's last challenge, answered with our credentials
  nta_outgoing_t* register_orq_ = nullptr;
  nta_outgoing_t* stale_register_orq_ = nullptr;  // given up on (timeout-seconds), nta still runs it
  bool register_waiting_ = false;                  // a REGISTER waits for the stale one to end
  su_timer_t* register_timer_ = nullptr;  // next REGISTER (refresh or retry)
  su_timer_t* timeout_timer_ = nullptr;   // timeout-seconds of the REGISTER in flight
  std::chrono::steady_clock::time_point next_attempt_{};

  // Pings.
  nta_outgoing_t* ping_orq_ = nullptr;
  bool ping_counted_ = false;  // ping_orq_ already counted as failed (unanswered for an interval)
  su_timer_t* ping_timer_ = nullptr;
  std::chrono::steady_clock::time_point ping_sent_{};
  std::chrono::system_clock::time_point next_ping_{};
  double ping_time_ms_ = 0;
  std::optional<std::chrono::system_clock::time_point> last_ping_at_;
  int last_ping_status_ = 0;
  std::chrono::system_clock::time_point up_since_ = std::chrono::system_clock::now();

  unsigned calls_in_ = 0, calls_out_ = 0, failed_calls_in_ = 0, failed_calls_out_ = 0;
};

}  // namespace sipedge

namespace sipedge {
// Random helpers of the gateway code (gateway.cc).
long random_below(long bound);               // [0, bound)
std::string random_token(std::size_t length);  // [0-9a-z]{length}
}  // namespace sipedge
