// Answers and in-dialog requests between the legs of a call, hangup, and
// persistence of the confirmed call before its 200 OK reaches the caller.
// SIP thread only: every entry point is an nta callback or a posted task.
#include <cassert>

#include <spdlog/spdlog.h>

#include "node/calls/call_manager.h"
#include "node/calls/dialog_ack.h"
#include "node/gateways/gateway_auth.h"
#include "node/gateways/gateway_manager.h"
#include "node/sip/digest_client.h"
#include "node/calls/sdp_filter.h"
#include "node/common/ascii_case.h"
#include "node/sip/profile.h"
#include "store/call_store.h"

extern "C" {
#include <sofia-sip/auth_client.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/sip_tag.h>
}

namespace sipedge {

namespace {

std::string str(const char* s) { return s ? s : ""; }

bool truthy(const std::string& v) {
  return iequals(v, "true") || iequals(v, "yes") || iequals(v, "on") || v == "1";
}

std::string body_of(sip_t const* sip) {
  if (!sip || !sip->sip_payload || sip->sip_payload->pl_len == 0) return "";
  return std::string(sip->sip_payload->pl_data, sip->sip_payload->pl_len);
}

// "Name: value\r\n" lines from the variables with this prefix (sip_ph_, sip_rh_, sip_bye_h_).
std::string headers_from(const ChannelVariables& vars, const std::string& prefix) {
  std::string out;
  for (const auto& [k, v] : vars)
    if (k.size() > prefix.size() && k.compare(0, prefix.size(), prefix) == 0) out += k.substr(prefix.size()) + ": " + v + "\r\n";
  return out;
}

// A transaction that must outlive the call (a BYE): owns its leg and frees both when done.
struct Detached {
  nta_leg_t* leg = nullptr;
};

int detached_response(nta_outgoing_magic_t* magic, nta_outgoing_t* orq, sip_t const* sip) {
  int status = sip && sip->sip_status ? sip->sip_status->st_status : nta_outgoing_status(orq);
  if (status < 200) return 0;
  auto* d = reinterpret_cast<Detached*>(magic);
  nta_outgoing_destroy(orq);
  if (d->leg) nta_leg_destroy(d->leg);
  delete d;
  return 0;
}

// A request relayed from one leg to the other, waiting for the far answer.
struct Relay {
  CallManager* manager = nullptr;
  std::string call_uuid;
  nta_incoming_t* irq = nullptr;
  Channel* from = nullptr;
  Channel* to = nullptr;
  sip_method_t method = sip_method_unknown;
};

// The CSeq the next request on `leg` carries: nta's + 1, or 1 on a leg that never sent one.
std::uint32_t next_cseq(nta_leg_t* leg) {
  std::uint32_t seq = leg ? nta_leg_get_seq(leg) : 0;
  return seq == 0 ? 1 : seq + 1;
}

std::string url_text(url_t const* url) {
  su_home_t home[1] = {SU_HOME_INIT(home)};
  std::string out = str(url_as_string(home, url));
  su_home_deinit(home);
  return out;
}

}  // namespace

void CallManager::capture_dialog(Channel& ch) {
  if (!ch.leg) return;
  if (const char* t = nta_leg_get_tag(ch.leg)) ch.local_tag = t;
  if (const char* t = nta_leg_get_rtag(ch.leg)) ch.remote_tag = t;
  sip_route_t const* route = nullptr;
  sip_contact_t const* target = nullptr;
  if (nta_leg_get_route(ch.leg, &route, &target) >= 0) {
    ch.route_set.clear();
    for (sip_route_t const* r = route; r; r = r->r_next) {
      std::string entry = "<" + url_text(r->r_url) + ">";
      for (msg_param_t const* p = r->r_params; p && *p; ++p) entry += ";" + std::string(*p);
      ch.route_set.push_back(entry);
    }
    if (target) ch.remote_target = url_text(target->m_url);
  }
}

LegRecord CallManager::leg_record(const Call& call, const Channel& ch) const {
  LegRecord r;
  r.uuid = ch.uuid;
  r.call_uuid = call.uuid;
  r.direction = ch.inbound ? "inbound" : "outbound";
  r.profile_name = ch.profile_name;
  r.state = channel_state_name(ch.state);
  r.call_id = ch.call_id;
  r.local_uri = ch.local_uri;
  r.local_tag = ch.local_tag;
  r.remote_uri = ch.remote_uri;
  r.remote_tag = ch.remote_tag;
  r.local_cseq = ch.leg ? nta_leg_get_seq(ch.leg) : 0;
  r.remote_cseq = ch.leg ? nta_leg_get_rseq(ch.leg) : 0;
  r.remote_target = ch.remote_target;
  r.route_set = ch.route_set;
  r.contact = ch.contact;
  r.transport = ch.transport;
  r.network_ip = ch.network_ip;
  r.network_port = ch.network_port;
  r.local_sdp = ch.local_sdp;
  r.remote_sdp = ch.remote_sdp;
  for (const auto& [k, v] : ch.vars) r.variables.emplace_back(k, v);
  return r;
}

int CallManager::on_a_ack_cancel(nta_incoming_magic_t* magic, nta_incoming_t* irq, sip_t const* sip) {
  auto* a = reinterpret_cast<Channel*>(magic);
  CallManager* self = a->call->manager;
  CallPtr call = self->find(a->call->uuid);
  if (!call) return 0;
  if (sip && sip->sip_request && sip->sip_request->rq_method == sip_method_cancel) {
    // RFC 3261 9.2: answer the INVITE 487 (nta already answered the CANCEL).
    if (a->invite == irq && !call->answered) {
      nta_incoming_treply(irq, SIP_487_REQUEST_TERMINATED, TAG_END());
      nta_incoming_destroy(irq);
      a->invite = nullptr;
    }
    self->hangup(call, HangupCause::originator_cancel, a);
    return 0;
  }
  // ACK of our 2xx (or of a re-INVITE answer): the dialog is confirmed.
  if (a->invite == irq) a->invite = nullptr;
  if (call->b_ack_pending && call->b && call->b->leg) {
    call->b_ack_pending = false;
    std::string answer = body_of(sip);
    Channel& b = *call->b;
    if (!answer.empty()) {
      a->remote_sdp = answer;
      b.local_sdp = answer;
    }
    call->b_ack_sdp = answer;
    send_ack(b, call->b_ack_cseq, URL_STRING_MAKE(call->b_ack_target.c_str()), answer);
  }
  nta_incoming_destroy(irq);
  return 0;
}

int CallManager::on_b_invite_response(nta_outgoing_magic_t* magic, nta_outgoing_t* orq, sip_t const* sip) {
  auto* fork = reinterpret_cast<Fork*>(magic);
  CallManager* self = fork->call->manager;
  CallPtr call = self->find(fork->call->uuid);
  int status = sip && sip->sip_status ? sip->sip_status->st_status : nta_outgoing_status(orq);
  if (!call) return 0;
  Channel& b = *fork->channel;
  if (status < 200) {
    if (status > 100 && sip && sip->sip_to && sip->sip_to->a_tag && b.leg) {
      nta_leg_rtag(b.leg, sip->sip_to->a_tag);
      nta_leg_client_reroute(b.leg, sip->sip_record_route, sip->sip_contact, 1);
    }
    Channel& a = call->a;
    if (status > 100 && a.invite && !call->answered && !call->ending) {
      std::string sdp = body_of(sip);
      std::string ph = headers_from(b.vars, "sip_ph_") + headers_from(a.vars, "sip_ph_");
      if (!sdp.empty()) a.local_sdp = sdp;
      nta_incoming_treply(a.invite, status, sip->sip_status->st_phrase,
                          TAG_IF(!sdp.empty(), SIPTAG_CONTENT_TYPE_STR("application/sdp")),
                          TAG_IF(!sdp.empty(), SIPTAG_PAYLOAD_STR(sdp.c_str())),
                          TAG_IF(!ph.empty(), SIPTAG_HEADER_STR(ph.c_str())), TAG_END());
    }
    return 0;
  }
  if (status < 300 && sip) {
    self->b_answered(call, *fork, sip);
  } else if ((status == 401 || status == 407) && sip && self->answer_challenge(call, *fork, orq, sip, status)) {
    nta_outgoing_destroy(orq);  // the INVITE went again, with credentials
  } else {
    self->b_failed(call, *fork, status);
  }
  return 0;
}

// A 401/407 from the callee answered once with sip_auth_username/password
// (reference §5), with sofia-sip's client digest (auth_client.h). Without
// them, a call through a gateway answers with the gateway's credentials when
// the challenge comes from the gateway (mod_sofia; node/gateways/gateway_auth.h).
bool CallManager::answer_challenge(const CallPtr& call, Fork& fork, nta_outgoing_t* orq, sip_t const* sip,
                                   int status) {
  Channel& b = *fork.channel;
  if (fork.auth_tried || call->ending || call->answered) return false;
  // The B leg's own variables: {sip_auth_username=..,sip_auth_password=..} or exported ones.
  std::string user = b.var("sip_auth_username");
  std::string pass = b.var("sip_auth_password");
  const std::string gateway_name = b.var("sip_gateway_name");
  if (user.empty() && pass.empty() && !gateway_name.empty() && services_.gateways) {
    Gateway* gw = services_.gateways->find(gateway_name);
    GatewayCredentials credentials = gw ? gateway_credentials(gw->config()) : GatewayCredentials{};
    if (credentials.usable() && gw->trusts_challenge(orq, sip, status)) {
      user = credentials.username;
      pass = credentials.password;
    }
  }
  if (user.empty()) return false;
  fork.auth_tried = true;
  DigestClient digest;
  std::string authorization;
  if (digest.challenge(sip, status, user, pass)) authorization = digest.authorization("INVITE", fork.ruri, fork.offer);
  if (authorization.empty()) return false;
  b.outgoing = send_fork_invite(fork, authorization);
  if (!b.outgoing) return false;
  spdlog::info("call {}: answered the callee's {} challenge as {}", call->uuid, status, user);
  return true;
}

bool CallManager::on_stray_2xx(nta_agent_t* agent, sip_t const* sip) {
  assert(loop_.in_thread());
  if (!sip->sip_call_id || !sip->sip_from || !sip->sip_to || !sip->sip_to->a_tag || !sip->sip_contact) return false;
  // Our requests carry our tag in From, the peer's in To.
  nta_leg_t* leg = nta_leg_by_dialog(agent, nullptr, sip->sip_call_id, sip->sip_to->a_tag, nullptr,
                                     sip->sip_from->a_tag, nullptr);
  if (!leg) return false;
  auto* channel = reinterpret_cast<Channel*>(nta_leg_magic(leg, &CallManager::on_b_request));
  if (!channel) channel = reinterpret_cast<Channel*>(nta_leg_magic(leg, &CallManager::on_a_request));
  if (!channel || channel->leg != leg) return false;
  // Late offer still waiting for the caller's answer: the ACK goes once it arrives.
  if (channel->call && channel->call->b_ack_pending && channel->call->b == channel) return false;
  if (!send_2xx_ack(*channel, sip)) return false;
  spdlog::debug("call {}: ACKed a retransmitted {} to INVITE (CSeq {})", channel->uuid, sip->sip_status->st_status,
                sip->sip_cseq->cs_seq);
  return true;
}

void CallManager::b_answered(const CallPtr& call, Fork& fork, sip_t const* sip) {
  Channel& b = *fork.channel;
  fork.finished = true;
  fork.status = sip->sip_status->st_status;
  if (b.leg && sip->sip_to && sip->sip_to->a_tag) {
    nta_leg_rtag(b.leg, sip->sip_to->a_tag);
    nta_leg_client_reroute(b.leg, sip->sip_record_route, sip->sip_contact, 1);
  }
  bool late_offer = call->a.remote_sdp.empty() && !call->answered && !call->ending && call->a.invite;
  if (late_offer && b.leg && sip->sip_contact && !body_of(sip).empty()) {
    // The caller answers the callee's offer in its ACK: hold our ACK until then.
    call->b_ack_pending = true;
    call->b_ack_cseq = sip->sip_cseq->cs_seq;
    call->b_ack_target = url_text(sip->sip_contact->m_url);
  } else if (b.leg && sip->sip_contact) {
    // RFC 3261 13.2.2.4: ACK every 2xx, even one we do not want.
    send_2xx_ack(b, sip);
  }
  if (b.outgoing) {
    nta_outgoing_destroy(b.outgoing);
    b.outgoing = nullptr;
  }
  if (call->answered || call->ending || !call->a.invite) {
    // Another fork won, or the caller went away: this callee gets a BYE.
    b.state = ChannelState::confirmed;
    if (b.leg) {
      auto* d = new Detached{b.leg};
      std::string hop = b.next_hop();
      nta_outgoing_t* bye = nta_outgoing_tcreate(b.leg, detached_response, reinterpret_cast<nta_outgoing_magic_t*>(d),
                                                 hop.empty() ? nullptr : URL_STRING_MAKE(hop.c_str()), SIP_METHOD_BYE,
                                                 nullptr, TAG_END());
      if (!bye) {
        nta_leg_destroy(b.leg);
        delete d;
      }
      b.leg = nullptr;
    }
    return;
  }
  b.state = ChannelState::confirmed;
  b.remote_sdp = body_of(sip);
  if (sip->sip_session_expires) {
    std::string se = std::to_string(sip->sip_session_expires->x_delta);
    if (sip->sip_session_expires->x_refresher) se += ";refresher=" + str(sip->sip_session_expires->x_refresher);
    b.vars["sip_session_expires_answer"] = se;
    call->a.vars["sip_session_expires"] = std::to_string(sip->sip_session_expires->x_delta);
  }
  capture_dialog(b);
  call->b = &b;
  // The other forks lose (RFC 3261 16.7 step 10 for a forking B2BUA).
  for (auto& other : call->forks) {
    if (other.get() == &fork || other->finished) continue;
    other->finished = true;
    if (other->channel->outgoing) {
      nta_outgoing_cancel(other->channel->outgoing);
      nta_outgoing_destroy(other->channel->outgoing);
      other->channel->outgoing = nullptr;
    }
  }
  if (call->ring_timer) {
    su_timer_destroy(call->ring_timer);
    call->ring_timer = nullptr;
  }
  Channel& a = call->a;
  a.local_sdp = b.remote_sdp;
  capture_dialog(a);
  if (!services_.calls) {
    confirm_to_caller(call);
    return;
  }
  // sipedge never confirms a call it could not recover: the 200 OK waits for the commit.
  CallRecord record;
  record.uuid = call->uuid;
  record.node_name = services_.node_name;
  record.profile_name = call->profile_name;
  record.state = "confirmed";
  record.caller_id_name = a.var("caller_id_name");
  record.caller_id_number = a.var("caller_id_number");
  record.destination_number = a.var("destination_number");
  a.state = ChannelState::confirmed;  // as it will be once the 200 is sent
  record.a_leg = leg_record(*call, a);
  record.b_leg = leg_record(*call, b);
  record.created_at = call->created_at;
  record.answered_at = std::chrono::system_clock::now();
  SipLoop* loop = &loop_;
  std::weak_ptr<bool> alive = alive_;
  // Held strongly: a call that ends while its row is being written must still
  // move the row to the history (its nta objects are gone by then; only memory remains).
  CallPtr held = call;
  services_.calls->save_confirmed(std::move(record), [this, held, loop, alive](CallWriteOutcome outcome) {
    loop->post([this, call = held, alive, outcome] {
      if (!alive.lock()) return;
      if (call->ending) {
        if (outcome.ok())
          services_.calls->finish(call->uuid, std::string(cause_name(call->end_cause)), [](CallWriteOutcome) {});
        return;
      }
      if (!outcome.ok()) {
        spdlog::warn("call {}: cannot persist the answered call ({}): ending it", call->uuid, outcome.error);
        call->a.state = ChannelState::early;
        hangup(call, HangupCause::normal_temporary_failure, nullptr);  // 503 to the caller, BYE to the callee
        return;
      }
      call->persisted = true;
      confirm_to_caller(call);
    });
  });
}

void CallManager::confirm_to_caller(const CallPtr& call) {
  Channel& a = call->a;
  Channel& b = *call->b;
  if (!a.invite) {  // the caller cancelled while we were committing
    hangup(call, HangupCause::originator_cancel, &a);
    return;
  }
  std::string rh = headers_from(b.vars, "sip_rh_") + headers_from(a.vars, "sip_rh_");
  // RFC 4028: the session interval the callee granted, or the caller's request
  // granted here (refresher=uac) when the callee does not do timers.
  if (!b.var("sip_session_expires_answer").empty()) {
    rh += "Session-Expires: " + b.var("sip_session_expires_answer") + "\r\nRequire: timer\r\n";
  } else if (!a.var("sip_session_expires").empty() && !a.var("sip_session_timer_supported").empty()) {
    rh += "Session-Expires: " + a.var("sip_session_expires") + ";refresher=uac\r\nRequire: timer\r\n";
  }
  std::string sdp = a.local_sdp;
  nta_incoming_treply(a.invite, SIP_200_OK, SIPTAG_CONTACT_STR(a.contact.c_str()),
                      TAG_IF(!sdp.empty(), SIPTAG_CONTENT_TYPE_STR("application/sdp")),
                      TAG_IF(!sdp.empty(), SIPTAG_PAYLOAD_STR(sdp.c_str())),
                      TAG_IF(!rh.empty(), SIPTAG_HEADER_STR(rh.c_str())), TAG_END());
  a.state = ChannelState::confirmed;
  call->answered = true;
  arm_session_timer(call);
  fire("CHANNEL_ANSWER", *call, b);
  fire("CHANNEL_ANSWER", *call, a);
  fire("CHANNEL_BRIDGE", *call, a);
  release_routing_state(*call);
}

// Answered: what only routing needed (the dialplan's actions, the parsed dial
// string, each fork's INVITE kept to resend it with credentials) goes, so a
// long call holds only its dialogs and variables.
void CallManager::release_routing_state(Call& call) {
  std::vector<DialplanAction>().swap(call.actions);
  call.next_action = 0;
  call.dial = DialString{};
  for (auto& fork : call.forks) {
    std::string().swap(fork->ruri);
    std::string().swap(fork->next_hop);
    std::string().swap(fork->extra_headers);
    std::string().swap(fork->offer);
  }
}

void CallManager::b_failed(const CallPtr& call, Fork& fork, int status) {
  Channel& b = *fork.channel;
  bool was_pending = !fork.finished;
  fork.finished = true;
  fork.status = status;
  if (b.outgoing) {
    nta_outgoing_destroy(b.outgoing);
    b.outgoing = nullptr;
  }
  if (b.leg) {
    nta_leg_destroy(b.leg);
    b.leg = nullptr;
  }
  b.state = ChannelState::terminated;
  if (call->answered || call->ending || !was_pending) return;
  if (Profile* p = services_.find_profile ? services_.find_profile(b.profile_name) : nullptr) ++p->counters().failed_calls_out;
  if (services_.gateways && !b.var("sip_gateway_name").empty())
    if (Gateway* gw = services_.gateways->find(b.var("sip_gateway_name"))) gw->count_failed(false);
  call->last_cause = sip_to_cause(status);
  fire("CHANNEL_HANGUP", *call, b, call->last_cause);
  for (const auto& f : call->forks)
    if (!f->finished) return;  // others still ring
  call->forks.clear();
  ring_next_group(call);
}

int CallManager::on_a_request(nta_leg_magic_t* magic, nta_leg_t*, nta_incoming_t* irq, sip_t const* sip) {
  auto* ch = reinterpret_cast<Channel*>(magic);
  CallManager* self = ch->call->manager;
  CallPtr call = self->find(ch->call->uuid);
  if (!call) return 481;
  try {
    return self->in_dialog_request(call, *ch, irq, sip);
  } catch (const std::exception& e) {
    spdlog::error("call {}: in-dialog request failed: {}", call->uuid, e.what());
    return 500;
  }
}

int CallManager::on_b_request(nta_leg_magic_t* magic, nta_leg_t* leg, nta_incoming_t* irq, sip_t const* sip) {
  return on_a_request(magic, leg, irq, sip);
}

int CallManager::in_dialog_request(const CallPtr& call, Channel& from, nta_incoming_t* irq, sip_t const* sip) {
  sip_method_t method = sip->sip_request->rq_method;
  if (method == sip_method_ack) {
    nta_incoming_destroy(irq);
    return 0;
  }
  if (method == sip_method_bye) {
    // RFC 3261 15.1.2: 200 to the sender, BYE to the other leg.
    nta_incoming_treply(irq, SIP_200_OK, TAG_END());
    hangup(call, HangupCause::normal_clearing, &from);
    return 200;
  }
  if (method == sip_method_options) return 200;
  if (method == sip_method_refer) {
    // sipedge does not transfer calls (docs/calls.md): refused, the call goes on.
    nta_incoming_treply(irq, SIP_405_METHOD_NOT_ALLOWED,
                        SIPTAG_ALLOW_STR("INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, UPDATE"), TAG_END());
    return 405;
  }
  if (method != sip_method_invite && method != sip_method_update && method != sip_method_info) {
    nta_incoming_treply(irq, method == sip_method_unknown ? 501 : 405, nullptr,
                        SIPTAG_ALLOW_STR("INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, UPDATE"), TAG_END());
    return method == sip_method_unknown ? 501 : 405;
  }
  Channel* to = other_leg(*call, from);
  if (!to || !to->leg || to->state != ChannelState::confirmed || call->ending) return 481;
  if (call->relayed_request) {
    // RFC 3261 14.2: one offer at a time.
    nta_incoming_treply(irq, 491, "Request Pending", SIPTAG_RETRY_AFTER_STR("1"), TAG_END());
    return 491;
  }
  std::string sdp = body_of(sip);
  if (method == sip_method_invite && !sdp.empty() && is_hold(sdp)) {
    Profile* profile = services_.find_profile ? services_.find_profile(from.profile_name) : nullptr;
    bool disable_hold = (profile && truthy(profile->config().param("disable-hold") ? profile->config().param("disable-hold")->value : "")) ||
                        truthy(from.var("rtp_disable_hold")) || truthy(call->a.var("rtp_disable_hold"));
    if (disable_hold) {
      // Hold is not passed on: answer with the media we already agreed.
      nta_incoming_treply(irq, SIP_200_OK, SIPTAG_CONTACT_STR(from.contact.c_str()),
                          SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(from.local_sdp.c_str()),
                          TAG_END());
      return 200;
    }
  }
  if (method == sip_method_invite && !sdp.empty() && truthy(call->a.var("sip_renegotiate_codec_on_reinvite"))) {
    Profile* profile = services_.find_profile ? services_.find_profile(to->profile_name) : nullptr;
    if (profile) {
      const Param* p = profile->config().param("outbound-codec-prefs");
      if (!p) p = profile->config().param("codec-prefs");
      if (p) {
        try {
          sdp = filter_offer(sdp, parse_codec_prefs(p->value));
        } catch (const SdpError& e) {
          nta_incoming_treply(irq, (e.sip_status)(), nullptr, TAG_END());
          return (e.sip_status)();
        }
      }
    }
  }
  std::string content_type = sip->sip_content_type ? str(sip->sip_content_type->c_type) : "";
  // Only an offer is SDP: an INFO body (dtmf-relay, ...) is relayed, never stored as media.
  const bool offer = !sdp.empty() && method != sip_method_info &&
                     (content_type.empty() || iequals(content_type, "application/sdp"));
  if (offer) {
    from.remote_sdp = sdp;  // the sender's offer
    to->local_sdp = sdp;    // what we offer on the other leg
  }
  // RFC 3261 12.2.2: re-INVITE and UPDATE refresh the sender's target.
  bool target_refreshed = false;
  if ((method == sip_method_invite || method == sip_method_update) && sip->sip_contact && from.leg) {
    std::string target = url_text(sip->sip_contact->m_url);
    if (target != from.remote_target) {
      nta_leg_server_route(from.leg, nullptr, sip->sip_contact);  // keeps the route set, moves the target
      from.remote_target = target;
      target_refreshed = true;
    }
  }

  call->relayed_request = irq;
  call->relayed_from = &from;
  std::string method_name = sip->sip_request->rq_method_name;
  if (!call->persisted || !services_.calls) {
    if (send_relay(call, from, *to, irq, method, method_name, sdp, content_type)) return 0;
    call->relayed_request = nullptr;
    call->relayed_from = nullptr;
    return 500;
  }
  // The request will leave `to` with the next CSeq: store it first, so that a
  // node recovering this call never reuses it (issue 4: "before an in-dialog
  // request leaves with a new CSeq"). The peer's CSeq on `from` too.
  LegUpdate to_update;
  to_update.uuid = to->uuid;
  to_update.local_cseq = next_cseq(to->leg);  // send_relay sends exactly this one
  if (offer) to_update.local_sdp = sdp;
  LegUpdate from_update;
  from_update.uuid = from.uuid;
  from_update.remote_cseq = sip->sip_cseq->cs_seq;
  if (offer) from_update.remote_sdp = sdp;
  if (target_refreshed) from_update.remote_target = from.remote_target;
  services_.calls->update_leg(std::move(from_update), [](CallWriteOutcome) {});
  std::weak_ptr<Call> weak = call;
  SipLoop* loop = &loop_;
  std::weak_ptr<bool> alive = alive_;
  Channel* from_ptr = &from;
  services_.calls->update_leg(
      std::move(to_update),
      [this, weak, loop, alive, irq, from_ptr, method, method_name, sdp, content_type](CallWriteOutcome outcome) {
        loop->post([this, weak, alive, irq, from_ptr, method, method_name, sdp, content_type, outcome] {
          auto call = weak.lock();
          if (!alive.lock() || !call || call->ending || call->relayed_request != irq) return;
          Channel* to = other_leg(*call, *from_ptr);
          if (!outcome.ok() || !to || !to->leg) {
            spdlog::warn("call {}: {} not relayed: the new CSeq could not be stored ({})", call->uuid, method_name,
                         outcome.error);
            call->relayed_request = nullptr;
            call->relayed_from = nullptr;
            nta_incoming_treply(irq, SIP_500_INTERNAL_SERVER_ERROR, SIPTAG_RETRY_AFTER_STR("1"), TAG_END());
            nta_incoming_destroy(irq);
            return;
          }
          if (!send_relay(call, *from_ptr, *to, irq, method, method_name, sdp, content_type)) {
            call->relayed_request = nullptr;
            call->relayed_from = nullptr;
            nta_incoming_treply(irq, SIP_500_INTERNAL_SERVER_ERROR, TAG_END());
            nta_incoming_destroy(irq);
          }
        });
      });
  return 0;
}

bool CallManager::send_relay(const CallPtr& call, Channel& from, Channel& to_leg, nta_incoming_t* irq,
                             sip_method_t method, const std::string& method_name, const std::string& sdp,
                             const std::string& content_type) {
  Channel* to = &to_leg;
  auto* relay = new Relay{this, call->uuid, irq, &from, to, method};
  std::string hop = to->next_hop();
  // A leg that never sent a request has no CSeq yet: nta would pick a
  // time-based one; we send the one stored before (next_cseq()).
  const std::string first_cseq = nta_leg_get_seq(to->leg) == 0 ? std::to_string(next_cseq(to->leg)) + " " + method_name : "";
  nta_outgoing_t* orq = nta_outgoing_tcreate(
      to->leg,
      [](nta_outgoing_magic_t* magic, nta_outgoing_t* orq, sip_t const* sip) -> int {
        auto* relay = reinterpret_cast<Relay*>(magic);
        int status = sip && sip->sip_status ? sip->sip_status->st_status : nta_outgoing_status(orq);
        if (status < 200) return 0;
        CallManager* self = relay->manager;
        CallPtr call = self->find(relay->call_uuid);
        if (call && call->relayed_request == relay->irq) {
          if (relay->method == sip_method_update && status < 300) self->arm_session_timer(call);
          call->relayed_request = nullptr;
          call->relayed_from = nullptr;
          std::string body = body_of(sip);
          if (relay->method == sip_method_invite && status < 300 && sip && sip->sip_contact) {
            send_2xx_ack(*relay->to, sip);
            if (sip->sip_contact) {
              nta_leg_client_reroute(relay->to->leg, sip->sip_record_route, sip->sip_contact, 0);
            }
            self->capture_dialog(*relay->to);
            self->arm_session_timer(call);  // a successful refresh (RFC 4028 10)
            Event e = Event::custom("sofia::reinvite");
            e.add_header("Unique-ID", relay->from->uuid).add_header("profile-name", relay->from->profile_name)
                .add_header("call-id", relay->from->call_id);
            self->bus_.publish(std::move(e));
          }
          std::string ctype = sip && sip->sip_content_type ? str(sip->sip_content_type->c_type) : "";
          // The answer to an offer (re-INVITE or UPDATE): the callee's media on both legs.
          if ((relay->method == sip_method_invite || relay->method == sip_method_update) && status < 300 &&
              !body.empty() && (ctype.empty() || iequals(ctype, "application/sdp"))) {
            relay->to->remote_sdp = body;
            relay->from->local_sdp = body;
          }
          if (relay->method == sip_method_update && status < 300 && sip && sip->sip_contact) {
            // A 2xx to UPDATE refreshes the target too (RFC 3311 5.2).
            nta_leg_client_reroute(relay->to->leg, nullptr, sip->sip_contact, 0);
            self->capture_dialog(*relay->to);
          }
          char const* phrase = sip && sip->sip_status ? sip->sip_status->st_phrase : nullptr;
          nta_incoming_treply(relay->irq, status, phrase,
                              TAG_IF(status < 300 && relay->method == sip_method_invite,
                                     SIPTAG_CONTACT_STR(relay->from->contact.c_str())),
                              TAG_IF(!body.empty(), SIPTAG_CONTENT_TYPE_STR(ctype.c_str())),
                              TAG_IF(!body.empty(), SIPTAG_PAYLOAD_STR(body.c_str())), TAG_END());
          if (relay->method != sip_method_invite || status >= 300) nta_incoming_destroy(relay->irq);
          else nta_incoming_bind(relay->irq, &CallManager::on_a_ack_cancel,
                                 reinterpret_cast<nta_incoming_magic_t*>(relay->from));
          // Keep the stored dialog current (CSeq, SDP, target) for recovery.
          if (call->persisted && self->services_.calls) {
            for (Channel* ch : {relay->from, relay->to}) {
              LegUpdate u;
              u.uuid = ch->uuid;
              u.local_cseq = ch->leg ? nta_leg_get_seq(ch->leg) : 0;
              u.remote_cseq = ch->leg ? nta_leg_get_rseq(ch->leg) : 0;
              u.local_sdp = ch->local_sdp;
              u.remote_sdp = ch->remote_sdp;
              u.remote_target = ch->remote_target;
              self->services_.calls->update_leg(std::move(u), [](CallWriteOutcome o) {
                if (!o.ok()) spdlog::warn("call leg update not stored: {}", o.error);
              });
            }
          }
        }
        nta_outgoing_destroy(orq);
        delete relay;
        return 0;
      },
      reinterpret_cast<nta_outgoing_magic_t*>(relay), hop.empty() ? nullptr : URL_STRING_MAKE(hop.c_str()),
      method, method_name.c_str(), nullptr,
      TAG_IF(!sdp.empty(), SIPTAG_CONTENT_TYPE_STR(content_type.empty() ? "application/sdp" : content_type.c_str())),
      TAG_IF(!sdp.empty(), SIPTAG_PAYLOAD_STR(sdp.c_str())),
      TAG_IF(method == sip_method_invite || method == sip_method_update, SIPTAG_CONTACT_STR(to->contact.c_str())),
      TAG_IF(!first_cseq.empty(), SIPTAG_CSEQ_STR(first_cseq.c_str())), TAG_END());
  if (!orq) {
    delete relay;
    return false;
  }
  return true;
}

void CallManager::arm_session_timer(const CallPtr& call) {
  if (call->session_timer) {
    su_timer_destroy(call->session_timer);
    call->session_timer = nullptr;
  }
  int interval = std::atoi(call->a.var("sip_session_expires").c_str());
  if (interval <= 0 || call->ending) return;
  call->session_expires = interval;
  // RFC 4028 10: without a refresh, the session ends min(32, interval/3) s before expiry.
  int wait = interval - std::min(32, interval / 3);
  call->session_timer = su_timer_create(su_root_task(loop_.root()), 0);
  su_timer_set_at(call->session_timer,
                  [](su_root_magic_t*, su_timer_t*, su_timer_arg_t* arg) {
                    Call* c = reinterpret_cast<Call*>(arg);
                    CallPtr call = c->manager->find(c->uuid);
                    if (!call || call->ending) return;
                    spdlog::info("call {}: session not refreshed within {} s (RFC 4028): ending it", call->uuid,
                                 call->session_expires);
                    call->manager->hangup(call, HangupCause::recovery_on_timer_expire, nullptr);
                  },
                  reinterpret_cast<su_timer_arg_t*>(call.get()), su_time_add(su_now(), su_duration_t(wait * 1000)));
}

void CallManager::hangup(const CallPtr& call, HangupCause cause, Channel* initiator) {
  if (call->ending) return;
  call->ending = true;
  call->end_cause = cause;
  if (call->ring_timer) {
    su_timer_destroy(call->ring_timer);
    call->ring_timer = nullptr;
  }
  if (call->session_timer) {
    su_timer_destroy(call->session_timer);
    call->session_timer = nullptr;
  }
  std::string bye_headers = headers_from(call->a.vars, "sip_bye_h_");
  if (call->b) bye_headers += headers_from(call->b->vars, "sip_bye_h_");
  auto send_bye = [&bye_headers](Channel& ch) {
    if (!ch.leg) return;
    auto* d = new Detached{ch.leg};
    std::string hop = ch.next_hop();
    // A leg that never sent a request: CSeq 1, not nta's time-based start
    // (the stored local CSeq, 0, stays below every CSeq a recovery would use).
    const bool first = nta_leg_get_seq(ch.leg) == 0;
    nta_outgoing_t* bye = nta_outgoing_tcreate(ch.leg, detached_response, reinterpret_cast<nta_outgoing_magic_t*>(d),
                                               hop.empty() ? nullptr : URL_STRING_MAKE(hop.c_str()), SIP_METHOD_BYE,
                                               nullptr, TAG_IF(!bye_headers.empty(), SIPTAG_HEADER_STR(bye_headers.c_str())),
                                               TAG_IF(first, SIPTAG_CSEQ_STR("1 BYE")), TAG_END());
    if (!bye) {
      nta_leg_destroy(ch.leg);
      delete d;
    }
    ch.leg = nullptr;  // the BYE owns it now
  };

  Channel& a = call->a;
  // The caller: an error answer if it was never answered, else a BYE.
  if (a.invite && !call->answered) {
    int status = cause == HangupCause::originator_cancel ? 487 : cause_to_sip(cause);
    nta_incoming_treply(a.invite, status, nullptr, TAG_IF(status == 503, SIPTAG_RETRY_AFTER_STR("5")), TAG_END());
    nta_incoming_destroy(a.invite);
    a.invite = nullptr;
  } else if (a.state == ChannelState::confirmed && initiator != &a) {
    if (a.invite) {
      nta_incoming_destroy(a.invite);
      a.invite = nullptr;
    }
    send_bye(a);
  }
  // The callees: CANCEL what still rings, BYE the answered one.
  for (auto& fork : call->forks) {
    Channel& b = *fork->channel;
    if (b.outgoing) {
      nta_outgoing_cancel(b.outgoing);
      nta_outgoing_destroy(b.outgoing);
      b.outgoing = nullptr;
    }
    if (&b == call->b && b.state == ChannelState::confirmed && initiator != &b) send_bye(b);
    b.state = ChannelState::terminated;
  }
  if (Profile* p = services_.find_profile ? services_.find_profile(call->profile_name) : nullptr) {
    if (!call->recovered) --p->counters().inuse;
    if (!call->answered) ++p->counters().failed_calls_in;
  }
  if (!call->answered && services_.gateways && !call->a.var("sip_gateway_name").empty())
    if (Gateway* gw = services_.gateways->find(call->a.var("sip_gateway_name"))) gw->count_failed(true);
  if (call->persisted && services_.calls) {
    std::string id = call->uuid;
    services_.calls->finish(call->uuid, std::string(cause_name(cause)), [id](CallWriteOutcome o) {
      if (!o.ok()) spdlog::warn("call {}: not moved to history: {}", id, o.error);
    });
  }
  if (call->b) fire("CHANNEL_HANGUP", *call, *call->b, cause);
  a.state = ChannelState::terminated;
  fire("CHANNEL_HANGUP", *call, a, cause);
  fire("CHANNEL_HANGUP_COMPLETE", *call, a, cause);
  spdlog::info("call {} ended: {}", call->uuid, cause_name(cause));
  release(call);
}

void CallManager::release(const CallPtr& call) {
  if (call->ring_timer) {
    su_timer_destroy(call->ring_timer);
    call->ring_timer = nullptr;
  }
  if (call->session_timer) {
    su_timer_destroy(call->session_timer);
    call->session_timer = nullptr;
  }
  if (call->a.invite) {
    nta_incoming_destroy(call->a.invite);
    call->a.invite = nullptr;
  }
  if (call->relayed_request) {
    nta_incoming_treply(call->relayed_request, SIP_481_NO_TRANSACTION, TAG_END());
    nta_incoming_destroy(call->relayed_request);
    call->relayed_request = nullptr;
  }
  if (call->a.leg) {
    nta_leg_destroy(call->a.leg);
    call->a.leg = nullptr;
  }
  for (auto& fork : call->forks) {
    if (fork->channel->outgoing) {
      nta_outgoing_destroy(fork->channel->outgoing);
      fork->channel->outgoing = nullptr;
    }
    if (fork->channel->leg) {
      nta_leg_destroy(fork->channel->leg);
      fork->channel->leg = nullptr;
    }
  }
  call->ending = true;
  calls_.erase(call->uuid);
}

}  // namespace sipedge
