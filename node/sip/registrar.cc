// SIP thread only (see registrar.h); completions are posted back to it.
#include "node/sip/registrar.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cassert>
#include <climits>
#include <cstdlib>
#include <random>

#include <spdlog/spdlog.h>

#include "node/common/ascii_case.h"
#include "node/config/acl_matcher.h"
#include "store/registration_store.h"

extern "C" {
#include <sofia-sip/msg_addr.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/sip_tag.h>
#include <sofia-sip/su.h>
#include <sofia-sip/url.h>
}

namespace sipedge {

namespace {

const std::string* param(const ProfileConfig& c, const char* name) {
  const Param* p = c.param(name);
  return p && !p->value.empty() ? &p->value : nullptr;
}

bool truthy(const std::string& v) {
  return iequals(v, "true") || iequals(v, "yes") || iequals(v, "on") || v == "1";
}

int int_param(const ProfileConfig& c, const char* name, int fallback) {
  const std::string* v = param(c, name);
  return v ? std::atoi(v->c_str()) : fallback;
}

std::string str(const char* s) { return s ? s : ""; }

// RFC 3261 20.19: delta-seconds are 0..2^32-1. Saturate instead of wrapping, so
// a huge value never becomes 0 (a removal) or negative. Digits already checked.
int saturated_delta(const char* digits) {
  unsigned long long v = std::strtoull(digits, nullptr, 10);  // ULLONG_MAX on overflow
  return v > INT_MAX ? INT_MAX : static_cast<int>(v);
}

std::string url_text(su_home_t* home, url_t const* url) {
  char* s = url_as_string(home, url);
  return s ? s : "";
}

// The source of a request: address, port, transport.
struct Source {
  std::string ip;
  int port = 0;
  std::string transport = "udp";
};

Source source_of(nta_incoming_t* irq) {
  Source src;
  msg_t* msg = nta_incoming_getrequest(irq);
  if (!msg) return src;
  if (su_addrinfo_t* ai = msg_addrinfo(msg); ai && ai->ai_addr) {
    char buf[INET6_ADDRSTRLEN] = {};
    auto* sa = reinterpret_cast<su_sockaddr_t*>(ai->ai_addr);
    su_inet_ntop(sa->su_family, SU_ADDR(sa), buf, sizeof buf);
    src.ip = buf;
    src.port = ntohs(sa->su_port);
    src.transport = ai->ai_protocol == IPPROTO_TCP ? "tcp" : "udp";
    // An IPv4 peer on a dual-stack socket: report it as IPv4.
    if (src.ip.rfind("::ffff:", 0) == 0 && src.ip.find('.') != std::string::npos) src.ip = src.ip.substr(7);
  }
  msg_destroy(msg);
  return src;
}

// RFC 1918 / loopback / link-local / RFC 6598: a contact host a phone behind NAT would put there.
bool is_private_ipv4(const std::string& host) {
  in_addr a{};
  if (inet_pton(AF_INET, host.c_str(), &a) != 1) return false;
  uint32_t ip = ntohl(a.s_addr);
  return (ip >> 24) == 10 || (ip >> 20) == (172u << 4 | 1) || (ip >> 16) == (192u << 8 | 168) ||
         (ip >> 22) == (100u << 2 | 1) || (ip >> 16) == (169u << 8 | 254);
}

std::string percent_encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '@' || c == ':') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}


bool sip_or_sips(url_t const* url) { return url && (url->url_type == url_sip || url->url_type == url_sips); }

}  // namespace

RegistrarSettings RegistrarSettings::from(const ProfileConfig& c) {
  RegistrarSettings s;
  if (auto v = param(c, "challenge-realm")) s.challenge_realm = *v;
  if (auto v = param(c, "force-register-domain")) s.force_register_domain = *v;
  if (auto v = param(c, "force-register-db-domain")) s.force_register_db_domain = *v;
  if (auto v = param(c, "accept-blind-reg")) s.accept_blind_reg = truthy(*v);
  s.register_acls = c.register_acls;
  if (auto v = param(c, "NDLB-received-in-nat-reg-contact")) s.received_in_nat_contact = truthy(*v);
  if (auto v = param(c, "aggressive-nat-detection")) s.aggressive_nat = truthy(*v);
  s.default_expires = int_param(c, "register-default-expires", 3600);
  s.min_expires = int_param(c, "register-min-expires", 0);
  s.max_expires = int_param(c, "register-max-expires", 0);
  s.force_expires_min = int_param(c, "sip-force-expires-min", 0);
  s.force_expires_max = int_param(c, "sip-force-expires-max", 0);
  s.force_expires = int_param(c, "sip-force-expires", 0);
  s.nonce_ttl = static_cast<unsigned>(int_param(c, "nonce-ttl", 60));
  return s;
}

struct Registrar::Request {
  nta_incoming_t* irq = nullptr;
  RegisterEventData event;
  bool authenticated = false;  // digest checked (register_attempt fires)
  std::vector<std::string> refreshed;  // contact URIs this request (re)registered
};

struct Registrar::State {
  std::map<std::uint64_t, Request> pending;
  std::uint64_t next_id = 1;
};

Registrar::Registrar(SipLoop& loop, EventBus& bus, const ProfileConfig& config, const ProfileServices& services)
    : loop_(loop),
      bus_(bus),
      profile_name_(config.name),
      services_(services),
      settings_(RegistrarSettings::from(config)),
      auth_(std::make_unique<DigestAuth>(loop, services.auth_master_key, settings_.nonce_ttl)),
      state_(std::make_shared<State>()) {}

Registrar::~Registrar() {
  // The agent destroys the pending transactions; completions find nothing.
  state_->pending.clear();
}

void Registrar::apply(const ProfileConfig& config) {
  assert(loop_.in_thread());
  RegistrarSettings fresh = RegistrarSettings::from(config);
  if (fresh.nonce_ttl != settings_.nonce_ttl)
    auth_ = std::make_unique<DigestAuth>(loop_, services_.auth_master_key, fresh.nonce_ttl);
  settings_ = std::move(fresh);
}

std::size_t Registrar::pending() const { return state_->pending.size(); }

int Registrar::reply_error(nta_incoming_t* irq, int status, const char* phrase) {
  nta_incoming_treply(irq, status, phrase, TAG_END());
  return status;
}

int Registrar::handle(nta_incoming_t* irq, sip_t const* sip) {
  assert(loop_.in_thread());
  if (!services_.registrations) return 405;
  su_home_t home[1] = {SU_HOME_INIT(home)};
  struct HomeGuard {
    su_home_t* h;
    ~HomeGuard() { su_home_deinit(h); }
  } guard{home};

  Source src = source_of(irq);
  // RFC 3261 10.3 step 5: the To header names the AOR; it must be a SIP(S) URI with a user.
  if (!sip->sip_to || !sip_or_sips(sip->sip_to->a_url) || !sip->sip_to->a_url->url_user)
    return reply_error(irq, 400, "Invalid To");

  Request request;
  RegisterEventData& ev = request.event;
  ev.profile_name = profile_name_;
  char* to_user = url_unescape(su_strdup(home, sip->sip_to->a_url->url_user), sip->sip_to->a_url->url_user);
  ev.aor_user = str(to_user);
  ev.aor_host = to_lower(str(sip->sip_to->a_url->url_host));
  if (sip->sip_from) {
    ev.from_user = str(sip->sip_from->a_url->url_user);
    ev.from_host = to_lower(str(sip->sip_from->a_url->url_host));
  }
  ev.call_id = sip->sip_call_id ? str(sip->sip_call_id->i_id) : "";
  ev.user_agent = sip->sip_user_agent ? str(sip->sip_user_agent->g_string) : "";
  ev.network_ip = src.ip;
  ev.network_port = src.port;
  if (sip->sip_contact) {
    char buf[1024];
    if (sip_header_e(buf, sizeof buf, reinterpret_cast<sip_header_t const*>(sip->sip_contact), 0) > 0) {
      std::string c(buf);
      if (auto colon = c.find(':'); colon != std::string::npos) c = c.substr(colon + 1);
      while (!c.empty() && (c.front() == ' ')) c.erase(c.begin());
      while (!c.empty() && (c.back() == '\r' || c.back() == '\n')) c.pop_back();
      ev.contact = c;
    }
  }

  // Contacts (RFC 3261 10.3 steps 6-7): validate before anything is stored.
  bool star = false;
  int contact_count = 0;
  for (sip_contact_t const* m = sip->sip_contact; m; m = m->m_next) {
    ++contact_count;
    if (m->m_url->url_type == url_any) {
      star = true;
    } else if (!sip_or_sips(m->m_url) && m->m_url->url_type != url_tel) {
      return reply_error(irq, 400, "Invalid Contact");
    }
    if (m->m_expires) {
      const char* e = m->m_expires;
      if (!*e || std::string(e).find_first_not_of("0123456789") != std::string::npos)
        return reply_error(irq, 400, "Invalid Contact Expires");
    }
  }
  int header_expires =
      sip->sip_expires ? static_cast<int>(std::min<unsigned long>(sip->sip_expires->ex_delta, INT_MAX)) : -1;
  if (star && (contact_count != 1 || header_expires != 0))
    return reply_error(irq, 400, "Invalid Contact: * needs Expires: 0 and no other contact");

  ev.expires = std::to_string(header_expires >= 0 ? header_expires : settings_.default_expires);

  // apply-register-acl: every list must allow the source; a pass needs no challenge.
  bool acl_pass = false;
  if (!settings_.register_acls.empty()) {
    for (const std::string& list : settings_.register_acls) {
      if (!services_.acl || !services_.acl->allows(list, src.ip)) {
        bus_.publish(register_failure_event(ev));
        return reply_error(irq, SIP_403_FORBIDDEN);
      }
    }
    acl_pass = true;
  }

  // Digest authentication against the directory (RFC 3261 22, RFC 2617).
  std::string realm = settings_.challenge_realm;
  if (iequals(realm, "auto_to")) realm = ev.aor_host;
  else if (iequals(realm, "auto_from")) realm = ev.from_host.empty() ? ev.aor_host : ev.from_host;

  std::optional<DigestCredentials> credentials;
  if (!acl_pass && !settings_.accept_blind_reg) {
    credentials = auth_->credentials(sip, realm, 401);
    NonceCheck check = credentials ? auth_->check_nonce(*credentials) : NonceCheck::invalid;
    if (!credentials || check != NonceCheck::valid) {
      bool stale = credentials && check == NonceCheck::stale;
      if (credentials) {
        ev.username = credentials->username;
        ev.realm = realm;
        bus_.publish(register_attempt_event(ev, stale ? "STALE" : "FORBIDDEN"));
      } else {
        bus_.publish(pre_register_event(ev));
      }
      std::string challenge = auth_->challenge(realm, stale, 401);
      nta_incoming_treply(irq, SIP_401_UNAUTHORIZED, SIPTAG_WWW_AUTHENTICATE_STR(challenge.c_str()), TAG_END());
      return 401;
    }
    ev.username = credentials->username;
    ev.realm = realm;
    request.authenticated = true;
  }

  // Expiry policy: RFC 3261 10.3 step 7 (423 with Min-Expires), FreeSWITCH's sip-force-expires*.
  auto granted_expires = [&](sip_contact_t const* m) {
    int e = m->m_expires ? saturated_delta(m->m_expires) : header_expires >= 0 ? header_expires : settings_.default_expires;
    if (e == 0) return 0;
    if (settings_.force_expires_min > 0 && e < settings_.force_expires_min) e = settings_.force_expires_min;
    if (settings_.force_expires_max > 0 && e > settings_.force_expires_max) e = settings_.force_expires_max;
    if (settings_.force_expires > 0) e = settings_.force_expires;
    if (settings_.max_expires > 0 && e > settings_.max_expires) e = settings_.max_expires;
    return e;
  };
  if (settings_.min_expires > 0) {
    for (sip_contact_t const* m = sip->sip_contact; m && !star; m = m->m_next) {
      int e = granted_expires(m);
      if (e > 0 && e < settings_.min_expires) {
        std::string min = std::to_string(settings_.min_expires);
        nta_incoming_treply(irq, SIP_423_INTERVAL_TOO_BRIEF, SIPTAG_MIN_EXPIRES_STR(min.c_str()), TAG_END());
        return 423;
      }
    }
  }

  RegisterChange change;
  change.profile_name = profile_name_;
  change.sip_user = ev.aor_user;
  change.sip_host = !settings_.force_register_db_domain.empty() ? settings_.force_register_db_domain
                    : !settings_.force_register_domain.empty() ? settings_.force_register_domain
                                                               : ev.aor_host;
  change.call_id = ev.call_id;
  change.cseq = sip->sip_cseq ? sip->sip_cseq->cs_seq : 0;
  change.remove_all = star;
  change.network_ip = src.ip;
  change.network_port = src.port;
  change.network_transport = src.transport;
  change.user_agent = ev.user_agent;
  change.node_name = services_.node_name;

  // NAT: the Contact names a private address other than the one the REGISTER came from
  // (or, with aggressive-nat-detection, any other address).
  bool nat = false;
  for (sip_contact_t const* m = sip->sip_contact; m && !star; m = m->m_next) {
    std::string host = str(m->m_url->url_host);
    if (host != src.ip && (is_private_ipv4(host) || settings_.aggressive_nat)) nat = true;
  }
  change.nat_detected = nat;
  std::string transport_upper = src.transport == "tcp" ? "TCP" : "UDP";
  change.status = "Registered(" + transport_upper + (nat ? "-NAT" : "") + ")";
  ev.status = change.status;

  for (sip_contact_t const* m = sip->sip_contact; m && !star; m = m->m_next) {
    ContactUpdate update;
    update.contact_uri = url_text(home, m->m_url);
    update.expires = granted_expires(m);
    std::string uri = update.contact_uri;
    if (nat && settings_.received_in_nat_contact) {
      // NDLB-received-in-nat-reg-contact: store the address the REGISTER came from.
      url_t* copy = url_hdup(home, m->m_url);
      copy->url_host = su_strdup(home, src.ip.c_str());
      copy->url_port = su_strdup(home, std::to_string(src.port).c_str());
      uri = url_text(home, copy);
    }
    std::string value;
    if (m->m_display && *m->m_display) value = std::string(m->m_display) + " ";
    value += "<" + uri + ">";
    for (msg_param_t const* p = m->m_params; p && *p; ++p)
      if (!istarts_with(*p, "expires")) value += ";" + std::string(*p);
    if (nat && !settings_.received_in_nat_contact) {
      // As FreeSWITCH: calls to this contact go to where the REGISTER came from.
      std::string path = "sip:" + ev.aor_user + "@" + src.ip + ":" + std::to_string(src.port) +
                         (src.transport == "tcp" ? ";transport=tcp" : "");
      value += ";fs_nat=yes;fs_path=" + percent_encode("<" + path + ">");
    }
    update.contact = value;
    if (update.expires > 0) request.refreshed.push_back(update.contact_uri);
    change.contacts.push_back(std::move(update));
  }

  if (credentials) {
    change.auth_username = credentials->username;
    change.auth_realm = realm;
    change.auth_domain = !settings_.force_register_domain.empty() ? settings_.force_register_domain : realm;
    change.auth_user_id = credentials->username;
    change.verify = [c = *credentials](const DirectoryUser& user) {
      if (!user.enabled) return false;
      // FreeSWITCH's a1-hash is md5(user:domain:password): usable when the realm is the domain.
      std::string ha1 = !user.password.empty() ? DigestAuth::ha1(c.username, c.realm, user.password) : user.a1_hash;
      return DigestAuth::verify(c, ha1);
    };
  }

  std::uint64_t id = state_->next_id++;
  request.irq = irq;
  state_->pending.emplace(id, std::move(request));

  std::weak_ptr<State> weak = state_;
  EventBus* bus = &bus_;
  SipLoop* loop = &loop_;
  services_.registrations->apply(std::move(change), [weak, id, bus, loop](RegisterOutcome outcome) {
    loop->post([weak, id, bus, outcome = std::move(outcome)] {
      auto state = weak.lock();
      if (!state) return;  // the profile stopped meanwhile
      auto it = state->pending.find(id);
      if (it == state->pending.end()) return;
      Request req = std::move(it->second);
      state->pending.erase(it);
      nta_incoming_t* irq = req.irq;
      switch (outcome.result) {
        case RegisterResult::ok: {
          su_home_t home[1] = {SU_HOME_INIT(home)};
          std::string contacts;
          for (const Binding& b : outcome.bindings) {
            if (!contacts.empty()) contacts += ", ";
            contacts += "<" + b.contact_uri + ">;expires=" + std::to_string(b.expires_in);
          }
          sip_date_t* date = sip_date_create(home, sip_now());
          nta_incoming_treply(irq, SIP_200_OK, TAG_IF(!contacts.empty(), SIPTAG_CONTACT_STR(contacts.c_str())),
                              SIPTAG_DATE(date), TAG_END());
          nta_incoming_destroy(irq);
          su_home_deinit(home);
          if (req.authenticated) bus->publish(register_attempt_event(req.event, "SUCCESS"));
          for (const Binding& b : outcome.bindings)
            for (const std::string& uri : req.refreshed)
              if (uri == b.contact_uri) bus->publish(register_event(req.event, b));
          for (const Binding& b : outcome.removed) bus->publish(unregister_event(req.event, b));
          break;
        }
        case RegisterResult::auth_failed:
          // Unknown user and wrong password look the same (no user enumeration).
          nta_incoming_treply(irq, SIP_403_FORBIDDEN, TAG_END());
          nta_incoming_destroy(irq);
          bus->publish(register_attempt_event(req.event, "FORBIDDEN"));
          bus->publish(register_failure_event(req.event));
          break;
        case RegisterResult::out_of_order:
          // RFC 3261 10.3 step 7: same Call-ID, CSeq not higher than stored.
          nta_incoming_treply(irq, 500, "Request Out Of Order", TAG_END());
          nta_incoming_destroy(irq);
          break;
        case RegisterResult::unavailable:
        case RegisterResult::overloaded: {
          bool busy = outcome.result == RegisterResult::overloaded;
          nta_incoming_treply(irq, SIP_503_SERVICE_UNAVAILABLE, SIPTAG_RETRY_AFTER_STR(busy ? "1" : "5"), TAG_END());
          nta_incoming_destroy(irq);
          if (!busy) spdlog::warn("REGISTER {}@{} answered 503: {}", req.event.aor_user, req.event.aor_host, outcome.error);
          break;
        }
      }
    });
  });
  return 0;
}

}  // namespace sipedge
