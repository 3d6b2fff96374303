#pragma once
// Hunting: which actions a call runs, as mod_dialplan_xml's dialplan_hunt and
// parse_exten decide them. Pure: the caller gives the channel's variables and
// gets the list of actions; it runs them (expanding `${var}` in each action's
// data just before running it, as FreeSWITCH does at execution).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "node/dialplan/dialplan.h"
#include "node/dialplan/variable_expansion.h"

namespace sipedge {

struct HuntResult {
  std::string context;    // the context hunted ("global" when the asked one is missing)
  std::string extension;  // name of the extension that added the first action
  // What to run, in order. `$N` captures are substituted; `${var}` is not
  // expanded yet: pass each data through expand_variables at run time.
  // May be empty (only inline actions ran): FreeSWITCH then has nothing to
  // execute and hangs the channel up with NORMAL_CLEARING.
  std::vector<DialplanAction> actions;
  // Inline actions already run during the hunt, in order, with their data
  // expanded (do not expand again). The caller applies them to the channel
  // before running `actions`: set/unset/export change variables, log logs.
  // hunt() itself applied set/unset/export to the variables later conditions saw.
  std::vector<DialplanAction> inline_actions;
  // Problems met while hunting (an expression built from `${var}` that is not
  // a valid regex, a field too long to test), for the call's log.
  std::vector<std::string> warnings;
};

// Hunts `context` ("" = "default", as dialplan_hunt) for a call whose channel
// variables `vars` answers. The caller-profile fields (destination_number,
// caller_id_number, caller_id_name, network_addr, ani, rdnis, uuid, source,
// chan_name, username, ...) are asked from `vars` under those same names;
// "context" and "dialplan" fall back to the hunted context and "XML".
// A missing context falls back to a context named "global" (FreeSWITCH).
// With the variable auto_hunt true, hunting starts at the extension named
// like destination_number (FreeSWITCH's auto_hunt).
//
// nullopt: no extension added any action (FreeSWITCH returns no caller
// extension) or the context does not exist: the caller answers 404, hangup
// cause NO_ROUTE_DESTINATION.
std::optional<HuntResult> hunt(const Dialplan& dialplan, std::string_view context, const VariableLookup& vars);

}  // namespace sipedge
