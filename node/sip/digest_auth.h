#pragma once
// HTTP Digest (RFC 2617, MD5, qop=auth) for REGISTER and INVITE, with
// stateless nonces: sofia-sip's auth module signs each nonce with an HMAC
// over its issue time under a master key shared by the cluster, so any node
// accepts a nonce another node issued (a standby after failover).
//
// Challenge and nonce checks run on the SIP thread; verify() is a pure
// function (it only hashes) and runs on the database worker, next to the
// directory look-up that yields the HA1.
#include <optional>
#include <string>

extern "C" {
#include <sofia-sip/auth_module.h>
#include <sofia-sip/sip.h>
}

#include "node/sip/sip_loop.h"

namespace sipedge {

// The client's Digest response, copied out of the message (plain strings).
struct DigestCredentials {
  std::string username, realm, nonce, uri, response, algorithm, cnonce, qop, nc;
  std::string method;  // the request's method
};

enum class NonceCheck { valid, stale, invalid };

class DigestAuth {
 public:
  // nonce_ttl: seconds a nonce stays fresh (FreeSWITCH's nonce-ttl, default 60).
  DigestAuth(SipLoop& loop, const std::string& master_key, unsigned nonce_ttl);
  ~DigestAuth();
  DigestAuth(const DigestAuth&) = delete;
  DigestAuth& operator=(const DigestAuth&) = delete;

  // WWW-Authenticate (status 401) or Proxy-Authenticate (407) header value.
  std::string challenge(const std::string& realm, bool stale, int status) const;
  // Finds the credentials for realm in Authorization (401) or
  // Proxy-Authorization (407). nullopt: none for that realm.
  std::optional<DigestCredentials> credentials(sip_t const* sip, const std::string& realm, int status) const;
  NonceCheck check_nonce(const DigestCredentials& credentials) const;

  // RFC 2617 3.2.2.1 with the stored HA1 (hex). Thread-safe.
  static bool verify(const DigestCredentials& credentials, const std::string& ha1);
  // HA1 = MD5(username:realm:password), hex.
  static std::string ha1(const std::string& username, const std::string& realm, const std::string& password);

 private:
  SipLoop& loop_;
  auth_mod_t* module_ = nullptr;
};

}  // namespace sipedge
