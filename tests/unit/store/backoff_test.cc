#include "store/backoff.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace sipedge {
namespace {

using std::chrono::milliseconds;

TEST(BackoffTest, DoublesFromInitialUpToTheCapWithoutJitter) {
  Backoff backoff(milliseconds(100), milliseconds(5000), 0.0, [] { return 0.7; });
  const long long expected[] = {100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000};
  for (long long ms : expected) {
    EXPECT_EQ(backoff.next(), milliseconds(ms));
  }
  EXPECT_EQ(backoff.attempts(), 9);
}

TEST(BackoffTest, ResetStartsOverFromInitial) {
  Backoff backoff(milliseconds(100), milliseconds(5000), 0.0, [] { return 0.0; });
  backoff.next();
  backoff.next();
  backoff.reset();
  EXPECT_EQ(backoff.next(), milliseconds(100));
}

TEST(BackoffTest, JitterScalesDownByAtMostTheJitterFraction) {
  double sample = 0.0;
  Backoff backoff(milliseconds(1000), milliseconds(1000), 0.5, [&sample] { return sample; });
  sample = 0.0;
  EXPECT_EQ(backoff.next(), milliseconds(1000));
  sample = 0.5;
  EXPECT_EQ(backoff.next(), milliseconds(750));
  sample = 0.999999;
  EXPECT_EQ(backoff.next(), milliseconds(500));  // never below (1 - jitter) * delay
}

TEST(BackoffTest, ManyAttemptsDoNotOverflow) {
  Backoff backoff(milliseconds(100), milliseconds(5000), 0.0, [] { return 0.0; });
  for (int i = 0; i < 1000; ++i) backoff.next();
  EXPECT_EQ(backoff.next(), milliseconds(5000));
}

TEST(BackoffTest, DefaultRandomStaysWithinBounds) {
  Backoff backoff(milliseconds(100), milliseconds(5000), 0.5);
  for (int i = 0; i < 200; ++i) {
    const auto delay = backoff.next();
    EXPECT_GE(delay, milliseconds(50));
    EXPECT_LE(delay, milliseconds(5000));
  }
}

TEST(BackoffTest, RejectsNonsenseParameters) {
  EXPECT_THROW(Backoff(milliseconds(0), milliseconds(10), 0.1), std::invalid_argument);
  EXPECT_THROW(Backoff(milliseconds(100), milliseconds(10), 0.1), std::invalid_argument);
  EXPECT_THROW(Backoff(milliseconds(100), milliseconds(1000), 1.5), std::invalid_argument);
}

}  // namespace
}  // namespace sipedge
