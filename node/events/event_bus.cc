#include "node/events/event_bus.h"

#include <chrono>
#include <ctime>
#include <exception>
#include <vector>

#include <spdlog/spdlog.h>

namespace sipedge {

namespace {

// switch_rfc822_date: "Thu, 01 Jan 1970 00:00:00 GMT" (RFC 1123 section 5.2.14).
std::string rfc1123_date(std::time_t t) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday], tm.tm_mday,
                kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string local_date(std::time_t t) {
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

}  // namespace

EventBus::EventBus(NodeIdentity identity) : identity_(std::move(identity)) {}

EventBus::SubscriptionId EventBus::subscribe(Handler handler) {
  std::lock_guard lock(subscribers_mutex_);
  const SubscriptionId id = next_id_++;
  subscribers_.emplace(id, std::make_shared<Handler>(std::move(handler)));
  return id;
}

void EventBus::unsubscribe(SubscriptionId id) {
  std::lock_guard lock(subscribers_mutex_);
  subscribers_.erase(id);
}

void EventBus::publish(Event event) {
  const auto now = std::chrono::system_clock::now();
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);

  // Standard headers in the order switch_event_create + switch_event_prep_for_delivery
  // put them (FreeSWITCH-IPv4/IPv6 and Event-Calling-* are omitted).
  std::vector<std::pair<std::string, std::string>> headers;
  headers.reserve(event.headers.size() + 10);
  if (event.name == "CUSTOM") headers.emplace_back("Event-Subclass", event.subclass);
  headers.emplace_back("Event-Name", event.name);
  headers.emplace_back("Core-UUID", identity_.core_uuid);
  headers.emplace_back("FreeSWITCH-Hostname", identity_.hostname);
  headers.emplace_back("FreeSWITCH-Switchname", identity_.switchname);
  headers.emplace_back("Event-Date-Local", local_date(secs));
  headers.emplace_back("Event-Date-GMT", rfc1123_date(secs));
  headers.emplace_back("Event-Date-Timestamp", std::to_string(micros));
  headers.emplace_back("Event-Sequence", std::to_string(++sequence_));
  for (auto& h : event.headers) headers.push_back(std::move(h));
  event.headers = std::move(headers);

  EventPtr shared = std::make_shared<const Event>(std::move(event));

  // Deliver outside the lock so a handler may (un)subscribe; a handler being
  // unsubscribed concurrently may still see this one event.
  std::vector<std::shared_ptr<Handler>> handlers;
  {
    std::lock_guard lock(subscribers_mutex_);
    handlers.reserve(subscribers_.size());
    for (const auto& [id, handler] : subscribers_) handlers.push_back(handler);
  }
  for (const auto& handler : handlers) {
    try {
      (*handler)(shared);
    } catch (const std::exception& e) {
      // A failing subscriber must not stop delivery to the others.
      spdlog::error("event bus: subscriber failed on {}: {}", shared->name, e.what());
    }
  }
}

}  // namespace sipedge
