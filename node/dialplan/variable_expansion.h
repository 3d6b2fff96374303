#pragma once
// Channel-variable expansion `${name}` as FreeSWITCH's
// switch_channel_expand_variables does it, for the dialplan (fields and
// expressions at hunt time) and for the call code (every application's data
// just before it runs, as switch_core_session_exec expands its argument).
//
//   ${name}               the variable's value; "" when unset
//   ${name:offset}        substring from offset (negative: from the end)
//   ${name:offset:length} ... at most length characters
//   ${${inner}}           the name is expanded first
//   \$                    a literal '$' (no expansion)
//   \\                    a literal '\' (only processed in text that holds `${` or `\$`,
//                         as FreeSWITCH does)
// Values are not expanded again. `$${global}` is handled when the XML is read
// (XmlPreprocessor), so it never reaches this code.
//
// Not supported: API expansions `${api args}` / `${api(args)}` and array
// indexes `${name[1]}`. The dialplan loader refuses them in configuration
// (check_expansions); at run time an API expansion yields "".
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace sipedge {

// Channel variables by name; nullopt when the channel has no such variable.
using VariableLookup = std::function<std::optional<std::string>(std::string_view name)>;

std::string expand_variables(std::string_view text, const VariableLookup& vars);

// True when `text` holds something expand_variables would change (`${` or `\$`).
bool has_expansion(std::string_view text);

// Empty when every `${...}` in `text` is a plain (possibly nested) variable
// reference; otherwise a message naming the first problem (unterminated `${`,
// an API call, an empty name).
std::string check_expansions(std::string_view text);

// Escapes text (a regex capture taken from a SIP message) so that
// expand_variables gives it back unchanged: a caller dialling "${x}" must not
// read channel variables. Text without '$' is returned as is.
std::string escape_for_expansion(std::string_view text);

}  // namespace sipedge
