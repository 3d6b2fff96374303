#include "node/events/event_format.h"

#include <gtest/gtest.h>

namespace sipedge {
namespace {

TEST(UrlEncode, EncodesTheCharactersFreeSwitchTreatsAsUnsafe) {
  EXPECT_EQ(url_encode("sofia::register"), "sofia%3A%3Aregister");
  EXPECT_EQ(url_encode("a b"), "a%20b");
  EXPECT_EQ(url_encode("Thu, 01 Jan 1970 00:00:00 GMT"), "Thu,%2001%20Jan%201970%2000%3A00%3A00%20GMT");
  EXPECT_EQ(url_encode("\r\n \"#%&+:;<=>?@[\\]^`{|}"),
            "%0D%0A%20%22%23%25%26%2B%3A%3B%3C%3D%3E%3F%40%5B%5C%5D%5E%60%7B%7C%7D");
  // Safe characters stay as they are, including those RFC 3986 would escape.
  EXPECT_EQ(url_encode("abc-XYZ_0.9~!$'()*,/"), "abc-XYZ_0.9~!$'()*,/");
  // Control and non-ASCII bytes are escaped byte by byte.
  EXPECT_EQ(url_encode("\x01\x7f\xc3\xa9"), "%01%7F%C3%A9");
  EXPECT_EQ(url_encode(""), "");
}

TEST(UrlDecode, ReversesEncodingAndKeepsStrayPercent) {
  EXPECT_EQ(url_decode("sofia%3A%3Aregister"), "sofia::register");
  EXPECT_EQ(url_decode("%c3%A9"), "\xc3\xa9");
  EXPECT_EQ(url_decode("100%"), "100%");
  EXPECT_EQ(url_decode("%zz%4"), "%zz%4");
  const std::string all = "x\r\n \"#%&+:;<=>?@[\\]^`{|}\x01\xff";
  EXPECT_EQ(url_decode(url_encode(all)), all);
}

TEST(FormatEventPlain, HeadersOnlyEndWithABlankLine) {
  Event event("HEARTBEAT");
  event.add_header("Event-Name", "HEARTBEAT").add_header("Up-Time", "0 years, 1 day");
  EXPECT_EQ(format_event_plain(event), "Event-Name: HEARTBEAT\nUp-Time: 0%20years,%201%20day\n\n");
}

TEST(FormatEventPlain, BodyIsAnnouncedByContentLength) {
  Event event("BACKGROUND_JOB");
  event.add_header("Job-UUID", "1234");
  event.body = "+OK done\nline two\n";
  EXPECT_EQ(format_event_plain(event), "Job-UUID: 1234\nContent-Length: 18\n\n+OK done\nline two\n");
}

TEST(FormatEventPlain, EmptyEventIsJustTheBlankLine) {
  EXPECT_EQ(format_event_plain(Event("X")), "\n");
}

TEST(FormatEventJson, OneObjectWithBodyAndEscapes) {
  Event event("CUSTOM", "sofia::register");
  event.add_header("Event-Subclass", "sofia::register");
  event.add_header("quote\"key", "back\\slash \"quoted\"\n\t\r\b\f\x01");
  event.body = "body";
  EXPECT_EQ(format_event_json(event),
            "{\"Event-Subclass\":\"sofia::register\","
            "\"quote\\\"key\":\"back\\\\slash \\\"quoted\\\"\\n\\t\\r\\b\\f\\u0001\","
            "\"Content-Length\":\"4\",\"_body\":\"body\"}");
}

TEST(FormatEventJson, NoBodyMeansNoBodyKeys) {
  Event event("HEARTBEAT");
  event.add_header("Event-Name", "HEARTBEAT");
  EXPECT_EQ(format_event_json(event), "{\"Event-Name\":\"HEARTBEAT\"}");
}

TEST(FormatEventJson, KeepsValidUtf8AndReplacesInvalidBytes) {
  Event event("X");
  event.add_header("ok", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  event.add_header("bad", "a\xff" "b\xc3" "c\xed\xa0\x80" "d\xc0\xaf");
  EXPECT_EQ(format_event_json(event),
            "{\"ok\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\","
            "\"bad\":\"a\\ufffdb\\ufffdc\\ufffd\\ufffd\\ufffdd\\ufffd\\ufffd\"}");
}

TEST(FormatEventXml, EscapesTextAndAddsBody) {
  Event event("X");
  event.add_header("Event-Name", "X").add_header("h", "<a & \"b\">");
  event.body = "1<2";
  EXPECT_EQ(format_event_xml(event),
            "<event>\n  <headers>\n    <Event-Name>X</Event-Name>\n"
            "    <h>&lt;a &amp; &quot;b&quot;&gt;</h>\n    <Content-Length>3</Content-Length>\n"
            "  </headers>\n  <body>1&lt;2</body>\n</event>");
}

TEST(Event, HeaderLookupIsCaseInsensitiveAndFirstWins) {
  Event event("X");
  event.add_header("Profile-Name", "a").add_header("profile-name", "b");
  ASSERT_NE(event.header("PROFILE-NAME"), nullptr);
  EXPECT_EQ(*event.header("PROFILE-NAME"), "a");
  EXPECT_EQ(event.header("missing"), nullptr);
  EXPECT_EQ(event.header("Profile-Nam"), nullptr);
}

}  // namespace
}  // namespace sipedge
