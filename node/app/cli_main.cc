// sipedge-cli: the fs_cli of sipedge. Talks to a node's event socket.
//   sipedge-cli [-H host] [-P port] [-p password] [-x "command"]
// With -x: runs one api command, prints its output, exits 1 if it starts with
// -ERR. Without: an interactive prompt.
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>

#include "node/esl/esl_client.h"

namespace {

struct Options {
  std::string host = "127.0.0.1";
  int port = 8021;
  std::string password = "ClueCon";
  std::optional<std::string> command;
};

[[noreturn]] void usage_error(const std::string& message) {
  std::cerr << "sipedge-cli: " << message << "\n"
            << "usage: sipedge-cli [-H host] [-P port] [-p password] [-x \"command\"]\n";
  std::exit(2);
}

Options parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::cout << "usage: sipedge-cli [-H host] [-P port] [-p password] [-x \"command\"]\n"
                   "  -H host      event socket address (default 127.0.0.1)\n"
                   "  -P port      event socket port (default 8021)\n"
                   "  -p password  event socket password (default ClueCon)\n"
                   "  -x command   run one api command, print its output and exit\n";
      std::exit(0);
    }
    if (arg != "-H" && arg != "-P" && arg != "-p" && arg != "-x") usage_error("unknown option '" + arg + "'");
    if (i + 1 >= argc) usage_error("option " + arg + " needs a value");
    const std::string value = argv[++i];
    if (arg == "-H") {
      options.host = value;
    } else if (arg == "-P") {
      char* end = nullptr;
      const long port = std::strtol(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || port < 1 || port > 65535) usage_error("bad port '" + value + "'");
      options.port = static_cast<int>(port);
    } else if (arg == "-p") {
      options.password = value;
    } else {
      if (options.command) usage_error("only one -x is supported");
      options.command = value;
    }
  }
  return options;
}

void print_body(const std::string& body) {
  std::cout << body;
  if (!body.empty() && body.back() != '\n') std::cout << '\n';
  std::cout.flush();
}

void print_queued_events(sipedge::EslClient& client) {
  while (auto event = client.next_event(std::chrono::milliseconds(0))) {
    print_body(event->body);
  }
}

int interactive(sipedge::EslClient& client) {
  std::string line;
  for (;;) {
    std::cout << "sipedge> " << std::flush;
    if (!std::getline(std::cin, line)) {
      std::cout << '\n';
      return 0;
    }
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    std::size_t start = line.find_first_not_of(' ');
    if (start == std::string::npos) {
      print_queued_events(client);
      continue;
    }
    line.erase(0, start);
    if (line == "/exit" || line == "/quit" || line == "/bye") return 0;
    if (line.rfind("/event", 0) == 0) {
      // "/event NAMES..." subscribes (plain); events print between prompts.
      const auto frame = client.command("event plain" + line.substr(6));
      const std::string* text = frame.header("Reply-Text");
      print_body(text ? *text : frame.body);
      continue;
    }
    if (line.front() == '/') {
      std::cout << "-ERR unknown console command " << line << " (try /exit, /event NAMES)\n";
      continue;
    }
    print_body(client.api(line));
    print_queued_events(client);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse_options(argc, argv);
  sipedge::EslClient client;
  try {
    client.connect(options.host, options.port, options.password);
  } catch (const std::exception& e) {
    std::cerr << "sipedge-cli: " << e.what() << '\n';
    return 1;
  }
  try {
    if (options.command) {
      const std::string body = client.api(*options.command);
      print_body(body);
      client.close();
      return body.rfind("-ERR", 0) == 0 ? 1 : 0;
    }
    return interactive(client);
  } catch (const std::exception& e) {
    std::cerr << "sipedge-cli: " << e.what() << '\n';
    return 1;
  }
}
