// Console output of `sofia status` and friends, line by line against the
// FreeSWITCH layouts (/work/shared/reference/mod_sofia.md section 3), built
// here from the known profile names and ports.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <set>
#include <pugixml.hpp>
#include <sstream>

#include "tests/support/node_process.h"
#include "tests/support/test_database.h"

namespace sipedge::test {
namespace {

const std::string kSeparator(97, '=');

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// printf semantics on purpose: the reference layouts are FreeSWITCH's printf formats.
std::string header_row() {
  char buf[256];
  std::snprintf(buf, sizeof buf, "%25s\t%s\t  %40s\t%s", "Name", "   Type", "Data", "State");
  return buf;
}

std::string profile_row(const std::string& name, int port) {
  char buf[512];
  std::string url = "sip:mod_sofia@127.0.0.1:" + std::to_string(port);
  std::snprintf(buf, sizeof buf, "%25s\tprofile\t  %40s\tRUNNING (0)", name.c_str(), url.c_str());
  return buf;
}

// mod_sofia: "%d profile%s %d alias%s"
std::string footer(int profiles, int aliases) {
  return std::to_string(profiles) + " profile" + (profiles == 1 ? "" : "s") + " " + std::to_string(aliases) +
         " alias" + (aliases == 1 ? "" : "es");
}

class SofiaStatusTest : public ::testing::Test {
 protected:
  SofiaStatusTest() : db_("sofia_status"), node_(options(db_)) {}

  static NodeOptions options(const TestDatabase& db) {
    NodeOptions o;
    o.db_dsn = db.dsn();
    ProfileOptions internal;
    internal.name = "internal";
    internal.params = {{"context", "default"}};
    ProfileOptions external;
    external.name = "external";
    o.profiles = {internal, external};
    return o;
  }

  void SetUp() override { ASSERT_NO_THROW(node_.start_and_wait()); }

  TestDatabase db_;
  NodeProcess node_;
};

TEST_F(SofiaStatusTest, SofiaStatusLayout) {
  std::vector<std::string> got = lines(node_.api("sofia status"));
  // Profiles in name order would be FreeSWITCH's hash order; accept either order of the two rows.
  ASSERT_EQ(got.size(), 7u) << node_.api("sofia status");
  EXPECT_EQ(got[0], header_row());
  EXPECT_EQ(got[1], kSeparator);
  std::set<std::string> rows{got[2], got[3]};
  std::set<std::string> expected{profile_row("internal", node_.sip_port("internal")),
                                 profile_row("external", node_.sip_port("external"))};
  EXPECT_EQ(rows, expected);
  // sipedge's one extra row, in the same layout: the node's place in its pair.
  const std::string cluster = "test-" + node_.options().switchname;
  char row[256];
  std::snprintf(row, sizeof row, "%25s\t%s\t  %40s\t%s", cluster.c_str(), "cluster",
                ("epoch 1 holder " + node_.options().switchname).c_str(), "ACTIVE");
  EXPECT_EQ(got[4], row);
  EXPECT_EQ(got[5], kSeparator);
  EXPECT_EQ(got[6], footer(2, 0));
}

TEST_F(SofiaStatusTest, SofiaStatusProfileLayout) {
  std::string text = node_.api("sofia status profile internal");
  std::vector<std::string> got = lines(text);
  ASSERT_GE(got.size(), 20u) << text;
  EXPECT_EQ(got.front(), kSeparator) << text;
  EXPECT_EQ(got.back(), kSeparator) << text;

  // Every other line is "label<pad to 17>\tvalue".
  std::vector<std::string> labels;
  std::map<std::string, std::string> values;
  for (std::size_t i = 1; i + 1 < got.size(); ++i) {
    std::size_t tab = got[i].find('\t');
    ASSERT_NE(tab, std::string::npos) << "line without tab: [" << got[i] << "]";
    std::string padded = got[i].substr(0, tab);
    std::string label = padded.substr(0, padded.find_last_not_of(' ') + 1);
    EXPECT_EQ(padded.size(), std::max<std::size_t>(17, label.size())) << "label not padded to 17: [" << got[i] << "]";
    labels.push_back(label);
    values[label] = got[i].substr(tab + 1);
  }
  // mod_sofia's order for the leading and trailing rows.
  std::vector<std::string> head{"Name", "Domain Name", "Auto-NAT", "DBName", "Pres Hosts", "Dialplan",
                                "Context", "Challenge Realm", "RTP-IP", "SIP-IP", "URL", "BIND-URL"};
  std::vector<std::string> tail{"CALLS-IN", "FAILED-CALLS-IN", "CALLS-OUT", "FAILED-CALLS-OUT", "REGISTRATIONS"};
  ASSERT_GE(labels.size(), head.size() + tail.size());
  EXPECT_EQ(std::vector<std::string>(labels.begin(), labels.begin() + head.size()), head) << text;
  EXPECT_EQ(std::vector<std::string>(labels.end() - tail.size(), labels.end()), tail) << text;

  std::string url = "sip:mod_sofia@127.0.0.1:" + std::to_string(node_.sip_port("internal"));
  EXPECT_EQ(values["Name"], "internal");
  EXPECT_EQ(values["SIP-IP"], "127.0.0.1");
  EXPECT_EQ(values["URL"], url);
  EXPECT_EQ(values["BIND-URL"].rfind(url, 0), 0u) << values["BIND-URL"];
  EXPECT_EQ(values["Context"], "default");
  EXPECT_EQ(values["Dialplan"], "XML");
  EXPECT_EQ(values["Challenge Realm"], "auto_to");
  for (const auto& label : tail) EXPECT_EQ(values[label], "0") << label;
}

TEST_F(SofiaStatusTest, XmlStatusParses) {
  std::string text = node_.api("sofia xmlstatus");
  pugi::xml_document doc;
  pugi::xml_parse_result parsed = doc.load_string(text.c_str());
  ASSERT_TRUE(parsed) << parsed.description() << " at offset " << parsed.offset << "\n" << text;
  pugi::xml_node profiles = doc.child("profiles");
  ASSERT_TRUE(profiles) << text;
  std::map<std::string, std::string> data;
  for (pugi::xml_node p : profiles.children("profile")) {
    EXPECT_STREQ(p.child_value("type"), "profile");
    EXPECT_STREQ(p.child_value("state"), "RUNNING (0)");
    data[p.child_value("name")] = p.child_value("data");
  }
  EXPECT_EQ(data.size(), 2u) << text;
  EXPECT_EQ(data["internal"], "sip:mod_sofia@127.0.0.1:" + std::to_string(node_.sip_port("internal")));
  EXPECT_EQ(data["external"], "sip:mod_sofia@127.0.0.1:" + std::to_string(node_.sip_port("external")));

  std::string profile_text = node_.api("sofia xmlstatus profile internal");
  pugi::xml_document profile_doc;
  ASSERT_TRUE(profile_doc.load_string(profile_text.c_str())) << profile_text;
}

TEST_F(SofiaStatusTest, UnknownCommand) {
  EXPECT_EQ(node_.api("foo"), "-ERR foo Command not found!\n");
  EXPECT_EQ(node_.api("foo bar baz"), "-ERR foo Command not found!\n");
}

TEST_F(SofiaStatusTest, UnknownProfile) {
  // mod_sofia answers "Failure starting <name>" when the profile is not configured.
  std::string start = node_.api("sofia profile nosuch start");
  EXPECT_EQ(lines(start).back(), "Failure starting nosuch") << start;
  EXPECT_EQ(start.find("started successfully"), std::string::npos) << start;
  // Other actions on an unknown profile: "Invalid Profile [name]" (no newline in mod_sofia).
  EXPECT_EQ(node_.api("sofia profile nosuch stop"), "Invalid Profile [nosuch]");
  // The configured profiles are unaffected.
  EXPECT_EQ(lines(node_.api("sofia status")).size(), 7u);
}

TEST_F(SofiaStatusTest, StopsCleanly) { EXPECT_EQ(node_.stop(), 0) << node_.log_tail(); }

}  // namespace
}  // namespace sipedge::test
