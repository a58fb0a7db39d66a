package inbox

import "mostrador/internal/database"

// Migrations are the mailbox's tables. Steps are never edited once
// released: a change is a new step.
var Migrations = database.Migrations{Package: "inbox", Steps: []string{
	// One shop, one mailbox. The user names are in the URLs; passwords are
	// never here (see Secrets).
	`CREATE TABLE account (
		id           INTEGER PRIMARY KEY CHECK (id = 1),
		imap_url     TEXT NOT NULL,
		smtp_url     TEXT NOT NULL,
		from_name    TEXT NOT NULL,
		from_addr    TEXT NOT NULL,
		trusted      TEXT NOT NULL DEFAULT '', -- SHA-256 fingerprints of certificates trusted by hand, space-separated
		updated_at   TEXT NOT NULL
	)`,
	// The mirror: folders with their IMAP sync state, and messages with
	// what is read and searched (headers, text, attachment list), never
	// the attachments themselves.
	`CREATE TABLE folder (
		id           INTEGER PRIMARY KEY,
		name         TEXT NOT NULL UNIQUE,   -- the IMAP mailbox name
		role         TEXT NOT NULL DEFAULT '', -- inbox, sent
		uidvalidity  INTEGER NOT NULL DEFAULT 0,
		uidnext      INTEGER NOT NULL DEFAULT 0, -- every UID below it that the server had is stored, down to low_uid
		low_uid      INTEGER NOT NULL DEFAULT 0, -- the oldest message stored; older ones are fetched later (newest first)
		complete     INTEGER NOT NULL DEFAULT 0, -- nothing older is left to fetch
		modseq       INTEGER NOT NULL DEFAULT 0, -- HIGHESTMODSEQ when flags were last synced (CONDSTORE)
		synced_at    TEXT
	)`,
	`CREATE TABLE message (
		id           INTEGER PRIMARY KEY,
		folder_id    INTEGER NOT NULL REFERENCES folder(id) ON DELETE CASCADE,
		uid          INTEGER NOT NULL,
		message_id   TEXT NOT NULL DEFAULT '', -- without <>
		in_reply_to  TEXT NOT NULL DEFAULT '', -- space-separated, without <>
		refs         TEXT NOT NULL DEFAULT '', -- space-separated, without <>
		subject      TEXT NOT NULL DEFAULT '',
		from_name    TEXT NOT NULL DEFAULT '',
		from_addr    TEXT NOT NULL DEFAULT '', -- normalized (internal/address)
		reply_to     TEXT NOT NULL DEFAULT '', -- normalized, space-separated
		to_addrs     TEXT NOT NULL DEFAULT '', -- normalized, space-separated
		cc_addrs     TEXT NOT NULL DEFAULT '',
		sent_at      TEXT,                     -- the Date header, UTC
		received_at  TEXT NOT NULL,            -- INTERNALDATE, UTC
		size         INTEGER NOT NULL DEFAULT 0,
		seen         INTEGER NOT NULL DEFAULT 0,
		answered     INTEGER NOT NULL DEFAULT 0,
		flagged      INTEGER NOT NULL DEFAULT 0,
		kind         TEXT NOT NULL DEFAULT '', -- '', auto (auto-reply), bounce
		outgoing     INTEGER NOT NULL DEFAULT 0, -- from the shop's own address
		body         TEXT NOT NULL DEFAULT '',
		from_html    INTEGER NOT NULL DEFAULT 0,
		problems     TEXT NOT NULL DEFAULT '', -- what could not be read, one per line
		modseq       INTEGER NOT NULL DEFAULT 0,
		UNIQUE (folder_id, uid)
	)`,
	`CREATE INDEX message_by_message_id ON message(message_id)`,
	`CREATE INDEX message_by_from ON message(from_addr)`,
	`CREATE TABLE attachment (
		message_id   INTEGER NOT NULL REFERENCES message(id) ON DELETE CASCADE,
		part         TEXT NOT NULL, -- IMAP section, for fetching it on demand
		name         TEXT NOT NULL,
		type         TEXT NOT NULL,
		size         INTEGER NOT NULL,
		content_id   TEXT NOT NULL DEFAULT '',
		inline       INTEGER NOT NULL DEFAULT 0,
		PRIMARY KEY (message_id, part)
	) WITHOUT ROWID`,
}}
