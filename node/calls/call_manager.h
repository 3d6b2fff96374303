#pragma once
// The signalling B2BUA: takes INVITEs from every profile, runs the dialplan,
// rings the bridge targets, relays provisional and final answers, ACK,
// CANCEL, BYE, re-INVITE, UPDATE and INFO between the legs, and persists
// every confirmed call before its 200 OK reaches the caller.
//
// SIP thread only (asserted). Database answers are posted back to it; a call
// that ended meanwhile is found missing and the answer dropped.
//
// Files: call_manager.cc (intake, auth, dialplan, commands),
// call_originate.cc (bridge: dial strings, targets, forks),
// call_relay.cc (answers and in-dialog requests between legs).
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "node/calls/call.h"
#include "node/events/event_bus.h"
#include "node/sip/profile_services.h"
#include "node/sip/sip_loop.h"

extern "C" {
#include <sofia-sip/nta.h>
#include <sofia-sip/sip.h>
}

namespace sipedge {

class CallStore;
class DigestAuth;
class DirectoryStore;
class GatewayManager;
class RegistrationStore;
struct Binding;
struct Dialplan;
struct CallRecord;
struct LegRecord;

struct CallServices {
  std::string node_name;
  RegistrationStore* registrations = nullptr;
  DirectoryStore* directory = nullptr;
  CallStore* calls = nullptr;
  std::string auth_master_key;
  std::function<std::shared_ptr<const Dialplan>()> dialplan;  // the current dialplan (reloadxml)
  std::function<Profile*(const std::string&)> find_profile;    // SIP thread
  std::string default_domain;                                 // vars.xml domain
  GatewayManager* gateways = nullptr;                         // SIP thread; null: no gateways
};

// One row of `show calls` / `show channels`.
struct CallSnapshot {
  std::string uuid, profile, state, caller_id_name, caller_id_number, destination_number;
  std::string a_call_id, b_uuid, b_call_id, callee;
  std::chrono::system_clock::time_point created_at;
};

class CallManager : public InviteHandler {
 public:
  CallManager(SipLoop& loop, EventBus& bus, CallServices services);
  ~CallManager() override;

  int on_invite(Profile& profile, nta_incoming_t* irq, sip_t const* sip) override;
  bool on_stray_2xx(nta_agent_t* agent, sip_t const* sip) override;

  // Rebuilds confirmed calls from their rows (call_recovery.cc); calls
  // already held here are skipped, failures leave the rows untouched.
  struct RecoverResult {
    std::size_t recovered = 0;
    std::size_t already_here = 0;
    std::map<std::string, std::size_t> per_profile;
    std::vector<std::string> failures;  // "uuid: reason"
    std::vector<std::string> recovered_uuids;
  };
  RecoverResult recover(const std::vector<CallRecord>& records);
  // What recover() adds to each stored local CSeq (the rebuilt legs use it).
  static std::uint32_t cseq_safety_margin();

  // Console (SIP thread).
  std::vector<CallSnapshot> snapshot() const;
  bool kill(const std::string& uuid, HangupCause cause);
  std::size_t hangup_all(HangupCause cause);
  // Node shutdown: calls not yet answered end (nothing could recover them);
  // answered ones stay in the database for the pair's next active node.
  std::size_t hangup_unanswered(HangupCause cause);
  std::size_t size() const { return calls_.size(); }
  bool holds(const std::string& uuid) const { return calls_.count(uuid) != 0; }

 private:
  // call_manager.cc
  void route(const CallPtr& call);
  void run_actions(const CallPtr& call);
  void authenticate_then_route(const CallPtr& call, sip_t const* sip, Profile& profile);
  // call_originate.cc
  void bridge(const CallPtr& call, const std::string& dial_string);
  void ring_next_group(const CallPtr& call);
  void ring_targets(const CallPtr& call, std::vector<DialLeg> targets);
  void resolve_group(const CallPtr& call, const DialGroup& group,
                     std::function<void(std::vector<DialLeg>, HangupCause)> done);
  void send_invite(const CallPtr& call, const DialLeg& target);
  nta_outgoing_t* send_fork_invite(Fork& fork, const std::string& authorization);
  bool answer_challenge(const CallPtr& call, Fork& fork, nta_outgoing_t* orq, sip_t const* sip, int status);
  void release_routing_state(Call& call);
  void arm_session_timer(const CallPtr& call);
  void group_failed(const CallPtr& call);
  // call_relay.cc
  static int on_a_request(nta_leg_magic_t* magic, nta_leg_t* leg, nta_incoming_t* irq, sip_t const* sip);
  static int on_b_request(nta_leg_magic_t* magic, nta_leg_t* leg, nta_incoming_t* irq, sip_t const* sip);
  static int on_a_ack_cancel(nta_incoming_magic_t* magic, nta_incoming_t* irq, sip_t const* sip);
  static int on_b_invite_response(nta_outgoing_magic_t* magic, nta_outgoing_t* orq, sip_t const* sip);
  int in_dialog_request(const CallPtr& call, Channel& from, nta_incoming_t* irq, sip_t const* sip);
  bool send_relay(const CallPtr& call, Channel& from, Channel& to, nta_incoming_t* irq, sip_method_t method,
                  const std::string& method_name, const std::string& sdp, const std::string& content_type);
  void b_answered(const CallPtr& call, Fork& fork, sip_t const* sip);
  void b_failed(const CallPtr& call, Fork& fork, int status);
  void confirm_to_caller(const CallPtr& call);
  // Ends the call: BYE/CANCEL/error to whichever legs need it, events, database.
  void hangup(const CallPtr& call, HangupCause cause, Channel* initiator);
  void release(const CallPtr& call);

  // helpers
  CallPtr find(const std::string& uuid) const;
  Channel* other_leg(Call& call, Channel& leg);
  void fire(const char* name, const Call& call, const Channel& channel, HangupCause cause = HangupCause::none);
  LegRecord leg_record(const Call& call, const Channel& channel) const;
  void capture_dialog(Channel& channel);

  SipLoop& loop_;
  EventBus& bus_;
  CallServices services_;
  std::unique_ptr<DigestAuth> auth_;  // created on first use (SIP thread)
  std::map<std::string, CallPtr> calls_;
  std::weak_ptr<bool> alive_;         // completions check it before touching this
  std::shared_ptr<bool> alive_token_ = std::make_shared<bool>(true);
};

}  // namespace sipedge
