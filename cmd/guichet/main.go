// Command guichet runs Québec's digital public-service platform. See
// "guichet --help", and the README.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/guichet-qc/guichet/internal/cli"
	"github.com/guichet-qc/guichet/internal/config"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], cli.Env{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: config.OSEnv})
	stop()
	os.Exit(code)
}
