#include "node/calls/sdp_filter.h"

#include <gtest/gtest.h>

#include <sstream>

namespace sipedge {
namespace {

// SDP is written with \n here for readability; the wire form is CRLF.
std::string crlf(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') out += "\r\n";
    else out += c;
  }
  return out;
}

std::vector<std::string> lines(const std::string& sdp) {
  std::vector<std::string> out;
  std::istringstream in(sdp);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out.push_back(line);
  }
  return out;
}

bool has_line(const std::string& sdp, std::string_view line) {
  for (const auto& l : lines(sdp)) {
    if (l == line) return true;
  }
  return false;
}

std::string m_line(const std::string& sdp, std::string_view media = "audio") {
  for (const auto& l : lines(sdp)) {
    if (l.rfind("m=" + std::string(media), 0) == 0) return l;
  }
  return {};
}

SdpError::Kind error_kind(std::string_view sdp, const CodecPrefs& prefs, OfferFilterOptions options = {}) {
  try {
    filter_offer(sdp, prefs, options);
  } catch (const SdpError& e) {
    EXPECT_NE(std::string(e.what()), "");
    return e.kind();
  }
  ADD_FAILURE() << "no error";
  return SdpError::Kind::malformed;
}

const std::string kYealink = crlf(R"(v=0
o=- 20020 20020 IN IP4 192.168.1.100
s=SDP data
c=IN IP4 192.168.1.100
t=0 0
m=audio 11800 RTP/AVP 0 8 18 9 101
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:18 G729/8000
a=fmtp:18 annexb=no
a=rtpmap:9 G722/8000
a=fmtp:101 0-15
a=rtpmap:101 telephone-event/8000
a=ptime:20
a=sendrecv
)");

const std::string kPolycom = crlf(R"(v=0
o=- 1606846452 1606846452 IN IP4 10.1.2.3
s=Polycom IP Phone
c=IN IP4 10.1.2.3
t=0 0
a=sendrecv
m=audio 2222 RTP/AVP 9 102 0 8 18 127
a=rtpmap:9 G722/8000
a=rtpmap:102 G7221/16000
a=fmtp:102 bitrate=32000
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:18 G729/8000
a=fmtp:18 annexb=no
a=rtpmap:127 telephone-event/8000
)");

const std::string kFreeSwitch = crlf(R"(v=0
o=FreeSWITCH 1700000000 1700000001 IN IP4 203.0.113.10
s=FreeSWITCH
c=IN IP4 203.0.113.10
t=0 0
m=audio 16384 RTP/AVP 102 9 0 8 101 13
a=rtpmap:102 opus/48000/2
a=fmtp:102 useinbandfec=1; maxaveragebitrate=30000; maxplaybackrate=48000; ptime=20; minptime=10; maxptime=40
a=rtpmap:9 G722/8000
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=rtpmap:13 CN/8000
a=ptime:20
)");

// SIPp's built-in uac scenario.
const std::string kSipp = crlf(R"(v=0
o=user1 53655765 2353687637 IN IP4 127.0.0.1
s=-
c=IN IP4 127.0.0.1
t=0 0
m=audio 6000 RTP/AVP 0
a=rtpmap:0 PCMU/8000
)");

TEST(CodecPrefs, ParsesFreeSwitchCodecStrings) {
  auto simple = parse_codec_prefs("OPUS,G722,PCMU,PCMA");
  ASSERT_EQ(simple.codecs.size(), 4u);
  EXPECT_EQ(simple.codecs[0].name, "OPUS");
  EXPECT_EQ(simple.codecs[3].name, "PCMA");
  EXPECT_EQ(simple.codecs[0].rate, 0u);
  EXPECT_EQ(simple.codecs[0].ptime, 0u);

  auto qualified = parse_codec_prefs(" PCMU@20i, G729@8000h@20i ,opus@48000h@20i@2c,G7221@32000b,speex@16k,mod_opus.opus~useinbandfec=1,,");
  ASSERT_EQ(qualified.codecs.size(), 6u);
  EXPECT_EQ(qualified.codecs[0].name, "PCMU");
  EXPECT_EQ(qualified.codecs[0].ptime, 20u);
  EXPECT_EQ(qualified.codecs[1].name, "G729");
  EXPECT_EQ(qualified.codecs[1].rate, 8000u);
  EXPECT_EQ(qualified.codecs[1].ptime, 20u);
  EXPECT_EQ(qualified.codecs[2].rate, 48000u);
  EXPECT_EQ(qualified.codecs[2].channels, 2u);
  EXPECT_EQ(qualified.codecs[3].bitrate, 32000u);
  EXPECT_EQ(qualified.codecs[4].rate, 16000u);
  EXPECT_EQ(qualified.codecs[5].name, "opus");
  EXPECT_EQ(qualified.codecs[5].fmtp, "useinbandfec=1");

  EXPECT_TRUE(parse_codec_prefs("").empty());
  EXPECT_TRUE(parse_codec_prefs(" , ").empty());
}

TEST(CodecPrefs, RejectsBadQualifiers) {
  EXPECT_THROW(parse_codec_prefs("PCMU@20"), std::invalid_argument);
  EXPECT_THROW(parse_codec_prefs("PCMU@20x"), std::invalid_argument);
  EXPECT_THROW(parse_codec_prefs("PCMU@i"), std::invalid_argument);
  EXPECT_THROW(parse_codec_prefs("PCMU@"), std::invalid_argument);
  EXPECT_THROW(parse_codec_prefs("PCMU@@20i"), std::invalid_argument);
  EXPECT_THROW(parse_codec_prefs("@8000h"), std::invalid_argument);
}

TEST(FilterOffer, EmptyPrefsPassTheOfferThroughByteForByte) {
  std::string odd = kYealink + "a=x-custom:1\r\n";
  EXPECT_EQ(filter_offer(odd, CodecPrefs{}), odd);
  EXPECT_EQ(filter_offer(kSipp, CodecPrefs{}), kSipp);
}

TEST(FilterOffer, YealinkReorderedAndFiltered) {
  std::string out = filter_offer(kYealink, parse_codec_prefs("PCMA,PCMU"));
  EXPECT_EQ(out, crlf(R"(v=0
o=- 20020 20020 IN IP4 192.168.1.100
s=SDP data
c=IN IP4 192.168.1.100
t=0 0
m=audio 11800 RTP/AVP 8 0 101
a=rtpmap:8 PCMA/8000
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
a=ptime:20
a=sendrecv
)"));
}

TEST(FilterOffer, PolycomWideband) {
  std::string out = filter_offer(kPolycom, parse_codec_prefs("G7221@16000h,G722,PCMU"));
  EXPECT_EQ(m_line(out), "m=audio 2222 RTP/AVP 102 9 0 127");
  EXPECT_TRUE(has_line(out, "a=fmtp:102 bitrate=32000"));
  EXPECT_FALSE(has_line(out, "a=fmtp:18 annexb=no"));
  EXPECT_FALSE(has_line(out, "a=rtpmap:8 PCMA/8000"));
  EXPECT_TRUE(has_line(out, "a=sendrecv"));  // session-level direction stays where it was
  EXPECT_TRUE(has_line(out, "s=Polycom IP Phone"));
}

TEST(FilterOffer, FreeSwitchOfferWithRatesAndComfortNoise) {
  // opus@48000h matches opus/48000/2; CN is dropped unless listed.
  std::string out = filter_offer(kFreeSwitch, parse_codec_prefs("PCMU@20i,G729@8000h@20i,opus@48000h@20i"));
  EXPECT_EQ(m_line(out), "m=audio 16384 RTP/AVP 0 102 101");
  EXPECT_TRUE(has_line(out, "a=rtpmap:102 opus/48000/2"));
  EXPECT_FALSE(has_line(out, "a=rtpmap:13 CN/8000"));

  std::string with_cn = filter_offer(kFreeSwitch, parse_codec_prefs("PCMA,CN"));
  EXPECT_EQ(m_line(with_cn), "m=audio 16384 RTP/AVP 8 13 101");

  // A rate that differs from the offered one does not match.
  std::string wrong_rate = filter_offer(kFreeSwitch, parse_codec_prefs("opus@16000h,PCMA"));
  EXPECT_EQ(m_line(wrong_rate), "m=audio 16384 RTP/AVP 8 101");
}

TEST(FilterOffer, G722MatchesItsRealRate) {
  EXPECT_EQ(m_line(filter_offer(kFreeSwitch, parse_codec_prefs("G722@16000h"))), "m=audio 16384 RTP/AVP 9 101");
  EXPECT_EQ(m_line(filter_offer(kFreeSwitch, parse_codec_prefs("g722@8000h"))), "m=audio 16384 RTP/AVP 9 101");
}

TEST(FilterOffer, StaticPayloadTypesWithoutRtpmap) {
  const std::string offer = crlf(R"(v=0
o=- 1 1 IN IP4 10.0.0.1
s=-
c=IN IP4 10.0.0.1
t=0 0
m=audio 5004 RTP/AVP 3 4 18 0 8 9 96
)");
  std::string out = filter_offer(offer, parse_codec_prefs("G729,PCMA,GSM,G723"));
  EXPECT_EQ(m_line(out), "m=audio 5004 RTP/AVP 18 8 3 4");
  EXPECT_FALSE(has_line(out, "a=rtpmap:18 G729/8000"));  // still implicit
  // 96 has no rtpmap: it matches no name and is dropped.
  EXPECT_EQ(m_line(filter_offer(offer, parse_codec_prefs("PCMU,G722"))), "m=audio 5004 RTP/AVP 0 9");
}

TEST(FilterOffer, TelephoneEventIsKeptAndGoesLast) {
  const std::string offer = crlf(R"(v=0
o=- 1 1 IN IP4 10.0.0.1
s=-
c=IN IP4 10.0.0.1
t=0 0
m=audio 5004 RTP/AVP 101 0 8
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
)");
  EXPECT_EQ(m_line(filter_offer(offer, parse_codec_prefs("PCMA"))), "m=audio 5004 RTP/AVP 8 101");
}

TEST(FilterOffer, DisableTranscodingOffersOnlyTheFirstCodec) {
  OfferFilterOptions one;
  one.disable_transcoding = true;
  // The offering leg's preference decides (FreeSWITCH's originator codec), among those we allow.
  std::string out = filter_offer(kFreeSwitch, parse_codec_prefs("PCMA,PCMU,opus"), one);
  EXPECT_EQ(m_line(out), "m=audio 16384 RTP/AVP 102 101");
  EXPECT_FALSE(has_line(out, "a=rtpmap:8 PCMA/8000"));
  EXPECT_EQ(m_line(filter_offer(kFreeSwitch, parse_codec_prefs("PCMA,PCMU"), one)), "m=audio 16384 RTP/AVP 0 101");
  // Without preferences: the offer's own first codec.
  EXPECT_EQ(m_line(filter_offer(kFreeSwitch, CodecPrefs{}, one)), "m=audio 16384 RTP/AVP 102 101");
  // CN listed first is not a codec to settle on.
  EXPECT_EQ(m_line(filter_offer(kFreeSwitch, parse_codec_prefs("CN,PCMU"), one)), "m=audio 16384 RTP/AVP 0 101");
  EXPECT_EQ(m_line(filter_offer(kSipp, CodecPrefs{}, one)), "m=audio 6000 RTP/AVP 0");
}

TEST(FilterOffer, NothingLeftIsNotAcceptable) {
  EXPECT_EQ(error_kind(kSipp, parse_codec_prefs("PCMA,G729")), SdpError::Kind::not_acceptable);
  EXPECT_EQ(error_kind(kFreeSwitch, parse_codec_prefs("CN")), SdpError::Kind::not_acceptable);
  try {
    filter_offer(kSipp, parse_codec_prefs("G729"));
  } catch (const SdpError& e) {
    EXPECT_EQ(e.sip_status(), 488);
  }
}

TEST(FilterOffer, AnAudioLineWithNothingLeftIsDisabledWhenAnotherSurvives) {
  const std::string offer = crlf(R"(v=0
o=- 1 1 IN IP4 10.0.0.1
s=-
c=IN IP4 10.0.0.1
t=0 0
m=audio 5004 RTP/AVP 18
m=audio 5006 RTP/AVP 0 8
)");
  std::string out = filter_offer(offer, parse_codec_prefs("PCMU"));
  auto l = lines(out);
  EXPECT_TRUE(has_line(out, "m=audio 0 RTP/AVP 18"));
  EXPECT_TRUE(has_line(out, "m=audio 5006 RTP/AVP 0"));
}

TEST(FilterOffer, VideoAndRejectedLinesPassThrough) {
  const std::string offer = crlf(R"(v=0
o=- 1 1 IN IP4 10.0.0.1
s=-
c=IN IP4 10.0.0.1
t=0 0
m=audio 0 RTP/AVP 18
m=audio 5004 RTP/AVP 0 8 18 101
a=rtpmap:101 telephone-event/8000
m=video 5006 RTP/AVP 99 34
b=AS:2048
a=rtpmap:99 H264/90000
a=fmtp:99 profile-level-id=42801F
a=sendonly
m=image 5008 udptl t38
a=T38FaxVersion:0
)");
  std::string out = filter_offer(offer, parse_codec_prefs("PCMU"));
  EXPECT_EQ(out, crlf(R"(v=0
o=- 1 1 IN IP4 10.0.0.1
s=-
c=IN IP4 10.0.0.1
t=0 0
m=audio 0 RTP/AVP 18
m=audio 5004 RTP/AVP 0 101
a=rtpmap:101 telephone-event/8000
m=video 5006 RTP/AVP 99 34
b=AS:2048
a=rtpmap:99 H264/90000
a=fmtp:99 profile-level-id=42801F
a=sendonly
m=image 5008 udptl t38
a=T38FaxVersion:0
)"));
}

TEST(FilterOffer, OtherRtpProfilesAreFilteredToo) {
  // WebRTC-style: sofia-sip keeps RTP/SAVPF formats as text and rtpmaps as attributes.
  const std::string offer = crlf(R"(v=0
o=- 4611731400430051336 2 IN IP4 127.0.0.1
s=-
c=IN IP4 198.51.100.7
t=0 0
a=group:BUNDLE 0
m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126
a=mid:0
a=rtcp-mux
a=rtpmap:111 opus/48000/2
a=rtcp-fb:111 transport-cc
a=fmtp:111 minptime=10;useinbandfec=1
a=rtpmap:63 red/48000/2
a=fmtp:63 111/111
a=rtpmap:9 G722/8000
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:13 CN/8000
a=rtpmap:110 telephone-event/48000
a=rtpmap:126 telephone-event/8000
a=rtcp-fb:* nack
)");
  std::string out = filter_offer(offer, parse_codec_prefs("PCMU,opus"));
  EXPECT_EQ(m_line(out), "m=audio 9 UDP/TLS/RTP/SAVPF 0 111 110 126");
  EXPECT_TRUE(has_line(out, "a=rtcp-fb:111 transport-cc"));
  EXPECT_TRUE(has_line(out, "a=fmtp:111 minptime=10;useinbandfec=1"));
  EXPECT_TRUE(has_line(out, "a=rtcp-fb:* nack"));
  EXPECT_TRUE(has_line(out, "a=rtcp-mux"));
  EXPECT_FALSE(has_line(out, "a=rtpmap:63 red/48000/2"));
  EXPECT_FALSE(has_line(out, "a=fmtp:63 111/111"));
  EXPECT_FALSE(has_line(out, "a=rtpmap:9 G722/8000"));
  EXPECT_FALSE(has_line(out, "a=rtpmap:13 CN/8000"));
  EXPECT_TRUE(has_line(out, "a=group:BUNDLE 0"));
}

TEST(FilterOffer, MalformedSdpIsBadRequest) {
  const auto prefs = parse_codec_prefs("PCMU");
  EXPECT_EQ(error_kind("", prefs), SdpError::Kind::malformed);
  EXPECT_EQ(error_kind("garbage\r\n", prefs), SdpError::Kind::malformed);
  // No c= anywhere.
  EXPECT_EQ(error_kind(crlf("v=0\no=- 1 1 IN IP4 1.2.3.4\ns=-\nt=0 0\nm=audio 4000 RTP/AVP 0\n"), prefs),
            SdpError::Kind::malformed);
  // Malformed even when there is nothing to filter.
  EXPECT_EQ(error_kind("garbage\r\n", CodecPrefs{}), SdpError::Kind::malformed);
  try {
    filter_offer("garbage\r\n", prefs);
  } catch (const SdpError& e) {
    EXPECT_EQ(e.sip_status(), 400);
  }
}

TEST(FilterAnswer, PassesValidAnswersUnchanged) {
  EXPECT_EQ(filter_answer(kPolycom), kPolycom);
  EXPECT_EQ(filter_answer(kSipp), kSipp);
  EXPECT_THROW(filter_answer("v=0\r\nbroken"), SdpError);
  EXPECT_THROW(filter_answer(""), SdpError);
}

std::string with_session(std::string_view session_attrs, std::string_view media_attrs,
                         std::string_view address = "10.0.0.1", std::string_view media = "audio 5004") {
  return crlf("v=0\no=- 1 2 IN IP4 10.0.0.1\ns=-\nc=IN IP4 " + std::string(address) + "\nt=0 0\n" +
              std::string(session_attrs) + "m=" + std::string(media) + " RTP/AVP 0\n" + std::string(media_attrs));
}

TEST(IsHold, DirectionAttributes) {
  EXPECT_FALSE(is_hold(kYealink));
  EXPECT_FALSE(is_hold(kSipp));
  EXPECT_TRUE(is_hold(with_session("", "a=sendonly\n")));
  EXPECT_TRUE(is_hold(with_session("", "a=inactive\n")));
  EXPECT_TRUE(is_hold(with_session("a=sendonly\n", "")));
  EXPECT_TRUE(is_hold(with_session("a=inactive\n", "")));
  EXPECT_FALSE(is_hold(with_session("", "a=recvonly\n")));
  EXPECT_FALSE(is_hold(with_session("", "a=sendrecv\n")));
  // The media-level direction wins over the session-level one.
  EXPECT_FALSE(is_hold(with_session("a=sendonly\n", "a=sendrecv\n")));
  EXPECT_TRUE(is_hold(with_session("a=sendrecv\n", "a=sendonly\n")));
}

TEST(IsHold, ZeroConnectionAddress) {
  EXPECT_TRUE(is_hold(with_session("", "", "0.0.0.0")));
  EXPECT_TRUE(is_hold(with_session("", "c=IN IP4 0.0.0.0\n")));
  // A media-level address overrides the session's 0.0.0.0.
  EXPECT_FALSE(is_hold(with_session("", "c=IN IP4 10.0.0.9\n", "0.0.0.0")));
}

TEST(IsHold, OnlyActiveAudioCounts) {
  EXPECT_FALSE(is_hold(with_session("", "a=sendonly\n", "10.0.0.1", "video 5006")));
  EXPECT_FALSE(is_hold(with_session("", "a=inactive\n", "10.0.0.1", "audio 0")));
}

TEST(IsHold, MalformedSdpThrows) {
  EXPECT_THROW(is_hold("nonsense"), SdpError);
}

}  // namespace
}  // namespace sipedge
