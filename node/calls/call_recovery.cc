// `sofia recover`: rebuilds confirmed calls from their database rows, both
// legs with the exact Call-ID, tags, route set, target and CSeq, so BYE,
// re-INVITE, UPDATE and INFO from either side keep working on this node.
// SIP thread only. Reference: sofia-sip.md, "Dialog rebuilt from stored fields".
#include <cassert>

#include <spdlog/spdlog.h>

#include "node/calls/call_manager.h"
#include "node/sip/profile.h"
#include "store/call_store.h"

extern "C" {
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_tag.h>
}

namespace sipedge {

namespace {

// No request may leave a rebuilt leg with a CSeq the peer has already seen:
// the stored value is the last one written before sending, plus this margin.
constexpr std::uint32_t kCseqSafetyMargin = 100;
}  // namespace

std::uint32_t CallManager::cseq_safety_margin() { return kCseqSafetyMargin; }

namespace {

bool rebuild_leg(nta_agent_t* agent, nta_request_f* callback, Channel& ch, const LegRecord& r) {
  su_home_t home[1] = {SU_HOME_INIT(home)};
  std::string from = "<" + r.local_uri + ">;tag=" + r.local_tag;
  std::string to = "<" + r.remote_uri + ">;tag=" + r.remote_tag;
  std::string cseq = std::to_string(r.local_cseq + kCseqSafetyMargin) + " BYE";
  ch.leg = nta_leg_tcreate(agent, callback, reinterpret_cast<nta_leg_magic_t*>(&ch),
                           SIPTAG_CALL_ID_STR(r.call_id.c_str()), SIPTAG_FROM_STR(from.c_str()),
                           SIPTAG_TO_STR(to.c_str()), SIPTAG_CSEQ_STR(cseq.c_str()),
                           NTATAG_REMOTE_CSEQ(r.remote_cseq), TAG_END());
  if (!ch.leg) {
    su_home_deinit(home);
    return false;
  }
  // The stored route set is in sending order (nta_leg_get_route), which is the
  // order nta_leg_server_route keeps: the rebuilt leg sends exactly as before.
  // (Not SIPTAG_ROUTE: loose routing would not be detected.)
  sip_record_route_t* route = nullptr;
  sip_record_route_t** tail = &route;
  for (const std::string& entry : r.route_set) {
    sip_record_route_t* rr = sip_record_route_make(home, entry.c_str());
    if (!rr) continue;
    *tail = rr;
    tail = &rr->r_next;
  }
  sip_contact_t* target = r.remote_target.empty() ? nullptr : sip_contact_make(home, ("<" + r.remote_target + ">").c_str());
  nta_leg_server_route(ch.leg, route, target);
  su_home_deinit(home);
  return true;
}

void fill_channel(Channel& ch, const LegRecord& r) {
  ch.uuid = r.uuid;
  ch.inbound = r.direction == "inbound";
  ch.profile_name = r.profile_name;
  ch.state = ChannelState::confirmed;
  ch.call_id = r.call_id;
  ch.local_uri = r.local_uri;
  ch.local_tag = r.local_tag;
  ch.remote_uri = r.remote_uri;
  ch.remote_tag = r.remote_tag;
  ch.remote_target = r.remote_target;
  ch.route_set = r.route_set;
  ch.contact = r.contact;
  ch.transport = r.transport.empty() ? "udp" : r.transport;
  ch.network_ip = r.network_ip;
  ch.network_port = r.network_port;
  ch.local_sdp = r.local_sdp;
  ch.remote_sdp = r.remote_sdp;
  for (const auto& [k, v] : r.variables) ch.vars[k] = v;
}

}  // namespace

CallManager::RecoverResult CallManager::recover(const std::vector<CallRecord>& records) {
  assert(loop_.in_thread());
  RecoverResult result;
  for (const CallRecord& record : records) {
    if (calls_.count(record.uuid)) {
      ++result.already_here;
      continue;
    }
    Profile* a_profile = services_.find_profile ? services_.find_profile(record.a_leg.profile_name) : nullptr;
    Profile* b_profile = services_.find_profile ? services_.find_profile(record.b_leg.profile_name) : nullptr;
    if (!a_profile || !a_profile->agent() || !b_profile || !b_profile->agent()) {
      // The row stays: another attempt (or another node) may recover it.
      result.failures.push_back(record.uuid + ": profile " + record.a_leg.profile_name + "/" + record.b_leg.profile_name +
                                " is not running here");
      continue;
    }
    auto call = std::make_shared<Call>();
    call->manager = this;
    call->uuid = record.uuid;
    call->profile_name = record.profile_name;
    call->created_at = record.created_at;
    call->answered = true;
    call->persisted = true;
    call->recovered = true;
    fill_channel(call->a, record.a_leg);
    call->a.call = call.get();
    auto fork = std::make_unique<Fork>();
    fork->call = call.get();
    fork->finished = true;
    fork->status = 200;
    fork->channel = std::make_unique<Channel>();
    Channel& b = *fork->channel;
    fill_channel(b, record.b_leg);
    b.call = call.get();
    if (!rebuild_leg(a_profile->agent(), &CallManager::on_a_request, call->a, record.a_leg) ||
        !rebuild_leg(b_profile->agent(), &CallManager::on_b_request, b, record.b_leg)) {
      if (call->a.leg) nta_leg_destroy(call->a.leg);
      if (b.leg) nta_leg_destroy(b.leg);
      result.failures.push_back(record.uuid + ": cannot rebuild its dialogs");
      continue;
    }
    call->b = &b;
    call->forks.push_back(std::move(fork));
    calls_[call->uuid] = call;
    arm_session_timer(call);  // a recovered call keeps its session timer (a fresh interval)
    // The safety margin is in use now: the caller stores it for every
    // recovered call in one statement (CallStore::take_over, with
    // cseq_safety_margin()), so a node recovering this call after us starts
    // another margin above and never reuses a CSeq we send.
    ++result.recovered;
    result.recovered_uuids.push_back(call->uuid);
    ++result.per_profile[record.profile_name];
    spdlog::info("recovered call {} ({} -> {})", call->uuid, call->a.call_id, b.call_id);
  }
  for (const std::string& failure : result.failures) spdlog::warn("recovery: {}", failure);
  return result;
}

}  // namespace sipedge
