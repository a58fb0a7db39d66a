package orders

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"mostrador/internal/address"
)

// A shop often knows one person as two customers: two addresses, or one
// address and a phone order without any. MergeCustomers makes them one
// card: the other customer's orders, appointments and tags move to the kept
// one, and the kept one's empty fields are filled from the other's. The
// other customer's row stays, hidden, so that its address (and its id, which
// other packages hold) keeps meaning the kept customer: CardByEmail, an
// import's customer matching and CustomerByEmail follow the merge, and
// ListCustomers lists only the kept one. Everything the merge did is
// recorded (customer_merge, customer_merge_row, customer_merge_tag), so that
// UnmergeCustomers undoes exactly that.

// Why a merge or an unmerge is refused. The errors name the customers.
var (
	ErrSameCustomer = errors.New("cannot be merged with itself")
	// ErrMerged: the customer was merged into another one; its card is that
	// one's.
	ErrMerged  = errors.New("merged into")
	ErrNoMerge = errors.New("no such merge")
	// ErrUnmerged: the merge was undone already.
	ErrUnmerged = errors.New("undone already")
)

// Merge is one merge of two customers, as recorded.
type Merge struct {
	ID    int64 `json:"id"`
	Keep  int64 `json:"keep"`  // the customer that stays, with both's orders
	Other int64 `json:"other"` // the customer merged into Keep
	// OtherEmail is the other customer's own address ("": none), which
	// finds the kept one while they are merged.
	OtherEmail string `json:"otherEmail,omitempty"`
	// Filled names the kept customer's fields the merge filled from the
	// other's because they were empty: email, name, phone, notes. An email
	// filled is the other's address, moved (an address is one customer's).
	Filled     []string   `json:"filled,omitempty"`
	At         time.Time  `json:"at"`
	UnmergedAt *time.Time `json:"unmergedAt,omitempty"`
}

// FilledEmail reports whether the kept customer took the other's address
// (it had none).
func (m Merge) FilledEmail() bool {
	for _, f := range m.Filled {
		if f == "email" {
			return true
		}
	}
	return false
}

// WithinMerge runs inside a merge's (or an unmerge's) transaction, after
// the order log's part and before the commit, as Within does for a status
// change: what it writes (reminders.MergeCustomers moves the automated
// emails' state) lands with the merge or not at all, and its error undoes
// the merge.
type WithinMerge func(ctx context.Context, tx *sql.Tx, m Merge) error

// MergeCustomers merges customer other into customer keep at now, runs
// within (nil: nothing) in the same transaction, and returns the merge's id
// for UnmergeCustomers. It refuses a customer merged with itself, an unknown
// one, and one merged away already (either side).
func MergeCustomers(ctx context.Context, db *sql.DB, keep, other int64, now time.Time, within WithinMerge) (int64, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("merge customer %d into %d: %w", other, keep, err)
	}
	defer tx.Rollback()
	m, err := mergeCustomers(ctx, tx, keep, other, now.UTC())
	if err != nil {
		return 0, err
	}
	if within != nil {
		if err := within(ctx, tx, m); err != nil {
			return 0, err
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("merge customer %d into %d: %w", other, keep, err)
	}
	return m.ID, nil
}

// storedCustomer is a customer's own fields, as a merge reads them.
type storedCustomer struct {
	id                 int64
	email              sql.NullString
	name, phone, notes string
}

func (c storedCustomer) String() string {
	switch {
	case c.email.Valid:
		return fmt.Sprintf("customer %d (%s)", c.id, c.email.String)
	case c.name != "":
		return fmt.Sprintf("customer %d (%s)", c.id, c.name)
	}
	return fmt.Sprintf("customer %d", c.id)
}

func loadCustomer(ctx context.Context, q Querier, id int64) (storedCustomer, error) {
	c := storedCustomer{id: id}
	err := q.QueryRowContext(ctx, `SELECT email, name, phone, notes FROM customer WHERE id = ?`, id).
		Scan(&c.email, &c.name, &c.phone, &c.notes)
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("customer %d: %w", id, ErrNoCustomer)
	}
	return c, err
}

// mergedInto is the customer id was merged into, if it was (0: it was not).
func mergedInto(ctx context.Context, q Querier, id int64) (keep, mergeID int64, err error) {
	err = q.QueryRowContext(ctx, `SELECT keep_id, id FROM customer_merge WHERE other_id = ? AND unmerged_at IS NULL`, id).
		Scan(&keep, &mergeID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil
	}
	return keep, mergeID, err
}

// notMergedAway refuses a customer merged into another one, naming both.
func notMergedAway(ctx context.Context, q Querier, c storedCustomer) error {
	into, _, err := mergedInto(ctx, q, c.id)
	if err != nil || into == 0 {
		return err
	}
	k, err := loadCustomer(ctx, q, into)
	if err != nil {
		return err
	}
	return fmt.Errorf("%s: %w %s", c, ErrMerged, k)
}

func mergeCustomers(ctx context.Context, tx *sql.Tx, keepID, otherID int64, now time.Time) (Merge, error) {
	m := Merge{Keep: keepID, Other: otherID, At: now.Truncate(time.Second)}
	keep, err := loadCustomer(ctx, tx, keepID)
	if err != nil {
		return m, err
	}
	other, err := loadCustomer(ctx, tx, otherID)
	if err != nil {
		return m, err
	}
	if keepID == otherID {
		return m, fmt.Errorf("%s: %w", keep, ErrSameCustomer)
	}
	for _, c := range []storedCustomer{other, keep} {
		if err := notMergedAway(ctx, tx, c); err != nil {
			return m, err
		}
	}
	fail := func(err error) (Merge, error) {
		return m, fmt.Errorf("merge %s into %s: %w", other, keep, err)
	}
	m.OtherEmail = other.email.String
	res, err := tx.ExecContext(ctx, `INSERT INTO customer_merge(keep_id, other_id, other_email, merged_at)
		VALUES(?, ?, ?, ?)`, keepID, otherID, nullText(m.OtherEmail), timeText(now))
	if err != nil {
		return fail(err)
	}
	if m.ID, err = res.LastInsertId(); err != nil {
		return fail(err)
	}
	for _, step := range []func(context.Context, *sql.Tx, *Merge, storedCustomer, storedCustomer) error{
		moveOrders, moveAppointments, mergeTags, fillFields,
	} {
		if err := step(ctx, tx, &m, keep, other); err != nil {
			return fail(err)
		}
	}
	return m, nil
}

// moveOrders gives the other customer's orders to the kept one.
func moveOrders(ctx context.Context, tx *sql.Tx, m *Merge, _, _ storedCustomer) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO customer_merge_row(merge_id, kind, row_id)
		SELECT ?, 'order', id FROM orders WHERE customer_id = ?`, m.ID, m.Other); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE orders SET customer_id = ? WHERE customer_id = ?`, m.Keep, m.Other)
	return err
}

// moveAppointments gives the other customer's appointments to the kept one.
// An appointment keyed by who, when and what (apptKey) is keyed again by
// the kept customer, as the next import of its export will look for it;
// unless the kept customer has that very appointment already (one booking
// written under both names), which then keeps its key.
func moveAppointments(ctx context.Context, tx *sql.Tx, m *Merge, _, _ storedCustomer) error {
	return moveAppointmentRows(ctx, tx, `SELECT id, source, booking_key FROM appointment WHERE customer_id = ?`,
		[]any{m.Other}, m.Other, m.Keep, func(id int64) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO customer_merge_row(merge_id, kind, row_id) VALUES(?, 'appointment', ?)`,
				m.ID, id)
			return err
		})
}

// moveAppointmentRows moves the appointments a query selects (id, source,
// key) from customer from to customer to, keying them again, and calls
// moved for each.
func moveAppointmentRows(ctx context.Context, tx *sql.Tx, query string, args []any, from, to int64,
	moved func(id int64) error) error {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	type appt struct {
		id          int64
		source, key string
	}
	var list []appt
	for rows.Next() {
		var a appt
		if err := rows.Scan(&a.id, &a.source, &a.key); err != nil {
			rows.Close()
			return err
		}
		list = append(list, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	prefix := "at:" + strconv.FormatInt(from, 10) + "|"
	for _, a := range list {
		key := a.key
		if rest, ok := strings.CutPrefix(a.key, prefix); ok {
			n := "at:" + strconv.FormatInt(to, 10) + "|" + rest
			var taken int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM appointment WHERE source = ? AND booking_key = ?`,
				a.source, n).Scan(&taken); err != nil {
				return err
			}
			if taken == 0 {
				key = n
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE appointment SET customer_id = ?, booking_key = ? WHERE id = ?`,
			to, key, a.id); err != nil {
			return err
		}
		if err := moved(a.id); err != nil {
			return err
		}
	}
	return nil
}

// mergeTags adds the other customer's tags to the kept one's, after them,
// as far as a customer may have tags.
func mergeTags(ctx context.Context, tx *sql.Tx, m *Merge, _, _ storedCustomer) error {
	kept, err := tagsOf(ctx, tx, m.Keep)
	if err != nil {
		return err
	}
	theirs, err := tagsOf(ctx, tx, m.Other)
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, t := range kept {
		have[tagKey(t)] = true
	}
	var last int
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(position), 0) FROM customer_tag WHERE customer_id = ?`,
		m.Keep).Scan(&last); err != nil {
		return err
	}
	n := len(kept)
	for _, t := range theirs {
		if have[tagKey(t)] || n >= maxTags {
			continue
		}
		have[tagKey(t)] = true
		n++
		last++
		if _, err := tx.ExecContext(ctx, `INSERT INTO customer_tag(customer_id, tag_key, tag, position) VALUES(?, ?, ?, ?)`,
			m.Keep, tagKey(t), t, last); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO customer_merge_tag(merge_id, tag_key) VALUES(?, ?)`,
			m.ID, tagKey(t)); err != nil {
			return err
		}
	}
	return nil
}

// fillFields fills the kept customer's empty fields from the other's and
// records what it wrote. An address moves: it is one customer's.
func fillFields(ctx context.Context, tx *sql.Tx, m *Merge, keep, other storedCustomer) error {
	now := timeText(m.At)
	if !keep.email.Valid && other.email.Valid {
		if _, err := tx.ExecContext(ctx, `UPDATE customer SET email = NULL WHERE id = ?`, other.id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE customer SET email = ?, updated_at = ? WHERE id = ?`,
			other.email.String, now, keep.id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE customer_merge SET filled_email = ? WHERE id = ?`,
			other.email.String, m.ID); err != nil {
			return err
		}
		m.Filled = append(m.Filled, "email")
	}
	for _, f := range []struct {
		name, set  string
		kept, with string
	}{
		{"name", `name = ?1, name_key = ?2`, keep.name, other.name},
		{"phone", `phone = ?1, phone_key = ?2`, keep.phone, other.phone},
		{"notes", `notes = ?1`, keep.notes, other.notes},
	} {
		if f.kept != "" || f.with == "" {
			continue
		}
		key := ""
		switch f.name {
		case "name":
			key = nameKey(f.with)
		case "phone":
			key = phoneKey(f.with)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE customer SET `+f.set+`, updated_at = ?3 WHERE id = ?4`,
			f.with, key, now, keep.id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE customer_merge SET filled_`+f.name+` = ? WHERE id = ?`, f.with, m.ID); err != nil {
			return err
		}
		m.Filled = append(m.Filled, f.name)
	}
	return nil
}

// UnmergeCustomers undoes merge mergeID at now and runs within (nil:
// nothing) in the same transaction. The other customer gets back its
// orders, appointments and address, and the orders imported since under
// its address; the kept customer loses the tags the merge gave it, and the
// fields the merge filled are emptied again unless the owner changed them
// since. A merge whose kept customer was merged into another one since is
// undone after that one.
func UnmergeCustomers(ctx context.Context, db *sql.DB, mergeID int64, now time.Time, within WithinMerge) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("merge %d: %w", mergeID, err)
	}
	defer tx.Rollback()
	m, err := unmergeCustomers(ctx, tx, mergeID, now.UTC())
	if err != nil {
		return err
	}
	if within != nil {
		if err := within(ctx, tx, m); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("merge %d: %w", mergeID, err)
	}
	return nil
}

// storedMerge is a merge as stored, with what it filled.
type storedMerge struct {
	Merge
	filled map[string]string // field -> the value written
}

func loadMerge(ctx context.Context, q Querier, id int64) (storedMerge, error) {
	m := storedMerge{Merge: Merge{ID: id}, filled: map[string]string{}}
	var otherEmail, email, name, phone, notes, unmerged sql.NullString
	var at string
	err := q.QueryRowContext(ctx, `SELECT keep_id, other_id, other_email, filled_email, filled_name, filled_phone,
		filled_notes, merged_at, unmerged_at FROM customer_merge WHERE id = ?`, id).Scan(&m.Keep, &m.Other,
		&otherEmail, &email, &name, &phone, &notes, &at, &unmerged)
	if errors.Is(err, sql.ErrNoRows) {
		return m, fmt.Errorf("merge %d: %w", id, ErrNoMerge)
	}
	if err != nil {
		return m, fmt.Errorf("merge %d: %w", id, err)
	}
	m.OtherEmail = otherEmail.String
	for _, f := range []struct {
		name string
		v    sql.NullString
	}{{"email", email}, {"name", name}, {"phone", phone}, {"notes", notes}} {
		if f.v.Valid {
			m.filled[f.name] = f.v.String
			m.Filled = append(m.Filled, f.name)
		}
	}
	m.At, _ = time.Parse(timeLayout, at)
	m.UnmergedAt = parseStored(unmerged)
	return m, nil
}

func unmergeCustomers(ctx context.Context, tx *sql.Tx, id int64, now time.Time) (Merge, error) {
	m, err := loadMerge(ctx, tx, id)
	if err != nil {
		return m.Merge, err
	}
	keep, err := loadCustomer(ctx, tx, m.Keep)
	if err != nil {
		return m.Merge, err
	}
	other, err := loadCustomer(ctx, tx, m.Other)
	if err != nil {
		return m.Merge, err
	}
	if m.OtherEmail != "" {
		other.email = sql.NullString{String: m.OtherEmail, Valid: true} // for the errors: it may be keep's now
	}
	what := fmt.Sprintf("merge %d (%s into %s)", id, other, keep)
	if m.UnmergedAt != nil {
		return m.Merge, fmt.Errorf("%s: %w on %s", what, ErrUnmerged, m.UnmergedAt.Format("2006-01-02 15:04 UTC"))
	}
	if into, later, err := mergedInto(ctx, tx, m.Keep); err != nil {
		return m.Merge, fmt.Errorf("%s: %w", what, err)
	} else if into != 0 {
		k, err := loadCustomer(ctx, tx, into)
		if err != nil {
			return m.Merge, err
		}
		return m.Merge, fmt.Errorf("%s: %s was %w %s since: undo merge %d first", what, keep, ErrMerged, k, later)
	}
	now = now.Truncate(time.Second)
	m.UnmergedAt = &now
	for _, step := range []func(context.Context, *sql.Tx, storedMerge) error{
		restoreFields, returnOrders, returnAppointments, returnTags,
	} {
		if err := step(ctx, tx, m); err != nil {
			return m.Merge, fmt.Errorf("%s: %w", what, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE customer_merge SET unmerged_at = ? WHERE id = ?`, timeText(now), id); err != nil {
		return m.Merge, fmt.Errorf("%s: %w", what, err)
	}
	return m.Merge, nil
}

// restoreFields empties the kept customer's fields the merge filled, where
// they still hold what it wrote, and gives the other customer back its
// address.
func restoreFields(ctx context.Context, tx *sql.Tx, m storedMerge) error {
	now := timeText(*m.UnmergedAt)
	if email, ok := m.filled["email"]; ok {
		res, err := tx.ExecContext(ctx, `UPDATE customer SET email = NULL, updated_at = ? WHERE id = ? AND email = ?`,
			now, m.Keep, email)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE customer SET email = ? WHERE id = ?`, email, m.Other); err != nil {
				return err
			}
		}
	}
	for _, f := range []struct{ name, set string }{
		{"name", `name = '', name_key = ''`},
		{"phone", `phone = '', phone_key = ''`},
		{"notes", `notes = ''`},
	} {
		v, ok := m.filled[f.name]
		if !ok {
			continue
		}
		if _, err := tx.ExecContext(ctx, `UPDATE customer SET `+f.set+`, updated_at = ? WHERE id = ? AND `+f.name+` = ?`,
			now, m.Keep, v); err != nil {
			return err
		}
	}
	return nil
}

// returnOrders gives the other customer back the orders the merge moved,
// and those imported since under its address (which found the kept
// customer while they were merged).
func returnOrders(ctx context.Context, tx *sql.Tx, m storedMerge) error {
	if _, err := tx.ExecContext(ctx, `UPDATE orders SET customer_id = ? WHERE customer_id = ? AND id IN
		(SELECT row_id FROM customer_merge_row WHERE merge_id = ? AND kind = 'order')`, m.Other, m.Keep, m.ID); err != nil {
		return err
	}
	if m.OtherEmail == "" {
		return nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, email FROM orders WHERE customer_id = ? AND created_at >= ?`,
		m.Keep, timeText(m.At))
	if err != nil {
		return err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		var email string
		if err := rows.Scan(&id, &email); err != nil {
			rows.Close()
			return err
		}
		if address.Normalize(email) == m.OtherEmail {
			ids = append(ids, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `UPDATE orders SET customer_id = ? WHERE id = ?`, m.Other, id); err != nil {
			return err
		}
	}
	return nil
}

// returnAppointments gives the other customer back the appointments the
// merge moved, keyed by it again.
func returnAppointments(ctx context.Context, tx *sql.Tx, m storedMerge) error {
	return moveAppointmentRows(ctx, tx, `SELECT id, source, booking_key FROM appointment WHERE customer_id = ? AND id IN
		(SELECT row_id FROM customer_merge_row WHERE merge_id = ? AND kind = 'appointment')`, []any{m.Keep, m.ID},
		m.Keep, m.Other, func(int64) error { return nil })
}

// returnTags takes from the kept customer the tags the merge gave it; the
// other customer's own were never taken from it.
func returnTags(ctx context.Context, tx *sql.Tx, m storedMerge) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM customer_tag WHERE customer_id = ? AND tag_key IN
		(SELECT tag_key FROM customer_merge_tag WHERE merge_id = ?)`, m.Keep, m.ID)
	return err
}

// keptCustomer is the customer id stands for: itself, or the one it was
// merged into (following a merge of that one in turn).
func keptCustomer(ctx context.Context, q Querier, id int64) (int64, error) {
	for range 1000 { // merges cannot loop (MergeCustomers refuses a merged-away side); a bound all the same
		into, _, err := mergedInto(ctx, q, id)
		if err != nil || into == 0 {
			return id, err
		}
		id = into
	}
	return 0, fmt.Errorf("customer %d: merged in a loop", id)
}

// KeptCustomer is the customer whose card id is: id itself, or the one it
// was merged into. Other packages holding customer ids (the automated
// emails' jobs) ask it before acting on one.
func KeptCustomer(ctx context.Context, q Querier, id int64) (int64, error) {
	return keptCustomer(ctx, q, id)
}

// CustomerByEmail is the id of the customer with this address (normalized
// here), following merges: the address of a customer merged into another
// finds the one it was merged into. ErrNoCustomer: nobody has it.
func CustomerByEmail(ctx context.Context, q Querier, email string) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT id FROM customer WHERE email = ?`, address.Normalize(email)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNoCustomer
	}
	if err != nil {
		return 0, err
	}
	return keptCustomer(ctx, q, id)
}

// MergedCustomer is a customer merged into the card's, for the card to list
// (and to offer to unmerge).
type MergedCustomer struct {
	MergeID int64     `json:"mergeId"`
	ID      int64     `json:"id"`
	Email   string    `json:"email,omitempty"` // its own address
	Name    string    `json:"name,omitempty"`
	Phone   string    `json:"phone,omitempty"`
	Into    int64     `json:"into"` // the card's customer, or one merged into it in turn
	At      time.Time `json:"at"`
}

// mergedCustomers lists the customers merged into id, and those merged into
// them in turn, in the order they were merged.
func mergedCustomers(ctx context.Context, q Querier, id int64) ([]MergedCustomer, error) {
	rows, err := q.QueryContext(ctx, `WITH RECURSIVE m(id, other, keep, email, at) AS (
			SELECT id, other_id, keep_id, other_email, merged_at FROM customer_merge
			WHERE keep_id = ? AND unmerged_at IS NULL
			UNION ALL SELECT cm.id, cm.other_id, cm.keep_id, cm.other_email, cm.merged_at
			FROM customer_merge cm JOIN m ON cm.keep_id = m.other AND cm.unmerged_at IS NULL)
		SELECT m.id, m.other, m.keep, coalesce(c.email, m.email, ''), c.name, c.phone, m.at
		FROM m JOIN customer c ON c.id = m.other ORDER BY m.at, m.id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []MergedCustomer
	for rows.Next() {
		var mc MergedCustomer
		var at string
		if err := rows.Scan(&mc.MergeID, &mc.ID, &mc.Into, &mc.Email, &mc.Name, &mc.Phone, &at); err != nil {
			return nil, err
		}
		mc.At, _ = time.Parse(timeLayout, at)
		out = append(out, mc)
	}
	return out, rows.Err()
}

// mergedAway maps every customer merged into another to the one whose card
// it is now (following merges of merges), for an import's matching.
func mergedAway(ctx context.Context, q Querier) (map[int64]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT other_id, keep_id FROM customer_merge WHERE unmerged_at IS NULL`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	direct := map[int64]int64{}
	for rows.Next() {
		var o, k int64
		if err := rows.Scan(&o, &k); err != nil {
			return nil, err
		}
		direct[o] = k
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make(map[int64]int64, len(direct))
	for o, k := range direct {
		for range len(direct) {
			n, ok := direct[k]
			if !ok {
				break
			}
			k = n
		}
		out[o] = k
	}
	return out, nil
}
