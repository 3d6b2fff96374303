#include "node/dialplan/dialplan_pattern.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace sipedge {
namespace {

bool matches(const std::string& expression, const std::string& subject, RegexCaptures* out = nullptr) {
  RegexCaptures captures;
  const bool matched = DialplanPattern::compile(expression).search(subject, captures);
  if (out != nullptr) *out = captures;
  return matched;
}

TEST(DialplanPattern, SearchesUnanchoredLikePcreExec) {
  EXPECT_TRUE(matches("00", "1005"));
  EXPECT_TRUE(matches("^10", "1005"));
  EXPECT_FALSE(matches("^00", "1005"));
  EXPECT_TRUE(matches("", "anything"));
}

TEST(DialplanPattern, CapturesGroups) {
  RegexCaptures captures;
  ASSERT_TRUE(matches("^(\\d{2})(\\d+)$", "1005", &captures));
  ASSERT_EQ(captures.groups.size(), 3u);
  EXPECT_EQ(captures.groups[0], "1005");
  EXPECT_EQ(captures.groups[1], "10");
  EXPECT_EQ(captures.groups[2], "05");
}

TEST(DialplanPattern, UnmatchedOptionalGroupIsEmpty) {
  RegexCaptures captures;
  ASSERT_TRUE(matches("^(\\+)?(\\d+)$", "4471", &captures));
  EXPECT_EQ(captures.groups[1], "");
  EXPECT_EQ(captures.groups[2], "4471");
}

TEST(DialplanPattern, SlashFormWithCaselessFlag) {
  EXPECT_TRUE(matches("/^abc$/i", "ABC"));
  EXPECT_FALSE(matches("/^abc$/", "ABC"));
  EXPECT_THROW(DialplanPattern::compile("/^abc$/s"), std::invalid_argument);
  EXPECT_THROW(DialplanPattern::compile("/^abc"), std::invalid_argument);
}

TEST(DialplanPattern, LeadingInlineCaseless) {
  EXPECT_TRUE(matches("(?i)^sip:alice", "SIP:Alice@x"));
  EXPECT_THROW(DialplanPattern::compile("^a(?i)b"), std::invalid_argument);
}

TEST(DialplanPattern, AsteriskStylePatterns) {
  EXPECT_TRUE(matches("_NXXXXXX", "2345678"));
  EXPECT_FALSE(matches("_NXXXXXX", "1345678"));
  EXPECT_FALSE(matches("_NXXXXXX", "23456789"));
  EXPECT_TRUE(matches("_9Z.", "9123"));
  EXPECT_FALSE(matches("_9Z.", "9023"));
}

TEST(DialplanPattern, RefusesPcreOnlyConstructs) {
  for (const char* expression : {"(?<=a)b", "(?<name>\\d+)", "(?P<n>x)", "(?>a)", "a++", "\\Aab", "(a"}) {
    EXPECT_THROW(DialplanPattern::compile(expression), std::invalid_argument) << expression;
  }
}

TEST(DialplanPattern, CharacterClassesMayHoldQuantifierCharacters) {
  EXPECT_TRUE(matches("^[*+]?\\d+$", "+4471"));
  EXPECT_TRUE(matches("^[\\]a]+$", "]a"));
  // PCRE's "[]a]" (']' as the first member) would be an empty class in ECMAScript.
  EXPECT_THROW(DialplanPattern::compile("^[]a]+$"), std::invalid_argument);
  EXPECT_THROW(DialplanPattern::compile("^[^]a]+$"), std::invalid_argument);
  EXPECT_TRUE(matches("^(?:00|\\+)(\\d+)$", "0044"));
  EXPECT_TRUE(matches("^\\+\\+$", "++"));
}

TEST(DialplanPattern, HasParenthesisAsFreeSwitchChecksIt) {
  EXPECT_TRUE(DialplanPattern::compile("^(\\d+)$").has_parenthesis());
  EXPECT_TRUE(DialplanPattern::compile("^(?:1)$").has_parenthesis());
  EXPECT_FALSE(DialplanPattern::compile("^\\d+$").has_parenthesis());
}

TEST(DialplanPattern, OverlongSubjectNeverMatches) {
  RegexCaptures captures;
  const std::string huge(DialplanPattern::kMaxSubject + 1, '1');
  EXPECT_FALSE(DialplanPattern::compile("^(\\d+)$").search(huge, captures));
  const std::string limit(DialplanPattern::kMaxSubject, '1');
  EXPECT_TRUE(DialplanPattern::compile("^((1|2)|(3|4))*$").search(limit, captures));
}

TEST(SubstituteCaptures, DollarDigitsAndBraces) {
  RegexCaptures captures{{"1005", "10", "05"}};
  EXPECT_EQ(substitute_captures("user/$1-$2 ($0)", captures), "user/10-05 (1005)");
  EXPECT_EQ(substitute_captures("${1}0 $10", captures), "100 ");
  EXPECT_EQ(substitute_captures("$9 and $", captures), " and $");
}

TEST(SubstituteCaptures, VariablesSurvive) {
  RegexCaptures captures{{"1005", "1005"}};
  EXPECT_EQ(substitute_captures("user/$1@${domain_name}", captures), "user/1005@${domain_name}");
  EXPECT_EQ(substitute_captures("${1x}", captures), "${1x}");
  EXPECT_EQ(substitute_captures("$x", captures), "$x");
}

TEST(SubstituteCaptures, CapturedDollarIsEscaped) {
  RegexCaptures captures{{"${secret}", "${secret}"}};
  EXPECT_EQ(substitute_captures("user/$1", captures), "user/\\${secret}");
}

}  // namespace
}  // namespace sipedge
