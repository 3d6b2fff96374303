// A gateway's OPTIONS pings (mod_sofia: ping, ping-min, ping-max): every
// `ping` seconds an OPTIONS to <sip:from-domain> (or the proxy); the answers
// move the ping count and the UP/DOWN status (gateway_state.h). A registered
// gateway that goes DOWN fails its registration (FAILED, then FAIL_WAIT).
#include <spdlog/spdlog.h>

#include "node/gateways/gateway.h"
#include "node/gateways/gateway_manager.h"

extern "C" {
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/sip_tag.h>
}

namespace sipedge {

void Gateway::on_ping_timer() {
  if (paused_ || killed_ || config_.ping <= 0 || !agent_) return;
  next_ping_ = std::chrono::system_clock::now() + std::chrono::seconds(config_.ping);
  schedule(ping_timer_, std::chrono::seconds(config_.ping));
  if (ping_orq_) {
    // The previous ping got no answer within a whole interval: a failure.
    // nta still runs it (retransmissions until timer F): send no other one
    // meanwhile; each interval without an answer counts once more.
    ping_counted_ = true;
    handle_ping_result(408);
    return;
  }
  const std::string domain = config_.from_domain.empty() ? host_part(config_.proxy) : config_.from_domain;
  const std::string target = "sip:" + host_part(config_.proxy) + ";transport=" + config_.register_transport;
  const std::string hop = next_hop();
  const std::string from = "<sip:" + domain + ">;tag=" + random_token(10);
  const std::string to = "<sip:" + domain + ">";
  ping_sent_ = std::chrono::steady_clock::now();
  ping_orq_ = nta_outgoing_tcreate(nta_default_leg(agent_), &Gateway::on_ping_response,
                                   reinterpret_cast<nta_outgoing_magic_t*>(this),
                                   hop.empty() ? nullptr : URL_STRING_MAKE(hop.c_str()), SIP_METHOD_OPTIONS,
                                   URL_STRING_MAKE(target.c_str()), SIPTAG_FROM_STR(from.c_str()),
                                   SIPTAG_TO_STR(to.c_str()), TAG_END());
  if (!ping_orq_) handle_ping_result(503);
}

int Gateway::on_ping_response(nta_outgoing_magic_t* magic, nta_outgoing_t* orq, sip_t const* sip) {
  auto* self = reinterpret_cast<Gateway*>(magic);
  int status = sip && sip->sip_status ? sip->sip_status->st_status : nta_outgoing_status(orq);
  if (status < 200) return 0;
  if (orq != self->ping_orq_) return 0;
  self->ping_orq_ = nullptr;
  nta_outgoing_destroy(orq);
  if (self->ping_counted_) {
    // Already counted as failed; a late answer only ends the transaction.
    self->ping_counted_ = false;
    return 0;
  }
  if (sip) {
    self->ping_time_ms_ =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - self->ping_sent_).count();
  }
  // nta's own 408/503 (no answer, no route) count as failures like a real 408/503.
  self->handle_ping_result(sip ? status : 408);
  return 0;
}

void Gateway::handle_ping_result(int status) {
  last_ping_at_ = std::chrono::system_clock::now();
  const int old_count = health_.count;
  const bool changed = apply_ping_result(health_, status, config_.ping_min, config_.ping_max);
  const bool status_changed_ping = last_ping_status_ != status;
  last_ping_status_ = status;
  if (!changed) {
    if (old_count != health_.count || status_changed_ping) save();
    return;
  }
  if (health_.up) up_since_ = std::chrono::system_clock::now();
  spdlog::info("gateway {}: ping {} -> status {}", name(), status, health_.up ? "UP" : "DOWN");
  manager_.publish_state(*this, 0, "");
  if (!health_.up && (state_ == GatewayState::reged || state_ == GatewayState::register_ ||
                      state_ == GatewayState::trying)) {
    // mod_sofia: a registered gateway whose pings fail is FAILED and retries.
    if (register_orq_ && !stale_register_orq_) {
      stale_register_orq_ = register_orq_;  // nta runs it out; the retry waits for it
      register_orq_ = nullptr;
    }
    abandon(register_orq_);
    cancel(timeout_timer_);
    register_failed(GatewayState::failed, status, sip_status_phrase(status) ? sip_status_phrase(status) : "Ping Failed",
                    0);
    return;
  }
  save();
}

}  // namespace sipedge
