#include "node/esl/esl_subscription.h"

#include <gtest/gtest.h>

namespace sipedge {
namespace {

Event custom(const std::string& subclass) {
  Event e = Event::custom(subclass);
  e.add_header("Event-Subclass", subclass).add_header("Event-Name", "CUSTOM");
  return e;
}

Event plain(const std::string& name) {
  Event e(name);
  e.add_header("Event-Name", name);
  return e;
}

TEST(CanonicalEventName, AcceptsAnyCaseAndTheSwitchEventPrefix) {
  EXPECT_EQ(canonical_event_name("heartbeat"), "HEARTBEAT");
  EXPECT_EQ(canonical_event_name("SWITCH_EVENT_BACKGROUND_JOB"), "BACKGROUND_JOB");
  EXPECT_EQ(canonical_event_name("all"), "ALL");
  EXPECT_FALSE(canonical_event_name("sofia::register"));
  EXPECT_FALSE(canonical_event_name(""));
}

TEST(EslSubscription, CustomNeedsTheSubclass) {
  EslSubscription s;
  EXPECT_EQ(s.add({"CUSTOM", "sofia::register", "sofia::expire"}), 1);
  EXPECT_TRUE(s.matches(custom("sofia::register")));
  EXPECT_TRUE(s.matches(custom("sofia::expire")));
  EXPECT_FALSE(s.matches(custom("sofia::unregister")));
  EXPECT_FALSE(s.matches(plain("HEARTBEAT")));
}

TEST(EslSubscription, WordsAfterCustomAreSubclassesEvenIfTheyLookLikeTypes) {
  EslSubscription s;
  EXPECT_EQ(s.add({"HEARTBEAT", "CUSTOM", "BACKGROUND_JOB"}), 2);
  EXPECT_TRUE(s.matches(plain("HEARTBEAT")));
  EXPECT_FALSE(s.matches(plain("BACKGROUND_JOB")));
  EXPECT_TRUE(s.matches(custom("BACKGROUND_JOB")));
}

TEST(EslSubscription, UnknownWordsAreIgnored) {
  EslSubscription s;
  EXPECT_EQ(s.add({"sofia::register", "bogus"}), 0);
  EXPECT_FALSE(s.matches(custom("sofia::register")));
}

TEST(EslSubscription, AllThenNixevent) {
  EslSubscription s;
  EXPECT_EQ(s.add({"ALL"}), 1);
  EXPECT_TRUE(s.matches(plain("HEARTBEAT")));
  EXPECT_TRUE(s.matches(custom("anything::here")));
  EXPECT_EQ(s.remove({"HEARTBEAT"}), 1);
  EXPECT_FALSE(s.matches(plain("HEARTBEAT")));
  EXPECT_TRUE(s.matches(plain("BACKGROUND_JOB")));
  EXPECT_TRUE(s.matches(custom("anything::here")));
  EXPECT_EQ(s.remove({"CUSTOM", "anything::here"}), 1);
  EXPECT_FALSE(s.matches(custom("anything::here")));
  EXPECT_TRUE(s.matches(custom("other::one")));
  EXPECT_EQ(s.add({"HEARTBEAT"}), 1);
  EXPECT_TRUE(s.matches(plain("HEARTBEAT")));
  EXPECT_EQ(s.remove({"ALL"}), 1);
  EXPECT_FALSE(s.matches(plain("BACKGROUND_JOB")));
}

TEST(EslSubscription, NixeventRemovesSingleTypesAndSubclasses) {
  EslSubscription s;
  s.add({"HEARTBEAT", "BACKGROUND_JOB", "CUSTOM", "a::b", "c::d"});
  EXPECT_EQ(s.remove({"HEARTBEAT", "CUSTOM", "a::b"}), 2);
  EXPECT_FALSE(s.matches(plain("HEARTBEAT")));
  EXPECT_TRUE(s.matches(plain("BACKGROUND_JOB")));
  EXPECT_FALSE(s.matches(custom("a::b")));
  EXPECT_TRUE(s.matches(custom("c::d")));
  EXPECT_EQ(s.remove({"nothing"}), 0);
  s.clear();
  EXPECT_FALSE(s.matches(plain("BACKGROUND_JOB")));
}

TEST(EslFilters, NoFiltersAllowEverything) {
  EslFilters f;
  EXPECT_TRUE(f.allows(plain("HEARTBEAT")));
}

TEST(EslFilters, PositiveFiltersAreOredAndCaseInsensitive) {
  EslFilters f;
  f.add("Event-Name", "heartbeat");
  f.add("Event-Subclass", "sofia::register");
  EXPECT_TRUE(f.allows(plain("HEARTBEAT")));
  EXPECT_TRUE(f.allows(custom("sofia::register")));
  EXPECT_FALSE(f.allows(custom("sofia::expire")));
  EXPECT_FALSE(f.allows(plain("BACKGROUND_JOB")));
}

TEST(EslFilters, NegativeFilterExcludesAndRegexMatches) {
  EslFilters f;
  f.add("Event-Subclass", "/^sofia::/");
  f.add("Event-Subclass", "-sofia::expire");
  EXPECT_TRUE(f.allows(custom("sofia::register")));
  EXPECT_FALSE(f.allows(custom("sofia::expire")));
  EXPECT_FALSE(f.allows(custom("other::x")));
  EXPECT_FALSE(f.allows(plain("HEARTBEAT")));  // has no Event-Subclass header
}

TEST(EslFilters, DeleteByHeaderValueOrAll) {
  EslFilters f;
  f.add("Event-Name", "HEARTBEAT");
  f.add("Event-Name", "BACKGROUND_JOB");
  f.remove("event-name", std::string("HEARTBEAT"));
  EXPECT_FALSE(f.allows(plain("HEARTBEAT")));
  EXPECT_TRUE(f.allows(plain("BACKGROUND_JOB")));
  f.remove("Event-Name", std::nullopt);
  EXPECT_TRUE(f.empty());
  f.add("Event-Name", "HEARTBEAT");
  f.remove("all", std::nullopt);
  EXPECT_TRUE(f.empty());
}

TEST(EslFilters, BadRegexNeverMatches) {
  EslFilters f;
  f.add("Event-Name", "/([/");
  EXPECT_FALSE(f.allows(plain("HEARTBEAT")));
}

}  // namespace
}  // namespace sipedge
