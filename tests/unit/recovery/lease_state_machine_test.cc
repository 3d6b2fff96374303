// LeaseStateMachine with a fake clock and fake store answers: when it asks
// to acquire, renew and release; promotion with the epoch and previous
// holder; the local deadline (a hanging renewal demotes exactly at
// sent + TTL - margin, a late success does not count); refusal; hold-off;
// forced standby; stop.
#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>

#include "recovery/lease_state_machine.h"

namespace sipedge {
namespace {

using namespace std::chrono_literals;
using Kind = LeaseAction::Kind;
using TimePoint = LeaseStateMachine::TimePoint;

// renew 200 ms, TTL 1000 ms, margin 100 ms, hold-off 1000 ms.
const LeaseTiming kTiming = make_lease_timing(200ms, 1000ms);
const TimePoint t0 = TimePoint{} + 10h;

TimePoint at(std::chrono::milliseconds ms) { return t0 + ms; }

LeaseAcquireOutcome granted(std::int64_t epoch, std::string previous = "") {
  LeaseAcquireOutcome o;
  o.acquired = true;
  o.epoch = epoch;
  o.holder_node = "node-a";
  o.expires_in_ms = 1000;
  o.previous_node = std::move(previous);
  return o;
}

LeaseAcquireOutcome held_by(std::string node, std::int64_t epoch, std::int64_t expires_in_ms) {
  LeaseAcquireOutcome o;
  o.epoch = epoch;
  o.holder_node = std::move(node);
  o.expires_in_ms = expires_in_ms;
  return o;
}

LeaseRenewOutcome renewal(bool renewed, std::int64_t epoch, std::string holder = "node-a") {
  LeaseRenewOutcome o;
  o.renewed = renewed;
  o.epoch = epoch;
  o.holder_node = std::move(holder);
  o.expires_in_ms = renewed ? 1000 : 0;
  return o;
}

const LeaseAction& only(const std::vector<LeaseAction>& actions, Kind kind) {
  if (actions.size() != 1 || actions[0].kind != kind) {
    throw std::runtime_error("expected exactly one action of kind " + std::to_string(static_cast<int>(kind)) +
                             ", got " + std::to_string(actions.size()));
  }
  return actions[0];
}

// A machine that became active with `epoch` from an acquisition sent at t0
// and answered at t0 + 5 ms.
struct ActiveMachine {
  LeaseStateMachine m{kTiming, t0};
  explicit ActiveMachine(std::int64_t epoch = 3) {
    const auto acquire = only(m.tick(t0), Kind::acquire);
    m.acquired(acquire.op, at(5ms), granted(epoch, "node-b"));
    const auto promote = only(m.tick(at(5ms)), Kind::promote);
    EXPECT_EQ(promote.epoch, epoch);
  }
};

TEST(LeaseStateMachine, StandbyAcquiresAtOnceAndOneRequestAtATime) {
  LeaseStateMachine m(kTiming, t0);
  EXPECT_EQ(m.status(t0).role, LeaseRole::standby);
  EXPECT_EQ(m.next_wakeup(), t0);
  only(m.tick(t0), Kind::acquire);
  EXPECT_TRUE(m.tick(at(500ms)).empty()) << "no second acquisition while one is in flight";
  EXPECT_EQ(m.next_wakeup(), TimePoint::max());
}

TEST(LeaseStateMachine, PromotesWithEpochAndPreviousHolder) {
  LeaseStateMachine m(kTiming, t0);
  const auto acquire = only(m.tick(t0), Kind::acquire);
  m.acquired(acquire.op, at(5ms), granted(7, "node-b"));
  EXPECT_EQ(m.next_wakeup(), TimePoint::min()) << "the promotion is due at once";
  const auto promote = only(m.tick(at(5ms)), Kind::promote);
  EXPECT_EQ(promote.epoch, 7);
  EXPECT_EQ(promote.text, "node-b");
  const auto s = m.status(at(5ms));
  EXPECT_EQ(s.role, LeaseRole::active);
  EXPECT_EQ(s.epoch, 7);
  EXPECT_EQ(s.lease_holder, "node-a");
  EXPECT_EQ(s.deadline_in_ms, 895) << "deadline = sent (t0) + TTL - margin";
  EXPECT_EQ(s.lease_expires_in_ms, 995);
  EXPECT_EQ(s.promotions, 1u);
}

TEST(LeaseStateMachine, StandbyPollsEveryIntervalOrAtTheHoldersExpiry) {
  LeaseStateMachine m(kTiming, t0);
  auto acquire = only(m.tick(t0), Kind::acquire);
  m.acquired(acquire.op, at(2ms), held_by("node-b", 4, 600));
  EXPECT_EQ(m.next_wakeup(), at(200ms));
  EXPECT_TRUE(m.tick(at(199ms)).empty());
  acquire = only(m.tick(at(200ms)), Kind::acquire);
  const auto s = m.status(at(200ms));
  EXPECT_EQ(s.role, LeaseRole::standby);
  EXPECT_EQ(s.lease_holder, "node-b");
  EXPECT_EQ(s.lease_epoch, 4);
  EXPECT_EQ(s.lease_expires_in_ms, 402);
  // The lease runs out in 50 ms: poll right then, not after 200.
  m.acquired(acquire.op, at(210ms), held_by("node-b", 4, 50));
  EXPECT_EQ(m.next_wakeup(), at(261ms));
}

TEST(LeaseStateMachine, RenewsEveryIntervalAndMovesTheDeadline) {
  ActiveMachine a;
  auto& m = a.m;
  EXPECT_EQ(m.next_wakeup(), at(200ms)) << "first renewal one interval after the acquisition was sent";
  EXPECT_TRUE(m.tick(at(199ms)).empty());
  auto renew = only(m.tick(at(200ms)), Kind::renew);
  EXPECT_EQ(renew.epoch, 3);
  EXPECT_EQ(m.next_wakeup(), at(900ms)) << "while it is in flight only the deadline matters";
  m.renewed(renew.op, at(230ms), renewal(true, 3));
  EXPECT_EQ(m.status(at(230ms)).deadline_in_ms, 870) << "deadline = renewal sent (t0+200) + 900";
  EXPECT_EQ(m.next_wakeup(), at(400ms));
  renew = only(m.tick(at(400ms)), Kind::renew);
  m.renewed(renew.op, at(401ms), renewal(true, 3));
  EXPECT_EQ(m.status(at(401ms)).renewals, 2u);
  // Past the first deadline (t0+900) but within the moved one (t0+1300).
  only(m.tick(at(1000ms)), Kind::renew);
  EXPECT_EQ(m.status(at(1000ms)).role, LeaseRole::active);
}

TEST(LeaseStateMachine, HangingRenewalDemotesExactlyAtTheLocalDeadline) {
  ActiveMachine a;
  auto& m = a.m;
  const auto renew = only(m.tick(at(200ms)), Kind::renew);
  EXPECT_TRUE(m.tick(at(899ms)).empty());
  EXPECT_EQ(m.status(at(899ms)).role, LeaseRole::active);
  const auto actions = m.tick(at(900ms));
  ASSERT_EQ(actions.size(), 2u);
  EXPECT_EQ(actions[0].kind, Kind::demote) << "the node stops acting first";
  EXPECT_NE(actions[0].text.find("local deadline"), std::string::npos) << actions[0].text;
  EXPECT_EQ(actions[1].kind, Kind::release) << "then releases, without waiting for the hung renewal";
  EXPECT_EQ(actions[1].epoch, 3);
  auto s = m.status(at(900ms));
  EXPECT_EQ(s.role, LeaseRole::demoted);
  EXPECT_EQ(s.epoch, 0);
  EXPECT_EQ(s.demotions, 1u);
  // The hung renewal finally succeeds: ignored.
  m.renewed(renew.op, at(950ms), renewal(true, 3));
  EXPECT_EQ(m.status(at(950ms)).role, LeaseRole::demoted);
  m.released(actions[1].op, at(960ms), true);
  EXPECT_EQ(m.status(at(960ms)).lease_expires_in_ms, 0);
}

TEST(LeaseStateMachine, RenewalAnsweredAfterTheDeadlineDoesNotCount) {
  ActiveMachine a;
  auto& m = a.m;
  const auto renew = only(m.tick(at(200ms)), Kind::renew);
  m.renewed(renew.op, at(900ms), renewal(true, 3));
  const auto actions = m.tick(at(900ms));
  ASSERT_FALSE(actions.empty());
  EXPECT_EQ(actions[0].kind, Kind::demote);
}

TEST(LeaseStateMachine, RefusedRenewalDemotesAtOnceWithoutRelease) {
  ActiveMachine a;
  auto& m = a.m;
  const auto renew = only(m.tick(at(200ms)), Kind::renew);
  m.renewed(renew.op, at(210ms), renewal(false, 4, "node-b"));
  const auto demote = only(m.tick(at(210ms)), Kind::demote);
  EXPECT_NE(demote.text.find("epoch 4 belongs to node-b"), std::string::npos) << demote.text;
  EXPECT_EQ(m.status(at(210ms)).role, LeaseRole::demoted);
}

TEST(LeaseStateMachine, FailedRenewalsAreRetriedUntilTheDeadline) {
  ActiveMachine a;
  auto& m = a.m;
  auto renew = only(m.tick(at(200ms)), Kind::renew);
  m.failed(renew.op, at(201ms), "database unavailable: x");
  EXPECT_EQ(m.status(at(201ms)).last_error, "database unavailable: x");
  EXPECT_TRUE(m.tick(at(201ms)).empty());
  renew = only(m.tick(at(400ms)), Kind::renew);
  // A failure that took longer than the interval: retried at once.
  m.failed(renew.op, at(650ms), "timeout");
  renew = only(m.tick(at(650ms)), Kind::renew);
  m.failed(renew.op, at(660ms), "timeout");
  EXPECT_EQ(m.status(at(660ms)).role, LeaseRole::active);
  renew = only(m.tick(at(850ms)), Kind::renew);
  const auto actions = m.tick(at(900ms));
  ASSERT_EQ(actions.size(), 2u);
  EXPECT_EQ(actions[0].kind, Kind::demote);
  EXPECT_EQ(actions[1].kind, Kind::release);
}

TEST(LeaseStateMachine, DemotedHoldsOffOneTtlThenAcquiresWithANewEpoch) {
  ActiveMachine a;
  auto& m = a.m;
  only(m.tick(at(200ms)), Kind::renew);
  const auto actions = m.tick(at(900ms));  // hung renewal: demote + release
  m.released(actions.at(1).op, at(910ms), true);
  EXPECT_EQ(m.next_wakeup(), at(1900ms));
  EXPECT_TRUE(m.tick(at(1899ms)).empty());
  EXPECT_EQ(m.status(at(1899ms)).role, LeaseRole::demoted);
  const auto acquire = only(m.tick(at(1900ms)), Kind::acquire);
  EXPECT_EQ(m.status(at(1900ms)).role, LeaseRole::standby);
  m.acquired(acquire.op, at(1905ms), granted(4, "node-a"));
  const auto promote = only(m.tick(at(1905ms)), Kind::promote);
  EXPECT_EQ(promote.epoch, 4);
  EXPECT_EQ(m.status(at(1905ms)).promotions, 2u);
}

TEST(LeaseStateMachine, ForcedStandbyReleasesAndNeverAcquires) {
  ActiveMachine a;
  auto& m = a.m;
  m.set_forced_standby(true, at(50ms));
  const auto actions = m.tick(at(50ms));
  ASSERT_EQ(actions.size(), 2u);
  EXPECT_EQ(actions[0].kind, Kind::demote);
  EXPECT_EQ(actions[0].text, "forced to standby");
  EXPECT_EQ(actions[1].kind, Kind::release);
  EXPECT_EQ(actions[1].epoch, 3);
  m.released(actions[1].op, at(55ms), true);
  auto s = m.status(at(55ms));
  EXPECT_EQ(s.role, LeaseRole::standby);
  EXPECT_TRUE(s.forced_standby);
  EXPECT_EQ(m.next_wakeup(), TimePoint::max());
  EXPECT_TRUE(m.tick(at(10s)).empty());
  m.set_forced_standby(false, at(10s));
  only(m.tick(at(10s)), Kind::acquire);
}

TEST(LeaseStateMachine, GrantWhileForcedIsReleasedNotPromoted) {
  LeaseStateMachine m(kTiming, t0);
  const auto acquire = only(m.tick(t0), Kind::acquire);
  m.set_forced_standby(true, at(1ms));
  m.acquired(acquire.op, at(5ms), granted(9));
  const auto release = only(m.tick(at(5ms)), Kind::release);
  EXPECT_EQ(release.epoch, 9);
  EXPECT_EQ(m.status(at(5ms)).role, LeaseRole::standby);
  EXPECT_EQ(m.status(at(5ms)).promotions, 0u);
}

TEST(LeaseStateMachine, GrantAnsweredAfterItsOwnDeadlineIsReleased) {
  LeaseStateMachine m(kTiming, t0);
  const auto acquire = only(m.tick(t0), Kind::acquire);
  m.acquired(acquire.op, at(900ms), granted(2));
  only(m.tick(at(900ms)), Kind::release);
  EXPECT_EQ(m.status(at(900ms)).role, LeaseRole::standby);
}

TEST(LeaseStateMachine, StopWhileActiveDemotesReleasesAndFinishes) {
  ActiveMachine a;
  auto& m = a.m;
  only(m.tick(at(200ms)), Kind::renew);  // in flight: abandoned by the stop
  m.stop(at(250ms));
  const auto actions = m.tick(at(250ms));
  ASSERT_EQ(actions.size(), 2u);
  EXPECT_EQ(actions[0].kind, Kind::demote);
  EXPECT_EQ(actions[0].text, "stopping");
  EXPECT_EQ(actions[1].kind, Kind::release);
  EXPECT_FALSE(m.finished());
  m.released(actions[1].op, at(260ms), true);
  EXPECT_TRUE(m.tick(at(260ms)).empty());
  EXPECT_TRUE(m.finished());
  EXPECT_EQ(m.next_wakeup(), TimePoint::max());
}

TEST(LeaseStateMachine, StopGivesUpWaitingAfterOneTtl) {
  ActiveMachine a;
  auto& m = a.m;
  m.stop(at(100ms));
  m.tick(at(100ms));  // demote + release, never answered
  EXPECT_EQ(m.next_wakeup(), at(1100ms));
  m.tick(at(1099ms));
  EXPECT_FALSE(m.finished());
  m.tick(at(1100ms));
  EXPECT_TRUE(m.finished());
}

TEST(LeaseStateMachine, StopWaitsForAnAcquisitionInFlightAndReleasesItsGrant) {
  LeaseStateMachine m(kTiming, t0);
  const auto acquire = only(m.tick(t0), Kind::acquire);
  m.stop(at(1ms));
  EXPECT_TRUE(m.tick(at(1ms)).empty());
  EXPECT_FALSE(m.finished());
  m.acquired(acquire.op, at(5ms), granted(5));
  const auto release = only(m.tick(at(5ms)), Kind::release);
  EXPECT_EQ(release.epoch, 5);
  m.released(release.op, at(6ms), true);
  m.tick(at(6ms));
  EXPECT_TRUE(m.finished());
}

TEST(LeaseStateMachine, StopWhileStandbyFinishesAtOnce) {
  LeaseStateMachine m(kTiming, t0);
  m.set_forced_standby(true, t0);
  m.stop(t0);
  EXPECT_TRUE(m.tick(t0).empty());
  EXPECT_TRUE(m.finished());
}

TEST(LeaseStateMachine, RejectsTimingThatCannotWork) {
  EXPECT_THROW(LeaseStateMachine(make_lease_timing(900ms, 1000ms), t0), std::invalid_argument);
  EXPECT_THROW(LeaseStateMachine(make_lease_timing(0ms, 1000ms), t0), std::invalid_argument);
  EXPECT_NO_THROW(LeaseStateMachine(make_lease_timing(200ms, 1000ms), t0));
  const LeaseTiming t = make_lease_timing(200ms, 1000ms);
  EXPECT_EQ(t.margin, 100ms);
  EXPECT_EQ(t.holdoff, 1000ms);
}

}  // namespace
}  // namespace sipedge
