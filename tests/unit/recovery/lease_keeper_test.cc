// LeaseKeeper (the thread around LeaseStateMachine) against a fake store,
// in real time with a short TTL: promotion, renewals, release on stop, and
// above all that a renewal which never answers still demotes the node on
// time (the keeper thread never waits for the store). The fake answers
// inline, on the keeper thread, as a stopped Database does.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "recovery/lease_keeper.h"

namespace sipedge {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kWait = 5s;

class FakeLeaseStore : public LeaseOperations {
 public:
  // Behaviour, set before start().
  int grants = 1;                // acquisitions to grant; later ones find the lease held
  bool hang_renewals = false;    // keep renewal callbacks, never answer
  bool fail_everything = false;  // answer every request with an error

  void try_acquire(std::string, std::string node, std::string, std::chrono::milliseconds, AcquireCallback on_done,
                   ErrorCallback on_error) override {
    LeaseAcquireOutcome o;
    {
      std::lock_guard lock(mutex_);
      calls_.push_back("acquire");
      changed_.notify_all();
      if (fail_everything) {
        o.epoch = -1;
      } else if (grants > 0) {
        --grants;
        o.acquired = true;
        o.epoch = ++epoch_;
        o.holder_node = node;
        o.previous_node = epoch_ > 1 ? "node-b" : "";
      } else {
        o.epoch = epoch_;
        o.holder_node = "node-b";
        o.expires_in_ms = 100;
      }
    }
    if (o.epoch < 0) {
      on_error("database unavailable: fake store is down");
    } else {
      on_done(o);
    }
  }

  void renew(std::string, std::string node, std::string, std::int64_t epoch, std::chrono::milliseconds,
             RenewCallback on_done, ErrorCallback on_error) override {
    {
      std::lock_guard lock(mutex_);
      calls_.push_back("renew " + std::to_string(epoch));
      changed_.notify_all();
      if (hang_renewals) {
        hung_.push_back(std::move(on_done));
        return;
      }
    }
    if (fail_everything) {
      on_error("database unavailable: fake store is down");
      return;
    }
    LeaseRenewOutcome o;
    o.renewed = true;
    o.epoch = epoch;
    o.holder_node = node;
    o.expires_in_ms = 1000;
    on_done(o);
  }

  void release(std::string, std::int64_t epoch, std::string, ReleaseCallback on_done, ErrorCallback) override {
    {
      std::lock_guard lock(mutex_);
      calls_.push_back("release " + std::to_string(epoch));
      changed_.notify_all();
    }
    on_done(true);
  }

  int count(const std::string& call) const {
    std::lock_guard lock(mutex_);
    int n = 0;
    for (const auto& c : calls_) n += c == call ? 1 : 0;
    return n;
  }
  bool wait_count(const std::string& call, int n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kWait, [&] {
      int got = 0;
      for (const auto& c : calls_) got += c == call ? 1 : 0;
      return got >= n;
    });
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> calls_;
  std::vector<RenewCallback> hung_;  // kept alive, never called
  std::int64_t epoch_ = 0;
};

// Records the keeper's callbacks with their time.
struct Events {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::pair<std::int64_t, std::string>> promotions;
  std::vector<std::string> demotions;
  Clock::time_point promoted_at{}, demoted_at{};

  LeaseKeeper::PromoteCallback on_promote() {
    return [this](std::int64_t epoch, const std::string& previous) {
      std::lock_guard lock(mutex);
      promotions.emplace_back(epoch, previous);
      promoted_at = Clock::now();
      changed.notify_all();
    };
  }
  LeaseKeeper::DemoteCallback on_demote() {
    return [this](const std::string& reason) {
      std::lock_guard lock(mutex);
      demotions.push_back(reason);
      demoted_at = Clock::now();
      changed.notify_all();
    };
  }
  bool wait_promotions(std::size_t n) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, kWait, [&] { return promotions.size() >= n; });
  }
  bool wait_demotions(std::size_t n) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, kWait, [&] { return demotions.size() >= n; });
  }
};

LeaseKeeperConfig config() {
  LeaseKeeperConfig c;
  c.cluster_name = "pair-1";
  c.node_name = "node-a";
  c.runtime_id = "00000000-0000-4000-8000-00000000000a";
  c.renew_interval = 50ms;
  c.ttl = 300ms;  // margin 30 ms: local deadline 270 ms after a good renewal was sent
  return c;
}

TEST(LeaseKeeper, PromotesRenewsAndReleasesOnStop) {
  FakeLeaseStore store;
  Events events;
  LeaseKeeper keeper(store, config(), events.on_promote(), events.on_demote());
  keeper.start();
  ASSERT_TRUE(events.wait_promotions(1));
  EXPECT_EQ(events.promotions[0].first, 1);
  EXPECT_EQ(events.promotions[0].second, "");
  ASSERT_TRUE(store.wait_count("renew 1", 3));
  auto s = keeper.status();
  EXPECT_EQ(s.role, LeaseRole::active);
  EXPECT_EQ(s.epoch, 1);
  EXPECT_EQ(s.lease_holder, "node-a");
  EXPECT_GE(s.renewals, 2u);
  EXPECT_TRUE(keeper.is_active());

  keeper.stop();
  ASSERT_EQ(events.demotions.size(), 1u);
  EXPECT_EQ(events.demotions[0], "stopping");
  EXPECT_EQ(store.count("release 1"), 1);
  EXPECT_EQ(keeper.status().role, LeaseRole::standby);
}

TEST(LeaseKeeper, RenewalThatNeverAnswersStillDemotesOnTime) {
  FakeLeaseStore store;
  store.hang_renewals = true;
  Events events;
  LeaseKeeper keeper(store, config(), events.on_promote(), events.on_demote());
  const auto started = Clock::now();
  keeper.start();
  ASSERT_TRUE(events.wait_promotions(1));
  ASSERT_TRUE(events.wait_demotions(1)) << "the renewal hangs forever; the keeper's own timer must demote";
  const auto after_start = std::chrono::duration_cast<std::chrono::milliseconds>(events.demoted_at - started);
  // Deadline: acquisition sent (right after start) + 300 - 30 ms.
  EXPECT_GE(after_start, 260ms);
  EXPECT_LT(after_start, 300ms + 250ms) << "demoted " << after_start.count() << " ms after start";
  EXPECT_NE(events.demotions[0].find("local deadline"), std::string::npos) << events.demotions[0];
  EXPECT_EQ(store.count("renew 1"), 1) << "one renewal at a time: the hung one";
  ASSERT_TRUE(store.wait_count("release 1", 1)) << "a demoted node releases what it may still hold";
  EXPECT_EQ(keeper.status().role, LeaseRole::demoted);
  keeper.stop();
  EXPECT_EQ(events.demotions.size(), 1u) << "not active any more: stop() demotes nothing";
}

TEST(LeaseKeeper, ForcedStandbyReleasesAtOnceAndStaysStandby) {
  FakeLeaseStore store;
  store.grants = 2;
  Events events;
  LeaseKeeper keeper(store, config(), events.on_promote(), events.on_demote());
  keeper.start();
  ASSERT_TRUE(events.wait_promotions(1));
  keeper.set_standby_forced(true);
  ASSERT_TRUE(events.wait_demotions(1));
  EXPECT_EQ(events.demotions[0], "forced to standby");
  ASSERT_TRUE(store.wait_count("release 1", 1));
  const auto s = keeper.status();
  EXPECT_EQ(s.role, LeaseRole::standby);
  EXPECT_TRUE(s.forced_standby);
  const int acquisitions = store.count("acquire");
  keeper.set_standby_forced(false);
  ASSERT_TRUE(events.wait_promotions(2));
  EXPECT_EQ(events.promotions[1].first, 2) << "back only through a new acquisition, with a new epoch";
  EXPECT_EQ(store.count("acquire"), acquisitions + 1);
  keeper.stop();
}

TEST(LeaseKeeper, StoreFailingInlineNeitherDeadlocksNorPromotes) {
  FakeLeaseStore store;
  store.fail_everything = true;
  Events events;
  LeaseKeeper keeper(store, config(), events.on_promote(), events.on_demote());
  keeper.start();
  ASSERT_TRUE(store.wait_count("acquire", 3)) << "keeps polling every renew interval";
  const auto s = keeper.status();
  EXPECT_EQ(s.role, LeaseRole::standby);
  EXPECT_NE(s.last_error.find("fake store is down"), std::string::npos) << s.last_error;
  keeper.stop();
  EXPECT_TRUE(events.promotions.empty());
  EXPECT_TRUE(events.demotions.empty());
}

TEST(LeaseKeeper, RejectsIncompleteConfig) {
  FakeLeaseStore store;
  auto c = config();
  c.runtime_id.clear();
  EXPECT_THROW(LeaseKeeper(store, c, {}, {}), std::invalid_argument);
  c = config();
  c.renew_interval = 300ms;
  EXPECT_THROW(LeaseKeeper(store, c, {}, {}), std::invalid_argument);
}

}  // namespace
}  // namespace sipedge
