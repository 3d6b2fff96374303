// KamailioCarrier: runs Kamailio with the generated config, parses its xlog
// lines into CarrierRequests, talks to it with kamcmd. See kamailio_carrier.h.
#include "tests/support/kamailio_carrier.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/support/child_process.h"
#include "tests/support/free_port.h"

namespace sipedge::test {
namespace {

using Clock = std::chrono::steady_clock;
const char kMarker[] = "SIPEDGE_CARRIER|";
const char kProbeCallId[] = "kamailio-carrier-ready-";

std::string program(const char* env, const char* fallback) {
  const char* v = std::getenv(env);
  return v && *v ? v : fallback;
}

std::string hex_decode(const std::string& hex) {
  std::string out;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return hex;  // not hex: keep verbatim
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

// "k=v|k=v" -> map with decoded values.
std::map<std::string, std::string> fields_of(const std::string& rest) {
  std::map<std::string, std::string> out;
  std::istringstream in(rest);
  for (std::string item; std::getline(in, item, '|');) {
    auto eq = item.find('=');
    if (eq == std::string::npos) continue;
    out[item.substr(0, eq)] = hex_decode(item.substr(eq + 1));
  }
  return out;
}

int to_int(const std::string& s, int fallback) {
  if (s.empty()) return fallback;
  char* end = nullptr;
  long v = std::strtol(s.c_str(), &end, 10);
  return end == s.c_str() ? fallback : static_cast<int>(v);
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

// Splits a Contact header value list on commas outside <> and quotes.
std::vector<std::string> split_contacts(const std::string& value) {
  std::vector<std::string> out;
  std::string current;
  bool angle = false, quote = false;
  for (char c : value) {
    if (c == '"' && !angle) quote = !quote;
    if (c == '<' && !quote) angle = true;
    if (c == '>' && !quote) angle = false;
    if (c == ',' && !angle && !quote) {
      if (!trim(current).empty()) out.push_back(trim(current));
      current.clear();
    } else {
      current += c;
    }
  }
  if (!trim(current).empty()) out.push_back(trim(current));
  return out;
}

std::string uri_of(const std::string& contact) {
  auto b = contact.find('<'), e = contact.find('>');
  if (b == std::string::npos || e == std::string::npos || e < b) {
    auto semi = contact.find(';');
    return trim(contact.substr(0, semi));
  }
  return contact.substr(b + 1, e - b - 1);
}

int expires_param(const std::string& contact) {
  auto e = contact.find('>');
  std::string params = e == std::string::npos ? contact : contact.substr(e + 1);
  std::string lower;
  for (char c : params) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto p = lower.find("expires=");
  if (p == std::string::npos) return -1;
  return to_int(params.substr(p + 8), -1);
}

CarrierRequest request_from(const std::map<std::string, std::string>& f) {
  auto get = [&](const char* k) {
    auto it = f.find(k);
    return it == f.end() ? std::string() : it->second;
  };
  CarrierRequest r;
  r.method = get("m");
  r.call_id = get("ci");
  r.cseq = static_cast<unsigned>(to_int(get("cs"), 0));
  r.request_uri = get("ru");
  r.from = get("f");
  r.to = get("t");
  r.from_uri = get("fu");
  r.to_uri = get("tu");
  r.contact = get("ct");
  r.expires_header = get("ex");
  r.source = get("si") + ":" + get("sp");
  r.transport = get("pr");
  r.user_agent = get("ua");
  r.time = std::strtod(get("tv").c_str(), nullptr);
  r.has_credentials = get("cr") == "1";
  r.auth_user = get("au");
  auto contacts = split_contacts(r.contact);
  if (!contacts.empty()) r.expires = expires_param(contacts.front());
  if (r.expires < 0 && !r.expires_header.empty()) r.expires = to_int(trim(r.expires_header), -1);
  return r;
}

// The latest request with this Call-ID, CSeq number and method.
CarrierRequest* find_request(std::vector<CarrierRequest>& requests, const std::map<std::string, std::string>& f) {
  auto get = [&](const char* k) {
    auto it = f.find(k);
    return it == f.end() ? std::string() : it->second;
  };
  unsigned cseq = static_cast<unsigned>(to_int(get("cs"), 0));
  for (auto it = requests.rbegin(); it != requests.rend(); ++it)
    if (it->call_id == get("ci") && it->cseq == cseq && it->method == get("m")) return &*it;
  return nullptr;
}

// Sends one OPTIONS to ip:port over UDP; true when a 200 comes back within `wait`.
bool probe_options(const std::string& ip, int port, int attempt, std::chrono::milliseconds wait) {
  bool v6 = ip.find(':') != std::string::npos;
  int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_storage to{};
  socklen_t to_len = 0;
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&to);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<uint16_t>(port));
    ::inet_pton(AF_INET6, ip.c_str(), &a->sin6_addr);
    to_len = sizeof(*a);
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&to);
    a->sin_family = AF_INET;
    a->sin_port = htons(static_cast<uint16_t>(port));
    ::inet_pton(AF_INET, ip.c_str(), &a->sin_addr);
    to_len = sizeof(*a);
  }
  bool ok = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&to), to_len) == 0) {
    sockaddr_storage local{};
    socklen_t local_len = sizeof(local);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len);
    int local_port = ntohs(v6 ? reinterpret_cast<sockaddr_in6*>(&local)->sin6_port
                              : reinterpret_cast<sockaddr_in*>(&local)->sin_port);
    std::string host = v6 ? "[" + ip + "]" : ip;
    std::string call_id = kProbeCallId + std::to_string(::getpid()) + "-" + std::to_string(attempt);
    std::string local_host = v6 ? "[::1]" : "127.0.0.1";
    std::ostringstream m;
    m << "OPTIONS sip:" << host << ":" << port << " SIP/2.0\r\n"
      << "Via: SIP/2.0/UDP " << local_host << ":" << local_port << ";branch=z9hG4bK-" << call_id << ";rport\r\n"
      << "Max-Forwards: 70\r\n"
      << "From: <sip:probe@" << local_host << ">;tag=probe\r\n"
      << "To: <sip:" << host << ":" << port << ">\r\n"
      << "Call-ID: " << call_id << "\r\n"
      << "CSeq: 1 OPTIONS\r\n"
      << "Content-Length: 0\r\n\r\n";
    std::string msg = m.str();
    if (::send(fd, msg.data(), msg.size(), 0) == static_cast<ssize_t>(msg.size())) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(wait.count())) > 0) {
        char buf[4096];
        ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
        ok = n > 12 && std::string(buf, static_cast<std::size_t>(n)).rfind("SIP/2.0 200", 0) == 0;
      }
    }
  }
  ::close(fd);
  return ok;
}

std::string tail_lines(const std::string& text, std::size_t count) {
  std::size_t pos = text.size();
  for (std::size_t n = 0; n <= count && pos > 0; ++n) {
    pos = text.rfind('\n', pos - 1);
    if (pos == std::string::npos) return text;
  }
  return text.substr(pos + 1);
}

}  // namespace

int CarrierRequest::final_response() const {
  for (auto it = responses.rbegin(); it != responses.rend(); ++it)
    if (*it >= 200) return *it;
  return 0;
}

int CarrierRequest::granted_expires() const {
  auto bindings = split_contacts(final_contact);
  if (bindings.empty()) return -1;
  auto mine = split_contacts(contact);
  if (!mine.empty()) {
    std::string uri = uri_of(mine.front());
    for (const auto& b : bindings)
      if (uri_of(b) == uri) return expires_param(b);
  }
  return expires_param(bindings.front());
}

std::string CarrierRequest::describe() const {
  std::ostringstream out;
  out << method << " " << request_uri << " from " << source << "/" << transport << " Call-ID " << call_id << " CSeq "
      << cseq;
  if (!contact.empty()) out << " Contact " << contact;
  if (expires >= 0) out << " expires " << expires;
  out << (has_credentials ? " with credentials (" + auth_user + ")" : " no credentials");
  if (auth_checked) out << (auth_passed ? " auth ok" : " auth FAILED rc=" + std::to_string(auth_result));
  out << " ->";
  for (int code : responses) out << " " << code;
  if (responses.empty()) out << " (no response)";
  return out.str();
}

KamailioCarrier::KamailioCarrier(KamailioCarrierOptions options)
    : options_(std::move(options)), dir_("kamailio-carrier") {
  kamailio_ = program("SIPEDGE_KAMAILIO", "/usr/sbin/kamailio");
  kamcmd_ = program("SIPEDGE_KAMCMD", "/usr/sbin/kamcmd");
  if (::access(kamailio_.c_str(), X_OK) != 0)
    throw std::runtime_error("kamailio is not installed (" + kamailio_ +
                             " is not executable): run scripts/install-deps (Debian package `kamailio`) "
                             "or set SIPEDGE_KAMAILIO");
  port_ = options_.port > 0 ? options_.port : free_port(true);
  dir_.write("kamailio.cfg", kamailio_carrier_config(options_, port_, dir_.path() + "/kamailio_ctl"));

  ChildOptions child;
  child.argv = {kamailio_, "-DD", "-E", "-f", config_path(), "-w", dir_.path(), "-Y", dir_.path(),
                "-P", dir_.path() + "/kamailio.pid", "-m", "32", "-M", "8"};
  child.output_file = dir_.path() + "/kamailio.log";
  child.working_dir = dir_.path();
  process_ = std::make_unique<ChildProcess>(child);
  try {
    wait_ready();
  } catch (...) {
    process_->terminate(std::chrono::seconds(2));
    throw;
  }
}

KamailioCarrier::~KamailioCarrier() {
  if (::testing::Test::HasFailure()) {
    std::cerr << "--- kamailio carrier " << address() << " (" << dir_.path() << ") ---\n" << describe() << "\n";
  }
  // Kamailio normally stops within ~10 ms of SIGTERM, but now and then its
  // main process waits on a child that does not exit; it keeps no state, so
  // the group is killed after a short grace.
  if (process_) process_->terminate(std::chrono::milliseconds(500));
}

void KamailioCarrier::wait_ready() {
  auto deadline = Clock::now() + options_.start_timeout;
  for (int attempt = 1;; ++attempt) {
    if (auto code = process_->exit_code())
      throw std::runtime_error("kamailio exited with " + std::to_string(*code) + " while starting (config " +
                               config_path() + "):\n" + tail_lines(log(), 40));
    auto started = Clock::now();
    if (probe_options(options_.ip, port_, attempt, std::chrono::milliseconds(50))) return;
    if (Clock::now() > deadline)
      throw std::runtime_error("kamailio did not answer OPTIONS on " + address() + " within " +
                               std::to_string(options_.start_timeout.count()) + " ms:\n" + tail_lines(log(), 40));
    // Not listening yet (ICMP refused at once): probe again 20 ms later, not in a busy loop.
    std::this_thread::sleep_until(started + std::chrono::milliseconds(20));
  }
}

std::string KamailioCarrier::address() const {
  std::string host = options_.ip.find(':') != std::string::npos ? "[" + options_.ip + "]" : options_.ip;
  return host + ":" + std::to_string(port_);
}

std::string KamailioCarrier::uri() const { return "sip:" + address(); }

std::string KamailioCarrier::config_path() const { return dir_.path() + "/kamailio.cfg"; }

std::string KamailioCarrier::log() const { return read_file(dir_.path() + "/kamailio.log"); }

void KamailioCarrier::poll_log() {
  std::ifstream in(dir_.path() + "/kamailio.log", std::ios::binary);
  if (!in) return;
  in.seekg(static_cast<std::streamoff>(log_offset_));
  std::ostringstream chunk;
  chunk << in.rdbuf();
  std::string data = chunk.str();
  log_offset_ += data.size();
  partial_line_ += data;
  std::size_t start = 0;
  for (std::size_t nl; (nl = partial_line_.find('\n', start)) != std::string::npos; start = nl + 1) {
    std::string line = partial_line_.substr(start, nl - start);
    auto m = line.find(kMarker);
    if (m == std::string::npos) continue;
    std::string rest = line.substr(m + sizeof(kMarker) - 1);
    auto bar = rest.find('|');
    std::string kind = rest.substr(0, bar);
    auto f = fields_of(bar == std::string::npos ? "" : rest.substr(bar + 1));
    if (f["ci"].rfind(kProbeCallId, 0) == 0) continue;
    if (kind == "req") {
      requests_.push_back(request_from(f));
    } else if (CarrierRequest* r = find_request(requests_, f)) {
      if (kind == "auth") {
        r->auth_checked = true;
        r->auth_result = to_int(f["rc"], 0);
        r->auth_passed = r->auth_result > 0;
        if (r->auth_user.empty()) r->auth_user = f["au"];
      } else if (kind == "rpl") {
        int code = to_int(f["rs"], 0);
        r->responses.push_back(code);
        if (code >= 200) r->final_contact = f["ct"];
      }
    }
  }
  partial_line_.erase(0, start);
}

std::vector<CarrierRequest> KamailioCarrier::requests() {
  std::lock_guard<std::mutex> lock(mutex_);
  poll_log();
  return requests_;
}

std::vector<CarrierRequest> KamailioCarrier::requests(const std::string& method) {
  std::vector<CarrierRequest> out;
  for (auto& r : requests())
    if (r.method == method) out.push_back(std::move(r));
  return out;
}

bool KamailioCarrier::wait_for(const std::function<bool(const std::vector<CarrierRequest>&)>& pred,
                               std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    if (pred(requests())) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string KamailioCarrier::describe() {
  std::ostringstream out;
  out << "carrier " << address() << " requests:\n";
  for (const auto& r : requests()) out << "  " << r.describe() << "\n";
  out << "--- tail of " << dir_.path() << "/kamailio.log ---\n" << tail_lines(log(), 30);
  return out.str();
}

std::string KamailioCarrier::kamcmd(const std::vector<std::string>& args) {
  ChildOptions child;
  child.argv = {kamcmd_, "-s", "unix:" + dir_.path() + "/kamailio_ctl"};
  child.argv.insert(child.argv.end(), args.begin(), args.end());
  RunResult run = run_program(child, std::chrono::seconds(10));
  if (run.exit_code != 0) {
    std::string cmd;
    for (const auto& a : child.argv) cmd += " " + a;
    throw std::runtime_error("kamcmd failed (exit " + std::to_string(run.exit_code) + "):" + cmd + "\n" + run.output);
  }
  return run.output;
}

std::vector<CarrierRegistration> KamailioCarrier::registrations() {
  std::istringstream in(kamcmd({"ul.dump"}));
  std::vector<CarrierRegistration> out;
  std::string aor;
  bool in_contact = false;
  bool active = true;
  CarrierRegistration current;
  for (std::string line; std::getline(in, line);) {
    line = trim(line);
    auto colon = line.find(": ");
    std::string key = colon == std::string::npos ? line : line.substr(0, colon);
    std::string value = colon == std::string::npos ? "" : line.substr(colon + 2);
    if (key == "AoR") {
      aor = value;
    } else if (line == "Contact: {") {
      in_contact = true;
      active = true;
      current = CarrierRegistration{};
      current.aor = aor;
    } else if (in_contact && line == "}") {
      in_contact = false;
      if (active) out.push_back(current);
    } else if (in_contact) {
      if (key == "Address") current.contact = value;
      else if (key == "Expires") {
        // seconds left, "permanent", or "expired"/"deleted" (not yet swept by the timer)
        if (value == "permanent") current.expires = 0;
        else {
          current.expires = to_int(value, -1);
          active = current.expires > 0;
        }
      } else if (key == "Call-ID") current.call_id = value;
      else if (key == "CSeq") current.cseq = static_cast<unsigned>(to_int(value, 0));
      else if (key == "User-Agent") current.user_agent = value;
      else if (key == "Socket") current.socket = value;
    }
  }
  return out;
}

void KamailioCarrier::set_password(const std::string& user, const std::string& password) {
  kamcmd({"htable.sets", "users", "s:" + user, "s:" + password});
}

void KamailioCarrier::remove_user(const std::string& user) { kamcmd({"htable.delete", "users", "s:" + user}); }

void KamailioCarrier::set_register_failure(const std::string& user, const CarrierFailure& failure) {
  kamcmd({"htable.sets", "fail", "s:" + user, "s:" + kamailio_carrier_fail_value(failure)});
}

void KamailioCarrier::clear_register_failure(const std::string& user) {
  kamcmd({"htable.delete", "fail", "s:" + user});
}

void KamailioCarrier::drop_registrations(const std::string& user) { kamcmd({"ul.rm", "location", "s:" + user}); }

}  // namespace sipedge::test
