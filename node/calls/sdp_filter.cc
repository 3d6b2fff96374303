#include "node/calls/sdp_filter.h"

#include <sofia-sip/sdp.h>
#include <sofia-sip/su_alloc.h>

#include <charconv>
#include <cstring>
#include <optional>

#include "node/common/ascii_case.h"

namespace sipedge {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::optional<unsigned> to_unsigned(std::string_view digits) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
  return value;
}

// One parsed SDP; sdp_f_mode_manual keeps a=sendrecv/sendonly/recvonly/inactive
// as the attributes they were (sofia-sip would otherwise move them between
// session and media level when printing).
class ParsedSdp {
 public:
  explicit ParsedSdp(std::string_view text) {
    if (trim(text).empty()) throw SdpError(SdpError::Kind::malformed, "empty SDP");
    home_ = static_cast<su_home_t*>(su_home_new(sizeof(su_home_t)));
    if (!home_) throw std::bad_alloc();
    parser_ = sdp_parse(home_, text.data(), static_cast<issize_t>(text.size()), sdp_f_mode_manual);
    const char* error = parser_ ? sdp_parsing_error(parser_) : "out of memory";
    session_ = parser_ ? sdp_session(parser_) : nullptr;
    if (error || !session_) {
      std::string message = std::string("malformed SDP: ") + (error ? error : "no session");
      release();
      throw SdpError(SdpError::Kind::malformed, message);
    }
  }
  ~ParsedSdp() { release(); }
  ParsedSdp(const ParsedSdp&) = delete;
  ParsedSdp& operator=(const ParsedSdp&) = delete;

  sdp_session_t* session() const { return session_; }

  std::string print() const {
    sdp_printer_t* printer = sdp_print(home_, session_, nullptr, 0, sdp_f_mode_manual);
    if (!printer) throw std::bad_alloc();
    const char* error = sdp_printing_error(printer);
    if (error) {
      std::string message = std::string("cannot print SDP: ") + error;
      sdp_printer_free(printer);
      throw SdpError(SdpError::Kind::malformed, message);
    }
    std::string out(sdp_message(printer), sdp_message_size(printer));
    sdp_printer_free(printer);
    return out;
  }

 private:
  void release() {
    if (parser_) sdp_parser_free(parser_);
    parser_ = nullptr;
    if (home_) su_home_unref(home_);
    home_ = nullptr;
  }

  su_home_t* home_ = nullptr;
  sdp_parser_t* parser_ = nullptr;
  sdp_session_t* session_ = nullptr;
};

bool is_active_audio(const sdp_media_t* m) {
  return m->m_type == sdp_media_audio && m->m_port != 0 && !m->m_rejected;
}

// One payload type of an m-line. sofia-sip keeps RTP/AVP and RTP/SAVP formats
// as rtpmaps (`rm`); other RTP profiles (RTP/AVPF, UDP/TLS/RTP/SAVPF, ...) as
// a text list (`text`) with a=rtpmap left among the attributes.
struct Format {
  unsigned pt = 0;
  std::string name;
  unsigned long rate = 0;
  sdp_rtpmap_t* rm = nullptr;
  sdp_list_t* text = nullptr;
};

// "PT name/rate[/params]" of an a=rtpmap attribute.
std::optional<Format> parse_rtpmap_value(std::string_view value) {
  size_t space = value.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  auto pt = to_unsigned(value.substr(0, space));
  std::string_view codec = trim(value.substr(space + 1));
  size_t slash = codec.find('/');
  if (!pt || *pt > 127 || slash == std::string_view::npos) return std::nullopt;
  std::string_view rate_text = codec.substr(slash + 1);
  rate_text = rate_text.substr(0, rate_text.find('/'));
  auto rate = to_unsigned(rate_text);
  if (!rate) return std::nullopt;
  Format f;
  f.pt = *pt;
  f.name = std::string(codec.substr(0, slash));
  f.rate = *rate;
  return f;
}

// The payload types of an m-line in offered order; nullopt when the m-line
// does not carry RTP payload types we can read (then it passes untouched).
std::optional<std::vector<Format>> read_formats(sdp_media_t* m) {
  std::vector<Format> formats;
  if (m->m_rtpmaps) {
    for (sdp_rtpmap_t* rm = m->m_rtpmaps; rm; rm = rm->rm_next) {
      if (rm->rm_any) return std::nullopt;
      formats.push_back(Format{rm->rm_pt, rm->rm_encoding ? rm->rm_encoding : "", rm->rm_rate, rm, nullptr});
    }
    return formats;
  }
  if (!m->m_format || !m->m_proto_name || !std::strstr(to_lower(m->m_proto_name).c_str(), "rtp/")) return std::nullopt;
  for (sdp_list_t* l = m->m_format; l; l = l->l_next) {
    auto pt = to_unsigned(l->l_text ? l->l_text : "");
    if (!pt || *pt > 127) return std::nullopt;
    Format f;
    f.pt = *pt;
    f.text = l;
    // RFC 3551 static payload types need no a=rtpmap; sofia-sip knows them.
    if (const sdp_rtpmap_t* known = sdp_rtpmap_well_known[*pt]) {
      f.name = known->rm_encoding;
      f.rate = known->rm_rate;
    }
    formats.push_back(f);
  }
  for (sdp_attribute_t* a = m->m_attributes; a; a = a->a_next) {
    if (!a->a_name || !a->a_value || !iequals(a->a_name, "rtpmap")) continue;
    if (auto map = parse_rtpmap_value(a->a_value)) {
      for (auto& f : formats) {
        if (f.pt == map->pt) {
          f.name = map->name;
          f.rate = map->rate;
        }
      }
    }
  }
  return formats;
}

bool is_dtmf(const Format& f) { return iequals(f.name, "telephone-event"); }
bool is_cn(const Format& f) { return iequals(f.name, "CN"); }

bool matches(const CodecPref& pref, const Format& f) {
  if (f.name.empty() || !iequals(pref.name, f.name)) return false;
  if (pref.rate == 0 || pref.rate == f.rate) return true;
  // G.722 samples at 16 kHz but says 8000 in SDP (RFC 3551 4.5.2).
  return iequals(f.name, "G722") && pref.rate == 16000 && f.rate == 8000;
}

// The indexes kept, in their new order.
std::vector<size_t> choose(const std::vector<Format>& formats, const CodecPrefs& prefs, bool disable_transcoding) {
  std::vector<size_t> chosen;
  std::vector<bool> taken(formats.size(), false);
  auto take = [&](size_t i) {
    taken[i] = true;
    chosen.push_back(i);
  };
  if (prefs.empty()) {
    for (size_t i = 0; i < formats.size(); ++i) {
      if (!is_dtmf(formats[i]) && !formats[i].name.empty()) take(i);
    }
  } else {
    for (const auto& pref : prefs.codecs) {
      for (size_t i = 0; i < formats.size(); ++i) {
        if (!taken[i] && !is_dtmf(formats[i]) && matches(pref, formats[i])) take(i);
      }
    }
  }
  if (disable_transcoding) {
    // The offering leg's preferred codec (its order) among those the prefs allow,
    // as FreeSWITCH's generous negotiation picks the originator's codec.
    std::vector<size_t> first;
    for (size_t i = 0; i < formats.size() && first.empty(); ++i)
      if (taken[i] && !is_cn(formats[i])) first.push_back(i);
    chosen = first;
  }
  bool has_codec = false;
  for (size_t i : chosen) has_codec = has_codec || !is_cn(formats[i]);
  if (!has_codec) return {};
  for (size_t i = 0; i < formats.size(); ++i) {
    if (is_dtmf(formats[i])) chosen.push_back(i);
  }
  return chosen;
}

// a=rtpmap / a=fmtp / a=rtcp-fb lines naming a payload type no longer offered.
bool names_dropped_pt(const sdp_attribute_t* a, const std::vector<unsigned>& kept) {
  if (!a->a_name || !a->a_value) return false;
  if (!iequals(a->a_name, "rtpmap") && !iequals(a->a_name, "fmtp") && !iequals(a->a_name, "rtcp-fb")) return false;
  std::string_view value = a->a_value;
  auto pt = to_unsigned(value.substr(0, value.find(' ')));
  if (!pt) return false;  // a=rtcp-fb:* applies to all
  for (unsigned k : kept) {
    if (k == *pt) return false;
  }
  return true;
}

void apply(sdp_media_t* m, const std::vector<Format>& formats, const std::vector<size_t>& chosen) {
  std::vector<unsigned> kept;
  for (size_t i : chosen) kept.push_back(formats[i].pt);
  if (m->m_rtpmaps) {
    sdp_rtpmap_t** link = &m->m_rtpmaps;
    for (size_t i : chosen) {
      *link = formats[i].rm;
      link = &formats[i].rm->rm_next;
    }
    *link = nullptr;
  } else {
    sdp_list_t** link = &m->m_format;
    for (size_t i : chosen) {
      *link = formats[i].text;
      link = &formats[i].text->l_next;
    }
    *link = nullptr;
  }
  sdp_attribute_t** link = &m->m_attributes;
  while (*link) {
    if (names_dropped_pt(*link, kept)) {
      *link = (*link)->a_next;
    } else {
      link = &(*link)->a_next;
    }
  }
}

// The first of a=sendrecv/sendonly/recvonly/inactive in a list.
std::optional<sdp_mode_t> direction(const sdp_attribute_t* a) {
  for (; a; a = a->a_next) {
    if (!a->a_name) continue;
    if (iequals(a->a_name, "sendrecv")) return sdp_sendrecv;
    if (iequals(a->a_name, "sendonly")) return sdp_sendonly;
    if (iequals(a->a_name, "recvonly")) return sdp_recvonly;
    if (iequals(a->a_name, "inactive")) return sdp_inactive;
  }
  return std::nullopt;
}

}  // namespace

CodecPrefs parse_codec_prefs(std::string_view text) {
  CodecPrefs prefs;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string_view item = trim(text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    start = comma == std::string_view::npos ? text.size() + 1 : comma + 1;
    if (item.empty()) continue;
    CodecPref pref;
    size_t at = item.find('@');
    std::string_view name = item.substr(0, at);
    std::string_view qualifiers = at == std::string_view::npos ? std::string_view{} : item.substr(at + 1);
    // switch_parse_codec_buf: "module.NAME" and "NAME~fmtp".
    if (size_t dot = name.find('.'); dot != std::string_view::npos) name.remove_prefix(dot + 1);
    if (size_t tilde = name.find('~'); tilde != std::string_view::npos) {
      pref.fmtp = std::string(name.substr(tilde + 1));
      name = name.substr(0, tilde);
    }
    pref.name = std::string(trim(name));
    if (pref.name.empty()) throw std::invalid_argument("codec string '" + std::string(text) + "': empty codec name");
    for (bool more = at != std::string_view::npos; more;) {
      size_t next = qualifiers.find('@');
      std::string_view part = qualifiers.substr(0, next);
      more = next != std::string_view::npos;
      if (more) qualifiers.remove_prefix(next + 1);
      auto value = part.empty() ? std::nullopt : to_unsigned(part.substr(0, part.size() - 1));
      char unit = part.empty() ? '\0' : part.back();
      if (!value || std::string_view("hkibc").find(unit) == std::string_view::npos) {
        throw std::invalid_argument("codec '" + std::string(item) + "': part '" + std::string(part) +
                                    "' is not a number followed by h (Hz), k (kHz), i (ptime ms), b (bit/s) or c (channels)");
      }
      switch (unit) {
        case 'h': pref.rate = *value; break;
        case 'k': pref.rate = *value * 1000; break;
        case 'i': pref.ptime = *value; break;
        case 'b': pref.bitrate = *value; break;
        case 'c': pref.channels = *value; break;
      }
    }
    prefs.codecs.push_back(std::move(pref));
  }
  return prefs;
}

std::string filter_offer(std::string_view sdp, const CodecPrefs& prefs, const OfferFilterOptions& options) {
  ParsedSdp parsed(sdp);
  if (prefs.empty() && !options.disable_transcoding) return std::string(sdp);

  bool had_audio = false;
  bool has_audio = false;
  for (sdp_media_t* m = parsed.session()->sdp_media; m; m = m->m_next) {
    if (!is_active_audio(m)) continue;
    had_audio = true;
    auto formats = read_formats(m);
    if (!formats) {
      has_audio = true;  // not RTP payload types: nothing to filter, passed on
      continue;
    }
    auto chosen = choose(*formats, prefs, options.disable_transcoding);
    if (chosen.empty()) {
      m->m_port = 0;  // RFC 3264 5.1: offered but not to be used
      continue;
    }
    apply(m, *formats, chosen);
    has_audio = true;
  }
  if (had_audio && !has_audio) {
    throw SdpError(SdpError::Kind::not_acceptable, "no offered audio codec is allowed by the codec preferences");
  }
  return parsed.print();
}

std::string filter_answer(std::string_view sdp) {
  ParsedSdp parsed(sdp);
  return std::string(sdp);
}

bool is_hold(std::string_view sdp) {
  ParsedSdp parsed(sdp);
  const sdp_session_t* session = parsed.session();
  sdp_mode_t session_mode = direction(session->sdp_attributes).value_or(sdp_sendrecv);
  for (const sdp_media_t* m = session->sdp_media; m; m = m->m_next) {
    if (!is_active_audio(m)) continue;
    sdp_mode_t mode = direction(m->m_attributes).value_or(session_mode);
    if (mode == sdp_sendonly || mode == sdp_inactive) return true;
    const sdp_connection_t* c = m->m_connections ? m->m_connections : session->sdp_connection;
    if (c && c->c_address && std::strcmp(c->c_address, "0.0.0.0") == 0) return true;
  }
  return false;
}

}  // namespace sipedge
