package inbox

import (
	"context"
	"errors"
	"fmt"

	gomail "github.com/wneessen/go-mail"
)

// smtpConn is a round's connection to the sending server: dialled at the
// first message that goes, kept for the next ones, closed at the end of
// the round. A day's reminders then cost one login, not one each, and do
// not look like a flood of connections to the shop's mail provider.
type smtpConn struct {
	c *gomail.Client // nil: not connected
}

// smtpDial makes a client for the sending server, not yet connected.
type smtpDial = func(ctx context.Context) (*gomail.Client, error)

// send hands one message over, connecting with dial when not connected.
// The error is as a connection of its own would have given it, so that
// what is recorded per message is the same.
func (sc *smtpConn) send(ctx context.Context, dial smtpDial, msg *gomail.Msg) error {
	kept := sc.c != nil
	if err := sc.connect(ctx, dial); err != nil {
		return err
	}
	err := sc.c.Send(msg)
	if err != nil && kept && notHandedOver(err) {
		// The server dropped the kept connection meanwhile (it idled, or
		// the server takes so many messages a connection): nothing went,
		// so the message goes on a new one, as it would have at first.
		sc.close()
		if err := sc.connect(ctx, dial); err != nil {
			return err
		}
		err = sc.c.Send(msg)
	}
	if err != nil && !sc.stillGood(err) {
		sc.close()
	}
	if err != nil {
		return fmt.Errorf("send failed: %w", err)
	}
	return nil
}

func (sc *smtpConn) connect(ctx context.Context, dial smtpDial) error {
	if sc.c != nil {
		return nil
	}
	c, err := dial(ctx)
	if err != nil {
		return err
	}
	if err := c.DialWithContext(ctx); err != nil {
		return fmt.Errorf("dial failed: %w", err)
	}
	sc.c = c
	return nil
}

// close says goodbye (QUIT); a failure then changes nothing.
func (sc *smtpConn) close() {
	if sc.c != nil {
		sc.c.Close()
		sc.c = nil
	}
}

// notHandedOver: the connection failed before the message was given (no
// answer at all to MAIL, RCPT or DATA, or 421, the server closing).
func notHandedOver(err error) bool {
	var se *gomail.SendError
	if !errors.As(err, &se) || (se.ErrorCode() != 0 && se.ErrorCode() != 421) {
		return false
	}
	switch se.Reason {
	case gomail.ErrConnCheck, gomail.ErrSMTPMailFrom, gomail.ErrSMTPRcptTo, gomail.ErrSMTPData:
		return true
	}
	return false
}

// stillGood says whether the connection can take the next message after a
// failed one: only when the server answered (refused the sender, a
// recipient or the message, and not with 421) and still answers a RSET,
// which also ends the refused transaction. After anything else (no
// answer, a timeout, a failure after the message went) the next message
// gets a new connection.
func (sc *smtpConn) stillGood(err error) bool {
	var se *gomail.SendError
	if !errors.As(err, &se) || se.ErrorCode() == 0 || se.ErrorCode() == 421 {
		return false
	}
	switch se.Reason {
	case gomail.ErrSMTPMailFrom, gomail.ErrSMTPRcptTo, gomail.ErrSMTPData, gomail.ErrSMTPDataClose:
		return sc.c.Reset() == nil
	}
	return false
}
