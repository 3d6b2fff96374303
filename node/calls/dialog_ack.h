#pragma once
// ACK of a 2xx to an INVITE or re-INVITE we sent (RFC 3261 13.2.2.4), sent
// statelessly.
//
// sofia-sip keeps a stateful ACK client transaction, with its whole message,
// for Timer F (64 x T1 = 32 s on UDP) only to answer retransmissions of the
// 2xx; at 500 calls/s that is 16,000 retained ACKs. sipedge sends the ACK
// without a transaction instead (NTATAG_STATELESS: nta frees it once sent)
// and answers a retransmitted 2xx itself: nta hands the retransmission to the
// profile's stray-message callback, and CallManager::on_stray_2xx finds the
// dialog and ACKs again.
#include <cstdint>
#include <string>

extern "C" {
#include <sofia-sip/nta.h>
#include <sofia-sip/sip.h>
}

namespace sipedge {

struct Channel;

// ACKs the 2xx with CSeq number `cseq` on the channel's dialog, to `target`
// (the 2xx's Contact), with an SDP body when not empty. False when nta could
// not send it.
bool send_ack(Channel& channel, std::uint32_t cseq, url_string_t const* target, const std::string& sdp);

// ACKs the 2xx `response` (request URI = its Contact, CSeq = its CSeq number;
// the late-offer answer again when it is the 2xx that answer went with:
// Call::b_ack_cseq / b_ack_sdp).
bool send_2xx_ack(Channel& channel, sip_t const* response);

}  // namespace sipedge
