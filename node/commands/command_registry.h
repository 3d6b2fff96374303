#pragma once
// API commands (`sofia status`, `status`, ...) as the event socket's `api` and
// `bgapi` and sipedge-cli run them. A handler gets the words after the command
// name and a Reply it must call exactly once, from any thread. A reply that
// starts with "-ERR" is an error (sipedge-cli exits non-zero on it).
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace sipedge {

using Reply = std::function<void(std::string)>;

struct CommandArgs {
  std::string name;               // "sofia"
  std::string rest;               // everything after the name, trimmed
  std::vector<std::string> words; // rest split on blanks
};

using CommandHandler = std::function<void(const CommandArgs&, Reply)>;

class CommandRegistry {
 public:
  // syntax: usage text shown by `help` and on wrong arguments.
  void add(std::string name, std::string syntax, std::string description, CommandHandler handler);

  // Runs one command line. Unknown command: "-ERR <name> Command not found!\n".
  void execute(std::string_view command_line, Reply reply) const;

  struct Entry {
    std::string syntax;
    std::string description;
    CommandHandler handler;
  };
  std::map<std::string, Entry> entries() const;

  static CommandArgs parse(std::string_view command_line);

 private:
  mutable std::mutex mutex_;  // guards commands_
  std::map<std::string, Entry> commands_;
};

}  // namespace sipedge
