#pragma once
// An event as FreeSWITCH's event system carries it: a name, an optional
// CUSTOM subclass, ordered headers and an optional body.
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sipedge {

struct Event {
  std::string name;      // "CUSTOM", "BACKGROUND_JOB", "HEARTBEAT", ...
  std::string subclass;  // "sofia::register" when name == "CUSTOM"
  std::vector<std::pair<std::string, std::string>> headers;  // in order
  std::string body;

  Event() = default;
  explicit Event(std::string event_name, std::string event_subclass = {})
      : name(std::move(event_name)), subclass(std::move(event_subclass)) {}

  static Event custom(std::string subclass) { return Event("CUSTOM", std::move(subclass)); }

  Event& add_header(std::string key, std::string value) {
    headers.emplace_back(std::move(key), std::move(value));
    return *this;
  }
  // First header with this name (case-insensitive), or nullptr.
  const std::string* header(std::string_view key) const;
};

using EventPtr = std::shared_ptr<const Event>;

}  // namespace sipedge
