#pragma once
// Codec filtering of the SDP a signalling B2BUA passes between its legs, done
// on sofia-sip's parsed form (sdp_parse / sdp_print), never by editing text.
// Only active audio m-lines are filtered; video, image (T.38), rejected
// (port 0) m-lines and every other line pass through as sofia-sip prints them.
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sipedge {

// One entry of a FreeSWITCH codec string: NAME[@<rate>h|k][@<ptime>i][@<bitrate>b][@<channels>c],
// optionally `module.NAME` and `NAME~fmtp` (switch_parse_codec_buf).
struct CodecPref {
  std::string name;      // as written (matched without case)
  unsigned rate = 0;     // Hz; `@8000h` or `@8k` (kHz); 0 = any
  unsigned ptime = 0;    // ms (`@20i`); 0 = not given
  unsigned bitrate = 0;  // bit/s (`@32000b`); 0 = not given
  unsigned channels = 0; // `@2c`; 0 = not given
  std::string fmtp;      // after '~'; empty = not given
};

// inbound-codec-prefs / outbound-codec-prefs / codec-prefs, in order.
struct CodecPrefs {
  std::vector<CodecPref> codecs;
  bool empty() const { return codecs.empty(); }
};

// Parses "OPUS,G722,PCMU,PCMA" or "PCMU@20i,G729@8000h@20i,opus@48000h@20i".
// Empty text gives empty prefs. Throws std::invalid_argument for a part
// without a known qualifier ("@20x"), a non-numeric value or an empty name
// (FreeSWITCH only logs those).
CodecPrefs parse_codec_prefs(std::string_view text);

// Why an SDP cannot be used, and the answer the call gives.
class SdpError : public std::runtime_error {
 public:
  enum class Kind {
    malformed,       // sofia-sip cannot parse it: 400 Bad Request
    not_acceptable,  // no audio codec left after filtering: 488 Not Acceptable Here
  };
  SdpError(Kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  Kind kind() const { return kind_; }
  int sip_status() const { return kind_ == Kind::malformed ? 400 : 488; }

 private:
  Kind kind_;
};

struct OfferFilterOptions {
  // disable-transcoding: keep only the first audio codec left by the
  // filter (the codec the offering leg prefers) plus telephone-event.
  bool disable_transcoding = false;
};

// Filters an offer for the other leg. On each active audio m-line the
// payload types are put in preference order (every offered payload type that
// matches the first preference, then the second, ...) and those matching no
// preference are dropped. Matching: the name without case, and the clock
// rate when the preference gives one (G722 is also matched at 16000, its
// real rate). ptime, bitrate, channels and fmtp are not matched: a relaying
// edge neither transcodes nor repacketizes. Static payload types without an
// a=rtpmap (0 PCMU, 3 GSM, 4 G723, 8 PCMA, 9 G722, 18 G729, ...) are known by
// number; a dynamic one without a=rtpmap matches nothing.
// telephone-event (RFC 4733) is always kept, after the codecs; CN (comfort
// noise) is dropped unless the preferences list it.
// Dropped payload types lose their a=rtpmap, a=fmtp and a=rtcp-fb lines. An
// audio m-line left with no codec is disabled (port 0, formats as offered,
// RFC 3264 5.1); when no active audio m-line is left, SdpError
// not_acceptable. Empty prefs without disable_transcoding return `sdp`
// unchanged (after checking that it parses). Malformed SDP: SdpError malformed.
std::string filter_offer(std::string_view sdp, const CodecPrefs& prefs, const OfferFilterOptions& options = {});

// An answer is passed on as it is; this only checks that sofia-sip parses it
// (SdpError malformed otherwise) and returns it unchanged.
std::string filter_answer(std::string_view sdp);

// True when the SDP puts its audio on hold: an active audio m-line whose
// direction is sendonly or inactive (a media-level direction attribute wins
// over the session-level one), or whose connection address is 0.0.0.0
// (RFC 2543 hold). The call code decides what to do (disable-hold).
// SdpError malformed when it does not parse.
bool is_hold(std::string_view sdp);

}  // namespace sipedge
