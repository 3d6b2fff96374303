#include "node/sip/digest_client.h"

extern "C" {
#include <sofia-sip/msg_header.h>
#include <sofia-sip/sip_header.h>
}

namespace sipedge {

namespace {
msg_auth_t const* challenge_of(sip_t const* sip, int status) {
  if (!sip) return nullptr;
  return status == 407 ? reinterpret_cast<msg_auth_t const*>(sip->sip_proxy_authenticate)
                       : reinterpret_cast<msg_auth_t const*>(sip->sip_www_authenticate);
}
}  // namespace

DigestClient::DigestClient() { su_home_init(home_); }

DigestClient::~DigestClient() { su_home_deinit(home_); }

void DigestClient::clear() {
  su_home_deinit(home_);
  su_home_init(home_);
  client_ = nullptr;
}

bool DigestClient::challenge(sip_t const* response, int status, const std::string& user, const std::string& password) {
  msg_auth_t const* ch = challenge_of(response, status);
  if (!ch || user.empty()) return false;
  msg_hclass_t* credential_class = status == 407 ? sip_proxy_authorization_class : sip_authorization_class;
  if (auc_challenge(&client_, home_, ch, credential_class) <= 0) return false;
  return auc_all_credentials(&client_, "Digest", nullptr, user.c_str(), password.c_str()) > 0;
}

std::string DigestClient::realm(sip_t const* response, int status) {
  msg_auth_t const* ch = challenge_of(response, status);
  char const* v = ch ? msg_params_find(ch->au_params, "realm=") : nullptr;
  if (!v) return "";
  std::string r(v);
  if (r.size() >= 2 && r.front() == '"' && r.back() == '"') r = r.substr(1, r.size() - 2);
  return r;
}

bool DigestClient::stale(sip_t const* response, int status) {
  for (msg_auth_t const* ch = challenge_of(response, status); ch; ch = ch->au_next) {
    char const* v = msg_params_find(ch->au_params, "stale=");
    if (v && (v[0] == 't' || v[0] == 'T' || v[0] == '"')) {
      std::string s(v);
      if (s.find("true") != std::string::npos || s.find("TRUE") != std::string::npos) return true;
    }
  }
  return false;
}

std::string DigestClient::authorization(const std::string& method, const std::string& request_uri,
                                        const std::string& body) {
  if (!client_) return "";
  su_home_t home[1] = {SU_HOME_INIT(home)};
  std::string out;
  url_t* ruri = url_hdup(home, URL_STRING_MAKE(request_uri.c_str())->us_url);
  msg_header_t* headers = nullptr;
  msg_payload_t* payload =
      body.empty() ? nullptr : reinterpret_cast<msg_payload_t*>(sip_payload_make(home, body.c_str()));
  if (ruri && auc_authorization_headers(&client_, home, method.c_str(), ruri, payload, &headers) > 0) {
    for (msg_header_t* h = headers; h; h = h->sh_next) {
      char buf[4096];
      issize_t n = msg_header_e(buf, sizeof buf, h, 0);
      if (n > 0 && static_cast<size_t>(n) < sizeof buf) out += std::string(buf, static_cast<size_t>(n));
    }
  }
  su_home_deinit(home);
  return out;
}

}  // namespace sipedge
