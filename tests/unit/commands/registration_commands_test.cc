#include "node/commands/registration_commands.h"

#include <gtest/gtest.h>

#include "node/commands/sofia_contact_command.h"
#include "node/sip/contact_url.h"

namespace sipedge {
namespace {

TEST(RegistrationMatchFiltersTest, UserAtHostIsCallIdOrAor) {
  auto f = registration_match_filters("internal", "1000@example.com");
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].profile_name, "internal");
  EXPECT_EQ(f[0].call_id, "1000@example.com");
  EXPECT_EQ(f[0].sip_user, "");
  EXPECT_EQ(f[0].sip_host, "");
  EXPECT_EQ(f[1].profile_name, "internal");
  EXPECT_EQ(f[1].call_id, "");
  EXPECT_EQ(f[1].sip_user, "1000");
  EXPECT_EQ(f[1].sip_host, "example.com");
}

TEST(RegistrationMatchFiltersTest, BareWordIsCallIdOrHost) {
  auto f = registration_match_filters("internal", "abcdef");
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].call_id, "abcdef");
  EXPECT_EQ(f[1].sip_user, "");
  EXPECT_EQ(f[1].sip_host, "abcdef");
}

TEST(RegistrationMatchFiltersTest, AtHostAndUserAt) {
  auto host_only = registration_match_filters("internal", "@example.com");
  EXPECT_EQ(host_only[1].sip_user, "");
  EXPECT_EQ(host_only[1].sip_host, "example.com");
  // FreeSWITCH: an empty host becomes "none" (never "every host").
  auto user_only = registration_match_filters("internal", "1000@");
  EXPECT_EQ(user_only[1].sip_user, "1000");
  EXPECT_EQ(user_only[1].sip_host, "none");
}

TEST(DatabaseErrorReplyTest, SaysDatabaseUnavailable) {
  EXPECT_EQ(database_error_reply("database unavailable: connection refused"),
            "-ERR database unavailable: connection refused\n");
  EXPECT_EQ(database_error_reply("server closed the connection"),
            "-ERR database unavailable: server closed the connection\n");
}

TEST(ContactUrlTest, UrlFromContact) {
  EXPECT_EQ(url_from_contact("\"1000\" <sip:1000@198.51.100.7:5060>"), "sip:1000@198.51.100.7:5060");
  EXPECT_EQ(url_from_contact("\"a <b>\" <sip:x@h;transport=tcp>;expires=60"), "sip:x@h;transport=tcp");
  EXPECT_EQ(url_from_contact("  <sip:x@h>"), "sip:x@h");
  EXPECT_EQ(url_from_contact("sip:x@h"), "sip:x@h");
}

TEST(ContactUrlTest, DialUrlKeepsFsParams) {
  EXPECT_EQ(dial_url_from_contact("<sip:1000@10.0.0.5:5060>;fs_nat=yes;fs_path=%3Csip%3A1000%40127.0.0.1%3A5062%3E"),
            "sip:1000@10.0.0.5:5060;fs_nat=yes;fs_path=%3Csip%3A1000%40127.0.0.1%3A5062%3E");
  EXPECT_EQ(dial_url_from_contact("<sip:1000@h>;q=0.5;+sip.instance=\"x\""), "sip:1000@h");
  // Stored the FreeSWITCH way (inside the <>): unchanged.
  EXPECT_EQ(dial_url_from_contact("<sip:1000@h;fs_nat=yes>"), "sip:1000@h;fs_nat=yes");
}

TEST(ContactUrlTest, RequestUrlDropsFsParams) {
  EXPECT_EQ(request_url_from_contact("<sip:1000@h:5060;transport=udp;fs_nat=yes;fs_path=x>"),
            "sip:1000@h:5060;transport=udp");
  EXPECT_EQ(request_url_from_contact("<sip:1000@h>;fs_nat=yes"), "sip:1000@h");
  EXPECT_EQ(strip_scheme("sips:1000@h"), "1000@h");
}

TEST(SofiaContactTest, ParseArgument) {
  auto q = parse_sofia_contact("internal/1000@example.com");
  EXPECT_EQ(q.profile, "internal");
  EXPECT_EQ(q.user, "1000");
  EXPECT_EQ(q.domain, "example.com");
  EXPECT_EQ(q.prefix, "");
  q = parse_sofia_contact("internal/1000@example.com/{x=y}");
  EXPECT_EQ(q.profile, "internal");
  EXPECT_EQ(q.user, "1000");
  EXPECT_EQ(q.domain, "example.com");
  EXPECT_EQ(q.prefix, "{x=y}");
  // As FreeSWITCH: the first '/' always ends the profile name.
  q = parse_sofia_contact("1000@example.com/{x=y}");
  EXPECT_EQ(q.profile, "1000@example.com");
  EXPECT_EQ(q.user, "{x=y}");
  q = parse_sofia_contact("*/1000@example.com");
  EXPECT_EQ(q.profile, "*");
  q = parse_sofia_contact("1000");
  EXPECT_EQ(q.user, "1000");
  EXPECT_EQ(q.domain, "");
}

Binding binding(const std::string& profile, const std::string& contact) {
  Binding b;
  b.profile_name = profile;
  b.sip_user = "1000";
  b.sip_host = "example.com";
  b.contact = contact;
  return b;
}

TEST(SofiaContactTest, DialStrings) {
  std::vector<Binding> rows = {binding("internal", "\"1000\" <sip:1000@198.51.100.7:5060>"),
                               binding("internal", "<sips:1000@198.51.100.8:5061;transport=tls>")};
  EXPECT_EQ(format_sofia_contact(rows, "", false),
            "sofia/internal/sip:1000@198.51.100.7:5060,sofia/internal/sip:1000@198.51.100.8:5061;transport=tls");
  EXPECT_EQ(format_sofia_contact({rows[0]}, "[leg_timeout=5]", false),
            "[leg_timeout=5]sofia/internal/sip:1000@198.51.100.7:5060");
  EXPECT_EQ(format_sofia_contact({}, "", false), "error/user_not_registered");
  EXPECT_EQ(format_sofia_contact({rows[0], rows[0]}, "", true), "sofia/internal/sip:1000@198.51.100.7:5060");
  EXPECT_EQ(format_sofia_contact({rows[0], rows[0]}, "", false),
            "sofia/internal/sip:1000@198.51.100.7:5060,sofia/internal/sip:1000@198.51.100.7:5060");
}

TEST(SofiaContactTest, MatchIsCaseInsensitiveUserAndHostSubstring) {
  Binding b = binding("internal", "<sip:1000@h>");
  b.sip_user = "Alice";
  EXPECT_TRUE(sofia_contact_matches(b, "alice", "example.com"));
  EXPECT_TRUE(sofia_contact_matches(b, "ALICE", "example"));
  EXPECT_FALSE(sofia_contact_matches(b, "alic", "example.com"));
  EXPECT_FALSE(sofia_contact_matches(b, "alice", "other.org"));
}

}  // namespace
}  // namespace sipedge
