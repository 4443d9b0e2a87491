// One run of a key exchange method (RFC 4253 8, RFC 4419, RFC 5656 4, RFC 8731) for one
// side: it exchanges the method's messages (30..49) and computes the shared secret K and
// the exchange hash H. Host key signing (server) goes through HostKeySigner; verifying
// the signature and the host key (client) is left to the transport.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <skiff/error.hpp>
#include <skiff/transport.hpp>

#include "crypto/hash.hpp"
#include "crypto/kex_math.hpp"
#include "crypto/secure.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace skiff::transport {

enum class KexFamily : std::uint8_t { ecdh, dh_group, dh_gex };

struct KexMethodInfo {
  KexFamily family;
  crypto::HashAlg hash;
  crypto::Curve curve = crypto::Curve::x25519;  // ecdh
  int group = 0;                                // dh_group
};
std::optional<KexMethodInfo> kex_method_info(std::string_view name);

// What the exchange hash covers besides the method's own values.
struct ExchangeContext {
  std::string v_c, v_s;  // identification strings without CR LF
  wire::Bytes i_c, i_s;  // KEXINIT payloads as sent
};

// The server's way to prove possession of its host key.
class HostKeySigner {
 public:
  virtual ~HostKeySigner() = default;
  virtual wire::Bytes public_blob() const = 0;
  virtual Result<wire::Bytes> sign(std::string_view algorithm, wire::ByteView data) const = 0;
};

struct KexResult {
  crypto::SecureBytes k_encoded;  // K as mpint, as it enters the hash and the key derivation
  wire::Bytes h;                  // exchange hash
  wire::Bytes host_key_blob;      // K_S
  wire::Bytes signature;          // the signature blob over H (client: to be verified)
  crypto::HashAlg hash = crypto::HashAlg::sha256;
};

struct GexPreferences {
  std::uint32_t min, preferred, max;
};

class KexMethod {
 public:
  // signer: server only. groups: server's group-exchange groups (empty: built-in).
  static Result<std::unique_ptr<KexMethod>> create(Role role, std::string_view name, ExchangeContext ctx,
                                                   const HostKeySigner* signer, std::string host_key_algorithm,
                                                   const std::vector<DhGexGroup>* groups, GexPreferences prefs);
  ~KexMethod();

  // Messages the client sends first (server: none).
  Result<void> start(std::vector<wire::Bytes>& out);
  // Handles one method message (type 30..49). Returns true when the exchange is complete.
  Result<bool> on_message(wire::ByteView payload, std::vector<wire::Bytes>& out);
  KexResult& result() noexcept { return result_; }

 private:
  KexMethod(Role role, KexMethodInfo info, ExchangeContext ctx, const HostKeySigner* signer,
            std::string host_key_algorithm, const std::vector<DhGexGroup>* groups, GexPreferences prefs);
  Result<bool> client_message(std::uint8_t type, wire::Reader& r, std::vector<wire::Bytes>& out);
  Result<bool> server_message(std::uint8_t type, wire::Reader& r, std::vector<wire::Bytes>& out);
  Result<void> finish_hash(wire::ByteView dh_client_value, wire::ByteView dh_server_value, bool values_are_mpints,
                           const crypto::SecureBytes& shared);
  Result<void> start_dh(const crypto::DhGroup& group);
  const DhGexGroup* choose_group(std::uint32_t min, std::uint32_t wanted, std::uint32_t max) const;

  Role role_;
  KexMethodInfo info_;
  ExchangeContext ctx_;
  const HostKeySigner* signer_;
  std::string host_key_algorithm_;
  const std::vector<DhGexGroup>* groups_;
  GexPreferences prefs_;
  int step_ = 0;

  std::optional<crypto::EcdhKey> ecdh_;
  std::optional<crypto::DhKey> dh_;
  crypto::DhGroup gex_group_;
  std::uint32_t gex_min_ = 0, gex_n_ = 0, gex_max_ = 0;
  KexResult result_;
};

}  // namespace skiff::transport
