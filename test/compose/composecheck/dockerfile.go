package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// The parts of a Dockerfile the tests look at, as BuildKit (the builder of
// `docker build`) parses them.
type dockerfileStage struct {
	Name     string              `json:"name"`
	Base     string              `json:"base"`
	Commands []dockerfileCommand `json:"commands"`
}

type dockerfileCommand struct {
	Instruction string `json:"instruction"`
	// The arguments as written (RUN's shell line, COPY's sources and destination, ...).
	Args string `json:"args"`
}

type dockerfileReport struct {
	Stages []dockerfileStage `json:"stages"`
	// BuildKit's lint warnings (`docker build --check`), e.g. FromAsCasing.
	Warnings []string `json:"warnings"`
}

// checkDockerfile parses path with BuildKit's parser, instruction checks and
// linter, and prints a dockerfileReport as JSON; a parse error exits 1.
func checkDockerfile(path string) {
	f, err := os.Open(path)
	if err != nil {
		fail(err)
	}
	defer f.Close()
	ast, err := parser.Parse(f)
	if err != nil {
		fail(err)
	}
	report := dockerfileReport{Stages: []dockerfileStage{}, Warnings: []string{}}
	for _, warning := range ast.Warnings {
		report.Warnings = append(report.Warnings, fmt.Sprintf("%s (line %d)", warning.Short, warning.Location.Start.Line))
	}
	lint := linter.New(&linter.Config{Warn: func(rule, _, _, message string, location []parser.Range) {
		line := 0
		if len(location) > 0 {
			line = location[0].Start.Line
		}
		report.Warnings = append(report.Warnings, fmt.Sprintf("%s: %s (line %d)", rule, message, line))
	}})
	stages, _, err := instructions.Parse(ast.AST, lint)
	if err != nil {
		fail(err)
	}
	for _, stage := range stages {
		out := dockerfileStage{Name: stage.Name, Base: stage.BaseName, Commands: []dockerfileCommand{}}
		for _, command := range stage.Commands {
			name := strings.ToUpper(command.Name())
			args := ""
			if source, ok := command.(fmt.Stringer); ok {
				args = strings.TrimSpace(source.String()[len(command.Name()):])
			}
			if run, ok := command.(*instructions.RunCommand); ok {
				args = strings.Join(run.CmdLine, " ")
			}
			out.Commands = append(out.Commands, dockerfileCommand{Instruction: name, Args: args})
		}
		report.Stages = append(report.Stages, out)
	}
	raw, err := json.MarshalIndent(report, "", "  ")
	if err != nil {
		fail(err)
	}
	fmt.Println(string(raw))
}
