#pragma once
// FreeSWITCH hangup causes: the names and numbers of switch_types.h /
// switch_channel.c (CAUSE_CHART), and mod_sofia's mapping to and from SIP
// status codes (hangup_cause_to_sip, sofia_glue_sip_cause_to_freeswitch;
// RFC 4497 sections 8.4.1 and 8.4.4 plus FreeSWITCH's own additions).
// Operators know these names from CDRs and `hangup_cause` variables, so they
// are kept exactly.
#include <optional>
#include <span>
#include <string_view>

namespace sipedge {

// Values are FreeSWITCH's switch_call_cause_t numbers: Q.850 causes below
// 128, 142 SUCCESS, 487 ORIGINATOR_CANCEL and FreeSWITCH's own 700..825.
enum class HangupCause : int {
  none = 0,
  unallocated_number = 1,
  no_route_transit_net = 2,
  no_route_destination = 3,
  channel_unacceptable = 6,
  call_awarded_delivered = 7,
  normal_clearing = 16,
  user_busy = 17,
  no_user_response = 18,
  no_answer = 19,
  subscriber_absent = 20,
  call_rejected = 21,
  number_changed = 22,
  redirection_to_new_destination = 23,
  exchange_routing_error = 25,
  destination_out_of_order = 27,
  invalid_number_format = 28,
  facility_rejected = 29,
  response_to_status_enquiry = 30,
  normal_unspecified = 31,
  normal_circuit_congestion = 34,
  network_out_of_order = 38,
  normal_temporary_failure = 41,
  switch_congestion = 42,
  access_info_discarded = 43,
  requested_chan_unavail = 44,
  pre_empted = 45,
  facility_not_subscribed = 50,
  outgoing_call_barred = 52,
  incoming_call_barred = 54,
  bearercapability_notauth = 57,
  bearercapability_notavail = 58,
  service_unavailable = 63,
  bearercapability_notimpl = 65,
  chan_not_implemented = 66,
  facility_not_implemented = 69,
  service_not_implemented = 79,
  invalid_call_reference = 81,
  incompatible_destination = 88,
  invalid_msg_unspecified = 95,
  mandatory_ie_missing = 96,
  message_type_nonexist = 97,
  wrong_message = 98,
  ie_nonexist = 99,
  invalid_ie_contents = 100,
  wrong_call_state = 101,
  recovery_on_timer_expire = 102,
  mandatory_ie_length_error = 103,
  protocol_error = 111,
  interworking = 127,
  success = 142,
  originator_cancel = 487,
  crash = 700,
  system_shutdown = 701,
  lose_race = 702,
  manager_request = 703,
  blind_transfer = 800,
  attended_transfer = 801,
  allotted_timeout = 802,
  user_challenge = 803,
  media_timeout = 804,
  picked_off = 805,
  user_not_registered = 806,
  progress_timeout = 807,
  invalid_gateway = 808,
  gateway_down = 809,
  invalid_url = 810,
  invalid_profile = 811,
  no_pickup = 812,
  srtp_read_error = 813,
  bowout = 814,
  busy_everywhere = 815,
  decline = 816,
  does_not_exist_anywhere = 817,
  not_acceptable = 818,
  unwanted = 819,
  no_identity = 820,
  bad_identity_info = 821,
  unsupported_certificate = 822,
  invalid_identity = 823,
  stale_date = 824,
  reject_all = 825,
};

struct HangupCauseInfo {
  HangupCause cause;
  std::string_view name;  // FreeSWITCH's name, e.g. "USER_BUSY"
};

// Every cause, in FreeSWITCH's CAUSE_CHART order.
std::span<const HangupCauseInfo> all_hangup_causes();

// The cause's number (Q.850 where there is one): USER_BUSY -> 17.
constexpr int cause_code(HangupCause cause) { return static_cast<int>(cause); }

// FreeSWITCH's name ("NORMAL_CLEARING"); "UNKNOWN" for a value outside the
// table, as switch_channel_cause2str says.
std::string_view cause_name(HangupCause cause);

// A name in any case ("user_busy", "USER_BUSY") or the decimal number of a
// known cause ("17"). nullopt for anything else: unlike switch_channel_str2cause
// (which falls back to NORMAL_CLEARING) a typo is reported, not hidden.
std::optional<HangupCause> cause_from_name(std::string_view text);

// The SIP status sent for a cause (mod_sofia hangup_cause_to_sip): 480 for
// causes it does not list.
int cause_to_sip(HangupCause cause);

// The cause for a SIP final status received (sofia_glue_sip_cause_to_freeswitch):
// NORMAL_UNSPECIFIED for statuses it does not list.
HangupCause sip_to_cause(int status);

}  // namespace sipedge
