"""crd2schema.py OUT_DIR CRD.yaml...: each served version of each CRD as a
kubeconform schema, OUT_DIR/<group>/<kind>_<version>.json (kubeconform's
-schema-location '{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json').
Strict like the API server's field validation: an object schema that lists its
properties and does not preserve unknown fields refuses any other key."""
import json
import pathlib
import sys

import yaml


def strict(node):
    if isinstance(node, list):
        return [strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: strict(value) for key, value in node.items() if key != "x-kubernetes-validations"}
    if node.pop("x-kubernetes-int-or-string", False):
        node.pop("type", None)
        node["anyOf"] = [{"type": "string"}, {"type": "integer"}]
    preserve = node.pop("x-kubernetes-preserve-unknown-fields", False)
    if node.get("type") == "object" and "properties" in node and not preserve:
        node.setdefault("additionalProperties", False)
    return node


def main(out, paths):
    written = 0
    for path in paths:
        for crd in yaml.safe_load_all(pathlib.Path(path).read_text()):
            if not crd or crd.get("kind") != "CustomResourceDefinition":
                continue
            group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"].lower()
            for version in crd["spec"]["versions"]:
                if not version.get("served", True):
                    continue
                schema = strict(version["schema"]["openAPIV3Schema"])
                # metadata is the API server's (ObjectMeta), whatever the CRD says.
                schema.setdefault("properties", {})["metadata"] = {"type": "object"}
                target = pathlib.Path(out, group, f"{kind}_{version['name']}.json")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(json.dumps(schema))
                written += 1
    if written == 0:
        sys.exit("crd2schema: no CustomResourceDefinition in " + " ".join(paths))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
