#include "node/dialplan/dialplan_apps.h"

#include <charconv>

#include "node/common/ascii_case.h"

namespace sipedge {

namespace {

struct AppEntry {
  std::string_view name;
  DialplanApp app;
};

constexpr AppEntry kApps[] = {
    {"set", DialplanApp::set},         {"unset", DialplanApp::unset},
    {"export", DialplanApp::export_},  {"hangup", DialplanApp::hangup},
    {"bridge", DialplanApp::bridge},   {"respond", DialplanApp::respond},
    {"log", DialplanApp::log},
};

struct CauseEntry {
  std::string_view name;
  int code;
};

// switch_channel.c CAUSE_CHART (FreeSWITCH 1.10).
constexpr CauseEntry kCauses[] = {
    {"NONE", 0},
    {"UNALLOCATED_NUMBER", 1},
    {"NO_ROUTE_TRANSIT_NET", 2},
    {"NO_ROUTE_DESTINATION", 3},
    {"CHANNEL_UNACCEPTABLE", 6},
    {"CALL_AWARDED_DELIVERED", 7},
    {"NORMAL_CLEARING", 16},
    {"USER_BUSY", 17},
    {"NO_USER_RESPONSE", 18},
    {"NO_ANSWER", 19},
    {"SUBSCRIBER_ABSENT", 20},
    {"CALL_REJECTED", 21},
    {"NUMBER_CHANGED", 22},
    {"REDIRECTION_TO_NEW_DESTINATION", 23},
    {"EXCHANGE_ROUTING_ERROR", 25},
    {"DESTINATION_OUT_OF_ORDER", 27},
    {"INVALID_NUMBER_FORMAT", 28},
    {"FACILITY_REJECTED", 29},
    {"RESPONSE_TO_STATUS_ENQUIRY", 30},
    {"NORMAL_UNSPECIFIED", 31},
    {"NORMAL_CIRCUIT_CONGESTION", 34},
    {"NETWORK_OUT_OF_ORDER", 38},
    {"NORMAL_TEMPORARY_FAILURE", 41},
    {"SWITCH_CONGESTION", 42},
    {"ACCESS_INFO_DISCARDED", 43},
    {"REQUESTED_CHAN_UNAVAIL", 44},
    {"PRE_EMPTED", 45},
    {"FACILITY_NOT_SUBSCRIBED", 50},
    {"OUTGOING_CALL_BARRED", 52},
    {"INCOMING_CALL_BARRED", 54},
    {"BEARERCAPABILITY_NOTAUTH", 57},
    {"BEARERCAPABILITY_NOTAVAIL", 58},
    {"SERVICE_UNAVAILABLE", 63},
    {"BEARERCAPABILITY_NOTIMPL", 65},
    {"CHAN_NOT_IMPLEMENTED", 66},
    {"FACILITY_NOT_IMPLEMENTED", 69},
    {"SERVICE_NOT_IMPLEMENTED", 79},
    {"INVALID_CALL_REFERENCE", 81},
    {"INCOMPATIBLE_DESTINATION", 88},
    {"INVALID_MSG_UNSPECIFIED", 95},
    {"MANDATORY_IE_MISSING", 96},
    {"MESSAGE_TYPE_NONEXIST", 97},
    {"WRONG_MESSAGE", 98},
    {"IE_NONEXIST", 99},
    {"INVALID_IE_CONTENTS", 100},
    {"WRONG_CALL_STATE", 101},
    {"RECOVERY_ON_TIMER_EXPIRE", 102},
    {"MANDATORY_IE_LENGTH_ERROR", 103},
    {"PROTOCOL_ERROR", 111},
    {"INTERWORKING", 127},
    {"SUCCESS", 142},
    {"ORIGINATOR_CANCEL", 487},
    {"CRASH", 700},
    {"SYSTEM_SHUTDOWN", 701},
    {"LOSE_RACE", 702},
    {"MANAGER_REQUEST", 703},
    {"BLIND_TRANSFER", 800},
    {"ATTENDED_TRANSFER", 801},
    {"ALLOTTED_TIMEOUT", 802},
    {"USER_CHALLENGE", 803},
    {"MEDIA_TIMEOUT", 804},
    {"PICKED_OFF", 805},
    {"USER_NOT_REGISTERED", 806},
    {"PROGRESS_TIMEOUT", 807},
    {"INVALID_GATEWAY", 808},
    {"GATEWAY_DOWN", 809},
    {"INVALID_URL", 810},
    {"INVALID_PROFILE", 811},
    {"NO_PICKUP", 812},
    {"SRTP_READ_ERROR", 813},
    {"BOWOUT", 814},
    {"BUSY_EVERYWHERE", 815},
    {"DECLINE", 816},
    {"DOES_NOT_EXIST_ANYWHERE", 817},
    {"NOT_ACCEPTABLE", 818},
    {"UNWANTED", 819},
    {"NO_IDENTITY", 820},
    {"BAD_IDENTITY_INFO", 821},
    {"UNSUPPORTED_CERTIFICATE", 822},
    {"INVALID_IDENTITY", 823},
    {"STALE_DATE", 824},
    {"REJECT_ALL", 825},
};

// switch_channel_str2cause, but an unknown name is an error rather than NONE.
// (node/calls/hangup_cause.h holds the same table as an enum, with the SIP
// mapping; the dialplan library sits below node/calls and cannot use it.)
std::optional<HangupArgs> find_cause(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (text[0] >= '0' && text[0] <= '9') {
    int code = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), code);
    if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
    for (const CauseEntry& entry : kCauses) {
      if (entry.code == code) return HangupArgs{std::string(entry.name), entry.code};
    }
    return std::nullopt;
  }
  for (const CauseEntry& entry : kCauses) {
    if (iequals(entry.name, text)) return HangupArgs{std::string(entry.name), entry.code};
  }
  return std::nullopt;
}

struct LevelEntry {
  std::string_view name;
  int level;
};

// switch_log_str2level.
constexpr LevelEntry kLevels[] = {
    {"CONSOLE", 0}, {"ALERT", 1},   {"CRIT", 2},   {"ERR", 3},   {"ERROR", 3},
    {"WARNING", 4}, {"NOTICE", 5},  {"INFO", 6},   {"DEBUG", 7},
};

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

std::optional<LevelEntry> log_level(std::string_view word) {
  for (const LevelEntry& entry : kLevels) {
    if (iequals(entry.name, word)) return entry.name == "ERROR" ? LevelEntry{"ERR", 3} : entry;
  }
  if (word.size() == 1 && word[0] >= '0' && word[0] <= '7') {
    const int level = word[0] - '0';
    for (const LevelEntry& entry : kLevels) {
      if (entry.level == level) return entry;
    }
  }
  return std::nullopt;
}

// "name=value" split at the first '='; nullopt value when there is none or it is empty.
std::pair<std::string, std::optional<std::string>> split_assignment(std::string_view data,
                                                                    std::string_view app) {
  const std::string_view text = trim(data);
  const auto equals = text.find('=');
  const std::string name(trim(text.substr(0, equals)));
  if (name.empty()) throw DialplanDataError(std::string(app) + " needs a variable name (name=value)");
  if (equals == std::string_view::npos || equals + 1 == text.size()) return {name, std::nullopt};
  return {name, std::string(text.substr(equals + 1))};
}

}  // namespace

std::optional<DialplanApp> dialplan_app_from_name(std::string_view name) {
  for (const AppEntry& entry : kApps) {
    if (iequals(entry.name, name)) return entry.app;
  }
  return std::nullopt;
}

std::string_view dialplan_app_name(DialplanApp app) {
  for (const AppEntry& entry : kApps) {
    if (entry.app == app) return entry.name;
  }
  return "?";
}

std::string supported_dialplan_apps() {
  std::string out;
  for (const AppEntry& entry : kApps) {
    if (!out.empty()) out += ", ";
    out += entry.name;
  }
  return out;
}

bool dialplan_app_runs_inline(DialplanApp app) {
  return app == DialplanApp::set || app == DialplanApp::unset || app == DialplanApp::export_ ||
         app == DialplanApp::log;
}

SetArgs parse_set(std::string_view data) {
  auto [name, value] = split_assignment(data, "set");
  return SetArgs{std::move(name), std::move(value)};
}

ExportArgs parse_export(std::string_view data) {
  ExportArgs args;
  std::string_view text = trim(data);
  constexpr std::string_view kNoLocal = "nolocal:";
  if (istarts_with(text, kNoLocal)) {
    args.local = false;
    text.remove_prefix(kNoLocal.size());
  }
  auto [name, value] = split_assignment(text, "export");
  args.name = std::move(name);
  args.value = std::move(value);
  return args;
}

std::string parse_unset(std::string_view data) {
  const std::string_view name = trim(data);
  if (name.empty()) throw DialplanDataError("unset needs a variable name");
  if (name.find_first_of(" \t=") != std::string_view::npos) {
    throw DialplanDataError("unset takes one variable name, not \"" + std::string(name) + "\"");
  }
  return std::string(name);
}

HangupArgs parse_hangup(std::string_view data) {
  const std::string_view text = trim(data);
  if (text.empty()) return HangupArgs{"NORMAL_CLEARING", 16};
  if (auto cause = find_cause(text)) return *cause;
  throw DialplanDataError("hangup: unknown cause \"" + std::string(text) + "\"");
}

RespondArgs parse_respond(std::string_view data) {
  const std::string_view text = trim(data);
  const auto space = text.find_first_of(" \t");
  const std::string_view code_text = text.substr(0, space);
  RespondArgs args;
  auto [end, error] = std::from_chars(code_text.data(), code_text.data() + code_text.size(), args.code);
  if (code_text.empty() || error != std::errc() || end != code_text.data() + code_text.size() ||
      args.code < 100 || args.code > 699) {
    throw DialplanDataError("respond needs a SIP status code 100..699, not \"" + std::string(text) + "\"");
  }
  if (space != std::string_view::npos) args.reason = std::string(trim(text.substr(space)));
  return args;
}

LogArgs parse_log(std::string_view data) {
  const std::string_view text = trim(data);
  const auto space = text.find_first_of(" \t");
  LogArgs args;
  if (auto level = log_level(text.substr(0, space))) {
    args.level = level->level;
    args.level_name = std::string(level->name);
    args.message = space == std::string_view::npos ? std::string() : std::string(trim(text.substr(space)));
  } else {
    args.message = std::string(text);
  }
  return args;
}

}  // namespace sipedge
