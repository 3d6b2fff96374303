#include "node/calls/dialog_ack.h"

#include "node/calls/call.h"
#include "node/calls/channel.h"

extern "C" {
#include <sofia-sip/sip_tag.h>
}

namespace sipedge {

bool send_ack(Channel& channel, std::uint32_t cseq, url_string_t const* target, const std::string& sdp) {
  if (!channel.leg || !target) return false;
  std::string hop = channel.next_hop();
  std::string cseq_value = std::to_string(cseq) + " ACK";
  // No callback + NTATAG_STATELESS: nta sends the ACK and frees it at once
  // (nta_outgoing_tcreate then returns NONE, which destroy accepts).
  nta_outgoing_t* ack = nta_outgoing_tcreate(
      channel.leg, nullptr, nullptr, hop.empty() ? nullptr : URL_STRING_MAKE(hop.c_str()), SIP_METHOD_ACK, target,
      SIPTAG_CSEQ_STR(cseq_value.c_str()), TAG_IF(!sdp.empty(), SIPTAG_CONTENT_TYPE_STR("application/sdp")),
      TAG_IF(!sdp.empty(), SIPTAG_PAYLOAD_STR(sdp.c_str())), NTATAG_STATELESS(1), TAG_END());
  if (!ack) return false;
  nta_outgoing_destroy(ack);
  return true;
}

bool send_2xx_ack(Channel& channel, sip_t const* response) {
  if (!response || !response->sip_contact || !response->sip_cseq) return false;
  std::uint32_t cseq = response->sip_cseq->cs_seq;
  // Late offer: the ACK of the callee's 2xx carries the caller's answer, every time.
  const Call* call = channel.call;
  const bool late_offer_ack = call && call->b == &channel && !call->b_ack_sdp.empty() && cseq == call->b_ack_cseq;
  return send_ack(channel, cseq, reinterpret_cast<url_string_t const*>(response->sip_contact->m_url),
                  late_offer_ack ? call->b_ack_sdp : std::string());
}

}  // namespace sipedge
