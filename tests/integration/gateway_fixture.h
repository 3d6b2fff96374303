#pragma once
// Shared by tests/integration/gateway_*_test.cc (issue 5, gateways): a node
// whose profile "internal" includes its gateways from gateways/*.xml (so a
// test can add or remove one and `rescan`), Debian's Kamailio as the upstream
// carrier (tests/support/kamailio_carrier.h), sofia::gateway_* events from
// the event socket, the gateways row read back by SQL, and SIPp scenarios
// whose INVITE Request-URI carries extra parameters (;gw=NAME).
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>

#include <pqxx/pqxx>

#include "tests/integration/call_fixture.h"
#include "tests/support/kamailio_carrier.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_env.h"

namespace sipedge::test::gateways {

using namespace calls;

// A <gateway> element; params in order.
inline std::string gateway_xml(const std::string& name, const ParamList& params, const std::string& variables = "") {
  std::string out = "<include>\n  <gateway name=\"" + xml_attr(name) + "\">\n";
  for (const auto& [k, v] : params) out += "    <param name=\"" + xml_attr(k) + "\" value=\"" + xml_attr(v) + "\"/>\n";
  if (!variables.empty()) out += "    <variables>\n" + variables + "    </variables>\n";
  out += "  </gateway>\n</include>\n";
  return out;
}

// A copy of the SIPp scenario `base` (tests/sipp/) whose INVITE Request-URI
// ends in `uri_params` (e.g. ";gw=carrier"), written into `dir`; returns its
// path for SippOptions::scenario. Only the request line changes: To, ACK and
// BYE stay as in `base`. Throws if `base` has no such request line.
inline std::string scenario_with_ruri_params(const TempDir& dir, const std::string& base,
                                             const std::string& uri_params) {
  std::string text = read_file(sipp_scenario(base));
  const std::string uri = "INVITE sip:[service]@[remote_ip]:[remote_port]";
  std::size_t at = text.find(uri + " SIP/2.0");
  if (at == std::string::npos) throw std::runtime_error(base + ": no \"" + uri + " SIP/2.0\" line");
  text.insert(at + uri.size(), uri_params);
  return dir.write(base, text);
}

struct GatewayRow {
  bool found = false;
  std::string state, status, call_id, node_name, last_phrase;
  long cseq = -1, failures = -1, last_code = -1, ping_count = -1, expires_in = -1;
};

inline GatewayRow read_gateway_row(const std::string& dsn, const std::string& name) {
  pqxx::connection conn(dsn);
  pqxx::read_transaction txn(conn);
  pqxx::result r = txn.exec_params(
      "select state, status, register_call_id, node_name, coalesce(last_response_phrase, ''), register_cseq, failures, "
      "coalesce(last_response_code, 0), ping_count, "
      "coalesce(extract(epoch from expires_at - now())::bigint, -1) from gateways where gateway_name = $1",
      name);
  GatewayRow row;
  if (r.size() != 1) return row;
  row.found = true;
  row.state = r[0][0].as<std::string>();
  row.status = r[0][1].as<std::string>();
  row.call_id = r[0][2].is_null() ? "" : r[0][2].as<std::string>();
  row.node_name = r[0][3].as<std::string>();
  row.last_phrase = r[0][4].as<std::string>();
  row.cseq = r[0][5].as<long>();
  row.failures = r[0][6].as<long>();
  row.last_code = r[0][7].as<long>();
  row.ping_count = r[0][8].as<long>();
  row.expires_in = r[0][9].as<long>();
  return row;
}

// Polls the row until pred holds (the row is written after the event fires).
inline GatewayRow wait_gateway_row(const std::string& dsn, const std::string& name,
                                   const std::function<bool(const GatewayRow&)>& pred,
                                   milliseconds timeout = milliseconds(5000)) {
  const auto deadline = Clock::now() + timeout;
  GatewayRow row;
  while (true) {
    row = read_gateway_row(dsn, name);
    if (pred(row) || Clock::now() >= deadline) return row;
    std::this_thread::sleep_for(milliseconds(30));
  }
}

inline std::function<bool(const EslFrame&)> gateway_state_is(const std::string& gateway, const std::string& state) {
  return [gateway, state](const EslFrame& e) {
    return EventWatch::get(e, "Gateway") == gateway && EventWatch::get(e, "State") == state;
  };
}

class GatewayTest : public ::testing::Test {
 protected:
  // A node with profile "internal" (context "default") whose gateways come
  // from `gateway_files` (name -> gateways/<name>.xml content).
  void start_node(const std::map<std::string, std::string>& gateway_files, const std::string& extensions = "",
                  const std::string& db_suffix = "") {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    if (!db_) db_ = std::make_unique<TestDatabase>(std::string("gw_") + info->name() + db_suffix);
    node_ = make_node("gw-node-a", gateway_files, extensions);
    node_->start_and_wait();
    ASSERT_TRUE(wait_registrar_ready(*node_));
  }

  std::unique_ptr<NodeProcess> make_node(const std::string& switchname,
                                         const std::map<std::string, std::string>& gateway_files,
                                         const std::string& extensions, int sip_port = 0) {
    NodeOptions o;
    o.profiles[0].port = sip_port;
    o.switch_params = {{"cluster-name", "gwpair"}};  // node A and node B of a test are one pair
    o.switchname = switchname;
    o.db_dsn = db_->dsn();
    o.vars_xml = "  <X-PRE-PROCESS cmd=\"set\" data=\"domain=" + kDomain + "\"/>\n";
    o.profiles[0].params = {{"context", "default"}, {"apply-register-acl", "test-loopback"}};
    o.profiles[0].extra_xml = "<gateways>\n<X-PRE-PROCESS cmd=\"include\" data=\"gateways/*.xml\"/>\n</gateways>\n";
    for (const auto& [name, xml] : gateway_files) o.files["gateways/" + name + ".xml"] = xml;
    // The include needs at least one file to match.
    if (gateway_files.empty()) o.files["gateways/none.xml"] = "<include/>\n";
    o.files["dialplan/default.xml"] = dialplan_file(extensions);
    return std::make_unique<NodeProcess>(o);
  }

  static KamailioCarrierOptions carrier_options() {
    KamailioCarrierOptions o;
    o.users = {{"gwuser", "gwsecret"}};
    return o;
  }

  // register=true gateway "carrier" to `carrier`.
  static ParamList carrier_params(const KamailioCarrier& carrier, ParamList extra = {}) {
    ParamList p = {{"username", "gwuser"}, {"password", "gwsecret"}, {"realm", carrier.realm()},
                   {"proxy", carrier.address()}, {"retry-seconds", "5"}};
    p.insert(p.end(), extra.begin(), extra.end());
    return p;
  }

  // Writes gateways/<name>.xml files into the running node's conf dir and
  // rescans: the gateways start now, after the test subscribed to events.
  void add_gateways(const std::map<std::string, std::string>& gateway_files) {
    for (const auto& [name, xml] : gateway_files) {
      std::ofstream f(node_->conf_dir() + "/gateways/" + name + ".xml");
      f << xml;
    }
    ASSERT_EQ(node_->api("sofia profile internal rescan"), "Reload XML [Success]\n+OK scan complete\n");
  }

  NodeProcess& node() { return *node_; }
  const std::string& dsn() const { return db_->dsn(); }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<NodeProcess> node_;
};

}  // namespace sipedge::test::gateways
