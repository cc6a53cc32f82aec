// Command ferretdb runs an embedded FerretDB (MongoDB wire protocol) for the
// local stack (infra/stack.sh), on SQLite files (the default) or on
// PostgreSQL (-handler postgresql -postgresql-url ..., the names FerretDB's
// own binary uses).
//
// We embed github.com/FerretDB/FerretDB/ferretdb instead of using
// `go install .../cmd/ferretdb`, whose binary panics on a missing version
// file when built outside FerretDB's own build.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func main() {
	listen := flag.String("listen-addr", env("FERRETDB_LISTEN_ADDR", "127.0.0.1:27017"), "TCP listen address (env FERRETDB_LISTEN_ADDR)")
	dataDir := flag.String("data-dir", env("FERRETDB_DATA_DIR", "data"), "SQLite data directory (env FERRETDB_DATA_DIR)")
	handler := flag.String("handler", env("FERRETDB_HANDLER", "sqlite"), "storage: sqlite or postgresql (env FERRETDB_HANDLER)")
	pgURL := flag.String("postgresql-url", env("FERRETDB_POSTGRESQL_URL", ""), "PostgreSQL connection string for -handler postgresql (env FERRETDB_POSTGRESQL_URL)")
	debug := flag.Bool("debug", os.Getenv("FERRETDB_DEBUG") != "", "debug logging (env FERRETDB_DEBUG)")
	flag.Parse()

	level := slog.LevelInfo
	if *debug {
		level = slog.LevelDebug
	}
	logger := slog.New(withoutDuplicateKeyQueries{slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{Level: level})})
	slog.SetDefault(logger)

	if err := run(*listen, *handler, *dataDir, *pgURL, logger); err != nil {
		logger.Error("ferretdb failed", "err", err)
		os.Exit(1)
	}
}

// withoutDuplicateKeyQueries drops the PostgreSQL handler's ERROR record of
// an INSERT refused for a duplicate key (SQLSTATE 23505). The sink's dedupe
// relies on those refusals (consumer/write-models/somedata.ts), and FerretDB
// logs each with every document of the statement: a redelivered batch wrote
// hundreds of MB of log and spent its CPU doing it.
type withoutDuplicateKeyQueries struct{ slog.Handler }

func (h withoutDuplicateKeyQueries) Handle(ctx context.Context, r slog.Record) error {
	if r.Level == slog.LevelError && r.Message == "Query" {
		duplicate := false
		r.Attrs(func(a slog.Attr) bool {
			duplicate = a.Key == "err" && strings.Contains(a.Value.String(), "(SQLSTATE 23505)")
			return !duplicate
		})
		if duplicate {
			return nil
		}
	}
	return h.Handler.Handle(ctx, r)
}

func (h withoutDuplicateKeyQueries) WithAttrs(attrs []slog.Attr) slog.Handler {
	return withoutDuplicateKeyQueries{h.Handler.WithAttrs(attrs)}
}

func (h withoutDuplicateKeyQueries) WithGroup(name string) slog.Handler {
	return withoutDuplicateKeyQueries{h.Handler.WithGroup(name)}
}

func run(listen, handler, dataDir, pgURL string, logger *slog.Logger) error {
	config := ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: listen},
		Logger:   logger,
		Handler:  handler,
	}
	where := ""
	switch handler {
	case "sqlite":
		abs, err := filepath.Abs(dataDir)
		if err != nil {
			return err
		}
		if err = os.MkdirAll(abs, 0o755); err != nil {
			return err
		}
		// The SQLite handler wants a directory URI with a trailing slash.
		config.SQLiteURL = "file:" + abs + "/"
		where = abs
	case "postgresql":
		if pgURL == "" {
			return errors.New("-handler postgresql needs -postgresql-url")
		}
		// The URL names a socket directory, not a password (infra/services/25-postgres.sh).
		config.PostgreSQLURL = pgURL
		where = pgURL
	default:
		return fmt.Errorf("-handler must be sqlite or postgresql, not %q", handler)
	}

	f, err := ferretdb.New(&config)
	if err != nil {
		return fmt.Errorf("ferretdb.New: %w", err)
	}

	// SIGTERM/SIGINT cancel the context; Run then closes the listener,
	// the connections and the handler before returning.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	logger.Info("starting ferretdb", "listen", listen, "handler", handler, "data", where)
	if err = f.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	logger.Info("ferretdb stopped")
	return nil
}
