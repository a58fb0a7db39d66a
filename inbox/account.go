package inbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	"mostrador/internal/address"
)

// Security is how a connection is protected.
type Security int

const (
	TLS      Security = iota // TLS from the first byte (imaps, smtps)
	StartTLS                 // plain greeting, then STARTTLS before anything else
	Plain                    // no encryption: loopback only
)

// Endpoint is a mail server as an account URL names it:
// imaps://user@host:993, imap+starttls://user@host:143, imap://user@127.0.0.1:1143,
// smtps://user@host:465, smtp+starttls://user@host:587, smtp://user@127.0.0.1:2525.
type Endpoint struct {
	Proto    string // "imap" or "smtp"
	Security Security
	Host     string
	Port     int
	User     string // "" for an SMTP server that needs no login
}

// Addr is host:port.
func (e Endpoint) Addr() string { return net.JoinHostPort(e.Host, strconv.Itoa(e.Port)) }

// String is the URL form, the one stored and shown.
func (e Endpoint) String() string {
	scheme := e.Proto
	switch e.Security {
	case TLS:
		scheme += "s"
	case StartTLS:
		scheme += "+starttls"
	}
	u := url.URL{Scheme: scheme, Host: e.Addr()}
	if e.User != "" {
		u.User = url.User(e.User)
	}
	return u.String()
}

// AccountError refuses a setting of the account: Field names it ("imap",
// "smtp", "from"), Code is a translation key ("account.badScheme" ...).
type AccountError struct {
	Field, Value, Code string
	Args               map[string]any
}

func (e *AccountError) Error() string {
	return fmt.Sprintf("account %s %q: %s", e.Field, e.Value, e.Code)
}

var defaultPorts = map[string]int{"imaps": 993, "imap+starttls": 143, "imap": 143,
	"smtps": 465, "smtp+starttls": 587, "smtp": 25}

// ParseEndpoint reads an account URL for proto ("imap" or "smtp"). A user
// name with an @ is written percent-encoded (shop%40example.com), though a
// bare one is understood too. Unencrypted URLs are refused unless the host
// is this computer.
func ParseEndpoint(proto, raw string) (Endpoint, error) {
	bad := func(code string, args map[string]any) (Endpoint, error) {
		return Endpoint{}, &AccountError{Field: proto, Value: raw, Code: code, Args: args}
	}
	s := strings.TrimSpace(raw)
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok || rest == "" {
		return bad("account.notURL", map[string]any{"Example": example(proto)})
	}
	scheme = strings.ToLower(scheme)
	if _, known := defaultPorts[scheme]; !known || !strings.HasPrefix(scheme, proto) {
		return bad("account.badScheme", map[string]any{"Scheme": scheme, "Example": example(proto)})
	}
	// A bare @ in the user name: the last @ before the host is the separator.
	if at := strings.LastIndex(rest, "@"); at > 0 {
		rest = strings.ReplaceAll(rest[:at], "@", "%40") + rest[at:]
	}
	u, err := url.Parse(scheme + "://" + rest)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return bad("account.notURL", map[string]any{"Example": example(proto)})
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return bad("account.extraParts", map[string]any{"Example": example(proto)})
	}
	if _, hasPass := u.User.Password(); hasPass {
		return bad("account.passwordInURL", nil)
	}
	e := Endpoint{Proto: proto, Host: u.Hostname(), Port: defaultPorts[scheme], User: u.User.Username()}
	switch {
	case strings.HasSuffix(scheme, "+starttls"):
		e.Security = StartTLS
	case scheme == proto:
		e.Security = Plain
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return bad("account.badPort", map[string]any{"Port": p})
		}
		e.Port = n
	}
	if e.Host == "" || strings.ContainsAny(e.Host, " /\\") {
		return bad("account.notURL", map[string]any{"Example": example(proto)})
	}
	if proto == "imap" && e.User == "" {
		return bad("account.noUser", map[string]any{"Example": example(proto)})
	}
	if e.Security == Plain && !IsLoopback(e.Host) {
		return bad("account.plainNotLocal", map[string]any{"Host": e.Host, "Secure": proto + "s://" + rest})
	}
	return e, nil
}

func example(proto string) string {
	if proto == "smtp" {
		return "smtp+starttls://shop%40example.com@smtp.example.com:587"
	}
	return "imaps://shop%40example.com@imap.example.com:993"
}

// IsLoopback reports whether host is this computer: 127.0.0.0/8, ::1 or
// localhost. Only there may a password travel unencrypted.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// ParseFrom reads the shop's sender, "Lola Peña <hola@jaboneslola.es>".
// A name is required: a personal From earns more trust than a bare address.
func ParseFrom(raw string) (name, addr string, err error) {
	a, perr := mail.ParseAddress(strings.TrimSpace(raw))
	if perr != nil {
		return "", "", &AccountError{Field: "from", Value: raw, Code: "account.badFrom"}
	}
	if strings.TrimSpace(a.Name) == "" {
		return "", "", &AccountError{Field: "from", Value: raw, Code: "account.fromNoName"}
	}
	addr = address.Normalize(a.Address)
	if !address.Valid(addr) {
		return "", "", &AccountError{Field: "from", Value: raw, Code: "account.badFrom"}
	}
	return strings.TrimSpace(a.Name), addr, nil
}

// Account is the shop's mailbox: where to read, where to send, and who
// the mail is from.
type Account struct {
	IMAP     Endpoint `json:"-"`
	SMTP     Endpoint `json:"-"`
	FromName string   `json:"fromName"`
	FromAddr string   `json:"fromAddr"`
	// Trusted are SHA-256 fingerprints (lower-case hex) of self-signed
	// certificates the owner trusted by hand.
	Trusted   []string  `json:"trusted,omitempty"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// From is the sender as people read it: Lola Peña <hola@jaboneslola.es>
// (quoted only where the name has a comma or the like). Headers are encoded
// when a message is written, not here.
func (a *Account) From() string {
	name := a.FromName
	if strings.ContainsAny(name, `()<>[]:;@\,."`) {
		name = strconv.Quote(name)
	}
	return name + " <" + a.FromAddr + ">"
}

// ErrNoAccount: no mailbox has been set up yet.
var ErrNoAccount = errors.New("no mailbox account is set up")

// LoadAccount reads the account, or ErrNoAccount.
func LoadAccount(ctx context.Context, db *sql.DB) (*Account, error) {
	var imapURL, smtpURL, trusted, updated string
	a := &Account{}
	err := db.QueryRowContext(ctx, `SELECT imap_url, smtp_url, from_name, from_addr, trusted, updated_at
		FROM account WHERE id = 1`).Scan(&imapURL, &smtpURL, &a.FromName, &a.FromAddr, &trusted, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoAccount
	}
	if err != nil {
		return nil, fmt.Errorf("account: %w", err)
	}
	if a.IMAP, err = ParseEndpoint("imap", imapURL); err != nil {
		return nil, err
	}
	if a.SMTP, err = ParseEndpoint("smtp", smtpURL); err != nil {
		return nil, err
	}
	a.Trusted = strings.Fields(trusted)
	a.UpdatedAt, _ = time.Parse(time.RFC3339, updated)
	return a, nil
}

// SaveAccount stores the account (the caller has tested it).
func SaveAccount(ctx context.Context, db *sql.DB, a *Account) error {
	a.UpdatedAt = time.Now().UTC().Truncate(time.Second)
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("account: %w", err)
	}
	defer tx.Rollback()
	var old string
	err = tx.QueryRowContext(ctx, `SELECT imap_url FROM account WHERE id = 1`).Scan(&old)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("account: %w", err)
	}
	if err == nil && otherMailbox(old, a.IMAP) {
		// Another mailbox (another server or user): what is stored is the
		// old one's, and its UIDs mean nothing on the new one (two servers
		// may even number alike). Start the new one from scratch.
		if err := forgetMailbox(ctx, tx); err != nil {
			return fmt.Errorf("account: %w", err)
		}
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO account(id, imap_url, smtp_url, from_name, from_addr, trusted, updated_at)
		VALUES(1, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(id) DO UPDATE SET imap_url = excluded.imap_url, smtp_url = excluded.smtp_url,
			from_name = excluded.from_name, from_addr = excluded.from_addr, trusted = excluded.trusted,
			updated_at = excluded.updated_at`,
		a.IMAP.String(), a.SMTP.String(), a.FromName, a.FromAddr, strings.Join(a.Trusted, " "),
		a.UpdatedAt.Format(time.RFC3339))
	if err != nil {
		return fmt.Errorf("account: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("account: %w", err)
	}
	return nil
}

// otherMailbox says whether ep is another mailbox than the one stored as
// old: another host, port or user (a port may be another server on the
// same host; the same server on another port only costs a full sync).
func otherMailbox(old string, ep Endpoint) bool {
	prev, err := ParseEndpoint("imap", old)
	if err != nil {
		return true
	}
	return !strings.EqualFold(prev.Host, ep.Host) || prev.Port != ep.Port || prev.User != ep.User
}

// forgetMailbox drops the synced messages (not the local copies of sent
// replies, which wait for the server's) and every folder's sync state.
func forgetMailbox(ctx context.Context, tx *sql.Tx) error {
	if _, err := deleteMessages(ctx, tx, `uid > 0`); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE folder SET uidvalidity = 0, uidnext = 0, low_uid = 0, complete = 0,
		modseq = 0, synced_at = NULL`)
	return err
}

// NormalizeFingerprint reads a SHA-256 fingerprint as browsers and openssl
// print it ("AB:CD:..." or "abcd..."), or reports that it is not one.
func NormalizeFingerprint(raw string) (string, error) {
	f := strings.ToLower(strings.NewReplacer(":", "", " ", "", "-", "").Replace(strings.TrimSpace(raw)))
	f = strings.TrimPrefix(f, "sha256")
	f = strings.TrimPrefix(f, "=")
	if len(f) != 64 || strings.Trim(f, "0123456789abcdef") != "" {
		return "", &AccountError{Field: "trust-fingerprint", Value: raw, Code: "account.badFingerprint"}
	}
	return f, nil
}
