#pragma once
// Which events one event-socket session receives: the `event`, `nixevent`,
// `noevents` and `filter` commands of mod_event_socket, with its semantics
// (event_handler() and parse_command() there). Not thread-safe: the session
// guards it with a mutex because the bus delivers from any thread.
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "node/events/event.h"

namespace sipedge {

// The canonical (upper-case) name of a FreeSWITCH event type, accepting any
// case and the "SWITCH_EVENT_" prefix as switch_name_event does; nullopt for
// a word that names no event type.
std::optional<std::string> canonical_event_name(std::string_view word);

class EslSubscription {
 public:
  // `event <format> <names...>` words after the format: event type names,
  // "ALL", and after "CUSTOM" subclass names. Returns how many event type
  // names were recognised (0 means FreeSWITCH's "-ERR no keywords supplied").
  int add(const std::vector<std::string>& words);
  // `nixevent <names...>`; same return value.
  int remove(const std::vector<std::string>& words);
  // `noevents`.
  void clear();
  bool matches(const Event& event) const;

 private:
  bool type_enabled(const std::string& name) const;
  bool subclass_enabled(const std::string& subclass) const;

  bool all_ = false;          // event_list[SWITCH_EVENT_ALL]
  bool all_types_ = false;    // every type enabled except nixed_types_
  std::set<std::string> types_;
  std::set<std::string> nixed_types_;
  bool all_custom_ = false;   // every subclass enabled except nixed_subclasses_
  std::set<std::string> subclasses_;
  std::set<std::string> nixed_subclasses_;
};

// `filter <header> <value>`: once any filter exists only events that match one
// pass; a value starting with '-' excludes, "/regex/" matches by regex,
// anything else compares case-insensitively.
class EslFilters {
 public:
  void add(std::string header, std::string value);
  // `filter delete <header> [value]`; header "all" removes every filter.
  void remove(const std::string& header, const std::optional<std::string>& value);
  bool allows(const Event& event) const;
  bool empty() const { return filters_.empty(); }

 private:
  struct Filter {
    std::string header;
    std::string value;             // as given
    bool positive = true;          // false for a leading '-'
    std::string compare;           // value without the +/- prefix
    std::optional<std::regex> regex;
    bool bad_regex = false;        // never matches, as a failed PCRE compile
  };
  std::vector<Filter> filters_;
};

}  // namespace sipedge
