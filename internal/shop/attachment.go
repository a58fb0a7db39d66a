package shop

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"mostrador/inbox"
)

// SaveAttachment fetches one attachment of a stored message from the
// shop's IMAP server (only now: a sync stores the text, not the files)
// and writes it into dir under its own name, made safe for a file name.
// It returns the file's path, for the system's viewer to open.
func SaveAttachment(ctx context.Context, db *sql.DB, acct *inbox.Account, secrets *inbox.Secrets,
	messageID int64, part, dir string) (string, error) {
	pw, _, err := secrets.Password(acct.IMAP, "IMAP")
	if err != nil {
		return "", err
	}
	c, err := (&inbox.Dialer{Trusted: acct.Trusted}).DialIMAP(acct.IMAP, pw, nil)
	if err != nil {
		return "", err
	}
	defer c.Close()
	a, data, err := inbox.FetchAttachment(ctx, db, c, messageID, part)
	if err != nil {
		return "", err
	}
	sub := filepath.Join(dir, fmt.Sprintf("%d-%s", messageID, strings.ReplaceAll(part, ".", "-")))
	if err := os.MkdirAll(sub, 0o700); err != nil {
		return "", err
	}
	path := filepath.Join(sub, safeFileName(a.Name))
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return "", err
	}
	return path, nil
}

// safeFileName keeps a sender's file name readable but harmless: no
// folders, no hidden file, nothing a file system refuses.
func safeFileName(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		switch {
		case r < 32, strings.ContainsRune(`<>:"/\|?*`, r):
			return '_'
		}
		return r
	}, name)
	name = strings.TrimLeft(strings.TrimSpace(name), ".")
	if name == "" {
		name = "adjunto"
	}
	if len(name) > 120 {
		ext := filepath.Ext(name)
		if len(ext) > 16 {
			ext = ""
		}
		name = name[:120-len(ext)] + ext
	}
	return name
}
