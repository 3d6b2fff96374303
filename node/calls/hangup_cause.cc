#include "node/calls/hangup_cause.h"

#include <array>
#include <charconv>

#include "node/common/ascii_case.h"

namespace sipedge {
namespace {

using C = HangupCause;

// switch_channel.c CAUSE_CHART, same order.
constexpr std::array kCauses{
    HangupCauseInfo{C::none, "NONE"},
    HangupCauseInfo{C::unallocated_number, "UNALLOCATED_NUMBER"},
    HangupCauseInfo{C::no_route_transit_net, "NO_ROUTE_TRANSIT_NET"},
    HangupCauseInfo{C::no_route_destination, "NO_ROUTE_DESTINATION"},
    HangupCauseInfo{C::channel_unacceptable, "CHANNEL_UNACCEPTABLE"},
    HangupCauseInfo{C::call_awarded_delivered, "CALL_AWARDED_DELIVERED"},
    HangupCauseInfo{C::normal_clearing, "NORMAL_CLEARING"},
    HangupCauseInfo{C::user_busy, "USER_BUSY"},
    HangupCauseInfo{C::no_user_response, "NO_USER_RESPONSE"},
    HangupCauseInfo{C::no_answer, "NO_ANSWER"},
    HangupCauseInfo{C::subscriber_absent, "SUBSCRIBER_ABSENT"},
    HangupCauseInfo{C::call_rejected, "CALL_REJECTED"},
    HangupCauseInfo{C::number_changed, "NUMBER_CHANGED"},
    HangupCauseInfo{C::redirection_to_new_destination, "REDIRECTION_TO_NEW_DESTINATION"},
    HangupCauseInfo{C::exchange_routing_error, "EXCHANGE_ROUTING_ERROR"},
    HangupCauseInfo{C::destination_out_of_order, "DESTINATION_OUT_OF_ORDER"},
    HangupCauseInfo{C::invalid_number_format, "INVALID_NUMBER_FORMAT"},
    HangupCauseInfo{C::facility_rejected, "FACILITY_REJECTED"},
    HangupCauseInfo{C::response_to_status_enquiry, "RESPONSE_TO_STATUS_ENQUIRY"},
    HangupCauseInfo{C::normal_unspecified, "NORMAL_UNSPECIFIED"},
    HangupCauseInfo{C::normal_circuit_congestion, "NORMAL_CIRCUIT_CONGESTION"},
    HangupCauseInfo{C::network_out_of_order, "NETWORK_OUT_OF_ORDER"},
    HangupCauseInfo{C::normal_temporary_failure, "NORMAL_TEMPORARY_FAILURE"},
    HangupCauseInfo{C::switch_congestion, "SWITCH_CONGESTION"},
    HangupCauseInfo{C::access_info_discarded, "ACCESS_INFO_DISCARDED"},
    HangupCauseInfo{C::requested_chan_unavail, "REQUESTED_CHAN_UNAVAIL"},
    HangupCauseInfo{C::pre_empted, "PRE_EMPTED"},
    HangupCauseInfo{C::facility_not_subscribed, "FACILITY_NOT_SUBSCRIBED"},
    HangupCauseInfo{C::outgoing_call_barred, "OUTGOING_CALL_BARRED"},
    HangupCauseInfo{C::incoming_call_barred, "INCOMING_CALL_BARRED"},
    HangupCauseInfo{C::bearercapability_notauth, "BEARERCAPABILITY_NOTAUTH"},
    HangupCauseInfo{C::bearercapability_notavail, "BEARERCAPABILITY_NOTAVAIL"},
    HangupCauseInfo{C::service_unavailable, "SERVICE_UNAVAILABLE"},
    HangupCauseInfo{C::bearercapability_notimpl, "BEARERCAPABILITY_NOTIMPL"},
    HangupCauseInfo{C::chan_not_implemented, "CHAN_NOT_IMPLEMENTED"},
    HangupCauseInfo{C::facility_not_implemented, "FACILITY_NOT_IMPLEMENTED"},
    HangupCauseInfo{C::service_not_implemented, "SERVICE_NOT_IMPLEMENTED"},
    HangupCauseInfo{C::invalid_call_reference, "INVALID_CALL_REFERENCE"},
    HangupCauseInfo{C::incompatible_destination, "INCOMPATIBLE_DESTINATION"},
    HangupCauseInfo{C::invalid_msg_unspecified, "INVALID_MSG_UNSPECIFIED"},
    HangupCauseInfo{C::mandatory_ie_missing, "MANDATORY_IE_MISSING"},
    HangupCauseInfo{C::message_type_nonexist, "MESSAGE_TYPE_NONEXIST"},
    HangupCauseInfo{C::wrong_message, "WRONG_MESSAGE"},
    HangupCauseInfo{C::ie_nonexist, "IE_NONEXIST"},
    HangupCauseInfo{C::invalid_ie_contents, "INVALID_IE_CONTENTS"},
    HangupCauseInfo{C::wrong_call_state, "WRONG_CALL_STATE"},
    HangupCauseInfo{C::recovery_on_timer_expire, "RECOVERY_ON_TIMER_EXPIRE"},
    HangupCauseInfo{C::mandatory_ie_length_error, "MANDATORY_IE_LENGTH_ERROR"},
    HangupCauseInfo{C::protocol_error, "PROTOCOL_ERROR"},
    HangupCauseInfo{C::interworking, "INTERWORKING"},
    HangupCauseInfo{C::success, "SUCCESS"},
    HangupCauseInfo{C::originator_cancel, "ORIGINATOR_CANCEL"},
    HangupCauseInfo{C::crash, "CRASH"},
    HangupCauseInfo{C::system_shutdown, "SYSTEM_SHUTDOWN"},
    HangupCauseInfo{C::lose_race, "LOSE_RACE"},
    HangupCauseInfo{C::manager_request, "MANAGER_REQUEST"},
    HangupCauseInfo{C::blind_transfer, "BLIND_TRANSFER"},
    HangupCauseInfo{C::attended_transfer, "ATTENDED_TRANSFER"},
    HangupCauseInfo{C::allotted_timeout, "ALLOTTED_TIMEOUT"},
    HangupCauseInfo{C::user_challenge, "USER_CHALLENGE"},
    HangupCauseInfo{C::media_timeout, "MEDIA_TIMEOUT"},
    HangupCauseInfo{C::picked_off, "PICKED_OFF"},
    HangupCauseInfo{C::user_not_registered, "USER_NOT_REGISTERED"},
    HangupCauseInfo{C::progress_timeout, "PROGRESS_TIMEOUT"},
    HangupCauseInfo{C::invalid_gateway, "INVALID_GATEWAY"},
    HangupCauseInfo{C::gateway_down, "GATEWAY_DOWN"},
    HangupCauseInfo{C::invalid_url, "INVALID_URL"},
    HangupCauseInfo{C::invalid_profile, "INVALID_PROFILE"},
    HangupCauseInfo{C::no_pickup, "NO_PICKUP"},
    HangupCauseInfo{C::srtp_read_error, "SRTP_READ_ERROR"},
    HangupCauseInfo{C::bowout, "BOWOUT"},
    HangupCauseInfo{C::busy_everywhere, "BUSY_EVERYWHERE"},
    HangupCauseInfo{C::decline, "DECLINE"},
    HangupCauseInfo{C::does_not_exist_anywhere, "DOES_NOT_EXIST_ANYWHERE"},
    HangupCauseInfo{C::not_acceptable, "NOT_ACCEPTABLE"},
    HangupCauseInfo{C::unwanted, "UNWANTED"},
    HangupCauseInfo{C::no_identity, "NO_IDENTITY"},
    HangupCauseInfo{C::bad_identity_info, "BAD_IDENTITY_INFO"},
    HangupCauseInfo{C::unsupported_certificate, "UNSUPPORTED_CERTIFICATE"},
    HangupCauseInfo{C::invalid_identity, "INVALID_IDENTITY"},
    HangupCauseInfo{C::stale_date, "STALE_DATE"},
    HangupCauseInfo{C::reject_all, "REJECT_ALL"},
};

}  // namespace

std::span<const HangupCauseInfo> all_hangup_causes() { return kCauses; }

std::string_view cause_name(HangupCause cause) {
  for (const auto& info : kCauses) {
    if (info.cause == cause) return info.name;
  }
  return "UNKNOWN";
}

std::optional<HangupCause> cause_from_name(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (text.front() >= '0' && text.front() <= '9') {
    int number = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    for (const auto& info : kCauses) {
      if (cause_code(info.cause) == number) return info.cause;
    }
    return std::nullopt;
  }
  for (const auto& info : kCauses) {
    if (iequals(info.name, text)) return info.cause;
  }
  return std::nullopt;
}

// mod_sofia.c hangup_cause_to_sip ("map QSIG cause codes to SIP from RFC4497
// section 8.4.1", plus FreeSWITCH's custom and STIR/SHAKEN rows).
int cause_to_sip(HangupCause cause) {
  switch (cause) {
    case C::unallocated_number:
    case C::no_route_transit_net:
    case C::no_route_destination:
      return 404;
    case C::user_busy:
      return 486;
    case C::no_user_response:
      return 408;
    case C::no_answer:
    case C::subscriber_absent:
      return 480;
    case C::call_rejected:
      return 603;
    case C::number_changed:
    case C::redirection_to_new_destination:
      return 410;
    case C::destination_out_of_order:
    case C::invalid_profile:
      return 502;
    case C::invalid_number_format:
    case C::invalid_url:
    case C::invalid_gateway:
      return 484;
    case C::facility_rejected:
      return 501;
    case C::normal_unspecified:
      return 480;
    case C::requested_chan_unavail:
    case C::normal_circuit_congestion:
    case C::network_out_of_order:
    case C::normal_temporary_failure:
    case C::switch_congestion:
    case C::gateway_down:
      return 503;
    case C::outgoing_call_barred:
    case C::incoming_call_barred:
    case C::bearercapability_notauth:
      return 403;
    case C::bearercapability_notavail:
      return 503;
    case C::bearercapability_notimpl:
    case C::incompatible_destination:
      return 488;
    case C::facility_not_implemented:
    case C::service_not_implemented:
      return 501;
    case C::recovery_on_timer_expire:
      return 504;
    case C::originator_cancel:
      return 487;
    case C::exchange_routing_error:
      return 483;
    // FreeSWITCH's mappings outside RFC 4497.
    case C::busy_everywhere:
      return 600;
    case C::decline:
    case C::reject_all:
      return 603;
    case C::does_not_exist_anywhere:
      return 604;
    case C::not_acceptable:
      return 606;
    case C::unwanted:
      return 607;
    // STIR/SHAKEN (RFC 8224).
    case C::no_identity:
      return 428;
    case C::bad_identity_info:
      return 429;
    case C::unsupported_certificate:
      return 437;
    case C::invalid_identity:
      return 438;
    case C::stale_date:
      return 403;
    default:
      return 480;
  }
}

// sofia_glue.c sofia_glue_sip_cause_to_freeswitch ("map sip responses to QSIG
// cause codes ala RFC4497 section 8.4.4").
HangupCause sip_to_cause(int status) {
  switch (status) {
    case 200:
      return C::normal_clearing;
    case 401:
    case 402:
    case 403:
    case 407:
    case 603:
    case 608:
      return C::call_rejected;
    case 607:
      return C::unwanted;
    case 404:
      return C::unallocated_number;
    case 485:
    case 604:
      return C::no_route_destination;
    case 408:
    case 504:
      return C::recovery_on_timer_expire;
    case 410:
      return C::number_changed;
    case 413:
    case 414:
    case 416:
    case 420:
    case 421:
    case 423:
    case 505:
    case 513:
      return C::interworking;
    case 480:
      return C::no_user_response;
    case 400:
    case 481:
    case 500:
    case 503:
      return C::normal_temporary_failure;
    case 486:
    case 600:
      return C::user_busy;
    case 484:
      return C::invalid_number_format;
    case 488:
    case 606:
      return C::incompatible_destination;
    case 502:
      return C::network_out_of_order;
    case 405:
      return C::service_unavailable;
    case 406:
    case 415:
    case 501:
      return C::service_not_implemented;
    case 482:
    case 483:
      return C::exchange_routing_error;
    case 487:
      return C::originator_cancel;
    case 428:
      return C::no_identity;
    case 429:
      return C::bad_identity_info;
    case 437:
      return C::unsupported_certificate;
    case 438:
      return C::invalid_identity;
    default:
      return C::normal_unspecified;
  }
}

}  // namespace sipedge
