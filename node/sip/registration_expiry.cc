#include "node/sip/registration_expiry.h"

#include <spdlog/spdlog.h>

#include "node/sip/register_events.h"

namespace sipedge {

namespace {
constexpr std::size_t kSweepLimit = 1000;  // rows per sweep; a full sweep asks again at once
}

RegistrationExpiry::RegistrationExpiry(RegistrationStore& store, EventBus& bus, std::chrono::milliseconds interval)
    : store_(store), bus_(bus), interval_(interval) {}

RegistrationExpiry::~RegistrationExpiry() { stop(); }

void RegistrationExpiry::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void RegistrationExpiry::stop() {
  {
    std::unique_lock lock(mutex_);
    stopping_ = true;
    wake_.notify_all();
    // A sweep in flight calls back into this object: wait for it.
    wake_.wait(lock, [this] { return !in_flight_; });
  }
  if (thread_.joinable()) thread_.join();
}

void RegistrationExpiry::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, interval_, [this] { return stopping_ || again_; });
    again_ = false;
    if (stopping_ || in_flight_) continue;
    if (active_ && !active_->load()) continue;  // standby: the active node sweeps
    in_flight_ = true;
    lock.unlock();
    auto finish = [this](bool again) {
      std::lock_guard guard(mutex_);
      in_flight_ = false;
      again_ = again;  // a full sweep: more rows are due, sweep again at once
      wake_.notify_all();
    };
    store_.expire_due(
        kSweepLimit,
        [this, finish](std::vector<Binding> expired) {
          for (const Binding& b : expired) bus_.publish(expire_event(b));
          if (!expired.empty()) spdlog::debug("expired {} registration(s)", expired.size());
          finish(expired.size() == kSweepLimit);
        },
        [finish](const std::string& error) {
          spdlog::debug("registration expiry sweep failed: {}", error);
          finish(false);
        });
    lock.lock();
  }
}

}  // namespace sipedge
