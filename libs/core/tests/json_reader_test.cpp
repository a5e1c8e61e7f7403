#include "tinysaga/core/json_reader.h"

#include <gtest/gtest.h>

#include <functional>

namespace tinysaga {
namespace {

using nlohmann::json;

// The detail Finish() answers after `read` on a reader of `text` (with `context`), or "ok".
std::string DetailAfter(const std::string& text, const std::function<void(JsonReader&)>& read,
                        const std::string& context = "") {
  const json document = json::parse(text);
  JsonReader reader(document, context);
  read(reader);
  auto finished = reader.Finish();
  if (finished.ok()) return "ok";
  EXPECT_EQ(finished.error().code, Errc::kInvalidRequest);
  return finished.error().detail;
}

// ---- Request bodies (ParseBody) ----

TEST(JsonReaderBody, ReadsKnownFields) {
  auto body = JsonReader::ParseBody(R"({"productId": "p1", "quantity": 3})");
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(body->ReadId<ProductId>("productId"), ProductId("p1"));
  EXPECT_EQ(body->Integer("quantity", 1, 10), 3);
  EXPECT_TRUE(body->Finish().ok());
}

TEST(JsonReaderBody, RejectsMalformedJsonAndNonObjects) {
  for (const char* text : {"{", "[1,2]", "\"text\"", "{} trailing", "{\"a\":1,}", "nul", "null"}) {
    auto body = JsonReader::ParseBody(text);
    ASSERT_FALSE(body.ok()) << text;
    EXPECT_EQ(body.error().code, Errc::kInvalidRequest) << text;
  }
  EXPECT_EQ(JsonReader::ParseBody("[1]").error().detail, "body must be a JSON object");
}

TEST(JsonReaderBody, RejectsDuplicateKeysAndInvalidUtf8) {
  auto body = JsonReader::ParseBody(R"({"productId":"cable","quantity":1,"productId":"laptop"})");
  ASSERT_FALSE(body.ok());
  EXPECT_NE(body.error().detail.find("'productId'"), std::string::npos) << body.error().detail;
  EXPECT_FALSE(JsonReader::ParseBody("{\"a\": \"\xff\xfe\"}").ok());
}

TEST(JsonReaderBody, BlankBodyIsAnEmptyObject) {
  auto body = JsonReader::ParseBody("  \r\n");
  ASSERT_TRUE(body.ok());
  EXPECT_TRUE(body->Finish().ok()) << "a route taking no fields accepts no body";
  EXPECT_EQ(body->String("a", 0, 10), "");
  EXPECT_EQ(body->Finish().error().detail, "field 'a' is required");
}

TEST(JsonReaderBody, OwnsItsDocumentWhenMoved) {
  auto body = JsonReader::ParseBody(R"({"reason": "x"})");
  ASSERT_TRUE(body.ok());
  JsonReader moved = std::move(body).value();
  EXPECT_EQ(moved.String("reason", 1, 10), "x");
  EXPECT_TRUE(moved.Finish().ok());
}

// ---- Errors: what they say and which one is reported ----

TEST(JsonReader, DetailsNameTheFieldAndTheContextIfAny) {
  auto quantity = [](JsonReader& reader) { reader.Integer("quantity", 1, 10); };
  EXPECT_EQ(DetailAfter("{}", quantity), "field 'quantity' is required");
  EXPECT_EQ(DetailAfter(R"({"quantity": 0})", quantity),
            "field 'quantity' must be an integer from 1 to 10");
  EXPECT_EQ(DetailAfter(R"({"quantity": 1, "price": 1})", quantity), "unknown field 'price'");
  EXPECT_EQ(DetailAfter("{}", quantity, "payload of ReserveStock"),
            "payload of ReserveStock: field 'quantity' is required");
  EXPECT_EQ(DetailAfter(R"({"a": "x", "b": 5, "c": true})",
                        [](JsonReader& reader) {
                          EXPECT_EQ(reader.String("a", 1, 10), "x");
                          EXPECT_EQ(reader.Integer("b", 0, 10), 5);
                        },
                        "thing"),
            "thing: unknown field 'c'");
  const std::string long_name(100, 'k');
  EXPECT_EQ(DetailAfter(R"({")" + long_name + R"(": 1})", [](JsonReader&) {}),
            "unknown field '" + long_name.substr(0, 64) + "...'");
}

// A misspelt name explains the "required" error it causes, so it is reported first.
TEST(JsonReader, AnUnknownFieldIsReportedBeforeABadOrMissingOne) {
  EXPECT_EQ(DetailAfter(R"({"quantiy": 2})",
                        [](JsonReader& reader) { reader.Integer("quantity", 1, 10); }),
            "unknown field 'quantiy'");
  EXPECT_EQ(DetailAfter(R"({"a": 5, "b": "x", "z": 1})",
                        [](JsonReader& reader) {
                          reader.String("a", 1, 10);
                          reader.Integer("b", 0, 10);
                        }),
            "unknown field 'z'");
}

TEST(JsonReader, FirstProblemSticksAndLaterReadsReturnEmptyValues) {
  const json document = json::parse(R"({"a": "x", "b": 5})");
  JsonReader reader(document, "thing");
  EXPECT_EQ(reader.Integer("a", 0, 10), 0);
  EXPECT_FALSE(reader.ok());
  EXPECT_EQ(reader.String("b", 1, 10), "");  // no error of its own, and 'b' counts as read
  reader.Fail("b", "is impossible");         // ignored: the first problem is the one reported
  EXPECT_EQ(reader.Finish().error().detail, "thing: field 'a' must be an integer from 0 to 10");
}

TEST(JsonReader, NonObjectIsAnError) {
  const json array = json::array();  // a reader borrows its document: it must outlive it
  JsonReader reader(array, "thing");
  EXPECT_EQ(reader.Finish().error().detail, "thing must be a JSON object");
  const json text("text");
  JsonReader body(text, "");
  EXPECT_EQ(body.Finish().error().detail, "body must be a JSON object");
}

// ---- The rules for optional fields, null and empty strings ----

TEST(JsonReader, OptionalFieldsMayBeAbsentButNotWrong) {
  const json document = json::parse(R"({"id": "bad id"})");
  JsonReader reader(document, "thing");
  EXPECT_FALSE(reader.OptionalString("note", 0, 10).has_value());
  EXPECT_FALSE(reader.OptionalInteger("count", 0, 10).has_value());
  EXPECT_FALSE(reader.OptionalId<OrderId>("id").has_value());
  EXPECT_EQ(reader.Finish().error().detail, "thing: field 'id' must match [A-Za-z0-9_-]{1,64}");

  const json present = json::parse(R"({"note": "n", "count": 3, "id": "o1"})");
  JsonReader full(present, "thing");
  EXPECT_EQ(full.OptionalString("note", 0, 10), "n");
  EXPECT_EQ(full.OptionalInteger("count", 0, 10), 3);
  EXPECT_EQ(full.OptionalId<OrderId>("id"), OrderId("o1"));
  EXPECT_TRUE(full.Finish().ok());
}

// Leaving a field out is the one way to say "absent": messages never wrote null, and no
// request field of the API is nullable.
TEST(JsonReader, NullIsAWrongTypeEvenForAnOptionalField) {
  EXPECT_EQ(DetailAfter(R"({"statusInfo": null})",
                        [](JsonReader& reader) { reader.OptionalString("statusInfo", 0, 10); }),
            "field 'statusInfo' must be a string");
  EXPECT_EQ(DetailAfter(R"({"quantity": null})",
                        [](JsonReader& reader) { reader.OptionalInteger("quantity", 1, 10); }),
            "field 'quantity' must be an integer from 1 to 10");
  EXPECT_EQ(DetailAfter(R"({"sagaId": null})",
                        [](JsonReader& reader) { reader.OptionalId<SagaId>("sagaId"); }),
            "field 'sagaId' must be a string");
  EXPECT_EQ(DetailAfter(R"({"orderId": null})",
                        [](JsonReader& reader) { reader.ReadId<OrderId>("orderId"); }),
            "field 'orderId' must be a string");
}

TEST(JsonReader, AnEmptyStringOnlyWhereTheLengthMayBeZero) {
  EXPECT_EQ(
      DetailAfter(R"({"reason": ""})", [](JsonReader& reader) { reader.String("reason", 1, 10); }),
      "field 'reason' must have 1 to 10 bytes");
  EXPECT_EQ(DetailAfter(R"({"reason": ""})",
                        [](JsonReader& reader) { reader.OptionalString("reason", 1, 10); }),
            "field 'reason' must have 1 to 10 bytes");
  EXPECT_EQ(DetailAfter(R"({"statusInfo": ""})",
                        [](JsonReader& reader) {
                          EXPECT_EQ(reader.OptionalString("statusInfo", 0, 10), "");
                        }),
            "ok");
  EXPECT_EQ(DetailAfter(R"({"orderId": ""})",
                        [](JsonReader& reader) { reader.ReadId<OrderId>("orderId"); }),
            "field 'orderId' must match [A-Za-z0-9_-]{1,64}");
}

TEST(JsonReader, ANonBlankStringHasMoreThanWhitespace) {
  const auto read = [](JsonReader& reader) { reader.NonBlankString("reason", 10); };
  for (const char* blank : {R"({"reason": ""})", R"({"reason": " \t\r\n "})"}) {
    EXPECT_EQ(DetailAfter(blank, read), "field 'reason' must not be blank") << blank;
  }
  EXPECT_EQ(DetailAfter(R"({"reason": " why "})", read), "ok");
  // Its type and length are checked first, as for any string.
  EXPECT_EQ(DetailAfter(R"({"reason": 1})", read), "field 'reason' must be a string");
  EXPECT_EQ(DetailAfter(R"({"reason": "           "})", read),
            "field 'reason' must have at most 10 bytes");
  EXPECT_EQ(DetailAfter("{}", read), "field 'reason' is required");
}

// ---- Types and bounds ----

TEST(JsonReader, IntegersMustBeExactIntegersInRange) {
  for (const char* value : {"5.0", "\"5\"", "true", "null", "18446744073709551616", "-1",
                            "18446744073709551615", "9223372036854775807"}) {
    EXPECT_EQ(DetailAfter(std::string(R"({"n": )") + value + "}",
                          [](JsonReader& reader) { reader.Integer("n", 0, 100); }),
              "field 'n' must be an integer from 0 to 100")
        << value;
  }
  const json document = json::parse(R"({"max": 9223372036854775807})");
  JsonReader reader(document, "");
  EXPECT_EQ(reader.Integer("max", 0, INT64_MAX), INT64_MAX);
  EXPECT_TRUE(reader.Finish().ok());
}

TEST(JsonReader, StringsHaveATypeAndALengthLimit) {
  auto read = [](size_t length_max) {
    return [length_max](JsonReader& reader) { reader.String("long", 0, length_max); };
  };
  EXPECT_EQ(DetailAfter(R"({"long": "abcdef"})", read(5)),
            "field 'long' must have at most 5 bytes");
  EXPECT_EQ(DetailAfter(R"({"long": "abcdef"})", read(6)), "ok");
  EXPECT_EQ(DetailAfter(R"({"long": 1})", read(6)), "field 'long' must be a string");
}

TEST(JsonReader, IdsBooleansTimesMoneyAndNesting) {
  const std::string long_id(65, 'a');
  EXPECT_EQ(DetailAfter(R"({"id": ")" + long_id + R"("})",
                        [](JsonReader& reader) { reader.ReadId<OrderId>("id"); }),
            "field 'id' must match [A-Za-z0-9_-]{1,64}");
  EXPECT_EQ(DetailAfter(R"({"on": 1})", [](JsonReader& reader) { reader.Boolean("on"); }),
            "field 'on' must be true or false");
  EXPECT_EQ(DetailAfter(R"({"time": "2026-01-01 00:00:00Z"})",
                        [](JsonReader& reader) { reader.Time("time"); }),
            "field 'time' must be an RFC 3339 UTC time such as 2026-01-01T00:00:00.000Z");
  EXPECT_EQ(DetailAfter(R"({"amount": 5, "currency": "usd"})",
                        [](JsonReader& reader) { reader.ReadMoney("amount", "currency"); }),
            "field 'currency' must be an ISO-4217 code of three capital letters");
  EXPECT_EQ(DetailAfter(R"({"data": [], "list": {}})",
                        [](JsonReader& reader) {
                          EXPECT_EQ(reader.Object("data"), nullptr);
                          EXPECT_EQ(reader.Array("list"), nullptr);
                        }),
            "field 'data' must be an object");

  const json document = json::parse(
      R"({"on": false, "time": "2026-01-01T00:00:00Z", "amount": 250, "currency": "EUR",)"
      R"( "data": {"k": 1}, "list": [1]})");
  JsonReader reader(document, "");
  EXPECT_FALSE(reader.Boolean("on"));
  EXPECT_EQ(reader.Time("time"), 1'767'225'600'000);
  auto money = reader.ReadMoney("amount", "currency");
  ASSERT_TRUE(money.has_value());
  EXPECT_EQ(money->cents(), 250);
  EXPECT_EQ(money->currency(), "EUR");
  ASSERT_NE(reader.Object("data"), nullptr);
  ASSERT_NE(reader.Array("list"), nullptr);
  EXPECT_TRUE(reader.Finish().ok());
}

}  // namespace
}  // namespace tinysaga
