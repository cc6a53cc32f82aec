// composecheck loads a Compose file the way `docker compose --profile '*' config --format json`
// does and prints the resolved project as JSON, or the loader's error on stderr with exit 1.
// With -dockerfile it parses a Dockerfile with BuildKit instead (dockerfile.go).
//
// It is compose-go, the Compose Specification's reference loader that the
// Docker Compose CLI itself is built on (Docker Compose v5.7.0 uses compose-go
// v2.16.2, pinned in go.mod), so it runs the same schema validation,
// interpolation, normalisation and consistency checks (depends_on targets,
// secrets, volumes) without a Docker engine. test/compose/compose.test.ts runs it.
//
//	composecheck [-env-file FILE]... [-no-interpolation] COMPOSE_FILE
//	composecheck -dockerfile DOCKERFILE
//
// -no-interpolation prints ${VAR} references as written, so a test can see
// where each value comes from (e.g. that no password is written inline).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
)

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	var envFiles listFlag
	flag.Var(&envFiles, "env-file", "an env file for interpolation, as docker compose --env-file (repeatable; default: none)")
	noInterpolation := flag.Bool("no-interpolation", false, "keep ${VAR} references as written")
	dockerfile := flag.Bool("dockerfile", false, "parse the file as a Dockerfile (BuildKit) and print its stages")
	flag.Parse()
	if *dockerfile && flag.NArg() == 1 {
		checkDockerfile(flag.Arg(0))
		return
	}
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: composecheck [-env-file FILE]... [-no-interpolation] COMPOSE_FILE | -dockerfile DOCKERFILE")
		os.Exit(2)
	}
	file, err := filepath.Abs(flag.Arg(0))
	if err != nil {
		fail(err)
	}

	opts := []cli.ProjectOptionsFn{
		cli.WithWorkingDirectory(filepath.Dir(file)),
		cli.WithOsEnv,
		// Every profile, so optional services are validated too.
		cli.WithProfiles([]string{"*"}),
		cli.WithInterpolation(!*noInterpolation),
		cli.WithResolvedPaths(true),
		cli.WithNormalization(true),
		cli.WithConsistency(true),
	}
	if len(envFiles) > 0 {
		opts = append(opts, cli.WithEnvFiles(envFiles...), cli.WithDotEnv)
	}
	options, err := cli.NewProjectOptions([]string{file}, opts...)
	if err != nil {
		fail(err)
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		fail(err)
	}
	out, err := project.MarshalJSON()
	if err != nil {
		fail(err)
	}
	fmt.Println(string(out))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
