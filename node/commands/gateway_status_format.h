#pragma once
// Gateway layouts of mod_sofia's `sofia status` (reference §3): the gateway
// rows of the profile list, `sofia status gateway` (summary table) and
// `sofia status gateway NAME` (label<TAB>value block). Pure functions.
#include <string>
#include <vector>

#include "node/gateways/gateway.h"

namespace sipedge {

// One `sofia status` row: "%25s\tgateway\t  %40s\tSTATE[ (retry: Ns)]\n".
std::string format_gateway_row(const GatewaySnapshot& gateway);
std::string format_gateway_summary(const std::vector<GatewaySnapshot>& gateways);
std::string format_gateway_detail(const GatewaySnapshot& gateway);

// `sofia xmlstatus gateway NAME`: the XML header and one <gateway> block
// (mod_sofia's xml_gateway_status); `sofia xmlstatus gateway`: every gateway
// in <gateways>.
std::string format_gateway_xml(const GatewaySnapshot& gateway);
std::string format_gateway_xmlstatus(const GatewaySnapshot& gateway);
std::string format_gateways_xmlstatus(const std::vector<GatewaySnapshot>& gateways);

}  // namespace sipedge
