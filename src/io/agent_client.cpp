// skiff::AgentClient: the agent protocol's client messages (src/agent/messages.hpp) over
// an Asio Unix stream socket, one request and its reply at a time.
#include <skiff/agent.hpp>

#include <cerrno>
#include <cstdlib>

#include <asio/buffer.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/read.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "agent/messages.hpp"
#include "crypto/secure.hpp"
#include "keys/key_handle.hpp"
#include "wire/limits.hpp"
#include "wire/reader.hpp"

namespace skiff {

namespace {

// The signature blob's algorithm name, to check that the agent signed with the hash asked for.
std::optional<std::string_view> blob_algorithm(const std::vector<std::uint8_t>& blob) {
  wire::Reader r(blob);
  auto name = r.text(limits::kMaxAlgorithmNameLength);
  if (!name) return std::nullopt;
  return *name;
}

}  // namespace

struct AgentClient::Impl {
  explicit Impl(asio::any_io_executor ex) : socket(std::move(ex)) {}
  asio::local::stream_protocol::socket socket;
  crypto::SecureBytes reply;  // may echo nothing secret, but requests' buffers do

  // Sends a framed request and reads the reply (type byte first, without its length).
  template <class Buffer>
  asio::awaitable<Result<wire::ByteView>> transact(const Buffer& request) {
    if (!socket.is_open()) co_return fail(Errc::invalid_argument, "not connected to an agent");
    std::error_code ec;
    co_await asio::async_write(socket, asio::buffer(request.data(), request.size()),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return broken("write to the agent: " + ec.message());
    std::uint8_t head[4];
    co_await asio::async_read(socket, asio::buffer(head), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return broken(ec == asio::error::eof ? std::string("the agent closed the connection")
                                                    : "read from the agent: " + ec.message());
    const std::uint32_t len = wire::get_u32(head);
    if (len == 0 || len > limits::kMaxAgentMessage) {
      co_return broken("agent reply of " + std::to_string(len) + " bytes refused");
    }
    reply.assign(len, 0);
    co_await asio::async_read(socket, asio::buffer(reply.data(), reply.size()),
                              asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return broken("read from the agent: " + ec.message());
    co_return wire::ByteView(reply.data(), reply.size());
  }

  std::unexpected<Error> broken(std::string why) {
    std::error_code ignored;
    socket.close(ignored);
    return std::unexpected(Error{Errc::disconnected, std::move(why)});
  }

  template <class Buffer>
  asio::awaitable<Result<void>> status_request(const Buffer& request) {
    auto r = co_await transact(request);
    if (!r) co_return std::unexpected(r.error());
    co_return agent::decode_status(*r);
  }
};

AgentClient::AgentClient(asio::any_io_executor executor) : impl_(std::make_unique<Impl>(std::move(executor))) {}
AgentClient::~AgentClient() = default;
AgentClient::AgentClient(AgentClient&&) noexcept = default;
AgentClient& AgentClient::operator=(AgentClient&&) noexcept = default;

std::optional<std::string> AgentClient::default_socket_path() {
  const char* p = std::getenv("SSH_AUTH_SOCK");
  if (p == nullptr || *p == '\0') return std::nullopt;
  return std::string(p);
}

asio::awaitable<Result<void>> AgentClient::connect(const std::string& socket_path) {
  close();
  std::error_code ec;
  co_await impl_->socket.async_connect(asio::local::stream_protocol::endpoint(socket_path),
                                       asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    std::error_code ignored;
    impl_->socket.close(ignored);
    // Asio's own system category does not map to std::errc: compare the errno values.
    const bool absent = ec.value() == ENOENT || ec.value() == ECONNREFUSED;
    co_return fail(absent ? Errc::not_found : Errc::io_error, "connect to agent " + socket_path + ": " + ec.message());
  }
  co_return Result<void>{};
}

bool AgentClient::is_open() const noexcept { return impl_ && impl_->socket.is_open(); }

void AgentClient::close() noexcept {
  std::error_code ignored;
  if (impl_) impl_->socket.close(ignored);
}

asio::awaitable<Result<std::vector<AgentIdentity>>> AgentClient::list() {
  const wire::Bytes request = agent::encode_request_identities();
  auto r = co_await impl_->transact(request);
  if (!r) co_return std::unexpected(r.error());
  auto ids = agent::decode_identities_answer(*r);
  if (!ids) co_return std::unexpected(ids.error());
  std::vector<AgentIdentity> out;
  out.reserve(ids->size());
  for (auto& id : *ids) {
    AgentIdentity a{std::move(id.key_blob), std::move(id.comment), std::nullopt};
    if (auto k = PublicKey::from_blob(a.blob)) {
      a.key = PublicKey(std::make_shared<const PublicKey::Impl>(PublicKey::Impl{k->impl().key, a.comment}));
    }
    out.push_back(std::move(a));
  }
  co_return out;
}

asio::awaitable<Result<std::vector<std::uint8_t>>> AgentClient::sign(const std::vector<std::uint8_t>& key_blob,
                                                                     const std::vector<std::uint8_t>& data,
                                                                     const std::string& algorithm) {
  const wire::Bytes request = agent::encode_sign_request(key_blob, data, agent::flags_for_algorithm(algorithm));
  if (request.size() - 4 > limits::kMaxAgentMessage) co_return fail(Errc::too_large, "data too large to sign");
  auto r = co_await impl_->transact(request);
  if (!r) co_return std::unexpected(r.error());
  auto sig = agent::decode_sign_response(*r);
  if (!sig) co_return std::unexpected(sig.error());
  // As ssh: an agent that ignored the flags (signed RSA with SHA-1, say) is refused.
  if (blob_algorithm(*sig) != std::optional<std::string_view>(algorithm)) {
    co_return fail(Errc::signature_invalid, "the agent signed with another algorithm than " + algorithm);
  }
  co_return std::move(*sig);
}

asio::awaitable<Result<void>> AgentClient::add(const PrivateKey& key, const std::string& comment,
                                               const AgentConstraints& constraints) {
  agent::Constraints c;
  if (constraints.lifetime) {
    const auto secs = constraints.lifetime->count();
    if (secs <= 0 || secs > 0xffffffffLL) co_return fail(Errc::invalid_argument, "lifetime out of range");
    c.lifetime_seconds = static_cast<std::uint32_t>(secs);
  }
  c.confirm = constraints.confirm;
  const crypto::SecureBytes request = agent::encode_add_identity(key.impl().key, comment, c);
  if (request.size() - 4 > limits::kMaxAgentMessage) co_return fail(Errc::too_large, "key message too large");
  co_return co_await impl_->status_request(request);
}

asio::awaitable<Result<void>> AgentClient::remove(const std::vector<std::uint8_t>& key_blob) {
  const wire::Bytes request = agent::encode_remove_identity(key_blob);
  co_return co_await impl_->status_request(request);
}

asio::awaitable<Result<void>> AgentClient::remove_all() {
  const wire::Bytes request = agent::encode_remove_all_identities();
  co_return co_await impl_->status_request(request);
}

asio::awaitable<Result<void>> AgentClient::lock(const Secret& passphrase) {
  const crypto::SecureBytes request = agent::encode_lock(passphrase, true);
  co_return co_await impl_->status_request(request);
}

asio::awaitable<Result<void>> AgentClient::unlock(const Secret& passphrase) {
  const crypto::SecureBytes request = agent::encode_lock(passphrase, false);
  co_return co_await impl_->status_request(request);
}

}  // namespace skiff
