#include "agent/messages.hpp"

#include <string>

#include "keys/openssh_key.hpp"
#include "keys/ssh_key.hpp"
#include "wire/limits.hpp"

namespace skiff::agent {

namespace {

template <class T>
std::unexpected<Error> pass_on(Result<T>& r) {
  return std::unexpected(std::move(r.error()));
}

// Puts the uint32 length in front once the body is written.
struct Framed {
  wire::Bytes bytes;
  explicit Framed(MessageType type, std::size_t reserve = 64) {
    bytes.reserve(reserve);
    bytes.resize(4);
    bytes.push_back(static_cast<std::uint8_t>(type));
  }
  wire::Writer writer() { return wire::Writer(bytes); }
  wire::Bytes finish() && {
    wire::put_u32(bytes.data(), static_cast<std::uint32_t>(bytes.size() - 4));
    return std::move(bytes);
  }
};

// A buffer that held a private key or a passphrase: reserved up front so the writer never
// reallocates (which would leave unwiped copies), copied into a wiping buffer, wiped.
crypto::SecureBytes to_secure(wire::Bytes& plain) {
  wire::put_u32(plain.data(), static_cast<std::uint32_t>(plain.size() - 4));
  crypto::SecureBytes out(plain.begin(), plain.end());
  crypto::wipe(plain.data(), plain.size());
  return out;
}

Result<Constraints> read_constraints(wire::Reader& r) {
  Constraints c;
  while (!r.empty()) {
    auto kind = r.byte();
    if (!kind) return pass_on(kind);
    switch (*kind) {
      case kConstrainLifetime: {
        if (c.lifetime_seconds) return fail(Errc::bad_format, "lifetime constraint given twice");
        auto secs = r.u32();
        if (!secs) return pass_on(secs);
        c.lifetime_seconds = *secs;
        break;
      }
      case kConstrainConfirm:
        if (c.confirm) return fail(Errc::bad_format, "confirm constraint given twice");
        c.confirm = true;
        break;
      case kConstrainExtension: {
        // OpenSSH knows only its own extensions (sk-provider, restrict-destination,
        // associated-certs); a constraint an agent does not enforce must refuse the key.
        auto name = r.text(limits::kMaxAgentExtensionName);
        if (!name) return pass_on(name);
        return fail(Errc::unsupported, "unsupported constraint extension \"" + std::string(*name) + "\"");
      }
      default:
        return fail(Errc::unsupported, "unknown constraint " + std::to_string(*kind));
    }
  }
  return c;
}

Result<Request> decode_add(wire::Reader& r, bool constrained) {
  auto key = keys::read_private_key_wire(r);
  if (!key) return pass_on(key);
  auto comment = r.text(limits::kMaxAgentComment);
  if (!comment) return pass_on(comment);
  AddIdentity add{std::move(*key), {}, {}};
  add.comment.assign(comment->data(), comment->size());
  if (constrained) {
    auto c = read_constraints(r);
    if (!c) return pass_on(c);
    add.constraints = *c;
  }
  if (auto end = r.expect_end(); !end) return pass_on(end);
  return Result<Request>(std::in_place, std::in_place_type<AddIdentity>, std::move(add));
}

Result<void> expect_type(wire::Reader& r, MessageType want) {
  auto type = r.byte();
  if (!type) return pass_on(type);
  if (*type == static_cast<std::uint8_t>(want)) return {};
  if (*type == static_cast<std::uint8_t>(MessageType::failure) ||
      *type == static_cast<std::uint8_t>(MessageType::extension_failure) || *type == 30 || *type == 102) {
    // 30 and 102 are the SSH2_AGENT_FAILURE and SSH_COM_AGENT2_FAILURE of old agents.
    return fail(Errc::protocol_error, "agent refused operation");
  }
  return fail(Errc::protocol_error, "unexpected agent reply type " + std::to_string(*type));
}

}  // namespace

Result<Request> decode_request(wire::ByteView message) {
  wire::Reader r(message);
  auto type = r.byte();
  if (!type) return pass_on(type);
  switch (static_cast<MessageType>(*type)) {
    case MessageType::request_identities:
      if (auto end = r.expect_end(); !end) return pass_on(end);
      return Request(RequestIdentities{});
    case MessageType::sign_request: {
      auto blob = r.string(limits::kMaxHostKeyBlob);
      if (!blob) return pass_on(blob);
      auto data = r.string(limits::kMaxAgentMessage);
      if (!data) return pass_on(data);
      auto flags = r.u32();
      if (!flags) return pass_on(flags);
      if (auto end = r.expect_end(); !end) return pass_on(end);
      return Request(SignRequest{wire::Bytes(blob->begin(), blob->end()), wire::Bytes(data->begin(), data->end()), *flags});
    }
    case MessageType::add_identity:
      return decode_add(r, false);
    case MessageType::add_id_constrained:
      return decode_add(r, true);
    case MessageType::remove_identity: {
      auto blob = r.string(limits::kMaxHostKeyBlob);
      if (!blob) return pass_on(blob);
      if (auto end = r.expect_end(); !end) return pass_on(end);
      return Request(RemoveIdentity{wire::Bytes(blob->begin(), blob->end())});
    }
    case MessageType::remove_all_identities:
      if (auto end = r.expect_end(); !end) return pass_on(end);
      return Request(RemoveAllIdentities{});
    case MessageType::lock:
    case MessageType::unlock: {
      auto pw = r.string(limits::kMaxAgentMessage);
      if (!pw) return pass_on(pw);
      if (auto end = r.expect_end(); !end) return pass_on(end);
      crypto::SecureBytes secret(pw->begin(), pw->end());
      if (*type == static_cast<std::uint8_t>(MessageType::lock)) return Request(Lock{std::move(secret)});
      return Request(Unlock{std::move(secret)});
    }
    case MessageType::extension: {
      // The contents depend on the extension; none is served, so they are not parsed.
      auto name = r.text(limits::kMaxAgentExtensionName);
      if (!name) return pass_on(name);
      return Request(Extension{std::string(*name)});
    }
    default:
      return Request(UnknownRequest{*type});
  }
}

wire::Bytes encode_request_identities() { return Framed(MessageType::request_identities).finish(); }

wire::Bytes encode_sign_request(wire::ByteView key_blob, wire::ByteView data, std::uint32_t flags) {
  Framed f(MessageType::sign_request, 16 + key_blob.size() + data.size());
  f.writer().string(key_blob).string(data).u32(flags);
  return std::move(f).finish();
}

crypto::SecureBytes encode_add_identity(const crypto::PrivateKey& key, std::string_view comment,
                                        const Constraints& constraints) {
  // The largest key's fields (RSA-16384) are well under 16 KiB.
  wire::Bytes plain;
  plain.reserve(16 * 1024 + comment.size() + 64);
  plain.resize(4);
  const auto type = constraints.empty() ? MessageType::add_identity : MessageType::add_id_constrained;
  plain.push_back(static_cast<std::uint8_t>(type));
  wire::Writer w(plain);
  keys::write_private_key_wire(w, key);
  w.string(comment);
  if (constraints.lifetime_seconds) w.byte(kConstrainLifetime).u32(*constraints.lifetime_seconds);
  if (constraints.confirm) w.byte(kConstrainConfirm);
  return to_secure(plain);
}

wire::Bytes encode_remove_identity(wire::ByteView key_blob) {
  Framed f(MessageType::remove_identity, 16 + key_blob.size());
  f.writer().string(key_blob);
  return std::move(f).finish();
}

wire::Bytes encode_remove_all_identities() { return Framed(MessageType::remove_all_identities).finish(); }

crypto::SecureBytes encode_lock(std::string_view passphrase, bool lock) {
  wire::Bytes plain;
  plain.reserve(passphrase.size() + 16);
  plain.resize(4);
  plain.push_back(static_cast<std::uint8_t>(lock ? MessageType::lock : MessageType::unlock));
  wire::Writer(plain).string(passphrase);
  return to_secure(plain);
}

wire::Bytes encode_extension(std::string_view name) {
  Framed f(MessageType::extension, 16 + name.size());
  f.writer().string(name);
  return std::move(f).finish();
}

Result<std::vector<Identity>> decode_identities_answer(wire::ByteView message) {
  wire::Reader r(message);
  if (auto ok = expect_type(r, MessageType::identities_answer); !ok) return pass_on(ok);
  auto n = r.u32();
  if (!n) return pass_on(n);
  if (*n > limits::kMaxAgentIdentities) return fail(Errc::too_large, "too many identities in the agent's answer");
  std::vector<Identity> out;
  out.reserve(*n);
  for (std::uint32_t i = 0; i < *n; ++i) {
    auto blob = r.string(limits::kMaxHostKeyBlob);
    if (!blob) return pass_on(blob);
    auto comment = r.text(limits::kMaxAgentComment);
    if (!comment) return pass_on(comment);
    out.push_back({wire::Bytes(blob->begin(), blob->end()), std::string(*comment)});
  }
  if (auto end = r.expect_end(); !end) return pass_on(end);
  return out;
}

Result<wire::Bytes> decode_sign_response(wire::ByteView message) {
  wire::Reader r(message);
  if (auto ok = expect_type(r, MessageType::sign_response); !ok) return pass_on(ok);
  auto sig = r.string(limits::kMaxSignatureBlob);
  if (!sig) return pass_on(sig);
  if (auto end = r.expect_end(); !end) return pass_on(end);
  return wire::Bytes(sig->begin(), sig->end());
}

Result<void> decode_status(wire::ByteView message) {
  wire::Reader r(message);
  if (auto ok = expect_type(r, MessageType::success); !ok) return ok;
  return r.expect_end();
}

wire::Bytes encode_identities_answer(const std::vector<Identity>& identities) {
  std::size_t size = 16;
  for (const auto& id : identities) size += 8 + id.key_blob.size() + id.comment.size();
  Framed f(MessageType::identities_answer, size);
  auto w = f.writer();
  w.u32(static_cast<std::uint32_t>(identities.size()));
  for (const auto& id : identities) w.string(id.key_blob).string(id.comment);
  return std::move(f).finish();
}

wire::Bytes encode_sign_response(wire::ByteView signature_blob) {
  Framed f(MessageType::sign_response, 16 + signature_blob.size());
  f.writer().string(signature_blob);
  return std::move(f).finish();
}

wire::Bytes encode_status(bool success) {
  return Framed(success ? MessageType::success : MessageType::failure).finish();
}

std::uint32_t flags_for_algorithm(std::string_view algorithm) noexcept {
  if (algorithm == "rsa-sha2-256") return kFlagRsaSha2_256;
  if (algorithm == "rsa-sha2-512") return kFlagRsaSha2_512;
  return 0;
}

std::string_view algorithm_for_flags(crypto::KeyType type, std::uint32_t flags) noexcept {
  if (type != crypto::KeyType::rsa) return keys::key_type_name(type);
  if (flags & kFlagRsaSha2_256) return "rsa-sha2-256";
  if (flags & kFlagRsaSha2_512) return "rsa-sha2-512";
  return "ssh-rsa";
}

}  // namespace skiff::agent
