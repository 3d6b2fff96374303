// The reboot NOTIFY's Event by User-Agent follows FreeSWITCH's
// sofia_reg_send_reboot: case-insensitive substrings, first match wins.
#include "node/sip/reboot_notify.h"

#include <gtest/gtest.h>

namespace sipedge {
namespace {

std::string event_for(const std::string& ua) { return reboot_notify_content(ua, "cid@host").event; }

TEST(RebootNotifyContentTest, EventByUserAgent) {
  EXPECT_EQ(event_for("snom370/8.7.5.35"), "check-sync;reboot=true");
  EXPECT_EQ(event_for("Yealink SIP-T46S 66.86.0.15"), "check-sync;reboot=true");
  EXPECT_EQ(event_for("YEALINK"), "check-sync;reboot=true");
  EXPECT_EQ(event_for("Linksys/SPA8000-6.1.12"), "check-sync");
  EXPECT_EQ(event_for("linksys/spa8000"), "check-sync");  // case-insensitive too
  EXPECT_EQ(event_for("Linksys/SPA942-6.1.5(a)"), "reboot_now");
  EXPECT_EQ(event_for("Cisco/SPA504G-7.5.5"), "reboot");  // "spa" is tested before "cisco"
  EXPECT_EQ(event_for("Cisco-CP7960G/8.0"), "check-sync");
  EXPECT_EQ(event_for("Cisco-CP7940G/8.0"), "check-sync");
  EXPECT_EQ(event_for("Cisco-CP7970G/8.5"), "service-control");
  EXPECT_EQ(event_for("SomePhone/1.0"), "check-sync");
  EXPECT_EQ(event_for(""), "check-sync");
  // Order: snom/yealink win over anything later in the list.
  EXPECT_EQ(event_for("snom-spa-cisco"), "check-sync;reboot=true");
}

TEST(RebootNotifyContentTest, ContentTypeAndBody) {
  RebootNotifyContent plain = reboot_notify_content("Yealink SIP-T46S", "abc@1.2.3.4");
  EXPECT_EQ(plain.content_type, "application/simple-message-summary");
  EXPECT_EQ(plain.body, "");

  RebootNotifyContent cisco = reboot_notify_content("Cisco-CP7970G/8.5", "abc@1.2.3.4");
  EXPECT_EQ(cisco.event, "service-control");
  EXPECT_EQ(cisco.content_type, "text/plain");
  EXPECT_EQ(cisco.body,
            "action=restart\n"
            "RegisterCallId={abc@1.2.3.4}\n"
            "ConfigVersionStamp={0000000000000000}\n"
            "DialplanVersionStamp={0000000000000000}\n"
            "SoftkeyVersionStamp={0000000000000000}");
}

TEST(RebootNotifyNextHopTest, WhereTheRegisterCameFrom) {
  Binding b;
  b.contact = "<sip:1000@203.0.113.9:5060>";  // never used as the destination
  b.network_ip = "127.0.0.1";
  b.network_port = 40000;
  b.network_transport = "udp";
  EXPECT_EQ(reboot_notify_next_hop(b), "sip:127.0.0.1:40000;transport=udp");
  b.network_transport = "tcp";
  EXPECT_EQ(reboot_notify_next_hop(b), "sip:127.0.0.1:40000;transport=tcp");
  b.network_ip = "::1";
  EXPECT_EQ(reboot_notify_next_hop(b), "sip:[::1]:40000;transport=tcp");
}

TEST(RebootNotifyNextHopTest, NoNumericAddressNoNotify) {
  Binding b;
  b.network_ip = "phone.example.com";
  b.network_port = 5060;
  EXPECT_EQ(reboot_notify_next_hop(b), "");
  b.network_ip = "127.0.0.1";
  b.network_port = 0;
  EXPECT_EQ(reboot_notify_next_hop(b), "");
  b.network_port = 70000;
  EXPECT_EQ(reboot_notify_next_hop(b), "");
}

}  // namespace
}  // namespace sipedge
