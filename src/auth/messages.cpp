#include "auth/messages.hpp"

#include <utility>

namespace skiff::auth {
namespace {

using limits::kMaxAuthTextLength;
using limits::kMaxLanguageTagLength;

Result<void> expect_number(wire::Reader& r, std::uint8_t number, const char* what) {
  auto m = r.byte();
  if (!m) return std::unexpected(m.error());
  if (*m != number) return fail(Errc::protocol_error, std::string("not a ") + what + " message");
  return {};
}

// Reads a string into an owned std::string (or SecretString).
template <class S = std::string>
Result<S> read_text(wire::Reader& r, std::size_t max_len) {
  auto t = r.text(max_len);
  if (!t) return std::unexpected(t.error());
  return S(t->begin(), t->end());
}

Result<Bytes> read_bytes(wire::Reader& r, std::size_t max_len) {
  auto b = r.string(max_len);
  if (!b) return std::unexpected(b.error());
  return Bytes(b->begin(), b->end());
}

std::string_view view(const SecretString& s) { return {s.data(), s.size()}; }

#define SKIFF_TRY(var, expr) \
  auto var = (expr);   \
  if (!var) return std::unexpected(std::move(var).error())

Result<void> decode_method_body(wire::Reader& r, UserauthRequest& out) {
  if (out.method == method::kNone) {
    out.body = NoneRequest{};
  } else if (out.method == method::kPassword) {
    SKIFF_TRY(change, r.boolean());
    PasswordRequest p;
    SKIFF_TRY(pw, read_text<SecretString>(r, limits::kMaxPasswordLength));
    p.password = std::move(*pw);
    if (*change) {
      SKIFF_TRY(npw, read_text<SecretString>(r, limits::kMaxPasswordLength));
      p.new_password = std::move(*npw);
    }
    out.body = std::move(p);
  } else if (out.method == method::kPublicKey) {
    SKIFF_TRY(has_sig, r.boolean());
    PublicKeyRequest p;
    SKIFF_TRY(alg, read_text(r, limits::kMaxAlgorithmNameLength));
    SKIFF_TRY(blob, read_bytes(r, limits::kMaxHostKeyBlob));
    p.algorithm = std::move(*alg);
    p.key_blob = std::move(*blob);
    if (*has_sig) {
      SKIFF_TRY(sig, read_bytes(r, limits::kMaxSignatureBlob));
      p.signature = std::move(*sig);
    }
    out.body = std::move(p);
  } else if (out.method == method::kKeyboardInteractive) {
    KeyboardInteractiveRequest k;
    SKIFF_TRY(lang, read_text(r, kMaxLanguageTagLength));
    SKIFF_TRY(sub, read_text(r, kMaxAuthTextLength));
    k.language = std::move(*lang);
    k.submethods = std::move(*sub);
    out.body = std::move(k);
  } else {
    // Unknown method: its fields have no known shape, so nothing is left to check.
    r.rest();
    out.body = OtherMethodRequest{};
  }
  return r.expect_end();
}

}  // namespace

Bytes encode(const UserauthRequest& m) {
  Bytes out;
  wire::Writer w(out);
  w.byte(msg::kRequest).string(m.user).string(m.service).string(m.method);
  if (const auto* p = std::get_if<PasswordRequest>(&m.body)) {
    w.boolean(p->new_password.has_value()).string(view(p->password));
    if (p->new_password) w.string(view(*p->new_password));
  } else if (const auto* k = std::get_if<PublicKeyRequest>(&m.body)) {
    w.boolean(k->signature.has_value()).string(k->algorithm).string(k->key_blob);
    if (k->signature) w.string(*k->signature);
  } else if (const auto* ki = std::get_if<KeyboardInteractiveRequest>(&m.body)) {
    w.string(ki->language).string(ki->submethods);
  }
  return out;
}

Bytes encode(const UserauthFailure& m) {
  Bytes out;
  wire::Writer(out).byte(msg::kFailure).name_list(m.methods).boolean(m.partial_success);
  return out;
}

Bytes encode_success() { return Bytes{msg::kSuccess}; }

Bytes encode(const UserauthBanner& m) {
  Bytes out;
  wire::Writer(out).byte(msg::kBanner).string(m.message).string(m.language);
  return out;
}

Bytes encode(const PkOk& m) {
  Bytes out;
  wire::Writer(out).byte(msg::kPkOk).string(m.algorithm).string(m.key_blob);
  return out;
}

Bytes encode(const PasswdChangeReq& m) {
  Bytes out;
  wire::Writer(out).byte(msg::kPasswdChangeReq).string(m.prompt).string(m.language);
  return out;
}

Bytes encode(const InfoRequest& m) {
  Bytes out;
  wire::Writer w(out);
  w.byte(msg::kInfoRequest).string(m.name).string(m.instruction).string(m.language);
  w.u32(static_cast<std::uint32_t>(m.prompts.size()));
  for (const auto& p : m.prompts) w.string(p.text).boolean(p.echo);
  return out;
}

Bytes encode(const InfoResponse& m) {
  Bytes out;
  wire::Writer w(out);
  w.byte(msg::kInfoResponse).u32(static_cast<std::uint32_t>(m.responses.size()));
  for (const auto& s : m.responses) w.string(view(s));
  return out;
}

Result<UserauthRequest> decode_request(ByteView payload) {
  wire::Reader r(payload);
  SKIFF_TRY(n, expect_number(r, msg::kRequest, "USERAUTH_REQUEST"));
  UserauthRequest out;
  SKIFF_TRY(user, read_text(r, limits::kMaxUserNameLength));
  SKIFF_TRY(service, read_text(r, limits::kMaxServiceNameLength));
  SKIFF_TRY(meth, read_text(r, limits::kMaxAuthMethodNameLength));
  out.user = std::move(*user);
  out.service = std::move(*service);
  out.method = std::move(*meth);
  SKIFF_TRY(body, decode_method_body(r, out));
  return out;
}

Result<UserauthFailure> decode_failure(ByteView payload) {
  wire::Reader r(payload);
  SKIFF_TRY(n, expect_number(r, msg::kFailure, "USERAUTH_FAILURE"));
  UserauthFailure out;
  SKIFF_TRY(names, r.name_list());
  SKIFF_TRY(partial, r.boolean());
  SKIFF_TRY(end, r.expect_end());
  out.methods = std::move(*names);
  out.partial_success = *partial;
  return out;
}

Result<void> decode_success(ByteView payload) {
  wire::Reader r(payload);
  SKIFF_TRY(n, expect_number(r, msg::kSuccess, "USERAUTH_SUCCESS"));
  return r.expect_end();
}

Result<UserauthBanner> decode_banner(ByteView payload) {
  wire::Reader r(payload);
  SKIFF_TRY(n, expect_number(r, msg::kBanner, "USERAUTH_BANNER"));
  SKIFF_TRY(message, read_text(r, kMaxAuthTextLength));
  SKIFF_TRY(lang, read_text(r, kMaxLanguageTagLength));
  SKIFF_TRY(end, r.expect_end());
  return UserauthBanner{std::move(*message), std::move(*lang)};
}

Result<PkOk> decode_pk_ok(ByteView payload) {
  wire::Reader r(payload);
  SKIFF_TRY(n, expect_number(r, msg::kPkOk, "USERAUTH_PK_OK"));
  SKIFF_TRY(alg, read_text(r, limits::kMaxAlgorithmNameLength));
  SKIFF_TRY(blob, read_bytes(r, limits::kMaxHostKeyBlob));
  SKIFF_TRY(end, r.expect_end());
  return PkOk{std::move(*alg), std::move(*blob)};
}

Result<PasswdChangeReq> decode_passwd_changereq(ByteView payload) {
  wire::Reader r(payload);
  SKIFF_TRY(n, expect_number(r, msg::kPasswdChangeReq, "USERAUTH_PASSWD_CHANGEREQ"));
  SKIFF_TRY(prompt, read_text(r, kMaxAuthTextLength));
  SKIFF_TRY(lang, read_text(r, kMaxLanguageTagLength));
  SKIFF_TRY(end, r.expect_end());
  return PasswdChangeReq{std::move(*prompt), std::move(*lang)};
}

Result<InfoRequest> decode_info_request(ByteView payload) {
  wire::Reader r(payload);
  SKIFF_TRY(n, expect_number(r, msg::kInfoRequest, "USERAUTH_INFO_REQUEST"));
  InfoRequest out;
  SKIFF_TRY(name, read_text(r, kMaxAuthTextLength));
  SKIFF_TRY(instruction, read_text(r, kMaxAuthTextLength));
  SKIFF_TRY(lang, read_text(r, kMaxLanguageTagLength));
  SKIFF_TRY(count, r.u32());
  if (*count > limits::kMaxKbdIntPrompts) return fail(Errc::too_large, "too many keyboard-interactive prompts");
  out.name = std::move(*name);
  out.instruction = std::move(*instruction);
  out.language = std::move(*lang);
  for (std::uint32_t i = 0; i < *count; ++i) {
    SKIFF_TRY(text, read_text(r, limits::kMaxKbdIntPromptLength));
    SKIFF_TRY(echo, r.boolean());
    out.prompts.push_back(Prompt{std::move(*text), *echo});
  }
  SKIFF_TRY(end, r.expect_end());
  return out;
}

Result<InfoResponse> decode_info_response(ByteView payload) {
  wire::Reader r(payload);
  SKIFF_TRY(n, expect_number(r, msg::kInfoResponse, "USERAUTH_INFO_RESPONSE"));
  SKIFF_TRY(count, r.u32());
  if (*count > limits::kMaxKbdIntPrompts) return fail(Errc::too_large, "too many keyboard-interactive responses");
  InfoResponse out;
  for (std::uint32_t i = 0; i < *count; ++i) {
    SKIFF_TRY(text, read_text<SecretString>(r, limits::kMaxKbdIntResponseLength));
    out.responses.push_back(std::move(*text));
  }
  SKIFF_TRY(end, r.expect_end());
  return out;
}

const std::vector<std::string>& default_pubkey_algorithms() {
  static const std::vector<std::string> v = {"ssh-ed25519",         "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
                                             "ecdsa-sha2-nistp521", "rsa-sha2-512",        "rsa-sha2-256"};
  return v;
}

Bytes publickey_signed_data(ByteView session_id, std::string_view user, std::string_view service,
                            std::string_view algorithm, ByteView key_blob) {
  Bytes out;
  wire::Writer(out)
      .string(session_id)
      .byte(msg::kRequest)
      .string(user)
      .string(service)
      .string(method::kPublicKey)
      .boolean(true)
      .string(algorithm)
      .string(key_blob);
  return out;
}

#undef SKIFF_TRY

}  // namespace skiff::auth
