// The handler posts to the SIP thread (profile look-up), asks the store, and
// replies from the database worker.
#include "node/commands/sofia_contact_command.h"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "node/commands/registration_commands.h"
#include "node/sip/contact_url.h"

namespace sipedge {

namespace {

constexpr const char* kNotRegistered = "error/user_not_registered";

bool icontains(std::string_view haystack, std::string_view needle) {
  if (needle.empty()) return true;
  auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
  return it != haystack.end();
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && icontains(a, b);
}

std::string profile_domain_name(const ProfileStatus& s) {
  auto it = s.params.find("domain-name");
  return it == s.params.end() ? "" : it->second;
}

}  // namespace

SofiaContactQuery parse_sofia_contact(const std::string& arg) {
  SofiaContactQuery q;
  std::string user = arg;
  if (std::size_t slash = arg.find('/'); slash != std::string::npos) {
    q.profile = arg.substr(0, slash);
    user = arg.substr(slash + 1);
  }
  if (std::size_t at = user.find('@'); at != std::string::npos) {
    q.domain = user.substr(at + 1);
    user.erase(at);
    if (std::size_t slash = q.domain.find('/'); slash != std::string::npos) {
      q.prefix = q.domain.substr(slash + 1);
      q.domain.erase(slash);
    }
  } else if (std::size_t slash = user.find('/'); slash != std::string::npos) {
    q.prefix = user.substr(slash + 1);
    user.erase(slash);
  }
  q.user = user;
  return q;
}

bool sofia_contact_matches(const Binding& b, const std::string& user, const std::string& domain) {
  // sip_registrations.presence_hosts is the AOR host in sipedge.
  return iequals(b.sip_user, user) && (b.sip_host == domain || icontains(b.sip_host, domain));
}

std::string format_sofia_contact(const std::vector<Binding>& bindings, const std::string& prefix, bool dedup) {
  std::string out;
  for (const Binding& b : bindings) {
    std::string url = dial_url_from_contact(b.contact);
    if (url.empty()) continue;
    std::string dial = prefix + "sofia/" + b.profile_name + "/sip:" + std::string(strip_scheme(url));
    if (dedup && out.find(dial) != std::string::npos) continue;
    out += dial + ",";
  }
  if (out.empty()) return kNotRegistered;
  out.pop_back();  // the last ','
  return out;
}

void register_sofia_contact_command(CommandRegistry& registry, NodeServices& node) {
  registry.add("sofia_contact", "[profile/]<user>@<domain>", "Sofia Contacts", [&node](const CommandArgs& args,
                                                                                    Reply reply) {
    if (args.rest.empty()) {
      reply("-ERR Usage: sofia_contact [profile/]<user>@<domain>\n");
      return;
    }
    node.sip_loop().post([&node, query = parse_sofia_contact(args.rest), reply = std::move(reply)]() mutable {
      RegistrationStore* store = node.registrations();
      if (!store) {
        reply("-ERR database unavailable: the registration store is not running\n");
        return;
      }
      // No domain given: FreeSWITCH takes the global `domain` variable.
      if (query.domain.empty()) {
        auto config = node.config();
        if (auto it = config->vars.find("domain"); it != config->vars.end()) query.domain = it->second;
      }
      // The profile named, else the profile named as the domain (unless "*" with a domain).
      Profile* profile = nullptr;
      if (query.profile != "*" || query.domain.empty()) {
        if (!query.profile.empty()) profile = node.profiles().find(query.profile);
        if (!profile && !query.domain.empty()) profile = node.profiles().find(query.domain);
      }
      BindingFilter filter;
      filter.text = query.user;  // pre-filter; the exact match is sofia_contact_matches
      std::string domain = query.domain;
      if (profile) {
        ProfileStatus s = profile->status();
        filter.profile_name = s.name;
        if (domain.empty()) domain = s.name;
        // A profile named explicitly with a domain-name answers for that domain.
        std::string domain_name = profile_domain_name(s);
        if (!domain_name.empty() && query.profile == s.name) domain = domain_name;
      } else if (domain.empty()) {
        reply(kNotRegistered);
        return;
      }
      const bool dedup = profile == nullptr;  // searching every profile
      store->list(
          std::move(filter),
          [user = query.user, domain, prefix = query.prefix, dedup, reply](std::vector<Binding> rows) {
            rows.erase(std::remove_if(rows.begin(), rows.end(),
                                      [&](const Binding& b) { return !sofia_contact_matches(b, user, domain); }),
                       rows.end());
            reply(format_sofia_contact(rows, prefix, dedup));
          },
          [reply](const std::string& error) { reply(database_error_reply(error)); });
    });
  });
}

}  // namespace sipedge
