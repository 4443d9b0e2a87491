#include "agent/key_store.hpp"

#include <algorithm>
#include <string_view>
#include <type_traits>

#include "crypto/bcrypt_pbkdf.hpp"
#include "keys/fingerprint.hpp"
#include "keys/ssh_key.hpp"

namespace skiff::agent {

namespace {

// OpenSSH's lock: bcrypt_pbkdf with one round over a fresh 16-byte salt, 32 bytes kept.
constexpr std::size_t kLockSaltSize = 16;
constexpr std::size_t kLockHashSize = 32;
constexpr unsigned kLockRounds = 1;
constexpr unsigned kMaxUnlockFailures = 100;  // 100 * 0.1 s: the delay stops growing at 10 s

Outcome status(bool ok, std::string log) { return Outcome{encode_status(ok), std::nullopt, {}, std::move(log)}; }

Result<crypto::SecureBytes> lock_hash(const crypto::SecureBytes& passphrase, const crypto::SecureBytes& salt) {
  crypto::SecureBytes out(kLockHashSize);
  const std::string_view pw(reinterpret_cast<const char*>(passphrase.data()), passphrase.size());
  if (auto ok = crypto::bcrypt_pbkdf(pw, salt, kLockRounds, out); !ok) return std::unexpected(ok.error());
  return out;
}

std::string short_hex(std::uint8_t type) { return std::to_string(static_cast<unsigned>(type)); }

}  // namespace

KeyStore::Entry* KeyStore::find(wire::ByteView blob) {
  for (auto& e : keys_) {
    if (std::equal(e.blob.begin(), e.blob.end(), blob.begin(), blob.end())) return &e;
  }
  return nullptr;
}

void KeyStore::expire(Clock::time_point now) {
  std::erase_if(keys_, [now](const Entry& e) { return e.expires && *e.expires <= now; });
}

std::optional<Clock::time_point> KeyStore::next_deadline() const {
  std::optional<Clock::time_point> out;
  for (const auto& e : keys_) {
    if (e.expires && (!out || *e.expires < *out)) out = e.expires;
  }
  return out;
}

Outcome KeyStore::handle(wire::ByteView message, Clock::time_point now) {
  expire(now);
  auto decoded = decode_request(message);
  if (!decoded) {
    const std::string type = message.empty() ? "?" : short_hex(message[0]);
    return status(false, "bad request of type " + type + ": " + decoded.error().message);
  }
  Request& req = *decoded;
  if (locked_ && !std::holds_alternative<Unlock>(req)) {
    if (std::holds_alternative<RequestIdentities>(req)) {
      return Outcome{encode_identities_answer({}), std::nullopt, {}, "locked: empty identity list"};
    }
    return status(false, "locked: request refused");
  }
  return std::visit(
      [&](auto& r) -> Outcome {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, RequestIdentities>) {
          std::vector<Identity> ids;
          ids.reserve(keys_.size());
          for (const auto& e : keys_) ids.push_back({e.blob, e.comment});
          return Outcome{encode_identities_answer(ids), std::nullopt, {},
                         "identities requested: " + std::to_string(ids.size())};
        } else if constexpr (std::is_same_v<T, SignRequest>) {
          return sign(r, now);
        } else if constexpr (std::is_same_v<T, AddIdentity>) {
          return add(r, now);
        } else if constexpr (std::is_same_v<T, RemoveIdentity>) {
          auto it = std::find_if(keys_.begin(), keys_.end(), [&](const Entry& e) { return e.blob == r.key_blob; });
          if (it == keys_.end()) return status(false, "remove: key not found");
          keys_.erase(it);
          return status(true, "key removed");
        } else if constexpr (std::is_same_v<T, RemoveAllIdentities>) {
          keys_.clear();
          return status(true, "all keys removed");
        } else if constexpr (std::is_same_v<T, Lock>) {
          return lock(r.passphrase);
        } else if constexpr (std::is_same_v<T, Unlock>) {
          return unlock(r.passphrase);
        } else if constexpr (std::is_same_v<T, Extension>) {
          return status(false, "unsupported extension \"" + r.name + "\"");
        } else {
          return status(false, "unknown message " + short_hex(r.type));
        }
      },
      req);
}

Outcome KeyStore::add(AddIdentity& req, Clock::time_point now) {
  std::optional<Clock::time_point> expires;
  if (req.constraints.lifetime_seconds) {
    expires = now + std::chrono::seconds(*req.constraints.lifetime_seconds);
  } else if (config_.default_lifetime) {
    expires = now + *config_.default_lifetime;
  }
  wire::Bytes blob = keys::encode_public_blob(req.key.public_key());
  std::string log = "add " + std::string(keys::key_type_name(req.key.type())) + " " + keys::fingerprint_sha256(blob) +
                    " (" + req.comment + ")";
  if (expires) log += " lifetime " + std::to_string(std::chrono::duration_cast<std::chrono::seconds>(*expires - now).count());
  if (req.constraints.confirm) log += " confirm";
  if (Entry* existing = find(blob)) {
    // As OpenSSH: the comment and constraints of a key added again are replaced.
    existing->comment = std::move(req.comment);
    existing->expires = expires;
    existing->confirm = req.constraints.confirm;
    return status(true, log + " (replaced)");
  }
  if (keys_.size() >= config_.max_keys) return status(false, "add refused: the agent holds too many keys");
  keys_.push_back(Entry{std::move(req.key), std::move(blob), std::move(req.comment), expires, req.constraints.confirm});
  return status(true, log);
}

wire::Bytes KeyStore::sign_now(const Entry& entry, const SignRequest& req, std::string& log) {
  const std::string_view alg = algorithm_for_flags(entry.key.type(), req.flags);
  auto sig = keys::sign_to_blob(entry.key, alg, req.data, alg == "ssh-rsa");
  if (!sig) {
    log += ": " + sig.error().message;
    return encode_status(false);
  }
  log += " with " + std::string(alg);
  return encode_sign_response(*sig);
}

Outcome KeyStore::sign(const SignRequest& req, Clock::time_point) {
  Entry* e = find(req.key_blob);
  if (e == nullptr) return status(false, "sign: key not found");
  std::string log = "sign " + keys::fingerprint_sha256(e->blob) + " (" + e->comment + ")";
  if (e->confirm) {
    return Outcome{{}, ConfirmRequest{e->comment, keys::fingerprint_sha256(e->blob), req}, {}, log + ": confirm"};
  }
  wire::Bytes reply = sign_now(*e, req, log);
  return Outcome{std::move(reply), std::nullopt, {}, std::move(log)};
}

wire::Bytes KeyStore::finish_confirm(const ConfirmRequest& pending, bool approved, Clock::time_point now) {
  expire(now);
  // The key may have gone (removed, expired) or the agent been locked while the user
  // was asked: refuse then.
  Entry* e = find(pending.request.key_blob);
  if (!approved || e == nullptr || locked_) return encode_status(false);
  std::string log;
  return sign_now(*e, pending.request, log);
}

Outcome KeyStore::lock(const crypto::SecureBytes& passphrase) {
  if (passphrase.empty()) return status(false, "lock: empty passphrase not supported");
  if (locked_) return status(false, "lock: already locked");
  lock_salt_ = crypto::SecureBytes(kLockSaltSize);
  crypto::random_bytes(lock_salt_);
  auto h = lock_hash(passphrase, lock_salt_);
  if (!h) return status(false, "lock: " + h.error().message);
  lock_hash_ = std::move(*h);
  locked_ = true;
  return status(true, "agent locked");
}

Outcome KeyStore::unlock(const crypto::SecureBytes& passphrase) {
  if (passphrase.empty()) return status(false, "unlock: empty passphrase not supported");
  if (!locked_) return status(false, "unlock: not locked");
  auto h = lock_hash(passphrase, lock_salt_);
  if (h && crypto::equal_constant_time(*h, lock_hash_)) {
    locked_ = false;
    unlock_failures_ = 0;
    lock_hash_.clear();
    return status(true, "agent unlocked");
  }
  if (unlock_failures_ < kMaxUnlockFailures) ++unlock_failures_;
  Outcome out = status(false, "unlock failed");
  if (config_.unlock_delay) out.delay = std::chrono::milliseconds(100 * unlock_failures_);
  return out;
}

}  // namespace skiff::agent
