#include "pair/pair_harness.hpp"

#include <algorithm>

#include "transport/algorithms.hpp"

namespace skiff::test {

const std::vector<PrivateKey>& shared_host_keys() {
  static const std::vector<PrivateKey> keys = [] {
    std::vector<PrivateKey> v;
    for (KeyType t : {KeyType::ed25519, KeyType::ecdsa_p256, KeyType::ecdsa_p384, KeyType::ecdsa_p521}) {
      v.push_back(PrivateKey::generate(t).value());
    }
    v.push_back(PrivateKey::generate(KeyType::rsa, 2048).value());
    return v;
  }();
  return keys;
}

namespace {

void restrict_lists(TransportConfig& c, const std::string& kex, const std::string& host_key,
                    const std::string& cipher, const std::string& mac) {
  if (!kex.empty()) c.kex_algorithms = {kex};
  if (!host_key.empty()) c.host_key_algorithms = {host_key};
  if (!cipher.empty()) c.ciphers = {cipher};
  if (!mac.empty()) c.macs = {mac};
}

}  // namespace

TransportConfig client_config(std::string kex, std::string host_key, std::string cipher, std::string mac) {
  TransportConfig c;
  c.role = Role::client;
  restrict_lists(c, kex, host_key, cipher, mac);
  return c;
}

TransportConfig server_config(std::string kex, std::string host_key, std::string cipher, std::string mac) {
  TransportConfig c;
  c.role = Role::server;
  c.host_keys = shared_host_keys();
  restrict_lists(c, kex, host_key, cipher, mac);
  return c;
}

Pair::Pair(TransportConfig client_config, TransportConfig server_config)
    : client(std::move(client_config)), server(std::move(server_config)) {
  client.start(now);
  server.start(now);
}

bool Pair::move(Transport& from, Transport& to, int direction) {
  if (eof_[direction]) return false;
  ByteView out = from.pending_output();
  if (out.empty()) {
    if (from.closed()) {
      eof_[direction] = true;
      to.feed_eof(now);
      return true;
    }
    return false;
  }
  std::size_t n = std::min(out.size(), chunk);
  Bytes bytes(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n));
  from.consume_output(n);
  bool keep = true;
  if (tamper_) keep = tamper_(direction, bytes, offset_[direction]);
  offset_[direction] += n;
  if (!keep) {
    eof_[direction] = true;
    to.feed_eof(now);
    return true;
  }
  to.feed(bytes, now);
  return true;
}

bool Pair::drain_events(Transport& t, SideLog& log, bool is_client) {
  bool any = false;
  while (auto ev = t.poll_event()) {
    any = true;
    std::visit(
        [&](auto& e) {
          using E = std::decay_t<decltype(e)>;
          if constexpr (std::is_same_v<E, event::Packet>) {
            auto& cb = is_client ? on_client_packet : on_server_packet;
            if (cb) {
              cb(e.payload);
            } else {
              log.packets.emplace_back(e.payload.begin(), e.payload.end());
            }
          } else if constexpr (std::is_same_v<E, event::Disconnected>) {
            log.disconnected = e;
          } else if constexpr (std::is_same_v<E, event::KexComplete>) {
            ++log.kex_completed;
          } else if constexpr (std::is_same_v<E, event::HostKeyCheck>) {
            log.host_key = e;
            if (accept_host_keys) {
              t.accept_host_key();
            } else {
              t.reject_host_key("rejected by test");
            }
          } else if constexpr (std::is_same_v<E, event::ServiceAccepted> ||
                               std::is_same_v<E, event::ServiceRequested>) {
            log.service_ready = true;
          } else if constexpr (std::is_same_v<E, event::Debug>) {
            log.debug.push_back(e.message);
          }
        },
        *ev);
  }
  return any;
}

bool Pair::pump(int max_rounds) {
  for (int i = 0; i < max_rounds; ++i) {
    bool progress = false;
    progress |= drain_events(client, client_log, true);
    progress |= drain_events(server, server_log, false);
    progress |= move(client, server, 0);
    progress |= move(server, client, 1);
    if (!progress) break;
  }
  return !client_log.disconnected && !server_log.disconnected;
}

bool Pair::handshake() {
  client.request_service("ssh-userauth");
  return pump() && client_log.service_ready && server_log.service_ready;
}

}  // namespace skiff::test
