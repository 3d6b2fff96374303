// The bridge application: dial strings to targets, forks rung at once,
// groups tried in turn, call_timeout. SIP thread only.
#include <cassert>

#include <spdlog/spdlog.h>

#include "node/calls/call_manager.h"
#include "node/calls/gateway_target.h"
#include "node/calls/sdp_filter.h"
#include "node/gateways/gateway_manager.h"
#include "node/calls/uri_escape.h"
#include "node/common/ascii_case.h"
#include "node/sip/contact_url.h"
#include "node/sip/profile.h"
#include "store/registration_store.h"

extern "C" {
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/sip_tag.h>
#include <sofia-sip/su_wait.h>
}

namespace sipedge {

namespace {

bool truthy(const std::string& v) {
  return iequals(v, "true") || iequals(v, "yes") || iequals(v, "on") || v == "1";
}

std::string param_value(const ProfileConfig& c, const char* name) {
  const Param* p = c.param(name);
  return p ? p->value : "";
}

// "sip:1000@127.0.0.1:5062;transport=udp" → parts a DialLeg can carry.
DialLeg leg_for_binding(const DialLeg& base, const Binding& b) {
  DialLeg leg = base;
  leg.kind = EndpointKind::sofia_uri;
  leg.profile = b.profile_name;
  std::string uri = request_url_from_contact(b.contact);
  std::string_view rest = strip_scheme(uri);
  auto at = rest.find('@');
  std::string hostpart(at == std::string_view::npos ? rest : rest.substr(at + 1));
  leg.user = at == std::string_view::npos ? "" : std::string(rest.substr(0, at));
  auto semi = hostpart.find(';');
  leg.params = semi == std::string::npos ? "" : hostpart.substr(semi + 1);
  hostpart = hostpart.substr(0, semi);
  auto colon = hostpart.rfind(':');
  if (colon != std::string::npos && hostpart.find(']') == std::string::npos) {
    leg.port = std::atoi(hostpart.c_str() + colon + 1);
    hostpart = hostpart.substr(0, colon);
  }
  leg.host = hostpart;
  // Reach the phone where its REGISTER came from (NAT, TCP flows): next hop.
  std::string transport = b.network_transport.empty() ? "udp" : b.network_transport;
  leg.fs_path = "sip:" + b.network_ip + ":" + std::to_string(b.network_port) + ";transport=" + transport;
  leg.transport = transport;
  return leg;
}

// A codec list from the config; a malformed one is logged and ignored (no filter).
CodecPrefs codec_prefs(const std::string& text) {
  try {
    return parse_codec_prefs(text);
  } catch (const std::exception& e) {
    spdlog::warn("codec preferences \"{}\" ignored: {}", text, e.what());
    return {};
  }
}

}  // namespace

void CallManager::bridge(const CallPtr& call, const std::string& dial_string) {
  DialStringOptions options;
  options.default_domain = call->a.var("domain_name");
  try {
    call->dial = parse_dial_string(dial_string, options);
  } catch (const DialStringError& e) {
    spdlog::warn("call {}: bridge {}: {}", call->uuid, dial_string, e.what());
    call->last_cause = e.cause();
    group_failed(call);
    return;
  }
  call->next_group = 0;
  // call_timeout (default 60 s): give up ringing (NO_ANSWER).
  int timeout = 60;
  if (auto t = call->a.var("call_timeout"); !t.empty()) timeout = std::max(1, std::atoi(t.c_str()));
  if (auto it = call->dial.vars.find("call_timeout"); it != call->dial.vars.end())
    timeout = std::max(1, std::atoi(it->second.c_str()));
  if (!call->ring_timer) {
    call->ring_timer = su_timer_create(su_root_task(loop_.root()), 0);
    su_timer_set_at(call->ring_timer,
                    [](su_root_magic_t*, su_timer_t*, su_timer_arg_t* arg) {
                      Call* c = reinterpret_cast<Call*>(arg);
                      CallPtr call = c->manager->find(c->uuid);
                      if (!call || call->answered || call->ending) return;
                      spdlog::info("call {}: no answer within call_timeout", call->uuid);
                      call->manager->hangup(call, HangupCause::no_answer, nullptr);
                    },
                    reinterpret_cast<su_timer_arg_t*>(call.get()), su_time_add(su_now(), su_duration_t(timeout * 1000)));
  }
  ring_next_group(call);
}

void CallManager::ring_next_group(const CallPtr& call) {
  if (call->ending) return;
  if (call->next_group >= call->dial.groups.size()) {
    group_failed(call);
    return;
  }
  const DialGroup& group = call->dial.groups[call->next_group++];
  std::weak_ptr<Call> weak = call;
  resolve_group(call, group, [this, weak](std::vector<DialLeg> targets, HangupCause cause) {
    auto call = weak.lock();
    if (!call || call->ending) return;
    if (targets.empty()) {
      call->last_cause = cause == HangupCause::none ? HangupCause::user_not_registered : cause;
      ring_next_group(call);
      return;
    }
    ring_targets(call, std::move(targets));
  });
}

// Turns a group's legs into concrete targets; user/ and registered legs need
// the registrations (a database read), so the answer may come later.
void CallManager::resolve_group(const CallPtr& call, const DialGroup& group,
                                std::function<void(std::vector<DialLeg>, HangupCause)> done) {
  struct Pending {
    std::vector<DialLeg> targets;
    HangupCause cause = HangupCause::none;
    std::size_t waiting = 0;
    std::function<void(std::vector<DialLeg>, HangupCause)> done;
  };
  auto pending = std::make_shared<Pending>();
  pending->done = std::move(done);
  std::vector<const DialLeg*> lookups;
  for (const DialLeg& leg : group.legs) {
    switch (leg.kind) {
      case EndpointKind::sofia_uri:
        pending->targets.push_back(leg);
        break;
      case EndpointKind::error:
        pending->cause = leg.error_cause;
        break;
      case EndpointKind::gateway: {
        Gateway* gw = services_.gateways ? services_.gateways->find(leg.gateway) : nullptr;
        if (!gw) {
          spdlog::warn("call {}: sofia/gateway/{}: no such gateway", call->uuid, leg.gateway);
          pending->cause = HangupCause::invalid_gateway;
        } else if (!gw->up()) {
          spdlog::warn("call {}: sofia/gateway/{}: the gateway is DOWN", call->uuid, leg.gateway);
          gw->count_failed(false);
          pending->cause = HangupCause::gateway_down;
        } else {
          pending->targets.push_back(gateway_target(leg, gw->config(), gw->contact_uri()));
        }
        break;
      }
      case EndpointKind::user:
      case EndpointKind::registered:
        lookups.push_back(&leg);
        break;
    }
  }
  if (lookups.empty() || !services_.registrations) {
    if (!lookups.empty()) pending->cause = HangupCause::user_not_registered;
    pending->done(std::move(pending->targets), pending->cause);
    return;
  }
  pending->waiting = lookups.size();
  SipLoop* loop = &loop_;
  std::weak_ptr<bool> alive = alive_;
  for (const DialLeg* leg : lookups) {
    BindingFilter filter;
    filter.sip_user = leg->user;
    filter.sip_host = leg->host.empty() ? call->a.var("domain_name") : leg->host;
    if (leg->kind == EndpointKind::registered) filter.profile_name = leg->profile;
    std::string exclude = leg->vars.count("sip_exclude_contact") ? leg->vars.at("sip_exclude_contact")
                                                                 : call->a.var("sip_exclude_contact");
    DialLeg base = *leg;
    auto finish = [pending]() {
      if (--pending->waiting == 0) {
        HangupCause cause = pending->cause == HangupCause::none && pending->targets.empty()
                                ? HangupCause::user_not_registered
                                : pending->cause;
        pending->done(std::move(pending->targets), cause);
      }
    };
    services_.registrations->list(
        filter,
        [loop, alive, pending, base, exclude, finish](std::vector<Binding> bindings) {
          loop->post([alive, pending, base, exclude, finish, bindings = std::move(bindings)] {
            if (!alive.lock()) return;
            for (const Binding& b : bindings) {
              // sip_exclude_contact: do not ring the contact the call came from.
              if (!exclude.empty() && b.contact.find(exclude) != std::string::npos) continue;
              pending->targets.push_back(leg_for_binding(base, b));
            }
            finish();
          });
        },
        [loop, alive, pending, finish](const std::string& error) {
          loop->post([alive, pending, finish, error] {
            if (!alive.lock()) return;
            spdlog::warn("registrations unavailable for a bridge: {}", error);
            pending->cause = HangupCause::normal_temporary_failure;
            finish();
          });
        });
  }
}

void CallManager::ring_targets(const CallPtr& call, std::vector<DialLeg> targets) {
  for (const DialLeg& target : targets) send_invite(call, target);
  bool any = false;
  for (const auto& fork : call->forks)
    if (!fork->finished) any = true;
  if (!any) ring_next_group(call);
}

void CallManager::send_invite(const CallPtr& call, const DialLeg& target) {
  Channel& a = call->a;
  std::string profile_name = target.profile.empty() ? call->profile_name : target.profile;
  Profile* profile = services_.find_profile ? services_.find_profile(profile_name) : nullptr;
  if (!profile || !profile->agent()) {
    spdlog::warn("call {}: bridge to {}: no running profile {}", call->uuid, target.raw, profile_name);
    call->last_cause = HangupCause::chan_not_implemented;
    return;
  }
  auto fork = std::make_unique<Fork>();
  fork->channel = std::make_unique<Channel>();
  Channel& b = *fork->channel;
  b.call = call.get();
  b.uuid = a.uuid;  // replaced below
  b.inbound = false;
  b.profile_name = profile_name;
  // Variables of the B leg: {..}/[..] of the dial string and the exported ones.
  for (const auto& [k, val] : target.vars) b.vars[k] = val;
  std::string exported = a.var("export_vars");
  for (size_t pos = 0; pos < exported.size();) {
    size_t comma = exported.find(',', pos);
    std::string name = exported.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    if (!name.empty()) b.vars[name] = a.var("__export_" + name);
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  static std::uint64_t counter = 0;
  b.uuid = call->uuid.substr(0, 24) + [] {
    char buf[13];
    std::snprintf(buf, sizeof buf, "%012llx", static_cast<unsigned long long>(++counter & 0xffffffffffffULL));
    return std::string(buf);
  }();
  b.vars["uuid"] = b.uuid;
  b.vars["direction"] = "outbound";

  ProfileStatus ps = profile->status();
  std::string host = ps.ext_sip_ip.empty() ? ps.sip_ip : ps.ext_sip_ip;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  std::string contact_user = b.vars.count("sip_contact_user") ? b.vars["sip_contact_user"]
                             : !a.var("sip_contact_user").empty() ? a.var("sip_contact_user") : "mod_sofia";
  b.contact = target.contact.empty() ? "<sip:" + contact_user + "@" + host + ":" + std::to_string(ps.port) + ">"
                                     : "<" + target.contact + ">";

  std::string ruri = target.uri();
  std::string to_user = target.to_user.empty() ? target.user : target.to_user;
  std::string to_host = target.to_host.empty() ? target.host : target.to_host;
  std::string to = "<sip:" + escape_uri_user(to_user) + "@" + to_host + ">";
  std::string cid_name = a.var("caller_id_name"), cid_number = a.var("caller_id_number");
  if (auto it = b.vars.find("origination_caller_id_name"); it != b.vars.end()) cid_name = it->second;
  if (auto it = b.vars.find("origination_caller_id_number"); it != b.vars.end()) cid_number = it->second;
  // A gateway leg brings its own From user/host (from-user, from-domain, caller-id-in-from).
  std::string from_user = target.from_user.empty() ? escape_uri_user(cid_number) : escape_uri_user(target.from_user);
  std::string from_host = target.from_host.empty() ? host : target.from_host;
  std::string from = (cid_name.empty() ? "" : "\"" + cid_name + "\" ") + "<sip:" + from_user + "@" + from_host + ">";

  b.leg = nta_leg_tcreate(profile->agent(), &CallManager::on_b_request, reinterpret_cast<nta_leg_magic_t*>(&b),
                          SIPTAG_FROM_STR(from.c_str()), SIPTAG_TO_STR(to.c_str()), TAG_END());
  if (!b.leg) return;
  nta_leg_tag(b.leg, nullptr);

  // Extra headers (reference §5): sip_h_* of the B leg's variables, and the
  // caller's X- headers unless unset or sip_copy_custom_headers=false.
  std::string extra;
  auto add = [&extra](const std::string& name, const std::string& value) { extra += name + ": " + value + "\r\n"; };
  bool copy_custom = !(iequals(a.var("sip_copy_custom_headers"), "false"));
  std::map<std::string, std::string> headers;
  if (copy_custom)
    for (const auto& [k, val] : a.vars)
      if (k.rfind("sip_h_X-", 0) == 0 || k.rfind("sip_h_x-", 0) == 0) headers[k.substr(6)] = val;
  for (const auto& [k, val] : b.vars)
    if (k.rfind("sip_h_", 0) == 0) headers[k.substr(6)] = val;
  for (const auto& [k, val] : headers) add(k, val);

  // The offer: the caller's SDP filtered by codec preferences.
  std::string offer = a.remote_sdp;
  if (!offer.empty()) {
    Profile* a_profile = services_.find_profile ? services_.find_profile(call->profile_name) : nullptr;
    std::string in = a_profile ? param_value(a_profile->config(), "inbound-codec-prefs") : "";
    if (in.empty() && a_profile) in = param_value(a_profile->config(), "codec-prefs");
    const ProfileConfig& pc = profile->config();
    std::string out = param_value(pc, "outbound-codec-prefs");
    if (out.empty()) out = param_value(pc, "codec-prefs");
    if (auto it = b.vars.find("absolute_codec_string"); it != b.vars.end()) out = it->second;
    try {
      if (truthy(param_value(pc, "disable-transcoding"))) {
        // Only the caller's preferred codec among those we allow is offered.
        OfferFilterOptions only_first;
        only_first.disable_transcoding = true;
        offer = filter_offer(offer, codec_prefs(!out.empty() ? out : in), only_first);
      } else {
        // What we take from the caller (inbound-codec-prefs), then what we offer the callee.
        offer = filter_offer(filter_offer(offer, codec_prefs(in)), codec_prefs(out));
      }
    } catch (const SdpError& e) {
      spdlog::info("call {}: offer to {}: {}", call->uuid, ruri, e.what());
      call->last_cause = HangupCause::incompatible_destination;
      nta_leg_destroy(b.leg);
      return;
    }
  }
  b.local_sdp = offer;
  std::string next_hop = target.fs_path.empty() ? "" : target.fs_path;
  if (!next_hop.empty() && next_hop.rfind("sip", 0) != 0) next_hop = "sip:" + next_hop;
  // Where the request goes: remember it as the peer's address for in-dialog requests.
  if (!next_hop.empty()) {
    std::string_view rest = strip_scheme(next_hop);
    auto semi = rest.find(';');
    std::string hp(rest.substr(0, semi));
    auto colon = hp.rfind(':');
    b.network_ip = hp.substr(0, colon);
    b.network_port = colon == std::string::npos ? 5060 : std::atoi(hp.c_str() + colon + 1);
    b.transport = target.transport.empty() ? "udp" : target.transport;
  } else {
    b.network_ip = target.host;
    b.network_port = target.port ? target.port : 5060;
    b.transport = target.transport.empty() ? "udp" : target.transport;
  }
  // RFC 4028, transparently: the caller's session timer request travels on;
  // the refreshes it sends are relayed like any re-INVITE/UPDATE.
  if (!a.var("sip_session_expires_requested").empty()) {
    extra += "Session-Expires: " + a.var("sip_session_expires_requested") + "\r\n";
    if (!a.var("sip_min_se").empty()) extra += "Min-SE: " + a.var("sip_min_se") + "\r\n";
    extra += "Supported: timer\r\n";
  }
  fork->ruri = ruri;
  fork->next_hop = next_hop;
  fork->extra_headers = extra;
  fork->offer = offer;
  b.outgoing = send_fork_invite(*fork, "");
  if (!b.outgoing) {
    spdlog::warn("call {}: cannot send INVITE to {}", call->uuid, ruri);
    nta_leg_destroy(b.leg);
    call->last_cause = HangupCause::destination_out_of_order;
    return;
  }
  b.state = ChannelState::early;
  if (msg_t* req = nta_outgoing_getrequest(b.outgoing)) {
    sip_t const* sip = sip_object(req);
    if (sip && sip->sip_call_id) b.call_id = sip->sip_call_id->i_id;
    msg_destroy(req);
  }
  b.local_uri = "sip:" + from_user + "@" + from_host;
  b.remote_uri = "sip:" + escape_uri_user(to_user) + "@" + to_host;
  b.local_tag = nta_leg_get_tag(b.leg) ? nta_leg_get_tag(b.leg) : "";
  b.vars["sip_to_user"] = to_user;
  b.vars["sip_to_host"] = to_host;
  fork->call = call.get();
  fork->status = 0;
  ++profile->counters().calls_out;
  if (!target.gateway.empty() && services_.gateways)
    if (Gateway* gw = services_.gateways->find(target.gateway)) gw->count_call(false);
  call->forks.push_back(std::move(fork));
  fire("CHANNEL_CREATE", *call, b);
}

nta_outgoing_t* CallManager::send_fork_invite(Fork& fork, const std::string& authorization) {
  Channel& b = *fork.channel;
  std::string headers = fork.extra_headers + authorization;
  return nta_outgoing_tcreate(
      b.leg, &CallManager::on_b_invite_response, reinterpret_cast<nta_outgoing_magic_t*>(&fork),
      fork.next_hop.empty() ? nullptr : URL_STRING_MAKE(fork.next_hop.c_str()), SIP_METHOD_INVITE,
      URL_STRING_MAKE(fork.ruri.c_str()), SIPTAG_CONTACT_STR(b.contact.c_str()),
      TAG_IF(!headers.empty(), SIPTAG_HEADER_STR(headers.c_str())),
      TAG_IF(!fork.offer.empty(), SIPTAG_CONTENT_TYPE_STR("application/sdp")),
      TAG_IF(!fork.offer.empty(), SIPTAG_PAYLOAD_STR(fork.offer.c_str())), TAG_END());
}

void CallManager::group_failed(const CallPtr& call) {
  if (call->ending || call->answered) return;
  bool continue_on_fail = truthy(call->a.var("continue_on_fail"));
  if (continue_on_fail && call->next_action < call->actions.size()) {
    if (call->ring_timer) {
      su_timer_destroy(call->ring_timer);
      call->ring_timer = nullptr;
    }
    run_actions(call);
    return;
  }
  hangup(call, call->last_cause == HangupCause::none ? HangupCause::normal_temporary_failure : call->last_cause,
         nullptr);
}

}  // namespace sipedge
