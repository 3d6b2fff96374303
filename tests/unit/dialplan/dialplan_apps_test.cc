#include "node/dialplan/dialplan_apps.h"

#include <gtest/gtest.h>

namespace sipedge {
namespace {

TEST(DialplanApps, NamesAnyCase) {
  EXPECT_EQ(dialplan_app_from_name("bridge"), DialplanApp::bridge);
  EXPECT_EQ(dialplan_app_from_name("HangUp"), DialplanApp::hangup);
  EXPECT_EQ(dialplan_app_from_name("export"), DialplanApp::export_);
  EXPECT_FALSE(dialplan_app_from_name("playback").has_value());
  EXPECT_EQ(dialplan_app_name(DialplanApp::export_), "export");
  EXPECT_EQ(supported_dialplan_apps(), "set, unset, export, hangup, bridge, respond, log");
}

TEST(DialplanApps, OnlyVariableAndLogAppsRunInline) {
  EXPECT_TRUE(dialplan_app_runs_inline(DialplanApp::set));
  EXPECT_TRUE(dialplan_app_runs_inline(DialplanApp::unset));
  EXPECT_TRUE(dialplan_app_runs_inline(DialplanApp::export_));
  EXPECT_TRUE(dialplan_app_runs_inline(DialplanApp::log));
  EXPECT_FALSE(dialplan_app_runs_inline(DialplanApp::bridge));
  EXPECT_FALSE(dialplan_app_runs_inline(DialplanApp::hangup));
  EXPECT_FALSE(dialplan_app_runs_inline(DialplanApp::respond));
}

TEST(ParseSet, NameValueSplitAtFirstEquals) {
  SetArgs args = parse_set("sip_h_X-Route=a=b");
  EXPECT_EQ(args.name, "sip_h_X-Route");
  EXPECT_EQ(args.value, "a=b");
}

TEST(ParseSet, EmptyOrMissingValueUnsets) {
  EXPECT_FALSE(parse_set("foo=").value.has_value());
  EXPECT_FALSE(parse_set("foo").value.has_value());
  EXPECT_THROW(parse_set("=x"), DialplanDataError);
  EXPECT_THROW(parse_set(""), DialplanDataError);
}

TEST(ParseExport, NolocalAndExistingValue) {
  ExportArgs plain = parse_export("hold_music=silence");
  EXPECT_EQ(plain.name, "hold_music");
  EXPECT_EQ(plain.value, "silence");
  EXPECT_TRUE(plain.local);
  ExportArgs nolocal = parse_export("nolocal:sip_h_X-B=1");
  EXPECT_EQ(nolocal.name, "sip_h_X-B");
  EXPECT_FALSE(nolocal.local);
  ExportArgs existing = parse_export("foo");
  EXPECT_EQ(existing.name, "foo");
  EXPECT_FALSE(existing.value.has_value());
  EXPECT_THROW(parse_export("nolocal:"), DialplanDataError);
}

TEST(ParseUnset, OneName) {
  EXPECT_EQ(parse_unset(" sip_h_X-Foo "), "sip_h_X-Foo");
  EXPECT_THROW(parse_unset(""), DialplanDataError);
  EXPECT_THROW(parse_unset("a b"), DialplanDataError);
}

TEST(ParseHangup, NamesCodesAndDefault) {
  EXPECT_EQ(parse_hangup("").cause, "NORMAL_CLEARING");
  EXPECT_EQ(parse_hangup("").code, 16);
  EXPECT_EQ(parse_hangup(" user_busy ").cause, "USER_BUSY");
  EXPECT_EQ(parse_hangup("USER_BUSY").code, 17);
  EXPECT_EQ(parse_hangup("3").cause, "NO_ROUTE_DESTINATION");
  EXPECT_EQ(parse_hangup("19").cause, "NO_ANSWER");
  EXPECT_EQ(parse_hangup("USER_NOT_REGISTERED").code, 806);
  EXPECT_THROW(parse_hangup("NOT_A_CAUSE"), DialplanDataError);
  EXPECT_THROW(parse_hangup("4"), DialplanDataError);
  EXPECT_THROW(parse_hangup("16x"), DialplanDataError);
}

TEST(ParseRespond, CodeAndReason) {
  RespondArgs args = parse_respond("486 Busy Here");
  EXPECT_EQ(args.code, 486);
  EXPECT_EQ(args.reason, "Busy Here");
  EXPECT_EQ(parse_respond("603").reason, "");
  EXPECT_THROW(parse_respond("99 Low"), DialplanDataError);
  EXPECT_THROW(parse_respond("700"), DialplanDataError);
  EXPECT_THROW(parse_respond("abc"), DialplanDataError);
  EXPECT_THROW(parse_respond(""), DialplanDataError);
}

TEST(ParseLog, LevelIsOptional) {
  LogArgs info = parse_log("INFO routing to 1000");
  EXPECT_EQ(info.level, 6);
  EXPECT_EQ(info.level_name, "INFO");
  EXPECT_EQ(info.message, "routing to 1000");
  LogArgs error = parse_log("error oops");
  EXPECT_EQ(error.level, 3);
  EXPECT_EQ(error.level_name, "ERR");
  LogArgs numeric = parse_log("4 careful");
  EXPECT_EQ(numeric.level_name, "WARNING");
  LogArgs plain = parse_log("hello world");
  EXPECT_EQ(plain.level, 7);
  EXPECT_EQ(plain.message, "hello world");
}

}  // namespace
}  // namespace sipedge
