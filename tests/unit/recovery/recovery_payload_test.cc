// parse_recovery_payload(): the JSON the call store's run_write sends with
// pg_notify('sipedge_recovery', ...) (store/call_store.cc):
// {"cluster":"..","node":"..","uuid":"..","operation":"..","epoch":N},
// strings escaped with a backslash before '"' and '\'.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "recovery/recovery_listener.h"

namespace sipedge {
namespace {

// The payload as call_store.cc builds it (same escaping as its json_string).
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out + "\"";
}

std::string payload(const std::string& cluster, const std::string& node, const std::string& uuid,
                    const std::string& operation, long long epoch) {
  return "{\"cluster\":" + quoted(cluster) + ",\"node\":" + quoted(node) + ",\"uuid\":" + quoted(uuid) +
         ",\"operation\":" + quoted(operation) + ",\"epoch\":" + std::to_string(epoch) + "}";
}

TEST(RecoveryPayload, AsTheCallStoreWritesIt) {
  RecoveryAnnouncement a = parse_recovery_payload(R"({"cluster":"pair-1","node":"node-a",)"
                                                  R"("uuid":"4f9c1a52-6a3e-4c1b-9d3e-0a1b2c3d4e5f",)"
                                                  R"("operation":"confirmed","epoch":42})");
  EXPECT_EQ(a.cluster, "pair-1");
  EXPECT_EQ(a.node, "node-a");
  EXPECT_EQ(a.uuid, "4f9c1a52-6a3e-4c1b-9d3e-0a1b2c3d4e5f");
  EXPECT_EQ(a.operation, "confirmed");
  EXPECT_EQ(a.epoch, 42);
}

TEST(RecoveryPayload, LargeEpoch) {
  RecoveryAnnouncement a = parse_recovery_payload(payload("c", "n", "u", "finished", 9007199254740993LL));
  EXPECT_EQ(a.epoch, 9007199254740993LL);
  EXPECT_EQ(a.operation, "finished");
}

TEST(RecoveryPayload, EscapedQuotesAndBackslashes) {
  const std::string cluster = "pa\"ir";
  const std::string node = "C:\\node\\";     // ends with a backslash
  const std::string uuid = "u\\\"x\"";       // backslash, quote, quote
  const std::string operation = "\"confirmed\"";
  std::string text = payload(cluster, node, uuid, operation, 7);
  EXPECT_EQ(text, R"({"cluster":"pa\"ir","node":"C:\\node\\",)"
                  R"("uuid":"u\\\"x\"","operation":"\"confirmed\"","epoch":7})");
  RecoveryAnnouncement a = parse_recovery_payload(text);
  EXPECT_EQ(a.cluster, cluster);
  EXPECT_EQ(a.node, node);
  EXPECT_EQ(a.uuid, uuid);
  EXPECT_EQ(a.operation, operation);
  EXPECT_EQ(a.epoch, 7);
}

TEST(RecoveryPayload, ValuesThatLookLikeKeys) {
  // A value holding another field's key (quotes escaped) must not be taken for that field.
  std::string text = payload("x\",\"uuid\":\"evil", "n\",\"epoch\":99,\"", "real-uuid", "confirmed", 3);
  RecoveryAnnouncement a = parse_recovery_payload(text);
  EXPECT_EQ(a.cluster, "x\",\"uuid\":\"evil");
  EXPECT_EQ(a.node, "n\",\"epoch\":99,\"");
  EXPECT_EQ(a.uuid, "real-uuid");
  EXPECT_EQ(a.epoch, 3);
}

TEST(RecoveryPayload, ControlCharactersAreDroppedByTheWriter) {
  RecoveryAnnouncement a = parse_recovery_payload(payload("c", "node\n-a", "u\t1", "confirmed", 1));
  EXPECT_EQ(a.node, "node-a");
  EXPECT_EQ(a.uuid, "u1");
}

TEST(RecoveryPayload, EmptyValues) {
  RecoveryAnnouncement a = parse_recovery_payload(payload("", "", "", "", 0));
  EXPECT_EQ(a.cluster, "");
  EXPECT_EQ(a.node, "");
  EXPECT_EQ(a.uuid, "");  // malformed: the listener ignores it
  EXPECT_EQ(a.operation, "");
  EXPECT_EQ(a.epoch, 0);
}

TEST(RecoveryPayload, MissingFields) {
  RecoveryAnnouncement a = parse_recovery_payload(R"({"cluster":"c","node":"n","operation":"confirmed","epoch":5})");
  EXPECT_EQ(a.uuid, "");
  EXPECT_EQ(a.cluster, "c");
  EXPECT_EQ(a.epoch, 5);

  a = parse_recovery_payload(R"({"uuid":"u"})");
  EXPECT_EQ(a.uuid, "u");
  EXPECT_EQ(a.cluster, "");
  EXPECT_EQ(a.node, "");
  EXPECT_EQ(a.operation, "");
  EXPECT_EQ(a.epoch, 0);

  a = parse_recovery_payload(R"({"cluster":"c","node":"n","uuid":"u","operation":"confirmed"})");
  EXPECT_EQ(a.uuid, "u");
  EXPECT_EQ(a.epoch, 0);
}

TEST(RecoveryPayload, FieldsInAnotherOrder) {
  RecoveryAnnouncement a =
      parse_recovery_payload(R"({"epoch":12,"operation":"finished","uuid":"u-2","node":"node-b","cluster":"c"})");
  EXPECT_EQ(a.cluster, "c");
  EXPECT_EQ(a.node, "node-b");
  EXPECT_EQ(a.uuid, "u-2");
  EXPECT_EQ(a.operation, "finished");
  EXPECT_EQ(a.epoch, 12);
}

TEST(RecoveryPayload, KeysAreMatchedWhole) {
  // "call-uuid" is not "uuid", "node_name" is not "node".
  RecoveryAnnouncement a = parse_recovery_payload(R"({"call-uuid":"x","node_name":"y","epochs":4})");
  EXPECT_EQ(a.uuid, "");
  EXPECT_EQ(a.node, "");
  EXPECT_EQ(a.epoch, 0);
}

TEST(RecoveryPayload, Garbage) {
  const std::vector<std::string> payloads = {"",         "{}",      "not json", "{\"uuid\"}", "{\"uuid\":",
                                            "\"uuid\"", "[1,2,3]", std::string("\0\0\0", 3), "{\"epoch\":}"};
  for (const std::string& garbage : payloads) {
    SCOPED_TRACE("payload \"" + garbage + "\"");
    RecoveryAnnouncement a = parse_recovery_payload(garbage);
    EXPECT_EQ(a.uuid, "");
    EXPECT_EQ(a.cluster, "");
    EXPECT_EQ(a.node, "");
    EXPECT_EQ(a.operation, "");
    EXPECT_EQ(a.epoch, 0);
  }
}

TEST(RecoveryPayload, NonNumericEpochIsZero) {
  EXPECT_EQ(parse_recovery_payload(R"({"uuid":"u","epoch":"abc"})").epoch, 0);
  EXPECT_EQ(parse_recovery_payload(R"({"uuid":"u","epoch":x})").epoch, 0);
}

}  // namespace
}  // namespace sipedge
