package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/guichet-qc/guichet/internal/app"
	"github.com/guichet-qc/guichet/internal/assistant"
	"github.com/guichet-qc/guichet/internal/assistant/dialogue"
	"github.com/guichet-qc/guichet/internal/config"
)

// assistantChat talks with the assistant in the terminal, on the same
// platform as the web (same database, same bookings).
func assistantChat(ctx context.Context, env Env, stdin io.Reader, args []string) error {
	fs := flagSet(env, "assistant chat", "assistant chat [--lang fr|en] [--db DSN]",
		"Talks with the assistant in this terminal: type a message and press Enter;\n"+
			"pick a proposal by its number. It books, moves and cancels for real, in the\n"+
			"platform's database (a new one is created and seeded with the demonstration\n"+
			"data if it does not exist). End with Ctrl+D.")
	lang := fs.String("lang", "fr", "language to start in (fr or en); the assistant follows you if you switch")
	cfg := config.Defaults()
	if v, ok := env.Getenv("GUICHET_DB"); ok {
		cfg.DB = v
	}
	if v, ok := env.Getenv("GUICHET_DATA_DIR"); ok {
		cfg.DataDir = v
	}
	fs.StringVar(&cfg.DB, "db", cfg.DB, "database (env GUICHET_DB)")
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "folder of keys (env GUICHET_DATA_DIR)")
	if err := fs.Parse(args); err != nil {
		return flagError(err)
	}
	if *lang != "fr" && *lang != "en" {
		return fmt.Errorf("--lang %q is not fr or en", *lang)
	}
	a, err := app.New(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	defer a.Close()
	e := a.Assistant()
	id, msgs, err := e.Start(ctx, *lang)
	if err != nil {
		return err
	}
	show(env.Stdout, msgs)
	in := bufio.NewScanner(stdin)
	in.Buffer(make([]byte, 64<<10), dialogue.MaxText*4)
	for {
		fmt.Fprint(env.Stdout, "> ")
		if !in.Scan() {
			fmt.Fprintln(env.Stdout)
			return in.Err()
		}
		text := strings.TrimSpace(in.Text())
		if text == "" {
			continue
		}
		r, err := e.Send(ctx, id, dialogue.Input{Text: text})
		if err != nil {
			fmt.Fprintln(env.Stdout, "! "+err.Error())
			continue
		}
		show(env.Stdout, r.Messages)
		for _, ev := range r.Events {
			fmt.Fprintf(env.Stdout, "  [%s %s]\n", ev.Type, ev.Reference)
		}
	}
}

func show(w io.Writer, msgs []dialogue.Message) {
	for _, m := range msgs {
		fmt.Fprintln(w, strings.ReplaceAll(m.Text, "\u00a0", " "))
		for i, c := range m.Choices {
			fmt.Fprintf(w, "  %d. %s\n", i+1, strings.ReplaceAll(c.Label, "\u00a0", " "))
		}
	}
}

// assistantEval scores the assistant on its held-out evaluation set and
// exits non-zero when a target is missed.
func assistantEval(ctx context.Context, env Env, args []string) error {
	fs := flagSet(env, "assistant eval", "assistant eval",
		"Measures the assistant on its evaluation set, written apart from its\n"+
			"training data: intent accuracy per language, entity precision and recall,\n"+
			"dates and times, out-of-scope recall at 3 % of in-scope messages rejected,\n"+
			"and the success of 100 scripted dialogues. Exit status 1 when a target is missed.")
	errorsShown := fs.Int("errors", 0, "also list up to `N` misclassified utterances of each kind")
	if err := fs.Parse(args); err != nil {
		return flagError(err)
	}
	cat, err := assistant.DemoCatalog()
	if err != nil {
		return err
	}
	p, err := assistant.NewParser(cat)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "guichet-eval")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	rep, err := assistant.Evaluate(ctx, p, dir)
	if err != nil {
		return err
	}
	fmt.Fprint(env.Stdout, rep.String())
	if *errorsShown > 0 {
		fmt.Fprint(env.Stdout, "\n"+rep.Parse.Misses(*errorsShown))
	}
	return rep.Check()
}
