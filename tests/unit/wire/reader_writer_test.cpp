#include <gtest/gtest.h>

#include "wire/reader.hpp"
#include "wire/writer.hpp"

using namespace skiff;
using namespace skiff::wire;

TEST(Wire, RoundTripAllTypes) {
  Bytes b;
  std::vector<std::string> names{"curve25519-sha256", "ext-info-c"};
  std::uint8_t mag[] = {0x80, 0x01};
  Writer(b).byte(7).boolean(true).u32(0xdeadbeef).u64(0x0102030405060708ULL).string("hi").mpint_unsigned(mag).name_list(names);
  Reader r(b);
  EXPECT_EQ(*r.byte(), 7);
  EXPECT_TRUE(*r.boolean());
  EXPECT_EQ(*r.u32(), 0xdeadbeefu);
  EXPECT_EQ(*r.u64(), 0x0102030405060708ULL);
  EXPECT_EQ(*r.text(), "hi");
  auto m = r.mpint_unsigned();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->size(), 2u);
  EXPECT_EQ((*m)[0], 0x80);
  EXPECT_EQ(*r.name_list(), names);
  EXPECT_TRUE(r.expect_end());
}

TEST(Wire, Rfc4251MpintExamples) {
  // RFC 4251 section 5 examples.
  auto enc = [](std::vector<std::uint8_t> mag) {
    Bytes b;
    Writer(b).mpint_unsigned(mag);
    return b;
  };
  EXPECT_EQ(enc({}), (Bytes{0, 0, 0, 0}));
  EXPECT_EQ(enc({0x09, 0xa3, 0x78, 0xf9, 0xb2, 0xe3, 0x32, 0xa7}),
            (Bytes{0, 0, 0, 8, 0x09, 0xa3, 0x78, 0xf9, 0xb2, 0xe3, 0x32, 0xa7}));
  EXPECT_EQ(enc({0x80}), (Bytes{0, 0, 0, 2, 0, 0x80}));
  EXPECT_EQ(enc({0, 0, 0x80}), (Bytes{0, 0, 0, 2, 0, 0x80}));
}

TEST(Wire, RejectsNonCanonicalAndNegativeMpint) {
  Bytes neg{0, 0, 0, 2, 0xed, 0xcc};
  EXPECT_EQ(Reader(neg).mpint_unsigned().error().code, Errc::bad_format);
  Bytes lead{0, 0, 0, 2, 0x00, 0x7f};
  EXPECT_EQ(Reader(lead).mpint_unsigned().error().code, Errc::bad_format);
}

TEST(Wire, TruncationAndOverlongLengths) {
  Bytes b{0, 0, 0, 10, 'a'};
  EXPECT_EQ(Reader(b).string().error().code, Errc::truncated);
  Bytes huge{0xff, 0xff, 0xff, 0xff};
  EXPECT_EQ(Reader(huge).string().error().code, Errc::too_large);
  Bytes three{1, 2, 3};
  EXPECT_EQ(Reader(three).u32().error().code, Errc::truncated);
  Bytes extra{1, 2};
  Reader r(extra);
  ASSERT_TRUE(r.byte());
  EXPECT_EQ(r.expect_end().error().code, Errc::trailing_data);
}

TEST(Wire, NameListValidation) {
  EXPECT_TRUE(parse_name_list("")->empty());
  EXPECT_FALSE(parse_name_list("a,,b"));
  EXPECT_FALSE(parse_name_list("a,"));
  EXPECT_FALSE(parse_name_list(std::string("a\0b", 3)));
  EXPECT_FALSE(parse_name_list("a b"));
  EXPECT_EQ(parse_name_list("a,b")->size(), 2u);
  std::string many;
  for (int i = 0; i < 300; ++i) many += (i ? ",x" : "x");
  EXPECT_EQ(parse_name_list(many).error().code, Errc::too_large);
}

#include "wire/base64.hpp"

TEST(Wire, Base64Rfc4648Vectors) {
  auto enc = [](std::string_view s) { return base64_encode(Bytes(s.begin(), s.end())); };
  EXPECT_EQ(enc(""), "");
  EXPECT_EQ(enc("f"), "Zg==");
  EXPECT_EQ(enc("fo"), "Zm8=");
  EXPECT_EQ(enc("foo"), "Zm9v");
  EXPECT_EQ(enc("foob"), "Zm9vYg==");
  EXPECT_EQ(enc("fooba"), "Zm9vYmE=");
  EXPECT_EQ(enc("foobar"), "Zm9vYmFy");
  for (std::string_view s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    auto d = base64_decode(enc(s));
    ASSERT_TRUE(d);
    EXPECT_EQ(std::string(d->begin(), d->end()), s);
  }
  EXPECT_FALSE(base64_decode("Zm9v!"));
  EXPECT_FALSE(base64_decode("Zg="));
  EXPECT_FALSE(base64_decode("Zh=="));  // non-zero leftover bits
  EXPECT_FALSE(base64_decode("Z"));
  EXPECT_EQ(base64_encode(Bytes{0xff, 0xfe}, false), "//4");
}
