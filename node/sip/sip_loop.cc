#include "node/sip/sip_loop.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <future>
#include <stdexcept>
#include <string>

#include <spdlog/spdlog.h>

extern "C" {
#include <sofia-sip/su.h>
}

namespace sipedge {

SipLoop::SipLoop() {
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) throw std::runtime_error("eventfd failed");
}

SipLoop::~SipLoop() {
  stop();
  ::close(wake_fd_);
}

void SipLoop::start() {
  std::promise<void> started;
  auto ready = started.get_future();
  // The su_root belongs to the thread that creates it: create, run and destroy it there.
  thread_ = std::thread([this, &started] {
    su_init();
    root_ = su_root_create(nullptr);
    su_wait_create(&wait_, wake_fd_, SU_WAIT_IN);
    if (!root_ || su_root_register(root_, &wait_, &SipLoop::on_wakeup,
                                   reinterpret_cast<su_wakeup_arg_t*>(this), 0) < 0) {
      started.set_exception(std::make_exception_ptr(std::runtime_error("cannot create the su_root")));
      return;
    }
    thread_id_ = std::this_thread::get_id();
    started.set_value();
    su_root_run(root_);
    drain();  // work posted while stopping (e.g. profile shutdown) still runs
    su_root_unregister(root_, &wait_, &SipLoop::on_wakeup, reinterpret_cast<su_wakeup_arg_t*>(this));
    su_root_destroy(root_);
    root_ = nullptr;
    su_deinit();
  });
  try {
    ready.get();
  } catch (...) {
    thread_.join();
    throw;
  }
}

void SipLoop::stop() {
  if (!thread_.joinable()) return;
  post([this] { su_root_break(root_); });
  thread_.join();
  thread_id_ = std::thread::id{};
}

void SipLoop::post(std::function<void()> work) {
  {
    std::lock_guard lock(queue_mutex_);
    queue_.push_back(std::move(work));
  }
  std::uint64_t one = 1;
  // A failed write means the counter is already non-zero: the loop wakes anyway.
  [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
}

int SipLoop::on_wakeup(su_root_magic_t*, su_wait_t*, su_wakeup_arg_t* arg) {
  auto* self = reinterpret_cast<SipLoop*>(arg);
  std::uint64_t count;
  [[maybe_unused]] auto n = ::read(self->wake_fd_, &count, sizeof count);
  self->drain();
  return 0;
}

void SipLoop::drain() {
  std::deque<std::function<void()>> batch;
  {
    std::lock_guard lock(queue_mutex_);
    batch.swap(queue_);
  }
  for (auto& work : batch) {
    // No exception may cross into sofia-sip's C frames (docs/design.md).
    try {
      work();
    } catch (const std::exception& e) {
      spdlog::error("SIP thread task failed: {}", e.what());
    }
  }
}

}  // namespace sipedge
