// A gateway's REGISTERs (mod_sofia reference §4): Request-URI
// sip:register-proxy;transport=T, From <sip:from-user@from-domain>,
// To <sip:username@proxy>, Contact <sip:gw+NAME@ip:port;transport=T;gw=NAME>,
// one Call-ID for the life of the registration (also across nodes) and a CSeq
// that only goes up: the row with the new CSeq is written before the REGISTER
// leaves, so a node that continues the registration never reuses a CSeq.
#include <spdlog/spdlog.h>

#include "node/gateways/gateway.h"
#include "node/gateways/gateway_manager.h"

extern "C" {
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/sip_tag.h>
}

namespace sipedge {

std::string Gateway::request_uri() const {
  const std::string& proxy = config_.register_proxy.empty() ? config_.proxy : config_.register_proxy;
  return "sip:" + host_part(proxy) + ";transport=" + config_.register_transport;
}

std::string Gateway::next_hop() const {
  if (config_.outbound_proxy.empty()) return "";
  return "sip:" + host_part(config_.outbound_proxy) + ";transport=" + config_.register_transport;
}

void Gateway::on_register_timer() {
  if (paused_ || killed_ || state_ == GatewayState::noreg || state_ == GatewayState::down) return;
  if (state_ == GatewayState::fail_wait) set_state(GatewayState::unreged, 0, "", false);
  send_register(requested_expires_);
}

// A new REGISTER attempt (not the answer to a challenge).
void Gateway::send_register(int expires) {
  if (!agent_ || paused_) return;
  if (stale_register_orq_) {
    // The REGISTER we gave up on still runs in nta: go on when it ends.
    register_waiting_ = true;
    return;
  }
  unregistering_ = expires == 0;
  challenges_ = 0;
  ++cseq_;
  if (expires == 0) {
    set_state(GatewayState::unregister, 0, "", false);
  } else if (state_ == GatewayState::reged) {
    set_state(GatewayState::register_, 0, "", false);
  } else {
    set_state(GatewayState::trying, 0, "", false);
  }
  const std::uint32_t cseq = cseq_;
  manager_.save(*this, [this, expires, cseq] { transmit_register(expires, cseq); });
}

void Gateway::transmit_register(int expires, std::uint32_t cseq) {
  if (!agent_ || paused_ || cseq != cseq_) return;  // superseded meanwhile
  // Failed meanwhile (pings went DOWN): FAIL_WAIT's retry sends the next one.
  if (state_ != GatewayState::trying && state_ != GatewayState::register_ && state_ != GatewayState::unregister &&
      state_ != GatewayState::unreged)
    return;
  abandon(register_orq_);
  const std::string ruri = request_uri();
  const std::string hop = next_hop();
  const ProxyAddress where = parse_proxy_address(hop.empty() ? ruri : hop);
  network_ip_ = where.host;
  network_port_ = where.port ? where.port : 5060;
  const std::string from = "<sip:" + config_.from_user + "@" + config_.from_domain + ">;tag=" + from_tag_;
  const std::string to = "<sip:" + config_.username + "@" + host_part(config_.proxy) + ">";
  const std::string contact = "<" + contact_uri() + ">";
  const std::string cseq_text = std::to_string(cseq) + " REGISTER";
  const std::string expires_text = std::to_string(expires);
  const std::string authorization = digest_.authorization("REGISTER", ruri);
  register_orq_ = nta_outgoing_tcreate(
      nta_default_leg(agent_), &Gateway::on_register_response, reinterpret_cast<nta_outgoing_magic_t*>(this),
      hop.empty() ? nullptr : URL_STRING_MAKE(hop.c_str()), SIP_METHOD_REGISTER, URL_STRING_MAKE(ruri.c_str()),
      SIPTAG_FROM_STR(from.c_str()), SIPTAG_TO_STR(to.c_str()), SIPTAG_CALL_ID_STR(call_id_.c_str()),
      SIPTAG_CSEQ_STR(cseq_text.c_str()), SIPTAG_CONTACT_STR(contact.c_str()), SIPTAG_EXPIRES_STR(expires_text.c_str()),
      TAG_IF(!authorization.empty(), SIPTAG_HEADER_STR(authorization.c_str())), TAG_END());
  if (!register_orq_) {
    spdlog::error("gateway {}: cannot send REGISTER to {}", name(), ruri);
    register_failed(GatewayState::failed, 503, "Cannot Send", 0);
    return;
  }
  schedule(timeout_timer_, std::chrono::seconds(std::max(1, config_.timeout_seconds)));
}

int Gateway::on_register_response(nta_outgoing_magic_t* magic, nta_outgoing_t* orq, sip_t const* sip) {
  auto* self = reinterpret_cast<Gateway*>(magic);
  int status = sip && sip->sip_status ? sip->sip_status->st_status : nta_outgoing_status(orq);
  if (status < 200) return 0;
  if (orq == self->stale_register_orq_) {
    // The REGISTER we gave up on ended at last (its answer no longer counts).
    abandon(self->stale_register_orq_);
    if (self->register_waiting_) {
      self->register_waiting_ = false;
      self->send_register(self->unregistering_ ? 0 : self->requested_expires_);
    }
    return 0;
  }
  if (orq != self->register_orq_) return 0;
  std::string phrase = sip && sip->sip_status && sip->sip_status->st_phrase ? sip->sip_status->st_phrase
                                                                           : sip_status_phrase(status);
  self->cancel(self->timeout_timer_);
  const bool challenge_trusted = (status == 401 || status == 407) && sip && self->trusts_challenge(orq, sip, status);
  self->handle_register_response(status, phrase.c_str(), sip, challenge_trusted);
  // handle_register_response may have sent a new REGISTER (a new orq) or the
  // manager may drop a killed gateway later; this transaction is done.
  nta_outgoing_destroy(orq);
  if (self->register_orq_ == orq) self->register_orq_ = nullptr;
  return 0;
}

void Gateway::handle_register_response(int status, const char* phrase, sip_t const* sip, bool challenge_trusted) {
  const bool local = sip == nullptr;  // nta's own 408/503: nothing came back
  if (status >= 200 && status < 300) {
    failures_ = 0;
    if (unregistering_) {
      unregistering_ = false;
      expires_at_.reset();
      if (killed_) {
        cancel(ping_timer_);
        set_state(GatewayState::down, status, phrase);
        manager_.finished(*this);
      } else {
        set_state(GatewayState::noreg, status, phrase);
      }
      return;
    }
    granted_expires_ = granted_expiry(sip);
    expires_at_ = std::chrono::system_clock::now() + std::chrono::seconds(granted_expires_);
    set_state(GatewayState::reged, status, phrase);
    schedule(register_timer_, refresh_after(granted_expires_));
    return;
  }
  if ((status == 401 || status == 407) && !local) {
    // Answer the challenge (only the gateway's: trusts_challenge): once, or
    // once more when our nonce went stale.
    bool stale = DigestClient::stale(sip, status);
    if (challenge_trusted && (challenges_ == 0 || (stale && challenges_ < 3)) &&
        digest_.challenge(sip, status, config_.auth_username, config_.password)) {
      ++challenges_;
      ++cseq_;
      const int expires = unregistering_ ? 0 : requested_expires_;
      const std::uint32_t cseq = cseq_;
      if (state_ == GatewayState::trying) set_state(GatewayState::register_, 0, "", false);
      manager_.save(*this, [this, expires, cseq] { transmit_register(expires, cseq); });
      return;
    }
  }
  if (status == 423 && sip && sip->sip_min_expires && challenges_ < 3) {
    // Interval Too Brief: ask again for what the upstream wants.
    requested_expires_ = static_cast<int>(sip->sip_min_expires->me_delta);
    ++challenges_;
    ++cseq_;
    const std::uint32_t cseq = cseq_;
    const int expires = requested_expires_;
    manager_.save(*this, [this, expires, cseq] { transmit_register(expires, cseq); });
    return;
  }
  if (unregistering_) {
    // The un-REGISTER failed: the binding expires upstream on its own.
    unregistering_ = false;
    spdlog::warn("gateway {}: un-REGISTER answered {} {}", name(), status, phrase);
    if (killed_) {
      cancel(ping_timer_);
      set_state(GatewayState::down, status, phrase);
      manager_.finished(*this);
    } else {
      set_state(GatewayState::noreg, status, phrase);
    }
    return;
  }
  int retry_after_header = sip && sip->sip_retry_after ? static_cast<int>(sip->sip_retry_after->af_delta) : 0;
  bool timed_out = local || status == 408;
  register_failed(timed_out ? GatewayState::timeout : GatewayState::failed, status, phrase, retry_after_header);
}

void Gateway::on_register_timeout() {
  if (!register_orq_) return;
  // Given up on; nta keeps retransmitting it until its own timeout.
  stale_register_orq_ = register_orq_;
  register_orq_ = nullptr;
  if (unregistering_) {
    handle_register_response(408, "Request Timeout", nullptr);
    return;
  }
  register_failed(GatewayState::timeout, 408, "Request Timeout", 0);
}

void Gateway::register_failed(GatewayState why, int code, const std::string& phrase, int retry_after_header) {
  ++failures_;
  digest_.clear();  // the next attempt starts from a fresh challenge
  expires_at_.reset();
  auto wait = retry_after(config_.retry_seconds, failures_, retry_after_header);
  // Persist FAILED/TIMEOUT and the wait together: one row write, two events.
  set_state(why, code, phrase, false);
  schedule(register_timer_, wait);
  set_state(GatewayState::fail_wait, 0, "");
  spdlog::info("gateway {}: retry in {} s (failure {})", name(), wait.count(), failures_);
}

int Gateway::granted_expiry(sip_t const* sip) const {
  const std::string user = contact_user();
  if (sip) {
    for (sip_contact_t const* m = sip->sip_contact; m; m = m->m_next) {
      if (!m->m_url->url_user || user != m->m_url->url_user || !m->m_expires) continue;
      std::string host = m->m_url->url_host ? m->m_url->url_host : "";
      std::string ours = sip_host_;
      if (!ours.empty() && ours.front() == '[') ours = ours.substr(1, ours.size() - 2);
      if (!host.empty() && host.front() == '[') host = host.substr(1, host.size() - 2);
      int port = m->m_url->url_port ? std::atoi(m->m_url->url_port) : 5060;
      if (host == ours && port == sip_port_) {
        int granted = std::atoi(m->m_expires);
        if (granted > 0) return granted;
      }
    }
    if (sip->sip_expires && sip->sip_expires->ex_delta > 0) return static_cast<int>(sip->sip_expires->ex_delta);
  }
  return requested_expires_;
}

}  // namespace sipedge
