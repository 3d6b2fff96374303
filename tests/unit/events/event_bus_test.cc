#include "node/events/event_bus.h"

#include <atomic>
#include <mutex>
#include <regex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace sipedge {
namespace {

NodeIdentity test_identity() { return NodeIdentity{"node-a", "host-a", "11111111-2222-3333-4444-555555555555"}; }

std::vector<std::string> names_of(const Event& event) {
  std::vector<std::string> names;
  for (const auto& [name, value] : event.headers) names.push_back(name);
  return names;
}

TEST(EventBus, StampsStandardHeadersBeforeTheProducersOnes) {
  EventBus bus(test_identity());
  EventPtr seen;
  bus.subscribe([&](const EventPtr& e) { seen = e; });

  Event event = Event::custom("sofia::register");
  event.add_header("profile-name", "internal");
  event.body = "b";
  bus.publish(std::move(event));

  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->name, "CUSTOM");
  EXPECT_EQ(seen->subclass, "sofia::register");
  EXPECT_EQ(names_of(*seen),
            (std::vector<std::string>{"Event-Subclass", "Event-Name", "Core-UUID", "FreeSWITCH-Hostname",
                                      "FreeSWITCH-Switchname", "Event-Date-Local", "Event-Date-GMT",
                                      "Event-Date-Timestamp", "Event-Sequence", "profile-name"}));
  EXPECT_EQ(*seen->header("Event-Subclass"), "sofia::register");
  EXPECT_EQ(*seen->header("Event-Name"), "CUSTOM");
  EXPECT_EQ(*seen->header("Core-UUID"), "11111111-2222-3333-4444-555555555555");
  EXPECT_EQ(*seen->header("FreeSWITCH-Hostname"), "host-a");
  EXPECT_EQ(*seen->header("FreeSWITCH-Switchname"), "node-a");
  EXPECT_EQ(*seen->header("profile-name"), "internal");
  EXPECT_EQ(seen->body, "b");
  EXPECT_TRUE(std::regex_match(*seen->header("Event-Date-Local"),
                               std::regex(R"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})")));
  EXPECT_TRUE(std::regex_match(*seen->header("Event-Date-GMT"),
                               std::regex(R"((Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT)")));
  // Microseconds since the epoch: 16 digits until the year 2286.
  EXPECT_TRUE(std::regex_match(*seen->header("Event-Date-Timestamp"), std::regex(R"(\d{16})")));
  const auto micros = std::stoll(*seen->header("Event-Date-Timestamp"));
  const auto now = std::chrono::duration_cast<std::chrono::microseconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_LE(micros, now);
  EXPECT_GT(micros, now - 60'000'000);
}

TEST(EventBus, NonCustomEventsHaveNoSubclassHeaderAndSequenceIncreases) {
  EventBus bus(test_identity());
  std::vector<EventPtr> seen;
  bus.subscribe([&](const EventPtr& e) { seen.push_back(e); });
  bus.publish(Event("HEARTBEAT"));
  bus.publish(Event("HEARTBEAT"));
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0]->header("Event-Subclass"), nullptr);
  EXPECT_EQ(seen[0]->headers.front().first, "Event-Name");
  EXPECT_EQ(std::stoull(*seen[1]->header("Event-Sequence")), std::stoull(*seen[0]->header("Event-Sequence")) + 1);
}

TEST(EventBus, UnsubscribedHandlersStopReceiving) {
  EventBus bus(test_identity());
  int a = 0, b = 0;
  const auto id_a = bus.subscribe([&](const EventPtr&) { ++a; });
  bus.subscribe([&](const EventPtr&) { ++b; });
  bus.publish(Event("HEARTBEAT"));
  bus.unsubscribe(id_a);
  bus.publish(Event("HEARTBEAT"));
  EXPECT_EQ(a, 1);
  EXPECT_EQ(b, 2);
}

TEST(EventBus, AThrowingSubscriberDoesNotStopDelivery) {
  EventBus bus(test_identity());
  int delivered = 0;
  bus.subscribe([](const EventPtr&) { throw std::runtime_error("boom"); });
  bus.subscribe([&](const EventPtr&) { ++delivered; });
  bus.publish(Event("HEARTBEAT"));
  EXPECT_EQ(delivered, 1);
}

TEST(EventBus, AHandlerMayUnsubscribeItself) {
  EventBus bus(test_identity());
  int calls = 0;
  EventBus::SubscriptionId id = 0;
  id = bus.subscribe([&](const EventPtr&) {
    ++calls;
    bus.unsubscribe(id);
  });
  bus.publish(Event("HEARTBEAT"));
  bus.publish(Event("HEARTBEAT"));
  EXPECT_EQ(calls, 1);
}

TEST(EventBus, ConcurrentPublishersGetDistinctSequenceNumbers) {
  EventBus bus(test_identity());
  std::mutex mutex;
  std::set<std::string> sequences;
  std::atomic<int> count{0};
  bus.subscribe([&](const EventPtr& e) {
    ++count;
    std::lock_guard lock(mutex);
    sequences.insert(*e->header("Event-Sequence"));
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) bus.publish(Event("HEARTBEAT"));
    });
  }
  // Subscribing and unsubscribing while publishing must be safe too.
  for (int i = 0; i < 200; ++i) bus.unsubscribe(bus.subscribe([](const EventPtr&) {}));
  for (auto& t : threads) t.join();
  EXPECT_EQ(count.load(), 2000);
  EXPECT_EQ(sequences.size(), 2000u);
}

}  // namespace
}  // namespace sipedge
