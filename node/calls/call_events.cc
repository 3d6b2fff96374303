#include "node/calls/call_events.h"

namespace sipedge {

Event channel_event(const char* name, const Call& call, const Channel& channel, HangupCause cause) {
  Event e(name);
  const char* state = channel.state == ChannelState::confirmed ? "CS_EXCHANGE_MEDIA"
                      : channel.state == ChannelState::terminated ? "CS_DESTROY"
                      : channel.state == ChannelState::terminating ? "CS_HANGUP"
                                                                    : "CS_ROUTING";
  const char* callstate = channel.state == ChannelState::confirmed ? "ACTIVE"
                          : channel.state >= ChannelState::terminating ? "HANGUP"
                                                                       : (channel.inbound ? "RINGING" : "EARLY");
  e.add_header("Channel-State", state)
      .add_header("Channel-Call-State", callstate)
      .add_header("Channel-Name", "sofia/" + channel.profile_name + "/" + channel.var(channel.inbound ? "sip_from_user" : "sip_to_user"))
      .add_header("Unique-ID", channel.uuid)
      .add_header("Call-Direction", channel.inbound ? "inbound" : "outbound")
      .add_header("Answer-State", channel.state == ChannelState::confirmed ? "answered"
                                  : channel.state >= ChannelState::terminating ? "hangup" : "ringing")
      .add_header("Caller-Caller-ID-Name", call.a.var("caller_id_name"))
      .add_header("Caller-Caller-ID-Number", call.a.var("caller_id_number"))
      .add_header("Caller-Destination-Number", call.a.var("destination_number"))
      .add_header("Caller-Network-Addr", call.a.network_ip)
      .add_header("Caller-Context", call.a.var("context"))
      .add_header("Caller-Unique-ID", call.a.uuid)
      .add_header("Channel-Call-UUID", call.uuid)
      .add_header("variable_sip_call_id", channel.call_id)
      .add_header("variable_sip_profile_name", channel.profile_name);
  // Every channel variable as variable_<name>, as FreeSWITCH's channel events carry them.
  for (const auto& [name, value] : channel.vars) {
    if (name.rfind("__", 0) == 0 || name == "sip_call_id" || name == "sip_profile_name") continue;
    if (name == "sip_auth_password") continue;  // never on the event bus
    e.add_header("variable_" + name, value);
  }
  if (call.b && &channel == &call.a) e.add_header("Other-Leg-Unique-ID", call.b->uuid);
  if (!channel.inbound) e.add_header("Other-Leg-Unique-ID", call.a.uuid);
  if (cause != HangupCause::none) {
    e.add_header("Hangup-Cause", std::string(cause_name(cause)));
    e.add_header("variable_hangup_cause", std::string(cause_name(cause)));
  }
  return e;
}

}  // namespace sipedge
