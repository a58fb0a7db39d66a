package reminders

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"mostrador/inbox"
	"mostrador/internal/address"
	"mostrador/orders"
)

// Merging two customers (orders.MergeCustomers) makes one person of them,
// and the automated emails follow: the other customer's jobs and answers
// move to the kept one; the kept one gets one thank-you (one greeting, one
// reorder reminder per product), not one per former customer; and what
// either asked for holds for both, the stricter winning (an opt-out of
// either is the merged one's). MergeCustomers and UnmergeCustomers here are
// orders.WithinMerge functions, run in the order log's transaction:
//
//	id, err := orders.MergeCustomers(ctx, db, keep, other, now, reminders.MergeCustomers)
//	err = orders.UnmergeCustomers(ctx, db, id, now, reminders.UnmergeCustomers)
//
// Everything the merge does is recorded (merge_job, merge_reply,
// merge_pref) for the unmerge.

const reasonMerged = "job.merged"

// MergeCustomers moves the automated emails' state of m.Other to m.Keep,
// inside the merge's transaction.
func MergeCustomers(ctx context.Context, tx *sql.Tx, m orders.Merge) error {
	for _, step := range []func(context.Context, *sql.Tx, orders.Merge) error{moveJobs, dropDuplicates, mergePrefs, moveReplies} {
		if err := step(ctx, tx, m); err != nil {
			return fmt.Errorf("merge customer %d into %d: automated emails: %w", m.Other, m.Keep, err)
		}
	}
	return nil
}

// mergeJob is a job as a merge weighs it.
type mergeJob struct {
	id                     int64
	rule, step, about      string
	version                int64
	state, queued          string
	due                    string
	fromOther              bool
	orderID, appointmentID int64
}

func jobsOf(ctx context.Context, tx *sql.Tx, customer int64, where string, args ...any) ([]mergeJob, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, rule, step, about, version, state, coalesce(queued_at, ''), due_at,
		coalesce(order_id, 0), coalesce(appointment_id, 0) FROM job WHERE customer_id = ? AND (`+where+`) ORDER BY id`,
		append([]any{customer}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []mergeJob
	for rows.Next() {
		var j mergeJob
		if err := rows.Scan(&j.id, &j.rule, &j.step, &j.about, &j.version, &j.state, &j.queued, &j.due,
			&j.orderID, &j.appointmentID); err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// moveJob gives a job to another customer unless that one has the same job
// (rule, step, subject, version) already: then it reports false. A job about
// one order can be planned for two customers when an import moved the order
// from one to the other.
func moveJob(ctx context.Context, tx *sql.Tx, j mergeJob, to int64, now time.Time) (bool, error) {
	var same int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM job WHERE rule = ? AND step = ? AND customer_id = ?
		AND about = ? AND version = ?`, j.rule, j.step, to, j.about, j.version).Scan(&same); err != nil || same > 0 {
		return false, err
	}
	_, err := tx.ExecContext(ctx, `UPDATE job SET customer_id = ?, updated_at = ? WHERE id = ?`, to, stamp(now), j.id)
	return err == nil, err
}

// cancelForMerge cancels a planned job as a duplicate and records it.
func cancelForMerge(ctx context.Context, tx *sql.Tx, mergeID, job int64, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE job SET state = 'cancelled', reason = ?, updated_at = ?
		WHERE id = ? AND state = 'planned'`, reasonMerged, stamp(now), job); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO merge_job(merge_id, job_id, cancelled) VALUES(?, ?, 1)
		ON CONFLICT(merge_id, job_id) DO UPDATE SET cancelled = 1`, mergeID, job)
	return err
}

// moveJobs gives the other customer's jobs to the kept one. One the kept
// customer has already (about the same order) stays behind, cancelled if
// it was still to go: the kept customer's goes instead.
func moveJobs(ctx context.Context, tx *sql.Tx, m orders.Merge) error {
	list, err := jobsOf(ctx, tx, m.Other, "1")
	if err != nil {
		return err
	}
	for _, j := range list {
		moved, err := moveJob(ctx, tx, j, m.Keep, m.At)
		if err != nil {
			return err
		}
		if moved {
			if _, err := tx.ExecContext(ctx, `INSERT INTO merge_job(merge_id, job_id, moved) VALUES(?, ?, 1)`,
				m.ID, j.id); err != nil {
				return err
			}
		} else if j.state == "planned" {
			if err := cancelForMerge(ctx, tx, m.ID, j.id, m.At); err != nil {
				return err
			}
		}
	}
	return nil
}

// dropDuplicates cancels the planned emails the merged person would get
// twice: a thank-you when the other side has one planned or sent in the
// thank-you window (the kept customer's own, or a sent one, wins), this
// year's greeting likewise, and a reorder reminder for a product the other
// side has one for (the latest order's wins, as when a customer orders a
// product again).
func dropDuplicates(ctx context.Context, tx *sql.Tx, m orders.Merge) error {
	list, err := jobsOf(ctx, tx, m.Keep, `rule IN (?, ?, ?) AND (state = 'planned' OR state = 'queued')`,
		ThankYou, Birthday, Reorder)
	if err != nil {
		return err
	}
	moved := map[int64]bool{}
	rows, err := tx.QueryContext(ctx, `SELECT job_id FROM merge_job WHERE merge_id = ? AND moved = 1`, m.ID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		moved[id] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	groups := map[string][]mergeJob{}
	recent := stamp(m.At.Add(-thankYouWindow))
	for _, j := range list {
		j.fromOther = moved[j.id]
		var g string
		switch {
		case j.rule == ThankYou && (j.state == "planned" || j.queued >= recent):
			g = ThankYou
		case j.rule == Birthday:
			g = fmt.Sprintf("%s/%d", Birthday, j.version)
		case j.rule == Reorder && j.state == "planned":
			g = Reorder + "/" + strings.ToLower(j.step)
		default:
			continue
		}
		groups[g] = append(groups[g], j)
	}
	var cancel []int64
	for g, js := range groups {
		var kept, others []mergeJob
		for _, j := range js {
			if j.fromOther {
				others = append(others, j)
			} else {
				kept = append(kept, j)
			}
		}
		if len(kept) == 0 || len(others) == 0 {
			continue // one side's own: as it would be without the merge
		}
		if strings.HasPrefix(g, Reorder+"/") {
			latest := js[0]
			for _, j := range js[1:] {
				if j.due > latest.due {
					latest = j
				}
			}
			for _, j := range js {
				if j.id != latest.id {
					cancel = append(cancel, j.id)
				}
			}
			continue
		}
		loser := others
		if !anyQueued(kept) && anyQueued(others) {
			loser = kept
		}
		for _, j := range loser {
			if j.state == "planned" {
				cancel = append(cancel, j.id)
			}
		}
	}
	for _, id := range cancel {
		if err := cancelForMerge(ctx, tx, m.ID, id, m.At); err != nil {
			return err
		}
	}
	return nil
}

func anyQueued(js []mergeJob) bool {
	for _, j := range js {
		if j.state == "queued" {
			return true
		}
	}
	return false
}

// prefRow is a customer's contact_pref, as merge_pref keeps it.
type prefRow struct {
	OptedOut             *string `json:"optedOut"`
	OptedOutAppointments *string `json:"optedOutAppointments"`
	Source               string  `json:"source"`
	Language             string  `json:"language"`
	BadAddress           *string `json:"badAddress"`
}

func (p prefRow) equal(q prefRow) bool {
	return sameText(p.OptedOut, q.OptedOut) && sameText(p.OptedOutAppointments, q.OptedOutAppointments) &&
		p.Source == q.Source && p.Language == q.Language && sameText(p.BadAddress, q.BadAddress)
}

func sameText(a, b *string) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }

// loadPrefRow reads a customer's preferences; nil: none recorded.
func loadPrefRow(ctx context.Context, tx *sql.Tx, customer int64) (*prefRow, error) {
	var p prefRow
	var out, outAppt, bad sql.NullString
	err := tx.QueryRowContext(ctx, `SELECT opted_out, opted_out_appointments, opt_out_source, language, bad_address
		FROM contact_pref WHERE customer_id = ?`, customer).Scan(&out, &outAppt, &p.Source, &p.Language, &bad)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	p.OptedOut, p.OptedOutAppointments, p.BadAddress = textPtr(out), textPtr(outAppt), textPtr(bad)
	return &p, nil
}

func textPtr(s sql.NullString) *string {
	if !s.Valid {
		return nil
	}
	return &s.String
}

func textArg(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

func writePrefRow(ctx context.Context, tx *sql.Tx, customer int64, p prefRow, now time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO contact_pref(customer_id, opted_out, opted_out_appointments,
		opt_out_source, language, bad_address, updated_at) VALUES(?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(customer_id) DO UPDATE SET opted_out = excluded.opted_out,
		opted_out_appointments = excluded.opted_out_appointments, opt_out_source = excluded.opt_out_source,
		language = excluded.language, bad_address = excluded.bad_address, updated_at = excluded.updated_at`,
		customer, textArg(p.OptedOut), textArg(p.OptedOutAppointments), p.Source, p.Language, textArg(p.BadAddress),
		stamp(now))
	return err
}

// mergePrefs makes the kept customer's preferences the stricter of both:
// an opt-out of either holds; the kept customer's language, else the
// other's; a refused address follows the address (the kept customer's own,
// or the other's when the kept one took it). An opt-out it adds stops the
// kept customer's emails waiting in the outbox, as SetOptOut does.
func mergePrefs(ctx context.Context, tx *sql.Tx, m orders.Merge) error {
	before, err := loadPrefRow(ctx, tx, m.Keep)
	if err != nil {
		return err
	}
	theirs, err := loadPrefRow(ctx, tx, m.Other)
	if err != nil || theirs == nil {
		return err
	}
	after := prefRow{}
	if before != nil {
		after = *before
	}
	if after.OptedOut == nil && theirs.OptedOut != nil {
		after.OptedOut, after.Source = theirs.OptedOut, theirs.Source
	}
	if after.OptedOutAppointments == nil && theirs.OptedOutAppointments != nil {
		after.OptedOutAppointments = theirs.OptedOutAppointments
		if after.Source == "" {
			after.Source = theirs.Source
		}
	}
	if after.Language == "" {
		after.Language = theirs.Language
	}
	if m.FilledEmail() {
		after.BadAddress = theirs.BadAddress
	}
	if before != nil && after.equal(*before) || before == nil && after.equal(prefRow{}) {
		return nil
	}
	if err := writePrefRow(ctx, tx, m.Keep, after, m.At); err != nil {
		return err
	}
	var old any
	if before != nil {
		b, err := json.Marshal(before)
		if err != nil {
			return err
		}
		old = string(b)
	}
	a, err := json.Marshal(after)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO merge_pref(merge_id, before, after) VALUES(?, ?, ?)`,
		m.ID, old, string(a)); err != nil {
		return err
	}
	all := (before == nil || before.OptedOut == nil) && after.OptedOut != nil
	appts := (before == nil || before.OptedOutAppointments == nil) && after.OptedOutAppointments != nil
	if !all && !appts {
		return nil
	}
	ids, err := queuedOutbox(ctx, tx, `customer_id = ? AND (rule <> ? OR ?)`, m.Keep, Appointment, appts)
	if err != nil {
		return err
	}
	_, err = inbox.Withdraw(ctx, tx, ids, "the customer opted out", m.At)
	return err
}

// moveReplies gives the other customer's answers to the kept one: the card
// shows them.
func moveReplies(ctx context.Context, tx *sql.Tx, m orders.Merge) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO merge_reply(merge_id, message_row)
		SELECT ?, message_row FROM customer_reply WHERE customer_id = ?`, m.ID, m.Other); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE customer_reply SET customer_id = ? WHERE customer_id = ?`, m.Keep, m.Other)
	return err
}

// UnmergeCustomers undoes what MergeCustomers did for merge m, inside the
// unmerge's transaction, after the order log gave the other customer back
// its orders and appointments: the other customer gets back its jobs (and
// those planned since about its orders and appointments) and its answers
// (and those since from its address, an opt-out among them holding for it);
// the duplicates the merge cancelled are planned again; the kept customer's
// preferences are what they were, but for what changed since (an opt-out
// the customer or the owner made stays).
func UnmergeCustomers(ctx context.Context, tx *sql.Tx, m orders.Merge) error {
	now := m.At
	if m.UnmergedAt != nil {
		now = *m.UnmergedAt
	}
	for _, step := range []func(context.Context, *sql.Tx, orders.Merge, time.Time) error{
		replanDuplicates, returnJobs, returnReplies, restorePrefs,
	} {
		if err := step(ctx, tx, m, now); err != nil {
			return fmt.Errorf("merge %d: automated emails: %w", m.ID, err)
		}
	}
	return nil
}

// replanDuplicates plans again the jobs the merge cancelled, where nothing
// else happened to them since; a job whose time has passed is then skipped
// by its deadline, as any late job.
func replanDuplicates(ctx context.Context, tx *sql.Tx, m orders.Merge, now time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE job SET state = 'planned', reason = '', updated_at = ?
		WHERE state = 'cancelled' AND reason = ? AND id IN
		(SELECT job_id FROM merge_job WHERE merge_id = ? AND cancelled = 1)`, stamp(now), reasonMerged, m.ID)
	return err
}

// returnJobs gives the other customer back the jobs the merge moved, and
// the kept customer's jobs about orders and appointments that are the
// other's again.
func returnJobs(ctx context.Context, tx *sql.Tx, m orders.Merge, now time.Time) error {
	list, err := jobsOf(ctx, tx, m.Keep, `id IN (SELECT job_id FROM merge_job WHERE merge_id = ? AND moved = 1)
		OR order_id IN (SELECT id FROM orders WHERE customer_id = ?)
		OR appointment_id IN (SELECT id FROM appointment WHERE customer_id = ?)`, m.ID, m.Other, m.Other)
	if err != nil {
		return err
	}
	for _, j := range list {
		if _, err := moveJob(ctx, tx, j, m.Other, now); err != nil {
			return err
		}
	}
	return nil
}

// returnReplies gives the other customer back its answers: those the merge
// moved, those about its jobs, and those written since from its address. An
// opt-out among the latter holds for it too.
func returnReplies(ctx context.Context, tx *sql.Tx, m orders.Merge, now time.Time) error {
	rows, err := tx.QueryContext(ctx, `SELECT r.message_row, r.kind, r.at,
		r.message_row IN (SELECT message_row FROM merge_reply WHERE merge_id = ?),
		coalesce(r.job_id IN (SELECT id FROM job WHERE customer_id = ?), 0),
		coalesce(m.from_addr, ''), coalesce(m.reply_to, '')
		FROM customer_reply r LEFT JOIN message m ON m.id = r.message_row WHERE r.customer_id = ?`, m.ID, m.Other, m.Keep)
	if err != nil {
		return err
	}
	type reply struct {
		row      int64
		kind, at string
		optOut   bool
	}
	var back []reply
	for rows.Next() {
		var r reply
		var moved, theirJob bool
		var from, replyTo string
		if err := rows.Scan(&r.row, &r.kind, &r.at, &moved, &theirJob, &from, &replyTo); err != nil {
			rows.Close()
			return err
		}
		sender := from
		if f := strings.Fields(replyTo); len(f) > 0 {
			sender = f[0]
		}
		fromThem := m.OtherEmail != "" && address.Normalize(sender) == m.OtherEmail
		if moved || theirJob || fromThem {
			r.optOut = !moved && r.kind == "optout"
			back = append(back, r)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, r := range back {
		if _, err := tx.ExecContext(ctx, `UPDATE customer_reply SET customer_id = ? WHERE message_row = ?`,
			m.Other, r.row); err != nil {
			return err
		}
		if !r.optOut {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO contact_pref(customer_id, opted_out, opt_out_source, updated_at)
			VALUES(?1, ?2, 'reply', ?3) ON CONFLICT(customer_id) DO UPDATE SET
			opted_out = coalesce(opted_out, excluded.opted_out), opt_out_source = 'reply', updated_at = excluded.updated_at`,
			m.Other, r.at, stamp(now)); err != nil {
			return err
		}
	}
	return nil
}

// restorePrefs gives the kept customer back its preferences, field by
// field, where they still hold what the merge made of them.
func restorePrefs(ctx context.Context, tx *sql.Tx, m orders.Merge, now time.Time) error {
	var old sql.NullString
	var made string
	err := tx.QueryRowContext(ctx, `SELECT before, after FROM merge_pref WHERE merge_id = ?`, m.ID).Scan(&old, &made)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // the merge changed nothing there
	}
	if err != nil {
		return err
	}
	var before, after prefRow
	if old.Valid {
		if err := json.Unmarshal([]byte(old.String), &before); err != nil {
			return fmt.Errorf("merge_pref before: %w", err)
		}
	}
	if err := json.Unmarshal([]byte(made), &after); err != nil {
		return fmt.Errorf("merge_pref after: %w", err)
	}
	cur, err := loadPrefRow(ctx, tx, m.Keep)
	if err != nil {
		return err
	}
	if cur == nil {
		return nil // removed since: nothing of the merge's is left
	}
	// An opt-out the kept customer's own reply made since stays, even when
	// the merge's was there first and the reply changed nothing.
	var repliedSince int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM customer_reply WHERE customer_id = ? AND kind = 'optout'
		AND at >= ?`, m.Keep, stamp(m.At)).Scan(&repliedSince); err != nil {
		return err
	}
	p := *cur
	if sameText(p.OptedOut, after.OptedOut) && p.Source == after.Source && repliedSince == 0 {
		p.OptedOut, p.Source = before.OptedOut, before.Source
	}
	if sameText(p.OptedOutAppointments, after.OptedOutAppointments) {
		p.OptedOutAppointments = before.OptedOutAppointments
	}
	if p.Language == after.Language {
		p.Language = before.Language
	}
	if sameText(p.BadAddress, after.BadAddress) {
		p.BadAddress = before.BadAddress
	}
	if !old.Valid && p.equal(prefRow{}) {
		_, err := tx.ExecContext(ctx, `DELETE FROM contact_pref WHERE customer_id = ?`, m.Keep)
		return err
	}
	if p.equal(*cur) {
		return nil
	}
	return writePrefRow(ctx, tx, m.Keep, p, now)
}
