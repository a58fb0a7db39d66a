package inbox

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// The sync mirrors INBOX and the Sent folder into SQLite: new mail first
// (newest first, in batches, each batch committed, so that a big mailbox
// shows its newest messages at once and an interrupted sync resumes where it
// stopped), then older mail behind it, flag changes (with CONDSTORE where
// the server has it) and expunged messages.

// batchSize is how many messages the first FETCH and transaction of a
// folder take, so that the newest mail shows at once; laterBatch is how
// many the next ones take: fewer, bigger transactions cost less (each
// commit, index flush and thread refresh has its price).
const (
	batchSize  = 200
	laterBatch = 1000
)

// FolderReport is what one sync did to one folder.
type FolderReport struct {
	Folder   string  `json:"folder"`
	Role     string  `json:"role"`
	New      int     `json:"new"`
	Updated  int     `json:"updated"`
	Expunged int     `json:"expunged"`
	Reset    bool    `json:"reset,omitempty"` // UIDVALIDITY changed: the folder was fetched again
	Complete bool    `json:"complete"`        // every message of the folder is stored
	Seconds  float64 `json:"seconds"`
}

// SyncOptions tune a sync.
type SyncOptions struct {
	// Limit caps the messages fetched per folder in this run (0: all);
	// the rest come in later runs, newest first.
	Limit int
	// Progress, when set, hears of every stored batch.
	Progress func(folder string, stored, total int)
}

// folderState is a folder's row.
type folderState struct {
	id          int64
	name, role  string
	uidValidity uint32
	uidNext     imap.UID
	lowUID      imap.UID
	complete    bool
	modSeq      uint64
}

// Syncer syncs one logged-in IMAP client into the database.
type Syncer struct {
	DB       *sql.DB
	Client   *imapclient.Client
	ShopAddr string // the account's address: its messages are outgoing
}

// Sync syncs INBOX and the Sent folder.
func (s *Syncer) Sync(ctx context.Context, opts SyncOptions) ([]FolderReport, error) {
	if err := placeUnthreaded(ctx, s.DB); err != nil {
		return nil, fmt.Errorf("sync: threads: %w", err)
	}
	sent, err := FindSent(s.Client)
	if err != nil {
		return nil, fmt.Errorf("sync: list folders: %w", err)
	}
	folders := []struct{ name, role string }{{"INBOX", "inbox"}}
	if sent != "" {
		folders = append(folders, struct{ name, role string }{sent, "sent"})
	}
	var reports []FolderReport
	for _, f := range folders {
		if err := ctx.Err(); err != nil {
			return reports, err
		}
		r, err := s.SyncFolder(ctx, f.name, f.role, opts)
		if err != nil {
			return reports, fmt.Errorf("sync %s: %w", f.name, err)
		}
		reports = append(reports, *r)
	}
	return reports, nil
}

func (s *Syncer) loadFolder(ctx context.Context, name, role string) (*folderState, error) {
	if role == "sent" {
		// A reply sent before any sync reached the Sent folder made a local
		// one ("Sent", see sentFolderRow): it is this folder, under the
		// server's name.
		if _, err := s.DB.ExecContext(ctx, `UPDATE folder SET name = ? WHERE role = 'sent' AND uidvalidity = 0
			AND name <> ? AND NOT EXISTS (SELECT 1 FROM folder WHERE name = ?)`, name, name, name); err != nil {
			return nil, err
		}
	}
	if _, err := s.DB.ExecContext(ctx, `INSERT INTO folder(name, role) VALUES(?, ?)
		ON CONFLICT(name) DO UPDATE SET role = excluded.role`, name, role); err != nil {
		return nil, err
	}
	f := &folderState{name: name, role: role}
	var uidNext, low int64
	err := s.DB.QueryRowContext(ctx, `SELECT id, uidvalidity, uidnext, low_uid, complete, modseq FROM folder WHERE name = ?`,
		name).Scan(&f.id, &f.uidValidity, &uidNext, &low, &f.complete, &f.modSeq)
	f.uidNext, f.lowUID = imap.UID(uidNext), imap.UID(low)
	return f, err
}

// SyncFolder brings one folder up to date.
func (s *Syncer) SyncFolder(ctx context.Context, name, role string, opts SyncOptions) (*FolderReport, error) {
	start := time.Now()
	rep := &FolderReport{Folder: name, Role: role}
	f, err := s.loadFolder(ctx, name, role)
	if err != nil {
		return nil, err
	}
	condStore := s.Client.Caps().Has(imap.CapCondStore)
	sel, err := s.Client.Select(name, &imap.SelectOptions{ReadOnly: true, CondStore: condStore}).Wait()
	if err != nil {
		return nil, err
	}
	if f.uidValidity != 0 && f.uidValidity != sel.UIDValidity {
		// The server renumbered the folder: what is stored under the old
		// UIDs is gone. Fetch it again rather than guess.
		if err := s.forgetFolder(ctx, f.id); err != nil {
			return nil, err
		}
		f.uidNext, f.lowUID, f.complete, f.modSeq = 0, 0, false, 0
		rep.Reset = true
	}
	f.uidValidity = sel.UIDValidity

	// Flags and expunges of what is stored, before new mail, so that new
	// mail is never mistaken for changed.
	if f.uidNext > 0 && sel.NumMessages > 0 {
		if rep.Updated, err = s.syncFlags(ctx, f, sel, condStore); err != nil {
			return nil, err
		}
	}
	// New mail (above what is stored), then older mail (below it), newest
	// first, in batches.
	var uids []imap.UID
	if sel.NumMessages > 0 {
		if uids, err = s.missingUIDs(f); err != nil {
			return nil, err
		}
	}
	// Whether every new message (at or above the stored UIDNEXT) is fetched
	// in this run: then the folder's UIDNEXT is the server's at the end,
	// even when the newest ones were expunged before they could be fetched.
	allNew := true
	if opts.Limit > 0 && len(uids) > opts.Limit {
		allNew = f.uidNext == 0 || uids[opts.Limit] < f.uidNext
		uids = uids[:opts.Limit]
	}
	// The lowest new UID: UIDNEXT moves up only when the batch holding it is
	// stored, so that an interrupted run leaves no gap behind.
	lowestNew := imap.UID(0)
	for _, u := range uids {
		if u >= f.uidNext {
			lowestNew = u
		}
	}
	hadMail := f.uidNext > 0
	// The next batch is fetched and parsed (on the other core) while this
	// one is stored: the server and the database work at the same time
	// instead of taking turns.
	var pending <-chan *fetched
	inFlight := 0
	next := func() {
		if len(uids) == 0 || ctx.Err() != nil {
			pending, inFlight = nil, 0
			return
		}
		n := min(batchSize, len(uids))
		if rep.New > 0 || pending != nil {
			n = min(laterBatch, len(uids)) // the newest are in: bigger batches, fewer commits
		}
		pending, inFlight = s.fetchAhead(f.id, uids[:n]), n
		uids = uids[n:]
	}
	next()
	for pending != nil {
		b := <-pending
		if b.err != nil {
			return nil, b.err
		}
		next()
		stored, err := s.storeBatch(ctx, f, b, sel.UIDNext, lowestNew)
		if err != nil {
			if pending != nil {
				<-pending // let the fetch in flight end before the caller uses the client
			}
			return nil, err
		}
		rep.New += stored
		if opts.Progress != nil {
			opts.Progress(name, rep.New, rep.New+len(uids)+inFlight)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// Expunged messages, now that the new ones are in: when every message
	// is stored and the counts agree, nothing can be missing.
	if hadMail {
		if rep.Expunged, err = s.syncExpunged(ctx, f, sel); err != nil {
			return nil, err
		}
	}
	// Done: the folder is complete when nothing older is left.
	if err := s.finish(ctx, f, sel, allNew); err != nil {
		return nil, err
	}
	rep.Complete = f.complete
	rep.Seconds = time.Since(start).Seconds()
	return rep, nil
}

// missingUIDs lists the UIDs to fetch, newest first: those at or above the
// stored UIDNEXT, then those below the oldest stored.
func (s *Syncer) missingUIDs(f *folderState) ([]imap.UID, error) {
	var set imap.UIDSet
	switch {
	case f.uidNext == 0: // first sync
		set.AddRange(1, 0)
	default:
		set.AddRange(f.uidNext, 0)
		if !f.complete && f.lowUID > 1 {
			set.AddRange(1, f.lowUID-1)
		}
	}
	data, err := s.Client.UIDSearch(&imap.SearchCriteria{UID: []imap.UIDSet{set}}, nil).Wait()
	if err != nil {
		return nil, err
	}
	uids := data.AllUIDs()
	// "n:*" matches the highest UID even when it is below n: keep only the
	// ones really missing.
	uids = slices.DeleteFunc(uids, func(u imap.UID) bool {
		return f.uidNext > 0 && u < f.uidNext && (f.complete || u >= f.lowUID)
	})
	slices.SortFunc(uids, func(a, b imap.UID) int { return int(b) - int(a) })
	return uids, nil
}

// fetched is one batch as the server sent it, parsed.
type fetched struct {
	uids []imap.UID
	msgs []*imapclient.FetchMessageBuffer
	rows []row
	err  error
}

// fetchAhead fetches and parses a batch on its own goroutine: whole
// messages up to bigMessage, bigger ones as header, structure and text.
// The rows are ready to store in folder.
func (s *Syncer) fetchAhead(folder int64, uids []imap.UID) <-chan *fetched {
	out := make(chan *fetched, 1)
	go func() {
		b := &fetched{uids: uids}
		defer func() { out <- b }()
		b.msgs, b.err = collect(s.Client.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{
			UID: true, Flags: true, InternalDate: true, RFC822Size: true, ModSeq: s.Client.Caps().Has(imap.CapCondStore),
			BodySection: []*imap.FetchItemBodySection{{Peek: true, Partial: &imap.SectionPartial{Size: bigMessage}}},
		}))
		if b.err != nil {
			return
		}
		var bigUIDs []imap.UID
		for _, m := range b.msgs {
			if m.RFC822Size > bigMessage {
				bigUIDs = append(bigUIDs, m.UID)
			}
		}
		var big map[imap.UID]*bigParts
		if len(bigUIDs) > 0 {
			if big, b.err = fetchBig(s.Client, bigUIDs); b.err != nil {
				return
			}
		}
		b.rows = make([]row, len(b.msgs))
		for i, m := range b.msgs {
			var raw []byte
			for _, sec := range m.BodySection {
				raw = sec.Bytes
			}
			var p *Parsed
			if bp := big[m.UID]; bp != nil {
				p = ParseMessage(bp.raw)
				p.Attachments = bp.attachments
			} else {
				p = ParseMessage(raw)
			}
			m.BodySection = nil // the text is in the row; let the raw bytes go
			b.rows[i] = prepare(s.ShopAddr, stored_{folder: folder, uid: int64(m.UID), parsed: p,
				received: m.InternalDate, size: m.RFC822Size, flags: m.Flags, modSeq: m.ModSeq})
		}
	}()
	return out
}

// collect reads a fetch's messages as FetchCommand.Collect does, but each
// body into a slice of the literal's exact size: Collect grows one by
// doubling, which allocates twice what a mailbox holds.
func collect(cmd *imapclient.FetchCommand) ([]*imapclient.FetchMessageBuffer, error) {
	defer cmd.Close()
	var out []*imapclient.FetchMessageBuffer
	for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
		buf := &imapclient.FetchMessageBuffer{SeqNum: msg.SeqNum}
		for item := msg.Next(); item != nil; item = msg.Next() {
			switch item := item.(type) {
			case imapclient.FetchItemDataBodySection:
				var b []byte
				if item.Literal != nil {
					b = make([]byte, item.Literal.Size())
					if _, err := io.ReadFull(item.Literal, b); err != nil {
						return out, err
					}
				}
				buf.BodySection = append(buf.BodySection, imapclient.FetchBodySectionBuffer{Section: item.Section, Bytes: b})
			case imapclient.FetchItemDataUID:
				buf.UID = item.UID
			case imapclient.FetchItemDataFlags:
				buf.Flags = item.Flags
			case imapclient.FetchItemDataInternalDate:
				buf.InternalDate = item.Time
			case imapclient.FetchItemDataRFC822Size:
				buf.RFC822Size = item.Size
			case imapclient.FetchItemDataModSeq:
				buf.ModSeq = item.ModSeq
			}
		}
		out = append(out, buf)
	}
	return out, cmd.Close()
}

// storeBatch stores a fetched batch in one transaction, with the folder's
// progress, so that a sync cut short resumes after the last batch.
func (s *Syncer) storeBatch(ctx context.Context, f *folderState, b *fetched, serverNext, lowestNew imap.UID) (int, error) {
	uids := b.uids
	tx, err := s.DB.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	st, err := newStorer(ctx, tx, s.ShopAddr)
	if err != nil {
		return 0, err
	}
	defer st.close()
	stored, err := st.store(ctx, b.rows)
	if err != nil {
		return 0, err
	}
	if err := st.finish(ctx); err != nil {
		return 0, err
	}
	// Progress. On the first sync, everything from this batch up is
	// stored: UIDNEXT is the server's, and older mail lies below low_uid.
	// Later, UIDNEXT moves up once the lowest new message is stored.
	low := slices.Min(uids)
	switch {
	case f.uidNext == 0:
		f.uidNext, f.lowUID = serverNext, low
	case low <= lowestNew && lowestNew >= f.uidNext:
		f.uidNext = serverNext
	}
	if low < f.uidNext && (f.lowUID == 0 || low < f.lowUID) {
		f.lowUID = low
	}
	if _, err := tx.ExecContext(ctx, `UPDATE folder SET uidvalidity = ?, uidnext = ?, low_uid = ? WHERE id = ?`,
		f.uidValidity, int64(f.uidNext), int64(f.lowUID), f.id); err != nil {
		return 0, err
	}
	return stored, tx.Commit()
}

// finish records the folder's state after a sync.
func (s *Syncer) finish(ctx context.Context, f *folderState, sel *imap.SelectData, allNew bool) error {
	if allNew && f.uidNext > 0 && sel.UIDNext > f.uidNext {
		f.uidNext = sel.UIDNext
	}
	if sel.NumMessages == 0 {
		f.uidNext, f.complete = sel.UIDNext, true
	} else if f.lowUID > 0 {
		var older int
		if err := s.DB.QueryRowContext(ctx, `SELECT count(*) FROM message WHERE folder_id = ? AND uid > 0`, f.id).Scan(&older); err != nil {
			return err
		}
		f.complete = uint32(older) >= sel.NumMessages
	}
	if sel.HighestModSeq > f.modSeq {
		f.modSeq = sel.HighestModSeq
	}
	_, err := s.DB.ExecContext(ctx, `UPDATE folder SET uidvalidity = ?, uidnext = ?, low_uid = ?, complete = ?, modseq = ?,
		synced_at = ? WHERE id = ?`, f.uidValidity, int64(f.uidNext), int64(f.lowUID), f.complete, f.modSeq,
		time.Now().UTC().Format(time.RFC3339), f.id)
	return err
}

// syncFlags brings the stored messages' flags up to date: only the ones
// changed since the last sync with CONDSTORE, else all of them.
func (s *Syncer) syncFlags(ctx context.Context, f *folderState, sel *imap.SelectData, condStore bool) (int, error) {
	opts := &imap.FetchOptions{UID: true, Flags: true}
	if condStore && f.modSeq > 0 {
		if sel.HighestModSeq == f.modSeq {
			return 0, nil // nothing changed at all
		}
		opts.ModSeq, opts.ChangedSince = true, f.modSeq
	}
	var set imap.UIDSet
	set.AddRange(1, f.uidNext-1)
	msgs, err := s.Client.Fetch(set, opts).Collect()
	if err != nil {
		return 0, err
	}
	tx, err := s.DB.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	// \Answered set by another mail client takes a thread out of the
	// waiting queue: the threads of changed messages are recomputed.
	upd, err := tx.PrepareContext(ctx, `UPDATE message SET seen = ?, answered = ?, flagged = ?, modseq = max(modseq, ?)
		WHERE folder_id = ? AND uid = ? AND (seen, answered, flagged) IS NOT (?, ?, ?) RETURNING thread_id`)
	if err != nil {
		return 0, err
	}
	defer upd.Close()
	th := newThreader(tx)
	defer th.close()
	changed := 0
	for _, m := range msgs {
		seen, ans, fl := hasFlag(m.Flags, imap.FlagSeen), hasFlag(m.Flags, imap.FlagAnswered), hasFlag(m.Flags, imap.FlagFlagged)
		var thread sql.NullInt64
		err := upd.QueryRowContext(ctx, seen, ans, fl, int64(m.ModSeq), f.id, int64(m.UID), seen, ans, fl).Scan(&thread)
		switch {
		case err == sql.ErrNoRows:
			continue
		case err != nil:
			return 0, err
		}
		th.touch(thread)
		changed++
	}
	if err := th.refresh(ctx); err != nil {
		return 0, err
	}
	return changed, tx.Commit()
}

// syncExpunged removes what the server no longer has. The count of
// messages tells whether anything can be missing; only then are the UIDs
// compared.
func (s *Syncer) syncExpunged(ctx context.Context, f *folderState, sel *imap.SelectData) (int, error) {
	var stored int
	if err := s.DB.QueryRowContext(ctx, `SELECT count(*) FROM message WHERE folder_id = ? AND uid > 0`, f.id).Scan(&stored); err != nil {
		return 0, err
	}
	if stored == 0 {
		return 0, nil
	}
	// The server has as many messages as are stored, all of them fetched:
	// nothing was expunged. Otherwise compare the UIDs.
	if uint32(stored) == sel.NumMessages {
		return 0, nil
	}
	var set imap.UIDSet
	set.AddRange(1, 0)
	data, err := s.Client.UIDSearch(&imap.SearchCriteria{UID: []imap.UIDSet{set}}, nil).Wait()
	if err != nil {
		return 0, err
	}
	have := map[imap.UID]bool{}
	for _, u := range data.AllUIDs() {
		have[u] = true
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT uid FROM message WHERE folder_id = ? AND uid > 0`, f.id)
	if err != nil {
		return 0, err
	}
	var gone []int64
	for rows.Next() {
		var u int64
		if err := rows.Scan(&u); err != nil {
			rows.Close()
			return 0, err
		}
		if !have[imap.UID(u)] {
			gone = append(gone, u)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if len(gone) == 0 {
		return 0, nil
	}
	tx, err := s.DB.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	for _, u := range gone {
		if _, err := deleteMessages(ctx, tx, `folder_id = ? AND uid = ?`, f.id, u); err != nil {
			return 0, err
		}
	}
	return len(gone), tx.Commit()
}

// forgetFolder deletes what is stored of a folder whose UIDs the server
// renumbered.
func (s *Syncer) forgetFolder(ctx context.Context, folder int64) error {
	tx, err := s.DB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// The local copies of sent replies (uid < 0) are not the server's to
	// renumber: they stay until the server's copies arrive.
	if _, err := deleteMessages(ctx, tx, `folder_id = ? AND uid > 0`, folder); err != nil {
		return err
	}
	return tx.Commit()
}

func hasFlag(flags []imap.Flag, f imap.Flag) bool {
	for _, x := range flags {
		if strings.EqualFold(string(x), string(f)) {
			return true
		}
	}
	return false
}

func addrs(list []Address) string {
	out := make([]string, 0, len(list))
	for _, a := range list {
		if a.Addr != "" {
			out = append(out, a.Addr)
		}
	}
	return strings.Join(out, " ")
}
