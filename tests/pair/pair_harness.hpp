// An in-memory client and server connected back to back on a virtual clock. Bytes
// move between the two transports through an optional tamper hook, so tests can flip,
// drop or truncate them.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <skiff/transport.hpp>

namespace skiff::test {

// Host keys are slow to make (RSA); tests share one set.
const std::vector<PrivateKey>& shared_host_keys();

struct SideLog {
  std::vector<Bytes> packets;  // upper-layer payloads received
  std::optional<event::Disconnected> disconnected;
  std::uint64_t kex_completed = 0;
  bool service_ready = false;
  std::optional<event::HostKeyCheck> host_key;
  std::vector<std::string> debug;
};

class Pair {
 public:
  Pair(TransportConfig client_config, TransportConfig server_config);

  // Tamper hook: called with (direction: 0 client->server, 1 server->client, the bytes
  // about to be delivered, offset of those bytes in that direction's stream). It may
  // change the bytes; returning false ends that direction's stream (EOF).
  using Tamper = std::function<bool(int direction, Bytes& bytes, std::uint64_t stream_offset)>;
  void set_tamper(Tamper t) { tamper_ = std::move(t); }

  // Moves bytes and events until nothing changes. Returns false if a side disconnected.
  bool pump(int max_rounds = 1000000);
  // Runs the handshake and the ssh-userauth service request.
  bool handshake();

  Transport client, server;
  SideLog client_log, server_log;
  TimePoint now{};
  bool accept_host_keys = true;
  // Deliver at most this many bytes per hop, to exercise partial packets.
  std::size_t chunk = 1 << 20;
  // If set, upper-layer packets are not stored, only hashed into these callbacks.
  std::function<void(ByteView)> on_client_packet, on_server_packet;

 private:
  bool move(Transport& from, Transport& to, int direction);
  bool drain_events(Transport& t, SideLog& log, bool is_client);

  Tamper tamper_;
  std::uint64_t offset_[2] = {0, 0};
  bool eof_[2] = {false, false};
};

TransportConfig client_config(std::string kex = {}, std::string host_key = {}, std::string cipher = {},
                              std::string mac = {});
TransportConfig server_config(std::string kex = {}, std::string host_key = {}, std::string cipher = {},
                              std::string mac = {});

}  // namespace skiff::test
