#pragma once
// The broker library's logger ("kafka-broker"). Internal to libs/kafka_broker.

#include <spdlog/spdlog.h>

#include <memory>

namespace tinysaga::kafka_broker {

std::shared_ptr<spdlog::logger> Log();

}  // namespace tinysaga::kafka_broker
