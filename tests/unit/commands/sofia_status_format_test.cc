// The layouts must match mod_sofia's byte for byte (reference §3).
#include "node/commands/sofia_status_format.h"

#include <gtest/gtest.h>

#include <sstream>

namespace sipedge {
namespace {

ProfileStatus internal_profile() {
  ProfileStatus p;
  p.name = "internal";
  p.sip_ip = "192.0.2.10";
  p.port = 5060;
  p.url = "sip:mod_sofia@192.0.2.10:5060";
  p.bind_url = p.url;
  p.running = true;
  p.context = "public";
  p.dialplan = "XML";
  p.challenge_realm = "auto_to";
  p.domain_name = "N/A";
  return p;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(SofiaStatusFormatTest, StatusLayout) {
  ProfileStatus stopped = internal_profile();
  stopped.name = "external";
  stopped.running = false;
  std::string text = format_sofia_status({internal_profile(), stopped});
  auto l = lines(text);
  ASSERT_EQ(l.size(), 5u);
  EXPECT_EQ(l[0], "                     Name\t   Type\t                                      Data\tState");
  EXPECT_EQ(l[1], std::string(97, '='));
  EXPECT_EQ(l[2], "                 internal\tprofile\t             sip:mod_sofia@192.0.2.10:5060\tRUNNING (0)");
  EXPECT_EQ(l[3], std::string(97, '='));
  EXPECT_EQ(l[4], "1 profile 0 aliases");
}

TEST(SofiaStatusFormatTest, PluralProfiles) {
  ProfileStatus other = internal_profile();
  other.name = "external";
  auto l = lines(format_sofia_status({internal_profile(), other}));
  EXPECT_EQ(l.back(), "2 profiles 0 aliases");
}

TEST(SofiaStatusFormatTest, ProfileLayout) {
  ProfileStatus p = internal_profile();
  p.registrations = 3;
  auto l = lines(format_profile_status(p, "postgresql://127.0.0.1:5432/sipedge"));
  EXPECT_EQ(l.front(), std::string(97, '='));
  EXPECT_EQ(l.back(), std::string(97, '='));
  EXPECT_EQ(l[1], "Name             \tinternal");
  EXPECT_EQ(l[2], "Domain Name      \tN/A");
  EXPECT_EQ(l[4], "DBName           \tpostgresql://127.0.0.1:5432/sipedge");
  EXPECT_NE(std::find(l.begin(), l.end(), "URL              \tsip:mod_sofia@192.0.2.10:5060"), l.end());
  EXPECT_NE(std::find(l.begin(), l.end(), "Challenge Realm  \tauto_to"), l.end());
  EXPECT_EQ(l[l.size() - 2], "REGISTRATIONS    \t3");
  EXPECT_EQ(l[l.size() - 6], "CALLS-IN         \t0");
  // Every row is a 17-column label, a tab, a value.
  for (size_t i = 1; i + 1 < l.size(); ++i) EXPECT_EQ(l[i].find('\t'), 17u) << l[i];
}

TEST(SofiaStatusFormatTest, ExtSipIpShowsInUrlAndRow) {
  ProfileStatus p = internal_profile();
  p.ext_sip_ip = "198.51.100.1";
  auto l = lines(format_profile_status(p, "db"));
  EXPECT_NE(std::find(l.begin(), l.end(), "Ext-SIP-IP       \t198.51.100.1"), l.end());
}

TEST(SofiaStatusFormatTest, XmlStatusEscapes) {
  ProfileStatus p = internal_profile();
  p.name = "a&b";
  std::string xml = format_sofia_xmlstatus({p});
  EXPECT_NE(xml.find("<name>a&amp;b</name>"), std::string::npos);
  EXPECT_EQ(xml.rfind("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<profiles>\n", 0), 0u);
  std::string profile_xml = format_profile_xmlstatus(internal_profile(), "db");
  EXPECT_NE(profile_xml.find("    <db-name>db</db-name>\n"), std::string::npos);
  EXPECT_LT(profile_xml.find("<calls-out>"), profile_xml.find("<failed-calls-in>"));
  EXPECT_NE(profile_xml.find("    <registrations>0</registrations>\n  </profile-info>\n</profile>\n"), std::string::npos);
}

}  // namespace
}  // namespace sipedge
