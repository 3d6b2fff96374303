#pragma once
// `sofia_contact [profile/]user@domain[/prefix]`: the dial strings of a
// user's registered contacts, as mod_sofia's sofia_contact_function prints
// them: `<prefix>sofia/<profile>/sip:<contact URI>` joined by ',', or
// `error/user_not_registered`.
#include <string>
#include <vector>

#include "node/commands/command_registry.h"
#include "node/commands/node_services.h"

namespace sipedge {

void register_sofia_contact_command(CommandRegistry& registry, NodeServices& node);

struct SofiaContactQuery {
  std::string profile;  // before '/'; "" = none, "*" = every profile
  std::string user;
  std::string domain;   // after '@'; "" = none given
  std::string prefix;   // after the domain's '/': written before each dial string
};
SofiaContactQuery parse_sofia_contact(const std::string& arg);

// Does this binding belong to user@domain? FreeSWITCH: upper(sip_user) =
// upper(user) and (sip_host = domain or presence_hosts like '%domain%').
bool sofia_contact_matches(const Binding& binding, const std::string& user, const std::string& domain);

// The reply for the matching bindings. dedup: drop a dial string already
// written (FreeSWITCH does so when it searched every profile).
std::string format_sofia_contact(const std::vector<Binding>& bindings, const std::string& prefix, bool dedup);

}  // namespace sipedge
