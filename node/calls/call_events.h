#pragma once
// CHANNEL_* events with FreeSWITCH's usual channel headers.
#include "node/calls/call.h"
#include "node/events/event.h"

namespace sipedge {

// name: CHANNEL_CREATE, CHANNEL_ANSWER, CHANNEL_HANGUP, CHANNEL_HANGUP_COMPLETE, CHANNEL_BRIDGE.
Event channel_event(const char* name, const Call& call, const Channel& channel, HangupCause cause);

}  // namespace sipedge
