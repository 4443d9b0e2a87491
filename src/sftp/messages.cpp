#include "sftp/messages.hpp"

#include <string>
#include <type_traits>

namespace skiff::sftp {
namespace {

using wire::Reader;
using wire::Writer;

// ---- one field at a time
Result<void> read_field(Reader& r, std::uint32_t& v) {
  auto x = r.u32();
  if (!x) return std::unexpected(x.error());
  v = *x;
  return {};
}
Result<void> read_field(Reader& r, std::uint64_t& v) {
  auto x = r.u64();
  if (!x) return std::unexpected(x.error());
  v = *x;
  return {};
}
Result<void> read_field(Reader& r, StatusCode& v) {
  auto x = r.u32();
  if (!x) return std::unexpected(x.error());
  v = static_cast<StatusCode>(*x);
  return {};
}
Result<void> read_field(Reader& r, std::string& v) {
  auto x = r.text(limits::kMaxSftpMessage);
  if (!x) return std::unexpected(x.error());
  v.assign(*x);
  return {};
}
Result<void> read_field(Reader& r, BinaryString& v) {
  auto x = r.string(limits::kMaxSftpMessage);
  if (!x) return std::unexpected(x.error());
  v.bytes = *x;
  return {};
}
Result<void> read_field(Reader& r, RawTail& v) {
  v.bytes = r.rest();
  return {};
}
Result<void> read_field(Reader& r, FileAttributes& v) {
  auto x = read_attributes(r);
  if (!x) return std::unexpected(x.error());
  v = std::move(*x);
  return {};
}
Result<void> read_field(Reader& r, IdList& v) {
  auto x = r.string(limits::kMaxSftpMessage);
  if (!x) return std::unexpected(x.error());
  if (x->size() % 4 != 0) return fail(Errc::bad_format, "id list length is not a multiple of 4");
  v.ids.clear();
  v.ids.reserve(x->size() / 4);
  for (std::size_t i = 0; i < x->size(); i += 4) v.ids.push_back(wire::get_u32(x->data() + i));
  return {};
}
Result<void> read_field(Reader& r, NameList& v) {
  auto x = r.string(limits::kMaxSftpMessage);
  if (!x) return std::unexpected(x.error());
  Reader inner(*x);
  v.names.clear();
  while (!inner.empty()) {
    auto name = inner.text(limits::kMaxSftpMessage);
    if (!name) return std::unexpected(name.error());
    v.names.emplace_back(*name);
  }
  return {};
}
Result<void> read_field(Reader& r, std::vector<NameEntry>& v) {
  auto count = r.u32();
  if (!count) return std::unexpected(count.error());
  // An entry takes at least 12 bytes (two empty strings and a flags word): a count the
  // message cannot hold is refused before anything is reserved.
  if (*count > r.remaining() / 12) return fail(Errc::truncated, "NAME count exceeds the message");
  v.clear();
  v.reserve(*count);
  for (std::uint32_t i = 0; i < *count; ++i) {
    NameEntry e;
    if (auto s = read_field(r, e.name); !s) return s;
    if (auto s = read_field(r, e.long_name); !s) return s;
    if (auto s = read_field(r, e.attrs); !s) return s;
    v.push_back(std::move(e));
  }
  return {};
}
Result<void> read_field(Reader& r, ExtensionPairs& v) {
  v.clear();
  while (!r.empty()) {
    if (v.size() >= limits::kMaxSftpExtensions) return fail(Errc::too_large, "too many extension pairs");
    std::pair<std::string, std::string> p;
    if (auto s = read_field(r, p.first); !s) return s;
    if (auto s = read_field(r, p.second); !s) return s;
    v.push_back(std::move(p));
  }
  return {};
}

void write_field(Writer& w, std::uint32_t v) { w.u32(v); }
void write_field(Writer& w, std::uint64_t v) { w.u64(v); }
void write_field(Writer& w, StatusCode v) { w.u32(static_cast<std::uint32_t>(v)); }
void write_field(Writer& w, const std::string& v) { w.string(v); }
void write_field(Writer& w, const BinaryString& v) { w.string(v.bytes); }
void write_field(Writer& w, const RawTail& v) { w.raw(v.bytes); }
void write_field(Writer& w, const FileAttributes& v) { write_attributes(w, v); }
void write_field(Writer& w, const IdList& v) {
  w.u32(static_cast<std::uint32_t>(v.ids.size() * 4));
  for (std::uint32_t id : v.ids) w.u32(id);
}
void write_field(Writer& w, const NameList& v) {
  std::size_t len = 0;
  for (const auto& n : v.names) len += 4 + n.size();
  w.u32(static_cast<std::uint32_t>(len));
  for (const auto& n : v.names) w.string(n);
}
void write_field(Writer& w, const std::vector<NameEntry>& v) {
  w.u32(static_cast<std::uint32_t>(v.size()));
  for (const auto& e : v) w.string(e.name).string(e.long_name), write_attributes(w, e.attrs);
}
void write_field(Writer& w, const ExtensionPairs& v) {
  for (const auto& [name, data] : v) w.string(name).string(data);
}

// ---- a message's field list, from field number First on
template <std::size_t First = 0, class Tuple>
Result<void> read_fields(Reader& r, Tuple&& t) {
  constexpr std::size_t n = std::tuple_size_v<std::remove_cvref_t<Tuple>>;
  if constexpr (First < n) {
    if (auto s = read_field(r, std::get<First>(t)); !s) return s;
    return read_fields<First + 1>(r, t);
  } else {
    return {};
  }
}
template <std::size_t First = 0, class Tuple>
void write_fields(Writer& w, const Tuple& t) {
  constexpr std::size_t n = std::tuple_size_v<Tuple>;
  if constexpr (First < n) {
    write_field(w, std::get<First>(t));
    write_fields<First + 1>(w, t);
  }
}

template <class T>
concept NamedExtension = requires { T::kName; };

template <class T>
Result<T> decode_body(Reader& r) {
  T msg;
  if (auto s = read_fields(r, msg.fields()); !s) return std::unexpected(s.error());
  if (auto s = r.expect_end(); !s) return std::unexpected(s.error());
  return msg;
}

// An extended request whose id and name were read already.
template <class T>
Result<Request> decode_extension(Reader& r, std::uint32_t id) {
  T msg;
  msg.id = id;
  if (auto s = read_fields<1>(r, msg.fields()); !s) return std::unexpected(s.error());
  if (auto s = r.expect_end(); !s) return std::unexpected(s.error());
  return msg;
}

template <class T>
void encode_message(wire::Bytes& out, const T& msg) {
  const std::size_t start = out.size();
  out.resize(start + 4);
  Writer w(out);
  w.byte(static_cast<std::uint8_t>(T::kType));
  if constexpr (NamedExtension<T>) {
    w.u32(msg.id).string(T::kName);
    write_fields<1>(w, msg.fields());
  } else {
    write_fields(w, msg.fields());
  }
  wire::put_u32(out.data() + start, static_cast<std::uint32_t>(out.size() - start - 4));
}

template <class Variant, class T>
Result<Variant> as_variant(Result<T> r) {
  if (!r) return std::unexpected(r.error());
  return Variant(std::move(*r));
}

}  // namespace

Result<Request> decode_request(wire::ByteView payload) {
  Reader r(payload);
  auto type = r.byte();
  if (!type) return std::unexpected(type.error());
  switch (static_cast<PacketType>(*type)) {
    case PacketType::init: return as_variant<Request>(decode_body<Init>(r));
    case PacketType::open: return as_variant<Request>(decode_body<Open>(r));
    case PacketType::close: return as_variant<Request>(decode_body<Close>(r));
    case PacketType::read: return as_variant<Request>(decode_body<Read>(r));
    case PacketType::write: return as_variant<Request>(decode_body<Write>(r));
    case PacketType::lstat: return as_variant<Request>(decode_body<Lstat>(r));
    case PacketType::fstat: return as_variant<Request>(decode_body<Fstat>(r));
    case PacketType::setstat: return as_variant<Request>(decode_body<Setstat>(r));
    case PacketType::fsetstat: return as_variant<Request>(decode_body<Fsetstat>(r));
    case PacketType::opendir: return as_variant<Request>(decode_body<Opendir>(r));
    case PacketType::readdir: return as_variant<Request>(decode_body<Readdir>(r));
    case PacketType::remove: return as_variant<Request>(decode_body<Remove>(r));
    case PacketType::mkdir: return as_variant<Request>(decode_body<Mkdir>(r));
    case PacketType::rmdir: return as_variant<Request>(decode_body<Rmdir>(r));
    case PacketType::realpath: return as_variant<Request>(decode_body<Realpath>(r));
    case PacketType::stat: return as_variant<Request>(decode_body<Stat>(r));
    case PacketType::rename: return as_variant<Request>(decode_body<Rename>(r));
    case PacketType::readlink: return as_variant<Request>(decode_body<Readlink>(r));
    case PacketType::symlink: return as_variant<Request>(decode_body<Symlink>(r));
    case PacketType::extended: break;
    default: return fail(Errc::unsupported, "unknown SFTP request type " + std::to_string(*type));
  }
  auto id = r.u32();
  if (!id) return std::unexpected(id.error());
  auto name = r.text(limits::kMaxSftpMessage);
  if (!name) return std::unexpected(name.error());
  if (*name == kExtPosixRename) return decode_extension<PosixRename>(r, *id);
  if (*name == kExtStatvfs) return decode_extension<Statvfs>(r, *id);
  if (*name == kExtFstatvfs) return decode_extension<Fstatvfs>(r, *id);
  if (*name == kExtHardlink) return decode_extension<Hardlink>(r, *id);
  if (*name == kExtFsync) return decode_extension<Fsync>(r, *id);
  if (*name == kExtLsetstat) return decode_extension<Lsetstat>(r, *id);
  if (*name == kExtLimits) return decode_extension<LimitsRequest>(r, *id);
  if (*name == kExtExpandPath) return decode_extension<ExpandPath>(r, *id);
  if (*name == kExtCopyData) return decode_extension<CopyData>(r, *id);
  if (*name == kExtHomeDirectory) return decode_extension<HomeDirectory>(r, *id);
  if (*name == kExtUsersGroupsById) return decode_extension<UsersGroupsById>(r, *id);
  UnknownExtended u;
  u.id = *id;
  u.name.assign(*name);
  u.body.bytes = r.rest();
  return u;
}

Result<Response> decode_response(wire::ByteView payload) {
  Reader r(payload);
  auto type = r.byte();
  if (!type) return std::unexpected(type.error());
  switch (static_cast<PacketType>(*type)) {
    case PacketType::version: return as_variant<Response>(decode_body<Version>(r));
    case PacketType::status: {
      // Version 0-2 servers end a STATUS after the code: accept the short form too.
      Status s;
      if (auto x = read_fields(r, std::tie(s.id, s.code)); !x) return std::unexpected(x.error());
      if (r.empty()) return s;
      if (auto x = read_fields(r, std::tie(s.message, s.language)); !x) return std::unexpected(x.error());
      if (auto x = r.expect_end(); !x) return std::unexpected(x.error());
      return s;
    }
    case PacketType::handle: return as_variant<Response>(decode_body<HandleReply>(r));
    case PacketType::data: return as_variant<Response>(decode_body<Data>(r));
    case PacketType::name: return as_variant<Response>(decode_body<Name>(r));
    case PacketType::attrs: return as_variant<Response>(decode_body<Attrs>(r));
    case PacketType::extended_reply: return as_variant<Response>(decode_body<ExtendedReply>(r));
    default: return fail(Errc::unsupported, "unknown SFTP reply type " + std::to_string(*type));
  }
}

Result<StatvfsReply> decode_statvfs_reply(wire::ByteView body) {
  Reader r(body);
  return decode_body<StatvfsReply>(r);
}
Result<LimitsReply> decode_limits_reply(wire::ByteView body) {
  Reader r(body);
  return decode_body<LimitsReply>(r);
}
Result<UsersGroupsReply> decode_users_groups_reply(wire::ByteView body) {
  Reader r(body);
  return decode_body<UsersGroupsReply>(r);
}

void append_message(wire::Bytes& out, const Request& request) {
  std::visit([&](const auto& m) { encode_message(out, m); }, request);
}
void append_message(wire::Bytes& out, const Response& response) {
  std::visit([&](const auto& m) { encode_message(out, m); }, response);
}

namespace {
template <class T>
wire::Bytes body_of(const T& reply) {
  wire::Bytes out;
  Writer w(out);
  write_fields(w, reply.fields());
  return out;
}
}  // namespace
wire::Bytes encode_reply_body(const StatvfsReply& r) { return body_of(r); }
wire::Bytes encode_reply_body(const LimitsReply& r) { return body_of(r); }
wire::Bytes encode_reply_body(const UsersGroupsReply& r) { return body_of(r); }

std::optional<std::uint32_t> peek_request_id(wire::ByteView payload) noexcept {
  if (payload.size() < 5 || payload[0] == static_cast<std::uint8_t>(PacketType::init)) return std::nullopt;
  return wire::get_u32(payload.data() + 1);
}

}  // namespace skiff::sftp
