// The client engine paired in memory with the server engine over a temporary directory.
// Replies can be delivered in reverse order per batch, to prove matching by id.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include "sftp/client.hpp"
#include "sftp/server.hpp"
#include "client_temp_fs.hpp"

namespace skiff::sftp::test {

inline wire::Bytes random_bytes(std::size_t n, unsigned seed = 1) {
  std::mt19937 rng(seed);
  wire::Bytes b(n);
  for (auto& x : b) x = static_cast<std::uint8_t>(rng());
  return b;
}

inline void write_file(const std::string& path, const wire::Bytes& b) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

inline wire::Bytes read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return wire::Bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

// Splits a byte stream into whole messages (length prefix kept).
inline std::vector<wire::Bytes> split_messages(wire::ByteView bytes) {
  std::vector<wire::Bytes> out;
  std::size_t pos = 0;
  while (bytes.size() - pos >= 4) {
    const std::size_t len = wire::get_u32(bytes.data() + pos);
    if (bytes.size() - pos - 4 < len) break;
    out.emplace_back(bytes.begin() + static_cast<std::ptrdiff_t>(pos),
                     bytes.begin() + static_cast<std::ptrdiff_t>(pos + 4 + len));
    pos += 4 + len;
  }
  return out;
}

struct ClientPair {
  explicit ClientPair(ClientOptions options = {}) : server(fs, ServerOptions{}), client(options) {}

  TempFileSystem fs;
  Server server;
  Client client;
  bool reverse_replies = false;
  std::size_t max_outstanding_seen = 0;
  std::vector<Event> events;

  // Moves bytes both ways until neither side has anything to say.
  void pump() {
    for (int round = 0; round < 100000; ++round) {
      max_outstanding_seen = std::max(max_outstanding_seen, client.outstanding());
      bool moved = false;
      auto out = client.pending_output();
      if (!out.empty() && server.wants_input()) {
        const std::size_t n = std::min<std::size_t>(out.size(), 64 * 1024);
        ASSERT_TRUE(server.feed(out.first(n)).has_value());
        client.consume_output(n);
        moved = true;
      }
      auto replies = server.pending_output();
      if (!replies.empty()) {
        auto messages = split_messages(replies);
        server.consume_output(replies.size());
        ASSERT_TRUE(server.resume().has_value());
        if (reverse_replies) std::reverse(messages.begin(), messages.end());
        for (const auto& m : messages) ASSERT_TRUE(client.feed(m).has_value()) << client.failure()->message;
        moved = true;
      }
      while (auto e = client.poll_event()) events.push_back(std::move(*e));
      if (!moved) return;
    }
    FAIL() << "pump did not settle";
  }

  void init() {
    client.start();
    pump();
    ASSERT_TRUE(client.ready());
    ASSERT_FALSE(events.empty());
    ASSERT_TRUE(std::holds_alternative<Ready>(events.front()));
    events.clear();
  }

  // Runs one request to its completion.
  Reply call(Result<RequestId> id) {
    EXPECT_TRUE(id.has_value()) << (id ? "" : id.error().message);
    if (!id) return StatusResult{StatusCode::failure, "not sent"};
    pump();
    for (auto it = events.begin(); it != events.end(); ++it) {
      if (auto* c = std::get_if<Completion>(&*it); c && c->id == *id) {
        Reply r = std::move(c->reply);
        events.erase(it);
        return r;
      }
    }
    ADD_FAILURE() << "no completion for request " << *id;
    return StatusResult{StatusCode::failure, "no reply"};
  }

  std::string open_handle(const std::string& path, std::uint32_t pflags, FileAttributes a = {}) {
    auto r = call(client.open(path, pflags, std::move(a)));
    auto* h = std::get_if<HandleResult>(&r);
    EXPECT_NE(h, nullptr) << path;
    return h ? h->handle : std::string();
  }

  StatusCode status_of(Reply r) {
    auto* s = std::get_if<StatusResult>(&r);
    EXPECT_NE(s, nullptr);
    return s ? s->code : StatusCode::failure;
  }

  // Downloads through a transfer; the chunks land in `into` at their offsets.
  TransferDone download(const std::string& handle, std::uint64_t offset, std::optional<std::uint64_t> size,
                        wire::Bytes& into) {
    auto t = client.start_download(handle, offset, size);
    EXPECT_TRUE(t.has_value());
    for (int i = 0; i < 100000; ++i) {
      pump();
      for (auto it = events.begin(); it != events.end();) {
        if (auto* c = std::get_if<DownloadChunk>(&*it)) {
          if (into.size() < c->offset + c->data.size()) into.resize(c->offset + c->data.size());
          std::copy(c->data.begin(), c->data.end(), into.begin() + static_cast<std::ptrdiff_t>(c->offset));
          it = events.erase(it);
        } else if (auto* d = std::get_if<TransferDone>(&*it); d && d->transfer == *t) {
          TransferDone done = *d;
          events.erase(it);
          return done;
        } else {
          ++it;
        }
      }
    }
    ADD_FAILURE() << "download did not finish";
    return {};
  }

  TransferDone upload(const std::string& handle, std::uint64_t offset, const wire::Bytes& data) {
    auto t = client.start_upload(handle, offset);
    EXPECT_TRUE(t.has_value());
    std::size_t pos = offset;
    bool finished = false;
    for (int i = 0; i < 100000; ++i) {
      while (pos < data.size() && client.upload_ready(*t)) {
        const std::size_t n = std::min(client.write_size(), data.size() - pos);
        EXPECT_TRUE(client.upload_write(*t, wire::ByteView(data.data() + pos, n)).has_value());
        pos += n;
      }
      if (!finished && (pos == data.size() || !client.upload_ready(*t))) {
        // Past the data, or stopped by an error: no more to offer.
        if (pos == data.size()) {
          EXPECT_TRUE(client.upload_finish(*t).has_value());
          finished = true;
        }
      }
      pump();
      for (auto it = events.begin(); it != events.end(); ++it) {
        if (auto* d = std::get_if<TransferDone>(&*it); d && d->transfer == *t) {
          TransferDone done = *d;
          events.erase(it);
          return done;
        }
      }
    }
    ADD_FAILURE() << "upload did not finish";
    return {};
  }
};

}  // namespace skiff::sftp::test
