#include "node/esl/esl_frame.h"

#include <gtest/gtest.h>

#include "node/esl/esl_client.h"

namespace sipedge {
namespace {

std::vector<EslPacket> drain(EslFrameReader& reader) {
  std::vector<EslPacket> out;
  while (auto p = reader.next()) out.push_back(std::move(*p));
  return out;
}

TEST(EslFrameReader, ReadsHeaderBlocksAndBodies) {
  EslFrameReader reader;
  reader.feed("Content-Type: auth/request\n\nContent-Type: api/response\nContent-Length: 5\n\nhello");
  auto packets = drain(reader);
  ASSERT_EQ(packets.size(), 2u);
  EXPECT_EQ(packets[0].lines, std::vector<std::string>{"Content-Type: auth/request"});
  EXPECT_EQ(packets[0].body, "");
  EXPECT_EQ(packets[1].lines, (std::vector<std::string>{"Content-Type: api/response", "Content-Length: 5"}));
  EXPECT_EQ(packets[1].body, "hello");
  EXPECT_EQ(reader.buffered(), 0u);
}

TEST(EslFrameReader, SameResultWhenFedOneByteAtATime) {
  const std::string wire =
      "api status\n\nsendevent CUSTOM\nEvent-Subclass: a::b\ncontent-length: 3\n\nxyz"
      "Content-Type: command/reply\nReply-Text: +OK\n\n";
  EslFrameReader reader;
  std::vector<EslPacket> packets;
  for (char c : wire) {
    reader.feed(std::string_view(&c, 1));
    for (auto& p : drain(reader)) packets.push_back(std::move(p));
  }
  ASSERT_EQ(packets.size(), 3u);
  EXPECT_EQ(packets[0].lines, std::vector<std::string>{"api status"});
  EXPECT_EQ(packets[1].lines.front(), "sendevent CUSTOM");
  EXPECT_EQ(packets[1].body, "xyz");
  EXPECT_EQ(packets[2].lines.back(), "Reply-Text: +OK");
}

TEST(EslFrameReader, SplitInsideTheTerminatorAndTheBody) {
  EslFrameReader reader;
  reader.feed("Content-Length: 4\n");
  EXPECT_FALSE(reader.next());
  reader.feed("\n");
  EXPECT_FALSE(reader.next());
  reader.feed("ab");
  EXPECT_FALSE(reader.next());
  reader.feed("cdauth x\n");
  auto p = reader.next();
  ASSERT_TRUE(p);
  EXPECT_EQ(p->body, "abcd");
  EXPECT_FALSE(reader.next());
  reader.feed("\n");
  p = reader.next();
  ASSERT_TRUE(p);
  EXPECT_EQ(p->lines, std::vector<std::string>{"auth x"});
}

TEST(EslFrameReader, AcceptsCrLfAndSkipsLeadingBlankLines) {
  EslFrameReader reader;
  reader.feed("\r\n\n\r\nauth ClueCon\r\n\r\napi status\r\nX-Header: v\r\n\r\n");
  auto packets = drain(reader);
  ASSERT_EQ(packets.size(), 2u);
  EXPECT_EQ(packets[0].lines, std::vector<std::string>{"auth ClueCon"});
  EXPECT_EQ(packets[1].lines, (std::vector<std::string>{"api status", "X-Header: v"}));
}

TEST(EslFrameReader, RejectsTooMuchPendingInput) {
  EslFrameReader reader(16);
  reader.feed("0123456789");
  EXPECT_THROW(reader.feed("0123456789"), EslFrameError);
}

TEST(EslFrameReader, ConsumedInputDoesNotCountAgainstTheCap) {
  EslFrameReader reader(32);
  for (int i = 0; i < 100; ++i) {
    reader.feed("api status\n\n");
    ASSERT_TRUE(reader.next());
  }
}

TEST(EslFrameReader, RejectsBadContentLength) {
  EslFrameReader reader(1000);
  reader.feed("Content-Length: 12x\n\n");
  EXPECT_THROW(reader.next(), EslFrameError);
  EslFrameReader reader2(1000);
  reader2.feed("Content-Length: 5000\n\n");
  EXPECT_THROW(reader2.next(), EslFrameError);
}

TEST(EslFrame, HeaderLookupAndContentType) {
  EslPacket packet;
  packet.lines = {"Content-Type: command/reply", "Reply-Text: +OK Job-UUID: abc", "NoColon"};
  EslFrame frame = packet_to_frame(packet);
  EXPECT_EQ(frame.content_type(), "command/reply");
  ASSERT_NE(frame.header("reply-text"), nullptr);
  EXPECT_EQ(*frame.header("reply-text"), "+OK Job-UUID: abc");
  ASSERT_NE(frame.header("NoColon"), nullptr);
  EXPECT_EQ(*frame.header("NoColon"), "");
  EXPECT_EQ(frame.header("Missing"), nullptr);
}

TEST(EslClient, ParsePlainEventDecodesValuesAndBody) {
  const EslFrame event = EslClient::parse_plain_event(
      "Event-Subclass: sofia%3A%3Aregister\nEvent-Name: CUSTOM\ncontact: %22a%20b%22%20%3Csip%3Au%40h%3E\n"
      "Content-Length: 6\n\n+OK x\n");
  ASSERT_NE(event.header("Event-Subclass"), nullptr);
  EXPECT_EQ(*event.header("Event-Subclass"), "sofia::register");
  EXPECT_EQ(*event.header("contact"), "\"a b\" <sip:u@h>");
  EXPECT_EQ(event.body, "+OK x\n");
  EXPECT_THROW(EslClient::parse_plain_event("Event-Name: X\n"), std::runtime_error);
}

}  // namespace
}  // namespace sipedge
