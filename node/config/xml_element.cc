#include "node/config/xml_element.h"

namespace sipedge {

const std::string* XmlElement::attribute(std::string_view attr_name) const {
  for (const auto& [key, value] : attributes) {
    if (key == attr_name) return &value;
  }
  return nullptr;
}

std::string XmlElement::attribute_or_empty(std::string_view attr_name) const {
  const std::string* value = attribute(attr_name);
  return value ? *value : std::string();
}

const XmlElement* XmlElement::child(std::string_view child_name) const {
  for (const auto& element : children) {
    if (element.name == child_name) return &element;
  }
  return nullptr;
}

std::vector<const XmlElement*> XmlElement::children_named(std::string_view child_name) const {
  std::vector<const XmlElement*> found;
  for (const auto& element : children) {
    if (element.name == child_name) found.push_back(&element);
  }
  return found;
}

}  // namespace sipedge
