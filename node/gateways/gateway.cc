// Gateway lifecycle, state changes, timers and what the console sees.
#include "node/gateways/gateway.h"

#include <cassert>
#include <random>

#include <spdlog/spdlog.h>

#include "node/gateways/gateway_auth.h"
#include "node/gateways/gateway_manager.h"
#include "node/sip/digest_client.h"
#include "node/sip/profile.h"
#include "store/gateway_store.h"

extern "C" {
#include <sofia-sip/sip_header.h>
#include <sofia-sip/su_tag.h>
}

namespace sipedge {

namespace {
std::mt19937_64& rng() {
  static std::mt19937_64 generator{std::random_device{}()};
  return generator;
}
}  // namespace

long random_below(long bound) { return bound > 0 ? static_cast<long>(rng()() % static_cast<unsigned long>(bound)) : 0; }

std::string random_token(std::size_t length) {
  static const char* alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string out;
  for (std::size_t i = 0; i < length; ++i) out += alphabet[rng()() % 36];
  return out;
}

Gateway::Gateway(GatewayManager& manager, GatewayConfig config, std::uint64_t id)
    : manager_(manager), config_(std::move(config)), id_(id) {
  requested_expires_ = config_.expire_seconds > 0 ? config_.expire_seconds : 3600;
  state_ = config_.register_ ? GatewayState::unreged : GatewayState::noreg;
  // mod_sofia: a registering gateway is DOWN until its first 200.
  health_.up = !config_.register_;
}

Gateway::~Gateway() {
  halt();
}

void Gateway::start(nta_agent_t* agent, std::chrono::milliseconds delay,
                    const std::optional<GatewayRecord>& stored) {
  assert(manager_.loop().in_thread());
  agent_ = agent;
  if (sip_contact_t const* c = nta_agent_contact(agent)) {
    sip_host_ = c->m_url->url_host ? c->m_url->url_host : "";
    sip_port_ = c->m_url->url_port ? std::atoi(c->m_url->url_port) : 5060;
    if (sip_host_.find(':') != std::string::npos && sip_host_.front() != '[') sip_host_ = "[" + sip_host_ + "]";
  }
  if (stored && !stored->register_call_id.empty()) {
    // Continue the stored registration: same Call-ID, next CSeq.
    call_id_ = stored->register_call_id;
    cseq_ = stored->register_cseq;
    failures_ = stored->failures;
    // A registration the upstream still holds: UP while we refresh it.
    if (stored->state == "REGED" && stored->expires_at && *stored->expires_at > std::chrono::system_clock::now())
      health_.up = true;
    spdlog::info("gateway {}: continuing registration Call-ID {} from CSeq {}", name(), call_id_, cseq_ + 1);
  }
  if (call_id_.empty()) call_id_ = random_token(24) + "-" + config_.name;
  if (from_tag_.empty()) from_tag_ = random_token(12);
  manager_.publish_state(*this, 0, "");
  if (config_.register_) schedule(register_timer_, delay);
  if (config_.ping > 0) {
    // Spread the first pings over one interval.
    auto first = std::chrono::milliseconds(random_below(config_.ping * 1000)) + delay;
    next_ping_ = std::chrono::system_clock::now() + first;
    schedule(ping_timer_, first);
  }
  save();
}

void Gateway::abandon(nta_outgoing_t*& orq) {
  if (!orq) return;
  nta_outgoing_destroy(orq);
  orq = nullptr;
}

void Gateway::halt() {
  cancel(register_timer_);
  cancel(timeout_timer_);
  cancel(ping_timer_);
  abandon(register_orq_);
  abandon(stale_register_orq_);
  register_waiting_ = false;
  abandon(ping_orq_);
}

void Gateway::adopt(const std::optional<GatewayRecord>& stored) {
  if (!stored || stored->register_call_id.empty()) return;
  if (stored->register_call_id == call_id_) {
    cseq_ = std::max(cseq_, stored->register_cseq);
  } else {
    call_id_ = stored->register_call_id;
    cseq_ = stored->register_cseq;
  }
  failures_ = stored->failures;
  if (stored->state == "REGED" && stored->expires_at && *stored->expires_at > std::chrono::system_clock::now()) {
    health_.up = true;
    expires_at_ = stored->expires_at;
  }
  spdlog::info("gateway {}: taking over registration Call-ID {} from CSeq {}", name(), call_id_, cseq_ + 1);
}

void Gateway::pause() {
  paused_ = true;
  halt();
}

void Gateway::resume() {
  if (!paused_) return;
  paused_ = false;
  if (killed_) return;
  save();  // rows written while standby were fenced: write ours now
  if (config_.register_ && state_ != GatewayState::noreg)
    schedule(register_timer_, std::chrono::milliseconds(random_below(200)));
  if (config_.ping > 0) schedule(ping_timer_, std::chrono::milliseconds(random_below(1000)));
}

void Gateway::register_now() {
  if (killed_ || paused_) return;
  cancel(register_timer_);
  if (register_orq_) return;  // one is on its way
  config_.register_ = true;
  set_state(GatewayState::unreged);
  send_register(requested_expires_);
}

void Gateway::unregister(bool kill) {
  killed_ = killed_ || kill;
  cancel(register_timer_);
  cancel(timeout_timer_);
  abandon(register_orq_);
  bool was_registered = state_ == GatewayState::reged || state_ == GatewayState::register_ ||
                        state_ == GatewayState::trying;
  if (!was_registered || paused_ || !agent_) {
    // Nothing upstream to remove.
    if (kill) {
      cancel(ping_timer_);
      set_state(GatewayState::down);
      manager_.finished(*this);
    } else {
      set_state(GatewayState::noreg);
    }
    return;
  }
  set_state(GatewayState::unregister);
  send_register(0);
}

void Gateway::set_state(GatewayState state, int code, const std::string& phrase, bool persist) {
  if (state == state_ && code == 0) return;
  GatewayState old = state_;
  state_ = state;
  if (code) {
    last_code_ = code;
    last_phrase_ = phrase;
  }
  // mod_sofia: the registration decides the status too (FAILED: DOWN, REGED: UP).
  if ((state == GatewayState::failed || state == GatewayState::timeout) && health_.up) {
    health_.up = false;
  } else if (state == GatewayState::reged && !health_.up) {
    health_.up = true;
    up_since_ = std::chrono::system_clock::now();
  }
  if (state == GatewayState::failed || state == GatewayState::timeout) {
    spdlog::warn("gateway {}: {} -> {} ({} {})", name(), to_string(old), to_string(state), code, phrase);
  } else {
    spdlog::info("gateway {}: {} -> {}", name(), to_string(old), to_string(state));
  }
  manager_.publish_state(*this, code, phrase);
  if (persist) save();
}

void Gateway::save() { manager_.save(*this); }

void Gateway::schedule(su_timer_t*& timer, std::chrono::milliseconds delay) {
  cancel(timer);
  timer = su_timer_create(su_root_task(manager_.loop().root()), 0);
  if (!timer) return;
  // Each timer slot has one job: the callback finds which slot fired.
  su_timer_set_at(
      timer,
      [](su_root_magic_t*, su_timer_t* t, su_timer_arg_t* a) {
        Gateway* self = reinterpret_cast<Gateway*>(a);
        // The timer fired once: forget it before running (the job may re-arm it).
        su_timer_t** slots[] = {&self->register_timer_, &self->timeout_timer_, &self->ping_timer_};
        for (std::size_t i = 0; i < 3; ++i) {
          if (*slots[i] != t) continue;
          su_timer_destroy(t);
          *slots[i] = nullptr;
          if (i == 0) self->on_register_timer();
          else if (i == 1) self->on_register_timeout();
          else self->on_ping_timer();
          return;
        }
      },
      reinterpret_cast<su_timer_arg_t*>(this), su_time_add(su_now(), su_duration_t(delay.count())));
  if (&timer == &register_timer_) next_attempt_ = std::chrono::steady_clock::now() + delay;
}

void Gateway::cancel(su_timer_t*& timer) {
  if (!timer) return;
  su_timer_destroy(timer);
  timer = nullptr;
}

std::string Gateway::contact_user() const {
  return config_.extension_in_contact ? config_.extension : "gw+" + config_.name;
}

std::string Gateway::contact_uri() const {
  std::string uri = "sip:" + contact_user() + "@" + sip_host_ + ":" + std::to_string(sip_port_) +
                    ";transport=" + config_.register_transport + ";gw=" + config_.name;
  if (!config_.contact_params.empty()) {
    uri += (config_.contact_params.front() == ';' ? "" : ";") + config_.contact_params;
  }
  return uri;
}

void Gateway::count_call(bool inbound) { ++(inbound ? calls_in_ : calls_out_); }

void Gateway::count_failed(bool inbound) { ++(inbound ? failed_calls_in_ : failed_calls_out_); }

GatewaySnapshot Gateway::snapshot() const {
  GatewaySnapshot s;
  s.name = config_.name;
  s.profile = config_.profile;
  s.realm = config_.realm;
  s.username = config_.username;
  s.password_set = !config_.password.empty();
  s.from = "<sip:" + config_.from_user + "@" + config_.from_domain + ";transport=" + config_.register_transport + ">";
  s.contact = "<" + contact_uri() + ">";
  s.exten = config_.extension;
  s.to = "sip:" + config_.username + "@" + host_part(config_.proxy);
  s.proxy = "sip:" + host_part(config_.register_proxy.empty() ? config_.proxy : config_.register_proxy);
  s.context = config_.context;
  s.pinging = ping_orq_ != nullptr;
  s.expires = requested_expires_;
  s.freq = granted_expires_ > 0 ? static_cast<int>(refresh_after(granted_expires_).count()) : requested_expires_;
  s.ping = config_.ping;
  s.next_ping_epoch = ping_timer_ ? std::chrono::duration_cast<std::chrono::seconds>(
                                        next_ping_.time_since_epoch()).count()
                                  : 0;
  s.ping_time_ms = ping_time_ms_;
  s.ping_min = config_.ping_min;
  s.ping_count = health_.count;
  s.ping_max = config_.ping_max;
  s.state = state_;
  s.up = health_.up;
  s.uptime_seconds = health_.up ? std::chrono::duration_cast<std::chrono::seconds>(
                                      std::chrono::system_clock::now() - up_since_).count()
                                : 0;
  s.calls_in = calls_in_;
  s.calls_out = calls_out_;
  s.failed_calls_in = failed_calls_in_;
  s.failed_calls_out = failed_calls_out_;
  if ((state_ == GatewayState::failed || state_ == GatewayState::fail_wait || state_ == GatewayState::trying) &&
      register_timer_) {
    auto left = std::chrono::ceil<std::chrono::seconds>(next_attempt_ - std::chrono::steady_clock::now());
    s.retry_in_seconds = std::max<std::int64_t>(0, left.count());
  }
  s.call_id = call_id_;
  s.cseq = cseq_;
  s.last_code = last_code_;
  s.last_phrase = last_phrase_;
  s.register_network_ip = network_ip_;
  s.register_network_port = network_port_;
  return s;
}

GatewayRecord Gateway::record() const {
  GatewayRecord r;
  const GatewayServices& services = manager_.services();
  r.cluster_name = services.cluster_name;
  r.profile_name = config_.profile;
  r.gateway_name = config_.name;
  r.node_name = services.node_name;
  r.owner_epoch = services.epoch;
  r.state = to_string(state_);
  r.status = health_.up ? "UP" : "DOWN";
  r.register_call_id = call_id_;
  r.register_cseq = cseq_;
  r.register_contact = sip_host_.empty() ? "" : "<" + contact_uri() + ">";
  r.expires_at = state_ == GatewayState::reged ? expires_at_ : std::nullopt;
  r.failures = failures_;
  r.ping_count = health_.count;
  r.last_ping_at = last_ping_at_;
  r.last_ping_status = last_ping_status_;
  r.last_response_code = last_code_;
  r.last_response_phrase = last_phrase_;
  r.register_network_ip = network_ip_;
  r.register_network_port = network_port_;
  return r;
}

bool Gateway::trusts_challenge(nta_outgoing_t* orq, sip_t const* response, int status) const {
  const std::string source = response_source_ip(orq);
  if (legitimate_challenger(config_, source, request_destination_ip(orq), acl())) return true;
  spdlog::warn("gateway {}: {} challenge from {} is not from the gateway (gw-auth-acl or proxy address): not answered",
               name(), status, source.empty() ? "an unknown address" : source);
  manager_.bus().publish(invalid_digest_request_event(config_, DigestClient::realm(response, status)));
  return false;
}

const AclMatcher* Gateway::acl() const {
  const auto& find = manager_.services().find_profile;
  Profile* profile = find ? find(config_.profile) : nullptr;
  return profile ? profile->services().acl.get() : nullptr;
}

}  // namespace sipedge
