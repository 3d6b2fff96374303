// The digest check the registrar runs on the database worker (pure hashing).
#include "node/sip/digest_auth.h"

#include <gtest/gtest.h>

namespace sipedge {
namespace {

// RFC 2617 section 3.5, the worked example.
DigestCredentials rfc2617_example() {
  DigestCredentials c;
  c.username = "Mufasa";
  c.realm = "testrealm@host.com";
  c.nonce = "dcd98b7102dd2f0e8b11d0f600bfb0c093";
  c.uri = "/dir/index.html";
  c.qop = "auth";
  c.nc = "00000001";
  c.cnonce = "0a4f113b";
  c.response = "6629fae49393a05397450978507c4ef1";
  c.method = "GET";
  return c;
}

TEST(DigestAuthTest, Rfc2617ExampleVerifies) {
  DigestCredentials c = rfc2617_example();
  EXPECT_TRUE(DigestAuth::verify(c, DigestAuth::ha1("Mufasa", "testrealm@host.com", "Circle Of Life")));
}

TEST(DigestAuthTest, WrongPasswordFails) {
  DigestCredentials c = rfc2617_example();
  EXPECT_FALSE(DigestAuth::verify(c, DigestAuth::ha1("Mufasa", "testrealm@host.com", "circle of life")));
}

TEST(DigestAuthTest, AnyChangedFieldFails) {
  const std::string ha1 = DigestAuth::ha1("Mufasa", "testrealm@host.com", "Circle Of Life");
  for (auto mutate : std::vector<void (*)(DigestCredentials&)>{
           [](DigestCredentials& c) { c.nonce += "x"; }, [](DigestCredentials& c) { c.uri = "/other"; },
           [](DigestCredentials& c) { c.nc = "00000002"; }, [](DigestCredentials& c) { c.cnonce = "0a4f113c"; },
           [](DigestCredentials& c) { c.method = "REGISTER"; }, [](DigestCredentials& c) { c.response = ""; },
           [](DigestCredentials& c) { c.algorithm = "SHA-256"; }}) {
    DigestCredentials c = rfc2617_example();
    mutate(c);
    EXPECT_FALSE(DigestAuth::verify(c, ha1));
  }
}

TEST(DigestAuthTest, UpperCaseHexResponseAccepted) {
  DigestCredentials c = rfc2617_example();
  c.response = "6629FAE49393A05397450978507C4EF1";
  EXPECT_TRUE(DigestAuth::verify(c, DigestAuth::ha1("Mufasa", "testrealm@host.com", "Circle Of Life")));
}

TEST(DigestAuthTest, WithoutQopUsesRfc2069Form) {
  // response = MD5(HA1:nonce:HA2)
  DigestCredentials c = rfc2617_example();
  c.qop.clear();
  c.nc.clear();
  c.cnonce.clear();
  c.response = "670fd8c2df070c60b045671b8b24ff02";
  EXPECT_TRUE(DigestAuth::verify(c, DigestAuth::ha1("Mufasa", "testrealm@host.com", "Circle Of Life")));
}

TEST(DigestAuthTest, EmptyHa1NeverVerifies) {
  EXPECT_FALSE(DigestAuth::verify(rfc2617_example(), ""));
}

}  // namespace
}  // namespace sipedge
