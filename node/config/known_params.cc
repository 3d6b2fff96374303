#include "node/config/known_params.h"

#include <algorithm>
#include <initializer_list>
#include <iterator>

#include "node/config/config_values.h"

namespace sipedge {
namespace {

bool listed(std::initializer_list<std::string_view> names, std::string_view name) {
  return std::any_of(names.begin(), names.end(),
                     [&](std::string_view known) { return iequals(known, name); });
}

}  // namespace

bool is_known_switch_param(std::string_view name) {
  // switch_core.c switch_core_init / vanilla switch.conf.xml, plus sipedge's logfile.
  return listed({"switchname", "core-db-dsn", "loglevel", "logfile",
                 // sipedge: the digest nonce key every node of a cluster shares
                 "cluster-nonce-key",
                 // sipedge: active/standby pairs (docs/cluster.md)
                 "cluster-name", "cluster-lease-ttl", "cluster-lease-renew", "cluster-vip",
                 "cluster-vip-interface", "cluster-takeover-command", "cluster-release-command",
                 "cluster-auto-recover",
                 "colorize-console", "dialplan-timestamps", "max-db-handles",
                 "db-handle-timeout", "event-heartbeat-interval", "max-sessions",
                 "sessions-per-second", "debug-level", "max_dtmf_duration", "min_dtmf_duration",
                 "default_dtmf_duration", "mailer-app", "mailer-app-args", "dump-cores",
                 "verbose-channel-events", "rtp-start-port", "rtp-end-port", "rtp-enable-zrtp",
                 "core-db-name", "core-dbtype", "auto-create-schemas", "auto-clear-sql",
                 "enable-clustering", "initial-event-threads", "api-expansion",
                 "enable-use-system-time", "event-channel-key-separator",
                 "multiple-registrations", "max-audio-channels", "cpu-idle-smoothing-depth",
                 "min-idle-cpu", "crash-protection", "disable-monotonic-timing",
                 "enable-monotonic-timing", "1ms-timer", "timer-affinity",
                 "rtp-port-usage-robustness", "core-recovery-db-dsn",
                 "core-non-sqlite-db-required", "sql-buffer-len", "max-sql-buffer-len",
                 "spawn-instead-of-system", "exclude-error-log-from-xml-cdr", "tipping-point",
                 "timer-name", "stderr-loglevel", "threaded-system-exec", "events-use-dispatch",
                 "ssl-version", "session-thread-pool", "event-channel-enable-hierarchy-deliver",
                 "fips-mode", "rtp-retain-crypto-keys"},
                name);
}

bool is_known_sofia_global_param(std::string_view name) {
  return listed({"log-level", "tracelevel", "siptrace", "debug-presence", "debug-sla",
                 "auto-restart", "abort-on-empty-external-ip", "inbound-reg-in-new-thread",
                 "max-reg-threads", "capture-server", "message-threads",
                 "max-recv-requests-per-second", "rewrite-multicasted-fs-path",
                 "stun-server", "auto-nat", "event-channel"},
                name);
}

bool is_known_profile_param(std::string_view name) {
  return listed({
      // acted upon (see acted_upon_profile_params)
      "sip-ip", "sip-port", "ext-sip-ip", "context", "dialplan", "sip-trace",
      "apply-register-acl", "apply-inbound-acl", "apply-proxy-acl",
      // mod_sofia.md section 1
      "auth-calls", "accept-blind-reg", "challenge-realm", "force-register-domain",
      "force-register-db-domain", "disable-hold", "disable-transcoding", "inbound-codec-prefs",
      "outbound-codec-prefs", "codec-prefs", "NDLB-received-in-nat-reg-contact",
      "aggressive-nat-detection", "track-calls",
      // sipedge registrar: 423 below the minimum, shortened above the maximum
      "register-min-expires", "register-max-expires", "register-default-expires",
      // common FreeSWITCH profile params (vanilla internal.xml / external.xml, sofia.c)
      "debug", "sip-capture", "watchdog-enabled", "watchdog-step-timeout",
      "watchdog-event-timeout", "log-auth-failures", "forward-unsolicited-mwi-notify",
      "rfc2833-pt", "dtmf-duration", "rtp-timer-name", "rtp-ip", "ext-rtp-ip", "hold-music",
      "apply-nat-acl", "local-network-acl", "apply-candidate-acl", "extended-info-parsing",
      "enable-100rel", "enable-compact-headers", "enable-timer", "minimum-session-expires",
      "session-timeout", "dtmf-type", "send-message-query-on-register",
      "send-presence-on-register", "caller-id-type", "record-path", "record-template",
      "manage-presence", "manage-shared-appearance", "presence-hosts", "presence-privacy",
      "presence-hold-state", "presence-probe-on-register", "presence-proto-lookup",
      "presence-disable-early", "dbname", "odbc-dsn", "bitpacking", "max-proceeding",
      "multiple-registrations", "inbound-codec-negotiation", "bind-params",
      "unregister-on-options-fail", "all-reg-options-ping", "all-options-ping",
      "nat-options-ping", "tls", "tls-only", "tls-bind-params", "tls-sip-port", "tls-cert-dir",
      "tls-passphrase", "tls-verify-date", "tls-verify-policy", "tls-verify-depth",
      "tls-verify-in-subjects", "tls-version", "tls-ciphers", "tls-timeout",
      "rtp-autoflush-during-bridge", "rtp-rewrite-timestamps", "pass-rfc2833",
      "inbound-bypass-media", "inbound-proxy-media", "inbound-late-negotiation",
      "inbound-zrtp-passthru", "accept-blind-auth", "suppress-cng", "nonce-ttl",
      "manual-redirect", "disable-transfer", "disable-register", "NDLB-broken-auth-hash",
      "NDLB-force-rport", "NDLB-sendrecv-in-session", "NDLB-allow-bad-iananame",
      "inbound-reg-force-matching-username", "auth-all-packets", "auth-subscriptions",
      "rtp-timeout-sec", "rtp-hold-timeout-sec", "vad", "alias", "force-subscription-domain",
      "force-subscription-expires", "enable-3pcc", "disable-rtp-auto-adjust",
      "inbound-use-callid-as-uuid", "outbound-use-uuid-as-callid", "rtp-autofix-timing",
      "pass-callee-id", "auto-rtp-bugs", "disable-srv", "disable-naptr", "disable-srv503",
      "timer-T1", "timer-T1X64", "timer-T2", "timer-T4", "auto-jitterbuffer-msec",
      "sip-options-respond-503-on-busy", "sip-force-expires", "sip-force-expires-min", "sip-force-expires-max", "sip-expires-max-deviation",
      "sip-expires-late-margin", "p-asserted-id-parse", "enable-rfc-5626", "user-agent-string",
      "username", "rtcp-audio-interval-msec", "rtcp-video-interval-msec", "media-option",
      "liberal-dtmf", "rtp-digit-delay", "parse-all-invite-headers", "ws-binding",
      "wss-binding", "rtp-secure-media", "rtp-secure-media-inbound",
      "rtp-secure-media-outbound", "rtp-secure-media-suites", "inbound-late-negotiation",
      "ignore-183nosdp", "presence-hosts", "registration-thread-frequency",
      "ping-mean-interval", "ping-thread-frequency", "max-registrations-per-extension",
      "proxy-refer-replaces", "stun-enabled", "stun-auto-disable", "rtp-rewrite-timestamps",
      "contact-user", "sip-user-ping-max", "sip-user-ping-min", "sip-subscription-max-deviation",
      "sip-subscribe-expires", "enable-soa", "t38-passthru", "media-timeout",
      "media-hold-timeout", "disable-rtp-auto-adjust", "challenge-realm", "shutdown-on-fail",
      "reuse-connections", "NDLB-expires-in-register-response",
      "tcp-keepalive", "tcp-pingpong", "tcp-ping2pong", "tcp-ping-interval", "tls-orq-connect-timeout",
      "renegotiate-codec-on-hold", "renegotiate-codec-on-reinvite", "outbound-proxy", "unregister-on-options-fail", "presence-publish-interval",
      "send-display-update", "full-id-in-dialplan", "rtp-notimer-during-bridge",
      "inbound-video-codec-prefs"},
      name);
}

bool is_known_event_socket_param(std::string_view name) {
  return listed({"listen-ip", "listen-port", "password", "apply-inbound-acl", "nat-map",
                 "debug", "stop-on-bind-error"},
                name);
}

bool is_known_gateway_param(std::string_view name) {
  // sofia.c parse_gateways, plus cid-type from the vanilla external/example.xml.
  static constexpr std::string_view kNames[] = {
      // read into GatewayConfig
      "username", "password", "realm", "proxy", "register", "register-transport", "register-proxy",
      "outbound-proxy", "auth-username", "from-user", "from-domain", "extension", "extension-in-contact",
      "caller-id-in-from", "expire-seconds", "retry-seconds", "retry_seconds", "timeout-seconds", "ping",
      "ping-min", "ping-max", "contact-params", "destination-prefix", "context", "contact-host",
      "ping-user-agent", "ping-monitoring", "contact-in-ping", "distinct-to", "gw-auth-acl",
      "908-retry-seconds",
      // accepted, not acted upon
      "scheme", "rfc-5626", "reg-id", "cid-type"};
  return std::find(std::begin(kNames), std::end(kNames), name) != std::end(kNames);
}

}  // namespace sipedge
