#pragma once
// The text and XML layouts of `sofia status` / `sofia xmlstatus`, byte for byte
// as FreeSWITCH's mod_sofia prints them (reference §3). Pure functions.
#include <string>
#include <vector>

#include "node/gateways/gateway.h"
#include "node/sip/profile.h"

namespace sipedge {

inline constexpr const char* kXmlHeader = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>";
inline constexpr const char* kStatusLine =
    "=================================================================================================";

// `sofia status`: running profiles only, as FreeSWITCH, each followed by its gateways.
// `cluster_row`: this node's place in its pair as one more row of the same
// shape (Name = cluster, Type "cluster", Data "epoch N holder NODE", State
// ACTIVE|STANDBY|DEMOTED); "" = none. The footer still counts profiles only.
std::string format_sofia_status(const std::vector<ProfileStatus>& profiles,
                                const std::vector<GatewaySnapshot>& gateways = {},
                                const std::string& cluster_row = "");
// The cluster row of `sofia status`.
std::string format_cluster_row(const std::string& cluster, const std::string& role, long long epoch,
                               const std::string& holder);
// `sofia status profile P`. db_name: what FreeSWITCH shows as DBName.
std::string format_profile_status(const ProfileStatus& profile, const std::string& db_name);
// `sofia xmlstatus`: each running profile, then its gateways (name, "gateway",
// the To of its registration, state), as mod_sofia.
std::string format_sofia_xmlstatus(const std::vector<ProfileStatus>& profiles,
                                   const std::vector<GatewaySnapshot>& gateways = {});
std::string format_profile_xmlstatus(const ProfileStatus& profile, const std::string& db_name);
// The "  <profile-info>...</profile-info>\n" block of format_profile_xmlstatus,
// for `sofia xmlstatus profile P pres ...` which adds registrations after it.
std::string format_profile_info_xml(const ProfileStatus& profile, const std::string& db_name);

std::string xml_escape(const std::string& text);

}  // namespace sipedge
