// The sample conf/dialplan the demo uses loads cleanly and routes as its comments say.
#include <gtest/gtest.h>

#include "dialplan_test_support.h"
#include "node/config/node_config.h"
#include "node/dialplan/dialplan_hunt.h"

namespace sipedge {
namespace {

using test::describe;
using test::lookup_from;
using Strings = std::vector<std::string>;

const std::string kSampleConf = std::string(SIPEDGE_SOURCE_DIR) + "/conf";

class SampleDialplan : public ::testing::Test {
 protected:
  void SetUp() override {
    dialplan_ = load_dialplan(kSampleConf, load_node_config(kSampleConf).vars);
    for (const auto& warning : dialplan_.warnings) ADD_FAILURE() << warning;
  }
  std::optional<HuntResult> call(const std::string& context, std::map<std::string, std::string> vars) {
    return hunt(dialplan_, context, lookup_from(vars));
  }
  Dialplan dialplan_;
};

TEST_F(SampleDialplan, HasBothContexts) {
  ASSERT_NE(dialplan_.context("default"), nullptr);
  ASSERT_NE(dialplan_.context("public"), nullptr);
}

TEST_F(SampleDialplan, LocalExtensionBridgesToTheUser) {
  auto result = call("default", {{"destination_number", "1005"}, {"caller_id_number", "1000"}});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->extension, "Local_Extension");
  EXPECT_TRUE(result->inline_actions.empty());
  EXPECT_EQ(describe(result->actions),
            (Strings{"set(domain_name=127.0.0.1)", "export(dialed_extension=1005)", "unset(sip_h_X-Debug)",
                     "log(INFO bridging ${caller_id_number} to 1005@${domain_name})",
                     "bridge(user/${destination_number}@${domain_name})"}));
  // What the call code runs once the set has been applied to the channel.
  EXPECT_EQ(expand_variables(result->actions.back().data,
                             lookup_from({{"destination_number", "1005"}, {"domain_name", "127.0.0.1"}})),
            "user/1005@127.0.0.1");
}

TEST_F(SampleDialplan, KnownDomainIsKept) {
  auto result = call("default", {{"destination_number", "1019"}, {"domain_name", "pbx.example"}});
  ASSERT_TRUE(result);
  EXPECT_EQ(describe(result->actions).front(), "export(dialed_extension=1019)");
}

TEST_F(SampleDialplan, TestNumbersAndNoRoute) {
  EXPECT_EQ(describe(call("default", {{"destination_number", "9999"}})->actions), Strings{"respond(486 Busy Here)"});
  EXPECT_EQ(describe(call("default", {{"destination_number", "0000"}})->actions), Strings{"hangup(CALL_REJECTED)"});
  EXPECT_FALSE(call("default", {{"destination_number", "1020"}}).has_value());
  EXPECT_FALSE(call("default", {{"destination_number", "1020"}, {"sip_h_X-Debug", "1"}}).has_value());
}

TEST_F(SampleDialplan, PublicDidAndExtensions) {
  auto did = call("public", {{"destination_number", "+15550100"}, {"caller_id_number", "447700900123"}});
  ASSERT_TRUE(did);
  EXPECT_EQ(describe(did->actions), (Strings{"log(INFO DID 5550100 from ${caller_id_number} to 1000)",
                                             "export(sip_h_X-Called-DID=5550100)", "bridge(user/1000@127.0.0.1)"}));
  EXPECT_EQ(describe(call("public", {{"destination_number", "5550100"}})->actions).back(),
            "bridge(user/1000@127.0.0.1)");
  EXPECT_EQ(describe(call("public", {{"destination_number", "1003"}})->actions),
            Strings{"bridge(user/1003@127.0.0.1)"});
  EXPECT_FALSE(call("public", {{"destination_number", "5550199"}}).has_value());
  EXPECT_FALSE(call("public", {{"destination_number", "9999"}}).has_value());  // default's numbers stay inside
}

}  // namespace
}  // namespace sipedge
