#pragma once
// The FreeSWITCH XML dialplan (mod_dialplan_xml) as plain, immutable data:
// contexts of extensions of conditions of actions, read from
// conf/dialplan/*.xml. hunt() (dialplan_hunt.h) walks it for one call.
// Nothing here knows about SIP.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "node/config/node_config.h"
#include "node/config/xml_element.h"
#include "node/dialplan/dialplan_apps.h"
#include "node/dialplan/dialplan_pattern.h"

namespace sipedge {

struct DialplanAction {
  std::string application;  // lower-case: "set", "bridge", ...
  std::string data;         // `$N` substituted by hunt(); `${var}` kept for run time
  bool inline_ = false;     // inline="true": run at hunt time
  SourceLocation where;
  DialplanApp app = DialplanApp::log;  // application, parsed
  int loop = 1;             // loop="N": added N times (FreeSWITCH's loop attribute)
};

enum class DialplanBreak { on_false, on_true, always, never };
enum class DialplanRegexMode { none, any, all, x_or };

// A field tested against a pattern: the condition itself, or one of its
// <regex> children (regex="any|all|xor").
struct DialplanTest {
  std::string field;       // "" = no field (always true)
  std::string expression;  // as written
  // Compiled at load time, unless the expression holds `${...}`: then it is
  // expanded and compiled at hunt time, as FreeSWITCH does.
  std::optional<DialplanPattern> pattern;
  SourceLocation where;
};

struct DialplanCondition {
  DialplanTest test;  // field/expression of the <condition> (unused when regex_mode != none)
  DialplanRegexMode regex_mode = DialplanRegexMode::none;
  std::vector<DialplanTest> regexes;  // <regex> children
  DialplanBreak break_on = DialplanBreak::on_false;
  bool require_nested = true;  // require-nested: nested conditions must match for this one to
  std::vector<DialplanAction> actions;
  std::vector<DialplanAction> anti_actions;
  std::vector<DialplanCondition> conditions;  // nested: tried only when this one matched
  SourceLocation where;
};

struct DialplanExtension {
  std::string name;
  bool continue_ = false;  // continue="true": hunting goes on after a match
  std::vector<DialplanCondition> conditions;
  SourceLocation where;
};

struct DialplanContext {
  std::string name;
  std::vector<DialplanExtension> extensions;  // in file order, then document order
  SourceLocation where;                       // first definition
};

struct Dialplan {
  std::map<std::string, DialplanContext> contexts;  // by exact name (switch_xml_find_child is case-sensitive)
  std::vector<std::string> warnings;                // "file:line: message" (ignored elements, ...)

  const DialplanContext* context(const std::string& name) const;
};

// Field names a condition may test without `${}` (switch_caller_get_field_by_name).
// hunt() asks the VariableLookup for them under the same names.
bool is_caller_profile_field(std::string_view name);

// Reads the dialplan section of pre-processed XML into `into`: accepts
// <include> fragments (their <context> children at top level), <context>,
// <section name="dialplan">, and <document><section name="dialplan">. Contexts
// with the same name add their extensions to the earlier ones.
// Throws ConfigError (file:line) for: a context without a name, a condition
// with a field but no expression (or the reverse), a bad regular expression,
// an unknown break/regex value, time-of-day conditions, an unknown field name,
// an unsupported application, inline="true" on one that cannot run inline,
// literal data an application cannot use, `${api ...}` expansions.
void read_dialplan(const XmlElement& root, Dialplan& into);

// Reads conf_dir/dialplan/*.xml (sorted bytewise) with `vars` as the global
// `$${var}` values (normally NodeConfig::vars). A relative X-PRE-PROCESS
// include is resolved against conf_dir/dialplan, as FreeSWITCH's
// dialplan/default.xml includes "default/*.xml"; a top-level file that another
// one includes is not read again on its own. No dialplan directory, or one
// without *.xml files, gives an empty dialplan (every call: 404) and a warning.
Dialplan load_dialplan(const std::string& conf_dir, const std::map<std::string, std::string>& vars);

}  // namespace sipedge
