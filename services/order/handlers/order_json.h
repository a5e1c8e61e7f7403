#pragma once
// The order's JSON as API.md spells it.

#include <nlohmann/json.hpp>
#include <vector>

#include "order/domain/order.h"

namespace tinysaga::order {

// orderId, userId, productId, quantity, price, currency, status, statusInfo, createdAt, updatedAt,
// cancelRequested (true while the cancel saga of a PLACED order runs).
nlohmann::json OrderJson(const Order& order);

// OrderJson plus "history": [{status, statusInfo, at}] oldest first.
nlohmann::json OrderJson(const Order& order, const std::vector<StatusChange>& history);

}  // namespace tinysaga::order
