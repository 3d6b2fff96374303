#pragma once
// Param names FreeSWITCH understands, so a FreeSWITCH config loads without
// noise: names sipedge does not act upon yet are accepted silently; a name
// on none of these lists gets an "unknown param" warning (a likely typo).
// Lists are case-insensitive, as mod_sofia compares with strcasecmp.
#include <string_view>

namespace sipedge {

bool is_known_switch_param(std::string_view name);        // switch.conf <settings>
bool is_known_sofia_global_param(std::string_view name);  // sofia.conf <global_settings>
bool is_known_profile_param(std::string_view name);       // sofia profile <settings>
bool is_known_event_socket_param(std::string_view name);  // event_socket.conf <settings>
// sofia profile <gateway> params. Case-sensitive: mod_sofia's parse_gateways
// compares them with strcmp.
bool is_known_gateway_param(std::string_view name);

}  // namespace sipedge
