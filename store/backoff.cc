#include "store/backoff.h"

#include <algorithm>
#include <memory>
#include <random>
#include <stdexcept>

namespace sipedge {

namespace {

Backoff::UnitRandom default_random() {
  auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
  return [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
}

}  // namespace

Backoff::Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, double jitter,
                 UnitRandom random)
    : initial_(initial), max_(max), jitter_(jitter), random_(random ? std::move(random) : default_random()) {
  if (initial_.count() <= 0 || max_ < initial_) {
    throw std::invalid_argument("backoff: need 0 < initial <= max");
  }
  if (jitter_ < 0.0 || jitter_ > 1.0) {
    throw std::invalid_argument("backoff: jitter must be within [0, 1]");
  }
}

std::chrono::milliseconds Backoff::next() {
  // Double per attempt without overflowing: stop doubling once at the cap.
  auto delay = initial_;
  for (int i = 0; i < attempt_ && delay < max_; ++i) {
    delay = std::min(delay * 2, max_);
  }
  ++attempt_;
  const double factor = 1.0 - jitter_ * std::clamp(random_(), 0.0, 1.0);
  const auto jittered = std::chrono::milliseconds(static_cast<long long>(static_cast<double>(delay.count()) * factor));
  return std::max(jittered, std::chrono::milliseconds(1));
}

}  // namespace sipedge
