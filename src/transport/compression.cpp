#include "transport/compression.hpp"

#include <algorithm>
#include <limits>

#include <zlib.h>

namespace skiff::transport {

namespace {

// Output is produced in steps of this size; the caller's vectors keep their capacity,
// so a connection in steady state does not allocate per packet.
constexpr std::size_t kStep = 16 * 1024;

// OpenSSH's level (packet.c start_compression_out(ssh, 6)); with deflateInit's defaults
// (zlib header, 32 KiB window, memLevel 8) the stream is byte-for-byte what OpenSSH sends.
constexpr int kLevel = 6;

// zlib counts in uInt; a packet never comes near that, but a caller might.
constexpr std::size_t kMaxChunk = std::numeric_limits<uInt>::max();

}  // namespace

struct Compressor::Impl {
  z_stream stream{};
  bool ready = false;
  bool failed = false;
  wire::Bytes scratch;  // reused buffer for the compressed form; swapped with the payload

  Impl() { ready = deflateInit(&stream, kLevel) == Z_OK; }
  ~Impl() {
    if (ready) deflateEnd(&stream);
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
};

Compressor::Compressor() : impl_(std::make_unique<Impl>()) {}
Compressor::~Compressor() = default;
Compressor::Compressor(Compressor&&) noexcept = default;
Compressor& Compressor::operator=(Compressor&&) noexcept = default;

Result<void> Compressor::compress(wire::Bytes& payload) {
  if (!impl_ || !impl_->ready) return fail(Errc::crypto_failure, "zlib deflateInit failed");
  // After an error the shared dictionary is out of step with the peer's: nothing that
  // follows could be decoded, so refuse rather than send garbage.
  if (impl_->failed) return fail(Errc::protocol_error, "compression stream failed earlier");
  if (payload.size() > kMaxChunk) return fail(Errc::too_large, "payload too large to compress");

  z_stream& z = impl_->stream;
  wire::Bytes& out = impl_->scratch;
  out.clear();
  z.next_in = payload.data();
  z.avail_in = static_cast<uInt>(payload.size());
  // Z_PARTIAL_FLUSH after every packet, as OpenSSH does, so the peer can inflate each
  // packet completely on arrival. deflate() must be called until it leaves output room
  // unused: only then is everything pending flushed.
  do {
    std::size_t used = out.size();
    out.resize(used + kStep);
    z.next_out = out.data() + used;
    z.avail_out = static_cast<uInt>(kStep);
    int status = deflate(&z, Z_PARTIAL_FLUSH);
    out.resize(out.size() - z.avail_out);
    // Z_BUF_ERROR means no progress was possible, which happens only when the previous
    // round ended exactly at a full buffer with nothing left: the flush is complete.
    if (status == Z_BUF_ERROR) break;
    if (status != Z_OK) {
      impl_->failed = true;
      return fail(Errc::crypto_failure, "zlib deflate failed");
    }
  } while (z.avail_out == 0);
  z.next_in = nullptr;
  z.avail_in = 0;
  payload.swap(out);
  return {};
}

struct Decompressor::Impl {
  z_stream stream{};
  bool ready = false;
  bool failed = false;

  Impl() { ready = inflateInit(&stream) == Z_OK; }
  ~Impl() {
    if (ready) inflateEnd(&stream);
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
};

Decompressor::Decompressor() : impl_(std::make_unique<Impl>()) {}
Decompressor::~Decompressor() = default;
Decompressor::Decompressor(Decompressor&&) noexcept = default;
Decompressor& Decompressor::operator=(Decompressor&&) noexcept = default;

Result<void> Decompressor::decompress(wire::ByteView data, wire::Bytes& out, std::size_t max_out) {
  out.clear();
  if (!impl_ || !impl_->ready) return fail(Errc::crypto_failure, "zlib inflateInit failed");
  if (impl_->failed) return fail(Errc::protocol_error, "decompression stream failed earlier");
  if (data.size() > kMaxChunk) return fail(Errc::too_large, "compressed payload too large");

  z_stream& z = impl_->stream;
  // zlib does not write through next_in; the cast only satisfies its C interface.
  z.next_in = const_cast<Bytef*>(data.data());
  z.avail_in = static_cast<uInt>(data.size());
  auto stop = [&](Errc code, const char* message) {
    impl_->failed = true;  // the stream is mid-packet now: later packets cannot be decoded
    z.next_in = nullptr;
    z.avail_in = 0;
    out.clear();
    return fail(code, message);
  };

  // Like OpenSSH's uncompress_buffer(): inflate(Z_SYNC_FLUSH) until zlib reports that no
  // further progress is possible (Z_BUF_ERROR), which means this packet's input is used
  // up and its output delivered. Output space is given out in steps, never beyond
  // max_out, so a small packet cannot make us allocate more than the cap.
  for (;;) {
    int status;
    std::size_t room = max_out - out.size();
    if (room == 0) {
      // The cap is reached; one more byte of output would prove the packet too large.
      Bytef probe;
      z.next_out = &probe;
      z.avail_out = 1;
      status = inflate(&z, Z_SYNC_FLUSH);
      if (z.avail_out == 0) return stop(Errc::too_large, "decompressed payload exceeds limit");
    } else {
      std::size_t step = std::min(room, kStep);
      std::size_t used = out.size();
      out.resize(used + step);
      z.next_out = out.data() + used;
      z.avail_out = static_cast<uInt>(step);
      status = inflate(&z, Z_SYNC_FLUSH);
      out.resize(out.size() - z.avail_out);
    }
    switch (status) {
      case Z_OK:
        continue;
      case Z_BUF_ERROR:
        z.next_in = nullptr;
        z.avail_in = 0;
        return {};
      case Z_STREAM_END:
        // A peer never ends the stream: later packets could not be inflated.
        return stop(Errc::bad_format, "compressed stream ended");
      case Z_NEED_DICT:
      case Z_DATA_ERROR:
        return stop(Errc::bad_format, "corrupt compressed data");
      default:
        return stop(Errc::crypto_failure, "zlib inflate failed");
    }
  }
}

}  // namespace skiff::transport
