#include "wycheproof.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#ifndef SKIFF_VECTORS_DIR
#define SKIFF_VECTORS_DIR "../shared/vectors"
#endif

namespace skiff::test {

namespace {

[[noreturn]] void type_error(const char* want) { throw std::runtime_error(std::string("json: value is not ") + want); }

// Recursive descent over the whole text. Vector files are trusted but the reader still
// refuses malformed input rather than guessing, and caps nesting so a broken file
// cannot blow the stack.
class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  Json parse_document() {
    Json v = parse_value(0);
    skip_ws();
    if (pos_ != s_.size()) fail("trailing characters");
    return v;
  }

 private:
  static constexpr int kMaxDepth = 64;

  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error("json: " + what + " at offset " + std::to_string(pos_));
  }

  void skip_ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }

  char peek() {
    skip_ws();
    if (pos_ >= s_.size()) fail("unexpected end");
    return s_[pos_];
  }

  void expect(char c) {
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++pos_;
  }

  void expect_word(std::string_view w) {
    if (s_.substr(pos_, w.size()) != w) fail("bad literal");
    pos_ += w.size();
  }

  Json parse_value(int depth) {
    if (depth > kMaxDepth) fail("nesting too deep");
    switch (peek()) {
      case '{':
        return parse_object(depth);
      case '[':
        return parse_array(depth);
      case '"':
        return Json(parse_string());
      case 't':
        expect_word("true");
        return Json(true);
      case 'f':
        expect_word("false");
        return Json(false);
      case 'n':
        expect_word("null");
        return Json(nullptr);
      default:
        return parse_number();
    }
  }

  Json parse_object(int depth) {
    expect('{');
    Json::Object obj;
    if (peek() == '}') {
      ++pos_;
      return Json(std::move(obj));
    }
    for (;;) {
      if (peek() != '"') fail("expected member name");
      std::string key = parse_string();
      expect(':');
      Json value = parse_value(depth + 1);
      bool dup = false;
      for (const auto& [k, v] : obj) dup = dup || k == key;
      if (!dup) obj.emplace_back(std::move(key), std::move(value));
      char c = peek();
      ++pos_;
      if (c == '}') break;
      if (c != ',') fail("expected ',' or '}'");
    }
    return Json(std::move(obj));
  }

  Json parse_array(int depth) {
    expect('[');
    Json::Array arr;
    if (peek() == ']') {
      ++pos_;
      return Json(std::move(arr));
    }
    for (;;) {
      arr.push_back(parse_value(depth + 1));
      char c = peek();
      ++pos_;
      if (c == ']') break;
      if (c != ',') fail("expected ',' or ']'");
    }
    return Json(std::move(arr));
  }

  unsigned hex4() {
    if (pos_ + 4 > s_.size()) fail("short \\u escape");
    unsigned v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = s_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<unsigned>(c - 'A' + 10);
      else fail("bad \\u escape");
    }
    return v;
  }

  static void append_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  std::string parse_string() {
    expect('"');
    std::string out;
    for (;;) {
      if (pos_ >= s_.size()) fail("unterminated string");
      char c = s_[pos_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= s_.size()) fail("unterminated escape");
      char e = s_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          unsigned cp = hex4();
          if (cp >= 0xD800 && cp < 0xDC00) {
            // A high surrogate must be followed by its low half to name one code point.
            if (s_.substr(pos_, 2) != "\\u") fail("lone surrogate");
            pos_ += 2;
            unsigned lo = hex4();
            if (lo < 0xDC00 || lo >= 0xE000) fail("bad surrogate pair");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp < 0xE000) {
            fail("lone surrogate");
          }
          append_utf8(out, cp);
          break;
        }
        default:
          fail("bad escape");
      }
    }
  }

  Json parse_number() {
    std::size_t start = pos_;
    auto digits = [&] {
      std::size_t d = pos_;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
      return pos_ - d;
    };
    if (pos_ < s_.size() && s_[pos_] == '-') ++pos_;
    std::size_t int_start = pos_;
    std::size_t int_digits = digits();
    if (int_digits == 0) fail("bad number");
    if (int_digits > 1 && s_[int_start] == '0') fail("leading zero");
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      if (digits() == 0) fail("bad fraction");
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (digits() == 0) fail("bad exponent");
    }
    return Json(Json::Number{std::string(s_.substr(start, pos_ - start))});
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool Json::as_bool() const {
  if (!is_bool()) type_error("a bool");
  return std::get<bool>(v_);
}

const std::string& Json::number_text() const {
  if (!is_number()) type_error("a number");
  return std::get<Number>(v_).text;
}

long long Json::as_int() const {
  const std::string& t = number_text();
  std::size_t used = 0;
  long long v = std::stoll(t, &used);
  if (used != t.size()) type_error("an integer");
  return v;
}

double Json::as_double() const { return std::stod(number_text()); }

const std::string& Json::as_string() const {
  if (!is_string()) type_error("a string");
  return std::get<std::string>(v_);
}

const Json::Array& Json::as_array() const {
  if (!is_array()) type_error("an array");
  return std::get<Array>(v_);
}

const Json::Object& Json::as_object() const {
  if (!is_object()) type_error("an object");
  return std::get<Object>(v_);
}

const Json* Json::find(std::string_view key) const noexcept {
  if (!is_object()) return nullptr;
  for (const auto& [k, v] : std::get<Object>(v_))
    if (k == key) return &v;
  return nullptr;
}

const Json& Json::operator[](std::string_view key) const {
  const Json* v = find(key);
  if (!v) throw std::runtime_error("json: no member '" + std::string(key) + "'");
  return *v;
}

std::string Json::str(std::string_view key, std::string_view fallback) const {
  const Json* v = find(key);
  return v ? v->as_string() : std::string(fallback);
}

Bytes Json::hex(std::string_view key) const { return hex_decode((*this)[key].as_string()); }

Json parse_json(std::string_view text) { return Parser(text).parse_document(); }

Bytes hex_decode(std::string_view hex) {
  if (hex.size() % 2 != 0) throw std::runtime_error("hex: odd length");
  Bytes out(hex.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    int hi = hex_digit(hex[2 * i]);
    int lo = hex_digit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) throw std::runtime_error("hex: bad digit");
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return out;
}

std::string hex_encode(std::span<const std::uint8_t> data) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(data.size() * 2);
  for (std::uint8_t b : data) {
    out += kDigits[b >> 4];
    out += kDigits[b & 0xF];
  }
  return out;
}

bool WycheproofTest::has_flag(std::string_view name) const {
  for (const auto& f : flags)
    if (f == name) return true;
  return false;
}

std::string WycheproofTest::label() const {
  return "tcId " + std::to_string(id) + (comment.empty() ? "" : " (" + comment + ")");
}

std::size_t WycheproofFile::test_count() const {
  std::size_t n = 0;
  for (const auto& g : groups) n += g.tests.size();
  return n;
}

WycheproofFile parse_wycheproof(std::string_view text) {
  WycheproofFile file;
  file.root = std::make_unique<Json>(parse_json(text));
  const Json& root = *file.root;
  file.algorithm = root.str("algorithm");
  if (const Json* n = root.find("numberOfTests")) file.number_of_tests = static_cast<std::size_t>(n->as_int());
  for (const Json& g : root["testGroups"].as_array()) {
    WycheproofGroup group;
    group.attributes = &g;
    for (const Json& t : g["tests"].as_array()) {
      WycheproofTest test;
      test.fields = &t;
      test.id = static_cast<int>(t["tcId"].as_int());
      test.comment = t.str("comment");
      const std::string& r = t["result"].as_string();
      if (r == "valid") test.result = Expect::valid;
      else if (r == "invalid") test.result = Expect::invalid;
      else if (r == "acceptable") test.result = Expect::acceptable;
      else throw std::runtime_error("wycheproof: unknown result '" + r + "'");
      if (const Json* flags = t.find("flags"))
        for (const Json& f : flags->as_array()) test.flags.push_back(f.as_string());
      group.tests.push_back(std::move(test));
    }
    file.groups.push_back(std::move(group));
  }
  return file;
}

WycheproofFile load_wycheproof(std::string_view name) {
  std::string path = std::string(SKIFF_VECTORS_DIR) + "/wycheproof/" + std::string(name);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("wycheproof: cannot open " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_wycheproof(ss.str());
}

}  // namespace skiff::test
