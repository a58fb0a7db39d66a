package reminders

import (
	"context"
	"database/sql"
	"time"

	"mostrador/inbox"
)

// InboxMailbox hands the scheduler's emails to the shop's outbox, whose
// Sender sends them exactly once over one SMTP connection, at most its
// RatePerMinute, and files them in Sent.
type InboxMailbox struct {
	Account *inbox.Account
	Sender  *inbox.Sender
	Now     func() time.Time // nil: time.Now
}

// Queue writes the email into the outbox inside tx.
func (m *InboxMailbox) Queue(ctx context.Context, tx *sql.Tx, e Email) (int64, error) {
	now := time.Now()
	if m.Now != nil {
		now = m.Now()
	}
	id, _, err := inbox.QueueAuto(ctx, tx, m.Account, e, now)
	return id, err
}

// SendDue sends what the outbox holds that is due: the scheduler's emails,
// and any reply of the owner's whose time has come.
func (m *InboxMailbox) SendDue(ctx context.Context) error {
	_, err := m.Sender.SendDue(ctx)
	return err
}
