// A client of an SSH agent (ssh-agent, skiff-agent) on its Unix socket: list the keys it
// holds, have it sign, add and remove keys, lock it.
//
//   skiff::AgentClient agent(co_await asio::this_coro::executor);
//   const std::string path = skiff::AgentClient::default_socket_path().value_or("");
//   if (auto ok = co_await agent.connect(path); !ok) ...;
//   auto keys = co_await agent.list();
//   auto sig = co_await agent.sign((*keys)[0].blob, data, alg);  // alg: "rsa-sha2-512", ...
//
// A failure the agent reports (it refused the operation: unknown key, locked, refused
// confirmation) is Errc::protocol_error "agent refused operation"; a broken or closed
// socket is Errc::io_error or Errc::disconnected, after which the client is closed.
// One request at a time: do not start a call before the previous one has returned.
// Keep the arguments alive until the call returns (they are taken by reference).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>

#include <skiff/error.hpp>
#include <skiff/key.hpp>
#include <skiff/secret.hpp>

namespace skiff {

struct AgentIdentity {
  std::vector<std::uint8_t> blob;  // the public key blob, as the agent sent it
  std::string comment;
  // The key, when skiff knows its type (not for certificates or security keys).
  std::optional<PublicKey> key;
};

struct AgentConstraints {
  std::optional<std::chrono::seconds> lifetime;  // the agent forgets the key after this
  bool confirm = false;                          // the agent asks the user before each use
};

class AgentClient {
 public:
  explicit AgentClient(asio::any_io_executor executor);
  ~AgentClient();
  AgentClient(AgentClient&&) noexcept;
  AgentClient& operator=(AgentClient&&) noexcept;

  // $SSH_AUTH_SOCK, or nullopt when it is unset or empty.
  static std::optional<std::string> default_socket_path();

  // Errc::not_found when nothing listens at path (ENOENT, ECONNREFUSED), Errc::io_error
  // otherwise.
  asio::awaitable<Result<void>> connect(const std::string& socket_path);
  bool is_open() const noexcept;
  void close() noexcept;

  asio::awaitable<Result<std::vector<AgentIdentity>>> list();
  // An SSH signature blob over data. algorithm picks the RSA hash ("rsa-sha2-256",
  // "rsa-sha2-512"; "ssh-rsa" is SHA-1) and must be the key type's name for other keys;
  // the blob the agent returns must carry that algorithm (Errc::signature_invalid if not).
  asio::awaitable<Result<std::vector<std::uint8_t>>> sign(const std::vector<std::uint8_t>& key_blob,
                                                          const std::vector<std::uint8_t>& data,
                                                          const std::string& algorithm);
  asio::awaitable<Result<void>> add(const PrivateKey& key, const std::string& comment,
                                    const AgentConstraints& constraints);
  asio::awaitable<Result<void>> remove(const std::vector<std::uint8_t>& key_blob);
  asio::awaitable<Result<void>> remove_all();
  asio::awaitable<Result<void>> lock(const Secret& passphrase);
  asio::awaitable<Result<void>> unlock(const Secret& passphrase);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace skiff
