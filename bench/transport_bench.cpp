// Transport benchmarks, in memory: bulk throughput of each cipher and MAC (the CPU time
// of the sealing side and of the opening side measured apart) and the CPU time of each
// key exchange method per side. bench/run.sh prints these next to `openssl speed`.
//
//   transport_bench [--bytes N] [--kex-rounds N] [--only throughput|kex]
// Output: one line per measurement, "name value unit", easy to parse.
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <skiff/transport.hpp>

#include "pair/pair_harness.hpp"
#include "transport/algorithms.hpp"

using namespace skiff;

namespace {

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Stopwatch {
  double total = 0;
  double started = 0;
  void start() { started = thread_cpu_seconds(); }
  void stop() { total += thread_cpu_seconds() - started; }
};

// Moves the client's output to the server without the harness, so that sealing (client
// send) and opening (server feed + poll) can be timed apart.
void throughput(const std::string& cipher, const std::string& mac, std::uint64_t bytes, std::size_t message) {
  test::Pair p(test::client_config("curve25519-sha256", "ssh-ed25519", cipher, mac),
               test::server_config("curve25519-sha256", "ssh-ed25519", cipher, mac));
  if (!p.handshake()) {
    std::printf("%s/%s FAILED handshake\n", cipher.c_str(), mac.c_str());
    return;
  }
  Bytes msg(message + 9);
  msg[0] = 94;  // CHANNEL_DATA-shaped: byte, uint32 channel, string data
  Stopwatch seal, open;
  std::uint64_t sent = 0, got = 0;
  while (sent < bytes) {
    seal.start();
    for (int i = 0; i < 16 && sent < bytes; ++i) {
      (void)p.client.send(msg);
      sent += message;
    }
    seal.stop();
    ByteView out = p.client.pending_output();
    open.start();
    p.server.feed(out, p.now);
    while (auto ev = p.server.poll_event()) {
      if (auto* pk = std::get_if<event::Packet>(&*ev)) got += pk->payload.size() - 9;
    }
    open.stop();
    p.client.consume_output(out.size());
  }
  const double mb = static_cast<double>(sent) / 1e6;
  std::string name = cipher + (cipher.find("gcm") != std::string::npos || cipher.find("chacha") != std::string::npos
                                   ? std::string()
                                   : "+" + mac);
  if (got != sent) std::printf("%s MISMATCH sent %llu got %llu\n", name.c_str(), (unsigned long long)sent,
                               (unsigned long long)got);
  std::printf("throughput %s seal %.0f MB/s open %.0f MB/s both %.0f MB/s\n", name.c_str(), mb / seal.total,
              mb / open.total, mb / (seal.total + open.total));
}

void kex(const std::string& method, const std::string& host_key, int rounds) {
  Stopwatch client, server;
  int done = 0;
  for (int i = 0; i < rounds; ++i) {
    TransportConfig cc = test::client_config(method, host_key);
    TransportConfig sc = test::server_config(method, host_key);
    Transport c(cc), s(sc);
    TimePoint now{};
    client.start();
    c.start(now);
    client.stop();
    server.start();
    s.start(now);
    server.stop();
    bool finished_c = false, finished_s = false, failed = false;
    for (int step = 0; step < 100 && !(finished_c && finished_s) && !failed; ++step) {
      ByteView co = c.pending_output();
      Bytes c2s(co.begin(), co.end());
      c.consume_output(co.size());
      ByteView so = s.pending_output();
      Bytes s2c(so.begin(), so.end());
      s.consume_output(so.size());
      server.start();
      s.feed(c2s, now);
      while (auto ev = s.poll_event()) {
        if (std::holds_alternative<event::KexComplete>(*ev)) finished_s = true;
        if (std::holds_alternative<event::Disconnected>(*ev)) failed = true;
      }
      server.stop();
      client.start();
      c.feed(s2c, now);
      while (auto ev = c.poll_event()) {
        if (std::holds_alternative<event::HostKeyCheck>(*ev)) c.accept_host_key();
        if (std::holds_alternative<event::KexComplete>(*ev)) finished_c = true;
        if (std::holds_alternative<event::Disconnected>(*ev)) failed = true;
      }
      client.stop();
    }
    if (finished_c && finished_s) ++done;
  }
  if (done != rounds) std::printf("kex %s FAILED %d/%d\n", method.c_str(), done, rounds);
  std::printf("kex %s hostkey %s client %.3f ms server %.3f ms\n", method.c_str(), host_key.c_str(),
              client.total * 1e3 / rounds, server.total * 1e3 / rounds);
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t bytes = 512ULL << 20;
  int rounds = 50;
  std::string only;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--bytes")) bytes = std::strtoull(argv[i + 1], nullptr, 10);
    if (!std::strcmp(argv[i], "--kex-rounds")) rounds = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--only")) only = argv[i + 1];
  }
  (void)test::shared_host_keys();
  if (only.empty() || only == "throughput") {
    for (const auto& c : transport::supported_algorithms(transport::AlgorithmKind::cipher)) {
      if (c.find("gcm") != std::string::npos || c.find("chacha") != std::string::npos) {
        throughput(c, "hmac-sha2-256", bytes, 32 * 1024);
        continue;
      }
      for (const auto& m : transport::default_algorithms(transport::AlgorithmKind::mac)) throughput(c, m, bytes, 32 * 1024);
    }
  }
  if (only.empty() || only == "kex") {
    for (const auto& k : transport::supported_algorithms(transport::AlgorithmKind::kex)) {
      int n = k.find("group18") != std::string::npos || k.find("group16") != std::string::npos ||
                      k.find("exchange") != std::string::npos
                  ? std::max(1, rounds / 10)
                  : rounds;
      kex(k, "ssh-ed25519", n);
    }
  }
  return 0;
}
