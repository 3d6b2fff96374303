// Gateway state names and health rules (node/gateways/gateway_state.h): the
// state names are mod_sofia's sofia_state_names; OPTIONS replies count the
// ping counter up or down as sofia_handle_sip_r_options does; refresh and
// retry waits. Pure functions, single-threaded.
#include "node/gateways/gateway_state.h"

#include <gtest/gtest.h>

#include <vector>

namespace sipedge {
namespace {

using std::chrono::seconds;

// ------------------------------------------------------------------ names

TEST(GatewayStateNames, AreModSofiasNamesInOrder) {
  const std::vector<std::pair<GatewayState, std::string>> expected = {
      {GatewayState::unreged, "UNREGED"},       {GatewayState::trying, "TRYING"},
      {GatewayState::register_, "REGISTER"},    {GatewayState::reged, "REGED"},
      {GatewayState::unregister, "UNREGISTER"}, {GatewayState::failed, "FAILED"},
      {GatewayState::fail_wait, "FAIL_WAIT"},   {GatewayState::expired, "EXPIRED"},
      {GatewayState::noreg, "NOREG"},           {GatewayState::down, "DOWN"},
      {GatewayState::timeout, "TIMEOUT"},
  };
  for (const auto& [state, name] : expected) {
    EXPECT_EQ(to_string(state), name);
    auto back = gateway_state_from_string(name);
    ASSERT_TRUE(back.has_value()) << name;
    EXPECT_EQ(*back, state) << name;
  }
}

TEST(GatewayStateNames, UnknownNamesAreRejected) {
  EXPECT_FALSE(gateway_state_from_string("").has_value());
  EXPECT_FALSE(gateway_state_from_string("reged").has_value());  // upper case only, as the gateways.state check
  EXPECT_FALSE(gateway_state_from_string("REGED ").has_value());
  EXPECT_FALSE(gateway_state_from_string("UP").has_value());
  EXPECT_FALSE(gateway_state_from_string("UNKNOWN").has_value());
}

// ------------------------------------------------------------ ping replies

TEST(GatewayPingReply, FinalAnswersCountUpExcept408And503) {
  for (int status : {200, 202, 299, 301, 400, 401, 403, 404, 405, 407, 481, 486, 500, 501, 502, 504, 599})
    EXPECT_TRUE(ping_reply_counts_up(status)) << status;
  for (int status : {408, 503}) EXPECT_FALSE(ping_reply_counts_up(status)) << status;
  // Provisional, 6xx, nothing (0) and nonsense do not count up either.
  for (int status : {0, -1, 100, 180, 199, 600, 603, 604, 606, 699, 700, 1000})
    EXPECT_FALSE(ping_reply_counts_up(status)) << status;
}

TEST(GatewayPingHealth, StartsUpWithCountZero) {
  PingHealth h;
  EXPECT_TRUE(h.up);
  EXPECT_EQ(h.count, 0);
}

TEST(GatewayPingHealth, MinOneMaxOneFlipsOnEachChange) {
  PingHealth h;
  EXPECT_FALSE(apply_ping_result(h, 200, 1, 1));  // already UP: no change
  EXPECT_EQ(h.count, 1);
  EXPECT_TRUE(h.up);
  EXPECT_FALSE(apply_ping_result(h, 200, 1, 1));  // capped at ping-max
  EXPECT_EQ(h.count, 1);
  EXPECT_TRUE(apply_ping_result(h, 503, 1, 1));
  EXPECT_EQ(h.count, 0);
  EXPECT_FALSE(h.up);
  EXPECT_FALSE(apply_ping_result(h, 408, 1, 1));  // never below 0, still DOWN
  EXPECT_EQ(h.count, 0);
  EXPECT_FALSE(h.up);
  EXPECT_TRUE(apply_ping_result(h, 404, 1, 1));  // any 2xx..5xx answer but 408/503 counts
  EXPECT_EQ(h.count, 1);
  EXPECT_TRUE(h.up);
}

TEST(GatewayPingHealth, FirstFailureOfAFreshGatewayTakesItDown) {
  PingHealth h;
  EXPECT_TRUE(apply_ping_result(h, 408, 1, 1));
  EXPECT_FALSE(h.up);
  EXPECT_EQ(h.count, 0);
}

TEST(GatewayPingHealth, NoReplyCountsDownLike408) {
  PingHealth h;
  apply_ping_result(h, 200, 1, 3);
  apply_ping_result(h, 200, 1, 3);
  ASSERT_EQ(h.count, 2);
  EXPECT_FALSE(apply_ping_result(h, 0, 1, 3));
  EXPECT_EQ(h.count, 1);
  EXPECT_TRUE(h.up);
  EXPECT_TRUE(apply_ping_result(h, 0, 1, 3));
  EXPECT_EQ(h.count, 0);
  EXPECT_FALSE(h.up);
}

TEST(GatewayPingHealth, UpAtPingMinDownBelowItCountCappedAtPingMax) {
  const int min = 2, max = 3;
  PingHealth h;
  // A fresh gateway is UP with count 0; a success below ping-min does not take it DOWN.
  EXPECT_FALSE(apply_ping_result(h, 200, min, max));
  EXPECT_EQ(h.count, 1);
  EXPECT_TRUE(h.up);
  EXPECT_TRUE(apply_ping_result(h, 503, min, max));  // 0 < ping-min: DOWN
  EXPECT_EQ(h.count, 0);
  EXPECT_FALSE(h.up);
  EXPECT_FALSE(apply_ping_result(h, 200, min, max));  // 1: still DOWN
  EXPECT_EQ(h.count, 1);
  EXPECT_FALSE(h.up);
  EXPECT_TRUE(apply_ping_result(h, 200, min, max));  // 2 >= ping-min: UP
  EXPECT_EQ(h.count, 2);
  EXPECT_TRUE(h.up);
  EXPECT_FALSE(apply_ping_result(h, 200, min, max));
  EXPECT_EQ(h.count, 3);
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(apply_ping_result(h, 200, min, max));
  EXPECT_EQ(h.count, 3);  // never above ping-max
  EXPECT_FALSE(apply_ping_result(h, 408, min, max));  // 2: still UP
  EXPECT_EQ(h.count, 2);
  EXPECT_TRUE(h.up);
  EXPECT_TRUE(apply_ping_result(h, 408, min, max));  // 1 < 2: DOWN
  EXPECT_EQ(h.count, 1);
  EXPECT_FALSE(h.up);
  EXPECT_FALSE(apply_ping_result(h, 503, min, max));
  EXPECT_FALSE(apply_ping_result(h, 503, min, max));
  EXPECT_EQ(h.count, 0);  // never below 0
  EXPECT_FALSE(h.up);
}

TEST(GatewayPingHealth, PingMinZeroNeverGoesDown) {
  PingHealth h;
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(apply_ping_result(h, 503, 0, 1));
  EXPECT_TRUE(h.up);
  EXPECT_EQ(h.count, 0);
}

TEST(GatewayPingHealth, ReturnsTrueExactlyWhenUpChanges) {
  // A long random-ish sequence: the return value always says whether `up` changed.
  const std::vector<int> replies = {200, 503, 200, 200, 408, 0, 404, 500, 503, 503, 200, 603, 200, 180, 200};
  PingHealth h;
  for (int status : replies) {
    bool before = h.up;
    bool changed = apply_ping_result(h, status, 2, 4);
    EXPECT_EQ(changed, before != h.up) << status;
    EXPECT_GE(h.count, 0);
    EXPECT_LE(h.count, 4);
    if (h.count >= 2) {
      EXPECT_TRUE(h.up) << status;
    }
  }
}

// ---------------------------------------------------------------- refresh

TEST(GatewayRefreshAfter, HalfOfAShortGrantAMinuteEarlyOtherwise) {
  EXPECT_EQ(refresh_after(3600), seconds(3540));
  EXPECT_EQ(refresh_after(600), seconds(540));
  EXPECT_EQ(refresh_after(121), seconds(61));
  EXPECT_EQ(refresh_after(120), seconds(60));
  EXPECT_EQ(refresh_after(60), seconds(30));
  EXPECT_EQ(refresh_after(4), seconds(2));
  EXPECT_EQ(refresh_after(3), seconds(1));
  EXPECT_EQ(refresh_after(2), seconds(1));
  // Never 0 (a tight loop), whatever the upstream granted.
  EXPECT_EQ(refresh_after(1), seconds(1));
  EXPECT_EQ(refresh_after(0), seconds(1));
  EXPECT_EQ(refresh_after(-30), seconds(1));
}

TEST(GatewayRefreshAfter, AlwaysBeforeExpiryAndMonotonic) {
  auto previous = refresh_after(1);
  for (int granted = 2; granted <= 7200; ++granted) {
    auto r = refresh_after(granted);
    EXPECT_LT(r, seconds(granted)) << granted;
    EXPECT_GE(r, seconds(1)) << granted;
    EXPECT_GE(r, previous) << granted;
    previous = r;
  }
}

// ------------------------------------------------------------------ retry

TEST(GatewayRetryAfter, GrowsWithFailuresUpToEightTimes) {
  EXPECT_EQ(retry_after(30, 1), seconds(30));
  EXPECT_EQ(retry_after(30, 2), seconds(60));
  EXPECT_EQ(retry_after(30, 3), seconds(90));
  EXPECT_EQ(retry_after(30, 8), seconds(240));
  EXPECT_EQ(retry_after(30, 9), seconds(240));
  EXPECT_EQ(retry_after(30, 1000), seconds(240));
  EXPECT_EQ(retry_after(5, 1), seconds(5));
  EXPECT_EQ(retry_after(5, 2), seconds(10));
  EXPECT_EQ(retry_after(5, 3), seconds(15));
}

TEST(GatewayRetryAfter, NeverBelowRetrySecondsNorZero) {
  EXPECT_EQ(retry_after(30, 0), seconds(30));
  EXPECT_EQ(retry_after(30, -3), seconds(30));
  EXPECT_GE(retry_after(0, 0), seconds(1));
  EXPECT_GE(retry_after(-5, 1), seconds(1));
  auto previous = retry_after(5, 1);
  for (int failures = 2; failures < 50; ++failures) {
    EXPECT_GE(retry_after(5, failures), previous) << failures;
    previous = retry_after(5, failures);
  }
}

TEST(GatewayRetryAfter, ALargerRetryAfterHeaderWins) {
  EXPECT_EQ(retry_after(30, 1, 120), seconds(120));
  EXPECT_EQ(retry_after(5, 1, 40), seconds(40));
  EXPECT_EQ(retry_after(30, 2, 10), seconds(60));  // smaller: the schedule
  EXPECT_EQ(retry_after(30, 1, 0), seconds(30));
  EXPECT_EQ(retry_after(30, 8, 3600), seconds(3600));  // beyond the 8x cap too
}

}  // namespace
}  // namespace sipedge
