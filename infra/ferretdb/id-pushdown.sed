# The one change the local stack makes to FerretDB 1.24 (applied at build
# time by infra/services/30-ferretdb.sh to a copy of the module, built in its
# place, in internal/backends/sqlite/metadata/metadata.go): its SQLite backend finds a
# document by `_id` with
#     WHERE _ferretdb_sjson->'$._id' = ?
# but its unique `_id_` index is on _ferretdb_sjson->"_id". Both give the same
# value, yet SQLite matches an index to a query by the expression's text, so
# every `_id` lookup FerretDB hands SQLite (a find by string or ObjectId `_id`,
# the UPDATE and DELETE of a document it found) scanned the whole table.
# Written as the index is, the lookup is an index search. Answers do not
# change: same value, same rows (docs/ARCHITECTURE.md §5b;
# test/integration/ferretdb-id-pushdown.test.ts).
s|IDColumn = DefaultColumn + "->'\$\._id'"|IDColumn = DefaultColumn + `->"_id"`|
