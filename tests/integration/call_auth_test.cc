// Outbound credentials (issue 4; reference mod_sofia.md §5: sip_auth_username
// / sip_auth_password answer a 401/407 on an outbound leg). The callee (a
// SIPp UAS standing in for a proxy) answers the first INVITE 407 with a
// Proxy-Authenticate challenge; the node must send the INVITE again in the
// same dialog attempt (same Call-ID and From tag, higher CSeq, RFC 3261 22.2)
// with a Proxy-Authorization whose digest this test recomputes (RFC 2617
// without qop), and the call is then answered.
#include <gtest/gtest.h>

#include <map>

#include "tests/integration/call_fixture.h"

extern "C" {
#include <sofia-sip/su_md5.h>
}

namespace sipedge::test {
namespace {

using namespace calls;

std::string md5_hex(const std::string& text) {
  su_md5_t ctx;
  su_md5_init(&ctx);
  su_md5_update(&ctx, text.data(), text.size());
  char hex[SU_MD5_DIGEST_SIZE * 2 + 1];
  su_md5_hexdigest(&ctx, hex);
  return hex;
}

// Digest parameters of a Proxy-Authorization value (name → unquoted value).
std::map<std::string, std::string> digest_params(const std::string& value) {
  std::map<std::string, std::string> out;
  std::size_t pos = value.find(' ');
  if (pos == std::string::npos) return out;
  while (pos < value.size()) {
    while (pos < value.size() && (value[pos] == ' ' || value[pos] == ',')) ++pos;
    std::size_t eq = value.find('=', pos);
    if (eq == std::string::npos) break;
    std::string name = trim(value.substr(pos, eq - pos));
    std::size_t v = eq + 1;
    std::string val;
    if (v < value.size() && value[v] == '"') {
      std::size_t end = value.find('"', v + 1);
      val = value.substr(v + 1, end - v - 1);
      pos = end == std::string::npos ? value.size() : end + 1;
    } else {
      std::size_t end = value.find(',', v);
      val = trim(value.substr(v, end == std::string::npos ? std::string::npos : end - v));
      pos = end == std::string::npos ? value.size() : end;
    }
    for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    out[name] = val;
  }
  return out;
}

class CallAuthTest : public CallTest {};

TEST_F(CallAuthTest, ProxyChallengeFromTheCalleeIsAnsweredWithSipAuthCredentials) {
  int port = free_port(true);
  ASSERT_NO_FATAL_FAILURE(start_node(extension(
      "1001", {{"bridge", "{sip_auth_username=alice,sip_auth_password=secret123}sofia/internal/1001@127.0.0.1:" +
                              std::to_string(port)}})));
  Callee callee("call_uas_auth.xml", port, node_port());
  Caller c;
  c.service = "1001";
  SippResult caller = call(c);
  const SippResult& uas = callee.result();
  EXPECT_EQ(invite_finals(sipp_received(caller)), std::vector<int>{200})
      << "the caller should see neither the 407 nor a failure\n" << caller.describe();
  EXPECT_EQ(uas.exit_code, 0) << uas.describe();

  auto invites = requests(sipp_received(uas), "INVITE");
  ASSERT_EQ(invites.size(), 2u) << "no second INVITE with credentials\n" << uas.describe();
  EXPECT_EQ(header_value(invites[1], "Call-ID", "i"), header_value(invites[0], "Call-ID", "i"));
  EXPECT_EQ(tag_of(header_value(invites[1], "From", "f")), tag_of(header_value(invites[0], "From", "f")));
  EXPECT_GT(std::atol(header_value(invites[1], "CSeq").c_str()), std::atol(header_value(invites[0], "CSeq").c_str()));
  std::string authorization = header_value(invites[1], "Proxy-Authorization");
  ASSERT_FALSE(authorization.empty()) << invites[1];
  EXPECT_TRUE(starts_with(authorization, "Digest ")) << authorization;
  auto p = digest_params(authorization);
  EXPECT_EQ(p["username"], "alice") << authorization;
  EXPECT_EQ(p["realm"], "callee.test") << authorization;
  EXPECT_EQ(p["nonce"], "4f1d2c3b5a69788796a5b4c3d2e1f001") << authorization;
  std::string expected = md5_hex(md5_hex("alice:callee.test:secret123") + ":" + p["nonce"] + ":" +
                                 md5_hex("INVITE:" + p["uri"]));
  if (!p["qop"].empty())  // RFC 2617 3.2.2.1 with qop (not offered, but tolerated)
    expected = md5_hex(md5_hex("alice:callee.test:secret123") + ":" + p["nonce"] + ":" + p["nc"] + ":" +
                       p["cnonce"] + ":" + p["qop"] + ":" + md5_hex("INVITE:" + p["uri"]));
  EXPECT_EQ(p["response"], expected) << "the digest does not match the password\n" << authorization;
  // The callee's dialog is the answered INVITE's: its BYE reached the callee.
  EXPECT_EQ(requests(sipp_received(uas), "BYE").size(), 1u) << uas.describe();
}

}  // namespace
}  // namespace sipedge::test
