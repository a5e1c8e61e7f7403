#include "inventory/domain/product.h"

#include "inventory/domain/validation.h"

namespace tinysaga::inventory {

Result<Product> ValidateNewProduct(const NewProductRequest& request, const ProductId& generated_id,
                                   TimestampMs now_ms) {
  ProductId product_id = generated_id;
  if (request.product_id) {
    if (!IsValidName(*request.product_id)) {
      return MakeError(Errc::kInvalidRequest, "field 'productId' must match [A-Za-z0-9_-]{1,64}");
    }
    product_id = ProductId(*request.product_id);
  }
  TS_RETURN_IF_ERROR(ValidateText("productName", request.product_name, kProductNameCharactersMax));
  TS_RETURN_IF_ERROR(ValidateText("productType", request.product_type, kProductTypeCharactersMax));
  const std::string currency = request.currency.value_or(std::string(Money::kDefaultCurrency));
  if (!IsValidCurrency(currency)) {
    return MakeError(Errc::kInvalidRequest,
                     "field 'currency' must be three capital letters (ISO 4217)");
  }
  if (request.price_cents < 0 || request.price_cents > Money::kAmountCentsMax) {
    return MakeError(Errc::kInvalidRequest, "field 'price' must be an integer from 0 to " +
                                                std::to_string(Money::kAmountCentsMax));
  }
  auto price = Money::FromCents(request.price_cents, currency);
  if (!price.ok())
    return MakeError(Errc::kInvalidRequest, "field 'price': " + price.error().detail);
  return Product{
      .product_id = std::move(product_id),
      .product_name = request.product_name,
      .product_type = request.product_type,
      .price = std::move(price).value(),
      .available_count = 0,
      .created_at_ms = now_ms,
      .updated_at_ms = now_ms,
  };
}

}  // namespace tinysaga::inventory
