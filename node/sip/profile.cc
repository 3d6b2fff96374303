// SIP thread only (see profile.h): every entry point asserts loop_.in_thread().
#include "node/sip/profile.h"

#include <cassert>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "node/sip/numeric_host_guard.h"
#include "node/sip/registrar.h"

extern "C" {
#include <sofia-sip/nta_tport.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/sip_tag.h>
#include <sofia-sip/tport_tag.h>
#include <sofia-sip/url.h>
}

namespace sipedge {

namespace {

// What this node implements today (RFC 3261 20.5). Grows with calls.
constexpr const char* kAllowWithRegistrar = "OPTIONS, REGISTER";
constexpr const char* kAllowWithCalls = "INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, UPDATE, REGISTER";
constexpr const char* kAllowWithoutRegistrar = "OPTIONS";
constexpr const char* kAccept = "application/sdp";
// Option tags we implement (RFC 3261 20.37). None yet: Require of anything gets 420.
constexpr const char* kSupported = "";

bool param_true(const std::string& v) {
  return v == "true" || v == "yes" || v == "on" || v == "1" || v == "enabled" || v == "active";
}

std::string host_for_uri(const std::string& ip) {
  return ip.find(':') != std::string::npos ? "[" + ip + "]" : ip;
}

std::string param_or(const ProfileConfig& c, const char* name, const char* fallback) {
  const Param* p = c.param(name);
  return p && !p->value.empty() ? p->value : fallback;
}

}  // namespace

Profile::Profile(SipLoop& loop, EventBus& bus, ProfileConfig config, ProfileServices services)
    : loop_(loop),
      bus_(bus),
      config_(std::move(config)),
      services_(std::move(services)),
      user_agent_(param_or(config_, "user-agent-string", "sipedge/" SIPEDGE_VERSION)),
      siptrace_(config_.sip_trace) {}

Profile::~Profile() {
  if (agent_) {
    assert(loop_.in_thread());
    stop();
  }
}

void Profile::start() {
  assert(loop_.in_thread());
  if (agent_) return;
  if (!numeric_host_guard_active()) throw std::runtime_error("the numeric host guard is not linked");
  std::string port = config_.sip_port == 0 ? "*" : std::to_string(config_.sip_port);
  std::string bind = "sip:" + host_for_uri(config_.sip_ip) + ":" + port;
  errno = 0;
  // No transport parameter: nta listens on UDP and TCP on the same port.
  agent_ = nta_agent_create(loop_.root(), URL_STRING_MAKE(bind.c_str()), &Profile::on_stray_message,
                            reinterpret_cast<nta_agent_magic_t*>(this),
                            NTATAG_UA(1),  // retransmit our 2xx to INVITE until ACK
                            // Always answer to the source port (RFC 3581 even when rport is absent).
                            NTATAG_SERVER_RPORT(2), NTATAG_CLIENT_RPORT(1),
                            // Absorb SIP-thread stalls instead of dropping requests: the kernel
                            // default (~200 KB) holds about 200 REGISTERs (docs/performance.md).
                            TPTAG_UDP_RMEM(4 * 1024 * 1024), TPTAG_UDP_WMEM(1024 * 1024),
                            TAG_END());
  if (agent_) set_timers(config_.timers);
  if (!agent_) {
    int err = errno;
    throw std::runtime_error("profile " + config_.name + ": cannot listen on " + bind + ": " +
                             (err ? std::strerror(err) : "nta_agent_create failed"));
  }
  default_leg_ = nta_leg_tcreate(agent_, &Profile::on_request, reinterpret_cast<nta_leg_magic_t*>(this),
                                 NTATAG_NO_DIALOG(1), TAG_END());
  if (!default_leg_) {
    nta_agent_destroy(agent_);
    agent_ = nullptr;
    throw std::runtime_error("profile " + config_.name + ": cannot create the default leg");
  }
  if (services_.registrations) registrar_ = std::make_unique<Registrar>(loop_, bus_, config_, services_);
  bound_port_ = config_.sip_port;
  if (sip_contact_t const* m = nta_agent_contact(agent_); m && m->m_url->url_port)
    bound_port_ = std::atoi(m->m_url->url_port);
  set_siptrace(siptrace_);
  spdlog::info("profile {} listening on {}:{} (UDP, TCP)", config_.name, config_.sip_ip, bound_port_);

  Event event = Event::custom("sofia::profile_start");
  event.add_header("module_name", "mod_sofia")
      .add_header("profile_name", config_.name)
      .add_header("profile_uri", status().url);
  bus_.publish(std::move(event));
}

void Profile::stop() {
  assert(loop_.in_thread());
  if (!agent_) return;
  registrar_.reset();  // forget pending REGISTERs before the agent frees their transactions
  nta_leg_destroy(default_leg_);
  default_leg_ = nullptr;
  nta_agent_destroy(agent_);
  agent_ = nullptr;
  spdlog::info("profile {} stopped", config_.name);
}

std::vector<std::string> Profile::apply(const ProfileConfig& config) {
  assert(loop_.in_thread());
  std::vector<std::string> need_restart;
  if (config.sip_ip != config_.sip_ip) need_restart.push_back("sip-ip");
  if (config.sip_port != config_.sip_port) need_restart.push_back("sip-port");
  bool trace_changed = config.sip_trace != config_.sip_trace;
  // Keep the bound address until a restart; take everything else now.
  std::string ip = config_.sip_ip;
  int port = config_.sip_port;
  config_ = config;
  if (running()) {
    config_.sip_ip = ip;
    config_.sip_port = port;
  }
  if (trace_changed) set_siptrace(config_.sip_trace);
  if (running()) set_timers(config_.timers);
  if (registrar_) registrar_->apply(config_);
  user_agent_ = param_or(config_, "user-agent-string", "sipedge/" SIPEDGE_VERSION);
  return need_restart;
}

// timer-T1/T1X64/T2/T4 (mod_sofia): 0 gives nta its RFC 3261 default back,
// so a rescan that drops the param restores it. Timer D (32 s after a 2xx or
// final response to our INVITE on UDP) is fixed inside this sofia-sip.
void Profile::set_timers(const SipTimers& timers) {
  assert(loop_.in_thread());
  nta_agent_set_params(agent_, NTATAG_SIP_T1(timers.t1), NTATAG_SIP_T1X64(timers.t1x64), NTATAG_SIP_T2(timers.t2),
                       NTATAG_SIP_T4(timers.t4), TAG_END());
}

void Profile::set_siptrace(bool on) {
  assert(loop_.in_thread());
  siptrace_ = on;
  // TPTAG_LOG makes the transports dump every message sent and received.
  if (agent_) nta_agent_set_params(agent_, TPTAG_LOG(on ? 1 : 0), TAG_END());
}

ProfileStatus Profile::status() const {
  ProfileStatus s;
  s.name = config_.name;
  s.sip_ip = config_.sip_ip;
  s.ext_sip_ip = config_.ext_sip_ip;
  s.port = bound_port_ ? bound_port_ : config_.sip_port;
  const std::string& url_ip = config_.ext_sip_ip.empty() ? config_.sip_ip : config_.ext_sip_ip;
  s.url = "sip:mod_sofia@" + host_for_uri(url_ip) + ":" + std::to_string(s.port);
  s.bind_url = config_.ext_sip_ip.empty() ? s.url : s.url + ";maddr=" + config_.sip_ip;
  s.running = running();
  s.siptrace = siptrace_;
  s.context = config_.context;
  s.dialplan = config_.dialplan;
  s.challenge_realm = param_or(config_, "challenge-realm", "auto_to");
  s.domain_name = param_or(config_, "domain-name", "N/A");
  s.aggressive_nat = param_true(param_or(config_, "aggressive-nat-detection", "false"));
  s.requests_received = requests_received_;
  s.calls_in = counters_.calls_in;
  s.failed_calls_in = counters_.failed_calls_in;
  s.calls_out = counters_.calls_out;
  s.failed_calls_out = counters_.failed_calls_out;
  s.inuse = static_cast<unsigned>(std::max(0, counters_.inuse));
  for (const Param& p : config_.params) s.params[p.name] = p.value;
  return s;
}

int Profile::on_request(nta_leg_magic_t* magic, nta_leg_t*, nta_incoming_t* irq, sip_t const* sip) {
  auto* self = reinterpret_cast<Profile*>(magic);
  try {
    return self->handle_out_of_dialog(irq, sip);
  } catch (const std::exception& e) {
    // No exception may cross into sofia-sip (docs/design.md).
    spdlog::error("profile {}: request handler failed: {}", self->config_.name, e.what());
    return 500;
  }
}

int Profile::on_stray_message(nta_agent_magic_t* magic, nta_agent_t* agent, msg_t* msg, sip_t* sip) {
  // Responses that match no client transaction (RFC 3261 17.1.3: discard),
  // except a retransmitted 2xx to an INVITE of a call we hold: our ACK was
  // lost, and ACKs are sent without a transaction (node/calls/dialog_ack.h).
  auto* self = reinterpret_cast<Profile*>(magic);
  try {
    if (self && self->services_.calls && sip && sip->sip_status && sip->sip_status->st_status >= 200 &&
        sip->sip_status->st_status < 300 && sip->sip_cseq && sip->sip_cseq->cs_method == sip_method_invite) {
      self->services_.calls->on_stray_2xx(agent, sip);
    }
  } catch (const std::exception& e) {
    spdlog::error("profile {}: stray response handler failed: {}", self->config_.name, e.what());
  }
  msg_destroy(msg);
  return 0;
}

// Out-of-dialog requests: returns the status nta answers with (after our own
// treply when headers are needed), or 0 when nothing is sent (ACK).
int Profile::handle_out_of_dialog(nta_incoming_t* irq, sip_t const* sip) {
  assert(loop_.in_thread());
  ++requests_received_;
  sip_method_t method = sip->sip_request->rq_method;

  if (method == sip_method_ack) {
    // RFC 3261 17.2.1: an ACK matching no transaction or dialog is absorbed, never answered.
    nta_incoming_destroy(irq);
    return 0;
  }
  // RFC 3261 8.2.2.1: a scheme we cannot handle gets 416.
  url_type_e type = static_cast<url_type_e>(sip->sip_request->rq_url->url_type);
  if (type != url_sip && type != url_sips && type != url_tel) {
    return 416;
  }
  const char* allow = services_.calls ? kAllowWithCalls : registrar_ ? kAllowWithRegistrar : kAllowWithoutRegistrar;
  if (method == sip_method_unknown) {
    // RFC 3261 8.2.1: unrecognised method → 501 (with Allow, RFC 4475 3.1.1.2).
    nta_incoming_treply(irq, SIP_501_NOT_IMPLEMENTED, SIPTAG_ALLOW_STR(allow), SIPTAG_USER_AGENT_STR(user_agent_.c_str()), TAG_END());
    return 501;
  }
  if (method == sip_method_cancel || method == sip_method_bye) {
    // A CANCEL or BYE that reaches the default leg matches no transaction or dialog.
    return 481;
  }
  if (services_.accepting && !services_.accepting->load()) {
    // Standby (the pair's other node is active): FreeSWITCH's standby answer.
    nta_incoming_treply(irq, 503, "System Paused", SIPTAG_RETRY_AFTER_STR("1"),
                        SIPTAG_USER_AGENT_STR(user_agent_.c_str()), TAG_END());
    return 503;
  }
  if (method == sip_method_register && registrar_) return registrar_->handle(irq, sip);
  if (method == sip_method_invite && services_.calls) return services_.calls->on_invite(*this, irq, sip);
  if (method != sip_method_options) {
    // RFC 3261 8.2.1: a method we know but do not support here → 405 with Allow.
    nta_incoming_treply(irq, SIP_405_METHOD_NOT_ALLOWED, SIPTAG_ALLOW_STR(allow), SIPTAG_USER_AGENT_STR(user_agent_.c_str()), TAG_END());
    return 405;
  }
  // RFC 3261 8.2.2.3: any Require option we do not support → 420 listing them.
  if (sip->sip_require) {
    su_home_t home[1] = {SU_HOME_INIT(home)};
    sip_unsupported_t* unsupported = sip_has_unsupported(home, nullptr, sip->sip_require);
    if (unsupported) nta_incoming_treply(irq, SIP_420_BAD_EXTENSION, SIPTAG_UNSUPPORTED(unsupported), TAG_END());
    su_home_deinit(home);
    if (unsupported) return 420;
  }
  // RFC 3261 11.2: OPTIONS answered as an INVITE would be, with our capabilities.
  nta_incoming_treply(irq, SIP_200_OK, SIPTAG_ALLOW_STR(allow), SIPTAG_ACCEPT_STR(kAccept),
                      SIPTAG_SUPPORTED_STR(kSupported), SIPTAG_USER_AGENT_STR(user_agent_.c_str()), TAG_END());
  return 200;
}

}  // namespace sipedge
