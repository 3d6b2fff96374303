#pragma once
// One leg of a call (a FreeSWITCH channel): its SIP dialog on nta and the
// channel variables. SIP thread only.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

extern "C" {
#include <sofia-sip/nta.h>
}

namespace sipedge {

struct Call;
using ChannelVariables = std::map<std::string, std::string>;

enum class ChannelState { init, early, confirmed, terminating, terminated };
const char* channel_state_name(ChannelState state);

struct Channel {
  Call* call = nullptr;           // the call this leg belongs to (nta callback magic)
  std::string uuid;
  bool inbound = true;            // A leg (from the caller) or B leg (to a callee)
  std::string profile_name;
  nta_leg_t* leg = nullptr;       // the dialog
  nta_incoming_t* invite = nullptr;   // A: the INVITE (or re-INVITE) server transaction we still owe an answer
  nta_outgoing_t* outgoing = nullptr; // B: the INVITE client transaction while it is pending
  ChannelState state = ChannelState::init;
  ChannelVariables vars;

  // Dialog, as persisted for recovery (filled as the dialog progresses).
  std::string call_id;
  std::string local_uri, local_tag, remote_uri, remote_tag;
  std::string remote_target;
  std::vector<std::string> route_set;
  std::string contact;            // our Contact on this leg
  std::string transport = "udp";
  std::string network_ip;         // the peer's address: next hop of our in-dialog requests
  int network_port = 0;
  std::string local_sdp, remote_sdp;

  std::string next_hop() const;   // "sip:IP:PORT;transport=T", "" when unknown
  std::string var(const std::string& name) const {
    auto it = vars.find(name);
    return it == vars.end() ? "" : it->second;
  }
};

}  // namespace sipedge
