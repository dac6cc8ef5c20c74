package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/guichet-qc/guichet/internal/assistant"
)

// assistantSubcommands are the commands of `guichet assistant`. A nil run
// means the command is planned but not in this build yet.
func assistantSubcommands() []command {
	return []command{
		{"parse", "print what the assistant understands of each line of standard input, as JSON", nil},
		{"chat", "talk with the assistant in this terminal", nil},
		{"eval", "measure the assistant against its held-out evaluation set", nil},
	}
}

func assistantCmd(ctx context.Context, env Env, args []string) error {
	return assistantWith(ctx, env, os.Stdin, args)
}

func assistantWith(ctx context.Context, env Env, stdin io.Reader, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		w := env.Stderr
		if len(args) > 0 {
			w = env.Stdout
		}
		fmt.Fprint(w, "Usage: guichet assistant COMMAND [flags]\n\nThe conversational assistant, from a terminal.\n\nCommands:\n")
		for _, c := range assistantSubcommands() {
			fmt.Fprintf(w, "  %-6s %s\n", c.name, c.summary)
		}
		fmt.Fprint(w, "\nRun \"guichet assistant COMMAND --help\" for the flags of a command.\n")
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	name, args := args[0], args[1:]
	switch name {
	case "parse":
		return assistantParse(ctx, env, stdin, args)
	case "chat":
		return assistantChat(ctx, env, stdin, args)
	case "eval":
		return assistantEval(ctx, env, args)
	}
	for _, c := range assistantSubcommands() {
		if c.name == name && c.run != nil {
			return c.run(ctx, env, args)
		}
		if c.name == name {
			return fmt.Errorf("%q is not available in this build yet; \"guichet assistant parse\" is", name)
		}
	}
	fmt.Fprintf(env.Stderr, "guichet assistant: unknown command %q; the commands are parse, chat and eval\n", name)
	return errUsage
}

// maxLine is the longest input line parse accepts (1 MiB).
const maxLine = 1 << 20

func assistantParse(ctx context.Context, env Env, stdin io.Reader, args []string) error {
	fs := flagSet(env, "assistant parse", "assistant parse --now RFC3339 [--lang fr|en]",
		"Reads messages from standard input, one per line (UTF-8), and writes for each\n"+
			"one a line of JSON with what the assistant understands of it:\n"+
			"  {\"text\":…,\"lang\":\"fr|en\",\"intent\":…,\"confidence\":0..1,\"entities\":{…}}\n"+
			"Empty lines (or only spaces) are skipped: they produce no output.\n"+
			"Relative dates (« demain », \"next Tuesday\") are counted from --now, in\n"+
			"Montréal time (America/Toronto). Each answer is written as soon as its line\n"+
			"is read, so parse can sit at the end of a pipe.")
	nowFlag := fs.String("now", "", "the current time the messages are read against, RFC 3339 (e.g. 2026-11-27T09:30:00-05:00); required")
	langFlag := fs.String("lang", "", "language to assume when a message does not show its own (fr or en); default: detect, French when unsure")
	if err := fs.Parse(args); err != nil {
		return flagError(err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q: messages are read from standard input", fs.Arg(0))
	}
	if *nowFlag == "" {
		return errors.New("--now is required: the time relative dates are counted from, in RFC 3339 (e.g. 2026-11-27T09:30:00-05:00)")
	}
	now, err := time.Parse(time.RFC3339, *nowFlag)
	if err != nil {
		return fmt.Errorf("--now: %q is not an RFC 3339 time such as 2026-11-27T09:30:00-05:00", *nowFlag)
	}
	if *langFlag != "" && *langFlag != "fr" && *langFlag != "en" {
		return fmt.Errorf("--lang: %q is not fr or en", *langFlag)
	}
	cat, err := assistant.DemoCatalog()
	if err != nil {
		return err
	}
	p, err := assistant.NewParser(cat)
	if err != nil {
		return err
	}
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 64*1024), maxLine)
	out := bufio.NewWriter(env.Stdout)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	for sc.Scan() {
		if err := ctx.Err(); err != nil {
			return err
		}
		line := strings.TrimSuffix(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		if err := enc.Encode(p.Parse(line, *langFlag, now)); err != nil {
			return err
		}
		if err := out.Flush(); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("reading standard input: a line is longer than %d bytes", maxLine)
		}
		return fmt.Errorf("reading standard input: %w", err)
	}
	return nil
}
