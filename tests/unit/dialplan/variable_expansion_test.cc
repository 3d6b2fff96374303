#include "node/dialplan/variable_expansion.h"

#include <gtest/gtest.h>

#include "dialplan_test_support.h"

namespace sipedge {
namespace {

const VariableLookup kVars = test::lookup_from({{"domain_name", "example.org"},
                                                {"destination_number", "1005"},
                                                {"which", "domain_name"},
                                                {"holder", "${domain_name}"},
                                                {"empty", ""}});

TEST(ExpandVariables, ReplacesKnownAndBlanksUnknown) {
  EXPECT_EQ(expand_variables("user/${destination_number}@${domain_name}", kVars), "user/1005@example.org");
  EXPECT_EQ(expand_variables("a${nope}b", kVars), "ab");
  EXPECT_EQ(expand_variables("x${empty}y", kVars), "xy");
}

TEST(ExpandVariables, TextWithoutVariablesIsUntouched) {
  EXPECT_EQ(expand_variables("plain \\\\ text $1 $ {x}", kVars), "plain \\\\ text $1 $ {x}");
}

TEST(ExpandVariables, SubstringOffsets) {
  EXPECT_EQ(expand_variables("${destination_number:1}", kVars), "005");
  EXPECT_EQ(expand_variables("${destination_number:1:2}", kVars), "00");
  EXPECT_EQ(expand_variables("${destination_number:-2}", kVars), "05");
  EXPECT_EQ(expand_variables("${destination_number:0:2}", kVars), "10");
  EXPECT_EQ(expand_variables("${destination_number:9}", kVars), "");
}

TEST(ExpandVariables, NestedNameIsExpandedFirst) {
  EXPECT_EQ(expand_variables("${${which}}", kVars), "example.org");
}

TEST(ExpandVariables, ValuesAreNotExpandedAgain) {
  EXPECT_EQ(expand_variables("${holder}", kVars), "${domain_name}");
}

TEST(ExpandVariables, EscapedDollarStaysLiteral) {
  EXPECT_EQ(expand_variables("\\${domain_name} ${domain_name}", kVars), "${domain_name} example.org");
  EXPECT_EQ(expand_variables("a\\\\b ${destination_number}", kVars), "a\\b 1005");
}

TEST(ExpandVariables, UnterminatedIsLeftAsWritten) {
  EXPECT_EQ(expand_variables("x ${domain_name", kVars), "x ${domain_name");
}

TEST(ExpandVariables, ApiExpansionGivesEmpty) {
  EXPECT_EQ(expand_variables("[${sofia_contact 1000@x}]", kVars), "[]");
  EXPECT_EQ(expand_variables("[${cond(1 == 1 ? a : b)}]", kVars), "[]");
}

TEST(ExpandVariables, NullLookupBlanksEverything) {
  EXPECT_EQ(expand_variables("a${x}b", VariableLookup()), "ab");
}

TEST(CheckExpansions, AcceptsPlainAndNested) {
  EXPECT_EQ(check_expansions("user/${destination_number}@${domain_name}"), "");
  EXPECT_EQ(check_expansions("${${which}:1:2} $1 \\${x"), "");
}

TEST(CheckExpansions, RefusesApiEmptyAndUnterminated) {
  EXPECT_NE(check_expansions("${sofia_contact 1000@x}").find("API expansion"), std::string::npos);
  EXPECT_NE(check_expansions("${expr(1+1)}").find("API expansion"), std::string::npos);
  EXPECT_NE(check_expansions("${${a b}}").find("API expansion"), std::string::npos);
  EXPECT_NE(check_expansions("a ${}").find("empty"), std::string::npos);
  EXPECT_NE(check_expansions("a ${b").find("unterminated"), std::string::npos);
}

TEST(EscapeForExpansion, RoundTripsThroughExpansion) {
  for (std::string text : {"${domain_name}", "a\\${x}", "$", "\\$", "100$", "plain"}) {
    EXPECT_EQ(expand_variables(escape_for_expansion(text), kVars), text) << text;
  }
  EXPECT_EQ(escape_for_expansion("1005"), "1005");
}

}  // namespace
}  // namespace sipedge
