// Command mostrador is the shop counter: one window for a small shop's
// mailbox, order log and customer follow-up, and the same jobs headless.
// Run "mostrador --help" for the command line.
//
// The command line lives in internal/cli; this file only wires the window
// (Fyne, ui) into it, so that nothing below ui imports Fyne.
package main

import (
	"database/sql"
	"io"
	"os"
	"time"

	"mostrador/internal/cli"
	"mostrador/ui"
)

// version is the release; FyneApp.toml carries the same number.
var version = "0.1.0"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the command line with this release's version and window.
func run(args []string, stdout, stderr io.Writer) int {
	return cli.Run(args, stdout, stderr, cli.Options{Version: version, Window: window})
}

// window shows the shop's window until the owner closes it.
func window(db *sql.DB, lang string, loc *time.Location) {
	ui.Run(db, ui.Options{Lang: lang, Version: version, Location: loc, Mail: true})
}
