// zlib and zlib@openssh.com payload compression (RFC 4253 6.2; OpenSSH's delayed
// variant starts after user authentication). One stream per direction, flushed with
// Z_PARTIAL_FLUSH after each packet as the protocol requires. Inflated output is capped
// so that a small compressed packet cannot expand without bound.
#pragma once

#include <memory>

#include <skiff/error.hpp>

#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace skiff::transport {

class Compressor {
 public:
  Compressor();
  ~Compressor();
  Compressor(Compressor&&) noexcept;
  Compressor& operator=(Compressor&&) noexcept;
  // Replaces payload with its compressed form (same stream continues across calls).
  Result<void> compress(wire::Bytes& payload);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class Decompressor {
 public:
  Decompressor();
  ~Decompressor();
  Decompressor(Decompressor&&) noexcept;
  Decompressor& operator=(Decompressor&&) noexcept;
  // Inflates data into out (cleared first); fails if the result would exceed max_out.
  Result<void> decompress(wire::ByteView data, wire::Bytes& out, std::size_t max_out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace skiff::transport
