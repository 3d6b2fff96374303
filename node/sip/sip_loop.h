#pragma once
// The SIP thread: one su_root run by one dedicated thread. Every nta_*,
// su_timer_* and tport_* call happens on it (sofia-sip is single-threaded).
// Other threads hand work over with post(); it is queued under a mutex and
// the loop is woken through an eventfd registered with the su_root.
#include <atomic>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

extern "C" {
#include <sofia-sip/su_wait.h>
}

namespace sipedge {

class SipLoop {
 public:
  SipLoop();
  ~SipLoop();
  SipLoop(const SipLoop&) = delete;
  SipLoop& operator=(const SipLoop&) = delete;

  void start();  // spawns the SIP thread
  void stop();   // runs what is queued, breaks the loop, joins

  // Queue work for the SIP thread (safe from any thread, including itself).
  void post(std::function<void()> work);
  bool in_thread() const { return std::this_thread::get_id() == thread_id_.load(); }
  su_root_t* root() const { return root_; }

 private:
  static int on_wakeup(su_root_magic_t* magic, su_wait_t* wait, su_wakeup_arg_t* arg);
  void drain();

  su_root_t* root_ = nullptr;
  int wake_fd_ = -1;
  su_wait_t wait_{};
  std::mutex queue_mutex_;  // guards queue_
  std::deque<std::function<void()>> queue_;
  std::atomic<std::thread::id> thread_id_{};
  std::thread thread_;
};

}  // namespace sipedge
