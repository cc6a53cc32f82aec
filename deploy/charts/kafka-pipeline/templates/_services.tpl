{{/*
Each process: its entry point (the Dockerfile's dist/), its port name in
generated/pipeline.json, and what it talks to. The variables are lib/config.ts's
(.env.example): Kafka over TLS with each service's SCRAM user (lib/config-kafka.ts).
*/}}
{{- define "kp.services" -}}
api:
  command: ["node", "--max-semi-space-size=64", "dist/producers/main.js"]
  portVariable: API_PORT
  uses: [kafka, redis, football]
reader:
  command: ["node", "dist/reader/main.js"]
  portVariable: READER_PORT
  uses: [kafka, mongo]
consumer:
  command: ["node", "dist/consumer/main.js"]
  portVariable: CONSUMER_PORT
  uses: [kafka, mongo]
workers:
  command: ["node", "dist/workers/main.js"]
  portVariable: WORKER_PORT
  uses: [kafka, redis, football, apiUrl]
admin:
  command: ["node", "dist/workers/admin-main.js"]
  portVariable: ADMIN_PORT
  uses: [kafka, redis, mongo, adminLogin, live, apiUrl]
{{- /* Not a Deployment: the `helm test` Pod (templates/tests/smoke-pod.yaml), a client of all the others. */}}
smoke:
  command: ["node", "--import", "tsx", "smoke/main.ts"]
  uses: [kafka, redis, mongo, adminLogin, live, apiUrl]
{{- end -}}

{{- define "kp.env" -}}
{{- $root := .root }}{{- $name := .service }}{{- $spec := .spec }}{{- $gen := .gen }}
{{- $full := include "kp.fullname" $root -}}
- name: LOG_LEVEL
  value: {{ $root.Values.logLevel | quote }}
{{- if $spec.portVariable }}
- name: HTTP_HOST
  value: "0.0.0.0"
- name: {{ $spec.portVariable }}
  value: {{ index $gen.ports $name | quote }}
{{- end }}
- name: KAFKA_BROKERS
  value: {{ $root.Values.kafka.bootstrapServers | quote }}
- name: KAFKA_TOPICS_MODE
  value: {{ $root.Values.kafka.topicsMode | quote }}
- name: TOPIC_PARTITIONS
  value: {{ $gen.partitions | quote }}
- name: TOPIC_REPLICATION_FACTOR
  value: {{ $gen.replicationFactor | quote }}
- name: KAFKA_SECURITY_PROTOCOL
  value: SASL_SSL
- name: KAFKA_SSL_CA_FILE
  value: /run/secrets/kafka-ca/{{ $root.Values.kafka.tls.caKey }}
- name: KAFKA_SASL_MECHANISM
  value: {{ $root.Values.kafka.sasl.mechanism | quote }}
- name: KAFKA_SASL_USERNAME
  value: {{ index $root.Values.kafka.sasl.users $name | quote }}
- name: KAFKA_SASL_PASSWORD_FILE
  value: /run/secrets/kafka-user/{{ $root.Values.kafka.sasl.passwordKey }}
{{- if has "mongo" $spec.uses }}
- name: MONGO_URL
  value: {{ $root.Values.mongo.url | quote }}
- name: MONGO_DB
  value: {{ $root.Values.mongo.db | quote }}
- name: MONGO_PASSWORD_FILE
  value: /run/secrets/mongo/{{ $root.Values.mongo.passwordSecret.key }}
{{- end }}
{{- if has "redis" $spec.uses }}
- name: REDIS_URL
  value: {{ printf "redis://%s" $root.Values.redis.address | quote }}
- name: REDIS_PASSWORD_FILE
  value: /run/secrets/redis/{{ $root.Values.redis.passwordSecret.key }}
{{- end }}
{{- if and (has "football" $spec.uses) $root.Values.footballToken.secret }}
- name: FOOT_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ $root.Values.footballToken.secret }}
      key: {{ $root.Values.footballToken.key }}
{{- end }}
{{- if has "apiUrl" $spec.uses }}
- name: API_URL
  value: {{ printf "http://%s-api:%v" $full $gen.ports.api | quote }}
{{- end }}
{{- if has "adminLogin" $spec.uses }}
- name: ADMIN_USER
  value: {{ $root.Values.admin.user | quote }}
- name: ADMIN_PASSWORD_FILE
  value: /run/secrets/admin/{{ $root.Values.admin.passwordSecret.key }}
{{- end }}
{{- if has "live" $spec.uses }}
- name: LIVE_READER_URL
  value: {{ printf "http://%s-reader:%v" $full $gen.ports.reader | quote }}
- name: LIVE_CONSUMER_URL
  value: {{ printf "http://%s-consumer:%v" $full $gen.ports.consumer | quote }}
- name: LIVE_WORKER_URL
  value: {{ printf "http://%s-workers:%v" $full $gen.ports.workers | quote }}
- name: LIVE_AIRFLOW_URL
  value: {{ $root.Values.airflow.url | quote }}
{{- end }}
{{- range $key, $value := (index $root.Values $name).env }}
- name: {{ $key }}
  value: {{ $value | quote }}
{{- end }}
{{- end -}}

{{- define "kp.secretVolumes" -}}
{{- $root := .root }}{{- $name := .service }}{{- $spec := .spec -}}
- name: kafka-ca
  secret:
    secretName: {{ $root.Values.kafka.tls.caSecret }}
    items: [{ key: {{ $root.Values.kafka.tls.caKey }}, path: {{ $root.Values.kafka.tls.caKey }} }]
- name: kafka-user
  secret:
    secretName: {{ index $root.Values.kafka.sasl.users $name }}
    items: [{ key: {{ $root.Values.kafka.sasl.passwordKey }}, path: {{ $root.Values.kafka.sasl.passwordKey }} }]
{{- if has "mongo" $spec.uses }}
- name: mongo
  secret:
    secretName: {{ $root.Values.mongo.passwordSecret.name }}
    items: [{ key: {{ $root.Values.mongo.passwordSecret.key }}, path: {{ $root.Values.mongo.passwordSecret.key }} }]
{{- end }}
{{- if has "redis" $spec.uses }}
- name: redis
  secret:
    secretName: {{ $root.Values.redis.passwordSecret.name }}
    items: [{ key: {{ $root.Values.redis.passwordSecret.key }}, path: {{ $root.Values.redis.passwordSecret.key }} }]
{{- end }}
{{- if has "adminLogin" $spec.uses }}
- name: admin
  secret:
    secretName: {{ $root.Values.admin.passwordSecret.name }}
    items: [{ key: {{ $root.Values.admin.passwordSecret.key }}, path: {{ $root.Values.admin.passwordSecret.key }} }]
{{- end }}
{{- end -}}
