#include "tests/support/free_port.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mutex>
#include <random>
#include <set>
#include <stdexcept>

namespace sipedge::test {
namespace {

bool can_bind(int type, int port) {
  int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // No SO_REUSEADDR: a port with TIME_WAIT leftovers counts as busy.
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

int free_port(bool udp_and_tcp) {
  static std::mutex mutex;
  static std::set<int> handed_out;
  static std::mt19937 rng{std::random_device{}() ^ static_cast<unsigned>(::getpid())};
  std::lock_guard lock(mutex);
  // 20000..31999: below Linux's ephemeral range (32768-60999) and away from
  // well-known SIP ports.
  std::uniform_int_distribution<int> dist(20000, 31999);
  for (int attempt = 0; attempt < 500; ++attempt) {
    int port = dist(rng);
    if (handed_out.count(port)) continue;
    if (!can_bind(SOCK_STREAM, port)) continue;
    if (udp_and_tcp && !can_bind(SOCK_DGRAM, port)) continue;
    handed_out.insert(port);
    return port;
  }
  throw std::runtime_error("free_port: no free port on 127.0.0.1 in 20000-31999");
}

}  // namespace sipedge::test
