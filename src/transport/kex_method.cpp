#include "transport/kex_method.hpp"

#include <algorithm>

#include "transport/messages.hpp"
#include "wire/limits.hpp"
#include "wire/reader.hpp"

namespace skiff::transport {

using crypto::Curve;
using crypto::HashAlg;

std::optional<KexMethodInfo> kex_method_info(std::string_view name) {
  if (name == "curve25519-sha256" || name == "curve25519-sha256@libssh.org")
    return KexMethodInfo{KexFamily::ecdh, HashAlg::sha256, Curve::x25519};
  if (name == "ecdh-sha2-nistp256") return KexMethodInfo{KexFamily::ecdh, HashAlg::sha256, Curve::p256};
  if (name == "ecdh-sha2-nistp384") return KexMethodInfo{KexFamily::ecdh, HashAlg::sha384, Curve::p384};
  if (name == "ecdh-sha2-nistp521") return KexMethodInfo{KexFamily::ecdh, HashAlg::sha512, Curve::p521};
  if (name == "diffie-hellman-group14-sha256") return KexMethodInfo{KexFamily::dh_group, HashAlg::sha256, {}, 14};
  if (name == "diffie-hellman-group16-sha512") return KexMethodInfo{KexFamily::dh_group, HashAlg::sha512, {}, 16};
  if (name == "diffie-hellman-group18-sha512") return KexMethodInfo{KexFamily::dh_group, HashAlg::sha512, {}, 18};
  if (name == "diffie-hellman-group14-sha1") return KexMethodInfo{KexFamily::dh_group, HashAlg::sha1, {}, 14};
  if (name == "diffie-hellman-group1-sha1") return KexMethodInfo{KexFamily::dh_group, HashAlg::sha1, {}, 1};
  if (name == "diffie-hellman-group-exchange-sha256")
    return KexMethodInfo{KexFamily::dh_gex, HashAlg::sha256};
  return std::nullopt;
}

namespace {

// Private exponent size: twice the bits of the strongest key we derive, at least 512
// (OpenSSH uses 2 * its "need", with a floor of 256 bits for need).
constexpr std::size_t kDhExponentBits = 512;

DhGexGroup builtin_group(int number) {
  const crypto::DhGroup& g = crypto::modp_group(number);
  return DhGexGroup{g.bits(), g.p, g.g};
}

}  // namespace

KexMethod::KexMethod(Role role, KexMethodInfo info, ExchangeContext ctx, const HostKeySigner* signer,
                     std::string host_key_algorithm, const std::vector<DhGexGroup>* groups, GexPreferences prefs)
    : role_(role),
      info_(info),
      ctx_(std::move(ctx)),
      signer_(signer),
      host_key_algorithm_(std::move(host_key_algorithm)),
      groups_(groups),
      prefs_(prefs) {
  result_.hash = info.hash;
}

KexMethod::~KexMethod() = default;

Result<std::unique_ptr<KexMethod>> KexMethod::create(Role role, std::string_view name, ExchangeContext ctx,
                                                     const HostKeySigner* signer, std::string host_key_algorithm,
                                                     const std::vector<DhGexGroup>* groups,
                                                     GexPreferences prefs) {
  auto info = kex_method_info(name);
  if (!info) return fail(Errc::unsupported, "unsupported key exchange method " + std::string(name));
  if (role == Role::server && signer == nullptr) return fail(Errc::kex_failed, "no host key for " + host_key_algorithm);
  return std::unique_ptr<KexMethod>(
      new KexMethod(role, *info, std::move(ctx), signer, std::move(host_key_algorithm), groups, prefs));
}

Result<void> KexMethod::start_dh(const crypto::DhGroup& group) {
  auto key = crypto::DhKey::generate(group, kDhExponentBits);
  if (!key) return std::unexpected(key.error());
  dh_.emplace(std::move(*key));
  return {};
}

Result<void> KexMethod::start(std::vector<wire::Bytes>& out) {
  if (role_ == Role::server) return {};
  wire::Bytes m;
  wire::Writer w(m);
  switch (info_.family) {
    case KexFamily::ecdh: {
      auto key = crypto::EcdhKey::generate(info_.curve);
      if (!key) return std::unexpected(key.error());
      ecdh_.emplace(std::move(*key));
      w.byte(msg::kKexEcdhInit).string(ecdh_->public_value());
      break;
    }
    case KexFamily::dh_group: {
      auto r = start_dh(crypto::modp_group(info_.group));
      if (!r) return r;
      w.byte(msg::kKexEcdhInit).mpint_unsigned(dh_->public_value());
      break;
    }
    case KexFamily::dh_gex:
      gex_min_ = prefs_.min;
      gex_n_ = prefs_.preferred;
      gex_max_ = prefs_.max;
      w.byte(msg::kKexDhGexRequest).u32(gex_min_).u32(gex_n_).u32(gex_max_);
      break;
  }
  out.push_back(std::move(m));
  return {};
}

Result<bool> KexMethod::on_message(wire::ByteView payload, std::vector<wire::Bytes>& out) {
  wire::Reader r(payload);
  auto type = r.byte();
  if (!type) return std::unexpected(type.error());
  return role_ == Role::client ? client_message(*type, r, out) : server_message(*type, r, out);
}

Result<void> KexMethod::finish_hash(wire::ByteView client_value, wire::ByteView server_value,
                                    bool values_are_mpints, const crypto::SecureBytes& shared) {
  result_.k_encoded.clear();
  {
    // K as mpint; built in a wiped buffer because it is the secret.
    wire::Bytes tmp;
    wire::Writer(tmp).mpint_unsigned(shared);
    result_.k_encoded.assign(tmp.begin(), tmp.end());
    crypto::wipe(tmp.data(), tmp.size());
  }
  crypto::Hash h(info_.hash);
  wire::Bytes buf;
  wire::Writer w(buf);
  w.string(ctx_.v_c).string(ctx_.v_s).string(ctx_.i_c).string(ctx_.i_s).string(result_.host_key_blob);
  if (info_.family == KexFamily::dh_gex) {
    w.u32(gex_min_).u32(gex_n_).u32(gex_max_).mpint_unsigned(gex_group_.p).mpint_unsigned(gex_group_.g);
  }
  if (values_are_mpints) {
    w.mpint_unsigned(client_value).mpint_unsigned(server_value);
  } else {
    w.string(client_value).string(server_value);
  }
  h.update(buf);
  h.update(result_.k_encoded);
  result_.h = h.finish();
  return {};
}

Result<bool> KexMethod::client_message(std::uint8_t type, wire::Reader& r, std::vector<wire::Bytes>& out) {
  auto bad = [&](const char* what) { return fail(Errc::protocol_error, std::string("unexpected ") + what); };
  if (info_.family == KexFamily::dh_gex && step_ == 0) {
    if (type != msg::kKexDhGexGroup) return bad("message while waiting for DH_GEX_GROUP");
    auto p = r.mpint_unsigned();
    if (!p) return std::unexpected(p.error());
    auto g = r.mpint_unsigned();
    if (!g) return std::unexpected(g.error());
    if (auto e = r.expect_end(); !e) return std::unexpected(e.error());
    gex_group_.p.assign(p->begin(), p->end());
    gex_group_.g.assign(g->begin(), g->end());
    std::size_t bits = gex_group_.bits();
    if (bits < gex_min_ || bits > gex_max_) {
      return fail(Errc::kex_failed, "DH_GEX group out of range: " + std::to_string(bits) + " bits, wanted " +
                                        std::to_string(gex_min_) + ".." + std::to_string(gex_max_));
    }
    // Primality of an 8192-bit p costs seconds; the range and generator checks plus the
    // public value check in derive() are what OpenSSH's client does too.
    if (auto v = crypto::validate_dh_group(gex_group_, gex_min_, false); !v) return std::unexpected(v.error());
    if (auto s = start_dh(gex_group_); !s) return std::unexpected(s.error());
    wire::Bytes m;
    wire::Writer(m).byte(msg::kKexDhGexInit).mpint_unsigned(dh_->public_value());
    out.push_back(std::move(m));
    step_ = 1;
    return false;
  }
  const std::uint8_t expected = info_.family == KexFamily::dh_gex ? msg::kKexDhGexReply : msg::kKexEcdhReply;
  if (type != expected || step_ > 1) return bad("key exchange message");
  auto ks = r.string(limits::kMaxHostKeyBlob);
  if (!ks) return std::unexpected(ks.error());
  result_.host_key_blob.assign(ks->begin(), ks->end());
  crypto::SecureBytes shared;
  wire::Bytes server_value;
  if (info_.family == KexFamily::ecdh) {
    auto q = r.string(1024);
    if (!q) return std::unexpected(q.error());
    server_value.assign(q->begin(), q->end());
  } else {
    auto f = r.mpint_unsigned();
    if (!f) return std::unexpected(f.error());
    server_value.assign(f->begin(), f->end());
  }
  auto sig = r.string(limits::kMaxSignatureBlob);
  if (!sig) return std::unexpected(sig.error());
  if (auto e = r.expect_end(); !e) return std::unexpected(e.error());
  result_.signature.assign(sig->begin(), sig->end());
  if (info_.family == KexFamily::ecdh) {
    auto k = ecdh_->derive(server_value);
    if (!k) return std::unexpected(k.error());
    shared = std::move(*k);
    auto h = finish_hash(ecdh_->public_value(), server_value, false, shared);
    if (!h) return std::unexpected(h.error());
  } else {
    auto k = dh_->derive(server_value);
    if (!k) return std::unexpected(k.error());
    shared = std::move(*k);
    auto h = finish_hash(dh_->public_value(), server_value, true, shared);
    if (!h) return std::unexpected(h.error());
  }
  step_ = 2;
  return true;
}

const DhGexGroup* KexMethod::choose_group(std::uint32_t min, std::uint32_t wanted, std::uint32_t max) const {
  // As OpenSSH's choose_dh: the smallest size at least as large as wanted within
  // [min, max], else the largest below it; a random group among those of that size.
  // Without a moduli file the RFC 3526 groups 14, 16 and 18 are the candidates.
  static const std::vector<DhGexGroup> builtin{builtin_group(14), builtin_group(16), builtin_group(18)};
  const std::vector<DhGexGroup>& groups = (groups_ && !groups_->empty()) ? *groups_ : builtin;
  std::size_t best = 0;
  for (const auto& g : groups) {
    if (g.bits < min || g.bits > max) continue;
    if (best == 0 || (g.bits >= wanted && (best < wanted || g.bits < best)) || (best < wanted && g.bits > best))
      best = g.bits;
  }
  if (best == 0) return nullptr;
  std::vector<const DhGexGroup*> same;
  for (const auto& g : groups)
    if (g.bits == best) same.push_back(&g);
  std::uint8_t rnd[4];
  crypto::random_bytes(rnd);
  std::uint32_t pick = wire::get_u32(rnd);
  return same[pick % same.size()];
}

Result<bool> KexMethod::server_message(std::uint8_t type, wire::Reader& r, std::vector<wire::Bytes>& out) {
  if (info_.family == KexFamily::dh_gex && step_ == 0) {
    if (type != msg::kKexDhGexRequest) return fail(Errc::protocol_error, "expected DH_GEX_REQUEST");
    auto mn = r.u32(), n = r.u32(), mx = r.u32();
    if (!mn || !n || !mx) return fail(Errc::truncated, "short DH_GEX_REQUEST");
    if (auto e = r.expect_end(); !e) return std::unexpected(e.error());
    gex_min_ = *mn;
    gex_n_ = *n;
    gex_max_ = *mx;
    // OpenSSH clamps the request into [DH_GRP_MIN, DH_GRP_MAX] before checking it.
    std::uint32_t lo = std::max(gex_min_, limits::kDhGexMin), hi = std::min(gex_max_, limits::kDhGexMax);
    std::uint32_t want = std::clamp(gex_n_, lo, std::max(lo, hi));
    if (gex_max_ < gex_min_ || gex_n_ < gex_min_ || gex_n_ > gex_max_ || hi < lo) {
      return fail(Errc::kex_failed, "DH_GEX_REQUEST out of range: " + std::to_string(gex_min_) + "/" +
                                        std::to_string(gex_n_) + "/" + std::to_string(gex_max_));
    }
    const DhGexGroup* chosen = choose_group(lo, want, hi);
    DhGexGroup fallback;
    if (!chosen) {
      fallback = builtin_group(hi < 3072 ? 14 : hi < 6144 ? 16 : 18);
      if (fallback.bits < lo || fallback.bits > hi) fallback = builtin_group(14);
      chosen = &fallback;
    }
    gex_group_.p = chosen->p;
    gex_group_.g = chosen->g;
    if (auto s = start_dh(gex_group_); !s) return std::unexpected(s.error());
    wire::Bytes m;
    wire::Writer(m).byte(msg::kKexDhGexGroup).mpint_unsigned(gex_group_.p).mpint_unsigned(gex_group_.g);
    out.push_back(std::move(m));
    step_ = 1;
    return false;
  }
  const std::uint8_t expected = info_.family == KexFamily::dh_gex ? msg::kKexDhGexInit : msg::kKexEcdhInit;
  if (type != expected || step_ > 1) return fail(Errc::protocol_error, "unexpected key exchange message");
  result_.host_key_blob = signer_->public_blob();
  wire::Bytes server_value;
  crypto::SecureBytes shared;
  wire::Bytes reply;
  if (info_.family == KexFamily::ecdh) {
    auto q = r.string(1024);
    if (!q) return std::unexpected(q.error());
    if (auto e = r.expect_end(); !e) return std::unexpected(e.error());
    auto key = crypto::EcdhKey::generate(info_.curve);
    if (!key) return std::unexpected(key.error());
    ecdh_.emplace(std::move(*key));
    auto k = ecdh_->derive(*q);
    if (!k) return std::unexpected(k.error());
    shared = std::move(*k);
    server_value = ecdh_->public_value();
    if (auto h = finish_hash(*q, server_value, false, shared); !h) return std::unexpected(h.error());
  } else {
    auto e = r.mpint_unsigned();
    if (!e) return std::unexpected(e.error());
    if (auto end = r.expect_end(); !end) return std::unexpected(end.error());
    if (info_.family == KexFamily::dh_group) {
      if (auto s = start_dh(crypto::modp_group(info_.group)); !s) return std::unexpected(s.error());
    }
    auto k = dh_->derive(*e);
    if (!k) return std::unexpected(k.error());
    shared = std::move(*k);
    server_value = dh_->public_value();
    if (auto h = finish_hash(*e, server_value, true, shared); !h) return std::unexpected(h.error());
  }
  auto sig = signer_->sign(host_key_algorithm_, result_.h);
  if (!sig) return std::unexpected(sig.error());
  result_.signature = std::move(*sig);
  wire::Writer w(reply);
  w.byte(info_.family == KexFamily::dh_gex ? msg::kKexDhGexReply : msg::kKexEcdhReply)
      .string(result_.host_key_blob);
  if (info_.family == KexFamily::ecdh) {
    w.string(server_value);
  } else {
    w.mpint_unsigned(server_value);
  }
  w.string(result_.signature);
  out.push_back(std::move(reply));
  step_ = 2;
  return true;
}

}  // namespace skiff::transport
