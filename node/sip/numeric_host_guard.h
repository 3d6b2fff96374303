#pragma once
// sipedge answers a request at the address it came from and never looks a
// host name up to route a response (DEVELOPERS.md: no traffic to hosts named
// in untrusted messages; RFC 3261 18.2.2 with `received`/`rport`).
//
// sofia-sip routes responses by the top Via. For a well-formed Via nta adds
// received/rport (NTATAG_SERVER_RPORT(2)) and the response goes back to the
// packet's source. For the stateless replies nta sends to malformed requests
// (400, 505) it uses the Via's sent-by as written, and would resolve a name
// such as "c.example.com" through DNS. This guard interposes su_getaddrinfo
// (called through the PLT from inside libsofia-sip-ua) and adds
// AI_NUMERICHOST, so no name is ever resolved on that path: such a reply is
// dropped instead. Outgoing requests resolve names with nta's own resolver
// (sresolv), which this does not touch.
// A numeric sent-by is no better (a spoofed Via would aim our reply at a third
// party), so tport_tsend is interposed too: over UDP, the 413/505 nta sends
// before its Via check and a 400 whose Via named another transport are
// dropped; over TCP they still go back on the request's connection.
namespace sipedge {

// True once the interposer is linked and active; calling it also makes the
// linker keep the interposer's object file.
bool numeric_host_guard_active();

}  // namespace sipedge
