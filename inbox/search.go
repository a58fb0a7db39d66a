package inbox

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
	"unicode"
)

// Search finds messages by words of their subject, text, sender or
// recipients. Accents
// and case do not matter ("camion" finds "Camión"), every word must appear,
// the last one may be the start of a word (the owner is still typing), and
// an address or order number is matched as written ("ana@example.com",
// "#1042").

// Hit is one message found.
type Hit struct {
	MessageID int64     `json:"messageId"` // the stored message (Message.ID)
	ThreadID  int64     `json:"threadId"`
	Subject   string    `json:"subject"`
	From      Address   `json:"from"`
	At        time.Time `json:"at"`
	Outgoing  bool      `json:"outgoing"`
	// Snippet is the best-matching passage, with the matched words between
	// SnippetMark pairs.
	Snippet string `json:"snippet"`
}

// SnippetMark surrounds the matched words of a snippet (Markdown bold, which
// reads well in a terminal and renders in the window).
const SnippetMark = "**"

// ftsQuery turns what the owner typed into an FTS5 query: each word a
// quoted phrase (so that no character of theirs is FTS syntax), the last
// one a prefix. "" when nothing searchable was typed.
func ftsQuery(q string) string {
	var parts []string
	for _, w := range strings.Fields(q) {
		if !strings.ContainsFunc(w, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
			continue
		}
		parts = append(parts, `"`+strings.ReplaceAll(w, `"`, `""`)+`"`)
	}
	if len(parts) == 0 {
		return ""
	}
	parts[len(parts)-1] += "*"
	return strings.Join(parts, " ")
}

// SearchMessages finds up to limit messages: first those with every word in
// the subject, the sender or the recipients, then those with them in the text, newest first
// within each. Newest first is what the index gives cheaply (message ids
// follow dates, see messageID): a query that matches half the mailbox costs
// no more than one that matches ten messages. Relevance scoring (bm25)
// would have to score every match, about 5 µs each here: 200 ms for a word
// like "gracias" in 40,000 messages.
func SearchMessages(ctx context.Context, db *sql.DB, query string, limit int) ([]Hit, error) {
	fq := ftsQuery(query)
	if fq == "" {
		return []Hit{}, nil
	}
	if limit <= 0 {
		limit = 50
	}
	out := []Hit{}
	seen := map[string]bool{}
	for _, match := range []string{"{subject from_name from_addr to_addrs} : (" + fq + ")", fq} {
		if len(out) >= limit {
			break
		}
		// A message stored in two folders (a copy to oneself) is listed
		// once, and the first pass's are skipped in the second: read enough
		// for both.
		if err := searchPass(ctx, db, match, limit+2*len(out)+10, limit, &out, seen); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func searchPass(ctx context.Context, db *sql.DB, match string, read, limit int, out *[]Hit, seen map[string]bool) error {
	rows, err := db.QueryContext(ctx, `SELECT m.id, coalesce(m.thread_id, 0), m.message_id, m.subject, m.from_name,
		m.from_addr, coalesce(m.sent_at, m.received_at), m.outgoing,
		snippet(message_fts, -1, '`+SnippetMark+`', '`+SnippetMark+`', '…', 16)
		FROM message_fts JOIN message m ON m.id = message_fts.rowid
		WHERE message_fts MATCH ? ORDER BY message_fts.rowid DESC LIMIT ?`, match, read)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() && len(*out) < limit {
		var h Hit
		var messageID, at string
		if err := rows.Scan(&h.MessageID, &h.ThreadID, &messageID, &h.Subject, &h.From.Name, &h.From.Addr, &at,
			&h.Outgoing, &h.Snippet); err != nil {
			return err
		}
		key := messageID
		if key == "" {
			key = fmt.Sprint(h.MessageID)
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		h.At, _ = time.Parse(time.RFC3339, at)
		h.Snippet = strings.Join(strings.Fields(h.Snippet), " ")
		*out = append(*out, h)
	}
	return rows.Err()
}
