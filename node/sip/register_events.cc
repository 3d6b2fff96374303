#include "node/sip/register_events.h"

namespace sipedge {

namespace {

void add_common(Event& e, const RegisterEventData& d) {
  e.add_header("profile-name", d.profile_name)
      .add_header("from-user", d.aor_user)
      .add_header("from-host", d.aor_host)
      .add_header("contact", d.contact)
      .add_header("call-id", d.call_id)
      .add_header("rpid", "unknown")
      .add_header("status", d.status)
      .add_header("expires", d.expires)
      .add_header("to-user", d.from_user)
      .add_header("to-host", d.from_host)
      .add_header("network-ip", d.network_ip)
      .add_header("network-port", std::to_string(d.network_port))
      .add_header("user-agent", d.user_agent);
}

}  // namespace

Event pre_register_event(const RegisterEventData& d) {
  Event e = Event::custom("sofia::pre_register");
  add_common(e, d);
  return e;
}

Event register_attempt_event(const RegisterEventData& d, const std::string& auth_result) {
  Event e = Event::custom("sofia::register_attempt");
  add_common(e, d);
  e.add_header("username", d.username).add_header("realm", d.realm).add_header("auth-result", auth_result);
  return e;
}

Event register_failure_event(const RegisterEventData& d) {
  Event e = Event::custom("sofia::register_failure");
  e.add_header("profile-name", d.profile_name)
      .add_header("to-user", d.aor_user)
      .add_header("to-host", d.aor_host)
      .add_header("network-ip", d.network_ip)
      .add_header("network-port", std::to_string(d.network_port))
      .add_header("user-agent", d.user_agent)
      .add_header("registration-type", "REGISTER");
  return e;
}

Event register_event(const RegisterEventData& d, const Binding& b) {
  Event e = Event::custom("sofia::register");
  e.add_header("profile-name", b.profile_name)
      .add_header("from-user", b.sip_user)
      .add_header("from-host", b.sip_host)
      .add_header("presence-hosts", b.sip_host)
      .add_header("contact", b.contact)
      .add_header("call-id", b.call_id)
      .add_header("rpid", "unknown")
      .add_header("status", b.status)
      .add_header("expires", std::to_string(b.expires_in))
      .add_header("to-user", d.from_user)
      .add_header("to-host", d.from_host)
      .add_header("network-ip", b.network_ip)
      .add_header("network-port", std::to_string(b.network_port))
      .add_header("username", b.auth_username)
      .add_header("realm", b.auth_realm)
      .add_header("user-agent", b.user_agent);
  return e;
}

Event unregister_event(const RegisterEventData& d, const Binding& b) {
  Event e = Event::custom("sofia::unregister");
  e.add_header("profile-name", b.profile_name)
      .add_header("username", b.auth_username.empty() ? d.username : b.auth_username)
      .add_header("from-user", b.sip_user)
      .add_header("from-host", b.sip_host)
      .add_header("contact", b.contact)
      .add_header("call-id", b.call_id)
      .add_header("rpid", "unknown")
      .add_header("realm", b.auth_realm)
      .add_header("network-ip", d.network_ip)
      .add_header("network-port", std::to_string(d.network_port))
      .add_header("user-agent", d.user_agent)
      .add_header("expires", "0");
  return e;
}

Event expire_event(const Binding& b) {
  Event e = Event::custom("sofia::expire");
  e.add_header("profile-name", b.profile_name)
      .add_header("call-id", b.call_id)
      .add_header("user", b.sip_user)
      .add_header("username", b.auth_username)
      .add_header("host", b.sip_host)
      .add_header("contact", b.contact)
      .add_header("expires", std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                                 b.expires_at.time_since_epoch()).count()))
      .add_header("user-agent", b.user_agent)
      .add_header("realm", b.auth_realm)
      .add_header("network-ip", b.network_ip)
      .add_header("network-port", std::to_string(b.network_port));
  return e;
}

}  // namespace sipedge
