// The registration listings must match mod_sofia's show_reg_callback and
// show_reg_callback_xml byte for byte (reference §3).
#include "node/commands/registration_format.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <sstream>

namespace sipedge {
namespace {

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

class RegistrationFormatTest : public ::testing::Test {
 protected:
  // EXP(...) is local time: pin the zone so the expected text is fixed.
  void SetUp() override {
    const char* tz = std::getenv("TZ");
    saved_tz_ = tz ? std::optional<std::string>(tz) : std::nullopt;
    setenv("TZ", "UTC", 1);
    tzset();
  }
  void TearDown() override {
    if (saved_tz_) setenv("TZ", saved_tz_->c_str(), 1);
    else unsetenv("TZ");
    tzset();
  }
  std::optional<std::string> saved_tz_;
};

Binding yealink() {
  Binding b;
  b.profile_name = "internal";
  b.sip_user = "1000";
  b.sip_host = "example.com";
  b.contact = "\"1000\" <sip:1000@198.51.100.7:5060>";
  b.contact_uri = "sip:1000@198.51.100.7:5060";
  b.call_id = "a1b2@198.51.100.5";
  b.cseq = 7;
  // 2026-05-01 12:00:00 UTC
  b.expires_at = SystemTime(std::chrono::seconds(1777636800));
  b.expires_in = 3540;
  b.network_ip = "198.51.100.7";
  b.network_port = 5060;
  b.network_transport = "udp";
  b.user_agent = "Yealink SIP-T46S";
  b.auth_username = "1000";
  b.auth_realm = "example.com";
  b.status = "Registered(UDP)";
  b.node_name = "node-a";
  return b;
}

TEST_F(RegistrationFormatTest, TextLayoutAsReference) {
  // Reference §3, line for line.
  const std::string expected =
      "\n"
      "Registrations:\n"
      "=================================================================================================\n"
      "Call-ID:    \ta1b2@198.51.100.5\n"
      "User:       \t1000@example.com\n"
      "Contact:    \t\"1000\" <sip:1000@198.51.100.7:5060>\n"
      "Agent:      \tYealink SIP-T46S\n"
      "Status:     \tRegistered(UDP)(unknown) EXP(2026-05-01 12:00:00) EXPSECS(3540)\n"
      "Ping-Status:\tReachable\n"
      "Ping-Time:\t0.00\n"
      "Host:       \tnode-a\n"
      "IP:         \t198.51.100.7\n"
      "Port:       \t5060\n"
      "Auth-User:  \t1000\n"
      "Auth-Realm: \texample.com\n"
      "MWI-Account:\t1000@example.com\n"
      "\n"
      "Total items returned: 1\n"
      "=================================================================================================\n";
  std::string text = format_registrations({yealink()});
  auto got = lines(text), want = lines(expected);
  ASSERT_EQ(got.size(), want.size()) << text;
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_EQ(got[i], want[i]) << "line " << i;
  EXPECT_EQ(text, expected);
}

TEST_F(RegistrationFormatTest, EmptyListing) {
  EXPECT_EQ(format_registrations({}),
            "\nRegistrations:\n" + std::string(97, '=') + "\nTotal items returned: 0\n" + std::string(97, '=') + "\n");
}

TEST_F(RegistrationFormatTest, TwoRowsCountAndBlankLineBetween) {
  Binding second = yealink();
  second.call_id = "other";
  second.auth_username = "";
  second.auth_realm = "";
  auto l = lines(format_registrations({yealink(), second}));
  ASSERT_EQ(l.size(), 3u + 14u * 2 + 2u);
  EXPECT_EQ(l[3], "Call-ID:    \ta1b2@198.51.100.5");
  EXPECT_EQ(l[16], "");
  EXPECT_EQ(l[17], "Call-ID:    \tother");
  EXPECT_EQ(l[27], "Auth-User:  \t");
  EXPECT_EQ(l[28], "Auth-Realm: \t");
  EXPECT_EQ(l[31], "Total items returned: 2");
}

TEST_F(RegistrationFormatTest, XmlLayout) {
  Binding b = yealink();
  b.user_agent = "Phone <&> \"x\"";
  b.auth_username = "user@x y";
  const std::string expected =
      "  <registrations>\n"
      "    <registration>\n"
      "        <call-id>a1b2@198.51.100.5</call-id>\n"
      "        <user>1000@example.com</user>\n"
      "        <contact>&quot;1000&quot; &lt;sip:1000@198.51.100.7:5060&gt;</contact>\n"
      "        <agent>Phone &lt;&amp;&gt; &quot;x&quot;</agent>\n"
      "        <status>Registered(UDP)(unknown) exp(2026-05-01 12:00:00) expsecs(3540)</status>\n"
      "        <ping-status>Reachable</ping-status>\n"
      "        <ping-time>0.00</ping-time>\n"
      "        <host>node-a</host>\n"
      "        <network-ip>198.51.100.7</network-ip>\n"
      "        <network-port>5060</network-port>\n"
      "        <sip-auth-user>user%40x%20y</sip-auth-user>\n"
      "        <sip-auth-realm>example.com</sip-auth-realm>\n"
      "        <mwi-account>1000@example.com</mwi-account>\n"
      "    </registration>\n"
      "  </registrations>\n";
  EXPECT_EQ(format_registrations_xml({b}), expected);
  EXPECT_EQ(format_registrations_xml({}), "  <registrations>\n  </registrations>\n");
}

TEST_F(RegistrationFormatTest, LocalTimeFollowsTheZone) {
  setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);  // POSIX rule: no tzdata needed
  tzset();
  // 12:00 UTC is 14:00 CEST.
  EXPECT_EQ(format_local_time(SystemTime(std::chrono::seconds(1777636800))), "2026-05-01 14:00:00");
  // Sub-second parts are dropped, not rounded.
  EXPECT_EQ(format_local_time(SystemTime(std::chrono::milliseconds(1777636800999))), "2026-05-01 14:00:00");
}

TEST(UrlEncodeTest, AsSwitchUrlEncode) {
  EXPECT_EQ(url_encode("1000"), "1000");
  EXPECT_EQ(url_encode("a b@c:d;e"), "a%20b%40c%3Ad%3Be");
  EXPECT_EQ(url_encode("%41 stays"), "%41%20stays");
  EXPECT_EQ(url_encode("100%"), "100%25");
  EXPECT_EQ(url_encode("\x7f"), "%7F");
}

}  // namespace
}  // namespace sipedge
