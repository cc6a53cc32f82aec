"""
The kafka-pipeline provider: what the pipeline's DAGs (airflow/dags) are made
of, laid out as Airflow's own providers are (airflow/providers/mongo/...).

  hooks/mongo.py        PipelineMongoHook: the pipeline's MongoDB (verify_sink, insights, Assets)
  hooks/bullmq.py       Redis and the BullMQ queue: add a job once, read its state
  hooks/kafka.py        KafkaOffsetsHook: a consumer group's committed offsets (Apache Kafka provider)
  operators/bullmq.py   BullMQJobOperator: add a producer job, defer until it ends
  triggers/bullmq.py    BullMQJobTrigger: wait for a BullMQ job in the triggerer
  sensors/sink.py       SinkSensor (verify_sink): the sink consumed and stored a run's events
  triggers/sink.py      SinkTrigger: the sensor's wait, in the triggerer
  sink_checker.py       SinkChecker: one look at the offsets and the store for a run
  sink_rules.py         what the store must hold for each event type
  jobs.py               which job a task runs: run id, data, job id, options
  insights/             the insights DAG's computations
  contracts.py          the rules shared with the TypeScript services (contracts/)
  assets.py             the Assets of the MongoDB collections
  dag_defaults.py       the schedule and `@dag` arguments the DAGs share

Nothing here is an AirflowPlugin: the plugins folder is on sys.path and the
DAGs import this package (.airflowignore keeps the plugin loader out of it).
Client libraries (bullmq, redis, pymongo, confluent-kafka) are imported where
they are used, never at import time: parsing a DAG must touch no connection.
"""
