#include "node/sip/contact_url.h"

namespace sipedge {

namespace {

std::string_view skip_blanks(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  return s;
}

// The part after the URI's closing '>' ("" without <>).
std::string_view after_url(std::string_view contact) {
  contact = skip_blanks(contact);
  if (!contact.empty() && contact.front() == '"') {
    std::size_t quote = contact.find('"', 1);
    if (quote != std::string_view::npos) contact.remove_prefix(quote + 1);
  }
  std::size_t open = contact.find('<');
  if (open == std::string_view::npos) return {};
  std::size_t close = contact.find('>', open);
  return close == std::string_view::npos ? std::string_view{} : contact.substr(close + 1);
}

}  // namespace

std::string url_from_contact(std::string_view contact) {
  contact = skip_blanks(contact);
  if (!contact.empty() && contact.front() == '"') {
    // A quoted display name may itself hold '<' or '>'.
    std::size_t quote = contact.find('"', 1);
    if (quote != std::string_view::npos) contact.remove_prefix(quote + 1);
  }
  contact = skip_blanks(contact);
  std::size_t open = contact.find('<');
  if (open == std::string_view::npos) return std::string(contact);
  std::size_t close = contact.find('>', open);
  if (close == std::string_view::npos) return std::string(contact.substr(open + 1));
  return std::string(contact.substr(open + 1, close - open - 1));
}

std::string dial_url_from_contact(std::string_view contact) {
  std::string url = url_from_contact(contact);
  if (url.find(";fs_") != std::string::npos) return url;  // already inside, as FreeSWITCH stores them
  std::string_view rest = after_url(contact);
  while (!rest.empty()) {
    std::size_t semi = rest.find(';');
    if (semi == std::string_view::npos) break;
    rest.remove_prefix(semi + 1);
    std::string_view param = rest.substr(0, rest.find(';'));
    if (param.substr(0, 3) == "fs_") url += ";" + std::string(param);
  }
  return url;
}

std::string request_url_from_contact(std::string_view contact) {
  std::string url = url_from_contact(contact);
  std::size_t fs = url.find(";fs_");
  if (fs != std::string::npos) url.erase(fs);
  return url;
}

std::string_view strip_scheme(std::string_view uri) {
  std::size_t colon = uri.find(':');
  return colon == std::string_view::npos ? uri : uri.substr(colon + 1);
}

}  // namespace sipedge
