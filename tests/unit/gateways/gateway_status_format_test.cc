// The gateway layouts of `sofia status` (node/commands/gateway_status_format.h),
// byte for byte as mod_sofia's cmd_status prints them: the gateway row of the
// profile list ("%25s\t%s\t  %40s\t%s" + " (retry: Ns)"), the summary table of
// `sofia status gateway` and the label<TAB>value block of `sofia status
// gateway NAME`. Pure functions, single-threaded.
#include "node/commands/gateway_status_format.h"

#include <gtest/gtest.h>

#include <sstream>

#include "node/commands/sofia_status_format.h"

namespace sipedge {
namespace {

const std::string kLine(97, '=');

std::string right(const std::string& s, std::size_t width) {
  return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

GatewaySnapshot carrier() {
  GatewaySnapshot g;
  g.name = "carrier";
  g.profile = "external";
  g.realm = "carrier.example";
  g.username = "gwuser";
  g.password_set = true;
  g.from = "<sip:gwuser@carrier.example;transport=udp>";
  g.contact = "<sip:gw+carrier@192.0.2.10:5080;transport=udp;gw=carrier>";
  g.exten = "gwuser";
  g.to = "sip:gwuser@carrier.example";
  g.proxy = "sip:carrier.example";
  g.context = "public";
  g.expires = 3600;
  g.freq = 3540;
  g.ping = 30;
  g.next_ping_epoch = 1767225600;
  g.ping_time_ms = 12.5;
  g.ping_min = 1;
  g.ping_count = 1;
  g.ping_max = 3;
  g.state = GatewayState::reged;
  g.up = true;
  g.uptime_seconds = 42;
  g.to = "sip:gwuser@carrier.example";
  return g;
}

// --------------------------------------------------------- `sofia status` row

TEST(GatewayStatusRow, ModSofiasLayout) {
  GatewaySnapshot g = carrier();
  EXPECT_EQ(format_gateway_row(g),
            right("external::carrier", 25) + "\tgateway\t  " + right("sip:gwuser@carrier.example", 40) + "\tREGED\n");
}

TEST(GatewayStatusRow, LongValuesAreNotCut) {
  GatewaySnapshot g = carrier();
  g.profile = "a-very-long-profile-name";
  g.name = "and-a-long-gateway-name";
  g.to = "sip:a-very-long-user-name@a-very-long-carrier-domain.example";
  EXPECT_EQ(format_gateway_row(g), "a-very-long-profile-name::and-a-long-gateway-name\tgateway\t  " + g.to + "\tREGED\n");
}

TEST(GatewayStatusRow, RetryCountdownInFailedFailWaitAndTrying) {
  GatewaySnapshot g = carrier();
  const std::string prefix = right("external::carrier", 25) + "\tgateway\t  " + right(g.to, 40) + "\t";
  g.state = GatewayState::failed;
  g.retry_in_seconds = 5;
  EXPECT_EQ(format_gateway_row(g), prefix + "FAILED (retry: 5s)\n");
  g.state = GatewayState::fail_wait;
  g.retry_in_seconds = 10;
  EXPECT_EQ(format_gateway_row(g), prefix + "FAIL_WAIT (retry: 10s)\n");
  g.state = GatewayState::trying;
  g.retry_in_seconds = 0;
  EXPECT_EQ(format_gateway_row(g), prefix + "TRYING (retry: 0s)\n");
  // Without a scheduled attempt: NEVER (mod_sofia), except while TRYING.
  g.state = GatewayState::failed;
  g.retry_in_seconds = -1;
  EXPECT_EQ(format_gateway_row(g), prefix + "FAILED (retry: NEVER)\n");
  g.state = GatewayState::trying;
  EXPECT_EQ(format_gateway_row(g), prefix + "TRYING\n");
}

TEST(GatewayStatusRow, NoRetryInOtherStates) {
  GatewaySnapshot g = carrier();
  g.retry_in_seconds = 7;  // a refresh is scheduled, but that is not a retry
  for (GatewayState s : {GatewayState::unreged, GatewayState::register_, GatewayState::reged,
                         GatewayState::unregister, GatewayState::expired, GatewayState::noreg, GatewayState::down,
                         GatewayState::timeout}) {
    g.state = s;
    std::string row = format_gateway_row(g);
    EXPECT_EQ(row.find("retry"), std::string::npos) << row;
    EXPECT_EQ(row.substr(row.size() - std::string(to_string(s)).size() - 2), "\t" + std::string(to_string(s)) + "\n");
  }
}

TEST(GatewayStatusRow, ListedUnderItsProfileInSofiaStatus) {
  ProfileStatus internal;
  internal.name = "internal";
  internal.url = "sip:mod_sofia@192.0.2.10:5060";
  internal.running = true;
  ProfileStatus external = internal;
  external.name = "external";
  external.url = "sip:mod_sofia@192.0.2.10:5080";
  GatewaySnapshot g = carrier();
  auto l = lines(format_sofia_status({internal, external}, {g}));
  ASSERT_EQ(l.size(), 7u);
  EXPECT_EQ(l[2], right("internal", 25) + "\tprofile\t  " + right(internal.url, 40) + "\tRUNNING (0)");
  EXPECT_EQ(l[3], right("external", 25) + "\tprofile\t  " + right(external.url, 40) + "\tRUNNING (0)");
  EXPECT_EQ(l[4] + "\n", format_gateway_row(g));
  EXPECT_EQ(l[5], kLine);
  EXPECT_EQ(l[6], "2 profiles 0 aliases");
}

// ------------------------------------------------- `sofia status gateway`

TEST(GatewayStatusSummary, HeaderRowsAndFooter) {
  GatewaySnapshot a = carrier();
  a.calls_in = 3;
  a.failed_calls_in = 1;
  a.calls_out = 5;
  a.failed_calls_out = 2;
  GatewaySnapshot b = carrier();
  b.name = "backup";
  b.to = "sip:backup@192.0.2.99:5062";
  b.state = GatewayState::fail_wait;
  b.retry_in_seconds = 25;
  b.ping_time_ms = 0;
  b.calls_out = 2;
  auto l = lines(format_gateway_summary({a, b}));
  ASSERT_EQ(l.size(), 6u);
  EXPECT_EQ(l[0], right("Profile::Gateway-Name", 25) + "\t" + right("    Data    ", 32) + "\tState\tPing Time\t" +
                      "IB Calls(F/T)\tOB Calls(F/T)");
  EXPECT_EQ(l[1], kLine);
  EXPECT_EQ(l[2], right("external::carrier", 25) + "\t" + right("sip:gwuser@carrier.example", 32) +
                      "\tREGED\t 12.50\t1/3\t2/5");
  EXPECT_EQ(l[3], right("external::backup", 25) + "\t" + right("sip:backup@192.0.2.99:5062", 32) +
                      "\tFAIL_WAIT\t  0.00\t0/0\t0/2 (retry: 25s)");
  EXPECT_EQ(l[4], kLine);
  EXPECT_EQ(l[5], "2 gateways: Inbound(Failed/Total): 1/3,Outbound(Failed/Total):2/7");
}

TEST(GatewayStatusSummary, OneAndNoGateway) {
  auto one = lines(format_gateway_summary({carrier()}));
  ASSERT_EQ(one.size(), 5u);
  EXPECT_EQ(one[4], "1 gateway: Inbound(Failed/Total): 0/0,Outbound(Failed/Total):0/0");
  auto none = lines(format_gateway_summary({}));
  ASSERT_EQ(none.size(), 4u);
  EXPECT_EQ(none[1], kLine);
  EXPECT_EQ(none[2], kLine);
  EXPECT_EQ(none[3], "0 gateways: Inbound(Failed/Total): 0/0,Outbound(Failed/Total):0/0");
}

// -------------------------------------------- `sofia status gateway NAME`

TEST(GatewayStatusDetail, ModSofiasLabelsAndOrder) {
  GatewaySnapshot g = carrier();
  g.calls_in = 2;
  g.calls_out = 5;
  g.failed_calls_in = 1;
  g.failed_calls_out = 3;
  std::string text = format_gateway_detail(g);
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  const std::vector<std::string> expected = {
      kLine,
      "Name    \tcarrier",
      "Profile \texternal",
      "Scheme  \tDigest",
      "Realm   \tcarrier.example",
      "Username\tgwuser",
      "Password\tyes",
      "From    \t<sip:gwuser@carrier.example;transport=udp>",
      "Contact \t<sip:gw+carrier@192.0.2.10:5080;transport=udp;gw=carrier>",
      "Exten   \tgwuser",
      "To      \tsip:gwuser@carrier.example",
      "Proxy   \tsip:carrier.example",
      "Context \tpublic",
      "Expires \t3600",
      "Freq    \t3540",
      "Ping    \t1767225600",
      "PingFreq\t30",
      "PingTime\t12.50",
      "PingState\t1/1/3",
      "State   \tREGED",
      "Status  \tUP",
      "Uptime  \t42s",
      "CallsIN \t2",
      "CallsOUT\t5",
      "FailedCallsIN\t1",
      "FailedCallsOUT\t3",
      kLine,
  };
  EXPECT_EQ(lines(text), expected);
}

TEST(GatewayStatusDetail, DownWithoutPassword) {
  GatewaySnapshot g = carrier();
  g.password_set = false;
  g.up = false;
  g.uptime_seconds = 0;
  g.ping_count = 0;
  g.ping_time_ms = 0;
  g.state = GatewayState::fail_wait;
  g.retry_in_seconds = 12;
  auto l = lines(format_gateway_detail(g));
  ASSERT_EQ(l.size(), 27u);
  EXPECT_EQ(l[6], "Password\tno");
  EXPECT_EQ(l[17], "PingTime\t0.00");
  EXPECT_EQ(l[18], "PingState\t1/0/3");
  EXPECT_EQ(l[19], "State   \tFAIL_WAIT");  // no retry suffix in the detail block (mod_sofia)
  EXPECT_EQ(l[20], "Status  \tDOWN");
  EXPECT_EQ(l[21], "Uptime  \t0s");
}

}  // namespace
}  // namespace sipedge

// ------------------------------------------------------ `sofia xmlstatus` XML

namespace sipedge {
namespace {

// mod_sofia's xml_gateway_status: element per field, in its order.
TEST(GatewayXmlStatus, OneGatewayInModSofiasOrder) {
  GatewaySnapshot g = carrier();
  g.calls_in = 2;
  g.failed_calls_out = 1;
  g.pinging = true;
  std::string xml = format_gateway_xmlstatus(g);
  EXPECT_EQ(xml,
            "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n"
            "  <gateway>\n"
            "    <name>carrier</name>\n"
            "    <profile>external</profile>\n"
            "    <scheme>Digest</scheme>\n"
            "    <realm>carrier.example</realm>\n"
            "    <username>gwuser</username>\n"
            "    <password>yes</password>\n"
            "    <from>&lt;sip:gwuser@carrier.example;transport=udp&gt;</from>\n"
            "    <contact>&lt;sip:gw+carrier@192.0.2.10:5080;transport=udp;gw=carrier&gt;</contact>\n"
            "    <exten>gwuser</exten>\n"
            "    <to>sip:gwuser@carrier.example</to>\n"
            "    <proxy>sip:carrier.example</proxy>\n"
            "    <context>public</context>\n"
            "    <expires>3600</expires>\n"
            "    <freq>3540</freq>\n"
            "    <ping>1767225600</ping>\n"
            "    <pingfreq>30</pingfreq>\n"
            "    <pingmin>1</pingmin>\n"
            "    <pingcount>1</pingcount>\n"
            "    <pingmax>3</pingmax>\n"
            "    <pingtime>12.50</pingtime>\n"
            "    <pinging>1</pinging>\n"
            "    <state>REGED</state>\n"
            "    <status>UP</status>\n"
            "    <uptime-usec>42000000</uptime-usec>\n"
            "    <calls-in>2</calls-in>\n"
            "    <calls-out>0</calls-out>\n"
            "    <failed-calls-in>0</failed-calls-in>\n"
            "    <failed-calls-out>1</failed-calls-out>\n"
            "  </gateway>\n");
}

TEST(GatewayXmlStatus, RetryOnlyWhileFailedWaitingOrTrying) {
  GatewaySnapshot g = carrier();
  EXPECT_EQ(format_gateway_xml(g).find("<retry>"), std::string::npos);
  g.state = GatewayState::fail_wait;
  g.up = false;
  g.retry_in_seconds = 17;
  std::string xml = format_gateway_xml(g);
  EXPECT_NE(xml.find("    <retry>17s</retry>\n  </gateway>\n"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<uptime-usec>0</uptime-usec>"), std::string::npos) << xml;  // DOWN: no uptime
  g.retry_in_seconds = -1;
  EXPECT_NE(format_gateway_xml(g).find("<retry>NEVER</retry>"), std::string::npos);
}

TEST(GatewayXmlStatus, AllGatewaysInGatewaysElement) {
  GatewaySnapshot a = carrier(), b = carrier();
  b.name = "backup";
  std::string xml = format_gateways_xmlstatus({a, b});
  EXPECT_EQ(xml.rfind("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<gateways>\n  <gateway>\n", 0), 0u) << xml;
  EXPECT_NE(xml.find("<name>carrier</name>"), std::string::npos);
  EXPECT_NE(xml.find("<name>backup</name>"), std::string::npos);
  const std::string end = "  </gateway>\n</gateways>\n";
  EXPECT_EQ(xml.substr(xml.size() - end.size()), end);
  EXPECT_EQ(format_gateways_xmlstatus({}),
            "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<gateways>\n</gateways>\n");
}

// `sofia xmlstatus`: a profile's gateways follow it (name, type, To, state).
TEST(GatewayXmlStatus, ProfileListShowsItsGateways) {
  ProfileStatus p;
  p.name = "external";
  p.running = true;
  p.url = "sip:mod_sofia@192.0.2.10:5080";
  ProfileStatus q = p;
  q.name = "internal";
  GatewaySnapshot g = carrier();
  g.state = GatewayState::fail_wait;
  std::string xml = format_sofia_xmlstatus({p, q}, {g});
  EXPECT_NE(xml.find("<state>RUNNING (0)</state>\n</profile>\n"
                     "<gateway>\n<name>carrier</name>\n<type>gateway</type>\n<data>sip:gwuser@carrier.example</data>\n"
                     "<state>FAIL_WAIT</state>\n</gateway>\n<profile>\n<name>internal</name>"),
            std::string::npos)
      << xml;
}

}  // namespace
}  // namespace sipedge
