#pragma once
// A catalogue product and the rules for creating one. Pure: no I/O.

#include <cstdint>
#include <optional>
#include <string>

#include "tinysaga/core/clock.h"
#include "tinysaga/core/ids.h"
#include "tinysaga/core/money.h"
#include "tinysaga/core/result.h"

namespace tinysaga::inventory {

inline constexpr size_t kProductNameCharactersMax = 200;
inline constexpr size_t kProductTypeCharactersMax = 100;
// Bytes a field of N characters can take in UTF-8 (4 bytes per code point at most); the
// JSON reader bounds bytes, the rule above bounds characters.
inline constexpr size_t kUtf8BytesPerCharacterMax = 4;

struct Product {
  ProductId product_id;
  std::string product_name;
  std::string product_type;
  Money price;  // the unit price
  int64_t available_count = 0;
  TimestampMs created_at_ms = 0;
  TimestampMs updated_at_ms = 0;
};

// What POST /api/products asks for, before validation. Absent optional fields are nullopt.
struct NewProductRequest {
  std::optional<std::string> product_id;
  std::string product_name;
  std::string product_type;
  int64_t price_cents = 0;
  std::optional<std::string> currency;
};

// Checks every field and builds the product with no stock. `generated_id` is used when the
// request names no id (the caller draws it from its Rng, keeping this function pure).
// kInvalidRequest naming the field on any bad value.
Result<Product> ValidateNewProduct(const NewProductRequest& request, const ProductId& generated_id,
                                   TimestampMs now_ms);

}  // namespace tinysaga::inventory
