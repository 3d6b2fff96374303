#pragma once
// An upstream SIP carrier for gateway tests: Debian's Kamailio (5.6,
// /usr/sbin/kamailio, or env SIPEDGE_KAMAILIO; kamcmd: /usr/sbin/kamcmd or env
// SIPEDGE_KAMCMD) run as a child process with a generated kamailio.cfg in a
// TempDir. Not thread-safe beyond this: requests()/wait_for() may be called
// from any thread (a mutex guards the parsed log), everything else from the
// test's thread.
//
// How the carrier is configured (everything below is in the generated
// kamailio.cfg, see config_path(); keep it with
// SIPEDGE_KEEP_TEST_DIRS=1):
// - Listens on UDP and TCP ip:port (port 0 = free_port()), alias = realm.
//   Started as `kamailio -DD -E -f kamailio.cfg -w DIR -Y DIR -P DIR/kamailio.pid
//   -m 32 -M 8` (foreground, as the current user, `children` UDP workers and
//   one TCP worker); stderr/stdout go to DIR/kamailio.log. The constructor
//   returns once an OPTIONS on UDP is answered 200 (throws with the log if
//   Kamailio exits or does not answer within start_timeout); the destructor
//   stops it (SIGTERM, after 500 ms SIGKILL of the process group) and, when
//   the current test has failed, prints describe() first.
// - Users: htable "users" (user -> plaintext password), seeded from
//   options.users, changeable at runtime (set_password / remove_user, through
//   kamcmd on the ctl module's unix socket DIR/kamailio_ctl). No database.
// - OPTIONS (out of dialog, any R-URI): 200 OK with Allow and Accept, never
//   challenged.
// - REGISTER: no Authorization -> 401 (www_challenge, realm, qop if set).
//   With credentials: pv_www_authenticate(realm, password of the auth user).
//   Unknown user or wrong password -> options.wrong_credentials_code (403, or
//   401 = challenge again); stale/reused nonce -> 401 with stale=true;
//   auth user != To user -> 403. Then registrar save("location"): usrloc in
//   memory (db_mode 0, use_domain 0: the AoR is the To user), expiry clamped
//   to [min_expires, max_expires] (0 = no limit; min_expires_mode 1 = 423 when
//   reject_too_brief), 200 OK lists the bindings with their granted expires
//   and carries a Date header.
//   Failure injection: if the To user is in the "fail" htable (fail_register
//   option, set_register_failure at runtime) the REGISTER is answered with
//   that code instead of being saved: after successful authentication when
//   the user has a password, at once (no challenge) when it has none.
// - INVITE (out of dialog) from anyone but the trusted sources: no
//   Proxy-Authorization -> 407 (proxy_challenge); credentials checked like
//   REGISTER (pv_proxy_authenticate; From user may differ from the auth user);
//   then consume_credentials(), record_route() (if record_route, the default:
//   so ACK/BYE/re-INVITE of the dialog pass through the carrier and show up in
//   requests()), $du = sip:forward_calls_to, t_relay() (tm, stateful; replies
//   relayed back). No forward target -> 503.
//   INVITE from a trusted source (ip:port, e.g. a SIPp UAC playing the PSTN
//   side): not challenged, routed by R-URI user to the registered contact
//   (lookup("location")), 404 when not registered: inbound calls to a
//   registered gateway.
// - In-dialog requests: loose_route + t_relay (404 without a Route to the
//   carrier); CANCEL/ACK matched to their transaction. Any other out-of-dialog
//   method -> 405.
//
// What it reports: every request the script sees (including retransmissions)
// is one CarrierRequest, from xlog lines ("SIPEDGE_CARRIER|req|...", values
// hex-encoded) in kamailio.log; "auth" lines add the digest result, "rpl"
// lines the responses (sl:local-response = stateless ones incl. challenges
// and registrar replies, tm:local-response = tm's own, onreply_route = those
// relayed from the forward target / registered contact). The readiness probe
// OPTIONS (Call-ID "kamailio-carrier-ready-*") is left out, and so are ACKs
// to the carrier's own stateless replies (401/407/403...): the sl module
// absorbs them before the script runs.
// Current registrations come from `kamcmd ul.dump`.
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "tests/support/temp_dir.h"

namespace sipedge::test {

class ChildProcess;

// A REGISTER failure the carrier sends instead of saving the binding.
struct CarrierFailure {
  int code = 403;
  std::string reason;        // "" = the standard phrase for code
  std::string extra_header;  // e.g. "Retry-After: 30"; "" = none
};

struct KamailioCarrierOptions {
  std::string ip = "127.0.0.1";
  int port = 0;                                // 0 = a free port (UDP and TCP)
  std::string realm = "carrier.test";          // digest realm and alias: [A-Za-z0-9.-]+
  std::map<std::string, std::string> users;    // user -> password
  int max_expires = 0;                         // registrar max_expires; 0 = no limit
  int min_expires = 0;                         // registrar min_expires; 0 = no minimum
  bool reject_too_brief = false;               // below min_expires: 423 instead of raising it
  int default_expires = 3600;                  // when the REGISTER gives none
  std::string qop;                             // "" (no qop) or "auth"
  int wrong_credentials_code = 403;            // 401 = re-challenge
  std::string forward_calls_to;                // "127.0.0.1:5090" (may add ";transport=tcp"); "" = 503
  bool record_route = true;
  std::vector<std::string> trusted_sources;    // "ip:port" whose INVITEs go to registered users
  std::map<std::string, CarrierFailure> fail_register;  // To user -> failure
  int children = 2;                            // UDP worker processes
  std::chrono::milliseconds start_timeout{10000};
};

struct CarrierRequest {
  std::string method;
  std::string call_id;
  unsigned cseq = 0;
  std::string cseq_method;
  std::string request_uri;
  std::string from;        // header values as received
  std::string to;
  std::string from_uri;    // $fu / $tu
  std::string to_uri;
  std::string contact;     // all Contact values, comma-joined; "" if none
  std::string expires_header;  // "" if absent
  // Requested expiry (RFC 3261 10.2.1.1): the first Contact's expires param,
  // else the Expires header, else -1.
  int expires = -1;
  std::string source;      // "127.0.0.1:5080"
  std::string transport;   // "udp" / "tcp"
  std::string user_agent;
  double time = 0;         // arrival, seconds since the epoch (Kamailio's clock)
  bool has_credentials = false;  // Authorization or Proxy-Authorization present
  std::string auth_user;         // username of the credentials
  bool auth_checked = false;     // the digest was verified (pass or fail)
  bool auth_passed = false;
  int auth_result = 0;           // pv_*_authenticate: 1 ok, -2 bad password, -3 unknown user, -4 stale...
  std::vector<int> responses;    // codes sent or relayed back, in order
  std::string final_contact;     // Contact of the last final response (REGISTER 200: bindings)

  int final_response() const;    // last response >= 200, 0 if none yet
  // The expires param of final_contact's binding for this request's (first)
  // Contact URI, else of its first binding; -1 if none.
  int granted_expires() const;
  std::string describe() const;  // one line, for failure messages
};

struct CarrierRegistration {
  std::string aor;         // the user
  std::string contact;     // binding URI
  int expires = 0;         // seconds left (0 = permanent)
  std::string call_id;
  unsigned cseq = 0;
  std::string user_agent;
  std::string socket;      // carrier socket it came in on, "udp:127.0.0.1:5060"
};

class KamailioCarrier {
 public:
  // Writes the config, starts Kamailio and waits until it answers. Throws
  // std::runtime_error (with the log) when kamailio is not installed or does
  // not come up, std::invalid_argument for options it cannot express.
  explicit KamailioCarrier(KamailioCarrierOptions options);
  ~KamailioCarrier();
  KamailioCarrier(const KamailioCarrier&) = delete;
  KamailioCarrier& operator=(const KamailioCarrier&) = delete;

  const std::string& ip() const { return options_.ip; }
  int port() const { return port_; }
  std::string address() const;  // "ip:port"
  std::string uri() const;       // "sip:ip:port"
  const std::string& realm() const { return options_.realm; }
  const std::string& dir() const { return dir_.path(); }
  std::string config_path() const;
  std::string log() const;       // all of kamailio.log

  // Requests so far (parsed from the log at the time of the call).
  std::vector<CarrierRequest> requests();
  std::vector<CarrierRequest> requests(const std::string& method);
  // Polls the log every 20 ms until pred(requests()) holds; false on timeout.
  bool wait_for(const std::function<bool(const std::vector<CarrierRequest>&)>& pred,
                std::chrono::milliseconds timeout);
  // Parsed requests plus the tail of the log, for `<< carrier.describe()`.
  std::string describe();

  // Current (unexpired) bindings, from `kamcmd ul.dump`. Throws on kamcmd errors.
  std::vector<CarrierRegistration> registrations();
  // Runtime changes through kamcmd (take effect for the next request).
  void set_password(const std::string& user, const std::string& password);
  void remove_user(const std::string& user);
  void set_register_failure(const std::string& user, const CarrierFailure& failure);
  void clear_register_failure(const std::string& user);
  void drop_registrations(const std::string& user);  // ul.rm: the carrier "forgets" the user
  // Runs kamcmd with these arguments against this carrier; returns its output.
  std::string kamcmd(const std::vector<std::string>& args);

 private:
  void poll_log();  // with mutex_ held
  void wait_ready();

  KamailioCarrierOptions options_;
  TempDir dir_;
  int port_ = 0;
  std::string kamailio_;
  std::string kamcmd_;
  std::unique_ptr<ChildProcess> process_;

  std::mutex mutex_;
  std::size_t log_offset_ = 0;
  std::string partial_line_;
  std::vector<CarrierRequest> requests_;
};

// The generated kamailio.cfg for these options, port and ctl socket path
// (exposed for unit tests of the config text). Throws std::invalid_argument.
std::string kamailio_carrier_config(const KamailioCarrierOptions& options, int port, const std::string& ctl_socket);
// A failure as stored in the config's "fail" htable: "code|reason|extra header"
// (reason defaults to the standard phrase). Throws std::invalid_argument.
std::string kamailio_carrier_fail_value(const CarrierFailure& failure);

}  // namespace sipedge::test
