#pragma once
// A call: the caller's leg (A) and the legs rung towards callees (B forks);
// the first fork to answer becomes the B leg. SIP thread only.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "node/calls/channel.h"
#include "node/calls/dial_string.h"
#include "node/calls/hangup_cause.h"
#include "node/dialplan/dialplan.h"

extern "C" {
#include <sofia-sip/su_wait.h>
}

namespace sipedge {

class CallManager;
class Profile;

struct Call;

struct Fork {
  Call* call = nullptr;
  std::unique_ptr<Channel> channel;
  bool finished = false;   // got a final answer, was cancelled or failed to send
  int status = 0;          // final status received
  bool auth_tried = false; // a 401/407 was answered with sip_auth_username/password once
  // The INVITE as sent, to send it again with credentials.
  std::string ruri, next_hop, extra_headers, offer;
};

struct Call {
  CallManager* manager = nullptr;
  std::string uuid;                  // the A leg's uuid
  std::string profile_name;
  Channel a;
  std::vector<std::unique_ptr<Fork>> forks;  // B candidates of the group being rung
  Channel* b = nullptr;              // the answered fork's channel
  std::vector<DialplanAction> actions;  // the dialplan's actions, run in order
  std::size_t next_action = 0;
  DialString dial;                   // the bridge being tried
  std::size_t next_group = 0;
  HangupCause last_cause = HangupCause::none;  // of the last failed fork/group
  bool answered = false;             // 200 relayed to the caller
  bool ending = false;               // hangup started: no more relays
  HangupCause end_cause = HangupCause::none;  // set by hangup()
  bool persisted = false;            // the confirmed call is in the database
  bool recovered = false;            // rebuilt by `sofia recover` (not counted in inuse)
  std::chrono::system_clock::time_point created_at = std::chrono::system_clock::now();
  su_timer_t* ring_timer = nullptr;  // call_timeout
  su_timer_t* session_timer = nullptr;  // RFC 4028: fires when the session was not refreshed
  int session_expires = 0;           // negotiated interval (seconds), 0 = no session timer
  // Late offer (INVITE without SDP): the callee's 2xx is ACKed only when the
  // caller's ACK brings the answer (RFC 3264 with the offer in the 200).
  bool b_ack_pending = false;
  std::uint32_t b_ack_cseq = 0;
  std::string b_ack_target;
  std::string b_ack_sdp;  // the answer that ACK carried (again in the ACK of a retransmitted 2xx)
  // A request relayed to the other leg, waiting for its answer there.
  nta_incoming_t* relayed_request = nullptr;
  Channel* relayed_from = nullptr;
};

using CallPtr = std::shared_ptr<Call>;

}  // namespace sipedge
