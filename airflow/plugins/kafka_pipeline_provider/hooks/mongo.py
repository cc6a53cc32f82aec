"""
PipelineMongoHook: the pipeline's MongoDB, for every task that reads or writes
it (verify_sink's rules, the insights) and for the Assets that name its
collections.

MongoDB is found, in order: the Airflow connection `mongo_conn_id` (default
`mongo_default`, e.g. AIRFLOW_CONN_MONGO_DEFAULT='mongo://127.0.0.1:27017/pipeline',
the path naming the database), read by the MongoDB provider's MongoHook (host,
port, login, password, schema = the database, extra `srv` and MongoClient
options); then MONGO_URL as it is; then mongodb://127.0.0.1:27017. The
database: the connection's schema, else MONGO_DB, else `pipeline`.

A password file (MONGO_PASSWORD_FILE) is not read here: the launchers turn it
into the connection with the services' own code (scripts/airflow-connections.ts).
pymongo and the provider's hook are imported when the client is opened: DAG
parsing imports this module (through the Assets).
"""

from __future__ import annotations

import os
from typing import Any

from airflow.sdk import BaseHook

DEFAULT_MONGO_URL = "mongodb://127.0.0.1:27017"
DEFAULT_DB = "pipeline"


class PipelineMongoHook(BaseHook):
    """
    One client to the pipeline's MongoDB; a context manager that closes it.

    :param mongo_conn_id: the Airflow connection. Default: `mongo_default`.
    :param appname: the client's name in the server's logs. Default: `kafka-pipeline-airflow`.
    :param client_options: MongoClient options under the connection's extra
        (which wins), over 5-second connect and server selection timeouts.
    """

    conn_name_attr = "mongo_conn_id"
    default_conn_name = "mongo_default"
    conn_type = "mongo"
    hook_name = "kafka-pipeline MongoDB"

    def __init__(self, mongo_conn_id: str = default_conn_name, *, appname: str = "kafka-pipeline-airflow", **client_options: Any):
        super().__init__()
        self.mongo_conn_id = mongo_conn_id
        self.options = {"appname": appname, "serverSelectionTimeoutMS": 5000, "connectTimeoutMS": 5000, **client_options}
        self.client: Any = None
        self.database = os.environ.get("MONGO_DB") or DEFAULT_DB
        self.source = ""  # where the address came from, for messages

    def get_conn(self) -> Any:
        """The pymongo client, opened on the first call."""
        if self.client is None:
            self.client = self._open()
        return self.client

    def get_database(self, name: str | None = None) -> Any:
        """The database `name`, else the connection's (see the module's docstring)."""
        return self.get_conn()[name or self.database]

    def _open(self) -> Any:
        from airflow.providers.mongo.hooks.mongo import MongoHook
        from airflow.sdk.exceptions import AirflowNotFoundException
        from pymongo import MongoClient

        try:
            hook = MongoHook(mongo_conn_id=self.mongo_conn_id)
        except AirflowNotFoundException:
            url = os.environ.get("MONGO_URL") or DEFAULT_MONGO_URL
            where = "MONGO_URL" if os.environ.get("MONGO_URL") else "the default"
            self.source = f"{where} (no Airflow connection '{self.mongo_conn_id}')"
            return MongoClient(url, **self.options)
        # The provider's hook passes the connection's extra to MongoClient as options: there, they win over these defaults.
        for key, value in self.options.items():
            hook.extras.setdefault(key, value)
        self.database = hook.connection.schema or self.database
        self.source = f"Airflow connection '{self.mongo_conn_id}'"
        return hook.get_conn()

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None

    def __enter__(self) -> PipelineMongoHook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
