#include "node/events/event.h"

#include <strings.h>

namespace sipedge {

const std::string* Event::header(std::string_view key) const {
  for (const auto& [name, value] : headers) {
    // Header names compare case-insensitively, as switch_event_get_header does.
    if (name.size() == key.size() && strncasecmp(name.data(), key.data(), key.size()) == 0) {
      return &value;
    }
  }
  return nullptr;
}

}  // namespace sipedge
