// skiff::Client: an endpoint::ClientConnection driven by CoreBase, with the application's
// callbacks answering the host key check and the authentication prompts.
#include <skiff/client.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/this_coro.hpp>

#include "io/convert.hpp"
#include "io/core.hpp"
#include "transport/messages.hpp"

namespace skiff {

namespace {

endpoint::ClientConfig make_config(const ClientOptions& o) {
  endpoint::ClientConfig c;
  c.transport = o.transport;
  c.transport.role = Role::client;
  c.auth.user = o.user;
  c.auth.methods = o.methods;
  for (const auto& id : o.identities) c.auth.identities.push_back({id.public_key, id.private_key});
  c.auth.pubkey_accepted_algorithms = o.pubkey_accepted_algorithms;
  c.auth.number_of_password_prompts = o.number_of_password_prompts;
  return c;
}

}  // namespace

struct Client::Impl final : io::CoreBase {
  Impl(asio::any_io_executor ex, std::unique_ptr<Stream> stream, ClientOptions o)
      : CoreBase(ex, std::move(stream)), options(std::move(o)), connection(make_config(options)) {
    info.peer = peer();
  }

  endpoint::ConnectionBase& conn() override { return connection; }

  ClientOptions options;
  endpoint::ClientConnection connection;
  ClientInfo info;
  bool authenticated = false;

 protected:
  void start_conn(TimePoint now) override { connection.start(now); }
  std::span<std::uint8_t> input_space_conn(std::size_t at_least) override { return connection.input_space(at_least); }
  void commit_conn(std::size_t n, TimePoint now) override { connection.commit_input(n, now); }
  void feed_eof_conn(TimePoint now) override { connection.feed_eof(now); }
  std::optional<TimePoint> conn_deadline() const override { return connection.next_deadline(); }
  void on_timer_conn(TimePoint now) override { connection.on_timer(now); }
  std::chrono::seconds alive_interval() const override { return options.server_alive_interval; }
  unsigned alive_count_max() const override { return options.server_alive_count_max; }
  std::string alive_timeout_message() const override {
    return "Timeout, server " + (options.host_name.empty() ? peer() : options.host_name) + " not responding.";
  }

  void on_open_requested(connection::event::OpenRequested& ev) override {
    auto body = io::to_public(ev.body);
    if (!body || !options.channel_open) {
      // A server has no business opening sessions or unknown types to a client; without a
      // hook nothing it opens was asked for.
      (void)connection.reject(ev.channel, connection::open_failure::kAdministrativelyProhibited, "open failed");
      return;
    }
    auto in = std::make_shared<IncomingChannel::Impl>(shared_from_this(), ev.channel, std::move(*body), nullptr);
    spawn([in](std::shared_ptr<Impl> self) -> asio::awaitable<void> {
      IncomingChannel request(in);
      co_await self->options.channel_open(request);
    });
  }

  void on_request(Channel::Impl& ch, connection::event::Request& ev) override {
    if (auto* s = std::get_if<connection::ExitStatusReq>(&ev.body)) {
      ch.exit.code = s->status;
    } else if (auto* sig = std::get_if<connection::ExitSignalReq>(&ev.body)) {
      ch.exit.signal = sig->name;
      ch.exit.core_dumped = sig->core_dumped;
      ch.exit.message = sig->message;
    }
    if (ev.want_reply) (void)connection.reply(ch.id, false);
  }

  void poll_events() override {
    while (auto ev = connection.poll_event()) {
      std::visit([this](auto& e) { handle(e); }, *ev);
    }
  }

 private:
  void handle(endpoint::event::HostKeyCheck& e) {
    auto key = PublicKey::from_blob(e.host_key_blob);
    if (!key) {
      fail_host_key(key.error());
      return;
    }
    info.host_key = HostKey{*key, e.algorithm};
    spawn([](std::shared_ptr<Impl> self) -> asio::awaitable<void> {
      auto verdict = co_await self->options.check_host_key(*self->info.host_key);
      if (self->connection.closed()) co_return;
      if (verdict) {
        self->connection.accept_host_key();
        self->kick();
      } else {
        self->fail_host_key(verdict.error());
      }
    });
  }

  void fail_host_key(Error e) {
    if (e.code != Errc::host_key_rejected && e.code != Errc::invalid_argument) e.code = Errc::host_key_rejected;
    std::string msg = e.message;
    set_end(std::move(e));
    connection.reject_host_key(std::move(msg));
    kick();
  }

  void debug(const std::string& line) {
    if (options.debug) options.debug(line);
  }

  void handle(endpoint::event::TransportInfo& e) {
    if (auto* v = std::get_if<event::VersionReceived>(&e.event)) {
      info.peer_version = v->peer_version;
      // "SSH-2.0-softwareversion comments" -> "2.0" and "softwareversion comments".
      const std::string& line = v->peer_version;
      auto dash = line.find('-', 4);
      if (line.starts_with("SSH-") && dash != std::string::npos) {
        debug("Remote protocol version " + line.substr(4, dash - 4) + ", remote software version " +
              line.substr(dash + 1));
      }
    } else if (auto* k = std::get_if<event::KexComplete>(&e.event)) {
      info.algorithms = k->algorithms;
      const auto& a = k->algorithms;
      debug("kex: algorithm: " + a.kex);
      debug("kex: host key algorithm: " + a.host_key);
      debug("kex: server->client cipher: " + a.cipher_s2c + " MAC: " + a.mac_s2c + " compression: " + a.compression_s2c);
      debug("kex: client->server cipher: " + a.cipher_c2s + " MAC: " + a.mac_c2s + " compression: " + a.compression_c2s);
    } else if (auto* d = std::get_if<event::Debug>(&e.event)) {
      debug("Remote: " + d->message);
    } else if (auto* x = std::get_if<event::ExtInfo>(&e.event)) {
      for (const auto& [name, value] : x->extensions) {
        if (name == "server-sig-algs") debug("kex_input_ext_info: server-sig-algs=<" + std::string(value.begin(), value.end()) + ">");
      }
    }
  }

  void handle(endpoint::event::Channel& e) { on_channel_event(e.event); }

  void handle(endpoint::event::Disconnected& e) {
    Error err = e.error;
    if (e.by_peer && e.reason != 0) {
      // As ssh prints it: "Received disconnect from 192.0.2.1 port 22:2: Too many authentication failures".
      err.message = "Received disconnect from " + peer() + ":" + std::to_string(e.reason) + ": " + e.description;
      err.disconnect_reason = e.reason;
    }
    set_end(std::move(err));
  }

  void handle(endpoint::event::ClientAuth& e) {
    std::visit([this](auto& a) { on_auth(a); }, e.event);
  }

  void on_auth(auth::client_event::Banner& b) {
    if (options.banner) options.banner(b.message);
  }
  void on_auth(auth::client_event::PasswordNeeded& p) {
    if (!options.password) {
      (void)connection.skip_auth_method();
      return;
    }
    PasswordPrompt prompt{p.user, p.attempt};
    spawn([prompt](std::shared_ptr<Impl> self) -> asio::awaitable<void> {
      auto pw = co_await self->options.password(prompt);
      if (self->connection.closed()) co_return;
      if (pw) {
        (void)self->connection.provide_password(io::to_core(*pw));
      } else {
        (void)self->connection.skip_auth_method();
      }
      self->kick();
    });
  }
  void on_auth(auth::client_event::PasswordChangeNeeded& p) {
    if (!options.password_change) {
      (void)connection.skip_auth_method();
      return;
    }
    spawn([prompt = p.prompt](std::shared_ptr<Impl> self) -> asio::awaitable<void> {
      auto change = co_await self->options.password_change(prompt);
      if (self->connection.closed()) co_return;
      if (change) {
        (void)self->connection.provide_password_change(io::to_core(change->old_password),
                                                       io::to_core(change->new_password));
      } else {
        (void)self->connection.skip_auth_method();
      }
      self->kick();
    });
  }
  void on_auth(auth::client_event::InfoRequestReceived& r) {
    if (!options.keyboard_interactive) {
      (void)connection.skip_auth_method();
      return;
    }
    spawn([request = io::to_public(r.request)](std::shared_ptr<Impl> self) -> asio::awaitable<void> {
      auto answers = co_await self->options.keyboard_interactive(request);
      if (self->connection.closed()) co_return;
      if (answers && answers->size() == request.prompts.size()) {
        (void)self->connection.provide_responses(io::to_core(*answers));
      } else {
        (void)self->connection.skip_auth_method();
      }
      self->kick();
    });
  }
  void on_auth(auth::client_event::SignatureNeeded& s) {
    if (!options.sign) {
      (void)connection.skip_auth_method();
      return;
    }
    spawn([key = s.key, alg = s.algorithm, data = s.data](std::shared_ptr<Impl> self) -> asio::awaitable<void> {
      auto sig = co_await self->options.sign(key, alg, data);
      if (self->connection.closed()) co_return;
      if (sig) {
        (void)self->connection.provide_signature(std::move(*sig));
      } else {
        (void)self->connection.skip_auth_method();
      }
      self->kick();
    });
  }
  void on_auth(auth::client_event::PartialSuccess& p) {
    info.auth_methods.push_back(p.method);
    std::string list;
    for (const auto& m : p.methods_that_can_continue) list += (list.empty() ? "" : ",") + m;
    debug("Authenticated using \"" + p.method + "\" with partial success.");
    debug("Authentications that can continue: " + list);
  }
  void on_auth(auth::client_event::Authenticated& a) {
    debug("Authentication succeeded (" + a.method + ").");
    info.auth_methods.push_back(a.method);
    authenticated = true;
    state_changed().notify();
  }
  void on_auth(auth::client_event::Failed&) {
    // The connection has already sent DISCONNECT 14 with "Permission denied (...)." and
    // reports it as Disconnected next.
  }

  // Runs f(self) as a coroutine on the connection's executor. co_spawn keeps the callable
  // alive until its coroutine ends, so f's captures stay valid (an awaitable made by
  // calling f here would outlive f).
  template <class F>
  void spawn(F f) {
    auto self = std::static_pointer_cast<Impl>(shared_from_this());
    asio::co_spawn(
        executor(), [f = std::move(f), self = std::move(self)]() mutable { return f(self); }, asio::detached);
  }
};

Client::Client(std::shared_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&& other) noexcept {
  if (this != &other) {
    if (impl_) impl_->disconnect(transport::disconnect::kByApplication, "disconnected by user");
    impl_ = std::move(other.impl_);
  }
  return *this;
}
Client::~Client() {
  if (impl_) impl_->disconnect(transport::disconnect::kByApplication, "disconnected by user");
}

asio::awaitable<Result<Client>> Client::connect(std::string_view host, std::string_view port, ClientOptions options) {
  if (!options.check_host_key) co_return fail(Errc::invalid_argument, "no host key policy (check_host_key) set");
  if (options.host_name.empty()) options.host_name = host;
  std::string h(host), p(port);
  auto stream = co_await connect_tcp(h, p, {}, options.connect_timeout);
  if (!stream) co_return std::unexpected(stream.error());
  co_return co_await start(std::move(*stream), std::move(options));
}

asio::awaitable<Result<Client>> Client::start(std::unique_ptr<Stream> stream, ClientOptions options) {
  // Safe default: no verdict on the host key means no connection, before any byte is sent.
  if (!options.check_host_key) co_return fail(Errc::invalid_argument, "no host key policy (check_host_key) set");
  if (!stream) co_return fail(Errc::invalid_argument, "no stream");
  auto ex = co_await asio::this_coro::executor;
  auto impl = std::make_shared<Impl>(ex, std::move(stream), std::move(options));
  asio::co_spawn(
      ex, [impl]() -> asio::awaitable<void> { (void)co_await impl->run(); }, asio::detached);
  while (!impl->authenticated && !impl->closing()) co_await impl->state_changed().wait();
  if (!impl->authenticated) co_return std::unexpected(impl->end_error());
  co_return Client(std::move(impl));
}

asio::awaitable<Result<ClientSession>> Client::open_session() {
  auto impl = impl_;
  connection::OpenBody body = connection::SessionOpen{};
  auto ch = co_await impl->open_and_wait(std::move(body));
  if (!ch) co_return std::unexpected(ch.error());
  (*ch)->session = true;
  co_return ClientSession(std::move(*ch));
}

asio::awaitable<Result<Channel>> Client::open_channel(const ChannelOpenBody& body) {
  auto impl = impl_;
  connection::OpenBody core_body = io::to_core(body);
  auto ch = co_await impl->open_and_wait(std::move(core_body));
  if (!ch) co_return std::unexpected(ch.error());
  co_return Channel(std::move(*ch));
}

namespace {
// Waits for the answer to a global request with want-reply.
asio::awaitable<Result<Bytes>> global_answer(io::CoreBase& core, connection::GlobalRequestBody body) {
  auto w = core.global_request(std::move(body));
  if (!w) co_return std::unexpected(w.error());
  auto wait = *w;
  while (!wait->result) co_await core.state_changed().wait();
  co_return std::move(*wait->result);
}
}  // namespace

asio::awaitable<Result<std::uint32_t>> Client::request_tcpip_forward(std::string_view address, std::uint32_t port) {
  auto impl = impl_;
  connection::GlobalRequestBody body = connection::TcpipForward{std::string(address), port};
  auto data = co_await global_answer(*impl, std::move(body));
  if (!data) co_return std::unexpected(data.error());
  // RFC 4254 7.1: the allocated port follows only when port 0 was asked for.
  if (port == 0) {
    if (data->size() < 4) co_return fail(Errc::protocol_error, "tcpip-forward: no port in the server's answer");
    port = (std::uint32_t{(*data)[0]} << 24) | (std::uint32_t{(*data)[1]} << 16) | (std::uint32_t{(*data)[2]} << 8) |
           std::uint32_t{(*data)[3]};
  }
  co_return port;
}

asio::awaitable<Result<void>> Client::cancel_tcpip_forward(std::string_view address, std::uint32_t port) {
  auto impl = impl_;
  connection::GlobalRequestBody body = connection::CancelTcpipForward{std::string(address), port};
  auto data = co_await global_answer(*impl, std::move(body));
  if (!data) co_return std::unexpected(data.error());
  co_return Result<void>{};
}

asio::awaitable<Result<void>> Client::request_streamlocal_forward(std::string_view path) {
  auto impl = impl_;
  connection::GlobalRequestBody body = connection::StreamlocalForward{std::string(path)};
  auto data = co_await global_answer(*impl, std::move(body));
  if (!data) co_return std::unexpected(data.error());
  co_return Result<void>{};
}

asio::awaitable<Result<void>> Client::cancel_streamlocal_forward(std::string_view path) {
  auto impl = impl_;
  connection::GlobalRequestBody body = connection::CancelStreamlocalForward{std::string(path)};
  auto data = co_await global_answer(*impl, std::move(body));
  if (!data) co_return std::unexpected(data.error());
  co_return Result<void>{};
}

Result<void> Client::no_more_sessions() {
  if (impl_->closing()) return std::unexpected(impl_->end_error());
  auto r = impl_->conn().global_request(connection::NoMoreSessions{}, false);
  impl_->kick();
  return r;
}

ConnectionLink Client::link() const { return impl_->link(); }

asio::awaitable<Result<std::vector<std::uint8_t>>> Client::global_request(std::string_view name,
                                                                          std::span<const std::uint8_t> data) {
  auto impl = impl_;
  auto w = impl->global_request(connection::RawGlobalRequest{std::string(name), Bytes(data.begin(), data.end())});
  if (!w) co_return std::unexpected(w.error());
  auto wait = *w;
  while (!wait->result) co_await impl->state_changed().wait();
  co_return std::move(*wait->result);
}

void Client::disconnect(std::string description) {
  impl_->disconnect(transport::disconnect::kByApplication, std::move(description));
}

asio::awaitable<Error> Client::wait_closed() {
  auto impl = impl_;
  while (!impl->ended()) co_await impl->state_changed().wait();
  co_return impl->end_error();
}

bool Client::is_open() const noexcept { return impl_ && !impl_->closing(); }
const ClientInfo& Client::info() const noexcept { return impl_->info; }
std::uint64_t Client::bytes_sent() const noexcept { return impl_->bytes_sent(); }
std::uint64_t Client::bytes_received() const noexcept { return impl_->bytes_received(); }
void Client::rekey() {
  impl_->conn().transport().request_rekey();
  impl_->kick();
}

}  // namespace skiff
