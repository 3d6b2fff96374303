// parse_netstrings()/parse_netstring_pairs() (store/pg_array.h): the decoder
// of the netstrings that netstrings_of_text_array()/netstrings_of_pairs()
// make in SQL. The SQL side runs against PostgreSQL in
// tests/integration/directory_test.cc and store_calls_test.cc.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "store/pg_array.h"

namespace sipedge {
namespace {

using Strings = std::vector<std::string>;
using Pairs = std::vector<std::pair<std::string, std::string>>;

// What the SQL fragments produce for `items` (octet counts, no terminator).
std::string encode(const Strings& items) {
  std::string out;
  for (const auto& item : items) out += std::to_string(item.size()) + ":" + item;
  return out;
}

std::string error_of(const std::string& text) {
  try {
    parse_netstrings(text, "leg x route set");
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "no error";
}

TEST(NetstringTest, EmptyTextIsNoElements) {
  EXPECT_EQ(parse_netstrings("", "x"), Strings{});
  EXPECT_EQ(parse_netstring_pairs("", "x"), Pairs{});
}

TEST(NetstringTest, SplitsByLengthOnly) {
  EXPECT_EQ(parse_netstrings("3:abc0:2:de", "x"), (Strings{"abc", "", "de"}));
  // Separators of every other encoding are plain bytes here, ':' and digits included.
  const Strings items = {"<sip:p1.example.com;lr>", "a,b", "say \"hi\" \\o/", "{x,y}", "NULL", "",
                         "line1\nline2", "12:34", "\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\x9e", ";", ":"};
  EXPECT_EQ(parse_netstrings(encode(items), "x"), items);
}

TEST(NetstringTest, LengthsCountOctetsNotCharacters) {
  // "été" is 3 characters, 5 octets in UTF-8.
  EXPECT_EQ(parse_netstrings("5:\xc3\xa9t\xc3\xa9" "1:x", "x"), (Strings{"\xc3\xa9t\xc3\xa9", "x"}));
}

TEST(NetstringTest, KeepsEmbeddedNulBytes) {
  const std::string text("3:a\0b", 5);
  EXPECT_EQ(parse_netstrings(text, "x"), (Strings{std::string("a\0b", 3)}));
}

TEST(NetstringTest, PairsAreNameValueInOrder) {
  EXPECT_EQ(parse_netstring_pairs(encode({"b", "2", "a", "x;y", "empty", ""}), "x"),
            (Pairs{{"b", "2"}, {"a", "x;y"}, {"empty", ""}}));
}

TEST(NetstringTest, OddCountOfPairsIsAnError) {
  try {
    parse_netstring_pairs(encode({"name", "value", "orphan"}), "directory user 1000@example.com variables");
    ADD_FAILURE() << "an odd count was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()),
              "directory user 1000@example.com variables: malformed list from the database (odd count)");
  }
}

TEST(NetstringTest, MalformedInputNamesWhatWasRead) {
  const std::string expected = "leg x route set: malformed list from the database";
  EXPECT_EQ(error_of("abc"), expected) << "no colon";
  EXPECT_EQ(error_of(":abc"), expected) << "no length";
  EXPECT_EQ(error_of("-1:a"), expected) << "sign";
  EXPECT_EQ(error_of(" 1:a"), expected) << "space";
  EXPECT_EQ(error_of("1a:a"), expected) << "letter in the length";
  EXPECT_EQ(error_of("4:abc"), expected) << "length past the end";
  EXPECT_EQ(error_of("1:ab"), expected) << "trailing byte that is no netstring";
  EXPECT_EQ(error_of("1:a2:b"), expected) << "second element cut short";
  EXPECT_EQ(error_of("99999999999:a"), expected) << "more than 10 length digits";
  EXPECT_EQ(error_of("9999999999:a"), expected) << "10 digits, far past the end";
  EXPECT_EQ(error_of("18446744073709551617:"), expected) << "a length that would overflow";
}

}  // namespace
}  // namespace sipedge
