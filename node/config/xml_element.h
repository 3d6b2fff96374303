#pragma once
// A pre-processed XML element: X-PRE-PROCESS directives already executed,
// `$${var}` already expanded, included files spliced in, and every element
// tagged with the file and line it came from (for error messages).
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "node/config/node_config.h"

namespace sipedge {

struct XmlElement {
  std::string name;  // "" for the document root returned by XmlPreprocessor
  std::vector<std::pair<std::string, std::string>> attributes;  // in document order
  std::vector<XmlElement> children;  // elements only
  std::string text;                  // character data directly inside this element
  SourceLocation where;

  // Attribute value by exact name (switch_xml_attr is case-sensitive), or nullptr.
  const std::string* attribute(std::string_view attr_name) const;
  // Attribute value, or "" when absent (switch_xml_attr_soft).
  std::string attribute_or_empty(std::string_view attr_name) const;
  // First child element with this name, or nullptr.
  const XmlElement* child(std::string_view child_name) const;
  std::vector<const XmlElement*> children_named(std::string_view child_name) const;
};

}  // namespace sipedge
