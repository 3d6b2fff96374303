#include "node/config/acl_matcher.h"
#include "node/config/config_readers.h"
#include "node/config/config_values.h"
#include "node/config/ip_network.h"

namespace sipedge {
namespace {

// default= and type= take "allow" or "deny" (switch_core.c reads them with switch_true).
std::optional<bool> allow_or_deny(std::string_view text) {
  if (iequals(text, "allow")) return true;
  if (iequals(text, "deny")) return false;
  return std::nullopt;
}

void add_cidr_nodes(const XmlElement& element, const std::string& cidrs, bool allow,
                    const std::string& list, AclList& out) {
  // switch_network_list_add_cidr_token: cidr= may hold several nets separated by ','.
  auto networks = parse_network_list(cidrs);
  if (!networks) {
    throw ConfigError(element.where, "list \"" + list + "\": bad cidr \"" + cidrs + "\"");
  }
  for (const IpNetwork& network : *networks) {
    out.nodes.push_back(AclNode{allow, network.str(), element.where});
  }
}

AclList read_list(const XmlElement& element, std::vector<std::string>& warnings) {
  AclList list;
  list.where = element.where;
  list.name = element.attribute_or_empty("name");
  if (list.name.empty()) throw ConfigError(element.where, "<list> without a name");
  if (AclMatcher::is_builtin(list.name)) {
    throw ConfigError(element.where, "list \"" + list.name + "\": the name of a built-in list");
  }
  if (const std::string* policy = element.attribute("default")) {
    auto allow = allow_or_deny(*policy);
    if (!allow) {
      throw ConfigError(element.where, "list \"" + list.name + "\": default=\"" + *policy +
                                           "\" must be allow or deny");
    }
    list.default_allow = *allow;
  } else {
    list.default_allow = true;  // switch_core.c: a list without default= allows
    add_warning(warnings, element.where,
                "list \"" + list.name + "\" has no default=; it allows unmatched addresses "
                "(as FreeSWITCH does)");
  }

  for (const XmlElement& node : element.children) {
    if (node.name != "node") {
      add_warning(warnings, node.where,
                  "unexpected <" + node.name + "> in list \"" + list.name + "\"; ignored");
      continue;
    }
    bool allow = list.default_allow;  // a node without type= takes the list's default
    if (const std::string* type = node.attribute("type")) {
      auto parsed = allow_or_deny(*type);
      if (!parsed) {
        throw ConfigError(node.where, "list \"" + list.name + "\": type=\"" + *type +
                                          "\" must be allow or deny");
      }
      allow = *parsed;
    }
    const std::string* cidr = node.attribute("cidr");
    const std::string* host = node.attribute("host");
    const std::string* mask = node.attribute("mask");
    if (cidr != nullptr) {
      add_cidr_nodes(node, *cidr, allow, list.name, list);
    } else if (host != nullptr && mask != nullptr) {
      auto network = IpNetwork::from_host_mask(*host, *mask);
      if (!network) {
        throw ConfigError(node.where, "list \"" + list.name + "\": bad host/mask \"" + *host +
                                          "/" + *mask + "\"");
      }
      list.nodes.push_back(AclNode{allow, network->str(), node.where});
    } else if (node.attribute("domain") != nullptr) {
      // FreeSWITCH fills these from the user directory's cidr= attributes;
      // sipedge has no directory yet.
      add_warning(warnings, node.where,
                  "list \"" + list.name + "\": domain= nodes need the user directory, "
                  "not supported yet; ignored");
    } else {
      throw ConfigError(node.where,
                        "list \"" + list.name + "\": <node> needs cidr= (or host= and mask=)");
    }
  }
  return list;
}

}  // namespace

AclConfig read_acl_config(const XmlElement& file, std::vector<std::string>& warnings) {
  const XmlElement& configuration = find_configuration(file, "acl.conf");
  AclConfig config;
  const XmlElement* lists = configuration.child("network-lists");
  if (lists == nullptr) return config;
  for (const XmlElement& child : lists->children) {
    if (child.name != "list") {
      add_warning(warnings, child.where, "unexpected <" + child.name + "> in <network-lists>; ignored");
      continue;
    }
    AclList list = read_list(child, warnings);
    if (const AclList* earlier = config.list(list.name)) {
      throw ConfigError(list.where, "duplicate list \"" + list.name + "\" (first defined at " +
                                        earlier->where.str() + ")");
    }
    config.lists.push_back(std::move(list));
  }
  return config;
}

}  // namespace sipedge
