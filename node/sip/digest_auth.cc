// SIP thread, except the static verify()/ha1() which are pure.
#include "node/sip/digest_auth.h"

#include <cassert>
#include <stdexcept>

extern "C" {
#include <sofia-sip/auth_digest.h>
#include <sofia-sip/auth_plugin.h>
#include <sofia-sip/msg_date.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/su_md5.h>
}

namespace sipedge {

namespace {

std::string md5_hex(const std::string& text) {
  su_md5_t ctx;
  su_md5_init(&ctx);
  su_md5_update(&ctx, text.data(), text.size());
  char hex[2 * SU_MD5_DIGEST_SIZE + 1];
  su_md5_hexdigest(&ctx, hex);
  return hex;
}

std::string str(const char* s) { return s ? s : ""; }

}  // namespace

DigestAuth::DigestAuth(SipLoop& loop, const std::string& master_key, unsigned nonce_ttl) : loop_(loop) {
  assert(loop_.in_thread());
  // realm "*": the realm is chosen per request (challenge-realm).
  module_ = auth_mod_create(loop_.root(), AUTHTAG_METHOD("Digest"), AUTHTAG_REALM("*"), AUTHTAG_QOP("auth"),
                            AUTHTAG_EXPIRES(nonce_ttl), AUTHTAG_MASTER_KEY(master_key.c_str()), TAG_END());
  if (!module_) throw std::runtime_error("cannot create the digest auth module");
}

DigestAuth::~DigestAuth() {
  if (module_) auth_mod_unref(module_);
}

std::string DigestAuth::challenge(const std::string& realm, bool stale, int status) const {
  assert(loop_.in_thread());
  auth_challenger_t challenger = status == 407
      ? auth_challenger_t{SIP_407_PROXY_AUTH_REQUIRED, sip_proxy_authenticate_class, sip_proxy_authentication_info_class}
      : auth_challenger_t{SIP_401_UNAUTHORIZED, sip_www_authenticate_class, sip_authentication_info_class};
  auth_status_t* as = auth_status_new(nullptr);
  if (!as) return "";
  as->as_realm = realm.c_str();
  as->as_stale = stale;
  auth_challenge_digest(module_, as, &challenger);
  std::string header;
  if (as->as_response) {
    char buffer[1024];
    issize_t n = msg_header_field_e(buffer, sizeof buffer, as->as_response, 0);
    if (n > 0 && static_cast<size_t>(n) < sizeof buffer) header.assign(buffer, static_cast<size_t>(n));
  }
  su_home_unref(as->as_home);
  return header;
}

std::optional<DigestCredentials> DigestAuth::credentials(sip_t const* sip, const std::string& realm,
                                                         int status) const {
  assert(loop_.in_thread());
  msg_auth_t* list = status == 407 ? sip->sip_proxy_authorization : sip->sip_authorization;
  msg_auth_t* au = auth_digest_credentials(list, realm.c_str(), nullptr);
  if (!au) return std::nullopt;
  su_home_t home[1] = {SU_HOME_INIT(home)};
  auth_response_t ar[1] = {};
  ar->ar_size = sizeof ar;
  std::optional<DigestCredentials> out;
  if (auth_digest_response_get(home, ar, au->au_params) >= 0) {
    out = DigestCredentials{str(ar->ar_username), str(ar->ar_realm),   str(ar->ar_nonce),
                            str(ar->ar_uri),      str(ar->ar_response), str(ar->ar_algorithm),
                            str(ar->ar_cnonce),   str(ar->ar_qop),      str(ar->ar_nc),
                            str(sip->sip_request->rq_method_name)};
  }
  su_home_deinit(home);
  return out;
}

NonceCheck DigestAuth::check_nonce(const DigestCredentials& c) const {
  assert(loop_.in_thread());
  auth_status_t* as = auth_status_new(nullptr);
  if (!as) return NonceCheck::invalid;
  auth_response_t ar[1] = {};
  ar->ar_size = sizeof ar;
  ar->ar_nonce = c.nonce.c_str();
  ar->ar_nc = c.nc.empty() ? nullptr : c.nc.c_str();
  NonceCheck result = NonceCheck::valid;
  if (auth_validate_digest_nonce(module_, as, ar, msg_now()) < 0)
    result = NonceCheck::invalid;
  else if (as->as_stale)
    result = NonceCheck::stale;
  su_home_unref(as->as_home);
  return result;
}

bool DigestAuth::verify(const DigestCredentials& c, const std::string& ha1) {
  if (ha1.empty() || c.response.empty()) return false;
  if (!c.algorithm.empty() && c.algorithm != "MD5" && c.algorithm != "md5") return false;
  std::string ha2 = md5_hex(c.method + ":" + c.uri);
  std::string expected = c.qop.empty() ? md5_hex(ha1 + ":" + c.nonce + ":" + ha2)
                                       : md5_hex(ha1 + ":" + c.nonce + ":" + c.nc + ":" + c.cnonce + ":" + c.qop + ":" + ha2);
  if (expected.size() != c.response.size()) return false;
  // Constant-time comparison; case-insensitive hex.
  unsigned diff = 0;
  for (size_t i = 0; i < expected.size(); ++i)
    diff |= static_cast<unsigned>(expected[i] ^ static_cast<char>(std::tolower(static_cast<unsigned char>(c.response[i]))));
  return diff == 0;
}

std::string DigestAuth::ha1(const std::string& username, const std::string& realm, const std::string& password) {
  return md5_hex(username + ":" + realm + ":" + password);
}

}  // namespace sipedge
