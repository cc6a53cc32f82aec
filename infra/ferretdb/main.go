// Command ferretdb runs an embedded FerretDB (MongoDB wire protocol) with
// SQLite storage for the local stack (infra/stack.sh).
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
	debug := flag.Bool("debug", os.Getenv("FERRETDB_DEBUG") != "", "debug logging (env FERRETDB_DEBUG)")
	flag.Parse()

	level := slog.LevelInfo
	if *debug {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(logger)

	if err := run(*listen, *dataDir, logger); err != nil {
		logger.Error("ferretdb failed", "err", err)
		os.Exit(1)
	}
}

func run(listen, dataDir string, logger *slog.Logger) error {
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return err
	}
	if err = os.MkdirAll(abs, 0o755); err != nil {
		return err
	}

	f, err := ferretdb.New(&ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: listen},
		Logger:   logger,
		Handler:  "sqlite",
		// The SQLite handler wants a directory URI with a trailing slash.
		SQLiteURL: "file:" + abs + "/",
	})
	if err != nil {
		return fmt.Errorf("ferretdb.New: %w", err)
	}

	// SIGTERM/SIGINT cancel the context; Run then closes the listener,
	// the connections and the SQLite handler before returning.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	logger.Info("starting ferretdb", "listen", listen, "data", abs)
	if err = f.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	logger.Info("ferretdb stopped")
	return nil
}
