#include "store/registration_batch.h"

#include <map>
#include <set>
#include <utility>

// Pure logic (no database): runs on the database worker inside the batch
// transaction, but knows nothing about it.

namespace sipedge {

namespace {

using Aor = std::pair<std::string, std::string>;        // sip_user, sip_host
using AorBindings = std::map<std::string, Binding>;     // contact_uri -> binding

bool alive(const Binding& binding, SystemTime now) { return binding.expires_at > now; }

// RFC 3261 10.3 step 7: a binding written by the same Call-ID with a CSeq
// not lower than the request's means the request is stale or a replay.
// Expired bindings are gone as far as the UA is concerned and do not count.
bool stale_against(const Binding& stored, const RegisterChange& change, SystemTime now) {
  return alive(stored, now) && stored.call_id == change.call_id && stored.cseq >= change.cseq;
}

bool out_of_order(const AorBindings& bindings, const RegisterChange& change, SystemTime now) {
  if (change.remove_all) {
    // Step 6: Contact: * removes every binding, but a binding of the same
    // Call-ID with a CSeq not lower than the request's aborts the request.
    for (const auto& [uri, binding] : bindings) {
      if (stale_against(binding, change, now)) return true;
    }
    return false;
  }
  for (const auto& contact : change.contacts) {
    const auto it = bindings.find(contact.contact_uri);
    if (it != bindings.end() && stale_against(it->second, change, now)) return true;
  }
  return false;
}

Binding binding_from(const RegisterChange& change, const ContactUpdate& contact, SystemTime now) {
  Binding b;
  b.profile_name = change.profile_name;
  b.sip_user = change.sip_user;
  b.sip_host = change.sip_host;
  b.contact = contact.contact;
  b.contact_uri = contact.contact_uri;
  b.call_id = change.call_id;
  b.cseq = change.cseq;
  b.expires_in = contact.expires;
  b.expires_at = now + std::chrono::seconds(contact.expires);
  b.network_ip = change.network_ip;
  b.network_port = change.network_port;
  b.network_transport = change.network_transport;
  b.nat_detected = change.nat_detected;
  b.user_agent = change.user_agent;
  b.auth_username = change.auth_username;
  b.auth_realm = change.auth_realm;
  b.status = change.status;
  b.node_name = change.node_name;
  b.registered_at = now;
  return b;
}

std::vector<Binding> current_bindings(const AorBindings& bindings, SystemTime now) {
  std::vector<Binding> out;
  for (const auto& [uri, binding] : bindings) {
    if (!alive(binding, now)) continue;  // due for the sweep: not a binding the UA has any more
    out.push_back(binding);
    out.back().expires_in = seconds_left(binding.expires_at, now);
  }
  return out;
}

}  // namespace

std::int64_t seconds_left(SystemTime expires_at, SystemTime now) {
  if (expires_at <= now) return 0;
  const auto left = std::chrono::ceil<std::chrono::seconds>(expires_at - now);
  return left.count();
}

BatchPlan plan_registration_batch(const std::vector<BatchChange>& changes, const std::vector<Binding>& stored,
                                  SystemTime db_now) {
  std::map<Aor, AorBindings> state;
  std::set<BindingKey> stored_keys;
  for (const auto& binding : stored) {
    state[{binding.sip_user, binding.sip_host}][binding.contact_uri] = binding;
    stored_keys.insert({binding.sip_user, binding.sip_host, binding.contact_uri});
  }
  std::set<BindingKey> written;  // keys whose final value this batch sets

  BatchPlan plan;
  plan.outcomes.reserve(changes.size());
  for (const auto& [change_ptr, authorized] : changes) {
    const RegisterChange& change = *change_ptr;
    RegisterOutcome outcome;
    if (!authorized) {
      outcome.result = RegisterResult::auth_failed;
      plan.outcomes.push_back(std::move(outcome));
      continue;
    }
    AorBindings& bindings = state[{change.sip_user, change.sip_host}];
    if (out_of_order(bindings, change, db_now)) {
      outcome.result = RegisterResult::out_of_order;
      plan.outcomes.push_back(std::move(outcome));
      continue;
    }

    if (change.remove_all) {
      for (auto& [uri, binding] : bindings) {
        written.erase({change.sip_user, change.sip_host, uri});
        outcome.removed.push_back(std::move(binding));
        outcome.removed.back().expires_in = seconds_left(outcome.removed.back().expires_at, db_now);
      }
      bindings.clear();
    } else {
      for (const auto& contact : change.contacts) {
        const BindingKey key{change.sip_user, change.sip_host, contact.contact_uri};
        const auto it = bindings.find(contact.contact_uri);
        if (contact.expires > 0) {
          Binding fresh = binding_from(change, contact, db_now);
          if (it != bindings.end()) fresh.registered_at = it->second.registered_at;  // a refresh
          bindings[contact.contact_uri] = std::move(fresh);
          written.insert(key);
        } else if (it != bindings.end()) {
          outcome.removed.push_back(std::move(it->second));
          outcome.removed.back().expires_in = seconds_left(outcome.removed.back().expires_at, db_now);
          bindings.erase(it);
          written.erase(key);
        }
      }
    }
    outcome.result = RegisterResult::ok;
    outcome.bindings = current_bindings(bindings, db_now);
    plan.outcomes.push_back(std::move(outcome));
  }

  for (const auto& key : stored_keys) {
    const auto aor = state.find({key.sip_user, key.sip_host});
    if (aor->second.find(key.contact_uri) == aor->second.end()) plan.deletes.push_back(key);
  }
  for (const auto& key : written) {
    Binding binding = state[{key.sip_user, key.sip_host}].at(key.contact_uri);
    binding.expires_in = seconds_left(binding.expires_at, db_now);
    plan.upserts.push_back(std::move(binding));
  }
  return plan;
}

}  // namespace sipedge
