// Call intake: INVITE checks, the A leg, channel variables, auth-calls,
// the dialplan and its applications; the console's view of calls.
// SIP thread only.
#include "node/calls/call_manager.h"
#include "node/gateways/gateway_manager.h"

#include <cassert>
#include <random>

#include <spdlog/spdlog.h>

#include "node/calls/call_events.h"
#include "node/calls/sdp_filter.h"
#include "node/calls/uri_escape.h"
#include "node/common/ascii_case.h"
#include "node/config/acl_matcher.h"
#include "node/dialplan/dialplan_hunt.h"
#include "node/dialplan/variable_expansion.h"
#include "node/sip/digest_auth.h"
#include "node/sip/profile.h"
#include "store/call_store.h"
#include "store/directory_store.h"

extern "C" {
#include <sofia-sip/msg_addr.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/sip_tag.h>
#include <sofia-sip/su.h>
}

namespace sipedge {

namespace {

std::string new_uuid() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  const char* hex = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 36; ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) out += '-';
    else if (i == 14) out += '4';
    else if (i == 19) out += hex[8 + rng() % 4];
    else out += hex[rng() % 16];
  }
  return out;
}

std::string str(const char* s) { return s ? s : ""; }

bool truthy(const std::string& v) {
  return iequals(v, "true") || iequals(v, "yes") || iequals(v, "on") || v == "1";
}

std::string param_value(const ProfileConfig& c, const char* name) {
  const Param* p = c.param(name);
  return p ? p->value : "";
}

void source_of(nta_incoming_t* irq, Channel& ch) {
  msg_t* msg = nta_incoming_getrequest(irq);
  if (!msg) return;
  if (su_addrinfo_t* ai = msg_addrinfo(msg); ai && ai->ai_addr) {
    char buf[64] = {};
    auto* sa = reinterpret_cast<su_sockaddr_t*>(ai->ai_addr);
    su_inet_ntop(sa->su_family, SU_ADDR(sa), buf, sizeof buf);
    ch.network_ip = buf;
    if (ch.network_ip.rfind("::ffff:", 0) == 0 && ch.network_ip.find('.') != std::string::npos)
      ch.network_ip = ch.network_ip.substr(7);
    ch.network_port = ntohs(sa->su_port);
    ch.transport = ai->ai_protocol == IPPROTO_TCP ? "tcp" : "udp";
  }
  msg_destroy(msg);
}

}  // namespace

const char* channel_state_name(ChannelState state) {
  switch (state) {
    case ChannelState::init: return "init";
    case ChannelState::early: return "early";
    case ChannelState::confirmed: return "confirmed";
    case ChannelState::terminating: return "terminating";
    case ChannelState::terminated: return "terminated";
  }
  return "?";
}

std::string Channel::next_hop() const {
  if (network_ip.empty() || network_port == 0) return "";
  std::string host = network_ip.find(':') != std::string::npos ? "[" + network_ip + "]" : network_ip;
  return "sip:" + host + ":" + std::to_string(network_port) + ";transport=" + transport;
}

CallManager::CallManager(SipLoop& loop, EventBus& bus, CallServices services)
    : loop_(loop), bus_(bus), services_(std::move(services)) {
  alive_ = alive_token_;
}

CallManager::~CallManager() = default;

CallPtr CallManager::find(const std::string& uuid) const {
  auto it = calls_.find(uuid);
  return it == calls_.end() ? nullptr : it->second;
}

Channel* CallManager::other_leg(Call& call, Channel& leg) {
  if (&leg == &call.a) return call.b;
  return &call.a;
}

int CallManager::on_invite(Profile& profile, nta_incoming_t* irq, sip_t const* sip) {
  assert(loop_.in_thread());
  // RFC 3261 12.2.2: an in-dialog request for a dialog we do not know.
  if (sip->sip_to && sip->sip_to->a_tag) return 481;
  // RFC 3261 16.3 / 8.2: a request that may not travel further.
  if (sip->sip_max_forwards && sip->sip_max_forwards->mf_count == 0) {
    nta_incoming_treply(irq, SIP_483_TOO_MANY_HOPS, TAG_END());
    return 483;
  }
  // RFC 3261 8.2.2.3: we implement no extension a caller may require.
  if (sip->sip_require) {
    su_home_t home[1] = {SU_HOME_INIT(home)};
    sip_unsupported_t* unsupported = sip_has_unsupported(home, nullptr, sip->sip_require);
    if (unsupported) nta_incoming_treply(irq, SIP_420_BAD_EXTENSION, SIPTAG_UNSUPPORTED(unsupported), TAG_END());
    su_home_deinit(home);
    if (unsupported) return 420;
  }
  // RFC 4028 5: a session interval below our minimum gets 422 with Min-SE.
  constexpr unsigned long kMinSessionExpires = 90;
  if (sip->sip_session_expires && sip->sip_session_expires->x_delta < kMinSessionExpires) {
    nta_incoming_treply(irq, 422, "Session Interval Too Small", SIPTAG_MIN_SE_STR("90"), TAG_END());
    return 422;
  }
  std::string offer;
  if (sip->sip_payload && sip->sip_payload->pl_len > 0) {
    if (!sip->sip_content_type || !iequals(str(sip->sip_content_type->c_type), "application/sdp")) {
      nta_incoming_treply(irq, SIP_415_UNSUPPORTED_MEDIA, SIPTAG_ACCEPT_STR("application/sdp"), TAG_END());
      return 415;
    }
    offer.assign(sip->sip_payload->pl_data, sip->sip_payload->pl_len);
    try {
      filter_answer(offer);  // parses: malformed SDP is refused before anything is set up
    } catch (const SdpError& e) {
      nta_incoming_treply(irq, (e.sip_status)(), (e.sip_status)() == 400 ? "Malformed SDP" : "Not Acceptable Here",
                          TAG_END());
      return (e.sip_status)();
    }
  }

  auto call = std::make_shared<Call>();
  call->manager = this;
  call->uuid = new_uuid();
  call->profile_name = profile.name();
  Channel& a = call->a;
  a.call = call.get();
  a.uuid = call->uuid;
  a.inbound = true;
  a.profile_name = profile.name();
  a.remote_sdp = offer;
  source_of(irq, a);

  // The A leg's dialog (reference: sofia-sip.md "Incoming INVITE").
  nta_agent_t* agent = profile.agent();
  a.leg = nta_leg_tcreate(agent, &CallManager::on_a_request, reinterpret_cast<nta_leg_magic_t*>(&a),
                          SIPTAG_CALL_ID(sip->sip_call_id), SIPTAG_FROM(sip->sip_to), SIPTAG_TO(sip->sip_from),
                          NTATAG_REMOTE_CSEQ(sip->sip_cseq->cs_seq), TAG_END());
  if (!a.leg) return 500;
  nta_leg_tag(a.leg, nta_incoming_tag(irq, nullptr));
  nta_leg_server_route(a.leg, sip->sip_record_route, sip->sip_contact);
  a.invite = irq;
  nta_incoming_bind(irq, &CallManager::on_a_ack_cancel, reinterpret_cast<nta_incoming_magic_t*>(&a));
  nta_incoming_treply(irq, SIP_100_TRYING, TAG_END());
  a.state = ChannelState::early;
  a.call_id = str(sip->sip_call_id->i_id);
  a.contact = "<" + profile.status().url + ">";
  {
    su_home_t home[1] = {SU_HOME_INIT(home)};
    a.local_uri = str(url_as_string(home, sip->sip_to->a_url));
    a.remote_uri = str(url_as_string(home, sip->sip_from->a_url));
    su_home_deinit(home);
  }
  a.remote_tag = str(sip->sip_from->a_tag);

  // Channel variables (reference §5).
  url_t const* from = sip->sip_from->a_url;
  url_t const* to = sip->sip_to->a_url;
  url_t const* ruri = sip->sip_request->rq_url;
  ChannelVariables& v = a.vars;
  v["uuid"] = a.uuid;
  v["direction"] = "inbound";
  v["sip_profile_name"] = profile.name();
  v["sip_from_user"] = unescape_uri_user(str(from->url_user));
  v["sip_from_host"] = str(from->url_host);
  v["sip_to_user"] = unescape_uri_user(str(to->url_user));
  v["sip_to_host"] = str(to->url_host);
  v["sip_req_user"] = unescape_uri_user(str(ruri->url_user));
  v["sip_req_host"] = str(ruri->url_host);
  {
    su_home_t home[1] = {SU_HOME_INIT(home)};
    v["sip_req_uri"] = str(url_as_string(home, ruri));
    su_home_deinit(home);
  }
  v["sip_call_id"] = a.call_id;
  v["sip_network_ip"] = a.network_ip;
  v["sip_network_port"] = std::to_string(a.network_port);
  v["network_addr"] = a.network_ip;
  v["caller_id_name"] = sip->sip_from->a_display ? str(sip->sip_from->a_display) : v["sip_from_user"];
  if (v["caller_id_name"].size() >= 2 && v["caller_id_name"].front() == '"')
    v["caller_id_name"] = v["caller_id_name"].substr(1, v["caller_id_name"].size() - 2);
  v["caller_id_number"] = v["sip_from_user"];
  v["ani"] = v["sip_from_user"];
  v["destination_number"] = v["sip_req_user"];
  v["context"] = profile.config().context;
  v["dialplan"] = profile.config().dialplan;
  v["domain_name"] = services_.default_domain.empty() ? v["sip_to_host"] : services_.default_domain;
  if (sip->sip_user_agent) v["sip_user_agent"] = str(sip->sip_user_agent->g_string);
  if (sip->sip_session_expires) {
    std::string se = std::to_string(sip->sip_session_expires->x_delta);
    if (sip->sip_session_expires->x_refresher) se += ";refresher=" + str(sip->sip_session_expires->x_refresher);
    v["sip_session_expires_requested"] = se;
    v["sip_session_expires"] = std::to_string(sip->sip_session_expires->x_delta);
    if (sip->sip_min_se) v["sip_min_se"] = std::to_string(sip->sip_min_se->min_delta);
    bool supports_timer = false;
    for (sip_supported_t const* k = sip->sip_supported; k; k = k->k_next)
      for (msg_param_t const* item = k->k_items; item && *item; ++item)
        if (iequals(*item, "timer")) supports_timer = true;
    if (supports_timer) v["sip_session_timer_supported"] = "true";
  }
  // Every inbound X- and P- header as sip_h_<Name> (copied to the B leg unless unset).
  for (sip_unknown_t const* u = sip->sip_unknown; u; u = u->un_next) {
    std::string name = str(u->un_name);
    if (istarts_with(name, "X-") || istarts_with(name, "P-")) v["sip_h_" + name] = str(u->un_value);
  }

  // A call from one of our gateways (mod_sofia): its context and inbound variables.
  if (services_.gateways) {
    std::string gw_name;
    if (ruri->url_params) {
      char buf[128] = {};
      if (url_param(ruri->url_params, "gw", buf, sizeof buf) > 0) gw_name = buf;
    }
    if (Gateway* gw = services_.gateways->match_inbound(profile.name(), str(ruri->url_user), gw_name, a.network_ip, a.network_port)) {
      const GatewayConfig& gc = gw->config();
      v["sip_gateway_name"] = gc.name;
      v["sip_gateway"] = gc.name;
      if (!gc.context.empty()) v["context"] = gc.context;
      // Sent to our gw+NAME contact: the number is the gateway's extension
      // when one is configured, otherwise the To user (what the carrier called).
      if (str(ruri->url_user) == "gw+" + gc.name)
        v["destination_number"] = gc.extension_explicit ? gc.extension : v["sip_to_user"];
      for (const GatewayVariable* var : gc.variables_for("inbound")) v[var->name] = var->value;
      gw->count_call(true);
    }
  }

  calls_[call->uuid] = call;
  ++profile.counters().calls_in;
  ++profile.counters().inuse;
  fire("CHANNEL_CREATE", *call, a);
  authenticate_then_route(call, sip, profile);
  return 0;
}

void CallManager::authenticate_then_route(const CallPtr& call, sip_t const* sip, Profile& profile) {
  const ProfileConfig& config = profile.config();
  Channel& a = call->a;
  const auto& acl = profile.services().acl;
  // apply-proxy-acl: a trusted proxy asserts the caller's address in X-AUTH-IP.
  std::string source_ip = a.network_ip;
  if (acl && !a.var("sip_h_X-AUTH-IP").empty()) {
    for (const std::string& list : config.proxy_acls) {
      if (acl->allows(list, a.network_ip)) {
        source_ip = a.var("sip_h_X-AUTH-IP");
        a.vars["sip_network_ip"] = source_ip;
        a.vars["network_addr"] = source_ip;
        break;
      }
    }
  }
  // apply-inbound-acl: a match authenticates the call (and may choose its context).
  for (const InboundAcl& rule : config.inbound_acls) {
    if (acl && acl->allows(rule.acl, source_ip)) {
      if (!rule.pass_context.empty()) a.vars["context"] = rule.pass_context;
      route(call);
      return;
    }
    if (!rule.fail_context.empty()) a.vars["context"] = rule.fail_context;
  }
  if (!truthy(param_value(config, "auth-calls"))) {
    route(call);
    return;
  }
  // auth-calls: challenge with 407 against the directory (RFC 3261 22.3).
  if (!auth_) {
    std::string key = services_.auth_master_key.empty() ? new_uuid() + new_uuid() : services_.auth_master_key;
    auth_ = std::make_unique<DigestAuth>(loop_, key, 60);
  }
  std::string realm = param_value(config, "challenge-realm");
  if (realm.empty() || iequals(realm, "auto_to") || iequals(realm, "auto_from"))
    realm = iequals(realm, "auto_to") ? a.var("sip_to_host") : a.var("sip_from_host");
  auto credentials = auth_->credentials(sip, realm, 407);
  NonceCheck check = credentials ? auth_->check_nonce(*credentials) : NonceCheck::invalid;
  if (!credentials || check != NonceCheck::valid || !services_.directory) {
    std::string challenge = auth_->challenge(realm, check == NonceCheck::stale, 407);
    nta_incoming_treply(a.invite, SIP_407_PROXY_AUTH_REQUIRED, SIPTAG_PROXY_AUTHENTICATE_STR(challenge.c_str()),
                        TAG_END());
    a.invite = nullptr;
    release(call);
    return;
  }
  std::string domain = param_value(config, "force-register-domain");
  if (domain.empty()) domain = realm;
  std::weak_ptr<Call> weak = call;
  SipLoop* loop = &loop_;
  std::weak_ptr<bool> alive = alive_;
  services_.directory->find(
      domain, credentials->username,
      [this, weak, loop, alive, c = *credentials](std::optional<DirectoryUser> user) {
        bool ok = false;
        if (user && user->enabled) {
          std::string ha1 = !user->password.empty() ? DigestAuth::ha1(c.username, c.realm, user->password) : user->a1_hash;
          ok = DigestAuth::verify(c, ha1);
        }
        loop->post([this, weak, alive, ok, user, c] {
          auto call = weak.lock();
          if (!alive.lock() || !call || call->ending || !call->a.invite) return;
          if (!ok) {
            // Wrong password, unknown or disabled user: the same 403 (no user enumeration).
            nta_incoming_treply(call->a.invite, SIP_403_FORBIDDEN, TAG_END());
            nta_incoming_destroy(call->a.invite);
            call->a.invite = nullptr;
            hangup(call, HangupCause::call_rejected, nullptr);
            return;
          }
          call->a.vars["sip_auth_username"] = c.username;
          call->a.vars["sip_auth_realm"] = c.realm;
          for (const auto& [name, value] : user->variables) call->a.vars[name] = value;
          route(call);
        });
      },
      [this, weak, loop, alive](const std::string& error) {
        loop->post([this, weak, alive, error] {
          auto call = weak.lock();
          if (!alive.lock() || !call || call->ending) return;
          spdlog::warn("call {}: directory unavailable: {}", call->uuid, error);
          hangup(call, HangupCause::normal_temporary_failure, nullptr);
        });
      });
}

void CallManager::route(const CallPtr& call) {
  auto dialplan = services_.dialplan ? services_.dialplan() : nullptr;
  Channel& a = call->a;
  VariableLookup lookup = [&a](std::string_view name) -> std::optional<std::string> {
    auto it = a.vars.find(std::string(name));
    if (it == a.vars.end()) return std::nullopt;
    return it->second;
  };
  std::optional<HuntResult> result;
  if (dialplan) result = hunt(*dialplan, a.var("context"), lookup);
  if (!result || result->actions.empty()) {
    spdlog::info("call {}: no route for {} in context {}", call->uuid, a.var("destination_number"), a.var("context"));
    hangup(call, HangupCause::no_route_destination, nullptr);
    return;
  }
  for (const DialplanAction& action : result->inline_actions) {
    if (action.app == DialplanApp::set) {
      SetArgs args = parse_set(expand_variables(action.data, lookup));
      if (args.value) a.vars[args.name] = *args.value; else a.vars.erase(args.name);
    }
  }
  call->actions = std::move(result->actions);
  call->next_action = 0;
  run_actions(call);
}

void CallManager::run_actions(const CallPtr& call) {
  Channel& a = call->a;
  VariableLookup lookup = [&a](std::string_view name) -> std::optional<std::string> {
    auto it = a.vars.find(std::string(name));
    if (it == a.vars.end()) return std::nullopt;
    return it->second;
  };
  while (!call->ending && call->next_action < call->actions.size()) {
    const DialplanAction& action = call->actions[call->next_action++];
    std::string data = expand_variables(action.data, lookup);
    try {
      switch (action.app) {
        case DialplanApp::set: {
          SetArgs args = parse_set(data);
          if (args.value) a.vars[args.name] = *args.value; else a.vars.erase(args.name);
          break;
        }
        case DialplanApp::export_: {
          ExportArgs args = parse_export(data);
          if (args.value) {
            if (args.local) a.vars[args.name] = *args.value;
            a.vars["export_vars"] += (a.vars["export_vars"].empty() ? "" : ",") + args.name;
            a.vars["__export_" + args.name] = *args.value;
          }
          break;
        }
        case DialplanApp::unset:
          a.vars.erase(parse_unset(data));
          break;
        case DialplanApp::log: {
          LogArgs args = parse_log(data);
          spdlog::info("call {}: {}", call->uuid, args.message);
          break;
        }
        case DialplanApp::hangup: {
          HangupCause cause = HangupCause::normal_clearing;
          if (!data.empty()) {
            if (auto c = cause_from_name(data)) cause = *c;
          }
          hangup(call, cause, nullptr);
          return;
        }
        case DialplanApp::respond: {
          RespondArgs args = parse_respond(data);
          if (a.invite && args.code >= 100 && args.code < 200) {
            nta_incoming_treply(a.invite, args.code, args.reason.empty() ? nullptr : args.reason.c_str(), TAG_END());
            break;
          }
          if (a.invite && args.code >= 300) {
            nta_incoming_treply(a.invite, args.code, args.reason.empty() ? nullptr : args.reason.c_str(), TAG_END());
            nta_incoming_destroy(a.invite);
            a.invite = nullptr;
            hangup(call, sip_to_cause(args.code), nullptr);
            return;
          }
          break;
        }
        case DialplanApp::bridge:
          bridge(call, data);
          return;  // resumes here (next action) if the bridge fails and continue_on_fail says so
      }
    } catch (const std::exception& e) {
      spdlog::warn("call {}: {} {}: {}", call->uuid, dialplan_app_name(action.app), data, e.what());
    }
  }
  if (!call->ending && !call->answered) hangup(call, call->last_cause == HangupCause::none ? HangupCause::normal_clearing : call->last_cause, nullptr);
}

std::vector<CallSnapshot> CallManager::snapshot() const {
  std::vector<CallSnapshot> out;
  for (const auto& [uuid, call] : calls_) {
    CallSnapshot s;
    s.uuid = uuid;
    s.profile = call->profile_name;
    s.state = call->answered ? "ACTIVE" : call->ending ? "HANGUP" : "RINGING";
    s.caller_id_name = call->a.var("caller_id_name");
    s.caller_id_number = call->a.var("caller_id_number");
    s.destination_number = call->a.var("destination_number");
    s.a_call_id = call->a.call_id;
    if (call->b) {
      s.b_uuid = call->b->uuid;
      s.b_call_id = call->b->call_id;
      s.callee = call->b->remote_uri;
    }
    s.created_at = call->created_at;
    out.push_back(std::move(s));
  }
  return out;
}

bool CallManager::kill(const std::string& uuid, HangupCause cause) {
  for (auto& [id, call] : calls_) {
    if (id == uuid || (call->b && call->b->uuid == uuid)) {
      hangup(call, cause, nullptr);
      return true;
    }
  }
  return false;
}

std::size_t CallManager::hangup_all(HangupCause cause) {
  std::vector<CallPtr> all;
  for (auto& [id, call] : calls_) all.push_back(call);
  for (auto& call : all) hangup(call, cause, nullptr);
  return all.size();
}

std::size_t CallManager::hangup_unanswered(HangupCause cause) {
  std::vector<CallPtr> ringing;
  for (auto& [id, call] : calls_)
    if (!call->answered) ringing.push_back(call);
  for (auto& call : ringing) hangup(call, cause, nullptr);
  return ringing.size();
}

void CallManager::fire(const char* name, const Call& call, const Channel& channel, HangupCause cause) {
  bus_.publish(channel_event(name, call, channel, cause));
}

}  // namespace sipedge
