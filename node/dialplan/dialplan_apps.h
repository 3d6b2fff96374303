#pragma once
// The dialplan applications sipedge runs and the parsing of their data, as
// mod_dptools / mod_sofia read it. Pure: the call code expands the data
// (expand_variables) and then acts on what these return. No SIP here.
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>


namespace sipedge {

enum class DialplanApp { set, unset, export_, hangup, bridge, respond, log };

// Application by name (any case, as FreeSWITCH's application hash); nullopt
// for an application sipedge does not implement.
std::optional<DialplanApp> dialplan_app_from_name(std::string_view name);
std::string_view dialplan_app_name(DialplanApp app);
// "set, unset, export, hangup, bridge, respond, log" for error messages.
std::string supported_dialplan_apps();
// FreeSWITCH runs only SAF_ROUTING_EXEC applications inline (at hunt time):
// of ours set, unset, export and log.
bool dialplan_app_runs_inline(DialplanApp app);

// Data an application cannot use ("respond abc", "hangup NOT_A_CAUSE").
class DialplanDataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// `set name=value`. An empty value, or no '=', unsets the variable
// (switch_channel_set_variable with NULL), so value is nullopt then.
struct SetArgs {
  std::string name;
  std::optional<std::string> value;
};
SetArgs parse_set(std::string_view data);

// `export [nolocal:]name[=value]`: the variable is also copied to the legs this
// channel originates (bridge). `nolocal:` exports without setting it here.
// Without '=' the channel's current value of `name` is exported (value nullopt).
struct ExportArgs {
  std::string name;
  std::optional<std::string> value;
  bool local = true;
};
ExportArgs parse_export(std::string_view data);

// `unset name`.
std::string parse_unset(std::string_view data);

// `hangup [cause]`: a FreeSWITCH cause name (any case) or number, as
// switch_channel_str2cause reads it; NORMAL_CLEARING when empty. An unknown
// cause is a DialplanDataError (FreeSWITCH would hang up with NONE).
struct HangupArgs {
  std::string cause;  // FreeSWITCH's name: "NORMAL_CLEARING"
  int code = 16;      // its number (Q.850 where there is one)
};
HangupArgs parse_hangup(std::string_view data);

// `respond <code> [reason]`: a SIP status 100..699; reason "" = the standard phrase.
struct RespondArgs {
  int code = 0;
  std::string reason;
};
RespondArgs parse_respond(std::string_view data);

// `log [LEVEL] message`. LEVEL is a FreeSWITCH log level name (CONSOLE, ALERT,
// CRIT, ERR/ERROR, WARNING, NOTICE, INFO, DEBUG; any case) or 0..7; without
// one the level is DEBUG and the whole data is the message.
struct LogArgs {
  int level = 7;              // switch_log_level_t: 0 console .. 7 debug
  std::string level_name = "DEBUG";
  std::string message;
};
LogArgs parse_log(std::string_view data);

}  // namespace sipedge
