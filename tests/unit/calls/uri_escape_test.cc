#include "node/calls/uri_escape.h"

#include <gtest/gtest.h>

namespace sipedge {
namespace {

TEST(UriEscape, SafeUserIsLeftAlone) {
  EXPECT_FALSE(uri_user_needs_escape("1000"));
  EXPECT_FALSE(uri_user_needs_escape("alice.smith-1_x!~*'()$,/"));
  EXPECT_EQ(escape_uri_user("1000"), "1000");
  EXPECT_EQ(escape_uri_user(""), "");
}

TEST(UriEscape, EveryUnsafeCharacterIsEncoded) {
  // FreeSWITCH's SWITCH_URL_UNSAFE set, one by one.
  const std::pair<char, const char*> cases[] = {
      {' ', "%20"}, {'"', "%22"}, {'#', "%23"}, {'%', "%25"}, {'&', "%26"}, {'+', "%2B"}, {':', "%3A"},
      {';', "%3B"}, {'<', "%3C"}, {'=', "%3D"}, {'>', "%3E"}, {'?', "%3F"}, {'@', "%40"}, {'[', "%5B"},
      {'\\', "%5C"}, {']', "%5D"}, {'^', "%5E"}, {'`', "%60"}, {'{', "%7B"}, {'|', "%7C"}, {'}', "%7D"},
      {'\r', "%0D"}, {'\n', "%0A"}, {'\t', "%09"}, {'\x7f', "%7F"}};
  for (auto [c, encoded] : cases) {
    std::string user = std::string("a") + c + "b";
    EXPECT_TRUE(uri_user_needs_escape(user)) << int(c);
    EXPECT_EQ(escape_uri_user(user), std::string("a") + encoded + "b") << int(c);
  }
}

TEST(UriEscape, NonAsciiBytesAreEncoded) {
  EXPECT_EQ(escape_uri_user("j\xC3\xBCrgen"), "j%C3%BCrgen");
}

TEST(UriEscape, ExistingEscapesAreKept) {
  EXPECT_FALSE(uri_user_needs_escape("a%20b"));
  EXPECT_EQ(escape_uri_user("a%20b c"), "a%20b%20c");
  EXPECT_EQ(escape_uri_user("a%3ab"), "a%3ab");  // lower-case hex is an escape too
  EXPECT_EQ(escape_uri_user("100%"), "100%25");
  EXPECT_EQ(escape_uri_user("%4"), "%254");
  EXPECT_EQ(escape_uri_user("%zz"), "%25zz");
  EXPECT_TRUE(uri_user_needs_escape("100%"));
}

TEST(UriEscape, EscapingTwiceChangesNothing) {
  std::string once = escape_uri_user("John Doe <+1 555>#1");
  EXPECT_EQ(once, "John%20Doe%20%3C%2B1%20555%3E%231");
  EXPECT_EQ(escape_uri_user(once), once);
}

TEST(UriEscape, DecodesInboundUserParts) {
  EXPECT_EQ(unescape_uri_user("John%20Doe"), "John Doe");
  EXPECT_EQ(unescape_uri_user("%2b1555"), "+1555");
  EXPECT_EQ(unescape_uri_user("1000"), "1000");
  EXPECT_EQ(unescape_uri_user("j%C3%BCrgen"), "j\xC3\xBCrgen");
}

TEST(UriEscape, MalformedEscapesAndNulStayAsWritten) {
  EXPECT_EQ(unescape_uri_user("100%"), "100%");
  EXPECT_EQ(unescape_uri_user("%4"), "%4");
  EXPECT_EQ(unescape_uri_user("%g0x"), "%g0x");
  EXPECT_EQ(unescape_uri_user("a%00b"), "a%00b");
}

TEST(UriEscape, DecodeUndoesEncode) {
  std::string user = "a b;c@d%e";
  EXPECT_EQ(unescape_uri_user(escape_uri_user(user)), user);
}

}  // namespace
}  // namespace sipedge
