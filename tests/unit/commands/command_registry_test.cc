#include "node/commands/command_registry.h"

#include <gtest/gtest.h>

namespace sipedge {
namespace {

TEST(CommandRegistryTest, ParsesNameRestAndWords) {
  CommandArgs args = CommandRegistry::parse("  sofia   status  profile internal \n");
  EXPECT_EQ(args.name, "sofia");
  EXPECT_EQ(args.rest, "status  profile internal");
  EXPECT_EQ(args.words, (std::vector<std::string>{"status", "profile", "internal"}));
}

TEST(CommandRegistryTest, EmptyLine) {
  CommandArgs args = CommandRegistry::parse("   ");
  EXPECT_EQ(args.name, "");
  EXPECT_TRUE(args.words.empty());
}

TEST(CommandRegistryTest, UnknownCommandAnswersLikeFreeSwitch) {
  CommandRegistry registry;
  std::string reply;
  registry.execute("sofiax status", [&](std::string r) { reply = std::move(r); });
  EXPECT_EQ(reply, "-ERR sofiax Command not found!\n");
}

TEST(CommandRegistryTest, DispatchesToHandlerWithArgs) {
  CommandRegistry registry;
  registry.add("echo", "<text>", "Echo", [](const CommandArgs& a, Reply reply) { reply(a.rest + "|" + std::to_string(a.words.size())); });
  std::string reply;
  registry.execute("echo a  b", [&](std::string r) { reply = std::move(r); });
  EXPECT_EQ(reply, "a  b|2");
  EXPECT_EQ(registry.entries().count("echo"), 1u);
}

}  // namespace
}  // namespace sipedge
