"""airflow_secrets.py RENDER_DIR VALUES.yaml...: the Secrets Airflow needs are
the Secrets deploy/kind/airflow.sh makes (deploy/validate.sh runs it on
`airflow.sh --render-only`). One line per breach, "airflow-secrets: ...",
exit 1 when there is any.

  named    every Secret and key the Airflow chart's values name (the chart's own
           secret values, `secret:` variables, the create-user job's volumes) and
           every one deploy/kind/airflow-postgres.yaml mounts is in airflow-secrets.yaml
  login    airflow-smoke-login.yaml holds passwords.json = {"smoke": "<password>"},
           the file the smoke test reads (LIVE_AIRFLOW_PASSWORDS_FILE)

CHART_SECRET_KEYS: the key the official chart (1.19.0, the version airflow.sh
pins) reads from each Secret its own values name.
"""
import base64
import binascii
import json
import sys

import yaml

CHART_SECRET_KEYS = {
    ("data", "metadataSecretName"): "connection",
    ("jwtSecretName",): "jwt-secret",
    ("apiSecretKeySecretName",): "api-secret-key",
    ("fernetKeySecretName",): "fernet-key",
}
SMOKE_USER = "smoke"


def docs(path):
    with open(path) as handle:
        return [doc for doc in yaml.safe_load_all(handle) if doc]


def merged(values_files):
    """The values as Helm merges them: maps deeply, anything else replaced."""
    def merge(into, more):
        for key, value in more.items():
            into[key] = merge(dict(into[key]), value) if isinstance(value, dict) and isinstance(into.get(key), dict) else value
        return into
    result = {}
    for path in values_files:
        with open(path) as handle:
            result = merge(result, yaml.safe_load(handle) or {})
    return result


def volume_refs(volumes):
    for volume in volumes or []:
        secret = volume.get("secret")
        if secret:
            for item in secret.get("items") or [{"key": None}]:
                yield secret["secretName"], item["key"]


def needed(values, manifests):
    """(Secret, key or None for "any key") pairs, each with where it is named."""
    for path, key in CHART_SECRET_KEYS.items():
        name = values
        for part in path:
            name = (name or {}).get(part)
        if name:
            yield name, key, ".".join(path)
    for variable in values.get("secret") or []:
        yield variable["secretName"], variable.get("secretKey", "value"), f"secret {variable['envName']}"
    job = values.get("createUserJob") or {}
    if job.get("enabled", True):
        for name, key in volume_refs(job.get("extraVolumes")):
            yield name, key, "createUserJob.extraVolumes"
    for manifest in manifests:
        for name, key in volume_refs(manifest.get("spec", {}).get("template", {}).get("spec", {}).get("volumes")):
            yield name, key, f"{manifest['kind']}/{manifest['metadata']['name']}"


def check(render_dir, values_files):
    problems = []
    made = {doc["metadata"]["name"]: doc.get("data") or {} for doc in docs(f"{render_dir}/airflow-secrets.yaml") if doc["kind"] == "Secret"}
    for name, key, where in needed(merged(values_files), docs(f"{render_dir}/airflow-postgres.yaml")):
        if name not in made:
            problems.append(f"airflow-secrets: {where} names the Secret {name}, which deploy/kind/airflow.sh does not make")
        elif key is not None and key not in made[name]:
            problems.append(f"airflow-secrets: {where} reads key {key} of {name}, which has only {sorted(made[name])}")
    logins = [doc for doc in docs(f"{render_dir}/airflow-smoke-login.yaml") if doc["metadata"]["name"] == "airflow-smoke-login"]
    try:
        passwords = json.loads(base64.b64decode(logins[0]["data"]["passwords.json"], validate=True))
        if not (isinstance(passwords, dict) and isinstance(passwords.get(SMOKE_USER), str) and passwords[SMOKE_USER]):
            raise ValueError(f"not {{{SMOKE_USER!r}: password}}")
    except (IndexError, KeyError, TypeError, ValueError, binascii.Error) as error:
        problems.append(f"airflow-secrets: airflow-smoke-login has no passwords.json of the form {{\"{SMOKE_USER}\": \"<password>\"}} ({error!r})")
    return problems


def main():
    problems = check(sys.argv[1], sys.argv[2:])
    for problem in problems:
        print(problem)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
