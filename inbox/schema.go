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
	// Conversations. A thread gathers the messages that answer each other
	// (References and In-Reply-To; the same subject with the same customer
	// when a mail client dropped them) and keeps what the inbox sorts and
	// the card shows: who the customer is, whether the shop owes an answer
	// and since when, and how long the first answer took. thread_key maps
	// every Message-ID seen in a thread, its own or referenced, to the
	// thread, so that a reply stored before its original (the sync goes
	// newest first) still finds it. thread_order holds the order numbers
	// written in the thread, which link it to the order's customer.
	`ALTER TABLE message ADD COLUMN thread_id INTEGER REFERENCES thread(id) ON DELETE SET NULL;
	ALTER TABLE message ADD COLUMN bounced TEXT NOT NULL DEFAULT ''; -- a bounce's failed recipients, normalized, space-separated
	CREATE TABLE thread (
		id             INTEGER PRIMARY KEY,
		subject        TEXT NOT NULL DEFAULT '', -- as its first message has it
		subject_key    TEXT NOT NULL DEFAULT '', -- lower case, without Re:/RV:/Fwd: and list tags
		customer       TEXT NOT NULL DEFAULT '', -- normalized address of the person the shop talks to
		customer_name  TEXT NOT NULL DEFAULT '',
		started_at     TEXT NOT NULL,
		last_at        TEXT NOT NULL,
		messages       INTEGER NOT NULL DEFAULT 0,
		snippet        TEXT NOT NULL DEFAULT '', -- the start of the newest message written by a person
		waiting_since  TEXT,                     -- the customer's oldest unanswered message; NULL: nothing owed
		first_response INTEGER,                  -- seconds from the customer's first message to the shop's first answer
		automatic      INTEGER NOT NULL DEFAULT 0 -- only auto-replies, bounces or bulk mail: never waiting
	);
	CREATE INDEX thread_by_customer ON thread(customer, last_at);
	CREATE INDEX thread_by_subject ON thread(subject_key, customer);
	CREATE INDEX thread_waiting ON thread(waiting_since) WHERE waiting_since IS NOT NULL;
	CREATE INDEX message_by_thread ON message(thread_id);
	CREATE TABLE thread_key (
		key       TEXT PRIMARY KEY, -- a Message-ID without <>
		thread_id INTEGER NOT NULL REFERENCES thread(id) ON DELETE CASCADE
	) WITHOUT ROWID;
	CREATE INDEX thread_key_by_thread ON thread_key(thread_id);
	CREATE TABLE thread_order (
		number    TEXT NOT NULL,    -- as written, without "#"
		thread_id INTEGER NOT NULL REFERENCES thread(id) ON DELETE CASCADE,
		PRIMARY KEY (number, thread_id)
	) WITHOUT ROWID;
	CREATE INDEX thread_order_by_thread ON thread_order(thread_id)`,
	// Full-text search over what the owner remembers of a message: its
	// subject, its text, who wrote it and to whom. The index reads the text from the
	// message table (content=message) rather than keeping a copy. New
	// messages are indexed by whoever stores them, a batch in one statement
	// (see storer.finish): with a trigger, every INSERT opened a savepoint
	// and FTS5 wrote its pending index to disk at each one, which took a
	// third of a sync. Triggers keep deletes and edits in step. unicode61 with remove_diacritics 2 folds accents, so
	// "camion" finds "camión".
	//
	// From here on a message's id follows its date (see messageID), so that
	// the index, which walks rowids in order, lists the newest matches first
	// and stops at the page's end however many messages match. The ids
	// stored so far are renumbered the same way.
	`CREATE TEMP TABLE renumber AS SELECT id AS old,
		(coalesce(CAST(strftime('%s', coalesce(sent_at, received_at)) AS INTEGER), 0) << 16)
		+ row_number() OVER (PARTITION BY coalesce(sent_at, received_at) ORDER BY id) - 1 AS new
		FROM message;
	PRAGMA defer_foreign_keys = ON;
	UPDATE message SET id = (SELECT new FROM renumber WHERE old = message.id);
	UPDATE attachment SET message_id = (SELECT new FROM renumber WHERE old = attachment.message_id);
	DROP TABLE renumber;
	CREATE VIRTUAL TABLE message_fts USING fts5(subject, body, from_name, from_addr, to_addrs,
		content='message', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
	CREATE TRIGGER message_fts_delete AFTER DELETE ON message BEGIN
		INSERT INTO message_fts(message_fts, rowid, subject, body, from_name, from_addr, to_addrs)
		VALUES ('delete', old.id, old.subject, old.body, old.from_name, old.from_addr, old.to_addrs);
	END;
	CREATE TRIGGER message_fts_update AFTER UPDATE OF subject, body, from_name, from_addr, to_addrs ON message BEGIN
		INSERT INTO message_fts(message_fts, rowid, subject, body, from_name, from_addr, to_addrs)
		VALUES ('delete', old.id, old.subject, old.body, old.from_name, old.from_addr, old.to_addrs);
		INSERT INTO message_fts(rowid, subject, body, from_name, from_addr, to_addrs)
		VALUES (new.id, new.subject, new.body, new.from_name, new.from_addr, new.to_addrs);
	END;
	INSERT INTO message_fts(message_fts) VALUES ('rebuild')`,
	// The outbox of the owner's replies. A reply is kept from the moment it
	// is written until it is sent, appended to Sent and its original marked
	// \Answered, so that nothing written is lost to a dropped connection or
	// a refusing server. Each try sends the same message (same Message-ID
	// and Date), built again from these fields.
	`CREATE TABLE outbox (
		id           INTEGER PRIMARY KEY,
		message_id   TEXT NOT NULL UNIQUE, -- of the reply, without <>
		answers      TEXT NOT NULL DEFAULT '', -- the Message-ID answered
		thread_id    INTEGER REFERENCES thread(id) ON DELETE SET NULL,
		from_name    TEXT NOT NULL,
		from_addr    TEXT NOT NULL,
		to_name      TEXT NOT NULL DEFAULT '',
		to_addr      TEXT NOT NULL,
		subject      TEXT NOT NULL,
		in_reply_to  TEXT NOT NULL DEFAULT '',
		refs         TEXT NOT NULL DEFAULT '', -- space-separated, without <>
		text         TEXT NOT NULL, -- what the owner wrote, for editing
		body         TEXT NOT NULL, -- the whole text sent: what the owner wrote, signature, quote
		date         TEXT NOT NULL, -- the Date header
		send_at      TEXT NOT NULL, -- not before ("send later")
		state        TEXT NOT NULL, -- queued, sending, sent, failed, uncertain
		attempts     INTEGER NOT NULL DEFAULT 0,
		error        TEXT NOT NULL DEFAULT '',
		error_code   TEXT NOT NULL DEFAULT '', -- what went wrong, for plain words: see SendErrorCode
		permanent    INTEGER NOT NULL DEFAULT 0, -- refused for good: to be edited, not retried
		next_try     TEXT,
		sent_at      TEXT,
		appended     INTEGER NOT NULL DEFAULT 0, -- a copy is in the server's Sent folder
		flagged      INTEGER NOT NULL DEFAULT 0, -- the original carries \Answered on the server
		created_at   TEXT NOT NULL,
		updated_at   TEXT NOT NULL
	);
	CREATE INDEX outbox_due ON outbox(state, send_at)`,
	// Saved replies: answers the owner writes once and sends many times,
	// with fields filled from the customer and their last order (checked
	// by the caller, see internal/shop).
	`CREATE TABLE saved_reply (
		name       TEXT PRIMARY KEY COLLATE NOCASE,
		body       TEXT NOT NULL,
		updated_at TEXT NOT NULL
	)`,
	// Nothing looks messages up by sender any more (a customer's mail is
	// found through its threads), and every index costs each stored
	// message a B-tree insert: a first sync stores tens of thousands.
	`DROP INDEX message_by_from`,
	// Automated mail (thank-you notes, delivery news, appointment
	// reminders: see package reminders) goes through the same outbox as the
	// owner's replies, so that it gets the same care: sent once, retried,
	// kept when refused, filed in Sent. It answers nothing (answers stays
	// ''), may carry an invitation, and may stop being worth sending: a
	// reminder of yesterday's appointment is not sent late, it expires
	// (state expired, beside queued, sending, sent, failed, uncertain).
	`ALTER TABLE outbox ADD COLUMN auto INTEGER NOT NULL DEFAULT 0; -- written by a rule, not by the owner
	ALTER TABLE outbox ADD COLUMN reply_to TEXT NOT NULL DEFAULT ''; -- the Reply-To header; '': none
	ALTER TABLE outbox ADD COLUMN unsubscribe TEXT NOT NULL DEFAULT ''; -- a mailto: URL for List-Unsubscribe; '': none
	ALTER TABLE outbox ADD COLUMN calendar TEXT NOT NULL DEFAULT ''; -- an .ics invitation's text; '': none
	ALTER TABLE outbox ADD COLUMN calendar_method TEXT NOT NULL DEFAULT ''; -- its iTIP method: REQUEST, CANCEL
	ALTER TABLE outbox ADD COLUMN expires_at TEXT; -- not sent after it (state expired); NULL: never
	`,
	// Which process claimed a row to send it (see claim.go), so that a
	// process started after a crash can tell a row the dead one left
	// "sending" from one a live one is sending, and make it uncertain at
	// once rather than after staleSending.
	`ALTER TABLE outbox ADD COLUMN claimed_by TEXT NOT NULL DEFAULT ''; -- pid, run, host, PID namespace; '': not said
	`,
	// The reply the owner is writing in a thread, kept as they type so
	// that it survives closing the window. No foreign key: a thread merged
	// into another by a later sync leaves its draft, harmless, rather than
	// failing the sync.
	`CREATE TABLE draft (
		thread_id  INTEGER PRIMARY KEY,
		text       TEXT NOT NULL,
		updated_at TEXT NOT NULL
	)`,
}}
