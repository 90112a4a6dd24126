#!/usr/bin/env bash
# Checks the deployment files offline: systemd units (systemd-analyze verify, when present), the compose file and
# the Kubernetes manifests (YAML syntax plus the fleet's own rules), and `kubectl kustomize` when kubectl is present.
#
#   infra/deploy/validate.sh [deploy-folder]     (default: the folder of this script)
#
# Exit 0 when everything holds, 1 with one line per problem otherwise.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
deploy="$(cd "${1:-$here}" && pwd)"
topology="${SYNC_TOPOLOGY:-$here/../rabbitmq/topology.json}"
problems=0

fail() {
    echo "FAIL: $*" >&2
    problems=$((problems + 1))
}

# 1. systemd units: verify each as systemd would load it, with ExecStart pointed at an existing binary (the fleet's
#    binaries are not installed here) and nothing else changed. Any diagnostic counts as a failure.
if command -v systemd-analyze >/dev/null 2>&1; then
    scratch="$(mktemp -d)"
    trap 'rm -rf "$scratch"' EXIT
    for unit in "$deploy"/systemd/*.service; do
        name="$(basename "$unit")"
        sed -e 's#^ExecStart=.*#ExecStart=/bin/true#' "$unit" >"$scratch/$name"
        instance="$name"
        [[ "$name" == *@.service ]] && instance="${name%@.service}@1.service"
        if ! output="$(systemd-analyze verify --man=no "$scratch/$instance" 2>&1)" || [[ -n "$output" ]]; then
            fail "systemd-analyze verify $name: ${output//$'\n'/ | }"
        fi
    done
else
    echo "note: systemd-analyze not found; the units get the structural checks only" >&2
fi

# 2. Structure: units, environment file, compose, Kubernetes.
python3 - "$deploy" "$topology" <<'PYTHON' || problems=$((problems + 1))
import configparser, json, os, re, sys
import yaml

deploy, topology_path = sys.argv[1], sys.argv[2]
problems = []

def fail(message):
    problems.append(message)

def seconds(value):
    """Seconds in '45', '45s', '1m30s', '1min'; None when unreadable."""
    text = str(value).strip()
    if re.fullmatch(r"\d+", text):
        return int(text)
    total, matched = 0, False
    for number, unit in re.findall(r"(\d+)\s*(min|ms|h|m|s)", text):
        matched = True
        total += {"h": 3600, "m": 60, "min": 60, "s": 1, "ms": 0.001}[unit] * int(number)
    return total if matched else None

with open(topology_path) as handle:
    topology = json.load(handle)
work_queues = {queue["name"] for queue in topology["workQueues"]}
workers = {"upsert-worker": "sync.upsert", "delete-worker": "sync.delete", "pull-worker": "sync.pull"}

# systemd units
expected_units = [f"{worker}@.service" for worker in workers] + ["event-gateway.service"]
for unit in expected_units:
    path = os.path.join(deploy, "systemd", unit)
    if not os.path.exists(path):
        fail(f"systemd/{unit} is missing")
        continue
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    try:
        with open(path) as handle:
            parser.read_string(handle.read())
    except configparser.Error as error:
        fail(f"systemd/{unit}: {error}")
        continue
    for section in ("Unit", "Service", "Install"):
        if not parser.has_section(section):
            fail(f"systemd/{unit}: no [{section}] section")
    if not parser.has_section("Service"):
        continue
    service = parser["Service"]
    if not service.get("ExecStart", "").startswith("/"):
        fail(f"systemd/{unit}: ExecStart must be an absolute path")
    if "/etc/syncfleet/fleet.env" not in service.get("EnvironmentFile", ""):
        # configparser keeps the last of repeated keys; look at the raw text too.
        with open(path) as handle:
            if "EnvironmentFile=/etc/syncfleet/fleet.env" not in handle.read():
                fail(f"systemd/{unit}: EnvironmentFile=/etc/syncfleet/fleet.env is missing")
    stop = seconds(service.get("TimeoutStopSec", "0"))
    if stop is None or stop < 30:
        fail(f"systemd/{unit}: TimeoutStopSec must be at least 30 s for a graceful stop")
    if service.get("KillSignal", "SIGTERM") != "SIGTERM":
        fail(f"systemd/{unit}: KillSignal must be SIGTERM")

# the environment file
env_path = os.path.join(deploy, "systemd", "fleet.env.example")
keys = set()
with open(env_path) as handle:
    for number, line in enumerate(handle, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = re.fullmatch(r"([A-Z_][A-Z0-9_]*)=(.*)", line)
        if not match:
            fail(f"systemd/fleet.env.example:{number}: not KEY=value: {line}")
        else:
            keys.add(match.group(1))
for key in ("AMQP_URL", "DATABASE_URL"):
    if key not in keys:
        fail(f"systemd/fleet.env.example: {key} is missing")

# compose
try:
    with open(os.path.join(deploy, "compose.yaml")) as handle:
        compose = yaml.safe_load(handle)
except (OSError, yaml.YAMLError) as error:
    fail(f"compose.yaml: {error}")
    compose = None
if compose is not None:
    services = compose.get("services") or {}
    for name in ("rabbitmq", "postgres", "setup", *workers, "event-gateway"):
        if name not in services:
            fail(f"compose.yaml: service {name} is missing")
    for name in (*workers, "event-gateway"):
        service = services.get(name) or {}
        if not service.get("image"):
            fail(f"compose.yaml: {name} has no image")
        if not service.get("command"):
            fail(f"compose.yaml: {name} has no command")
        grace = seconds(service.get("stop_grace_period", "10s"))
        if grace is None or grace < 30:
            fail(f"compose.yaml: {name} needs stop_grace_period of at least 30s")
        environment = service.get("environment") or {}
        if isinstance(environment, list):
            environment = dict(item.split("=", 1) for item in environment)
        for key in ("AMQP_URL", "DATABASE_URL"):
            if key not in environment:
                fail(f"compose.yaml: {name} lacks {key}")
    for name in workers:
        replicas = ((services.get(name) or {}).get("deploy") or {}).get("replicas")
        if not isinstance(replicas, int) or replicas < 1:
            fail(f"compose.yaml: {name} needs deploy.replicas")

# Kubernetes
kube = os.path.join(deploy, "kubernetes")
documents = []
for file in sorted(os.listdir(kube)):
    if not file.endswith((".yaml", ".yml")):
        continue
    try:
        with open(os.path.join(kube, file)) as handle:
            for document in yaml.safe_load_all(handle):
                if document is not None:
                    documents.append((file, document))
    except yaml.YAMLError as error:
        fail(f"kubernetes/{file}: {error}")
resources = {}
for file, document in documents:
    if not isinstance(document, dict):
        fail(f"kubernetes/{file}: a document is not a mapping")
        continue
    if document.get("kind") == "Kustomization":
        for resource in document.get("resources", []):
            if not os.path.exists(os.path.join(kube, resource)):
                fail(f"kubernetes/{file}: resource {resource} does not exist")
        continue
    for field in ("apiVersion", "kind"):
        if not document.get(field):
            fail(f"kubernetes/{file}: a document has no {field}")
    name = (document.get("metadata") or {}).get("name")
    if not name:
        fail(f"kubernetes/{file}: a {document.get('kind')} has no metadata.name")
    resources.setdefault(document.get("kind"), {})[name] = (file, document)

deployments = resources.get("Deployment", {})
for name in (*workers, "event-gateway"):
    if name not in deployments:
        fail(f"kubernetes: Deployment {name} is missing")
for name, (file, deployment) in deployments.items():
    spec = deployment.get("spec") or {}
    template = (spec.get("template") or {})
    selector = ((spec.get("selector") or {}).get("matchLabels") or {})
    labels = ((template.get("metadata") or {}).get("labels") or {})
    if not selector or any(labels.get(key) != value for key, value in selector.items()):
        fail(f"kubernetes/{file}: {name}'s selector does not match its pod labels")
    pod = template.get("spec") or {}
    grace = pod.get("terminationGracePeriodSeconds", 30)
    if not isinstance(grace, int) or grace < 30:
        fail(f"kubernetes/{file}: {name} needs terminationGracePeriodSeconds of at least 30")
    containers = pod.get("containers") or []
    if not containers:
        fail(f"kubernetes/{file}: {name} has no containers")
    for container in containers:
        if not container.get("image") or not container.get("name"):
            fail(f"kubernetes/{file}: a container of {name} lacks a name or an image")
        sources = {(item.get("secretRef") or item.get("configMapRef") or {}).get("name")
                   for item in container.get("envFrom", [])}
        for needed in ("syncfleet-config", "syncfleet-secrets"):
            if needed not in sources:
                fail(f"kubernetes/{file}: {name} does not read {needed}")
for needed, kind in (("syncfleet-config", "ConfigMap"), ("syncfleet-secrets", "Secret")):
    if needed not in resources.get(kind, {}):
        fail(f"kubernetes: {kind} {needed} is missing")

scaled = resources.get("ScaledObject", {})
authentications = resources.get("TriggerAuthentication", {})
for worker, queue in workers.items():
    matching = [document for _, document in scaled.values()
                if ((document.get("spec") or {}).get("scaleTargetRef") or {}).get("name") == worker]
    if not matching:
        fail(f"kubernetes: no ScaledObject scales {worker}")
        continue
    triggers = (matching[0].get("spec") or {}).get("triggers") or []
    rabbit = [trigger for trigger in triggers if trigger.get("type") == "rabbitmq"]
    if not rabbit:
        fail(f"kubernetes: the ScaledObject of {worker} has no rabbitmq trigger")
        continue
    metadata = rabbit[0].get("metadata") or {}
    if metadata.get("queueName") != queue:
        fail(f"kubernetes: the ScaledObject of {worker} watches {metadata.get('queueName')}, not {queue}")
    if metadata.get("queueName") not in work_queues:
        fail(f"kubernetes: {metadata.get('queueName')} is not a work queue of infra/rabbitmq/topology.json")
    if metadata.get("mode") != "QueueLength" or not str(metadata.get("value", "")).isdigit():
        fail(f"kubernetes: the ScaledObject of {worker} needs mode QueueLength and a numeric value")
    reference = (rabbit[0].get("authenticationRef") or {}).get("name")
    if reference not in authentications and "host" not in metadata and "hostFromEnv" not in metadata:
        fail(f"kubernetes: the ScaledObject of {worker} has no usable RabbitMQ host or TriggerAuthentication")
for _, document in scaled.values():
    target = ((document.get("spec") or {}).get("scaleTargetRef") or {}).get("name")
    if target not in deployments:
        fail(f"kubernetes: a ScaledObject targets {target}, which is no Deployment here")

for problem in problems:
    print(f"FAIL: {problem}", file=sys.stderr)
sys.exit(1 if problems else 0)
PYTHON

# 3. Kustomize renders the manifests when kubectl is here (offline: no cluster needed).
if command -v kubectl >/dev/null 2>&1; then
    if ! output="$(kubectl kustomize "$deploy/kubernetes" 2>&1 >/dev/null)"; then
        fail "kubectl kustomize: ${output//$'\n'/ | }"
    fi
fi

if ((problems > 0)); then
    echo "deployment files: $problems check(s) failed" >&2
    exit 1
fi
echo "deployment files: OK"
