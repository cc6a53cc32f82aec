"""
The rules the Airflow side shares with the TypeScript services, read from the
committed folder `contracts/` (written by `npm run contracts` from their one
definition, scripts/contracts.ts), never retyped here:

  run-id.schema.json          what a run id may hold to be stamped on events
  job-data/<job>.schema.json  each job's fields, bounds and defaults (the DAG's Params)
  queue.json                  the queue's default name, the job names, the default job options
  event-envelope.schema.json  the record every topic carries (its `type`s are the collections)

The folder is the repository's `contracts/`, or PIPELINE_CONTRACTS_DIR (the
compose stack mounts it there). Its patterns are JavaScript regular
expressions: they are matched here with `re.ASCII` (JavaScript's `\\w` and `\\d`
are ASCII, Python's are not) and in full (Python's `$` also accepts a trailing
newline). Only the standard library and jsonschema (an Airflow dependency):
DAG parsing imports this module.
"""

from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

REPOSITORY_CONTRACTS = Path(__file__).resolve().parents[3] / "contracts"


class ContractError(Exception):
    """The contracts folder is missing or unreadable: a deployment error, not a data error."""


def contracts_dir() -> Path:
    return Path(os.environ.get("PIPELINE_CONTRACTS_DIR") or REPOSITORY_CONTRACTS)


@lru_cache(maxsize=None)
def _load(directory: str, name: str) -> Any:
    path = Path(directory) / name
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ContractError(
            f"cannot read the contract {path} ({error}); it is written by `npm run contracts` "
            "and must be deployed with the DAGs (PIPELINE_CONTRACTS_DIR)"
        ) from error


def load(name: str) -> Any:
    """One contract file, parsed (cached per folder)."""
    return _load(str(contracts_dir()), name)


# ---------------------------------------------------------------- patterns as JavaScript reads them


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.ASCII)


def matches(pattern: str, value: str) -> bool:
    """`value` matches the JavaScript pattern `pattern` (anchored by ^...$, no flags) as JavaScript would."""
    found = _compiled(pattern).search(value)
    # JavaScript's `$` (no m flag) is the very end; Python's also matches before a final newline.
    return found is not None and (not pattern.endswith("$") or found.end() == len(value))


def _validator(schema: dict[str, Any]) -> Any:
    from jsonschema import Draft202012Validator, validators
    from jsonschema.exceptions import ValidationError

    def pattern(validator: Any, patrn: str, instance: Any, schema: Any):
        if validator.is_type(instance, "string") and not matches(patrn, instance):
            yield ValidationError(f"{instance!r} does not match {patrn!r}")

    cls = validators.extend(Draft202012Validator, {"pattern": pattern})
    return cls(schema)


def problems(schema: dict[str, Any], value: Any) -> list[str]:
    """What is wrong with `value` against `schema`, one line per problem naming the field; [] when it fits."""
    found = []
    for error in sorted(_validator(schema).iter_errors(value), key=lambda e: list(e.path)):
        field = ".".join(str(p) for p in error.path)
        found.append(f"{field}: {error.message}" if field else error.message)
    return found


# ---------------------------------------------------------------- the rules


def run_id_problem(run_id: Any) -> str | None:
    """Why `run_id` cannot be stamped on events (contracts/run-id.schema.json), or None."""
    found = problems(load("run-id.schema.json"), run_id)
    return "; ".join(found) if found else None


def queue() -> dict[str, Any]:
    return load("queue.json")


def default_queue_name() -> str:
    return queue()["defaultName"]


def job_names() -> list[str]:
    return list(queue()["jobNames"])


def default_job_options() -> dict[str, Any]:
    """The workers' default job options (a fresh copy: callers merge into it)."""
    return json.loads(json.dumps(queue()["defaultJobOptions"]))


def job_data_schema(job_name: str) -> dict[str, Any]:
    if job_name not in job_names():
        raise ContractError(f"no job named {job_name!r}: the queue's jobs are {job_names()}")
    return load(f"job-data/{job_name}.schema.json")


def job_data_problems(job_name: str, data: Any) -> list[str]:
    """What the worker would refuse in this job data (it fails such a job at once), [] when it fits."""
    return problems(job_data_schema(job_name), data)


def job_field(job_name: str, field: str) -> dict[str, Any]:
    """
    One field of a job's data as JSON Schema keywords for an Airflow `Param`
    (type, bounds, default). An optional field without a default may also be
    null (the DAG leaves a null out of the job data).
    """
    schema = job_data_schema(job_name)
    try:
        prop = dict(schema["properties"][field])
    except KeyError as error:
        raise ContractError(f"the {job_name} job has no field {field!r}") from error
    prop.pop("description", None)
    if field not in schema.get("required", []) and "default" not in prop:
        prop["type"] = ["null", prop["type"]]
        prop["default"] = None
    return prop


def event_types() -> list[str]:
    """The envelope's `type`s (one topic and one collection each)."""
    envelope = load("event-envelope.schema.json")
    return [variant["properties"]["type"]["const"] for variant in envelope["oneOf"]]
