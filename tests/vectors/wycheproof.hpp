// Minimal JSON reader and Wycheproof vector loader for the known-answer tests.
//
// API (namespace skiff::test):
//
//   Json parse_json(std::string_view text);        // throws std::runtime_error on bad JSON
//   Json                                           // one JSON value
//     .is_null() .is_bool() .is_number() .is_string() .is_array() .is_object()
//     .as_bool() .as_int() .as_double() .as_string() .as_array() .as_object()
//     .has(key) / operator[](key)                  // object member (throws if absent)
//     .find(key) -> const Json* (nullptr if absent)
//     .str(key, fallback = "")                     // string member or fallback
//     .hex(key) -> Bytes                           // hex-string member, decoded
//
//   Bytes hex_decode(std::string_view hex);        // throws on odd length / bad digit
//   std::string hex_encode(std::span<const std::uint8_t>);
//
//   WycheproofFile load_wycheproof(std::string_view name);
//     // name like "hmac_sha256_test.json", read from SKIFF_VECTORS_DIR/wycheproof/
//   struct WycheproofFile {
//     std::string algorithm; std::size_t number_of_tests; std::unique_ptr<Json> root;
//     std::vector<WycheproofGroup> groups;
//     std::size_t test_count() const;             // sum over groups
//   };
//   struct WycheproofGroup {
//     const Json* attributes;                     // the group object itself ("keySize", "publicKey", ...)
//     std::vector<WycheproofTest> tests;
//     int int_attr(key) / std::string str_attr(key) / Bytes hex_attr(key)
//   };
//   struct WycheproofTest {
//     int id; std::string comment; Expect result; std::vector<std::string> flags;
//     const Json* fields;                         // the whole test object
//     Bytes hex(key) const; std::string str(key) const; bool has_flag(name) const;
//     std::string label() const;                  // "tcId 12 (comment)" for failure messages
//   };
//   enum class Expect { valid, invalid, acceptable };
//
// The Json pointers point into *WycheproofFile::root, so keep the file alive while using
// its groups (the file object may be moved: root is heap-held and stays put).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace skiff::test {

using Bytes = std::vector<std::uint8_t>;

class Json {
 public:
  using Array = std::vector<Json>;
  // Members keep their file order; duplicate keys keep the first.
  using Object = std::vector<std::pair<std::string, Json>>;
  // Numbers are kept as their literal text so integers of any size survive.
  struct Number {
    std::string text;
  };

  Json() = default;
  explicit Json(std::nullptr_t) {}
  explicit Json(bool b) : v_(b) {}
  explicit Json(Number n) : v_(std::move(n)) {}
  explicit Json(std::string s) : v_(std::move(s)) {}
  explicit Json(Array a) : v_(std::move(a)) {}
  explicit Json(Object o) : v_(std::move(o)) {}

  bool is_null() const noexcept { return std::holds_alternative<std::monostate>(v_); }
  bool is_bool() const noexcept { return std::holds_alternative<bool>(v_); }
  bool is_number() const noexcept { return std::holds_alternative<Number>(v_); }
  bool is_string() const noexcept { return std::holds_alternative<std::string>(v_); }
  bool is_array() const noexcept { return std::holds_alternative<Array>(v_); }
  bool is_object() const noexcept { return std::holds_alternative<Object>(v_); }

  bool as_bool() const;
  long long as_int() const;
  double as_double() const;
  const std::string& number_text() const;
  const std::string& as_string() const;
  const Array& as_array() const;
  const Object& as_object() const;

  const Json* find(std::string_view key) const noexcept;
  bool has(std::string_view key) const noexcept { return find(key) != nullptr; }
  const Json& operator[](std::string_view key) const;
  std::string str(std::string_view key, std::string_view fallback = "") const;
  Bytes hex(std::string_view key) const;

 private:
  std::variant<std::monostate, bool, Number, std::string, Array, Object> v_;
};

Json parse_json(std::string_view text);

Bytes hex_decode(std::string_view hex);
std::string hex_encode(std::span<const std::uint8_t> data);

enum class Expect { valid, invalid, acceptable };

struct WycheproofTest {
  int id = 0;
  std::string comment;
  Expect result = Expect::invalid;
  std::vector<std::string> flags;
  const Json* fields = nullptr;

  Bytes hex(std::string_view key) const { return fields->hex(key); }
  std::string str(std::string_view key) const { return fields->str(key); }
  bool has_flag(std::string_view name) const;
  std::string label() const;
};

struct WycheproofGroup {
  const Json* attributes = nullptr;
  std::vector<WycheproofTest> tests;

  long long int_attr(std::string_view key) const { return (*attributes)[key].as_int(); }
  std::string str_attr(std::string_view key) const { return attributes->str(key); }
  Bytes hex_attr(std::string_view key) const { return attributes->hex(key); }
};

struct WycheproofFile {
  std::string algorithm;
  std::size_t number_of_tests = 0;
  // Heap-held so that the pointers in groups stay valid when the file is moved.
  std::unique_ptr<Json> root;
  std::vector<WycheproofGroup> groups;

  std::size_t test_count() const;
};

// Reads SKIFF_VECTORS_DIR "/wycheproof/" + name; throws if missing or malformed.
WycheproofFile load_wycheproof(std::string_view name);
// Parses a Wycheproof document already in memory.
WycheproofFile parse_wycheproof(std::string_view text);

}  // namespace skiff::test
