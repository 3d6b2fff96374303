#include "node/esl/esl_subscription.h"

#include <algorithm>
#include <cctype>

#include "node/esl/esl_frame.h"

namespace sipedge {

namespace {

// switch_event.c EVENT_NAMES: the types `event` understands.
constexpr const char* kEventNames[] = {
    "CUSTOM", "CLONE", "CHANNEL_CREATE", "CHANNEL_DESTROY", "CHANNEL_STATE", "CHANNEL_CALLSTATE",
    "CHANNEL_ANSWER", "CHANNEL_HANGUP", "CHANNEL_HANGUP_COMPLETE", "CHANNEL_EXECUTE",
    "CHANNEL_EXECUTE_COMPLETE", "CHANNEL_HOLD", "CHANNEL_UNHOLD", "CHANNEL_BRIDGE",
    "CHANNEL_UNBRIDGE", "CHANNEL_PROGRESS", "CHANNEL_PROGRESS_MEDIA", "CHANNEL_OUTGOING",
    "CHANNEL_PARK", "CHANNEL_UNPARK", "CHANNEL_APPLICATION", "CHANNEL_ORIGINATE", "CHANNEL_UUID",
    "API", "LOG", "INBOUND_CHAN", "OUTBOUND_CHAN", "STARTUP", "SHUTDOWN", "PUBLISH", "UNPUBLISH",
    "TALK", "NOTALK", "SESSION_CRASH", "MODULE_LOAD", "MODULE_UNLOAD", "DTMF", "MESSAGE",
    "PRESENCE_IN", "NOTIFY_IN", "PRESENCE_OUT", "PRESENCE_PROBE", "MESSAGE_WAITING",
    "MESSAGE_QUERY", "ROSTER", "CODEC", "BACKGROUND_JOB", "DETECTED_SPEECH", "DETECTED_TONE",
    "PRIVATE_COMMAND", "HEARTBEAT", "TRAP", "ADD_SCHEDULE", "DEL_SCHEDULE", "EXE_SCHEDULE",
    "RE_SCHEDULE", "RELOADXML", "NOTIFY", "PHONE_FEATURE", "PHONE_FEATURE_SUBSCRIBE",
    "SEND_MESSAGE", "RECV_MESSAGE", "REQUEST_PARAMS", "CHANNEL_DATA", "GENERAL", "COMMAND",
    "SESSION_HEARTBEAT", "CLIENT_DISCONNECTED", "SERVER_DISCONNECTED", "SEND_INFO", "RECV_INFO",
    "RECV_RTCP_MESSAGE", "SEND_RTCP_MESSAGE", "CALL_SECURE", "NAT", "RECORD_START", "RECORD_STOP",
    "PLAYBACK_START", "PLAYBACK_STOP", "CALL_UPDATE", "FAILURE", "SOCKET_DATA", "MEDIA_BUG_START",
    "MEDIA_BUG_STOP", "CONFERENCE_DATA_QUERY", "CONFERENCE_DATA", "CALL_SETUP_REQ",
    "CALL_SETUP_RESULT", "CALL_DETAIL", "DEVICE_STATE", "TEXT", "SHUTDOWN_REQUESTED", "ALL",
    "CHANNEL_SUSPEND"};

}  // namespace

std::optional<std::string> canonical_event_name(std::string_view word) {
  // switch_name_event also accepts "SWITCH_EVENT_<NAME>".
  if (word.size() > 13 && istarts_with(word, "SWITCH_EVENT_")) word.remove_prefix(13);
  for (const char* name : kEventNames) {
    if (iequals(word, name)) return std::string(name);
  }
  return std::nullopt;
}

int EslSubscription::add(const std::vector<std::string>& words) {
  int key_count = 0;
  bool custom = false;
  for (const auto& word : words) {
    if (word.empty()) continue;
    // After CUSTOM every word is a subclass (mod_event_socket's `custom` flag).
    if (custom) {
      if (all_custom_) {
        nixed_subclasses_.erase(word);
      } else {
        subclasses_.insert(word);
      }
      continue;
    }
    auto name = canonical_event_name(word);
    if (!name) continue;  // unknown words are ignored, as FreeSWITCH does
    ++key_count;
    if (*name == "ALL") {
      all_ = true;
      all_types_ = true;
      nixed_types_.clear();
      all_custom_ = true;  // set_all_custom()
      nixed_subclasses_.clear();
    } else if (all_types_) {
      nixed_types_.erase(*name);
    } else {
      types_.insert(*name);
    }
    if (*name == "CUSTOM") custom = true;
  }
  return key_count;
}

int EslSubscription::remove(const std::vector<std::string>& words) {
  int key_count = 0;
  bool custom = false;
  for (const auto& word : words) {
    if (word.empty()) continue;
    if (custom) {
      if (all_custom_) {
        nixed_subclasses_.insert(word);
      } else {
        subclasses_.erase(word);
      }
      continue;
    }
    auto name = canonical_event_name(word);
    if (!name) continue;
    ++key_count;
    if (*name == "CUSTOM") {
      // `nixevent CUSTOM a b` only removes subclasses a and b.
      custom = true;
    } else if (*name == "ALL") {
      all_ = false;
      all_types_ = false;
      types_.clear();
      nixed_types_.clear();
    } else {
      if (all_) {
        // Leaving ALL: every type stays enabled except the one nixed.
        all_ = false;
        all_types_ = true;
        nixed_types_.clear();
      }
      if (all_types_) {
        nixed_types_.insert(*name);
      } else {
        types_.erase(*name);
      }
    }
  }
  return key_count;
}

void EslSubscription::clear() { *this = EslSubscription{}; }

bool EslSubscription::type_enabled(const std::string& name) const {
  return all_types_ ? nixed_types_.count(name) == 0 : types_.count(name) != 0;
}

bool EslSubscription::subclass_enabled(const std::string& subclass) const {
  return all_custom_ ? nixed_subclasses_.count(subclass) == 0 : subclasses_.count(subclass) != 0;
}

bool EslSubscription::matches(const Event& event) const {
  if (all_) return true;
  if (!type_enabled(event.name)) return false;
  if (event.name == "CUSTOM" && !event.subclass.empty()) return subclass_enabled(event.subclass);
  return true;
}

void EslFilters::add(std::string header, std::string value) {
  Filter f;
  f.header = std::move(header);
  f.value = std::move(value);
  // Leading '+', '-' and blanks: the last sign wins (event_handler()).
  std::string_view cmp = f.value;
  while (!cmp.empty() && (cmp.front() == '+' || cmp.front() == '-' || cmp.front() == ' ')) {
    if (cmp.front() == '+') f.positive = true;
    if (cmp.front() == '-') f.positive = false;
    cmp.remove_prefix(1);
  }
  f.compare = std::string(cmp);
  if (!f.value.empty() && f.value.front() == '/') {
    std::string pattern = f.compare;
    if (!pattern.empty() && pattern.front() == '/') pattern.erase(0, 1);
    if (!pattern.empty() && pattern.back() == '/') pattern.pop_back();
    try {
      f.regex.emplace(pattern);
    } catch (const std::regex_error&) {
      f.bad_regex = true;
    }
  }
  filters_.push_back(std::move(f));
}

void EslFilters::remove(const std::string& header, const std::optional<std::string>& value) {
  if (iequals(header, "all")) {
    filters_.clear();
    return;
  }
  std::erase_if(filters_, [&](const Filter& f) {
    return iequals(f.header, header) && (!value || f.value == *value);
  });
}

bool EslFilters::allows(const Event& event) const {
  if (filters_.empty()) return true;
  bool send = false;
  for (const auto& f : filters_) {
    const std::string* actual = event.header(f.header);
    if (actual == nullptr) continue;
    if (send && f.positive) continue;  // already accepted; only exclusions matter now
    bool cmp;
    if (f.regex) {
      cmp = std::regex_search(*actual, *f.regex);
    } else if (f.bad_regex) {
      cmp = false;
    } else {
      cmp = iequals(*actual, f.compare);
    }
    if (!cmp) continue;
    if (!f.positive) return false;
    send = true;
  }
  return send;
}

}  // namespace sipedge
