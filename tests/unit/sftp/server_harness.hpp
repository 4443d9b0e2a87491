// Drives a Server in memory: requests in as encoded bytes, replies decoded.
#pragma once

#include <gtest/gtest.h>

#include <deque>

#include "sftp/server.hpp"

namespace skiff::sftp::testing {

class ServerHarness {
 public:
  explicit ServerHarness(FileSystem& fs, ServerOptions options = {}) : server(fs, std::move(options)) {}

  // Sends INIT and returns VERSION.
  Version init() {
    send(Init{});
    auto r = next();
    return std::get<Version>(r);
  }
  void send(const Request& r) {
    wire::Bytes b;
    append_message(b, r);
    feed(b);
  }
  void feed(wire::ByteView b) { last = server.feed(b); }
  // The next reply; decoded copies own their bytes (kept in `keep`).
  Response next() {
    collect();
    EXPECT_FALSE(replies.empty()) << "no reply";
    if (replies.empty()) return Status{0, StatusCode::failure, "no reply", ""};
    auto& bytes = keep.emplace_back(std::move(replies.front()));
    replies.pop_front();
    auto r = decode_response(bytes);
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : Response{Status{}};
  }
  Response request(const Request& r) {
    send(r);
    return next();
  }
  StatusCode status_of(const Request& r) {
    auto resp = request(r);
    auto* s = std::get_if<Status>(&resp);
    EXPECT_TRUE(s) << "reply is not a STATUS but variant " << resp.index();
    return s ? s->code : StatusCode::failure;
  }
  std::string handle_of(const Request& r) {
    auto resp = request(r);
    auto* h = std::get_if<HandleReply>(&resp);
    EXPECT_TRUE(h) << "reply is not a HANDLE: " << (std::holds_alternative<Status>(resp) ? std::get<Status>(resp).message : "");
    return h ? h->handle : std::string();
  }
  // Moves every complete reply out of the server's output.
  void collect() {
    auto out = server.pending_output();
    pending.insert(pending.end(), out.begin(), out.end());
    server.consume_output(out.size());
    while (pending.size() >= 4) {
      const std::uint32_t len = wire::get_u32(pending.data());
      if (pending.size() < 4 + std::size_t{len}) break;
      replies.emplace_back(pending.begin() + 4, pending.begin() + 4 + len);
      pending.erase(pending.begin(), pending.begin() + 4 + len);
    }
  }
  std::vector<std::string> log_lines() {
    std::vector<std::string> out;
    while (auto r = server.poll_log()) out.push_back(r->text);
    return out;
  }

  Server server;
  Result<void> last;
  wire::Bytes pending;
  std::deque<wire::Bytes> replies;
  std::deque<wire::Bytes> keep;
};

}  // namespace skiff::sftp::testing
