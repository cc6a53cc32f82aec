"""policy.py GENERATED_JSON MANIFEST.yaml...: the rules no schema can hold,
over rendered manifests (deploy/validate.sh runs it on every chart variant and
on deploy/platform/). One line per breach, "policy: <object>: <rule>: ...",
exit 1 when there is any.

  resources     every container has requests and limits (cpu, memory)
  probes        every long-running container (a Deployment's, a StatefulSet's) has readiness and liveness probes
  image         every image is pinned: a digest, or a tag that is not "latest"
  hardening     non-root, read-only root filesystem, no privilege escalation
  autoscaler    no spec.replicas on a Deployment an HPA or ScaledObject scales
  partitions    a Kafka ScaledObject scales to no more than the partitions of a topic its group reads
  trigger-keys  KEDA trigger metadata keys come from the scaler's allow-list
  grace         terminationGracePeriodSeconds above the process's shutdown bound
  env           every variable of the pipeline's containers is one lib/config.ts reads, set once
  strimzi       every KafkaNodePool, KafkaTopic and KafkaUser names the cluster of generated/pipeline.json
"""
import json
import sys

import yaml

# KEDA's metadata keys for the scalers the chart uses (keda.sh docs: Kafka, Redis Lists).
TRIGGER_KEYS = {
    "kafka": {
        "bootstrapServers", "consumerGroup", "topic", "lagThreshold", "activationLagThreshold",
        "offsetResetPolicy", "allowIdleConsumers", "scaleToZeroOnInvalidOffset", "excludePersistentLag",
        "limitToPartitionsWithLag", "ensureEvenDistributionOfPartitions", "partitionLimitation",
        "sasl", "tls", "version",
    },
    "redis": {
        "address", "host", "port", "listName", "listLength", "activationListLength", "databaseIndex",
        "enableTLS", "unsafeSsl", "usernameFromEnv", "passwordFromEnv",
    },
}
# What runs containers, and where its pod spec is. Pods and Jobs (the chart's `helm test` Pod) end:
# they are held to every rule but the probes.
LONG_RUNNING = {"Deployment", "StatefulSet"}
WORKLOADS = LONG_RUNNING | {"Job", "Pod"}


def pod_spec(obj):
    return obj["spec"] if obj["kind"] == "Pod" else obj["spec"]["template"]["spec"]


def load(paths):
    for path in paths:
        with open(path) as handle:
            for doc in yaml.safe_load_all(handle):
                if doc:
                    yield doc


def name_of(obj):
    return f"{obj['kind']}/{obj['metadata']['name']}"


def check(generated, objects):
    problems = []
    say = lambda obj, rule, text: problems.append(f"policy: {name_of(obj)}: {rule}: {text}")
    scaled = {}
    for obj in objects:
        if obj["kind"] == "HorizontalPodAutoscaler":
            scaled[obj["spec"]["scaleTargetRef"]["name"]] = name_of(obj)
        if obj["kind"] == "ScaledObject":
            scaled[obj["spec"]["scaleTargetRef"]["name"]] = name_of(obj)
            check_scaled_object(generated, obj, say)
    for obj in objects:
        cluster = obj["metadata"].get("labels", {}).get("strimzi.io/cluster")
        if obj["kind"] == "Kafka" and obj["metadata"]["name"] != generated["strimziCluster"]:
            say(obj, "strimzi", f"the Kafka is named {obj['metadata']['name']!r}, but the topics and users name {generated['strimziCluster']!r}")
        if obj["kind"] in ("KafkaNodePool", "KafkaTopic", "KafkaUser") and cluster != generated["strimziCluster"]:
            say(obj, "strimzi", f"strimzi.io/cluster is {cluster!r}, not the Kafka {generated['strimziCluster']!r}: no operator would act on it")
    env_names = set(generated["env"]["known"]) | set(generated["env"]["pending"])
    for obj in objects:
        if obj["kind"] not in WORKLOADS:
            continue
        pod = pod_spec(obj)
        if obj["kind"] == "Deployment" and obj["metadata"]["name"] in scaled and "replicas" in obj["spec"]:
            say(obj, "autoscaler", f"sets spec.replicas, but {scaled[obj['metadata']['name']]} scales it: they would fight")
        pod_security = pod.get("securityContext", {})
        component = obj["metadata"].get("labels", {}).get("app.kubernetes.io/component")
        ours = obj["metadata"].get("labels", {}).get("app.kubernetes.io/name") == "kafka-pipeline"
        if ours and component in generated["shutdownBoundMs"]:
            bound = generated["shutdownBoundMs"][component]
            grace = pod.get("terminationGracePeriodSeconds", 30)
            if grace * 1000 <= bound:
                say(obj, "grace", f"terminationGracePeriodSeconds {grace} is not above the {component} shutdown bound of {bound} ms (lib/shutdown-bounds.ts)")
        for kind, containers in (("container", pod.get("containers", [])), ("init container", pod.get("initContainers", []))):
            for container in containers:
                where = f"{kind} {container.get('name')}"
                resources = container.get("resources", {})
                for part in ("requests", "limits"):
                    missing = {"cpu", "memory"} - set(resources.get(part, {}))
                    if missing:
                        say(obj, "resources", f"{where} has no {part}.{'/'.join(sorted(missing))}")
                if kind == "container" and obj["kind"] in LONG_RUNNING:
                    for probe in ("readinessProbe", "livenessProbe"):
                        if probe not in container:
                            say(obj, "probes", f"{where} has no {probe}")
                image = container.get("image", "")
                tag = image.rsplit("/", 1)[-1].partition(":")[2]
                if "@sha256:" not in image and (not tag or tag == "latest"):
                    say(obj, "image", f"{where} image {image!r} is not pinned (a digest, or a version tag)")
                security = container.get("securityContext", {})
                if security.get("allowPrivilegeEscalation") is not False:
                    say(obj, "hardening", f"{where} does not set allowPrivilegeEscalation: false")
                if security.get("readOnlyRootFilesystem") is not True:
                    say(obj, "hardening", f"{where} does not set readOnlyRootFilesystem: true")
                if not (security.get("runAsNonRoot") or pod_security.get("runAsNonRoot")):
                    say(obj, "hardening", f"{where} may run as root (runAsNonRoot)")
                if ours and kind == "container" and container.get("name") == component:
                    names = [variable["name"] for variable in container.get("env", [])]
                    for twice in sorted({name for name in names if names.count(name) > 1}):
                        say(obj, "env", f"{where} sets {twice} twice; the last one wins (set it through the chart's own value)")
                    for variable in container.get("env", []):
                        if variable["name"] not in env_names:
                            say(obj, "env", f"{where} sets {variable['name']}, which lib/config.ts does not read (misspelt?)")
    return problems


def check_scaled_object(generated, obj, say):
    spec = obj["spec"]
    for trigger in spec.get("triggers", []):
        allowed = TRIGGER_KEYS.get(trigger["type"])
        if allowed is None:
            say(obj, "trigger-keys", f"trigger type {trigger['type']!r} has no allow-list here")
            continue
        for key in sorted(set(trigger.get("metadata", {})) - allowed):
            say(obj, "trigger-keys", f"{trigger['type']} trigger has unknown metadata key {key!r}: KEDA would ignore it")
        if trigger["type"] == "kafka":
            group = trigger["metadata"].get("consumerGroup")
            if group != generated["consumer"]["group"]:
                say(obj, "partitions", f"consumerGroup {group!r} is not the sink's group {generated['consumer']['group']!r}")
                continue
            topics = {spec_["name"]: spec_["partitions"] for spec_ in generated["topics"].values()}
            fewest = min(topics[name] for name in generated["consumer"]["reads"])
            most = spec.get("maxReplicaCount", 100)
            if most > fewest:
                say(obj, "partitions", f"maxReplicaCount {most} is above {fewest}, the partitions of a topic the group reads")


def main():
    with open(sys.argv[1]) as handle:
        generated = json.load(handle)
    problems = check(generated, list(load(sys.argv[2:])))
    for problem in problems:
        print(problem)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
