#include "tinysaga/contracts/codec.h"

#include <gtest/gtest.h>

#include <vector>

#include "tinysaga/core/strict_json.h"

namespace tinysaga::contracts {
namespace {

using nlohmann::json;

constexpr TimestampMs kNowMs = 1'767'225'600'123;  // 2026-01-01T00:00:00.123Z
constexpr std::string_view kTraceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

Money Cents(int64_t cents) { return Money::FromCents(cents).value(); }

Message MakeMessage(Payload payload) {
  Envelope envelope;
  envelope.message_id = "sag_0123456789abcdef0123-1-do-1";
  envelope.saga_id = SagaId("sag_0123456789abcdef0123");
  envelope.order_id = OrderId("ord_00000000000000000001");
  envelope.time_ms = kNowMs;
  envelope.traceparent = std::string(kTraceparent);
  if (KindOf(payload) == MessageKind::kReply) envelope.causation_id = "sag_0123-1-do-1";
  return Message{std::move(envelope), std::move(payload)};
}

std::vector<Payload> EveryPayload() {
  return {
      ChargeWallet{UserId("alice"), Cents(1250)},
      Refund{UserId("alice"), Cents(1250)},
      ReserveStock{ProductId("book-1"), 2},
      ReleaseStock{ProductId("book-1"), 2},
      ShipOrder{},
      MarkPlaced{},
      MarkFailed{"out of stock, payment refunded"},
      MarkCanceled{},
      MarkOnWay{},
      PaymentCharged{TransactionId("txn_1"), Cents(1250)},
      PaymentDeclined{"insufficient funds"},
      PaymentUnavailable{"wallet did not answer after 4 attempts"},
      Refunded{TransactionId("txn_2"), Cents(1250)},
      Refunded{std::nullopt, Cents(0)},
      RefundRefused{"operation id belongs to another request"},
      StockReserved{},
      OutOfStock{1},
      StockReleased{},
      OrderShipped{},
      OrderStatusChanged{"PAYMENT_PENDING"},
      OrderStatusRejected{"CANCELED", "the order is canceled"},
      PaymentCompleted{UserId("alice"), Cents(1250), TransactionId("txn_1"), ProductId("book-1"),
                       2},
      PaymentFailed{UserId("bob"), Cents(1250), ProductId("book-1"), 2,
                    PaymentFailure::kUnavailable},
      OrderCancelRequested{UserId("alice"), Cents(1250), ProductId("book-1"), 2},
  };
}

// A valid ChargeWallet on the wire, to be broken one way at a time by the poison tests.
json ValidChargeWallet() { return ToJson(MakeMessage(ChargeWallet{UserId("alice"), Cents(1250)})); }

void ExpectPoison(const json& wire, std::string_view detail_part) {
  auto parsed = FromJson(wire);
  ASSERT_FALSE(parsed.ok()) << wire.dump();
  EXPECT_TRUE(IsPoison(parsed.error()));
  EXPECT_NE(parsed.error().detail.find(detail_part), std::string::npos)
      << "detail: " << parsed.error().detail;
  // The same through the text path, which is what consumers use.
  EXPECT_FALSE(Parse(DumpJson(wire)).ok());
}

TEST(Codec, EveryPayloadTypeRoundTrips) {
  for (const Payload& payload : EveryPayload()) {
    Message message = MakeMessage(payload);
    std::string text = Serialize(message);
    auto parsed = Parse(text);
    ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.error().detail;
    EXPECT_EQ(*parsed, message) << text;
    EXPECT_EQ(Serialize(*parsed), text);
  }
}

TEST(Codec, WireFormatIsCamelCaseWithRfc3339Time) {
  json wire = ValidChargeWallet();
  EXPECT_EQ(wire["type"], "ChargeWallet");
  EXPECT_EQ(wire["schemaVersion"], 1);
  EXPECT_EQ(wire["time"], "2026-01-01T00:00:00.123Z");
  EXPECT_EQ(wire["payload"], json::parse(R"({"userId":"alice","amount":1250,"currency":"USD"})"));
}

TEST(Codec, EventsNeedNoSagaIdAndEmptyFieldsAreOmitted) {
  Message event = MakeMessage(OrderCancelRequested{UserId("a"), Cents(5), ProductId("p"), 1});
  event.envelope.saga_id = SagaId();
  event.envelope.traceparent.clear();
  json wire = ToJson(event);
  EXPECT_FALSE(wire.contains("sagaId"));
  EXPECT_FALSE(wire.contains("traceparent"));
  EXPECT_FALSE(wire.contains("causationId"));
  auto parsed = FromJson(wire);
  ASSERT_TRUE(parsed.ok()) << parsed.error().detail;
  EXPECT_EQ(*parsed, event);
}

TEST(Codec, KindsAndNames) {
  EXPECT_EQ(KindOf(ChargeWallet{UserId("a"), Cents(1)}), MessageKind::kCommand);
  EXPECT_EQ(KindOf(StockReserved{}), MessageKind::kReply);
  EXPECT_EQ(KindOf(PaymentCompleted{UserId("a"), Cents(1), TransactionId("t"), ProductId("p"), 1}),
            MessageKind::kEvent);
  EXPECT_EQ(TypeName(MarkFailed{"x"}), "MarkFailed");
  EXPECT_EQ(TypeNameOf<ChargeWallet>(), "ChargeWallet") << "no value needed";
  EXPECT_EQ(TypeNameOf<OrderCancelRequested>(), "OrderCancelRequested");
  EXPECT_EQ(TypeNameAt(std::variant_size_v<Payload>), "");
  EXPECT_EQ(SchemaVersionMax("MarkFailed"), 1);
  EXPECT_EQ(SchemaVersionMax("NoSuchType"), 0);
}

TEST(CodecPoison, NotJsonOrNotAnObjectOrTooLarge) {
  for (const char* text : {"", "{", "[1]", "\"text\"", "{} trailing", "\xff"}) {
    auto parsed = Parse(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_TRUE(IsPoison(parsed.error()));
  }
  std::string huge = Serialize(MakeMessage(MarkFailed{"x"}));
  huge.insert(1, std::string(kMessageBytesMax, ' '));
  EXPECT_FALSE(Parse(huge).ok());
}

TEST(CodecPoison, UnknownTypeAndUnsupportedSchemaVersions) {
  json wire = ValidChargeWallet();
  wire["type"] = "ChargeWalletTwice";
  ExpectPoison(wire, "unknown message type");

  wire = ValidChargeWallet();
  wire["schemaVersion"] = 2;
  ExpectPoison(wire, "newer");

  for (json version : {json(0), json(-1), json(1.0), json("1"), json(nullptr)}) {
    wire = ValidChargeWallet();
    wire["schemaVersion"] = version;
    ExpectPoison(wire, "schemaVersion");
  }
}

TEST(CodecPoison, MissingEnvelopeFields) {
  for (const char* field : {"id", "type", "schemaVersion", "orderId", "time", "payload"}) {
    json wire = ValidChargeWallet();
    wire.erase(field);
    ExpectPoison(wire, std::string("'") + field + "' is required");
  }
}

TEST(CodecPoison, UnknownFieldsInEnvelopeOrPayload) {
  json wire = ValidChargeWallet();
  wire["priority"] = "high";
  ExpectPoison(wire, "unknown field 'priority'");

  wire = ValidChargeWallet();
  wire["payload"]["discountCents"] = 100;
  ExpectPoison(wire, "unknown field 'discountCents'");
}

TEST(CodecPoison, MissingPayloadFields) {
  for (const char* field : {"userId", "amount", "currency"}) {
    json wire = ValidChargeWallet();
    wire["payload"].erase(field);
    ExpectPoison(wire, std::string("'") + field + "' is required");
  }
}

TEST(CodecPoison, ImpossibleAmounts) {
  for (json amount : {json(-1), json(12.5), json(1.0), json("1250"), json(true),
                      json(Money::kAmountCentsMax + 1), json(18446744073709551615ull)}) {
    json wire = ValidChargeWallet();
    wire["payload"]["amount"] = amount;
    ExpectPoison(wire, "'amount'");
  }
  for (json currency : {json("usd"), json("US"), json("USDX"), json(""), json(840)}) {
    json wire = ValidChargeWallet();
    wire["payload"]["currency"] = currency;
    ExpectPoison(wire, "'currency'");
  }
}

TEST(CodecPoison, BadIds) {
  for (json id : {json(""), json("has space"), json("semi;colon"), json(std::string(65, 'a')),
                  json(7), json("caf\xc3\xa9")}) {
    for (const char* field : {"id", "orderId", "sagaId"}) {
      json wire = ValidChargeWallet();
      wire[field] = id;
      ExpectPoison(wire, field);
    }
    json wire = ValidChargeWallet();
    wire["payload"]["userId"] = id;
    ExpectPoison(wire, "userId");
  }
}

TEST(CodecPoison, ImpossibleQuantitiesAndCounts) {
  for (json quantity : {json(0), json(-2), json(kQuantityMax + 1), json(1.5)}) {
    json wire = ToJson(MakeMessage(ReserveStock{ProductId("p"), 1}));
    wire["payload"]["quantity"] = quantity;
    ExpectPoison(wire, "quantity");
  }
  json wire = ToJson(MakeMessage(OutOfStock{0}));
  wire["payload"]["availableCount"] = -1;
  ExpectPoison(wire, "availableCount");
}

TEST(CodecPoison, UnknownEnumValuesAndEmptyReasons) {
  json wire = ToJson(MakeMessage(OrderStatusChanged{"PLACED"}));
  wire["payload"]["status"] = "placed";
  ExpectPoison(wire, "status");

  wire = ToJson(MakeMessage(
      PaymentFailed{UserId("a"), Cents(1), ProductId("p"), 1, PaymentFailure::kUnavailable}));
  wire["payload"]["failure"] = "BORED";
  ExpectPoison(wire, "failure");

  wire = ToJson(MakeMessage(MarkFailed{"x"}));
  wire["payload"]["reason"] = "";
  ExpectPoison(wire, "reason");
  wire["payload"]["reason"] = std::string(kReasonLengthMax + 1, 'x');
  ExpectPoison(wire, "reason");
}

TEST(CodecPoison, CommandsAndRepliesNeedTheirCorrelation) {
  json wire = ValidChargeWallet();
  wire.erase("sagaId");
  ExpectPoison(wire, "sagaId");

  wire = ToJson(MakeMessage(StockReserved{}));
  wire.erase("causationId");
  ExpectPoison(wire, "causationId");
}

TEST(CodecPoison, BadTimesAndPayloadShapes) {
  for (json time : {json("2026-01-01 00:00:00Z"), json("2026-02-30T00:00:00Z"),
                    json("2026-01-01T00:00:00+01:00"), json(1767225600000)}) {
    json wire = ValidChargeWallet();
    wire["time"] = time;
    ExpectPoison(wire, "time");
  }
  json wire = ValidChargeWallet();
  wire["payload"] = json::array();
  ExpectPoison(wire, "payload");
}

TEST(Codec, InvalidTraceparentIsDroppedNotPoison) {
  for (const char* bad : {"garbage", "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                          "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"}) {
    json wire = ValidChargeWallet();
    wire["traceparent"] = bad;
    auto parsed = FromJson(wire);
    ASSERT_TRUE(parsed.ok()) << bad;
    EXPECT_TRUE(parsed->envelope.traceparent.empty());
  }
  EXPECT_TRUE(IsValidTraceparent(kTraceparent));
}

}  // namespace
}  // namespace tinysaga::contracts
