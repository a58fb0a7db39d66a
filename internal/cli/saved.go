package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"mostrador/inbox"
	"mostrador/internal/shop"
	"mostrador/internal/tmpl"
)

// savedCmd lists, shows, sets or deletes saved replies:
//
//	mostrador saved                          the list
//	mostrador saved NAME                     one
//	mostrador saved NAME --body-file F       set it (its fields are checked)
//	mostrador saved NAME --delete
func (c *cli) savedCmd(args []string) int {
	fs := flag.NewFlagSet("saved", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	bodyFile := fs.String("body-file", "", "")
	del := fs.Bool("delete", false, "")
	asJSON := fs.Bool("json", false, "")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return c.flagError(err)
	}
	name := strings.TrimSpace(strings.Join(pos, " "))
	if (name == "" && (*bodyFile != "" || *del)) || (*bodyFile != "" && *del) {
		return c.usage(c.t("cli.savedArgs", nil))
	}
	db, code := c.openDB()
	if db == nil {
		return code
	}
	defer db.Close()
	ctx := context.Background()
	switch {
	case *del:
		if err := inbox.DeleteSavedReply(ctx, db, name); errors.Is(err, inbox.ErrNoSavedReply) {
			return c.errorf("cli.noSavedReply", map[string]any{"Name": name})
		} else if err != nil {
			return c.dbError(err)
		}
		fmt.Fprintln(c.stdout, c.t("cli.savedDeleted", map[string]any{"Name": name}))
		return exitOK
	case *bodyFile != "":
		body, err := c.readBody(*bodyFile)
		if err != nil {
			return c.errorf("cli.replyBody", map[string]any{"File": *bodyFile, "Err": err.Error()})
		}
		if body == "" {
			return c.errorf("cli.replyEmpty", map[string]any{"File": *bodyFile})
		}
		var ne *shop.NameError
		if err := shop.SaveReply(ctx, db, name, body); errors.As(err, &ne) {
			return c.fail(c.savedError(ne))
		} else if err != nil {
			return c.dbError(err)
		}
		fmt.Fprintln(c.stdout, c.t("cli.savedSaved", map[string]any{"Name": name}))
		return exitOK
	case name != "":
		r, err := inbox.SavedReplyByName(ctx, db, name)
		if errors.Is(err, inbox.ErrNoSavedReply) {
			return c.errorf("cli.noSavedReply", map[string]any{"Name": name})
		}
		if err != nil {
			return c.dbError(err)
		}
		if *asJSON {
			c.printJSON(r)
		} else {
			fmt.Fprintf(c.stdout, "%s\n\n%s\n", r.Name, r.Body)
		}
		return exitOK
	}
	list, err := inbox.SavedReplies(ctx, db)
	if err != nil {
		return c.dbError(err)
	}
	if *asJSON {
		c.printJSON(list)
		return exitOK
	}
	if len(list) == 0 {
		fmt.Fprintln(c.stdout, c.t("cli.savedNone", nil))
	}
	for _, r := range list {
		first, _, _ := strings.Cut(r.Body, "\n")
		fmt.Fprintf(c.stdout, "%-20s %s\n", r.Name, first)
	}
	return exitOK
}

// savedError says what is wrong in a saved reply, and where.
func (c *cli) savedError(ne *shop.NameError) string {
	var te *tmpl.Error
	if !errors.As(ne.Err, &te) {
		return ne.Error()
	}
	var names []string
	for _, f := range shop.ReplyFields {
		names = append(names, "{"+c.t("reply.field."+f.Key, nil)+"}")
	}
	return c.t("tmpl."+te.Code, map[string]any{"Name": ne.Name, "Line": te.Line, "Column": te.Column,
		"Field": te.Field, "Fields": strings.Join(names, ", ")})
}
