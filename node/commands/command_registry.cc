#include "node/commands/command_registry.h"

#include <cctype>

namespace sipedge {

namespace {
std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}
}  // namespace

CommandArgs CommandRegistry::parse(std::string_view command_line) {
  CommandArgs args;
  std::string_view line = trim(command_line);
  size_t sp = 0;
  while (sp < line.size() && !std::isspace(static_cast<unsigned char>(line[sp]))) ++sp;
  args.name = std::string(line.substr(0, sp));
  args.rest = std::string(trim(line.substr(sp)));
  std::string word;
  for (char c : args.rest) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!word.empty()) args.words.push_back(std::move(word));
      word.clear();
    } else {
      word.push_back(c);
    }
  }
  if (!word.empty()) args.words.push_back(std::move(word));
  return args;
}

void CommandRegistry::add(std::string name, std::string syntax, std::string description,
                          CommandHandler handler) {
  std::lock_guard lock(mutex_);
  commands_[std::move(name)] = Entry{std::move(syntax), std::move(description), std::move(handler)};
}

std::map<std::string, CommandRegistry::Entry> CommandRegistry::entries() const {
  std::lock_guard lock(mutex_);
  return commands_;
}

void CommandRegistry::execute(std::string_view command_line, Reply reply) const {
  CommandArgs args = parse(command_line);
  CommandHandler handler;
  {
    std::lock_guard lock(mutex_);
    auto it = commands_.find(args.name);
    if (it != commands_.end()) handler = it->second.handler;
  }
  if (!handler) {
    reply("-ERR " + args.name + " Command not found!\n");
    return;
  }
  handler(args, std::move(reply));
}

}  // namespace sipedge
