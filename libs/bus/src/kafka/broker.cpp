#include "tinysaga/bus/broker.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <system_error>

#include "../log.h"
#include "tinysaga/bus/bus.h"

namespace tinysaga::bus {
namespace {

// librdkafka's syslog levels to spdlog's. Called on librdkafka's threads; never throws.
void LogFromLibrdkafka(const rd_kafka_t*, int level, const char* facility, const char* text) {
  try {
    const auto spdlog_level = level <= 3   ? spdlog::level::err
                              : level == 4 ? spdlog::level::warn
                              : level <= 6 ? spdlog::level::info
                                           : spdlog::level::debug;
    Log()->log(spdlog_level, "mock broker {}: {}", facility, text);
  } catch (...) {  // nothing may unwind into librdkafka
  }
}

Result<void> Set(rd_kafka_conf_t* conf, const char* name, const std::string& value) {
  char error[512];
  if (rd_kafka_conf_set(conf, name, value.c_str(), error, sizeof error) != RD_KAFKA_CONF_OK) {
    return MakeError(Errc::kInternal, std::string("librdkafka option ") + name + ": " + error);
  }
  return Ok();
}

Result<void> CreateTopic(rd_kafka_mock_cluster_t* cluster, const std::string& topic,
                         const BrokerOptions& options) {
  // Every broker holds a replica, as a production topic with replication factor 3 would.
  const int replication_factor = std::min(options.broker_count, 3);
  const rd_kafka_resp_err_t code =
      rd_kafka_mock_topic_create(cluster, topic.c_str(), options.partitions, replication_factor);
  if (code != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return MakeError(Errc::kInternal, "create topic " + topic + ": " + rd_kafka_err2str(code));
  }
  return Ok();
}

// Written to a temporary file and renamed, so a reader never sees half an address.
Result<void> WriteBootstrapFile(const std::string& path, const std::string& bootstrap) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << bootstrap << '\n';
    if (!out.flush()) return MakeError(Errc::kInternal, "cannot write " + temporary);
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) return MakeError(Errc::kInternal, "cannot rename to " + path + ": " + error.message());
  return Ok();
}

}  // namespace

Result<std::unique_ptr<MockCluster>> MockCluster::Start(const BrokerOptions& options) {
  if (options.broker_count < 1 || options.partitions < 1) {
    return MakeError(Errc::kInvalidRequest, "a broker needs at least one broker and one partition");
  }
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set_log_cb(conf, LogFromLibrdkafka);
  // test.mock.num.brokers makes this handle create the mock cluster and own it; the handle
  // itself is never used to produce.
  for (auto status :
       {Set(conf, "test.mock.num.brokers", std::to_string(options.broker_count)),
        Set(conf, "client.id", "tinysaga-broker"), Set(conf, "log.connection.close", "false")}) {
    if (!status.ok()) {
      rd_kafka_conf_destroy(conf);
      return status.error();
    }
  }
  char error[512];
  rd_kafka_t* handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
  if (handle == nullptr) {
    rd_kafka_conf_destroy(conf);  // rd_kafka_new takes ownership only on success
    return MakeError(Errc::kInternal, std::string("cannot create mock cluster: ") + error);
  }
  std::unique_ptr<MockCluster> cluster(new MockCluster());
  cluster->handle_ = handle;
  cluster->cluster_ = rd_kafka_handle_mock_cluster(handle);
  if (cluster->cluster_ == nullptr)
    return MakeError(Errc::kInternal, "librdkafka has no mock cluster");
  cluster->bootstrap_servers_ = rd_kafka_mock_cluster_bootstraps(cluster->cluster_);
  for (const std::string& topic : options.topics) {
    TS_RETURN_IF_ERROR(CreateTopic(cluster->cluster_, topic, options));
    if (options.dead_letter_topics)
      TS_RETURN_IF_ERROR(CreateTopic(cluster->cluster_, DeadLetterTopic(topic), options));
  }
  return cluster;
}

MockCluster::~MockCluster() {
  if (handle_ != nullptr) rd_kafka_destroy(handle_);  // also destroys the mock cluster
}

int RunBroker(const BrokerOptions& options) {
  // Blocked before any librdkafka thread starts, so only sigwait below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigset_t previous;
  pthread_sigmask(SIG_BLOCK, &signals, &previous);

  auto cluster = MockCluster::Start(options);
  if (!cluster.ok()) {
    Log()->error("tinysaga broker: {}", cluster.error().detail);
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    return 1;
  }
  const std::string& bootstrap = (*cluster)->bootstrap_servers();
  if (!options.bootstrap_file.empty()) {
    if (auto written = WriteBootstrapFile(options.bootstrap_file, bootstrap); !written.ok()) {
      Log()->error("tinysaga broker: {}", written.error().detail);
      pthread_sigmask(SIG_SETMASK, &previous, nullptr);
      return 1;
    }
  }
  std::cout << "tinysaga broker: bootstrap=" << bootstrap
            << std::endl;  // flushed: a parent reads it
  Log()->info("broker running with {} brokers, {} topics of {} partitions", options.broker_count,
              options.topics.size(), options.partitions);

  int received = 0;
  sigwait(&signals, &received);
  Log()->info("broker stopping on signal {}", received);
  cluster->reset();
  // A stale file would point the next `up` at a broker that is gone.
  if (!options.bootstrap_file.empty()) {
    std::error_code ignored;
    std::filesystem::remove(options.bootstrap_file, ignored);
  }
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  return 0;
}

}  // namespace tinysaga::bus
