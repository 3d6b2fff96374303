#pragma once
// Ports for test listeners, so tests can run in parallel without fixed ports.
namespace sipedge::test {

// A port on 127.0.0.1 that is free for TCP (and for UDP too when
// udp_and_tcp): SIP profiles listen on both with the same number.
// Picked at random below the ephemeral range (so outgoing connections do not
// take it meanwhile) and never handed out twice by this process.
// Throws std::runtime_error if none is found.
int free_port(bool udp_and_tcp = true);

}  // namespace sipedge::test
