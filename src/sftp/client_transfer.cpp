// Transfers: many READs (download) or WRITEs (upload) in flight on one handle, as
// OpenSSH's do_download/do_upload keep them, with replies taken in any order.
#include <algorithm>
#include <string>

#include "sftp/client.hpp"

namespace skiff::sftp {

Result<TransferId> Client::start_download(std::string handle, std::uint64_t offset,
                                          std::optional<std::uint64_t> size) {
  if (auto ok = can_request(); !ok) return std::unexpected(ok.error());
  const TransferId t = next_transfer_++;
  Transfer& tr = transfers_[t];
  tr.download = true;
  tr.handle = std::move(handle);
  tr.next_offset = offset;
  tr.received_end = offset;
  tr.size = size;
  tr.chunk = read_size_;
  pump_download(t);
  return t;
}

Result<TransferId> Client::start_upload(std::string handle, std::uint64_t offset) {
  if (auto ok = can_request(); !ok) return std::unexpected(ok.error());
  const TransferId t = next_transfer_++;
  Transfer& tr = transfers_[t];
  tr.download = false;
  tr.handle = std::move(handle);
  tr.next_offset = offset;
  return t;
}

void Client::pump_download(TransferId t) {
  auto it = transfers_.find(t);
  if (it == transfers_.end() || failed_) return;
  Transfer& tr = it->second;
  while (!tr.stopping && tr.in_flight + tr.queued_chunks < max_in_flight_ &&
         pending_.size() < limits::kMaxSftpClientOutstanding) {
    // Past the expected end, one READ at a time: it finds EOF (or that the file grew)
    // without a window of useless requests.
    if (tr.size && tr.next_offset >= *tr.size && tr.in_flight > 0) break;
    const auto len = static_cast<std::uint32_t>(tr.chunk);
    auto id = send_request(Read{0, tr.handle, tr.next_offset, len}, Expect::data, Role::download_read, t,
                           tr.next_offset, len);
    if (!id) return;
    tr.outstanding.emplace(tr.next_offset, len);
    tr.next_offset += len;
    ++tr.in_flight;
  }
}

Result<void> Client::on_download_reply(const Pending& p, Response&& r) {
  Transfer& tr = transfers_.at(p.transfer);
  if (auto* d = std::get_if<Data>(&r)) {
    const std::size_t len = d->data.bytes.size();
    if (len > p.length) {
      return fail_stream(Errc::protocol_error, "Received more data than asked for " + std::to_string(len) + " > " +
                                                   std::to_string(p.length));
    }
    if (len == 0) return fail_stream(Errc::protocol_error, "empty DATA reply");
    tr.outstanding.erase(p.offset);
    tr.received_end = std::max(tr.received_end, p.offset + len);
    events_.emplace_back(DownloadChunk{p.transfer, p.offset, wire::Bytes(d->data.bytes.begin(), d->data.bytes.end())});
    ++tr.queued_chunks;
    if (len < p.length) {
      // A short read: ask for the rest at once (it stays in flight), and read smaller
      // pieces from now on, as OpenSSH does.
      const std::uint64_t rest_offset = p.offset + len;
      const auto rest = static_cast<std::uint32_t>(p.length - len);
      auto id = send_request(Read{0, tr.handle, rest_offset, rest}, Expect::data, Role::download_read, p.transfer,
                             rest_offset, rest);
      if (!id) return std::unexpected(id.error());
      tr.outstanding.emplace(rest_offset, rest);
      tr.chunk = std::max<std::size_t>(limits::kSftpClientMinReadSize, std::min(tr.chunk, len));
    } else {
      --tr.in_flight;
    }
    return {};
  }
  auto* s = std::get_if<Status>(&r);
  if (!s) return fail_stream(Errc::protocol_error, "Expected DATA or STATUS in reply to READ");
  tr.outstanding.erase(p.offset);
  --tr.in_flight;
  tr.stopping = true;
  if (s->code == StatusCode::eof) {
    tr.eof_at = std::min(tr.eof_at, p.offset);
  } else {
    tr.lowest_failure = std::min(tr.lowest_failure, p.offset);
    if (tr.status == StatusCode::ok) {
      // A status of OK answering READ is nonsense: a failure all the same.
      tr.status = s->code == StatusCode::ok ? StatusCode::failure : s->code;
      tr.message = s->message;
    }
  }
  finish_if_done(p.transfer);
  return {};
}

bool Client::upload_ready(TransferId t) const {
  auto it = transfers_.find(t);
  if (it == transfers_.end() || failed_ || !ready_) return false;
  const Transfer& tr = it->second;
  return !tr.download && !tr.stopping && tr.in_flight < max_in_flight_ &&
         pending_.size() < limits::kMaxSftpClientOutstanding &&
         out_.size() - out_pos_ < limits::kMaxSftpClientPendingOutput;
}

Result<void> Client::upload_write(TransferId t, wire::ByteView data) {
  if (failed_) return std::unexpected(*failed_);
  if (!upload_ready(t)) return fail(Errc::invalid_argument, "upload not ready for data");
  if (data.empty() || data.size() > write_size_) return fail(Errc::invalid_argument, "bad upload chunk size");
  Transfer& tr = transfers_.at(t);
  const auto len = static_cast<std::uint32_t>(data.size());
  auto id = send_request(Write{0, tr.handle, tr.next_offset, BinaryString{data}}, Expect::status, Role::upload_write,
                         t, tr.next_offset, len);
  if (!id) return std::unexpected(id.error());
  tr.outstanding.emplace(tr.next_offset, len);
  tr.next_offset += len;
  ++tr.in_flight;
  return {};
}

Result<void> Client::upload_finish(TransferId t) {
  auto it = transfers_.find(t);
  if (it == transfers_.end() || it->second.download) return fail(Errc::invalid_argument, "no such upload");
  it->second.stopping = true;
  finish_if_done(t);
  return {};
}

Result<void> Client::on_upload_reply(const Pending& p, Response&& r) {
  Transfer& tr = transfers_.at(p.transfer);
  auto* s = std::get_if<Status>(&r);
  if (!s) return fail_stream(Errc::protocol_error, "Expected STATUS in reply to WRITE");
  tr.outstanding.erase(p.offset);
  --tr.in_flight;
  if (s->code != StatusCode::ok) {
    tr.lowest_failure = std::min(tr.lowest_failure, p.offset);
    if (tr.status == StatusCode::ok) {
      tr.status = s->code;
      tr.message = s->message;
    }
    tr.stopping = true;  // the caller sees upload_ready() false and stops offering data
  }
  finish_if_done(p.transfer);
  return {};
}

void Client::cancel_transfer(TransferId t) {
  auto it = transfers_.find(t);
  if (it == transfers_.end()) return;
  it->second.stopping = true;
  it->second.cancelled = true;
  finish_if_done(t);
}

void Client::finish_if_done(TransferId t) {
  auto it = transfers_.find(t);
  if (it == transfers_.end()) return;
  Transfer& tr = it->second;
  if (!tr.stopping || tr.in_flight > 0 || tr.queued_chunks > 0) return;
  TransferDone done{t, tr.status, tr.message, 0};
  if (tr.cancelled && done.status == StatusCode::ok) {
    done.status = StatusCode::failure;
    done.message = "interrupted";
  }
  if (tr.download) {
    // Every READ below the first failure (or the EOF) was answered with data.
    done.contiguous_end = std::min({tr.lowest_failure, tr.eof_at, tr.received_end});
    if (tr.cancelled) done.contiguous_end = std::min(done.contiguous_end, tr.next_offset);
  } else {
    done.contiguous_end = std::min(tr.lowest_failure, tr.next_offset);
  }
  transfers_.erase(it);
  events_.emplace_back(std::move(done));
}

}  // namespace skiff::sftp
