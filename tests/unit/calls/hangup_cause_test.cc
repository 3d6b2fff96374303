#include "node/calls/hangup_cause.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace sipedge {
namespace {

using C = HangupCause;

TEST(HangupCause, NamesAndNumbersAreFreeSwitchs) {
  EXPECT_EQ(cause_name(C::normal_clearing), "NORMAL_CLEARING");
  EXPECT_EQ(cause_code(C::normal_clearing), 16);
  EXPECT_EQ(cause_code(C::user_busy), 17);
  EXPECT_EQ(cause_code(C::no_user_response), 18);
  EXPECT_EQ(cause_code(C::no_answer), 19);
  EXPECT_EQ(cause_code(C::call_rejected), 21);
  EXPECT_EQ(cause_code(C::unallocated_number), 1);
  EXPECT_EQ(cause_code(C::no_route_destination), 3);
  EXPECT_EQ(cause_code(C::normal_temporary_failure), 41);
  EXPECT_EQ(cause_code(C::service_unavailable), 63);
  EXPECT_EQ(cause_code(C::incompatible_destination), 88);
  EXPECT_EQ(cause_code(C::recovery_on_timer_expire), 102);
  EXPECT_EQ(cause_code(C::originator_cancel), 487);
  EXPECT_EQ(cause_code(C::media_timeout), 804);
  EXPECT_EQ(cause_code(C::user_not_registered), 806);
  EXPECT_EQ(cause_code(C::invalid_gateway), 808);
  EXPECT_EQ(cause_code(C::gateway_down), 809);
  EXPECT_EQ(cause_code(C::invalid_url), 810);
  EXPECT_EQ(cause_code(C::reject_all), 825);
  EXPECT_EQ(cause_name(C::user_not_registered), "USER_NOT_REGISTERED");
  EXPECT_EQ(cause_name(C::gateway_down), "GATEWAY_DOWN");
  EXPECT_EQ(cause_name(C::originator_cancel), "ORIGINATOR_CANCEL");
}

TEST(HangupCause, TableIsCompleteAndRoundTrips) {
  auto causes = all_hangup_causes();
  EXPECT_EQ(causes.size(), 82u);  // switch_channel.c CAUSE_CHART without its terminator
  std::set<int> codes;
  std::set<std::string_view> names;
  for (const auto& info : causes) {
    EXPECT_TRUE(codes.insert(cause_code(info.cause)).second) << info.name;
    EXPECT_TRUE(names.insert(info.name).second) << info.name;
    EXPECT_EQ(cause_name(info.cause), info.name);
    EXPECT_EQ(cause_from_name(info.name), info.cause);
    EXPECT_EQ(cause_from_name(std::to_string(cause_code(info.cause))), info.cause);
  }
}

TEST(HangupCause, UnknownValueIsNamedUnknown) {
  EXPECT_EQ(cause_name(static_cast<HangupCause>(4)), "UNKNOWN");
}

TEST(HangupCause, FromNameIgnoresCaseAndRejectsTheRest) {
  EXPECT_EQ(cause_from_name("user_busy"), C::user_busy);
  EXPECT_EQ(cause_from_name("User_Busy"), C::user_busy);
  EXPECT_EQ(cause_from_name("17"), C::user_busy);
  EXPECT_EQ(cause_from_name("487"), C::originator_cancel);
  EXPECT_FALSE(cause_from_name(""));
  EXPECT_FALSE(cause_from_name("USER_BUSSY"));
  EXPECT_FALSE(cause_from_name("4"));      // no cause has that number
  EXPECT_FALSE(cause_from_name("17x"));
  EXPECT_FALSE(cause_from_name(" USER_BUSY"));
}

struct CauseToSip {
  HangupCause cause;
  int status;
};

class CauseToSipTest : public ::testing::TestWithParam<CauseToSip> {};

TEST_P(CauseToSipTest, MatchesModSofia) {
  EXPECT_EQ(cause_to_sip(GetParam().cause), GetParam().status) << cause_name(GetParam().cause);
}

// Every row of mod_sofia.c hangup_cause_to_sip, plus defaults.
INSTANTIATE_TEST_SUITE_P(
    HangupCause, CauseToSipTest,
    ::testing::Values(
        CauseToSip{C::unallocated_number, 404}, CauseToSip{C::no_route_transit_net, 404},
        CauseToSip{C::no_route_destination, 404}, CauseToSip{C::user_busy, 486},
        CauseToSip{C::no_user_response, 408}, CauseToSip{C::no_answer, 480},
        CauseToSip{C::subscriber_absent, 480}, CauseToSip{C::call_rejected, 603},
        CauseToSip{C::number_changed, 410}, CauseToSip{C::redirection_to_new_destination, 410},
        CauseToSip{C::destination_out_of_order, 502}, CauseToSip{C::invalid_profile, 502},
        CauseToSip{C::invalid_number_format, 484}, CauseToSip{C::invalid_url, 484},
        CauseToSip{C::invalid_gateway, 484}, CauseToSip{C::facility_rejected, 501},
        CauseToSip{C::normal_unspecified, 480}, CauseToSip{C::requested_chan_unavail, 503},
        CauseToSip{C::normal_circuit_congestion, 503}, CauseToSip{C::network_out_of_order, 503},
        CauseToSip{C::normal_temporary_failure, 503}, CauseToSip{C::switch_congestion, 503},
        CauseToSip{C::gateway_down, 503}, CauseToSip{C::outgoing_call_barred, 403},
        CauseToSip{C::incoming_call_barred, 403}, CauseToSip{C::bearercapability_notauth, 403},
        CauseToSip{C::bearercapability_notavail, 503}, CauseToSip{C::bearercapability_notimpl, 488},
        CauseToSip{C::incompatible_destination, 488}, CauseToSip{C::facility_not_implemented, 501},
        CauseToSip{C::service_not_implemented, 501}, CauseToSip{C::recovery_on_timer_expire, 504},
        CauseToSip{C::originator_cancel, 487}, CauseToSip{C::exchange_routing_error, 483},
        CauseToSip{C::busy_everywhere, 600}, CauseToSip{C::decline, 603}, CauseToSip{C::reject_all, 603},
        CauseToSip{C::does_not_exist_anywhere, 604}, CauseToSip{C::not_acceptable, 606},
        CauseToSip{C::unwanted, 607}, CauseToSip{C::no_identity, 428}, CauseToSip{C::bad_identity_info, 429},
        CauseToSip{C::unsupported_certificate, 437}, CauseToSip{C::invalid_identity, 438},
        CauseToSip{C::stale_date, 403},
        // Not listed by mod_sofia: 480.
        CauseToSip{C::normal_clearing, 480}, CauseToSip{C::user_not_registered, 480},
        CauseToSip{C::media_timeout, 480}, CauseToSip{C::service_unavailable, 480},
        CauseToSip{C::none, 480}));

struct SipToCause {
  int status;
  HangupCause cause;
};

class SipToCauseTest : public ::testing::TestWithParam<SipToCause> {};

TEST_P(SipToCauseTest, MatchesSofiaGlue) {
  EXPECT_EQ(sip_to_cause(GetParam().status), GetParam().cause) << GetParam().status;
}

// Every row of sofia_glue.c sofia_glue_sip_cause_to_freeswitch, plus defaults.
INSTANTIATE_TEST_SUITE_P(
    HangupCause, SipToCauseTest,
    ::testing::Values(
        SipToCause{200, C::normal_clearing}, SipToCause{401, C::call_rejected}, SipToCause{402, C::call_rejected},
        SipToCause{403, C::call_rejected}, SipToCause{407, C::call_rejected}, SipToCause{603, C::call_rejected},
        SipToCause{608, C::call_rejected}, SipToCause{607, C::unwanted}, SipToCause{404, C::unallocated_number},
        SipToCause{485, C::no_route_destination}, SipToCause{604, C::no_route_destination},
        SipToCause{408, C::recovery_on_timer_expire}, SipToCause{504, C::recovery_on_timer_expire},
        SipToCause{410, C::number_changed}, SipToCause{413, C::interworking}, SipToCause{414, C::interworking},
        SipToCause{416, C::interworking}, SipToCause{420, C::interworking}, SipToCause{421, C::interworking},
        SipToCause{423, C::interworking}, SipToCause{505, C::interworking}, SipToCause{513, C::interworking},
        SipToCause{480, C::no_user_response}, SipToCause{400, C::normal_temporary_failure},
        SipToCause{481, C::normal_temporary_failure}, SipToCause{500, C::normal_temporary_failure},
        SipToCause{503, C::normal_temporary_failure}, SipToCause{486, C::user_busy}, SipToCause{600, C::user_busy},
        SipToCause{484, C::invalid_number_format}, SipToCause{488, C::incompatible_destination},
        SipToCause{606, C::incompatible_destination}, SipToCause{502, C::network_out_of_order},
        SipToCause{405, C::service_unavailable}, SipToCause{406, C::service_not_implemented},
        SipToCause{415, C::service_not_implemented}, SipToCause{501, C::service_not_implemented},
        SipToCause{482, C::exchange_routing_error}, SipToCause{483, C::exchange_routing_error},
        SipToCause{487, C::originator_cancel}, SipToCause{428, C::no_identity},
        SipToCause{429, C::bad_identity_info}, SipToCause{437, C::unsupported_certificate},
        SipToCause{438, C::invalid_identity},
        // Not listed: NORMAL_UNSPECIFIED.
        SipToCause{409, C::normal_unspecified}, SipToCause{499, C::normal_unspecified},
        SipToCause{580, C::normal_unspecified}, SipToCause{699, C::normal_unspecified},
        SipToCause{0, C::normal_unspecified}));

}  // namespace
}  // namespace sipedge
