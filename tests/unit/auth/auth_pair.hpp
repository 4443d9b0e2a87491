// ServerAuth and ClientAuth driven against each other in memory, with a fake clock and
// scripted applications on both sides. Each payload the server releases is recorded with
// the time it left, so that tests can compare answers and their timing.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "auth/client.hpp"
#include "auth/server.hpp"

namespace skiff::auth::testing {

inline std::string str(const SecretString& s) { return std::string(s.begin(), s.end()); }

struct Sent {
  Bytes payload;
  TimePoint at;
};

// The server's application: users with passwords and authorized keys. Unknown users are
// simply rejected, as the real server does.
struct ServerApp {
  std::map<std::string, std::string> passwords;
  std::map<std::string, std::vector<PublicKey>> keys;
  std::vector<std::string> kbd_prompts = {"Password: "};
  unsigned kbd_rounds = 1;  // INFO_REQUEST rounds before the verdict
  bool require_password_change = false;
  std::chrono::milliseconds decision_time{0};  // how long each check "takes"

  unsigned kbd_round = 0;
  std::vector<bool> pk_checks_verified;  // CheckPublicKey::verified, in order
};

struct ClientApp {
  std::vector<std::string> passwords;  // given in turn; skip() when used up
  std::string new_password = "changed";
  std::vector<std::string> responses = {"secret"};
  std::optional<PrivateKey> agent_key;  // signs SignatureNeeded
  std::size_t next_password = 0;
};

class AuthPair {
 public:
  AuthPair(ServerAuthConfig sc, ClientAuthConfig cc, std::vector<std::string> server_sig_algs = default_sig_algs(),
           Bytes session_id = Bytes(32, 0x5a))
      : server(std::move(sc), session_id, now), client(std::move(cc), session_id, std::move(server_sig_algs)) {}

  static std::vector<std::string> default_sig_algs() {
    return {"ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-256",
            "rsa-sha2-512"};
  }

  // Runs until nothing moves (short held answers are waited for; LoginGraceTime is not).
  void run() {
    client.start();
    for (int i = 0; i < 10000; ++i) {
      if (!step()) return;
    }
    ADD_FAILURE() << "authentication did not settle";
  }

  bool step() {
    bool moved = false;
    while (auto p = client.next_payload()) {
      moved = true;
      auto r = server.receive(*p, now);
      if (!r) server_error = r.error();
    }
    while (auto ev = server.poll_event()) {
      moved = true;
      server_events.push_back(*ev);
      answer_server(*ev);
    }
    while (auto p = server.next_payload()) {
      moved = true;
      server_sent.push_back({*p, now});
      if (disconnected) continue;
      auto r = client.receive(*p);
      if (!r) client_error = r.error();
    }
    while (auto ev = client.poll_event()) {
      moved = true;
      client_events.push_back(*ev);
      answer_client(*ev);
    }
    if (!moved) {
      auto d = server.next_deadline();
      if (d && *d - now < std::chrono::seconds(10)) {
        now = std::max(now, *d);
        server.on_timer(now);
        moved = true;
      }
    }
    return moved;
  }

  template <class E>
  std::vector<E> server_all() const {
    std::vector<E> out;
    for (const auto& e : server_events) {
      if (auto* p = std::get_if<E>(&e)) out.push_back(*p);
    }
    return out;
  }
  template <class E>
  std::vector<E> client_all() const {
    std::vector<E> out;
    for (const auto& e : client_events) {
      if (auto* p = std::get_if<E>(&e)) out.push_back(*p);
    }
    return out;
  }

  TimePoint now{};
  ServerAuth server;
  ClientAuth client;
  ServerApp sapp;
  ClientApp capp;
  std::vector<ServerAuthEvent> server_events;
  std::vector<ClientAuthEvent> client_events;
  std::vector<Sent> server_sent;
  std::optional<Error> server_error, client_error;
  bool disconnected = false;

 private:
  void answer_server(const ServerAuthEvent& ev) {
    namespace se = server_event;
    if (std::holds_alternative<se::Disconnect>(ev)) {
      disconnected = true;
      return;
    }
    if (std::holds_alternative<se::AttemptFailed>(ev) || std::holds_alternative<se::PartialSuccess>(ev) ||
        std::holds_alternative<se::Authenticated>(ev)) {
      return;
    }
    now += sapp.decision_time;
    Result<void> r;
    if (auto* pw = std::get_if<se::CheckPassword>(&ev)) {
      auto it = sapp.passwords.find(pw->user);
      bool ok = it != sapp.passwords.end() && it->second == str(pw->password);
      if (ok && sapp.require_password_change && !pw->new_password) {
        r = server.request_password_change("Password expired", now);
      } else {
        if (ok && pw->new_password) it->second = str(*pw->new_password);
        r = ok ? server.accept(now) : server.reject(now);
      }
    } else if (auto* pk = std::get_if<se::CheckPublicKey>(&ev)) {
      sapp.pk_checks_verified.push_back(pk->verified);
      auto it = sapp.keys.find(pk->user);
      bool ok = it != sapp.keys.end() && std::find(it->second.begin(), it->second.end(), pk->key) != it->second.end();
      r = ok ? server.accept(now) : server.reject(now);
    } else if (std::holds_alternative<se::KeyboardInteractiveStart>(ev)) {
      sapp.kbd_round = 0;
      r = send_prompts();
    } else if (auto* ans = std::get_if<se::KeyboardInteractiveAnswers>(&ev)) {
      if (++sapp.kbd_round < sapp.kbd_rounds) {
        r = send_prompts();
      } else {
        auto it = sapp.passwords.find(ans->user);
        bool ok = it != sapp.passwords.end() && ans->responses.size() == 1 && str(ans->responses[0]) == it->second;
        r = ok ? server.accept(now) : server.reject(now);
      }
    }
    EXPECT_TRUE(r) << r.error().to_string();
  }

  Result<void> send_prompts() {
    InfoRequest req{"skiff", "round " + std::to_string(sapp.kbd_round), "", {}};
    for (const auto& p : sapp.kbd_prompts) req.prompts.push_back({p, false});
    return server.send_info_request(std::move(req), now);
  }

  void answer_client(const ClientAuthEvent& ev) {
    namespace ce = client_event;
    Result<void> r;
    if (std::holds_alternative<ce::PasswordNeeded>(ev)) {
      if (capp.next_password < capp.passwords.size()) {
        const auto& p = capp.passwords[capp.next_password++];
        r = client.provide_password(SecretString(p.begin(), p.end()));
      } else {
        r = client.skip();
      }
    } else if (std::holds_alternative<ce::PasswordChangeNeeded>(ev)) {
      const auto& old = capp.passwords.at(capp.next_password - 1);
      r = client.provide_password_change(SecretString(old.begin(), old.end()),
                                         SecretString(capp.new_password.begin(), capp.new_password.end()));
    } else if (auto* info = std::get_if<ce::InfoRequestReceived>(&ev)) {
      std::vector<SecretString> out;
      for (std::size_t i = 0; i < info->request.prompts.size(); ++i) {
        const auto& s = capp.responses.at(i);
        out.emplace_back(s.begin(), s.end());
      }
      r = client.provide_responses(std::move(out));
    } else if (auto* sn = std::get_if<ce::SignatureNeeded>(&ev)) {
      if (capp.agent_key) {
        auto sig = capp.agent_key->sign(sn->algorithm, sn->data);
        r = sig ? client.provide_signature(*sig) : client.skip();
      } else {
        r = client.skip();
      }
    }
    EXPECT_TRUE(r) << r.error().to_string();
  }
};

}  // namespace skiff::auth::testing
