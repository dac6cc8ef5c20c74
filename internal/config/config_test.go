package config_test

import (
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/guichet-qc/guichet/internal/config"
)

func parse(args []string, env map[string]string) (config.Config, error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return config.Parse(fs, args, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
}

func TestDefaults(t *testing.T) {
	c, err := parse(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || !strings.HasPrefix(c.DB, "sqlite:") || c.NoDemo {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestFlagsOverEnvironment(t *testing.T) {
	c, err := parse([]string{"--addr", ":9000"}, map[string]string{
		"GUICHET_ADDR": ":7000", "GUICHET_DB": "postgres://u@h/d", "GUICHET_NO_DEMO": "true",
		"GUICHET_CHECKPOINT_INTERVAL": "3s",
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":9000" || c.DB != "postgres://u@h/d" || !c.NoDemo || c.CheckpointInterval != 3*time.Second {
		t.Fatalf("got %+v", c)
	}
}

func TestBadValuesSayWhatToDo(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"mysql", []string{"--db", "mysql://root@localhost/db"}, nil, "unsupported database \"mysql\"; supported are SQLite"},
		{"addr", []string{"--addr", "8080"}, nil, "is not HOST:PORT"},
		{"port", []string{"--addr", ":99999"}, nil, "invalid port"},
		{"log format", []string{"--log-format", "xml"}, nil, "use text or json"},
		{"log level", nil, map[string]string{"GUICHET_LOG_LEVEL": "loud"}, "use debug, info, warn or error"},
		{"duration", []string{"--checkpoint-interval", "soon"}, nil, "write it like 10s"},
		{"bool env", nil, map[string]string{"GUICHET_NO_DEMO": "maybe"}, "GUICHET_NO_DEMO=\"maybe\" is not a boolean"},
		{"tls pair", []string{"--tls-cert", "x.pem"}, nil, "go together"},
		{"base url", []string{"--base-url", "guichet.qc.ca"}, nil, "absolute http or https"},
		{"theme", []string{"--theme-css", "/nonexistent/theme.css"}, nil, "cannot be read"},
		{"extra arg", []string{"extra"}, nil, "unexpected argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(tt.args, tt.env)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one line: %q", err)
			}
		})
	}
}
