#pragma once
// The client side of digest authentication (RFC 2617/3261 22), on sofia-sip's
// auth_client.h: take a 401/407 challenge, answer it with a user and password,
// and produce the Authorization / Proxy-Authorization header lines for a
// request. Used by the outbound call leg (sip_auth_username/password) and by
// gateways registering upstream. SIP thread (any single thread) only.
#include <string>

extern "C" {
#include <sofia-sip/auth_client.h>
#include <sofia-sip/sip.h>
}

namespace sipedge {

class DigestClient {
 public:
  DigestClient();
  ~DigestClient();
  DigestClient(const DigestClient&) = delete;
  DigestClient& operator=(const DigestClient&) = delete;

  // Takes the challenge of a 401 (WWW-Authenticate) or 407 (Proxy-Authenticate)
  // and sets the credentials for it. false when the response has no usable
  // Digest challenge.
  bool challenge(sip_t const* response, int status, const std::string& user, const std::string& password);
  // True when the response's challenge says stale=true (our nonce expired,
  // the credentials were right).
  static bool stale(sip_t const* response, int status);
  // The realm of the response's first challenge, unquoted ("" when none).
  static std::string realm(sip_t const* response, int status);
  bool has_credentials() const { return client_ != nullptr; }
  // "Authorization: Digest ...\r\n" (or Proxy-Authorization) for the request;
  // "" when there is nothing to answer with. Each call counts nc up.
  std::string authorization(const std::string& method, const std::string& request_uri, const std::string& body = "");
  void clear();

 private:
  su_home_t home_[1];
  auth_client_t* client_ = nullptr;
};

}  // namespace sipedge
